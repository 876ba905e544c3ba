//! A real `redis-server` for the tests of the Redis backend: started on a Unix socket in a
//! temporary directory (no port to collide with), without persistence, and killed when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`, killed on drop.
pub struct RedisServer {
    child: Child,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one and waits until it answers PING. Panics with a hint when the program is
    /// missing (`scripts/bootstrap` installs Debian's `redis-server`).
    pub fn start() -> RedisServer {
        let dir =
            std::env::temp_dir().join(format!("qrsmith-redis-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let socket = dir.join("redis.sock");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(&socket)
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect(
                "cannot start redis-server: run scripts/bootstrap (Debian package redis-server)",
            );
        let server = RedisServer { child, dir };
        let client = redis::Client::open(server.url()).expect("Redis URL");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answered = client
                .get_connection()
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            match answered {
                Ok(_) => return server,
                Err(e) if Instant::now() > deadline => panic!("redis-server did not start: {e}"),
                // Polling the condition itself (the socket answering), not sleeping in its place.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// The URL to connect to.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.dir.join("redis.sock").display())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A key prefix no other test in this process uses, so tests can share one server.
pub fn unique_prefix() -> String {
    format!("test{}:", unique())
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
