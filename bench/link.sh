#!/usr/bin/env bash
# Linkage benchmark (issue 4): unmask link and Splink 5 (DuckDB) side by side,
# in one run on this machine, both trained without labels:
#   Febrl 4 (5,000 × 5,000 linkage), Febrl 3 (5,000 dedupe), and person sets
#   of 100,000 and 1,000,000 records with households from
#   ../shared/bench/gen_people.py (seed 7).
# Prints wall time, peak memory and pairwise precision/recall/F1: for unmask
# at the threshold its model chooses (no labels), for Splink at p ≥ 0.9 (its
# runner's default); cluster F1 and the labelled optimum (an oracle, not a
# deployable number) beside them. Not a test: run it by hand.
#
#   bench/link.sh            # all four sets (about 10 minutes)
#   bench/link.sh febrl4 febrl3 synth100k
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FEBRL=../shared/data/febrl
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN=$TARGET/release/unmask
VENV=${ANCHOR_VENV:-$HOME/.cache/unmask/venv-anchors}
if ! "$VENV/bin/python" -c "import splink, recordlinkage" 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet splink recordlinkage pandas pyarrow duckdb
fi
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
PEOPLE=${PEOPLE_DIR:-$HOME/.cache/unmask/people}
mkdir -p "$PEOPLE"
people() { # n label → generated parquet (for Splink) and the same rows as CSV
  [ -f "$PEOPLE/people_$2.csv" ] && return
  "$VENV/bin/python" ../shared/bench/gen_people.py --n "$1" --out "$PEOPLE/people_$2.parquet" --seed 7 > /dev/null
  "$VENV/bin/python" -c "import pandas as pd,sys; pd.read_parquet(sys.argv[1]).to_csv(sys.argv[2], index=False)" \
    "$PEOPLE/people_$2.parquet" "$PEOPLE/people_$2.csv"
}
OUT=$(mktemp -d)
tasks=("$@"); [ ${#tasks[@]} -eq 0 ] && tasks=(febrl4 febrl3 synth100k synth1m)
table=()
for task in "${tasks[@]}"; do
  case $task in
    febrl4) inputs=("$FEBRL/febrl4a.csv" "$FEBRL/febrl4b.csv"); model=models/febrl.toml
            truth=(--truth-pairs "$FEBRL/febrl4_pairs.csv" --link); splink=(febrl4 --data-dir "$FEBRL") ;;
    febrl3) inputs=("$FEBRL/febrl3.csv"); model=models/febrl.toml
            truth=(--truth-pairs "$FEBRL/febrl3_pairs.csv"); splink=(febrl3 --data-dir "$FEBRL") ;;
    synth100k|synth1m)
            label=${task#synth}; n=$([ "$label" = 100k ] && echo 100000 || echo 1000000)
            people "$n" "$label"
            inputs=("$PEOPLE/people_$label.csv"); model=models/people.toml
            truth=(--records "$PEOPLE/people_$label.csv" --entity entity_id)
            splink=(synth --input "$PEOPLE/people_$label.parquet") ;;
    *) echo "unknown task $task" >&2; exit 2 ;;
  esac
  /usr/bin/time -f "%e %M" "$BIN" link "${inputs[@]}" --model "$model" --out "$OUT/$task" --keep 0.01 \
    > "$OUT/$task.log" 2> "$OUT/$task.time"
  read -r secs kb < <(tail -1 "$OUT/$task.time")
  m=$(python3 bench/score_link.py "$OUT/$task" "${truth[@]}")
  table+=("$(python3 - "$task" "$secs" "$kb" "$m" <<'PY'
import json, sys
task, secs, kb, m = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
p, c, o = m["pairwise"], m["clusters"], m["best_threshold_oracle"]
print(f"| {task} | unmask link | {secs:.2f} | {kb // 1024} | {p['precision']:.4f} | {p['recall']:.4f} | **{p['f1']:.4f}** | {c['f1']:.4f} | {o['f1']:.4f} |")
PY
)")
  "$VENV/bin/python" ../shared/bench/run_splink.py "${splink[@]}" --quiet \
    --json "$OUT/splink-$task.json" > "$OUT/splink-$task.log" 2>&1
  table+=("$(python3 - "$task" "$OUT/splink-$task.json" <<'PY'
import json, sys
task, r = sys.argv[1], json.load(open(sys.argv[2]))
p, c, o = r["pairwise_at_threshold"], r["clusters_at_threshold"], r["pairwise_best_threshold"]
print(f"| {task} | {r['tool']}, p ≥ 0.9 | {r['wall_s']:.2f} | {round(r['peak_rss_mib_self'])} | {p['precision']:.4f} | {p['recall']:.4f} | **{p['f1']:.4f}** | {c['f1']:.4f} | {o['f1']:.4f} |")
PY
)")
  echo "done: $task" >&2
done
echo
echo "| data | tool | wall s | peak MB | precision | recall | F1 (pairwise) | F1 (clusters) | F1 at labelled optimum |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${table[@]}"
echo
for task in "${tasks[@]}"; do echo "## $task: unmask link"; cat "$OUT/$task.log"; done
rm -rf "$OUT"
