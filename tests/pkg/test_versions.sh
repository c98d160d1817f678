#!/bin/sh
# pkg.versions: the version is said in three places that must agree:
# project(mcsec VERSION x.y.z) in CMakeLists.txt (what --version prints, with
# git describe appended in a checkout: cmake/Version.cmake), the top entry of
# CHANGELOG.md ("## x.y.z ...") and of debian/changelog ("mcsec (x.y.z) ...",
# the package version, native: no Debian revision).
# Usage: test_versions.sh SOURCE_DIR
set -eu
src=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
cmake_v=$(sed -n 's/^project(mcsec VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
md_v=$(sed -n 's/^## \([0-9][0-9.]*\)\( .*\)\{0,1\}$/\1/p' "$src/CHANGELOG.md" | head -n 1)
deb_v=$(sed -n '1s/^mcsec (\([^)]*\)).*/\1/p' "$src/debian/changelog")
if command -v dpkg-parsechangelog >/dev/null; then
    deb_v2=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
    [ "$deb_v" = "$deb_v2" ] || fail "debian/changelog: '$deb_v' vs dpkg-parsechangelog '$deb_v2'"
fi
echo "CMakeLists.txt project(VERSION): ${cmake_v:-?}"
echo "CHANGELOG.md top entry:          ${md_v:-?}"
echo "debian/changelog top entry:      ${deb_v:-?}"
[ -n "$cmake_v" ] || fail "no project(mcsec VERSION ...) in CMakeLists.txt"
[ -n "$md_v" ] || fail "no '## x.y.z' entry in CHANGELOG.md"
[ -n "$deb_v" ] || fail "no 'mcsec (x.y.z)' first line in debian/changelog"
[ "$md_v" = "$cmake_v" ] || fail "CHANGELOG.md says $md_v, CMakeLists.txt $cmake_v"
[ "$deb_v" = "$cmake_v" ] || fail "debian/changelog says $deb_v, CMakeLists.txt $cmake_v"
echo "PASS: version $cmake_v in all three"
