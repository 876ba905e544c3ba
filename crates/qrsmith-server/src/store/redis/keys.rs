//! API keys, rate limits and usage in Redis, shared by every replica.
//!
//! Keys (under the store's prefix):
//! - `keys:names`: set of every key name ever created (names stay taken after revocation;
//!   `EXISTS` answers "any keys?");
//! - `key:{name}`: hash of the record (`hash` in hex, `rate_count`, `rate_secs`, `burst`,
//!   `created_at`, `revoked_at`);
//! - `keyhash:{sha256 hex}`: the name of the key with that hash;
//! - `rate:{name}`: the GCRA arrival time in microseconds, expiring when the allowance is full;
//! - `usage:{name}:{YYYY-MM-DD}`: hash of endpoint → requests, expiring after the retention.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context as _;
use redis::Commands as _;

use super::{script, RedisStore};
use crate::store::keys::{
    ApiKey, BoxFuture, CreateError, Day, Decision, KeyHash, KeyStore, Rate, RateLimiter, Revoked,
    UsageCount, UsageStore,
};
use crate::store::StoreResult;

/// Creates a key unless its name was ever used. KEYS: names, key:{name}, keyhash:{hex}; ARGV:
/// name, hash hex, rate count, rate secs, burst, created_at, revoked_at (empty when active).
/// Returns 1 when created, 0 when the name is taken.
const CREATE: &str = include_str!("lua/keys_create.lua");

/// Revokes a key. KEYS: key:{name}; ARGV: now. Returns 0 unknown, 1 already revoked, 2
/// revoked now.
const REVOKE: &str = include_str!("lua/keys_revoke.lua");

/// GCRA, the same arithmetic as [`crate::store::keys::gcra`], atomically on the server's clock
/// (so replicas with skewed clocks agree). KEYS: rate:{name}; ARGV: interval µs, burst.
/// Returns {allowed 0|1, remaining, reset µs, retry-after µs}. Microsecond timestamps (~2^51)
/// are exact in Lua's doubles; they are written with %.0f, as tostring would use an exponent.
const GCRA: &str = include_str!("lua/keys_gcra.lua");

impl RedisStore {
    fn key_from_hash(&self, name: &str, h: &HashMap<String, String>) -> StoreResult<ApiKey> {
        let field = |f: &str| {
            h.get(f)
                .with_context(|| format!("key record {name:?} lacks {f}"))
        };
        let num = |f: &str| -> StoreResult<i64> {
            field(f)?
                .parse()
                .with_context(|| format!("key record {name:?}: bad {f}"))
        };
        Ok(ApiKey {
            name: name.to_owned(),
            hash: KeyHash::from_hex(field("hash")?)
                .with_context(|| format!("key record {name:?}: bad hash"))?,
            rate: Rate {
                count: u32::try_from(num("rate_count")?)?,
                per_secs: u32::try_from(num("rate_secs")?)?,
            },
            burst: u32::try_from(num("burst")?)?,
            created_at: num("created_at")?,
            revoked_at: match h.get("revoked_at") {
                Some(v) => Some(v.parse().context("bad revoked_at")?),
                None => None,
            },
        })
    }
}

impl KeyStore for RedisStore {
    fn create_key(&self, key: &ApiKey) -> StoreResult<Result<(), CreateError>> {
        static S: OnceLock<redis::Script> = OnceLock::new();
        let mut invocation = script(&S, CREATE).prepare_invoke();
        invocation
            .key(self.key("keys:names"))
            .key(self.key(&format!("key:{}", key.name)))
            .key(self.key(&format!("keyhash:{}", key.hash.to_hex())))
            .arg(&key.name)
            .arg(key.hash.to_hex())
            .arg(key.rate.count)
            .arg(key.rate.per_secs)
            .arg(key.burst)
            .arg(key.created_at)
            .arg(key.revoked_at.map(|t| t.to_string()).unwrap_or_default());
        let created: i64 = self.run(|c| invocation.invoke(c))?;
        Ok(if created == 1 {
            Ok(())
        } else {
            Err(CreateError::NameTaken)
        })
    }

