//! Batch jobs: what every backend must do the same way. Items finish once (first outcome wins,
//! counts exact, with writers racing), an interrupted job resumes where it was, leases keep a
//! job with one holder and pass it on when the holder stops, cancel and expiry, result blobs
//! and their size cap, and a 10,000-item job walked in batches.

use std::io::{Read as _, SeekFrom};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use qrsmith_server::store::{
    unix_now, ItemError, JobKind, JobStatus, JobStore, NewItem, RedisStore, ResultBlob,
    ResultTooLarge, SqliteStore,
};

use crate::for_each_backend;
use crate::redis_server::{unique_prefix, RedisServer};

const DAY: Duration = Duration::from_secs(86_400);

fn item(name: &str, input: &[u8]) -> NewItem {
    NewItem {
        name: name.into(),
        input: Ok(input.to_vec()),
    }
}

fn bad(name: &str) -> NewItem {
    NewItem {
        name: name.into(),
        input: Err(error("invalid_parameter", "no text")),
    }
}

fn error(code: &str, message: &str) -> ItemError {
    ItemError {
        code: code.into(),
        message: message.into(),
    }
}

/// The stored result's bytes, whichever form the backend hands out.
fn read_result(store: &dyn JobStore, id: &str) -> Option<Vec<u8>> {
    match store.result(id).expect("result")? {
        ResultBlob::File { mut file, len } => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("read the result file");
            assert_eq!(bytes.len() as u64, len, "the length handed out");
            Some(bytes)
        }
        ResultBlob::Bytes(bytes) => Some(bytes),
    }
}

/// Every finished item as (index, name, output or error code).
fn visited(store: &dyn JobStore, id: &str) -> Vec<(u64, String, Result<Vec<u8>, String>)> {
    let mut seen = Vec::new();
    store
        .visit_items(id, &mut |i| {
            seen.push((i.index, i.name, i.output.map_err(|e| e.code)));
            Ok(())
        })
        .expect("visit");
    seen
}

/// Removes a directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What keeps a pair of replicas' backend alive.
#[allow(dead_code)] // held for its drop only
enum Backend {
    Dir(TempDir),
    Redis(RedisServer),
}

/// Two store instances on one backend — two replicas (SQLite: two connections to one database
/// file) — with leases of `lease`.
fn replicas(backend: &str, lease: Duration) -> (Box<dyn JobStore>, Box<dyn JobStore>, Backend) {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!(
                "qrsmith-conformance-{}-{}",
                std::process::id(),
                unique_prefix().trim_end_matches(':')
            ));
            let _ = std::fs::remove_dir_all(&dir);
            let open = || Box::new(SqliteStore::open(&dir).expect("SQLite").with_lease(lease));
            (open(), open(), Backend::Dir(TempDir(dir.clone())))
        }
        _ => {
            let server = RedisServer::start();
            let prefix = unique_prefix();
            let open = || {
                Box::new(
                    RedisStore::connect(&server.url(), &prefix)
                        .expect("Redis")
                        .with_lease(lease),
                )
            };
            (open(), open(), Backend::Redis(server))
        }
    }
}

const BACKENDS: [&str; 2] = ["sqlite", "redis"];

