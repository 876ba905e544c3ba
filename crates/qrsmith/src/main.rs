//! `qrsmith`: QR code generation and reading from the command line.
//!
//! The binary only wires the library to arguments and files; exit codes follow ripgrep:
//! 0 something found (or written), 1 nothing found, 2 an error.

use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod json;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let outcome = match cli.command {
        args::Command::Encode(a) => commands::encode::run(a),
        args::Command::Decode(a) => commands::decode::run(a),
    };
    match outcome {
        Ok(commands::Outcome::Found) => ExitCode::from(0),
        Ok(commands::Outcome::NothingFound) => ExitCode::from(1),
        Ok(commands::Outcome::Failed) => ExitCode::from(2),
        Err(err) => {
            eprintln!("qrsmith: {err:#}");
            ExitCode::from(2)
        }
    }
}
