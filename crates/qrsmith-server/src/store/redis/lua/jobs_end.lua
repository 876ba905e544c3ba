-- jobs::END in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
local status = redis.call('HGET', KEYS[1], 'status')
if ARGV[7] == 'finish' then
  if status ~= 'running' then return 0 end
elseif status ~= 'queued' and status ~= 'running' then
  return 0
end
local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl_secs') or '0')
local now = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'finished_at', now, 'expires_at', now + ttl)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'error', ARGV[3])
end
redis.call('HDEL', KEYS[1], 'holder')
redis.call('SREM', KEYS[5], ARGV[1])
redis.call('ZADD', KEYS[6], now + ttl, ARGV[1])
for k = 1, 4 do
  redis.call('EXPIRE', KEYS[k], ttl + tonumber(ARGV[6]))
end
local entry = redis.call('HGET', KEYS[1], 'entry')
if entry then
  redis.pcall('XACK', KEYS[7], ARGV[5], entry)
  redis.call('XDEL', KEYS[7], entry)
end
return 1
