-- jobs::CREATE in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
local total = tonumber(ARGV[5])
local failed = 0
for i = 0, total - 1 do
  local base = 6 + 3 * i
  redis.call('HSET', KEYS[2], 'n' .. i, ARGV[base])
  if ARGV[base + 1] == 'i' then
    redis.call('HSET', KEYS[2], 'i' .. i, ARGV[base + 2])
  else
    redis.call('HSET', KEYS[2], 'o' .. i, ARGV[base + 2])
    redis.call('ZADD', KEYS[3], i, i)
    failed = failed + 1
  end
end
local entry = redis.call('XADD', KEYS[5], '*', 'job', ARGV[1])
redis.call('HSET', KEYS[1], 'kind', ARGV[2], 'status', 'queued', 'total', total,
  'done', failed, 'failed', failed, 'created_at', ARGV[3], 'ttl_secs', ARGV[4],
  'expires_at', tonumber(ARGV[3]) + tonumber(ARGV[4]), 'low', 0, 'entry', entry)
redis.call('SADD', KEYS[4], ARGV[1])
return entry
