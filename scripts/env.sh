# Sourced by the scripts that train: the repository root as working directory, colog installed, nothing
# downloaded at run time, and the names they share.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# once per queue: build_model.sh, run from reproduce_results.sh, finds it checked (each check loads torch)
[ -n "${COLOG_SETUP_CHECKED:-}" ] || bash scripts/setup.sh
export COLOG_SETUP_CHECKED=1
export HF_HUB_OFFLINE=1
COLOG=${COLOG:-.venv/bin/colog}  # reproduce_results.sh --plan passes one that only prints
D=../shared/data
flags_name() {  # flags_name FLAGS...: a directory name for a set of flags (`--unk-dropout 0.1` -> unk-dropout-0.1)
  echo "$*" | sed 's/^-*//; s/ -*/-/g'
}
