#!/usr/bin/env bash
# Rebuild the bundled general model, src/colog/models/linux-syslog, and its card from ../shared/data:
# casper, nssal and honey7 system logs with the CoLog authors' keyword lists, nothing else. About 20 minutes
# for the model on 2 cores; `--lodo SEED` first runs the leave-one-dataset-out check for that seed (about an
# hour: three trainings on two datasets each, each scored on the third); `--lodo-only SEED` runs only that.
# Flags after the seed are added to the recipe for those runs (a later flag wins: `--unk-dropout 0` runs the recipe
# without its unknown-word dropout), which go to runs/lodo/with/FLAGS
# (`--lodo-only 3 --unk-dropout 0` -> runs/lodo/with/unk-dropout-0). Each fold's figures are kept in
# results/lodo (scripts/archive_results.py; git tracks it), and a fold found there or in runs/lodo is skipped.
# Each fold's model is also scored on Loghub Linux 2k (keyword labels of syslog.txt; valid-NAME-sSEED), the
# validation system that options are chosen on: the held-out datasets' figures are the test.
set -euo pipefail
source "$(dirname "$0")/env.sh"
# --unk-dropout 0.1: chosen on the validation system, where it beat the plain recipe on every fold (seeds 3-5)
RECIPE=(--format syslog --rule keywords-substring:@colog-reference --hidden 128 --ffn 512 --unk-dropout 0.1)
eval "$(.venv/bin/python -m colog.evaluation.corpus)"  # DATA: dataset name -> its folder under shared/data
declare -A P
for k in "${FAMILY[@]}"; do P[$k]=$D/${DATA[$k]}/logs; done
VALID=$D/loghub-2k/Linux/Linux_2k.log
if [ "${1:-}" = "--lodo" ] || [ "${1:-}" = "--lodo-only" ]; then
  S=$2
  EXTRA=("${@:3}")
  L=runs/lodo
  [ ${#EXTRA[@]} -gt 0 ] && L=runs/lodo/with/$(flags_name "${EXTRA[@]}")
  for held in honey7 nssal casper; do
    train=()
    for k in "${FAMILY[@]}"; do [ "$k" != "$held" ] && train+=("${P[$k]}"); done
    for where in "$L" "results/${L#runs/}"; do  # this fold is done, here or on another machine: the next
      [ -f "$where/on-$held-s$S/metrics.json" ] && continue 2
    done
    $COLOG train "${train[@]}" "${RECIPE[@]}" "${EXTRA[@]}" --seed "$S" -o "$L/without-$held-s$S" --overwrite
    $COLOG evaluate "$L/without-$held-s$S" --on "${P[$held]}" --dataset "$held" -o "$L/on-$held-s$S"
    $COLOG evaluate "$L/without-$held-s$S" --on "$VALID" --dataset linux -o "$L/valid-$held-s$S"
    [ -n "${PLAN:-}" ] || .venv/bin/python scripts/archive_results.py  # reproduce_results.sh --plan: lists only
  done
  [ "$1" = "--lodo-only" ] && exit 0
fi
$COLOG train "${P[casper]}" "${P[nssal]}" "${P[honey7]}" "${RECIPE[@]}" --seed 0 -o runs/bundle --overwrite
$COLOG pack runs/bundle -o src/colog/models/linux-syslog --overwrite
.venv/bin/python scripts/archive_results.py
.venv/bin/python scripts/model_card.py src/colog/models/linux-syslog
