-- wrk script for bench/links.sh: GET /r/$SLUG with a phone's user agent, counting every
-- request this client sends (wrk's own "requests" counts only the responses it read before
-- the run ended), and printing one RESULT line with both counts, requests/s and latencies.
local slug = os.getenv("SLUG") or "bench"
local ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 " ..
           "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
local threads = {}
sent = 0

function setup(thread)
  table.insert(threads, thread)
end

function request()
  sent = sent + 1
  return wrk.format("GET", "/r/" .. slug, { ["User-Agent"] = ua })
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("sent")
  end
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    "RESULT sent=%d completed=%d failed=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    total, summary.requests, failed, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
