# Sourced by the scripts that train: the repository root as working directory, colog installed, nothing
# downloaded at run time, and the names they share.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
COLOG=.venv/bin/colog
D=../shared/data
