//! `qrsmith links create|list|show|update|delete|stats`: dynamic links, in the service's store.
//! The same checks as the API (`qrsmith_server::links`), acting as the admin.

use std::sync::Arc;

use anyhow::{bail, Result};
use qrsmith_server::links::{
    now, stats_range, Granularity, LinkChange, LinkError, LinkSettings, Links, LinksFailure,
    NewLink,
};
use qrsmith_server::store::links::Link;
use qrsmith_server::{Config, Metrics};

use super::Outcome;
use crate::args::{LinkFields, LinksArgs, LinksCommand, LinksStoreArgs, StatsGranularity};

pub fn run(args: LinksArgs) -> Result<Outcome> {
    match args.command {
        LinksCommand::Create(a) => {
            let (links, place) = open(&a.store)?;
            let f = a.fields;
            let new = NewLink {
                destination: a.destination,
                slug: a.slug,
                android: f.android,
                ios: f.ios,
                desktop: f.desktop,
                valid_from: f.valid_from,
                valid_until: f.valid_until,
                max_scans: f.max_scans,
                enabled: Some(!a.disabled),
                note: f.note,
            };
            let link = links.build(new, a.owner, now()).map_err(invalid)?;
            let link = links.create(link).map_err(|e| match e {
                LinksFailure::Invalid(e) => invalid(e),
                LinksFailure::Store(e) => e,
            })?;
            // The note to standard error, the short URL alone to standard output, so that
            // `URL=$(qrsmith links create …)` takes just the URL.
            eprintln!(
                "Created link {:?} to {} in {place}.",
                link.slug, link.destination
            );
            println!("{}", links.short_url(&link.slug));
        }
        LinksCommand::List(a) => {
            let (links, _) = open(&a.store)?;
            let (page, total) =
                links
                    .store()
                    .list_links(a.owner.as_deref(), a.offset, a.limit.max(1))?;
            if page.is_empty() {
                eprintln!("No links (of {total}).");
                return Ok(Outcome::NothingFound);
            }
            let slugs: Vec<&str> = page.iter().map(|l| l.slug.as_str()).collect();
            let totals: std::collections::HashMap<String, u64> =
                links.store().scan_totals(&slugs)?.into_iter().collect();
            println!(
                "{:<24} {:>8}  {:<8}  {:<16}  DESTINATION",
                "SLUG", "SCANS", "STATE", "OWNER"
            );
            for l in &page {
                println!(
                    "{:<24} {:>8}  {:<8}  {:<16}  {}",
                    l.slug,
                    totals.get(&l.slug).copied().unwrap_or(0),
                    if l.enabled { "enabled" } else { "disabled" },
                    l.owner.as_deref().unwrap_or("(admin)"),
                    l.destination
                );
            }
            if a.offset + (page.len() as u64) < total {
                eprintln!(
                    "{} of {total} shown; --offset {} for the next page.",
                    page.len(),
                    a.offset + page.len() as u64
                );
            }
        }
        LinksCommand::Show(a) => {
            let (links, place) = open(&a.store)?;
            let link = find(&links, &a.slug, &place)?;
            let scans = scans(&links, &a.slug)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&links.view(&link, scans))?
            );
        }
        LinksCommand::Update(a) => {
            let (links, place) = open(&a.store)?;
            let mut link = find(&links, &a.slug, &place)?;
            let change = change_of(a.destination, a.enable, a.disable, &a.clear, a.fields);
            links.apply(&mut link, change, now()).map_err(invalid)?;
            if !links.store().update_link(&link)? {
                bail!("no link {:?} in {place}", a.slug);
            }
            eprintln!(
                "Updated link {:?}: {} ({}).",
                link.slug,
                link.destination,
                if link.enabled { "enabled" } else { "disabled" }
            );
        }
        LinksCommand::Delete(a) => {
            let (links, place) = open(&a.store)?;
            if !links.store().delete_link(&a.slug)? {
                bail!("no link {:?} in {place}", a.slug);
            }
            eprintln!("Deleted link {:?} and its statistics.", a.slug);
        }
        LinksCommand::Stats(a) => {
            let (links, place) = open(&a.store)?;
            find(&links, &a.slug, &place)?;
            let granularity = match a.granularity {
                StatsGranularity::Day => Granularity::Day,
                StatsGranularity::Hour => Granularity::Hour,
            };
            let (from, to) =
                stats_range(a.from.as_deref(), a.to.as_deref(), granularity).map_err(invalid)?;
            let stats = links.stats(&a.slug, from, to, granularity)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(Outcome::Found);
            }
            println!("{:<20} {:>8} {:>8}", "START (UTC)", "SCANS", "BOTS");
            for b in &stats.buckets {
                println!("{:<20} {:>8} {:>8}", b.start, b.scans, b.bots);
            }
            let d = stats.devices;
            println!(
                "total: {} scans, {} bot hits; devices: ios {}, android {}, desktop {}, other {}",
                stats.total.scans, stats.total.bots, d.ios, d.android, d.desktop, d.other
            );
            let uniques: u64 = stats.unique_visitors.iter().map(|v| v.visitors).sum();
            println!("unique visitors (summed over days): {uniques}");
        }
    }
    Ok(Outcome::Found)
}

/// The links service on the store named by `args`, and how to name the store in messages.
fn open(args: &LinksStoreArgs) -> Result<(Links, String)> {
    let (backend, place) = super::store::open(&args.store)?;
    let config = Config {
        public_url: args.public_url.clone(),
        link_allowed_hosts: args.link_allowed_hosts.clone(),
        ..Config::default()
    };
    let links = Links::new(
        backend.links(),
        LinkSettings::of(&config),
        Arc::new(Metrics::new()),
    );
    Ok((links, place))
}

fn find(links: &Links, slug: &str, place: &str) -> Result<Link> {
    match links.store().link(slug)? {
        Some(link) => Ok(link),
        None => bail!("no link {slug:?} in {place}"),
    }
}

fn scans(links: &Links, slug: &str) -> Result<u64> {
    Ok(links
        .store()
        .scan_totals(&[slug])?
        .first()
        .map_or(0, |(_, n)| *n))
}

/// A refusal of the links domain, as the CLI reports it (exit 2).
fn invalid(e: LinkError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.message())
}

/// The change the flags of `links update` ask for.
fn change_of(
    destination: Option<String>,
    enable: bool,
    disable: bool,
    clear: &[String],
    f: LinkFields,
) -> LinkChange {
    let cleared = |name: &str| clear.iter().any(|c| c == name);
    // A setting given is set; one listed in --clear is cleared; others are kept.
    let set_or_clear = |value: Option<String>, name: &str| match value {
        Some(v) => Some(Some(v)),
        None if cleared(name) => Some(None),
        None => None,
    };
    LinkChange {
        destination,
        android: set_or_clear(f.android, "android"),
        ios: set_or_clear(f.ios, "ios"),
        desktop: set_or_clear(f.desktop, "desktop"),
        valid_from: set_or_clear(f.valid_from, "valid-from"),
        valid_until: set_or_clear(f.valid_until, "valid-until"),
        max_scans: match f.max_scans {
            Some(n) => Some(Some(n)),
            None if cleared("max-scans") => Some(None),
            None => None,
        },
        enabled: match (enable, disable) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        note: f.note,
    }
}
