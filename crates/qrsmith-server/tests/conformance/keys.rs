//! API keys, rate limits and usage: the same behaviour on every backend.

use std::time::Duration;

use qrsmith_server::store::keys::{
    new_key, ApiKey, CreateError, Day, KeyHash, Rate, Revoked, UsageCount,
};
use qrsmith_server::store::{unix_now, KeyStore, RateLimiter, UsageStore};

use crate::{for_each_backend, runtime};

fn record(name: &str, key: &str, rate: Rate, burst: u32) -> ApiKey {
    ApiKey {
        name: name.to_owned(),
        hash: KeyHash::of(key),
        rate,
        burst,
        created_at: unix_now(),
        revoked_at: None,
    }
}

#[test]
fn keys_are_created_found_by_hash_listed_and_revoked() {
    for_each_backend!(|backend, store| {
        assert!(!store.has_keys().unwrap(), "{backend}: empty at first");
        assert!(store.list_keys().unwrap().is_empty(), "{backend}");
        assert!(
            store.usage(None, Day(0), Day::today()).unwrap().is_empty(),
            "{backend}"
        );
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        let rate = Rate {
            count: 5,
            per_secs: 60,
        };
        assert_eq!(
            store.create_key(&record("alpha", &a, rate, 7)).unwrap(),
            Ok(())
        );
        assert_eq!(
            store
                .create_key(&record("beta", &b, Rate::default(), 100))
                .unwrap(),
            Ok(())
        );
        assert!(store.has_keys().unwrap(), "{backend}");

        let found = store.key_by_hash(&KeyHash::of(&a)).unwrap();
        let found = found.unwrap_or_else(|| panic!("{backend}: alpha not found by its hash"));
        assert_eq!(
            (found.name.as_str(), found.rate, found.burst),
            ("alpha", rate, 7),
            "{backend}"
        );
        assert_eq!(found.revoked_at, None, "{backend}");
        assert!(found.hash.ct_eq(&KeyHash::of(&a)), "{backend}");
        assert_eq!(
            store.key_by_hash(&KeyHash::of("qrsk_unknown")).unwrap(),
            None,
            "{backend}"
        );

        // The name is taken, even with another key.
        let again = store.create_key(&record("alpha", &new_key().unwrap(), rate, 1));
        assert_eq!(again.unwrap(), Err(CreateError::NameTaken), "{backend}");

        let names: Vec<String> = store
            .list_keys()
            .unwrap()
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, ["alpha", "beta"], "{backend}");

        assert_eq!(
            store.revoke_key("alpha", 1234).unwrap(),
            Revoked::Now,
            "{backend}"
        );
        assert_eq!(
            store.revoke_key("alpha", 5678).unwrap(),
            Revoked::Already,
            "{backend}"
        );
        assert_eq!(
            store.revoke_key("gamma", 1).unwrap(),
            Revoked::Unknown,
            "{backend}"
        );
        let revoked = store.key_by_hash(&KeyHash::of(&a)).unwrap().unwrap();
        assert_eq!(
            revoked.revoked_at,
            Some(1234),
            "{backend}: the first revocation stands"
        );
        assert!(store.has_keys().unwrap(), "{backend}: keys exist");
        assert_eq!(
            store.revoke_key("beta", 1).unwrap(),
            Revoked::Now,
            "{backend}"
        );
        assert!(
            store.has_keys().unwrap(),
            "{backend}: revoked keys still count: the API stays closed"
        );
        // Revoked names stay taken, so usage under a name is one key's.
        let reuse = store.create_key(&record("beta", &new_key().unwrap(), rate, 1));
        assert_eq!(reuse.unwrap(), Err(CreateError::NameTaken), "{backend}");
        assert_eq!(store.list_keys().unwrap().len(), 2, "{backend}");
    })
}

