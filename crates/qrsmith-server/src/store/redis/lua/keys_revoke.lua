-- keys::REVOKE in crates/qrsmith-server/src/store/redis/keys.rs: KEYS and ARGV are documented there.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'revoked_at') == 1 then return 1 end
redis.call('HSET', KEYS[1], 'revoked_at', ARGV[1])
return 2
