#!/usr/bin/env bash
# Set up .venv (torch CPU wheel first) and run colog's main job on the bundled real logs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/colog demo --out runs/demo "$@"
