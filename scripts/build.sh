#!/usr/bin/env bash
# Configures and builds mcsec into build/ (and, with --asan, the sanitizer
# build of libmcsec and its unit tests into build/asan/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)"
if [ "${1:-}" = "--asan" ]; then
  cmake -S "$top" -B "$top/build/asan" -DCMAKE_BUILD_TYPE=Debug -DMCSEC_SANITIZE=ON >/dev/null
  cmake --build "$top/build/asan" -j"$(nproc)"
fi