#[test]
fn a_job_runs_item_by_item_and_counts() {
    for_each_backend!(|backend, store| {
        let job = store
            .create_job(
                JobKind::Generate,
                vec![item("a", b"1"), bad("b"), item("c", b"3")],
                DAY,
            )
            .unwrap();
        assert_eq!(job.status, JobStatus::Queued, "{backend}");
        assert_eq!((job.total, job.done, job.failed), (3, 1, 1), "{backend}");
        assert_eq!(job.kind, JobKind::Generate, "{backend}");
        assert!(
            job.started_at.is_none() && job.finished_at.is_none(),
            "{backend}"
        );
        assert_eq!(store.open_jobs().unwrap(), 1, "{backend}");

        let started = store.start_next().unwrap().unwrap();
        assert_eq!(
            (started.id.as_str(), started.status),
            (job.id.as_str(), JobStatus::Running),
            "{backend}"
        );
        assert!(started.started_at.is_some(), "{backend}");
        let pending = store.pending_items(&job.id, 10).unwrap();
        assert_eq!(
            pending
                .iter()
                .map(|p| (p.index, p.name.as_str(), p.input.as_slice()))
                .collect::<Vec<_>>(),
            [(0, "a", &b"1"[..]), (2, "c", &b"3"[..])],
            "{backend}"
        );
        assert!(
            store.finished_item(&job.id, 0).unwrap().is_none(),
            "{backend}"
        );
        store
            .finish_items(&job.id, vec![(0, Ok(b"out a".to_vec()))])
            .unwrap();
        // A second outcome for the same item (a retry after a crash) is not recorded twice.
        store
            .finish_items(
                &job.id,
                vec![(0, Ok(b"again".to_vec())), (2, Err(error("x", "y")))],
            )
            .unwrap();
        let job = store.job(&job.id).unwrap().unwrap();
        assert_eq!((job.done, job.failed), (3, 2), "{backend}");
        assert!(
            store.pending_items(&job.id, 10).unwrap().is_empty(),
            "{backend}"
        );
        assert_eq!(
            visited(&store, &job.id),
            [
                (0, "a".to_owned(), Ok(b"out a".to_vec())),
                (1, "b".to_owned(), Err("invalid_parameter".to_owned())),
                (2, "c".to_owned(), Err("x".to_owned())),
            ],
            "{backend}"
        );
        let one = store.finished_item(&job.id, 0).unwrap().unwrap();
        assert_eq!(
            (one.name.as_str(), one.output),
            ("a", Ok(b"out a".to_vec()))
        );
        let errors = store.item_errors(&job.id, 1).unwrap();
        assert_eq!(errors.len(), 1, "{backend}: the limit");
        assert_eq!(
            (
                errors[0].0,
                errors[0].1.as_str(),
                errors[0].2.message.as_str()
            ),
            (1, "b", "no text"),
            "{backend}"
        );
        assert_eq!(
            store.item_errors(&job.id, 10).unwrap().len(),
            2,
            "{backend}"
        );

        store
            .put_result(&job.id, 1 << 20, &mut |w| Ok(w.write_all(b"the zip")?))
            .unwrap();
        let done = store.finish_job(&job.id, Ok(())).unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Succeeded, "{backend}");
        assert_eq!(done.result_bytes, Some(7), "{backend}");
        assert!(done.finished_at.is_some(), "{backend}");
        assert!(
            done.expires_at >= unix_now() + DAY.as_secs() as i64 - 5,
            "{backend}"
        );
        assert_eq!(
            read_result(&store, &job.id).as_deref(),
            Some(&b"the zip"[..])
        );
        assert!(store.start_next().unwrap().is_none(), "{backend}");
        assert_eq!(store.open_jobs().unwrap(), 0, "{backend}");
    })
}

#[test]
fn unknown_and_malformed_ids_are_unknown_everywhere() {
    for_each_backend!(|backend, store| {
        for id in ["00ff", "../../etc/passwd", "", "job:x"] {
            assert!(store.job(id).unwrap().is_none(), "{backend}: {id:?}");
            assert!(store.result(id).unwrap().is_none(), "{backend}: {id:?}");
            assert!(store.finished_item(id, 0).unwrap().is_none(), "{backend}");
            assert!(store.cancel(id).unwrap().is_none(), "{backend}");
            assert!(!store.renew(id).unwrap(), "{backend}");
            assert!(store.pending_items(id, 5).unwrap().is_empty(), "{backend}");
            assert!(
                store.put_result(id, 10, &mut |_| Ok(())).is_err(),
                "{backend}: no result for a job that does not exist"
            );
        }
    })
}

