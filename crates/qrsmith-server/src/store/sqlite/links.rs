//! Dynamic links and their scan counts in SQLite; the day's visitor key in process memory
//! only (SQLite mode is one process), so it is never written anywhere.

use rusqlite::{params, OptionalExtension as _, Row};

use super::SqliteStore;
use crate::store::keys::Day;
use crate::store::links::{
    random_key, BoxFuture, Device, Link, LinkCounts, LinkCreateError, LinkStore, ScanCount,
    VisitorMark,
};
use crate::store::StoreResult;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS links (
    slug        TEXT PRIMARY KEY,
    destination TEXT NOT NULL,
    android     TEXT,
    ios         TEXT,
    desktop     TEXT,
    owner       TEXT,              -- API key name; NULL for the admin key
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    valid_from  INTEGER,
    valid_until INTEGER,
    max_scans   INTEGER,
    enabled     INTEGER NOT NULL,
    note        TEXT NOT NULL,
    scans       INTEGER NOT NULL DEFAULT 0  -- total scans, bots not included
);
CREATE INDEX IF NOT EXISTS links_by_owner ON links (owner, created_at);
CREATE INDEX IF NOT EXISTS links_by_created ON links (created_at);
CREATE TABLE IF NOT EXISTS link_scans (
    slug   TEXT NOT NULL REFERENCES links (slug) ON DELETE CASCADE,
    hour   INTEGER NOT NULL,  -- hours since 1970-01-01T00:00Z
    device TEXT NOT NULL,     -- ios, android, desktop, other, bot
    count  INTEGER NOT NULL,
    PRIMARY KEY (slug, hour, device)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS link_visitors (
    slug TEXT NOT NULL REFERENCES links (slug) ON DELETE CASCADE,
    day  INTEGER NOT NULL,    -- UTC days since 1970-01-01
    mark BLOB NOT NULL,       -- keyed hash; the key is that day's and never stored
    PRIMARY KEY (slug, day, mark)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS link_visitors_by_day ON link_visitors (day);
";

const LINK_COLUMNS: &str = "slug, destination, android, ios, desktop, owner, created_at, \
                            updated_at, valid_from, valid_until, max_scans, enabled, note";

fn link_from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
    Ok(Link {
        slug: r.get(0)?,
        destination: r.get(1)?,
        android: r.get(2)?,
        ios: r.get(3)?,
        desktop: r.get(4)?,
        owner: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        valid_from: r.get(8)?,
        valid_until: r.get(9)?,
        max_scans: r.get::<_, Option<i64>>(10)?.map(|n| n.max(0) as u64),
        enabled: r.get(11)?,
        note: r.get(12)?,
    })
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SqliteStore {
    fn find_link_now(&self, slug: &str) -> StoreResult<Option<(Link, u64)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {LINK_COLUMNS}, scans FROM links WHERE slug = ?1"
        ))?;
        Ok(stmt
            .query_row([slug], |r| {
                Ok((link_from_row(r)?, r.get::<_, i64>(13)?.max(0) as u64))
            })
            .optional()?)
    }
}

impl LinkStore for SqliteStore {
    fn create_link(&self, l: &Link) -> StoreResult<Result<(), LinkCreateError>> {
        let inserted = self.conn().execute(
            &format!(
                "INSERT INTO links ({LINK_COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT (slug) DO NOTHING"
            ),
            params![
                l.slug,
                l.destination,
                l.android,
                l.ios,
                l.desktop,
                l.owner,
                l.created_at,
                l.updated_at,
                l.valid_from,
                l.valid_until,
                l.max_scans.map(to_i64),
                l.enabled,
                l.note
            ],
        )?;
        Ok(if inserted == 1 {
            Ok(())
        } else {
            Err(LinkCreateError::SlugTaken)
        })
    }

    fn link(&self, slug: &str) -> StoreResult<Option<Link>> {
        Ok(self.find_link_now(slug)?.map(|(link, _)| link))
    }

    fn find_link<'a>(&'a self, slug: &'a str) -> BoxFuture<'a, StoreResult<Option<(Link, u64)>>> {
        // One primary-key read (microseconds) on the runtime thread: SQLite mode is one
        // process, and a hop to the blocking pool would cost more than the read.
        Box::pin(std::future::ready(self.find_link_now(slug)))
    }

