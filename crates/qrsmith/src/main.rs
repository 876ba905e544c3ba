//! `qrsmith`: QR code generation and reading from the command line, and the HTTP service.
//!
//! The binary only wires the libraries to arguments and files; exit codes follow ripgrep:
//! 0 something found (or written), 1 nothing found, 2 an error. `serve` exits 0 after a clean
//! shutdown.

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

/// mimalloc rather than glibc malloc: the service allocates and frees image-sized buffers on
/// every request (in Rust and in zxing-cpp), which glibc trims back to the kernel and faults in
/// again. Under `../shared/bench/compare.sh` that was ~15 % of the CPU; mimalloc took the mix
/// from ~4,500 to ~6,500 requests/s before any other change.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod args;
mod commands;
mod payload_args;

fn main() -> ExitCode {
    // Parsed in two steps: `serve` needs the raw matches to tell defaults from explicit values
    // when it merges its configuration file.
    let matches = args::Cli::command().get_matches();
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    let outcome = match cli.command {
        args::Command::Encode(a) => commands::encode::run(a),
        args::Command::Decode(a) => commands::decode::run(a),
        args::Command::Batch(a) => commands::batch::run(a),
        args::Command::Healthcheck(a) => commands::healthcheck::run(a),
        args::Command::Keys(a) => commands::keys::run(a),
        args::Command::Links(a) => commands::links::run(a),
        args::Command::Bench(a) => commands::bench::run(a),
        args::Command::Serve(config) => {
            let serve_matches = matches.subcommand_matches("serve").unwrap_or(&matches);
            commands::serve::run(*config, serve_matches)
        }
    };
    match outcome {
        Ok(commands::Outcome::Found) => ExitCode::from(0),
        Ok(commands::Outcome::NothingFound | commands::Outcome::Partial) => ExitCode::from(1),
        Ok(commands::Outcome::Failed) => ExitCode::from(2),
        Err(err) => {
            eprintln!("qrsmith: {err:#}");
            ExitCode::from(2)
        }
    }
}
