//! Background work done every so often until the service drains: the usage and link-scan
//! flushes, the job sweep and the backlog sampler.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Spawns a task that runs `work` every `every` until `stop` is cancelled. The first run is
/// one interval after start (a `tokio` interval's first tick is immediate, which would write
/// before anything was counted), and a run that overruns delays the next rather than bunching.
pub fn spawn_every<F, Fut>(every: Duration, stop: CancellationToken, mut work: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = tick.tick() => work().await,
            }
        }
    });
}
