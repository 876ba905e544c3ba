-- wrk script: the benchmark mix of mix.lua (MIX, its path), each connection waiting DELAY_MS
-- between its requests, so that CONNECTIONS / (DELAY_MS + latency) sets the rate: a steady load
-- below capacity (soak.sh) instead of the flat-out load of compare.sh.
dofile(os.getenv("MIX") or "mix.lua")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "2")
delay = function()
  return delay_ms
end