#[test]
fn exactly_once_under_duplicate_finishes() {
    const ITEMS: u64 = 300;
    const WRITERS: u64 = 4;
    for_each_backend!(|backend, store| {
        let items = (0..ITEMS).map(|i| item(&format!("i{i}"), b"x")).collect();
        let job = store.create_job(JobKind::Generate, items, DAY).unwrap();
        store.start_next().unwrap();
        // Several writers (replicas after a takeover) finish every item, each in its own order
        // and with its own outcome; an item fails for writer w when (i + w) % 3 == 0.
        std::thread::scope(|s| {
            for w in 0..WRITERS {
                let (store, id) = (&store, &job.id);
                s.spawn(move || {
                    let mut order: Vec<u64> = (0..ITEMS).collect();
                    order.rotate_left((w * ITEMS / WRITERS) as usize);
                    if w % 2 == 1 {
                        order.reverse();
                    }
                    for batch in order.chunks(7) {
                        let outcomes = batch
                            .iter()
                            .map(|&i| {
                                let outcome = if (i + w) % 3 == 0 {
                                    Err(error(&format!("w{w}"), "failed"))
                                } else {
                                    Ok(format!("w{w}-{i}").into_bytes())
                                };
                                (i, outcome)
                            })
                            .collect();
                        store.finish_items(id, outcomes).unwrap();
                    }
                });
            }
        });
        let seen = visited(&store, &job.id);
        assert_eq!(
            seen.iter().map(|s| s.0).collect::<Vec<_>>(),
            (0..ITEMS).collect::<Vec<_>>(),
            "{backend}: every item once, in order"
        );
        let failed = seen.iter().filter(|s| s.2.is_err()).count() as u64;
        for (i, _, outcome) in &seen {
            let from_a_writer = (0..WRITERS).any(|w| match outcome {
                Ok(bytes) => *bytes == format!("w{w}-{i}").into_bytes(),
                Err(code) => *code == format!("w{w}") && (i + w) % 3 == 0,
            });
            assert!(from_a_writer, "{backend}: item {i} is {outcome:?}");
        }
        let job = store.job(&job.id).unwrap().unwrap();
        assert_eq!(job.done, ITEMS, "{backend}: done counted once per item");
        assert_eq!(job.failed, failed, "{backend}: failed counted exactly");
        assert_eq!(
            store.item_errors(&job.id, 1000).unwrap().len() as u64,
            failed,
            "{backend}"
        );
        assert!(store.pending_items(&job.id, 10).unwrap().is_empty());
    })
}

#[test]
fn an_interrupted_job_resumes_where_it_was_before_queued_ones() {
    for backend in BACKENDS {
        let (a, b, _backend) = replicas(backend, DAY);
        let items = (0..4).map(|i| item(&format!("i{i}"), b"x")).collect();
        let first = a.create_job(JobKind::Decode, items, DAY).unwrap();
        let second = a
            .create_job(JobKind::Decode, vec![item("q", b"")], DAY)
            .unwrap();
        assert_eq!(a.start_next().unwrap().unwrap().id, first.id, "{backend}");
        a.finish_items(&first.id, vec![(0, Ok(vec![])), (1, Ok(vec![]))])
            .unwrap();
        // A graceful stop: the lease is given up and another instance resumes the job at once,
        // ahead of the queued one, with only the items left.
        a.release(&first.id).unwrap();
        let resumed = b.start_next().unwrap().unwrap();
        assert_eq!(
            (resumed.id.as_str(), resumed.status, resumed.done),
            (first.id.as_str(), JobStatus::Running, 2),
            "{backend}"
        );
        let pending: Vec<u64> = b
            .pending_items(&first.id, 10)
            .unwrap()
            .iter()
            .map(|p| p.index)
            .collect();
        assert_eq!(pending, [2, 3], "{backend}");
        assert!(
            b.renew(&first.id).unwrap(),
            "{backend}: the new holder renews"
        );
        assert!(
            !a.renew(&first.id).unwrap(),
            "{backend}: the old one does not"
        );
        // The queued job is next, for either instance.
        assert_eq!(a.start_next().unwrap().unwrap().id, second.id, "{backend}");
        assert!(b.start_next().unwrap().is_none(), "{backend}");
    }
}

