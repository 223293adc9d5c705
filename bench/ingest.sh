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

echo "== unmask scan, one core"
taskset -c 0 /usr/bin/time -v "$BIN" scan "$DIR/workspace" --out "$DIR/out" -q 2> "$DIR/unmask.time" | tee "$DIR/unmask.txt" | grep -E "^ingest|^memory|^stages"
grep -E "Maximum resident|Elapsed" "$DIR/unmask.time"

if [ "$ANCHOR" = 1 ]; then
  VENV=${ANCHOR_VENV:-$HOME/.cache/unmask/venv-anchors}
  [ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet duckdb; }
  for threads in 1 2; do
    echo "== DuckDB read_json + GROUP BY user, IP (threads=$threads)"
    /usr/bin/time -v "$VENV/bin/python" - "$DIR/workspace/okta.jsonl" "$threads" 2> "$DIR/duckdb-$threads.time" <<'PY'
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
print(f"duckdb: {n} events, {pairs} user-IP pairs in {dt:.2f} s ({n/dt:.0f} events/s)")
PY
    grep -E "Maximum resident|Elapsed" "$DIR/duckdb-$threads.time"
  done
fi
echo "(workspace left in $DIR; remove it when done)"
