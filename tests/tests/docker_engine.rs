//! The real Docker Engine answers through bollard, as the orchestrator uses it.

use myca_e2e::docker_socket;
use myca_orchestrator::docker::connect_local;

#[tokio::test]
async fn bollard_pings_and_reads_the_engine_version() {
    let docker = connect_local(&docker_socket())
        .await
        .expect("Docker Engine reachable on the test socket");
    let pong = docker.ping().await.expect("Docker Engine answers _ping");
    assert_eq!(pong, "OK");
    let version = docker
        .version()
        .await
        .expect("Docker Engine reports its version");
    let api = version.api_version.expect("engine reports an API version");
    let (major, minor) = api.split_once('.').expect("API version is MAJOR.MINOR");
    assert_eq!(major, "1");
    assert!(
        minor.parse::<u32>().unwrap() >= 41,
        "API {api} is older than Debian 12's 1.41"
    );
    assert!(!version.version.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_missing_socket_is_a_typed_error_not_a_panic() {
    let missing = std::path::Path::new("/nonexistent/myca/docker.sock");
    let error = connect_local(missing)
        .await
        .expect_err("no engine behind a missing socket");
    assert!(error.to_string().contains("Docker engine"), "{error}");
}
