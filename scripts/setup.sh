#!/usr/bin/env bash
# Creates .venv and installs colog into it. Idempotent: when nothing changed, a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
VPY=.venv/bin/python
stamp=.venv/.colog-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$VPY" -c "import torch, colog" 2>/dev/null; then
    exit 0
fi
pip_install() {
    local log
    log=$(mktemp)
    if ! "$VPY" -m pip install --quiet --disable-pip-version-check "$@" >"$log" 2>&1; then
        grep -v "is ignored: it is neither" "$log" >&2
        rm -f "$log"
        echo "setup: pip install $* failed" >&2
        exit 1
    fi
    rm -f "$log"
}
echo "setup: installing torch==2.13.0 (CPU) and colog into .venv" >&2
# The CPU wheel first: anything that depends on torch would otherwise pull a multi-GB CUDA build.
pip_install "torch==2.13.0"
pip_install -e ".[test,serve,ray]"
"$VPY" -c "import torch, colog"
echo "$want" > "$stamp"