    fn list_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let (names, records) = self.run(|c| {
            let mut names: Vec<String> = c.smembers(self.key("keys:names"))?;
            names.sort();
            if names.is_empty() {
                // An empty pipeline is an error to Redis.
                return Ok((names, Vec::new()));
            }
            let mut pipe = redis::pipe();
            for name in &names {
                pipe.hgetall(self.key(&format!("key:{name}")));
            }
            let records: Vec<HashMap<String, String>> = pipe.query(c)?;
            Ok((names, records))
        })?;
        names
            .iter()
            .zip(&records)
            .map(|(name, h)| self.key_from_hash(name, h))
            .collect()
    }

    fn revoke_key(&self, name: &str, now: i64) -> StoreResult<Revoked> {
        static S: OnceLock<redis::Script> = OnceLock::new();
        let mut invocation = script(&S, REVOKE).key(self.key(&format!("key:{name}")));
        invocation.arg(now);
        let outcome: i64 = self.run(|c| invocation.invoke(c))?;
        Ok(match outcome {
            2 => Revoked::Now,
            1 => Revoked::Already,
            _ => Revoked::Unknown,
        })
    }

    fn key_by_hash(&self, hash: &KeyHash) -> StoreResult<Option<ApiKey>> {
        let found = self.run(|c| {
            let name: Option<String> = c.get(self.key(&format!("keyhash:{}", hash.to_hex())))?;
            let Some(name) = name else {
                return Ok(None);
            };
            let h: HashMap<String, String> = c.hgetall(self.key(&format!("key:{name}")))?;
            Ok((!h.is_empty()).then_some((name, h)))
        })?;
        found
            .map(|(name, h)| self.key_from_hash(&name, &h))
            .transpose()
    }

    fn has_keys(&self) -> StoreResult<bool> {
        self.run(|c| c.exists(self.key("keys:names")))
    }
}

impl RateLimiter for RedisStore {
    fn check<'a>(
        &'a self,
        name: &'a str,
        rate: Rate,
        burst: u32,
    ) -> BoxFuture<'a, StoreResult<Decision>> {
        Box::pin(async move {
            static S: OnceLock<redis::Script> = OnceLock::new();
            // The shared multiplexed connection (a 1 s response timeout: a stuck Redis fails the
            // request rather than holding it).
            let mut conn = self.async_conn().await?;
            let burst = burst.max(1);
            let (allowed, remaining, reset, retry): (i64, i64, i64, i64) = script(&S, GCRA)
                .key(self.key(&format!("rate:{name}")))
                .arg(rate.interval_us())
                .arg(burst)
                .invoke_async(&mut conn)
                .await
                .context("rate-limit script")?;
            let us = |v: i64| Duration::from_micros(u64::try_from(v).unwrap_or(0));
            Ok(Decision {
                allowed: allowed == 1,
                limit: burst,
                remaining: u32::try_from(remaining).unwrap_or(0),
                reset: us(reset),
                retry_after: us(retry),
            })
        })
    }
}

impl UsageStore for RedisStore {
    fn add_usage(&self, batch: &[UsageCount], retention: Duration) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        // MULTI/EXEC: a batch is counted whole or not at all.
        pipe.atomic();
        let ttl = i64::try_from(retention.as_secs())
            .unwrap_or(i64::MAX)
            .max(1);
        for u in batch {
            let key = self.key(&format!("usage:{}:{}", u.key, u.day));
            pipe.hincr(&key, &u.endpoint, u.count).ignore();
            pipe.expire(&key, ttl).ignore();
        }
        self.run(|c| pipe.query::<()>(c))
    }

    fn usage(&self, key: Option<&str>, from: Day, to: Day) -> StoreResult<Vec<UsageCount>> {
        if from > to {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = match key {
            Some(k) => vec![k.to_owned()],
            None => self.run(|c| c.smembers(self.key("keys:names")))?,
        };
        names.sort();
        let mut out = Vec::new();
        // One round trip per key: the range is bounded by the caller (the API allows a year).
        for name in names {
            let days: Vec<Day> = (from.0..=to.0).map(Day).collect();
            let mut pipe = redis::pipe();
            for day in &days {
                pipe.hgetall(self.key(&format!("usage:{name}:{day}")));
            }
            let counts: Vec<HashMap<String, u64>> = self.run(|c| pipe.query(c))?;
            for (day, by_endpoint) in days.into_iter().zip(counts) {
                let mut by_endpoint: Vec<(String, u64)> = by_endpoint.into_iter().collect();
                by_endpoint.sort();
                out.extend(by_endpoint.into_iter().map(|(endpoint, count)| UsageCount {
                    key: name.clone(),
                    day,
                    endpoint,
                    count,
                }));
            }
        }
        Ok(out)
    }
}
