//! A stop is a stop: the real agent binary whose broker is unreachable exits
//! 0 on SIGTERM, whatever the broker's state.

use std::time::{Duration, Instant};

use myca_e2e::agent::{unique_agent_id, AgentProcess};
use myca_e2e::closed_port;

#[tokio::test]
async fn sigterm_while_the_broker_is_unreachable_exits_zero() {
    let id = unique_agent_id("offline");
    let redis = format!("redis://127.0.0.1:{}/0", closed_port());
    let mut agent = AgentProcess::spawn(&id, &redis, &[]);
    // Up and trying to reach the broker: unhealthy, signal handlers installed.
    agent.wait_health(503, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let asked = Instant::now();
    agent.signal("TERM");
    let status = agent.wait_exit(Duration::from_secs(10)).await;
    println!("exited {status:?} {:?} after SIGTERM", asked.elapsed());
    assert!(status.success(), "{status:?}");
}