#[test]
fn a_lapsed_lease_is_taken_over_and_a_live_one_is_not() {
    let lease = Duration::from_secs(1);
    for backend in BACKENDS {
        let (a, b, _backend) = replicas(backend, lease);
        let items = (0..10).map(|i| item(&format!("i{i}"), b"x")).collect();
        let job = a.create_job(JobKind::Generate, items, DAY).unwrap();
        assert_eq!(a.start_next().unwrap().unwrap().id, job.id, "{backend}");
        for _ in 0..4 {
            assert!(a.renew(&job.id).unwrap(), "{backend}: the holder renews");
            assert!(
                b.start_next().unwrap().is_none(),
                "{backend}: a live lease is not taken"
            );
            std::thread::sleep(lease / 4); // lets time pass; the lease is renewed meanwhile
        }
        a.finish_items(&job.id, vec![(0, Ok(b"a0".to_vec()))])
            .unwrap();
        assert!(a.renew(&job.id).unwrap());
        let last_renewal = Instant::now();

        // The holder dies: it renews no more. The other takes the job over after the lease.
        let deadline = Instant::now() + Duration::from_secs(15);
        let taken = loop {
            if let Some(taken) = b.start_next().unwrap() {
                break taken;
            }
            assert!(Instant::now() < deadline, "{backend}: never taken over");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            last_renewal.elapsed() >= lease - Duration::from_millis(100),
            "{backend}: taken over after {:?}, within the lease",
            last_renewal.elapsed()
        );
        assert_eq!(
            (taken.id.as_str(), taken.status, taken.done),
            (job.id.as_str(), JobStatus::Running, 1),
            "{backend}"
        );
        assert!(
            !a.renew(&job.id).unwrap(),
            "{backend}: the old holder lost it"
        );
        assert!(b.renew(&job.id).unwrap(), "{backend}");
        let pending: Vec<u64> = b
            .pending_items(&job.id, 100)
            .unwrap()
            .iter()
            .map(|p| p.index)
            .collect();
        assert_eq!(pending, (1..10).collect::<Vec<_>>(), "{backend}");
        // The old holder was only slow, and finishes some items late: each is still once.
        a.finish_items(
            &job.id,
            vec![(0, Ok(b"late".to_vec())), (1, Ok(b"a1".to_vec()))],
        )
        .unwrap();
        let outcomes = pending
            .iter()
            .map(|&i| (i, Ok(format!("b{i}").into_bytes())))
            .collect();
        b.finish_items(&job.id, outcomes).unwrap();
        let seen = visited(b.as_ref(), &job.id);
        assert_eq!(seen.len(), 10, "{backend}");
        assert_eq!(
            seen[0].2,
            Ok(b"a0".to_vec()),
            "{backend}: first outcome wins"
        );
        assert_eq!(seen[1].2, Ok(b"a1".to_vec()), "{backend}");
        assert_eq!(b.job(&job.id).unwrap().unwrap().done, 10, "{backend}");
        let done = b.finish_job(&job.id, Ok(())).unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Succeeded, "{backend}");
        assert!(
            !b.renew(&job.id).unwrap(),
            "{backend}: a final job is held by no one"
        );
        assert!(a.start_next().unwrap().is_none() && b.start_next().unwrap().is_none());
    }
}

#[test]
fn cancel_stops_a_job_for_good() {
    for_each_backend!(|backend, store| {
        let queued = store
            .create_job(JobKind::Decode, vec![item("a", b"")], DAY)
            .unwrap();
        let running = store
            .create_job(JobKind::Decode, vec![item("b", b"")], DAY)
            .unwrap();
        let cancelled = store.cancel(&queued.id).unwrap().unwrap();
        assert_eq!(cancelled.status, JobStatus::Cancelled, "{backend}");
        assert!(cancelled.finished_at.is_some(), "{backend}");
        assert_eq!(store.open_jobs().unwrap(), 1, "{backend}");
        // A cancelled queued job is never started.
        let started = store.start_next().unwrap().unwrap();
        assert_eq!(started.id, running.id, "{backend}");
        assert!(store.renew(&running.id).unwrap(), "{backend}");

        let cancelled = store.cancel(&running.id).unwrap().unwrap();
        assert_eq!(cancelled.status, JobStatus::Cancelled, "{backend}");
        assert!(
            !store.renew(&running.id).unwrap(),
            "{backend}: the holder learns of the cancel"
        );
        let after = store.finish_job(&running.id, Ok(())).unwrap().unwrap();
        assert_eq!(
            after.status,
            JobStatus::Cancelled,
            "{backend}: finishing does not undo a cancel"
        );
        assert_eq!(store.open_jobs().unwrap(), 0, "{backend}");
        assert!(store.start_next().unwrap().is_none(), "{backend}");

        // A final job stays as it is.
        let done = store
            .create_job(JobKind::Decode, vec![item("c", b"")], DAY)
            .unwrap();
        store.start_next().unwrap();
        store.finish_job(&done.id, Err("broken".into())).unwrap();
        let again = store.cancel(&done.id).unwrap().unwrap();
        assert_eq!(
            (again.status, again.error.as_deref()),
            (JobStatus::Failed, Some("broken")),
            "{backend}"
        );
    })
}

