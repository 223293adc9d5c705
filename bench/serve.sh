#!/usr/bin/env bash
# Service benchmark (issue 7): the release binary serves a demo world on
# loopback; measured with curl from this machine:
#   - event ingest through the API: the demo's Okta events in batches of
#     5,000 (POST /v1/okta), events per second;
#   - one application at a time (POST /v1/applications, which answers with
#     the application's score): latency p50 / p99 over sequential requests,
#     of APPLICATIONS of the demo's own held back from the first load.
# Not a test: run it by hand.
#
#   bench/serve.sh [PERSONAS] [APPLICATIONS] [CLIENTS]   (defaults 3000, 100, 2)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-3000}
APPS=${2:-100}
CLIENTS=${3:-2}
DIR=$(mktemp -d /tmp/unmask-serve-bench.XXXXXX)
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN=$TARGET/release/unmask
"$BIN" demo --size "$SIZE" --seed 7 --generate-only --out "$DIR" >/dev/null
TOKEN=$("$BIN" token create --role admin --db "$DIR/u.db" 2>/dev/null)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --db "$DIR/u.db" --bind "127.0.0.1:$PORT" --data-dir "$DIR/no-data" --rate 100000 2>"$DIR/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.1; done

# Batches as files, so that the client does no work while timed.
# The last APPS of the demo's applications are held back, to be sent one
# at a time below: real applications, with the relations real ones have.
python3 - "$DIR" "$APPS" <<'PY'
import json, sys, os
d, held = sys.argv[1], int(sys.argv[2])
def rows_of(name):
    rows = []
    for line in open(os.path.join(d, "workspace", name)):
        try: rows.append(json.loads(line))
        except ValueError: pass
    return rows
apps = rows_of("applications.jsonl")
os.makedirs(os.path.join(d, "one"), exist_ok=True)
for n, a in enumerate(apps[len(apps) - held:]):
    open(os.path.join(d, "one", f"{n:05}.json"), "w").write(json.dumps(a))
def batches(name, size):
    rows = rows_of(name)
    if name == "applications.jsonl":
        rows = rows[:len(rows) - held]
    for i in range(0, len(rows), size):
        yield rows[i:i + size]
os.makedirs(os.path.join(d, "batches"), exist_ok=True)
for kind, name in [("applications", "applications.jsonl"), ("assets", "assets.jsonl"),
                   ("payroll", "payroll.jsonl"), ("auth", "auth.jsonl"), ("okta", "okta.jsonl")]:
    for n, b in enumerate(batches(name, 5000)):
        open(os.path.join(d, "batches", f"{kind}.{n:05}.json"), "w").write(json.dumps(b))
PY
post() { curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "@$2" "http://127.0.0.1:$PORT/v1/$1"; }
for f in "$DIR"/batches/{applications,assets,payroll,auth}.*.json; do post "$(basename "$f" | cut -d. -f1)" "$f"; done
# Half the batches from one client, the other half from CLIENTS at once:
# every event is new to the store in both.
export -f post; export TOKEN PORT
ls "$DIR"/batches/okta.*.json | awk 'NR % 2 == 1' > "$DIR/half.1"
ls "$DIR"/batches/okta.*.json | awk 'NR % 2 == 0' > "$DIR/half.$CLIENTS"
for clients in 1 "$CLIENTS"; do
  N=$(python3 -c "import json; print(sum(len(json.load(open(f.strip()))) for f in open('$DIR/half.$clients')))")
  START=$(date +%s.%N)
  xargs -P "$clients" -I{} bash -c 'post okta {}' < "$DIR/half.$clients"
  END=$(date +%s.%N)
  python3 -c "print(f'event ingest, $clients client(s): $N Okta events in {($END-$START):.2f} s = {$N/($END-$START):,.0f} events/s')"
done
# Scan once so that the timed requests below measure a change, not the first scan.
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/actors"
PERSONAS=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/findings" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["personas"]))')
: > "$DIR/latency"
for f in "$DIR"/one/*.json; do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "@$f" "http://127.0.0.1:$PORT/v1/applications" >> "$DIR/latency"
done
python3 - "$DIR/latency" "$PERSONAS" <<'PY'
import sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]))
at = lambda p: t[min(len(t) - 1, int(p * (len(t) - 1)))]
print(f"POST /v1/applications with {sys.argv[2]} personas in the store: {len(t)} sequential requests, "
      f"p50 {at(0.5):.0f} ms, p99 {at(0.99):.0f} ms, {1000 * len(t) / sum(t):.1f} requests/s")
PY
