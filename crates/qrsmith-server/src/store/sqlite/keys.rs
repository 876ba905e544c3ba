//! API keys and usage in SQLite; rate-limit state in process (one process in SQLite mode).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, OptionalExtension as _, Row};

use super::SqliteStore;
use crate::store::keys::{
    gcra, ApiKey, BoxFuture, CreateError, Day, Decision, KeyHash, KeyStore, Rate, RateLimiter,
    Revoked, UsageCount, UsageStore,
};
use crate::store::StoreResult;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    name        TEXT PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,  -- SHA-256 of the key; the key itself is never stored
    rate_count  INTEGER NOT NULL,
    rate_secs   INTEGER NOT NULL,
    burst       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE TABLE IF NOT EXISTS api_usage (
    key_name TEXT NOT NULL,
    day      INTEGER NOT NULL,  -- UTC days since 1970-01-01
    endpoint TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (key_name, day, endpoint)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS api_usage_by_day ON api_usage (day);
";

const KEY_COLUMNS: &str = "name, hash, rate_count, rate_secs, burst, created_at, revoked_at";

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let hash: Vec<u8> = r.get(1)?;
    let hash: [u8; 32] = hash.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Blob,
            "a key hash is not 32 bytes".into(),
        )
    })?;
    Ok(ApiKey {
        name: r.get(0)?,
        hash: KeyHash(hash),
        rate: Rate {
            count: r.get(2)?,
            per_secs: r.get(3)?,
        },
        burst: r.get(4)?,
        created_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

impl KeyStore for SqliteStore {
    fn create_key(&self, key: &ApiKey) -> StoreResult<Result<(), CreateError>> {
        let inserted = self.conn().execute(
            "INSERT INTO api_keys (name, hash, rate_count, rate_secs, burst, created_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING",
            params![
                key.name,
                &key.hash.0[..],
                key.rate.count,
                key.rate.per_secs,
                key.burst,
                key.created_at,
                key.revoked_at
            ],
        )?;
        Ok(if inserted == 1 {
            Ok(())
        } else {
            Err(CreateError::NameTaken)
        })
    }

    fn list_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let conn = self.conn();
        let mut select =
            conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY name"))?;
        let keys = select.query_map([], key_from_row)?;
        Ok(keys.collect::<rusqlite::Result<_>>()?)
    }

    fn revoke_key(&self, name: &str, now: i64) -> StoreResult<Revoked> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, now],
        )?;
        if changed == 1 {
            return Ok(Revoked::Now);
        }
        let exists = conn
            .query_row("SELECT 1 FROM api_keys WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some();
        Ok(if exists {
            Revoked::Already
        } else {
            Revoked::Unknown
        })
    }

    fn key_by_hash(&self, hash: &KeyHash) -> StoreResult<Option<ApiKey>> {
        let conn = self.conn();
        let mut select = conn.prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ?1"
        ))?;
        Ok(select.query_row([&hash.0[..]], key_from_row).optional()?)
    }

    fn has_keys(&self) -> StoreResult<bool> {
        Ok(self
            .conn()
            .query_row("SELECT EXISTS (SELECT 1 FROM api_keys)", [], |r| r.get(0))?)
    }
}

impl RateLimiter for SqliteStore {
    fn check<'a>(
        &'a self,
        name: &'a str,
        rate: Rate,
        burst: u32,
    ) -> BoxFuture<'a, StoreResult<Decision>> {
        let now_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        let mut state = self.rate_state.lock().unwrap_or_else(|e| e.into_inner());
        let tat = state.get(name).copied().unwrap_or(0);
        let (decision, new_tat) = gcra(now_us, tat, rate, burst);
        if new_tat != tat {
            // One entry per key that sent a request: bounded by the keys in the store.
            state.insert(name.to_owned(), new_tat);
        }
        Box::pin(std::future::ready(Ok(decision)))
    }
}

impl UsageStore for SqliteStore {
    fn add_usage(&self, batch: &[UsageCount], retention: Duration) -> StoreResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO api_usage (key_name, day, endpoint, count) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key_name, day, endpoint) DO UPDATE SET count = count + excluded.count",
            )?;
            for u in batch {
                upsert.execute(params![
                    u.key,
                    u.day.0,
                    u.endpoint,
                    i64::try_from(u.count).unwrap_or(i64::MAX)
                ])?;
            }
        }
        let retention_days = i64::try_from(retention.as_secs() / 86_400).unwrap_or(i64::MAX);
        tx.execute(
            "DELETE FROM api_usage WHERE day < ?1",
            [Day::today().0.saturating_sub(retention_days)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn usage(&self, key: Option<&str>, from: Day, to: Day) -> StoreResult<Vec<UsageCount>> {
        let conn = self.conn();
        let mut select = conn.prepare_cached(
            "SELECT key_name, day, endpoint, count FROM api_usage
             WHERE (?1 IS NULL OR key_name = ?1) AND day BETWEEN ?2 AND ?3
             ORDER BY key_name, day, endpoint",
        )?;
        let rows = select.query_map(params![key, from.0, to.0], |r| {
            Ok(UsageCount {
                key: r.get(0)?,
                day: Day(r.get(1)?),
                endpoint: r.get(2)?,
                count: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
