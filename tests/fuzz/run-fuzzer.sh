#!/usr/bin/env bash
# Builds one libFuzzer target (clang, ASan+UBSan) against libmcsec's sources
# and runs it for a bounded time on its seed corpus. Fails on any crash,
# leak or sanitizer report.
#
# libmcsec is compiled for fuzzing once into BUILD_DIR/fuzz/libmcsec-fuzz.a
# and shared by every target: it is rebuilt when the sources, the headers or
# the flags change (a SHA-256 over all of them), under a lock so that
# targets run in parallel (ctest -j) wait for one build instead of racing.
# usage: run-fuzzer.sh SOURCE_DIR BUILD_DIR TARGET SECONDS
set -euo pipefail
src=$1 build=$2 target=$3 seconds=$4
out="$build/fuzz"
mkdir -p "$out" "$out/corpus-$target"
flags=(-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$src/libmcsec/include" -I"$src/libmcsec/src" $(pkg-config --cflags libxml-2.0 yaml-0.1 openssl xmlsec1-openssl))
libs=($(pkg-config --libs libxml-2.0 yaml-0.1 openssl xmlsec1-openssl))

mapfile -t lib_sources < <(find "$src/libmcsec/src" -name '*.c' | sort)
lib="$out/libmcsec-fuzz.a"
stamp=$( { printf '%s\n' "${flags[@]}"; find "$src/libmcsec" -name '*.[ch]' | sort | xargs cat; } |
         sha256sum | cut -d' ' -f1)
(
  flock 9
  if [ ! -f "$lib" ] || [ "$(cat "$lib.stamp" 2>/dev/null)" != "$stamp" ]; then
    objdir=$(mktemp -d "$out/objs.XXXXXX")
    printf '%s\n' "${lib_sources[@]}" |
      xargs -P "$(nproc)" -I{} sh -c \
        'f=$1 d=$2; shift 2; clang "$@" -c "$f" -o "$d/$(echo "$f" | tr / _).o"' \
        sh {} "$objdir" "${flags[@]}"
    rm -f "$lib"
    ar rcs "$lib" "$objdir"/*.o
    rm -rf "$objdir"
    echo "$stamp" > "$lib.stamp"
  fi
) 9>"$out/libmcsec-fuzz.lock"

clang "${flags[@]}" -fsanitize=fuzzer -o "$out/$target" "$src/tests/fuzz/$target.c" "$lib" \
  "${libs[@]}"
seeds="$src/tests/fuzz/corpus/$target"
"$out/$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  "$out/corpus-$target" "$seeds" 2>&1 | tail -n 12
