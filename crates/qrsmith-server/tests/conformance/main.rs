//! The storage conformance suite: every test runs against each backend — SQLite (the embedded
//! default) and Redis (a real `redis-server` started for the test) — so the two keep the same
//! behaviour (imgproxy's pattern). A failure names the backend.

#[path = "../common/redis_server.rs"]
mod redis_server;

// Before the macro, so that modules name it by path (`use crate::for_each_backend;`).
mod jobs;
mod keys;
mod links;

use qrsmith_server::store::{RedisStore, SqliteStore};
use redis_server::{unique_prefix, RedisServer};

/// Runs `$body` twice: with `$store` a fresh in-memory [`SqliteStore`], then a [`RedisStore`] on
/// a fresh `redis-server`; `$backend` names the one in use, for assertion messages.
macro_rules! for_each_backend {
    (|$backend:ident, $store:ident| $body:block) => {{
        {
            let $backend = "sqlite";
            let $store = crate::fresh_sqlite();
            $body
        }
        {
            let $backend = "redis";
            let (_server, $store) = crate::fresh_redis();
            $body
        }
    }};
}
pub(crate) use for_each_backend;

/// A runtime for the stores' asynchronous methods (rate limits, link lookups).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// An empty SQLite store in memory.
pub fn fresh_sqlite() -> SqliteStore {
    SqliteStore::in_memory().expect("in-memory SQLite")
}

/// A Redis store on a server of its own (stopped when the returned guard drops).
pub fn fresh_redis() -> (RedisServer, RedisStore) {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), &unique_prefix()).expect("Redis store");
    (server, store)
}
