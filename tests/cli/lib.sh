# shellcheck shell=sh
# Shared by the mcsecctl tests (sourced): a private $TMP removed on exit, a
# failure count, and the checks every one of them uses.

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

# fail TEXT: one failed check (the run goes on).
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_rc WANT CMD...: runs CMD with stdout/stderr in $TMP/out, $TMP/err;
# a failure unless it exits WANT.
expect_rc() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    [ "$got" -eq "$want" ] || fail "$* exited $got, want $want: $(cat "$TMP/err")"
}

# cli_finish NAME: the summary line; exits 1 when any check failed.
cli_finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$1: $failures failure(s)" >&2
        exit 1
    fi
    echo "$1: all checks passed"
    exit 0
}
