#!/usr/bin/env bash
# libmcsec's parts depend one way: fails with FILE:LINE when an #include in
# libmcsec/src/<part>/ or libmcsec/include/mcsec/<part>/ names a part that
# <part> may not use.
#
# The one source of truth is the list between the "layers: begin" and
# "layers: end" markers of libmcsec/README.md, one line per part:
#   part: the parts it may use
# A part may only name parts listed above it, so the list has no cycle.
# Includes map to parts this way:
#   "mcsec/<q>/x.h"   public header of part q
#   "<q>/x_internal.h" private header of part q (libmcsec/src/<q>/)
#   "x.h"             a header next to the including file (its own part)
# Anything else in quotes (a flat "mcsec/x.h", an unknown folder) fails too.
# usage: layers.sh SOURCE_DIR
set -euo pipefail
top=$1
readme="$top/libmcsec/README.md"
lib="$top/libmcsec"

declare -A allowed=() # part -> " dep dep "
order=()
fail=0
complain() {
  echo "$1" >&2
  fail=1
}

in_list=0
lineno=0
while IFS= read -r line; do
  lineno=$((lineno + 1))
  case "$line" in
  *"layers: begin"*) in_list=1; continue ;;
  *"layers: end"*) in_list=0; continue ;;
  esac
  [ "$in_list" = 1 ] || continue
  [[ "$line" =~ ^([a-z0-9]+):[[:space:]]*(.*)$ ]] || continue
  part=${BASH_REMATCH[1]}
  deps=${BASH_REMATCH[2]//,/ }
  for dep in $deps; do
    [ -n "${allowed[$dep]+x}" ] ||
      complain "$readme:$lineno: '$part' uses '$dep', which is not listed above it"
  done
  allowed[$part]=" $deps "
  order+=("$part")
done <"$readme"
[ ${#order[@]} -gt 0 ] || { echo "$readme: no layers list (layers: begin/end)" >&2; exit 1; }

# Every part folder is listed, every listed part has a folder.
for dir in "$lib"/src/* "$lib"/include/mcsec/*; do
  name=$(basename "$dir")
  if [ ! -d "$dir" ]; then
    complain "${dir#"$top"/}: a file outside any part folder"
  elif [ -z "${allowed[$name]+x}" ]; then
    complain "${dir#"$top"/}: part '$name' is not in libmcsec/README.md"
  fi
done
for part in "${order[@]}"; do
  [ -d "$lib/src/$part" ] || complain "libmcsec/README.md: part '$part' has no libmcsec/src/$part/"
done

checked=0
while IFS= read -r file; do
  rel=${file#"$lib"/}
  case "$rel" in
  src/*) part=$(echo "$rel" | cut -d/ -f2) ;;
  include/mcsec/*) part=$(echo "$rel" | cut -d/ -f3) ;;
  esac
  [ -n "${allowed[$part]+x}" ] || continue # reported above
  while IFS=: read -r num text; do
    checked=$((checked + 1))
    [[ "$text" =~ \#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
    inc=${BASH_REMATCH[1]}
    if [[ "$inc" =~ ^mcsec/([a-z0-9]+)/[^/]+$ ]]; then
      target=${BASH_REMATCH[1]}
    elif [[ "$inc" =~ ^([a-z0-9]+)/[^/]+$ ]]; then
      target=${BASH_REMATCH[1]}
    elif [[ "$inc" != */* && -f "$(dirname "$file")/$inc" ]]; then
      target=$part
    else
      complain "libmcsec/$rel:$num: \"$inc\" belongs to no part (use \"mcsec/<part>/x.h\", \"<part>/x_internal.h\" or a header next to the file)"
      continue
    fi
    if [ -z "${allowed[$target]+x}" ]; then
      complain "libmcsec/$rel:$num: \"$inc\" names '$target', which is no part"
    elif [ "$target" != "$part" ] && [[ "${allowed[$part]}" != *" $target "* ]]; then
      uses=$(echo ${allowed[$part]})
      complain "libmcsec/$rel:$num: '$part' may not include '$target' (\"$inc\"; libmcsec/README.md lets '$part' use: ${uses:-nothing})"
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
done < <(find "$lib/src" "$lib/include/mcsec" -name '*.[ch]' | sort)

if [ "$fail" != 0 ]; then
  echo "layers: an include crosses libmcsec/README.md's list the wrong way" >&2
  exit 1
fi
echo "layers: ${#order[@]} parts, $checked includes, one way"
