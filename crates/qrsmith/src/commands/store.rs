//! The service's store, opened by the commands that work on it directly (`keys`, `links`).

use std::sync::Arc;

use anyhow::{Context as _, Result};
use qrsmith_server::store::{Backend, RedisStore, SqliteStore};

use crate::args::KeyStoreArgs;

/// The store named by the arguments (as `qrsmith serve` names it), and how to name it in
/// messages.
pub fn open(args: &KeyStoreArgs) -> Result<(Backend, String)> {
    if let Some(url) = &args.redis {
        let store = RedisStore::connect(url, &args.redis_prefix)
            .context("--redis: cannot use the Redis given")?;
        // The URL may hold a password: messages name the prefix only.
        return Ok((
            Backend::Redis(Arc::new(store)),
            format!("Redis (prefix {:?})", args.redis_prefix),
        ));
    }
    let dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => qrsmith_server::default_data_dir().context(
            "no data directory: give --data-dir (neither XDG_DATA_HOME nor HOME is set)",
        )?,
    };
    let store = SqliteStore::open(&dir)?;
    Ok((Backend::Sqlite(Arc::new(store)), dir.display().to_string()))
}
