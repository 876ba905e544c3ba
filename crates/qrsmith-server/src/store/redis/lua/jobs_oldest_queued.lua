-- jobs::OLDEST_QUEUED in crates/qrsmith-server/src/store/redis/jobs.rs: KEYS and ARGV are documented there.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local last = '0-0'
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, delivered = nil, nil
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1] end
    if group[i] == 'last-delivered-id' then delivered = group[i + 1] end
  end
  if name == ARGV[1] and delivered then
    last = delivered
  end
end
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 100)) do
  local id = entry[2] and entry[2][2]
  if id then
    local job = redis.call('HMGET', ARGV[2] .. 'job:' .. id, 'status', 'created_at')
    if job[1] == 'queued' then
      return job[2]
    end
  end
end
return false
