//! `qrsmith serve`: the HTTP service, on a multi-threaded runtime.

use anyhow::Result;

use super::Outcome;

pub fn run(config: qrsmith_server::Config, matches: &clap::ArgMatches) -> Result<Outcome> {
    let config = config.merge_file(matches)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.http_thread_count())
        .enable_all()
        .thread_name("qrsmith-http")
        .build()?;
    runtime.block_on(qrsmith_server::serve(config))?;
    Ok(Outcome::Found)
}
