//! `qrsmith keys create|list|revoke`: the service's API keys, in its store.

use std::sync::Arc;

use anyhow::{bail, Result};
use qrsmith_server::links::format_utc;
use qrsmith_server::store::keys::{new_key, ApiKey, CreateError, KeyHash, Revoked};
use qrsmith_server::store::{unix_now, KeyBackend};

use super::Outcome;
use crate::args::{KeyStoreArgs, KeysArgs, KeysCommand};

pub fn run(args: KeysArgs) -> Result<Outcome> {
    match args.command {
        KeysCommand::Create(a) => {
            let (store, place) = open(&a.store)?;
            let key = new_key()?;
            let record = ApiKey {
                name: a.name.clone(),
                hash: KeyHash::of(&key),
                rate: a.rate,
                burst: a.burst,
                created_at: unix_now(),
                revoked_at: None,
            };
            match store.create_key(&record)? {
                Ok(()) => {}
                Err(CreateError::NameTaken) => bail!(
                    "a key named {:?} exists already in {place} (names of revoked keys stay \
                     taken); choose another name",
                    a.name
                ),
            }
            // The notes go to standard error, the key alone to standard output, so that
            // `KEY=$(qrsmith keys create …)` takes just the key.
            eprintln!(
                "Created key {:?} (rate {}, burst {}) in {place}.\nIt is shown this once; only \
                 its SHA-256 is stored. Send it as `Authorization: Bearer <key>` or `X-API-Key`.",
                a.name, a.rate, a.burst
            );
            println!("{key}");
        }
        KeysCommand::List(a) => {
            let (store, _) = open(&a)?;
            let keys = store.list_keys()?;
            if keys.is_empty() {
                eprintln!("No keys: the API is open to all.");
            } else {
                println!(
                    "{:<24} {:>12} {:>8}  {:<20}  STATE",
                    "NAME", "RATE", "BURST", "CREATED"
                );
                for k in keys {
                    let state = match k.revoked_at {
                        Some(t) => format!("revoked {}", format_utc(t)),
                        None => "active".to_owned(),
                    };
                    println!(
                        "{:<24} {:>12} {:>8}  {:<20}  {state}",
                        k.name,
                        k.rate.to_string(),
                        k.burst,
                        format_utc(k.created_at)
                    );
                }
            }
        }
        KeysCommand::Revoke(a) => {
            let (store, place) = open(&a.store)?;
            match store.revoke_key(&a.name, unix_now())? {
                Revoked::Now => eprintln!(
                    "Revoked key {:?}; servers refuse it within their --key-cache-secs (5 s by \
                     default).",
                    a.name
                ),
                Revoked::Already => eprintln!("Key {:?} was revoked already.", a.name),
                Revoked::Unknown => bail!("no key named {:?} in {place}", a.name),
            }
        }
    }
    Ok(Outcome::Found)
}

/// The key store named by the arguments, and how to name it in messages.
fn open(args: &KeyStoreArgs) -> Result<(Arc<dyn KeyBackend>, String)> {
    let (backend, place) = super::store::open(args)?;
    Ok((backend.keys(), place))
}
