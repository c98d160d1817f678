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

# ctest_no_skips ARGS...: ctest, and a failure when any test was skipped
# (exit 77: missing root or tools). Here the whole suite is the claim, so a
# skipped test must not read as a pass.
ctest_no_skips() {
  local log
  log=$(mktemp)
  ctest "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if grep -q '\*\*\*Skipped' "$log"; then
    echo "=== skipped tests (each needs what scripts/setup.sh installs, and root):"
    grep '\*\*\*Skipped' "$log"
    rc=1
  fi
  rm -f "$log"
  return "$rc"
}

# unit_tests_sanitized: the unit suites of the ASan+UBSan build.
unit_tests_sanitized() {
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest_no_skips --test-dir build/asan -L unit --output-on-failure
}

total_start=$SECONDS
stage setup bash scripts/setup.sh
stage build bash scripts/build.sh --asan
stage "unit tests (ASan+UBSan)" unit_tests_sanitized
stage "all tests" ctest_no_skips --test-dir build --output-on-failure
echo "=== total: $((SECONDS - total_start)) s"
