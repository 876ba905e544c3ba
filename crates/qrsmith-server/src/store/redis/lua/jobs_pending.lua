-- jobs::PENDING in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
if total == 0 then
  return {}
end
local low = tonumber(redis.call('HGET', KEYS[1], 'low') or '0')
local start = low
while low < total and redis.call('HEXISTS', KEYS[2], 'o' .. low) == 1 do
  low = low + 1
end
if low ~= start then
  redis.call('HSET', KEYS[1], 'low', low)
end
local limit = tonumber(ARGV[1])
local out = {}
local i = low
while i < total and #out < 3 * limit do
  if redis.call('HEXISTS', KEYS[2], 'o' .. i) == 0 then
    local f = redis.call('HMGET', KEYS[2], 'n' .. i, 'i' .. i)
    out[#out + 1] = tostring(i)
    out[#out + 1] = f[1] or ''
    out[#out + 1] = f[2] or ''
  end
  i = i + 1
end
return out
