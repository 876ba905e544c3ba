-- jobs::START in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
for attempt = 1, 32 do
  local entry = nil
  local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0',
    'COUNT', 1)
  if claimed[2] and claimed[2][1] then
    entry = claimed[2][1]
  else
    local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1,
      'STREAMS', KEYS[1], '>')
    if read and read[1] and read[1][2][1] then
      entry = read[1][2][1]
    end
  end
  if not entry then
    return false
  end
  local id = entry[2] and entry[2][2]
  local status = false
  if id then
    status = redis.call('HGET', ARGV[5] .. 'job:' .. id, 'status')
  end
  if status == 'queued' or status == 'running' then
    local job = ARGV[5] .. 'job:' .. id
    redis.call('HSET', job, 'status', 'running', 'holder', ARGV[2])
    redis.call('HSETNX', job, 'started_at', ARGV[4])
    return id
  end
  redis.call('XACK', KEYS[1], ARGV[1], entry[1])
  redis.call('XDEL', KEYS[1], entry[1])
end
return false