#[test]
fn rate_limit_allows_the_burst_then_refuses_with_a_sane_retry_after() {
    for_each_backend!(|backend, store| {
        let rt = runtime();
        // One request a minute after a burst of 5: the test cannot outrun it.
        let rate = Rate {
            count: 1,
            per_secs: 60,
        };
        rt.block_on(async {
            for i in 0..5u32 {
                let d = store.check("k1", rate, 5).await.unwrap();
                assert!(
                    d.allowed,
                    "{backend}: request {i} of the burst refused: {d:?}"
                );
                assert_eq!((d.limit, d.remaining), (5, 4 - i), "{backend}: {d:?}");
                assert!(d.retry_after.is_zero(), "{backend}");
            }
            let d = store.check("k1", rate, 5).await.unwrap();
            assert!(!d.allowed, "{backend}: the 6th request passed: {d:?}");
            assert_eq!(d.remaining, 0, "{backend}");
            assert!(
                d.retry_after > Duration::from_secs(55) && d.retry_after <= Duration::from_secs(60),
                "{backend}: retry after {:?}, expected just under a minute",
                d.retry_after
            );
            assert!(
                d.reset > Duration::from_secs(295) && d.reset <= Duration::from_secs(300),
                "{backend}: reset {:?}, expected ~5 minutes",
                d.reset
            );
            // A refusal does not push the next chance further away.
            let d2 = store.check("k1", rate, 5).await.unwrap();
            assert!(!d2.allowed && d2.retry_after <= d.retry_after, "{backend}");
            // Another key has its own allowance.
            assert!(
                store.check("k2", rate, 5).await.unwrap().allowed,
                "{backend}"
            );
        });

        // A fast rate: after the burst, the next request is allowed within one interval.
        let fast = Rate {
            count: 20,
            per_secs: 1,
        }; // every 50 ms
        rt.block_on(async {
            for _ in 0..3 {
                assert!(
                    store.check("fast", fast, 3).await.unwrap().allowed,
                    "{backend}"
                );
            }
            let refused = store.check("fast", fast, 3).await.unwrap();
            assert!(!refused.allowed, "{backend}");
            assert!(
                refused.retry_after <= Duration::from_millis(50),
                "{backend}: {refused:?}"
            );
            tokio::time::sleep(refused.retry_after + Duration::from_millis(5)).await;
            let d = store.check("fast", fast, 3).await.unwrap();
            assert!(
                d.allowed,
                "{backend}: refused after waiting the Retry-After: {d:?}"
            );
        });
    })
}

#[test]
fn usage_adds_up_by_key_day_and_endpoint() {
    for_each_backend!(|backend, store| {
        let today = Day::today();
        let yesterday = Day(today.0 - 1);
        let u = |key: &str, day: Day, endpoint: &str, count: u64| UsageCount {
            key: key.to_owned(),
            day,
            endpoint: endpoint.to_owned(),
            count,
        };
        // Names must be known keys for the "every key" view.
        for name in ["a", "b"] {
            let k = record(name, &new_key().unwrap(), Rate::default(), 1);
            store.create_key(&k).unwrap().unwrap();
        }
        let year = Duration::from_secs(400 * 86_400);
        store
            .add_usage(
                &[
                    u("a", today, "GET /api/v1/qr", 3),
                    u("a", yesterday, "GET /api/v1/qr", 1),
                    u("b", today, "POST /api/v1/decode", 2),
                ],
                year,
            )
            .unwrap();
        store
            .add_usage(
                &[
                    u("a", today, "GET /api/v1/qr", 4),
                    u("a", today, "GET /api/v1/usage", 1),
                ],
                year,
            )
            .unwrap();
        store.add_usage(&[], year).unwrap();

        let a_today = store.usage(Some("a"), today, today).unwrap();
        assert_eq!(
            a_today,
            [
                u("a", today, "GET /api/v1/qr", 7),
                u("a", today, "GET /api/v1/usage", 1)
            ],
            "{backend}"
        );
        let a_both = store.usage(Some("a"), yesterday, today).unwrap();
        assert_eq!(a_both.len(), 3, "{backend}: {a_both:?}");
        assert_eq!(
            a_both[0],
            u("a", yesterday, "GET /api/v1/qr", 1),
            "{backend}"
        );
        let all = store.usage(None, yesterday, today).unwrap();
        let total: u64 = all.iter().map(|c| c.count).sum();
        assert_eq!(total, 7 + 1 + 1 + 2, "{backend}: {all:?}");
        assert_eq!(
            all.last().unwrap(),
            &u("b", today, "POST /api/v1/decode", 2),
            "{backend}"
        );
        assert!(
            store.usage(Some("a"), today, yesterday).unwrap().is_empty(),
            "{backend}: an empty range"
        );
        assert!(
            store
                .usage(Some("nobody"), yesterday, today)
                .unwrap()
                .is_empty(),
            "{backend}"
        );
        assert!(
            store
                .usage(Some("a"), Day(today.0 - 10), Day(today.0 - 2))
                .unwrap()
                .is_empty(),
            "{backend}"
        );
    })
}

/// Redis only: two replicas (two stores on one Redis and prefix) share a key's allowance, and
/// concurrent requests never get more than the burst.
#[test]
fn replicas_share_one_allowance_in_redis() {
    let (server, a) = crate::fresh_redis();
    let b = qrsmith_server::store::RedisStore::connect(&server.url(), &a.key("")).unwrap();
    let replicas = [std::sync::Arc::new(a), std::sync::Arc::new(b)];
    let rate = Rate {
        count: 1,
        per_secs: 3600,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let allowed = rt.block_on(async {
        // Spawned together, so that the two replicas' scripts interleave on the server.
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = std::sync::Arc::clone(&replicas[i % 2]);
                tokio::spawn(async move { store.check("shared", rate, 10).await.unwrap().allowed })
            })
            .collect();
        let mut n = 0;
        for t in tasks {
            n += usize::from(t.await.unwrap());
        }
        n
    });
    assert_eq!(allowed, 10, "40 requests over two replicas, burst 10");
}
