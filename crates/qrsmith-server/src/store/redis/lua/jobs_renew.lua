-- jobs::RENEW in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
if redis.call('HGET', KEYS[2], 'status') ~= 'running' then
  return 0
end
local entry = redis.call('HGET', KEYS[2], 'entry')
if not entry then
  return 0
end
local pending = redis.pcall('XPENDING', KEYS[1], ARGV[1], entry, entry, 1)
if pending.err or not pending[1] or pending[1][2] ~= ARGV[2] then
  return 0
end
if ARGV[3] then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, entry, 'IDLE', ARGV[3], 'JUSTID')
  redis.call('HDEL', KEYS[2], 'holder')
else
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, entry, 'JUSTID')
end
return 1