#[test]
fn final_jobs_expire_once_and_open_ones_never() {
    for_each_backend!(|backend, store| {
        let short = Duration::from_secs(60);
        let done = store
            .create_job(JobKind::Decode, vec![item("a", b"")], short)
            .unwrap();
        store.start_next().unwrap();
        store
            .put_result(&done.id, 100, &mut |w| Ok(w.write_all(b"zip")?))
            .unwrap();
        let done = store.finish_job(&done.id, Ok(())).unwrap().unwrap();
        let kept = store
            .create_job(JobKind::Decode, vec![item("b", b"")], DAY)
            .unwrap();
        store.cancel(&kept.id).unwrap();
        let open = store
            .create_job(JobKind::Decode, vec![item("c", b"")], short)
            .unwrap();

        assert!(
            store.expire(unix_now()).unwrap().is_empty(),
            "{backend}: not yet"
        );
        let expired = store.expire(done.expires_at).unwrap();
        assert_eq!(
            expired.iter().map(|j| &j.id).collect::<Vec<_>>(),
            [&done.id],
            "{backend}: only the job whose time is up"
        );
        assert_eq!(expired[0].status, JobStatus::Succeeded, "{backend}");
        assert!(store.job(&done.id).unwrap().is_none(), "{backend}");
        assert!(
            store.result(&done.id).unwrap().is_none(),
            "{backend}: result gone"
        );
        assert!(
            store.finished_item(&done.id, 0).unwrap().is_none(),
            "{backend}"
        );
        assert!(
            store.expire(done.expires_at).unwrap().is_empty(),
            "{backend}: counted once"
        );

        let far = unix_now() + 3 * DAY.as_secs() as i64;
        let expired = store.expire(far).unwrap();
        assert_eq!(
            expired.iter().map(|j| &j.id).collect::<Vec<_>>(),
            [&kept.id],
            "{backend}"
        );
        // A job not finished is never swept: it was promised to run.
        assert!(store.job(&open.id).unwrap().is_some(), "{backend}");
        assert_eq!(store.open_jobs().unwrap(), 1, "{backend}");
    })
}

#[test]
fn result_blobs_round_trip_within_their_cap() {
    for_each_backend!(|backend, store| {
        let job = store
            .create_job(JobKind::Generate, vec![item("a", b"")], DAY)
            .unwrap();
        assert!(store.result(&job.id).unwrap().is_none(), "{backend}");
        // Written the way a ZIP is: forwards, then back to patch a header.
        let len = store
            .put_result(&job.id, 10_000, &mut |w| {
                w.write_all(&[0u8; 4])?;
                w.write_all(&vec![7u8; 9_996])?;
                w.seek(SeekFrom::Start(0))?;
                w.write_all(b"HEAD")?;
                Ok(())
            })
            .unwrap();
        assert_eq!(len, 10_000, "{backend}: exactly at the cap is fine");
        let bytes = read_result(&store, &job.id).unwrap();
        assert_eq!(
            (bytes.len(), &bytes[..4]),
            (10_000, &b"HEAD"[..]),
            "{backend}"
        );
        assert!(bytes[4..].iter().all(|&b| b == 7), "{backend}");
        // Replaced by a later one.
        store
            .put_result(&job.id, 10_000, &mut |w| Ok(w.write_all(b"second")?))
            .unwrap();
        assert_eq!(
            read_result(&store, &job.id).as_deref(),
            Some(&b"second"[..])
        );

        // Over the cap: refused while written, with the cap named, and nothing kept.
        let other = store
            .create_job(JobKind::Generate, vec![item("b", b"")], DAY)
            .unwrap();
        let mut written = 0;
        let err = store
            .put_result(&other.id, 1000, &mut |w| {
                for _ in 0..100 {
                    w.write_all(&[1u8; 100])?;
                    written += 100;
                }
                Ok(())
            })
            .unwrap_err();
        assert_eq!(
            err.downcast_ref::<ResultTooLarge>(),
            Some(&ResultTooLarge { max_bytes: 1000 }),
            "{backend}: {err:#}"
        );
        assert!(err.to_string().contains("1000 bytes"), "{backend}: {err}");
        assert_eq!(written, 1000, "{backend}: the write stopped at the cap");
        assert!(store.result(&other.id).unwrap().is_none(), "{backend}");
        // A writer's own error is passed on as it is.
        let err = store
            .put_result(&other.id, 1000, &mut |_| Err(anyhow::anyhow!("no items")))
            .unwrap_err();
        assert!(err.downcast_ref::<ResultTooLarge>().is_none(), "{backend}");
        assert!(store.result(&other.id).unwrap().is_none(), "{backend}");
    })
}

