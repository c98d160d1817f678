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
# mcsec.so logs through mcsec_log.h only (one logfmt/JSON line per event,
# the policy's logging.level, no file name): Kamailio's LM_* macros appear
# in mcsec_log.c alone (docs/metrics-is-proxy.md).
if grep -nE '\bLM_(ERR|WARN|NOTICE|INFO|DBG|CRIT|ALERT)\(' kamailio-mod-mcsec/*.c kamailio-mod-mcsec/*.h |
   grep -v '^kamailio-mod-mcsec/mcsec_log\.[ch]:'; then
  echo "lint: mcsec.so logs through mcsec_log.h (mcsec_logf, mcsec_log_verdict), not LM_* (above)" >&2
  exit 1
fi
echo "lint: clean"