    fn update_link(&self, l: &Link) -> StoreResult<bool> {
        let changed = self.conn().execute(
            "UPDATE links SET destination = ?2, android = ?3, ios = ?4, desktop = ?5, \
             updated_at = ?6, valid_from = ?7, valid_until = ?8, max_scans = ?9, enabled = ?10, \
             note = ?11 WHERE slug = ?1",
            params![
                l.slug,
                l.destination,
                l.android,
                l.ios,
                l.desktop,
                l.updated_at,
                l.valid_from,
                l.valid_until,
                l.max_scans.map(to_i64),
                l.enabled,
                l.note
            ],
        )?;
        Ok(changed == 1)
    }

    fn delete_link(&self, slug: &str) -> StoreResult<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM links WHERE slug = ?1", [slug])?
            == 1)
    }

    fn list_links(
        &self,
        owner: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Link>, u64)> {
        let conn = self.conn();
        // `?1 IS NULL` selects every link: one statement for both cases.
        let total: i64 = conn.query_row(
            "SELECT COUNT(*) FROM links WHERE ?1 IS NULL OR owner = ?1",
            [owner],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE ?1 IS NULL OR owner = ?1 \
             ORDER BY created_at DESC, slug DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let links = stmt
            .query_map(params![owner, to_i64(limit), to_i64(offset)], link_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((links, total.max(0) as u64))
    }

    fn scan_totals(&self, slugs: &[&str]) -> StoreResult<Vec<(String, u64)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT scans FROM links WHERE slug = ?1")?;
        let mut out = Vec::with_capacity(slugs.len());
        for slug in slugs {
            if let Some(n) = stmt.query_row([slug], |r| r.get::<_, i64>(0)).optional()? {
                out.push(((*slug).to_owned(), n.max(0) as u64));
            }
        }
        Ok(out)
    }

    fn add_scans(
        &self,
        counts: &[ScanCount<'_>],
        marks: &[VisitorMark<'_>],
        retention_days: u64,
    ) -> StoreResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            // Only for links that still exist: a deleted link's counts go with it.
            let mut count = tx.prepare_cached(
                "INSERT INTO link_scans (slug, hour, device, count) \
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM links WHERE slug = ?1) \
                 ON CONFLICT (slug, hour, device) DO UPDATE SET count = count + excluded.count",
            )?;
            let mut total =
                tx.prepare_cached("UPDATE links SET scans = scans + ?2 WHERE slug = ?1")?;
            for c in counts {
                count.execute(params![c.slug, c.hour, c.device.name(), to_i64(c.count)])?;
                if c.device != Device::Bot {
                    total.execute(params![c.slug, to_i64(c.count)])?;
                }
            }
            let mut mark = tx.prepare_cached(
                "INSERT INTO link_visitors (slug, day, mark) \
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM links WHERE slug = ?1) \
                 ON CONFLICT DO NOTHING",
            )?;
            for m in marks {
                mark.execute(params![m.slug, m.day.0, &m.mark[..]])?;
            }
            let oldest = Day::today().0 - to_i64(retention_days);
            tx.execute("DELETE FROM link_visitors WHERE day < ?1", [oldest])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn link_counts(&self, slug: &str, from: i64, to: i64) -> StoreResult<LinkCounts> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT hour, device, count FROM link_scans \
             WHERE slug = ?1 AND hour BETWEEN ?2 AND ?3 ORDER BY hour, device",
        )?;
        let mut hourly = Vec::new();
        for row in stmt.query_map(params![slug, from, to], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (hour, device, count) = row?;
            let device = Device::from_name(&device)
                .ok_or_else(|| anyhow::anyhow!("unknown device {device:?} in link_scans"))?;
            hourly.push((hour, device, count.max(0) as u64));
        }
        hourly.sort_by_key(|&(hour, device, _)| (hour, device));
        let mut stmt = conn.prepare_cached(
            "SELECT day, COUNT(*) FROM link_visitors \
             WHERE slug = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY day ORDER BY day",
        )?;
        let visitors = stmt
            .query_map(params![slug, from.div_euclid(24), to.div_euclid(24)], |r| {
                Ok((Day(r.get(0)?), r.get::<_, i64>(1)?.max(0) as u64))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(LinkCounts { hourly, visitors })
    }

    fn visitor_key(&self, day: Day) -> StoreResult<[u8; 32]> {
        let mut key = self.visitor_key.lock().unwrap_or_else(|e| e.into_inner());
        match *key {
            Some((d, k)) if d == day => Ok(k),
            _ => {
                let k = random_key()?;
                *key = Some((day, k));
                Ok(k)
            }
        }
    }
}
