-- jobs::EXPIRE in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
if redis.call('ZREM', KEYS[5], ARGV[1]) == 0 then
  return false
end
local job = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return job
