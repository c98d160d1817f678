#!/usr/bin/env bash
# Builds one libFuzzer target (clang, ASan+UBSan) against libmcsec's sources
# and runs it for a bounded time on its seed corpus. Fails on any crash,
# leak or sanitizer report.
# usage: run-fuzzer.sh SOURCE_DIR BUILD_DIR TARGET SECONDS
set -euo pipefail
src=$1 build=$2 target=$3 seconds=$4
out="$build/fuzz"
mkdir -p "$out" "$out/corpus-$target"
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$src/libmcsec/include" $(pkg-config --cflags libxml-2.0 yaml-0.1 openssl xmlsec1-openssl))
clang "${flags[@]}" -o "$out/$target" "$src/tests/fuzz/$target.c" "$src"/libmcsec/src/*.c \
  $(pkg-config --libs libxml-2.0 yaml-0.1 openssl xmlsec1-openssl)
seeds="$src/tests/fuzz/corpus/$target"
"$out/$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  "$out/corpus-$target" "$seeds" 2>&1 | tail -n 12
