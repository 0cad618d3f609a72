//! RedisCounters against a real redis-server (Debian's `redis-server`, which `.ci/run`
//! installs): started here on a free port with persistence off. Skipped, with the reason
//! printed, when the binary is not installed; CLOUDOPS_REDIS_URL points at an existing one.

use cloudops_e2e::redis::RedisProcess;
use cloudops_ports::CounterStore;
use cloudops_redis::RedisCounters;

#[tokio::test]
async fn counts_windows_usage_and_versions_in_redis() {
    let Some(redis) = RedisProcess::start() else { return };
    let counters = RedisCounters::with_prefix(&redis.url, &format!("test-{}", std::process::id())).await.unwrap();
    assert_eq!(counters.backend(), "redis");
    // Windows: consecutive hits count up (unless a window ends in between: then it restarts at 1).
    let first = counters.hit("token-a", 3600).await.unwrap();
    let second = counters.hit("token-a", 3600).await.unwrap();
    assert!(second == first + 1 || second == 1, "{first} then {second}");
    assert_eq!(counters.hit("token-b", 3600).await.unwrap(), 1, "keys are separate");

    counters.record_use("rds-stop-instance", "abc").await.unwrap();
    counters.record_use("rds-stop-instance", "abc").await.unwrap();
    let usage = counters.usage(&["rds-stop-instance".into(), "never-used".into()]).await.unwrap();
    assert_eq!(usage, vec![2, 0]);

    // A second connection (another server process) sees the same counts.
    let other = RedisCounters::with_prefix(&redis.url, &format!("test-{}", std::process::id())).await.unwrap();
    assert_eq!(other.usage(&["rds-stop-instance".into()]).await.unwrap(), vec![2]);
}

#[tokio::test]
async fn an_unreachable_redis_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = RedisCounters::connect(&format!("redis://127.0.0.1:{port}/0")).await.unwrap_err().to_string();
    assert!(err.contains("Redis is unavailable") && err.contains("redis_url"), "{err}");
    let err = RedisCounters::connect("http://nope").await.unwrap_err().to_string();
    assert!(err.contains("redis_url"), "{err}");
}
