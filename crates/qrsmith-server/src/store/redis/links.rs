//! Dynamic links and their scan counts in Redis, shared by every replica: each replica serves
//! every link, and the counts of all replicas add up in the same hashes.
//!
//! Keys (under the store's prefix):
//! - `link:{slug}`: the link as JSON;
//! - `links:all`, `links:owner:{key name}`: sorted sets of slugs by creation time (listing);
//! - `links:scans`: hash of slug → total scans (bots not included);
//! - `link-scans:{slug}`: hash of `{hour}:{device}` → scans;
//! - `link-visitors:{slug}:{day}`: a HyperLogLog of the day's visitor marks (distinct visitors
//!   within Redis's 0.81 % standard error, in at most 12 KB whatever the traffic), expiring after
//!   the retention; `link-days:{slug}` lists those days, so that deleting a link deletes them;
//! - `links:visitor-key:{day}`: the day's random visitor key, expiring two days later.

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::Context as _;
use redis::Commands as _;

use super::{script, RedisStore};
use crate::store::keys::Day;
use crate::store::links::{
    random_key, BoxFuture, Device, Link, LinkCounts, LinkCreateError, LinkStore, ScanCount,
    VisitorMark,
};
use crate::store::StoreResult;

/// Creates a link unless its slug is taken. KEYS: link:{slug}, links:all, links:owner:{owner}
/// (or an unused name); ARGV: slug, JSON, created_at, has owner (1|0). Returns 1 or 0.
const CREATE: &str = include_str!("lua/links_create.lua");

/// Adds one link's counts if the link exists. KEYS: link:{slug}, link-scans:{slug},
/// links:scans, link-days:{slug}, and the prefix of its visitor keys (`…link-visitors:{slug}:`);
/// ARGV: slug, retention in seconds, number of count pairs n, n × (field, count), then
/// (day, mark) pairs.
const ADD_SCANS: &str = include_str!("lua/links_add_scans.lua");

fn parse(slug: &str, json: &str) -> StoreResult<Link> {
    serde_json::from_str(json).with_context(|| format!("link {slug:?}: unreadable record"))
}

impl RedisStore {
    fn owner_key(&self, owner: &str) -> String {
        self.key(&format!("links:owner:{owner}"))
    }
}

impl LinkStore for RedisStore {
    fn create_link(&self, link: &Link) -> StoreResult<Result<(), LinkCreateError>> {
        static S: OnceLock<redis::Script> = OnceLock::new();
        let json = serde_json::to_string(link)?;
        let mut invocation = script(&S, CREATE).prepare_invoke();
        invocation
            .key(self.key(&format!("link:{}", link.slug)))
            .key(self.key("links:all"))
            .key(self.owner_key(link.owner.as_deref().unwrap_or("")))
            .arg(&link.slug)
            .arg(json)
            .arg(link.created_at)
            .arg(if link.owner.is_some() { "1" } else { "0" });
        let created: i64 = self.run(|c| invocation.invoke(c))?;
        Ok(if created == 1 {
            Ok(())
        } else {
            Err(LinkCreateError::SlugTaken)
        })
    }

    fn link(&self, slug: &str) -> StoreResult<Option<Link>> {
        let json: Option<String> = self.run(|c| c.get(self.key(&format!("link:{slug}"))))?;
        json.map(|j| parse(slug, &j)).transpose()
    }

    fn find_link<'a>(&'a self, slug: &'a str) -> BoxFuture<'a, StoreResult<Option<(Link, u64)>>> {
        Box::pin(async move {
            let mut conn = self.async_conn().await?;
            let (json, scans): (Option<String>, Option<u64>) = redis::pipe()
                .get(self.key(&format!("link:{slug}")))
                .hget(self.key("links:scans"), slug)
                .query_async(&mut conn)
                .await
                .context("Redis")?;
            json.map(|j| Ok((parse(slug, &j)?, scans.unwrap_or(0))))
                .transpose()
        })
    }

    fn update_link(&self, link: &Link) -> StoreResult<bool> {
        let json = serde_json::to_string(link)?;
        let key = self.key(&format!("link:{}", link.slug));
        let set: Option<String> =
            self.run(|c| redis::cmd("SET").arg(&key).arg(&json).arg("XX").query(c))?;
        Ok(set.is_some())
    }

    fn delete_link(&self, slug: &str) -> StoreResult<bool> {
        let Some(link) = self.link(slug)? else {
            return Ok(false);
        };
        let days_key = self.key(&format!("link-days:{slug}"));
        let days: Vec<String> = self.run(|c| c.smembers(&days_key))?;
        let mut pipe = redis::pipe();
        pipe.atomic()
            .del(self.key(&format!("link:{slug}")))
            .zrem(self.key("links:all"), slug)
            .hdel(self.key("links:scans"), slug)
            .del(self.key(&format!("link-scans:{slug}")))
            .del(&days_key);
        if let Some(owner) = &link.owner {
            pipe.zrem(self.owner_key(owner), slug);
        }
        for day in days {
            pipe.del(self.key(&format!("link-visitors:{slug}:{day}")));
        }
        let results: Vec<redis::Value> = self.run(|c| pipe.query(c))?;
        Ok(matches!(results.first(), Some(redis::Value::Int(1))))
    }