#[test]
fn a_ten_thousand_item_job_is_walked_in_batches() {
    const ITEMS: u64 = 10_000;
    for_each_backend!(|backend, store| {
        let items = (0..ITEMS)
            .map(|i| {
                if i % 7 == 3 {
                    bad(&format!("i{i}"))
                } else {
                    item(&format!("i{i}"), i.to_string().as_bytes())
                }
            })
            .collect();
        let job = store.create_job(JobKind::Generate, items, DAY).unwrap();
        let prefailed = (0..ITEMS).filter(|i| i % 7 == 3).count() as u64;
        assert_eq!((job.done, job.failed), (prefailed, prefailed), "{backend}");
        store.start_next().unwrap();
        let mut seen = Vec::new();
        let started = Instant::now();
        loop {
            let batch = store.pending_items(&job.id, 64).unwrap();
            if batch.is_empty() {
                break;
            }
            assert!(batch.len() <= 64, "{backend}");
            let outcomes = batch
                .iter()
                .map(|p| {
                    assert_eq!(p.input, p.index.to_string().as_bytes(), "{backend}");
                    seen.push(p.index);
                    (p.index, Ok(p.input.clone()))
                })
                .collect();
            store.finish_items(&job.id, outcomes).unwrap();
        }
        let expected: Vec<u64> = (0..ITEMS).filter(|i| i % 7 != 3).collect();
        assert_eq!(
            seen, expected,
            "{backend}: every runnable item once, in order"
        );
        let job = store.job(&job.id).unwrap().unwrap();
        assert_eq!((job.done, job.failed), (ITEMS, prefailed), "{backend}");
        assert_eq!(visited(&store, &job.id).len() as u64, ITEMS, "{backend}");
        eprintln!("{backend}: 10,000 items walked in {:?}", started.elapsed());
    })
}

/// The backlog's age (the `qrsmith_jobs_oldest_queued_age_seconds` metric): the creation time
/// of the oldest job no runner has taken, skipping started and cancelled ones.
#[test]
fn the_oldest_queued_job_is_the_backlog() {
    for_each_backend!(|backend, store| {
        let store: &dyn JobStore = &store;
        assert_eq!(store.oldest_queued_at().unwrap(), None, "{backend}: empty");
        let first = store
            .create_job(JobKind::Generate, vec![item("a", b"{}")], DAY)
            .unwrap();
        let second = store
            .create_job(JobKind::Generate, vec![item("b", b"{}")], DAY)
            .unwrap();
        assert!(first.created_at <= unix_now() && first.created_at > unix_now() - 60);
        assert_eq!(
            store.oldest_queued_at().unwrap(),
            Some(first.created_at),
            "{backend}: the first job waits longest"
        );
        let started = store.start_next().unwrap().expect("a job starts");
        assert_eq!(started.id, first.id, "{backend}");
        assert_eq!(
            store.oldest_queued_at().unwrap(),
            Some(second.created_at),
            "{backend}: a started job is no longer waiting"
        );
        store.cancel(&second.id).unwrap();
        assert_eq!(
            store.oldest_queued_at().unwrap(),
            None,
            "{backend}: a cancelled job is not waiting"
        );
        let third = store
            .create_job(JobKind::Decode, vec![item("c", b"x")], DAY)
            .unwrap();
        assert_eq!(
            store.oldest_queued_at().unwrap(),
            Some(third.created_at),
            "{backend}: behind the cancelled one"
        );
    })
}
