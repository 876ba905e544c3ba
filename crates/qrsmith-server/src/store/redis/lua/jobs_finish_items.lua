-- jobs::FINISH_ITEMS in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
local done, failed = 0, 0
for k = 1, #ARGV, 2 do
  local i = tonumber(ARGV[k])
  if i and i >= 0 and i < total
      and redis.call('HSETNX', KEYS[2], 'o' .. ARGV[k], ARGV[k + 1]) == 1 then
    redis.call('HDEL', KEYS[2], 'i' .. ARGV[k])
    done = done + 1
    if string.sub(ARGV[k + 1], 1, 1) == 'e' then
      failed = failed + 1
      redis.call('ZADD', KEYS[3], i, ARGV[k])
    end
  end
end
if done > 0 then
  redis.call('HINCRBY', KEYS[1], 'done', done)
end
if failed > 0 then
  redis.call('HINCRBY', KEYS[1], 'failed', failed)
end
return done
