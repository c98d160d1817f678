#!/usr/bin/env bash
# Installs what is missing, builds (plain and ASan+UBSan), and runs every
# test: unit tests (cmocka) plain and sanitized, lint, the module checks and
# the SIP tests against Debian's kamailio with sipp. Prints each stage's time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== stage: $name"
  if "$@"; then
    echo "=== stage: $name: ok ($((SECONDS - start)) s)"
  else
    local rc=$?
    echo "=== stage: $name: FAILED ($((SECONDS - start)) s)"
    exit $rc
  fi
}

total_start=$SECONDS
stage setup bash scripts/setup.sh
stage build bash scripts/build.sh --asan
stage "unit tests (ASan+UBSan)" \
  env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -L unit --output-on-failure
stage "all tests" ctest --test-dir build --output-on-failure
echo "=== total: $((SECONDS - total_start)) s"
