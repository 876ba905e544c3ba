-- keys::CREATE in crates/qrsmith-server/src/store/redis/keys.rs: KEYS and ARGV are documented there.
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'hash', ARGV[2], 'rate_count', ARGV[3], 'rate_secs', ARGV[4],
           'burst', ARGV[5], 'created_at', ARGV[6])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[2], 'revoked_at', ARGV[7])
end
redis.call('SET', KEYS[3], ARGV[1])
return 1
