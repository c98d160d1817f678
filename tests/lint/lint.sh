#!/usr/bin/env bash
# Our C code is clang-format clean (repo .clang-format) and cppcheck clean.
set -euo pipefail
top=$1
cd "$top"
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^third_party/' || true)
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find libmcsec tools kamailio-mod-mcsec tests -name '*.[ch]' | sort)
fi
echo "lint: ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"
# Kamailio's headers are not ours: the module is checked without them, so
# cppcheck sees our code only (missingInclude is expected there).
cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
  --enable=warning,style,performance,portability \
  --suppress=missingIncludeSystem --suppress=missingInclude \
  --suppress=unusedFunction --suppress=unmatchedSuppression \
  -I libmcsec/include -I libmcsec/src "${files[@]}"
echo "lint: clean"
