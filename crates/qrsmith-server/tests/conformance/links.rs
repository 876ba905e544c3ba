//! Dynamic links and their scan counts: the same behaviour on every backend.

use qrsmith_server::store::keys::Day;
use qrsmith_server::store::links::{Device, Link, LinkCreateError, ScanCount, VisitorMark};
use qrsmith_server::store::{unix_now, LinkStore};

use crate::{for_each_backend, runtime};

fn link(slug: &str, owner: Option<&str>, created_at: i64) -> Link {
    Link {
        slug: slug.to_owned(),
        destination: format!("https://example.com/{slug}"),
        android: None,
        ios: Some("https://apps.apple.com/app/id1".to_owned()),
        desktop: None,
        owner: owner.map(str::to_owned),
        created_at,
        updated_at: created_at,
        valid_from: None,
        valid_until: Some(created_at + 86_400),
        max_scans: Some(1000),
        enabled: true,
        note: "flyers, spring".to_owned(),
    }
}

#[test]
fn links_are_created_found_listed_by_owner_updated_and_deleted() {
    for_each_backend!(|backend, store| {
        let t = unix_now();
        let a = link("alpha", Some("team-a"), t);
        assert_eq!(store.create_link(&a).unwrap(), Ok(()), "{backend}");
        assert_eq!(
            store.create_link(&link("alpha", None, t)).unwrap(),
            Err(LinkCreateError::SlugTaken),
            "{backend}: a slug is taken once"
        );
        store
            .create_link(&link("beta", Some("team-b"), t + 1))
            .unwrap()
            .unwrap();
        store
            .create_link(&link("gamma", Some("team-a"), t + 2))
            .unwrap()
            .unwrap();
        store
            .create_link(&link("delta", None, t + 3))
            .unwrap()
            .unwrap();

        assert_eq!(store.link("alpha").unwrap(), Some(a.clone()), "{backend}");
        assert_eq!(store.link("nope").unwrap(), None, "{backend}");
        let found = runtime().block_on(store.find_link("alpha")).unwrap();
        assert_eq!(found, Some((a.clone(), 0)), "{backend}");

        let slugs = |owner: Option<&str>, offset, limit| {
            let (links, total) = store.list_links(owner, offset, limit).unwrap();
            (links.into_iter().map(|l| l.slug).collect::<Vec<_>>(), total)
        };
        assert_eq!(
            slugs(None, 0, 10),
            (
                vec![
                    "delta".into(),
                    "gamma".into(),
                    "beta".into(),
                    "alpha".into()
                ],
                4
            ),
            "{backend}: every link, newest first"
        );
        assert_eq!(
            slugs(Some("team-a"), 0, 10),
            (vec!["gamma".into(), "alpha".into()], 2),
            "{backend}: one owner's"
        );
        assert_eq!(
            slugs(None, 1, 2),
            (vec!["gamma".into(), "beta".into()], 4),
            "{backend}: a page"
        );
        assert_eq!(slugs(None, 10, 2), (vec![], 4), "{backend}: past the end");

        let mut changed = a.clone();
        changed.destination = "https://example.org/moved".into();
        changed.ios = None;
        changed.enabled = false;
        changed.updated_at = t + 10;
        assert!(store.update_link(&changed).unwrap(), "{backend}");
        assert_eq!(store.link("alpha").unwrap(), Some(changed), "{backend}");
        let mut ghost = a.clone();
        ghost.slug = "ghost".into();
        assert!(
            !store.update_link(&ghost).unwrap(),
            "{backend}: no such link"
        );
        assert_eq!(
            store.link("ghost").unwrap(),
            None,
            "{backend}: update creates nothing"
        );

        assert!(store.delete_link("alpha").unwrap(), "{backend}");
        assert!(
            !store.delete_link("alpha").unwrap(),
            "{backend}: gone already"
        );
        assert_eq!(store.link("alpha").unwrap(), None, "{backend}");
        assert_eq!(
            slugs(Some("team-a"), 0, 10),
            (vec!["gamma".into()], 1),
            "{backend}"
        );
    });
}

#[test]
fn scans_add_up_by_hour_and_device_with_bots_apart() {
    for_each_backend!(|backend, store| {
        let t = unix_now();
        store.create_link(&link("promo", None, t)).unwrap().unwrap();
        let hour = t.div_euclid(3600);
        let day = Day::of_unix(t);
        let count = |hour, device, count| ScanCount {
            slug: "promo",
            hour,
            device,
            count,
        };
        let mark = |byte: u8| VisitorMark {
            slug: "promo",
            day,
            mark: [byte; 16],
        };
        // Two flushes (two replicas, or one replica twice) add up.
        store
            .add_scans(
                &[count(hour, Device::Ios, 3), count(hour, Device::Bot, 2)],
                &[mark(1), mark(2)],
                30,
            )
            .unwrap();
        store
            .add_scans(
                &[
                    count(hour, Device::Ios, 1),
                    count(hour - 1, Device::Android, 4),
                    // A link deleted (or never made): its counts are dropped.
                    ScanCount {
                        slug: "unknown",
                        hour,
                        device: Device::Ios,
                        count: 9,
                    },
                ],
                &[mark(2), mark(3)],
                30,
            )
            .unwrap();
        assert_eq!(
            store.scan_totals(&["promo", "unknown"]).unwrap(),
            vec![("promo".to_owned(), 8)],
            "{backend}: bots are not scans"
        );
        let found = runtime().block_on(store.find_link("promo")).unwrap();
        assert_eq!(found.map(|(_, n)| n), Some(8), "{backend}");

        let counts = store.link_counts("promo", hour - 24, hour).unwrap();
        assert_eq!(
            counts.hourly,
            vec![
                (hour - 1, Device::Android, 4),
                (hour, Device::Ios, 4),
                (hour, Device::Bot, 2)
            ],
            "{backend}"
        );
        assert_eq!(counts.visitors, vec![(day, 3)], "{backend}: distinct marks");
        let only_now = store.link_counts("promo", hour, hour).unwrap();
        assert_eq!(only_now.hourly.len(), 2, "{backend}: the range is kept to");
        assert!(store
            .link_counts("unknown", 0, hour)
            .unwrap()
            .hourly
            .is_empty());

        // Deleting a link deletes its counts: a new link of the same slug starts at zero.
        assert!(store.delete_link("promo").unwrap());
        store.create_link(&link("promo", None, t)).unwrap().unwrap();
        let fresh = store.link_counts("promo", hour - 24, hour).unwrap();
        assert!(
            fresh.hourly.is_empty() && fresh.visitors.is_empty(),
            "{backend}: {fresh:?}"
        );
        assert_eq!(
            store
                .scan_totals(&["promo"])
                .unwrap()
                .first()
                .map_or(0, |(_, n)| *n),
            0
        );
    });
}

#[test]
fn the_visitor_key_is_one_per_day() {
    for_each_backend!(|backend, store| {
        let today = Day::today();
        let key = store.visitor_key(today).unwrap();
        assert_eq!(
            store.visitor_key(today).unwrap(),
            key,
            "{backend}: stable within the day"
        );
        assert_ne!(
            store.visitor_key(Day(today.0 + 1)).unwrap(),
            key,
            "{backend}: a new day, a new key"
        );
        assert_ne!(key, [0; 32], "{backend}");
    });
}