    fn list_links(
        &self,
        owner: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Link>, u64)> {
        let index = match owner {
            Some(o) => self.owner_key(o),
            None => self.key("links:all"),
        };
        let (total, slugs): (u64, Vec<String>) = self.run(|c| {
            let total: u64 = c.zcard(&index)?;
            if limit == 0 || offset >= total {
                return Ok((total, Vec::new()));
            }
            let stop = offset.saturating_add(limit - 1);
            let slugs: Vec<String> = c.zrevrange(
                &index,
                isize::try_from(offset).unwrap_or(isize::MAX),
                isize::try_from(stop).unwrap_or(isize::MAX),
            )?;
            Ok((total, slugs))
        })?;
        if slugs.is_empty() {
            return Ok((Vec::new(), total));
        }
        let keys: Vec<String> = slugs
            .iter()
            .map(|s| self.key(&format!("link:{s}")))
            .collect();
        let records: Vec<Option<String>> = self.run(|c| redis::cmd("MGET").arg(&keys).query(c))?;
        let links = slugs
            .iter()
            .zip(records)
            // A link deleted between the two reads is left out.
            .filter_map(|(slug, json)| json.map(|j| parse(slug, &j)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((links, total))
    }

    fn scan_totals(&self, slugs: &[&str]) -> StoreResult<Vec<(String, u64)>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let totals: Vec<Option<u64>> = self.run(|c| {
            redis::cmd("HMGET")
                .arg(self.key("links:scans"))
                .arg(slugs)
                .query(c)
        })?;
        Ok(slugs
            .iter()
            .zip(totals)
            .filter_map(|(s, n)| n.map(|n| ((*s).to_owned(), n)))
            .collect())
    }

    fn add_scans(
        &self,
        counts: &[ScanCount<'_>],
        marks: &[VisitorMark<'_>],
        retention_days: u64,
    ) -> StoreResult<()> {
        static S: OnceLock<redis::Script> = OnceLock::new();
        let mut by_slug: HashMap<&str, (Vec<&ScanCount<'_>>, Vec<&VisitorMark<'_>>)> =
            HashMap::new();
        for c in counts {
            by_slug.entry(c.slug).or_default().0.push(c);
        }
        for m in marks {
            by_slug.entry(m.slug).or_default().1.push(m);
        }
        if by_slug.is_empty() {
            return Ok(());
        }
        let retention_secs = retention_days.max(1).saturating_mul(86_400);
        // One script per link (each atomic): a flush every few seconds makes one call per link
        // scanned since the last.
        for (slug, (counts, marks)) in &by_slug {
            let mut invocation = script(&S, ADD_SCANS).prepare_invoke();
            invocation
                .key(self.key(&format!("link:{slug}")))
                .key(self.key(&format!("link-scans:{slug}")))
                .key(self.key("links:scans"))
                .key(self.key(&format!("link-days:{slug}")))
                .key(self.key(&format!("link-visitors:{slug}:")))
                .arg(*slug)
                .arg(retention_secs)
                .arg(counts.len());
            for c in counts {
                invocation
                    .arg(format!("{}:{}", c.hour, c.device.name()))
                    .arg(c.count);
            }
            for m in marks {
                invocation.arg(m.day.0).arg(&m.mark[..]);
            }
            self.run(|c| invocation.invoke::<i64>(c))?;
        }
        Ok(())
    }

    fn link_counts(&self, slug: &str, from: i64, to: i64) -> StoreResult<LinkCounts> {
        let fields: HashMap<String, u64> =
            self.run(|c| c.hgetall(self.key(&format!("link-scans:{slug}"))))?;
        let mut hourly = Vec::new();
        for (field, count) in fields {
            let (hour, device) = field
                .split_once(':')
                .and_then(|(h, d)| Some((h.parse::<i64>().ok()?, Device::from_name(d)?)))
                .with_context(|| format!("link {slug:?}: bad count field {field:?}"))?;
            if (from..=to).contains(&hour) {
                hourly.push((hour, device, count));
            }
        }
        hourly.sort_by_key(|&(hour, device, _)| (hour, device));
        let days: Vec<i64> = (from.div_euclid(24)..=to.div_euclid(24)).collect();
        let mut pipe = redis::pipe();
        for day in &days {
            pipe.cmd("PFCOUNT")
                .arg(self.key(&format!("link-visitors:{slug}:{day}")));
        }
        let uniques: Vec<u64> = self.run(|c| pipe.query(c))?;
        let visitors = days
            .into_iter()
            .zip(uniques)
            .filter(|&(_, n)| n > 0)
            .map(|(d, n)| (Day(d), n))
            .collect();
        Ok(LinkCounts { hourly, visitors })
    }

    fn visitor_key(&self, day: Day) -> StoreResult<[u8; 32]> {
        let key = self.key(&format!("links:visitor-key:{}", day.0));
        let fresh = random_key()?;
        // The first replica to ask makes the day's key; the others read it.
        let stored: Vec<u8> = self.run(|c| {
            let _: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(&fresh[..])
                .arg("NX")
                .arg("EX")
                .arg(2 * 86_400)
                .query(c)?;
            c.get(&key)
        })?;
        stored
            .try_into()
            .map_err(|_| anyhow::anyhow!("the visitor key in Redis is not 32 bytes"))
    }
}
