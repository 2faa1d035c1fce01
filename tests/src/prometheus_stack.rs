//! Debian's Prometheus and Alertmanager, started privately on loopback:
//! Prometheus scrapes itself and one target that is down, and an always
//! firing rule sends an alert to the Alertmanager.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::free_port;
use crate::process::ChildGuard;

pub const FIRING_ALERT: &str = "E2EAlwaysFiring";

pub struct PrometheusStack {
    pub prometheus_url: String,
    pub alertmanager_url: String,
    _processes: [ChildGuard; 2],
    _dir: tempfile::TempDir,
}

fn start(binary: &str, args: &[String]) -> ChildGuard {
    let child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("{binary} cannot start ({error}): apt-get install prometheus prometheus-alertmanager"));
    ChildGuard::terminated(child, Duration::from_secs(5))
}

/// Waits until `url` answers JSON for which `ready` holds.
async fn wait_until(url: &str, ready: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = crate::http_client();
    loop {
        if let Ok(response) = client.get(url).send().await {
            if let Ok(answer) = response.json::<Value>().await {
                if ready(&answer) {
                    return;
                }
            }
        }
        assert!(Instant::now() < deadline, "{url} never became ready");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

impl PrometheusStack {
    /// Both running, the self-scrape up and the firing alert in the Alertmanager.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (prometheus_port, alertmanager_port) = (free_port(), free_port());
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(
            path("alertmanager.yml"),
            "route:\n  receiver: none\nreceivers:\n  - name: none\n",
        )
        .unwrap();
        std::fs::write(
            path("rules.yml"),
            format!("groups:\n  - name: e2e\n    rules:\n      - alert: {FIRING_ALERT}\n        expr: vector(1)\n        labels:\n          severity: test\n"),
        )
        .unwrap();
        std::fs::write(
            path("prometheus.yml"),
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
                 alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{alertmanager_port}']\n\
                 scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{prometheus_port}']\n\
                 \x20 - job_name: gone\n    static_configs:\n      - targets: ['127.0.0.1:1']\n",
                path("rules.yml")
            ),
        )
        .unwrap();
        let alertmanager = start(
            "prometheus-alertmanager",
            &[
                format!("--config.file={}", path("alertmanager.yml")),
                format!("--storage.path={}", path("am-data")),
                format!("--web.listen-address=127.0.0.1:{alertmanager_port}"),
                "--cluster.listen-address=".to_owned(),
            ],
        );
        let prometheus = start(
            "prometheus",
            &[
                format!("--config.file={}", path("prometheus.yml")),
                format!("--storage.tsdb.path={}", path("prom-data")),
                format!("--web.listen-address=127.0.0.1:{prometheus_port}"),
            ],
        );
        let stack = Self {
            prometheus_url: format!("http://127.0.0.1:{prometheus_port}"),
            alertmanager_url: format!("http://127.0.0.1:{alertmanager_port}"),
            _processes: [prometheus, alertmanager],
            _dir: dir,
        };
        let targets = format!("{}/api/v1/targets", stack.prometheus_url);
        wait_until(&targets, |answer| {
            let healths: Vec<&Value> = answer["data"]["activeTargets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| &t["health"])
                .collect();
            healths.len() == 2 && healths.iter().all(|h| *h != "unknown")
        })
        .await;
        let alerts = format!("{}/api/v2/alerts", stack.alertmanager_url);
        wait_until(&alerts, |answer| answer.to_string().contains(FIRING_ALERT)).await;
        stack
    }
}
