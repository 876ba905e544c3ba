//! One module per subcommand.

pub mod batch;
pub mod bench;
pub mod decode;
pub mod encode;
pub mod healthcheck;
mod image_files;
pub mod keys;
pub mod links;
pub mod serve;
mod store;

/// How a command ended, mapped to the exit code in `main`.
pub enum Outcome {
    /// Something was found or written (exit 0).
    Found,
    /// The command ran but found nothing (exit 1).
    NothingFound,
    /// Some items of a batch failed; the rest was written (exit 1).
    Partial,
    /// Some inputs failed; the errors were reported (exit 2).
    Failed,
}
