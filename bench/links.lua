-- wrk script for bench/links.sh: GET /r/$SLUG with a phone's user agent.
--
-- Without QUOTA: flat out for wrk's -d (the throughput run). With QUOTA=N (and one connection
-- per thread, so that a thread has one request in flight at most): each thread stops once it
-- has read N answers 302, with nothing in flight; so the run's scans are exactly threads × N.
-- done() prints one RESULT line: scans answered 302, requests, failures, requests/s, p50, p99.
local slug = os.getenv("SLUG") or "bench"
local quota = tonumber(os.getenv("QUOTA") or "")
local ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 " ..
           "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
local threads = {}
redirected = 0

function setup(thread)
  table.insert(threads, thread)
end

function request()
  return wrk.format("GET", "/r/" .. slug, { ["User-Agent"] = ua })
end

function response(status, headers, body)
  if status == 302 then
    redirected = redirected + 1
    if quota and redirected >= quota then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local scans = 0
  for _, t in ipairs(threads) do
    scans = scans + t:get("redirected")
  end
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    "RESULT scans=%d requests=%d failed=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    scans, summary.requests, failed, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
