#!/usr/bin/env bash
# Linkage benchmark (issue 4): unmask link and Splink 5 (DuckDB) side by side
# on Febrl 4 (5,000 × 5,000 linkage) and Febrl 3 (5,000 dedupe), in one run
# on this machine, both trained without labels, scored the same way
# (pairwise precision/recall/F1 at p >= 0.9). Not a test: run it by hand.
#
#   bench/link.sh
#
# Creates (once) a Python venv with Splink from PyPI for the anchor; the
# Splink runner is ../shared/bench/run_splink.py.
set -euo pipefail
cd "$(dirname "$0")/.."
FEBRL=../shared/data/febrl
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN=$TARGET/release/unmask
VENV=${ANCHOR_VENV:-$HOME/.cache/unmask/venv-anchors}
if ! "$VENV/bin/python" -c "import splink" 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet splink pandas pyarrow duckdb
fi
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
OUT=$(mktemp -d)
rows=()
for task in febrl4 febrl3; do
  if [ "$task" = febrl4 ]; then
    inputs=("$FEBRL/febrl4a.csv" "$FEBRL/febrl4b.csv"); mode=link
  else
    inputs=("$FEBRL/febrl3.csv"); mode=dedupe
  fi
  /usr/bin/time -f "%e %M" "$BIN" link "${inputs[@]}" --model models/febrl.toml --out "$OUT/$task" > /dev/null 2> "$OUT/$task.time"
  read -r secs kb < <(tail -1 "$OUT/$task.time")
  m=$(python3 bench/score_pairs.py "$OUT/$task/pairs.csv" "$FEBRL/${task}_pairs.csv" "$mode")
  rows+=("$task|unmask link|$secs|$((kb / 1024))|$m")
  "$VENV/bin/python" ../shared/bench/run_splink.py "$task" --data-dir "$FEBRL" --quiet --json "$OUT/splink-$task.json" > /dev/null 2>&1
  s=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); p=r['pairwise_at_threshold']; c=r['clusters_at_threshold']; print(r['wall_s'], round(r['peak_rss_mib_self']), json.dumps({'precision':p['precision'],'recall':p['recall'],'f1':p['f1'],'clusters_f1':c['f1']}))" "$OUT/splink-$task.json")
  read -r ssecs smib sm <<< "$s"
  rows+=("$task|$(python3 -c "import json; print(json.load(open('$OUT/splink-$task.json'))['tool'])")|$ssecs|$smib|$sm")
done
echo
echo "| data | tool | wall s | peak MB | precision | recall | F1 (pairwise, p ≥ 0.9) |"
echo "|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r task tool secs mb m <<< "$r"
  python3 - "$task" "$tool" "$secs" "$mb" "$m" <<'PY'
import json, sys
task, tool, secs, mb, m = sys.argv[1:]
m = json.loads(m)
print(f"| {task} | {tool} | {float(secs):.2f} | {mb} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} |")
PY
done
rm -rf "$OUT"
