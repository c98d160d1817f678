#!/usr/bin/env bash
# The main job: install what is missing, build, and run the two-system demo
# (deploy/demo/two-system-demo.sh): systems A and B in network namespaces,
# IPsec between their borders, each with its IS proxy and HTTP proxy.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/setup.sh"
bash "$top/scripts/build.sh"
bash "$top/deploy/demo/two-system-demo.sh"
