//! Asynchronous requests (the reference's `202 {"task_id"}` form): an in-process store, bounded
//! in count, whose entries expire a TTL after they were created or finished.
//!
//! The durable, shared job system is a later issue; this store is per process, so a result is
//! found only on the replica that took the request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::ApiError;
use crate::generation::Generated;
use crate::metrics::Metrics;

/// Where a task stands.
#[derive(Debug, Clone)]
pub enum TaskState {
    /// Accepted, not finished.
    Pending,
    /// Finished with a result.
    Success(Arc<Generated>),
    /// Finished with an error.
    Failed(ApiError),
}

#[derive(Debug)]
struct Entry {
    state: TaskState,
    expires: Instant,
}

/// The task store; cheap to clone.
#[derive(Debug, Clone)]
pub struct TaskStore {
    inner: Arc<Mutex<HashMap<String, Entry>>>,
    ttl: Duration,
    capacity: usize,
    metrics: Arc<Metrics>,
}

impl TaskStore {
    /// A store of at most `capacity` tasks, each kept `ttl`.
    pub fn new(capacity: usize, ttl: Duration, metrics: Arc<Metrics>) -> TaskStore {
        TaskStore {
            inner: Arc::default(),
            ttl,
            capacity,
            metrics,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts and
        // removals), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new pending task and returns its id, or 429 when the store is full.
    pub fn create(&self) -> Result<String, ApiError> {
        let id = new_id()?;
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= self.capacity {
            // Expired entries are only swept when the store looks full: O(n) then, O(1) usually.
            map.retain(|_, e| e.expires > now);
        }
        if map.len() >= self.capacity {
            return Err(ApiError::overloaded(
                "too many asynchronous tasks are held; fetch results or retry later",
            ));
        }
        map.insert(
            id.clone(),
            Entry {
                state: TaskState::Pending,
                expires: now + self.ttl,
            },
        );
        self.metrics.tasks.set(map.len() as i64);
        Ok(id)
    }

    /// Records the outcome of task `id` (a no-op if it has expired meanwhile).
    pub fn finish(&self, id: &str, state: TaskState) {
        let mut map = self.lock();
        if let Some(e) = map.get_mut(id) {
            e.state = state;
            e.expires = Instant::now() + self.ttl;
        }
    }

    /// The state of task `id`, or `None` when unknown or expired.
    pub fn get(&self, id: &str) -> Option<TaskState> {
        let now = Instant::now();
        let mut map = self.lock();
        match map.get(id) {
            Some(e) if e.expires > now => Some(e.state.clone()),
            Some(_) => {
                map.remove(id);
                self.metrics.tasks.set(map.len() as i64);
                None
            }
            None => None,
        }
    }
}

/// 128 random bits in hex: unguessable, so one client cannot read another's results.
pub(crate) fn new_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(&format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let metrics = Arc::new(Metrics::new());
        let store = TaskStore::new(2, Duration::from_secs(60), Arc::clone(&metrics));
        let a = store.create().unwrap();
        let b = store.create().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(store.create().unwrap_err().code, "overloaded");
        assert!(matches!(store.get(&a), Some(TaskState::Pending)));
        store.finish(&a, TaskState::Failed(ApiError::bad_parameter("x")));
        assert!(matches!(store.get(&a), Some(TaskState::Failed(_))));
        assert!(store.get("nope").is_none());
        assert_eq!(metrics.tasks.get(), 2);

        // A zero TTL: everything is expired at once, so the store never fills up.
        let store = TaskStore::new(1, Duration::ZERO, metrics);
        let a = store.create().unwrap();
        assert!(store.get(&a).is_none());
        store.create().unwrap();
        store.create().unwrap();
    }
}
