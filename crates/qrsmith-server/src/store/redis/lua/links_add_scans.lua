-- links::ADD_SCANS in crates/qrsmith-server/src/store/redis/links.rs: KEYS and ARGV are documented there.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[3])
local total = 0
for i = 0, n - 1 do
  local field = ARGV[4 + 2 * i]
  local count = tonumber(ARGV[5 + 2 * i])
  redis.call('HINCRBY', KEYS[2], field, count)
  if string.sub(field, -4) ~= ':bot' then total = total + count end
end
if total > 0 then redis.call('HINCRBY', KEYS[3], ARGV[1], total) end
local i = 4 + 2 * n
while i < #ARGV do
  local key = KEYS[5] .. ARGV[i]
  redis.call('PFADD', key, ARGV[i + 1])
  redis.call('EXPIRE', key, ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[i])
  i = i + 2
end
return 1
