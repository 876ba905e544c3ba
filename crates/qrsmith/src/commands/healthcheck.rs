//! `qrsmith healthcheck`: one HTTP/1.1 GET of the service's probe, for a container image that
//! holds nothing but this binary (no curl, no shell). Plain std sockets: no runtime to start, so
//! the check costs a few milliseconds every interval.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use super::Outcome;
use crate::args::HealthcheckArgs;

/// The most read of an answer: the probes answer a few bytes; anything longer is not ours.
const MAX_ANSWER: u64 = 64 * 1024;

pub fn run(args: HealthcheckArgs) -> Result<Outcome> {
    let addr = probe_addr(args.listen);
    match probe(
        addr,
        &args.path,
        Duration::from_millis(args.timeout_ms.max(1)),
    ) {
        Ok(200) => Ok(Outcome::Found),
        Ok(status) => {
            eprintln!(
                "qrsmith healthcheck: http://{addr}{} answered {status}",
                args.path
            );
            Ok(Outcome::NothingFound)
        }
        // Unhealthy, not an error of this command: exit 1, as HEALTHCHECK expects.
        Err(e) => {
            eprintln!("qrsmith healthcheck: http://{addr}{}: {e:#}", args.path);
            Ok(Outcome::NothingFound)
        }
    }
}

/// Where to connect: a server listening on every address is reached on loopback.
fn probe_addr(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// Sends the GET and returns the answer's status code; `timeout` bounds the whole exchange.
fn probe(addr: SocketAddr, path: &str, timeout: Duration) -> Result<u16> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).context("cannot connect")?;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    stream.set_write_timeout(Some(left()))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: qrsmith-healthcheck\r\nConnection: close\r\n\r\n"
    )
    .context("cannot send the request")?;
    // The status line is all we need; read until it is complete, the peer closes or time is up.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    let mut limited = (&stream).take(MAX_ANSWER);
    while !answer.windows(2).any(|w| w == b"\r\n") {
        stream.set_read_timeout(Some(left()))?;
        let n = limited.read(&mut chunk).context("no answer in time")?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    parse_status(&answer)
}

/// The code of an `HTTP/1.x NNN reason` status line.
fn parse_status(answer: &[u8]) -> Result<u16> {
    let line = answer.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(version), Some(Ok(code))) if version.starts_with("HTTP/1.") => Ok(code),
        _ => bail!("not an HTTP answer: {line:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_addresses_are_probed_on_loopback() {
        let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(probe_addr(v4), "127.0.0.1:8080".parse().unwrap());
        let v6: SocketAddr = "[::]:9000".parse().unwrap();
        assert_eq!(probe_addr(v6), "[::1]:9000".parse().unwrap());
        let given: SocketAddr = "10.1.2.3:80".parse().unwrap();
        assert_eq!(probe_addr(given), given);
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n").unwrap(), 200);
        assert_eq!(
            parse_status(b"HTTP/1.0 503 Service Unavailable\r\n\r\n").unwrap(),
            503
        );
        assert!(parse_status(b"SSH-2.0-OpenSSH\r\n").is_err());
        assert!(parse_status(b"").is_err());
    }
}
