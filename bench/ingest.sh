#!/usr/bin/env bash
# Ingest benchmark (issue 2): a generated workspace with N Okta System Log
# events (default 10 million, ~1.3 KB each, ~13 GB), scanned by unmask on one
# core (taskset), reporting events/s and peak memory; then the same export
# aggregated per user and IP by DuckDB (one thread, then all), the tool a data
# team would otherwise reach for. Not a test: run it by hand.
#
#   bench/ingest.sh [N] [--no-anchor]
#
# Needs ~2.5 × N KB of free disk in $BENCH_DIR (default: a new /tmp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
ANCHOR=1
[ "${2:-}" = "--no-anchor" ] && ANCHOR=0
DIR=${BENCH_DIR:-$(mktemp -d /tmp/unmask-bench.XXXXXX)}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN=$TARGET/release/unmask
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null

echo "== generating $N events into $DIR"
"$BIN" demo --size 3000 --seed 7 --events "$N" --generate-only --out "$DIR"
ls -l "$DIR/workspace/okta.jsonl"
# Warm the page cache the same way for both tools.
cat "$DIR/workspace/okta.jsonl" > /dev/null

VENV=${ANCHOR_VENV:-$HOME/.cache/unmask/venv-anchors}
if [ "$ANCHOR" = 1 ] && [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet duckdb
fi
cat > "$DIR/duck.py" <<'PY'
import sys, time, duckdb
path, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"SET threads={threads}")
t = time.time()
n, pairs = con.execute(f"""
  SELECT sum(c), count(*) FROM (
    SELECT actor.alternateId AS u, client.ipAddress AS ip, count(*) AS c,
           min(published) AS first, max(published) AS last
    FROM read_json('{path}', format='newline_delimited',
                   columns={{'actor': 'STRUCT(alternateId VARCHAR)',
                             'client': 'STRUCT(ipAddress VARCHAR)',
                             'published': 'VARCHAR'}})
    GROUP BY ALL)""").fetchone()
dt = time.time() - t
print(f"{n} {dt:.3f}")
PY

# This machine shares its CPU with others: the same binary varies by ±30 %
# from run to run, so each tool runs three times, interleaved, on the same
# warm file, and the table gives the median.
okta_events=$(wc -l < "$DIR/workspace/okta.jsonl")
: > "$DIR/runs.txt"
for i in 1 2 3; do
  taskset -c 0 /usr/bin/time -f "%M" "$BIN" scan "$DIR/workspace" --out "$DIR/out" -q 2> "$DIR/rss.txt" > "$DIR/unmask.txt"
  rate=$(sed -n 's/^ingest: \([0-9]*\) events in \([0-9.]*\) s.*/\1 \2/p' "$DIR/unmask.txt")
  echo "unmask $rate $(tail -1 "$DIR/rss.txt")" | tee -a "$DIR/runs.txt"
  if [ "$ANCHOR" = 1 ]; then
    out=$(taskset -c 0 /usr/bin/time -f "%M" "$VENV/bin/python" "$DIR/duck.py" "$DIR/workspace/okta.jsonl" 1 2> "$DIR/rss.txt")
    echo "duckdb-1t $out $(tail -1 "$DIR/rss.txt")" | tee -a "$DIR/runs.txt"
  fi
done
if [ "$ANCHOR" = 1 ]; then
  out=$(/usr/bin/time -f "%M" "$VENV/bin/python" "$DIR/duck.py" "$DIR/workspace/okta.jsonl" 2 2> "$DIR/rss.txt")
  echo "duckdb-2t $out $(tail -1 "$DIR/rss.txt")" | tee -a "$DIR/runs.txt"
fi

# Memory must not grow with the event count: the same world with a tenth
# of the events, for comparison.
"$BIN" demo --size 3000 --seed 7 --events $((N / 10)) --generate-only --out "$DIR/small" > /dev/null
/usr/bin/time -f "%M" "$BIN" scan "$DIR/small/workspace" --out "$DIR/small/out" -q 2> "$DIR/rss.txt" > /dev/null
small_rss=$(tail -1 "$DIR/rss.txt")

python3 - "$DIR/runs.txt" "$okta_events" "$small_rss" "$N" <<'PY'
import sys, statistics
runs, okta, small_rss, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = {}
for line in open(runs):
    tool, events, secs, rss = line.split()
    rows.setdefault(tool, []).append((int(events) / float(secs), int(rss)))
print(f"\n| tool (same {okta:,}-line Okta export, warm cache) | events/s, median of runs | runs | peak RSS |")
print("|---|---|---|---|")
names = {"unmask": "unmask scan, 1 core (all inputs, full graph)", "duckdb-1t": "DuckDB read_json + GROUP BY user, IP, 1 thread", "duckdb-2t": "DuckDB, 2 threads"}
for tool, r in rows.items():
    rates = sorted(x[0] for x in r)
    print(f"| {names[tool]} | {statistics.median(rates):,.0f} | {', '.join(f'{x:,.0f}' for x in rates)} | {max(x[1] for x in r)/1024:,.0f} MB |")
print(f"\nunmask peak RSS with {n//10:,} events: {small_rss/1024:,.0f} MB; with {n:,}: {max(x[1] for x in rows['unmask'])/1024:,.0f} MB")
PY
echo "(workspace left in $DIR; remove it when done)"
