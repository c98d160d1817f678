#!/usr/bin/env bash
# The main job: install what is missing, build, and run the IS proxy demo on
# the example policy (deploy/demo/is-proxy-demo.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/setup.sh"
bash "$top/scripts/build.sh"
MCSEC_SRC=$top bash "$top/deploy/demo/is-proxy-demo.sh"
