-- wrk script for bench/serve.sh's sustained load: each request posts the
-- next of the held-back applications (one JSON object per line of the file
-- given after `--`), so that every request is a new application, as in
-- real use; each of wrk's THREADS threads takes every THREADS-th line
-- (wrk runs a thread's init before it sets up the next, so the count is
-- passed in).
--
--   wrk -t2 -c16 -d300s -s bench/serve-load.lua URL/v1/applications -- FILE TOKEN THREADS
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, token, total = args[1], args[2], tonumber(args[3])
  bodies = {}
  local n = 0
  for line in io.lines(file) do
    if n % total == id then
      table.insert(bodies, line)
    end
    n = n + 1
  end
  next_body = 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
  failures = 0
end

function request()
  local body = bodies[next_body]
  next_body = next_body + 1
  if next_body > #bodies then
    next_body = 1
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"application"', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local unscored = 0
  for _, t in ipairs(threads) do
    unscored = unscored + (t:get("failures") or 0)
  end
  io.write(string.format("requests %d, errors %d (connect %d, read %d, write %d, timeout %d, status %d), not scored %d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status, unscored))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%g %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max %.1f ms, %.1f requests/s\n", latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
