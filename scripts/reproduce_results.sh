#!/usr/bin/env bash
# Every run behind docs/results.md and docs/benchmark.md, one heavy job at a time, then the pages themselves.
# Seeds 3, 4 and 5: fresh seeds, nobody read their errors while designing. Resumable: a finished benchmark
# column, 4-class run or leave-one-out fold is skipped. Many hours on 2 cores (a benchmark column is 20 minutes
# to 2 hours, a leave-one-out seed about an hour); logs go to runs/results/logs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
COLOG=.venv/bin/colog
D=../shared/data
R=runs/results
SEEDS=(3 4 5)
mkdir -p $R/logs
# dataset name -> its directory under shared/data
declare -A DATA=([casper]=casper-rw [honey7]=honeynet-challenge7 [nssal]=dfrws-2009-nssal [spark]=spark-40k
                 [zookeeper]=zookeeper-20k [bgl]=bgl-20k [hadoop]=hadoop)

done_in() {  # done_in RESULTS_JSON DATASET: every seed of the dataset's CoLog row is there
  [ -f "$1" ] && .venv/bin/python - "$1" "$2" "${SEEDS[@]}" <<'EOF'
import json, sys
path, dataset, seeds = sys.argv[1], sys.argv[2], {int(s) for s in sys.argv[3:]}
got = {r["seed"] for r in json.load(open(path)) if r["dataset"] == dataset and r["method"] == "colog"}
sys.exit(0 if seeds <= got else 1)
EOF
}

for protocol in chronological paper; do
  out=$R/$([ $protocol = chronological ] && echo chrono || echo paper)
  for name in honey7 casper zookeeper bgl spark nssal hadoop; do  # smallest first
    done_in $out/results.json $name && continue
    $COLOG benchmark $D/${DATA[$name]} --dataset $name --protocol $protocol --seeds 3,4,5 -o $out \
      > $R/logs/bench-$protocol-$name.log 2>&1
  done
done

for name in honey7 casper bgl zookeeper nssal; do
  for s in "${SEEDS[@]}"; do
    for how in shared isolated; do
      run=$R/leak/$name-$how-s$s
      [ -f $run/metrics.json ] && continue
      extra=(); [ $how = isolated ] && extra=(--isolate-splits)
      $COLOG train $D/${DATA[$name]} --dataset $name --task collective --seed $s "${extra[@]}" -o $run --overwrite \
        > $R/logs/leak-$name-$how-s$s.log 2>&1
    done
  done
done

for s in "${SEEDS[@]}"; do
  [ -f runs/lodo/on-casper-s$s/metrics.json ] || bash scripts/build_model.sh --lodo-only "$s"
done

for name in honey7 casper spark nssal; do
  for protocol in chronological paper; do
    for s in "${SEEDS[@]}"; do
      run=$R/mask/$name-$protocol-s$s
      [ -f $run/study.json ] && continue
      $COLOG study keyword-mask $D/${DATA[$name]} --dataset $name --protocol $protocol --seed $s -o $run \
        > $R/logs/mask-$name-$protocol-s$s.log 2>&1
    done
  done
done

.venv/bin/python scripts/results_pages.py --runs $R --lodo runs/lodo
