//! A throw-away redis-server for tests (Debian's `redis-server`, installed by `.ci/run`), or
//! the one CLOUDOPS_REDIS_URL names.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RedisProcess {
    child: Option<Child>,
    pub url: String,
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl RedisProcess {
    /// A running Redis, or `None` (with the reason printed) when none can be had. With
    /// CLOUDOPS_REQUIRE_REDIS set (CI) a missing Redis is a failure, not a skip.
    pub fn start() -> Option<Self> {
        if let Ok(url) = std::env::var("CLOUDOPS_REDIS_URL") {
            return Some(Self { child: None, url });
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let reason = format!(
                    "redis-server is not installed ({e}); `apt-get install redis-server` or set CLOUDOPS_REDIS_URL"
                );
                assert!(std::env::var_os("CLOUDOPS_REQUIRE_REDIS").is_none(), "{reason}");
                println!("SKIPPED: {reason}");
                return None;
            }
        };
        let redis = Self { child: Some(child), url: format!("redis://127.0.0.1:{port}/0") };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen within 10 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(redis)
    }
}
