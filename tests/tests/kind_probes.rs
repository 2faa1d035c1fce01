//! `route-monitor` and `website-agent` in real containers, spawned by the
//! seed's names for them, probing Debian's real nginx on loopback: a plain
//! HTTP site, the same over TLS with a self-signed certificate that
//! expires in ten days, a redirect, a 404 and a 500, and a port where
//! nothing listens. Status, latency, content by substring and regex,
//! redirects followed or reported, the certificate's expiry, names and
//! trust; a page's title and its links; bad payloads. An unreachable target
//! is a finding (`ok: false`), so those tasks complete.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::nginx_server::{Nginx, CERTIFICATE_DAYS, CERTIFICATE_NAME, PAGE_TITLE};
use myca_orchestrator::config::DatabaseTarget;
use serde_json::{json, Value};

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {report}"))
}

fn nowhere() -> String {
    format!("http://127.0.0.1:{}/", myca_e2e::free_port())
}

#[tokio::test]
async fn route_monitor_probes_real_nginx_routes() {
    let nginx = Nginx::start().await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let (http, https) = (&nginx.http_url, &nginx.https_url);
    let health = format!("{http}/api/health");
    let ops = unique_agent_id("routes");
    let routes = json!([health, format!("{http}/broken")]);
    let spawned = spawn_healthy(&api, &mut guard, &ops,
        json!({"agent_type": "route-monitor-agent", "category": "data", "memory_limit": 64, "settings": {"routes": routes}})).await;
    assert_eq!(spawned["agent_type"], "route-monitor", "{spawned}");

    let up = completed(&api, &ops, "probe",
        json!({"url": health, "contains": "\"status\":\"ok\"", "regex": "\"version\":\"(\\d+\\.){2}\\d+\""})).await;
    assert_eq!(fields(&up, &["ok", "status"]), json!([true, 200]), "{up}");
    assert!(up["latency_ms"].as_u64().unwrap() < 5_000, "{up}");
    assert_eq!(
        check(&up, "regex")["detail"],
        "matched \"\\\"version\\\":\\\"1.4.2\\\"\""
    );
    assert_eq!(up["tls"], Value::Null);
    let wrong_text = completed(
        &api,
        &ops,
        "probe",
        json!({"url": health, "contains": "degraded"}),
    )
    .await;
    assert_eq!(wrong_text["ok"], false);
    assert_eq!(
        check(&wrong_text, "contains")["detail"],
        "\"degraded\" not found"
    );

    // The certificate, read even though no public root trusts it.
    let tls = completed(
        &api,
        &ops,
        "probe",
        json!({"url": format!("{https}/api/health"), "verify_tls": false, "min_tls_days": 5}),
    )
    .await;
    assert_eq!(tls["ok"], true, "{tls}");
    let certificate = &tls["tls"];
    assert_eq!(
        certificate["days_left"],
        CERTIFICATE_DAYS - 1,
        "{certificate}"
    );
    assert_eq!(certificate["subject"], format!("CN={CERTIFICATE_NAME}"));
    assert_eq!(certificate["issuer"], certificate["subject"]);
    assert_eq!(
        certificate["dns_names"],
        json!([CERTIFICATE_NAME, "127.0.0.1"])
    );
    assert_eq!(certificate["trusted"], false);
    let soon = completed(
        &api,
        &ops,
        "probe",
        json!({"url": https, "verify_tls": false}),
    )
    .await;
    assert_eq!(
        soon["ok"], false,
        "ten days is fewer than the default fourteen"
    );
    let detail = check(&soon, "tls")["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.starts_with("9 days left (until ") && detail.ends_with("at least 14 wanted"),
        "{detail}"
    );
    let verified = completed(
        &api,
        &ops,
        "probe",
        json!({"url": https, "min_tls_days": 1}),
    )
    .await;
    assert_eq!(fields(&verified, &["ok", "status"]), json!([false, null]));
    // openssl's self-signed certificate is its own CA: webpki refuses it as a server's.
    assert!(
        verified["error"]
            .as_str()
            .unwrap()
            .contains("invalid peer certificate: "),
        "{verified}"
    );
    assert!(
        verified["tls"]["trust_error"]
            .as_str()
            .unwrap()
            .contains("CaUsedAsEndEntity"),
        "{verified}"
    );
    assert!(check(&verified, "tls")["detail"]
        .as_str()
        .unwrap()
        .ends_with("; not trusted"));

    // Redirects followed, or reported; failing statuses; a port where nothing listens.
    let followed = completed(
        &api,
        &ops,
        "probe",
        json!({"url": format!("{http}/moved"), "contains": "Welcome"}),
    )
    .await;
    assert_eq!(
        fields(&followed, &["ok", "status", "redirects"]),
        json!([true, 200, 1])
    );
    assert_eq!(followed["final_url"], format!("{http}/"));
    let reported = completed(
        &api,
        &ops,
        "probe",
        json!({"url": format!("{http}/moved"), "follow_redirects": false, "expect_status": 301}),
    )
    .await;
    assert_eq!(
        fields(&reported, &["ok", "location"]),
        json!([true, format!("{http}/")]),
        "{reported}"
    );
    let broken = completed(
        &api,
        &ops,
        "probe",
        json!({"url": format!("{http}/broken")}),
    )
    .await;
    assert_eq!(fields(&broken, &["ok", "status"]), json!([false, 500]));
    assert_eq!(
        check(&broken, "status")["detail"],
        "500, expected below 400"
    );
    let down = completed(&api, &ops, "probe", json!({"url": nowhere()})).await;
    assert_eq!(fields(&down, &["ok", "status"]), json!([false, null]));
    assert!(
        down["error"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{down}"
    );

    // Many at once: the watched routes, or the payload's.
    let watched = completed(&api, &ops, "probe_many", json!({})).await;
    assert_eq!(watched["summary"]["total"], 2, "{watched}");
    assert_eq!(
        fields(&watched["summary"], &["ok", "failed"]),
        json!([1, 1])
    );
    let given = json!({"probes": [
        {"url": format!("{http}/missing.html"), "expect_status": 404},
        {"url": https, "verify_tls": false, "min_tls_days": 0},
        {"url": nowhere(), "timeout_ms": 2000}]});
    let many = completed(&api, &ops, "probe_many", given).await;
    assert_eq!(many["summary"]["ok"], 2, "{many}");
    assert_eq!(
        many["summary"]["fewest_tls_days_left"],
        CERTIFICATE_DAYS - 1
    );
    assert_eq!(many["results"][1]["status"], 200);

    // Payloads refused.
    let bad_regex = failed(&api, &ops, "probe", json!({"url": health, "regex": "("})).await;
    assert!(
        bad_regex.starts_with("invalid payload: payload.regex: regex parse error"),
        "{bad_regex}"
    );
    let bad_scheme = failed(&api, &ops, "probe", json!({"url": "ftp://files.example"})).await;
    assert_eq!(
        bad_scheme,
        "invalid payload: payload.url: must be an http:// or https:// URL with a host"
    );
    let bad_many = failed(
        &api,
        &ops,
        "probe_many",
        json!({"probes": [{"url": health}, {"url": "http://x", "timeout_ms": 5}]}),
    )
    .await;
    assert_eq!(
        bad_many,
        "invalid payload: payload.probes.1.timeout_ms: must be at least 100"
    );

    api.stop().await;
}

#[tokio::test]
async fn website_agent_checks_a_real_nginx_site_and_its_links() {
    let nginx = Nginx::start().await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let (http, https) = (&nginx.http_url, &nginx.https_url);
    let ops = unique_agent_id("website");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &ops,
        json!({"agent_type": "website", "category": "data", "memory_limit": 64}),
    )
    .await;
    assert_eq!(spawned["agent_type"], "website-agent", "{spawned}");

    let site = completed(&api, &ops, "check_site",
        json!({"url": format!("{https}/"), "verify_tls": false, "min_tls_days": 5, "expect_title": PAGE_TITLE})).await;
    assert_eq!(
        fields(&site, &["title", "title_ok"]),
        json!([PAGE_TITLE, true]),
        "{site}"
    );
    assert_eq!(site["page"]["tls"]["days_left"], CERTIFICATE_DAYS - 1);
    let links: Vec<(String, Value)> = site["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["url"].as_str().unwrap().to_owned(), l["status"].clone()))
        .collect();
    assert_eq!(
        links,
        [
            (format!("{https}/about.html"), json!(200)),
            (format!("{https}/missing.html"), json!(404)),
            (format!("{https}/broken"), json!(500)),
        ],
        "its own links, each once; not the other site's"
    );
    assert_eq!(fields(&site, &["broken_links", "ok"]), json!([2, false]));

    let about = completed(
        &api,
        &ops,
        "check_site",
        json!({"url": format!("{http}/about.html"), "expect_title": "About us"}),
    )
    .await;
    assert_eq!(
        fields(&about, &["title", "title_ok", "ok"]),
        json!(["About", false, false])
    );
    assert_eq!(about["links"], json!([]));
    let page = completed(
        &api,
        &ops,
        "probe",
        json!({"url": format!("{http}/"), "contains": "Welcome"}),
    )
    .await;
    assert_eq!(page["ok"], true, "{page}");

    let down = completed(&api, &ops, "check_site", json!({"url": nowhere()})).await;
    assert_eq!(
        fields(&down, &["ok", "title", "links"]),
        json!([false, null, []])
    );
    assert!(
        down["page"]["error"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{down}"
    );
    let bad = failed(
        &api,
        &ops,
        "check_site",
        json!({"url": http, "max_links": 500, "expect_title": 3}),
    )
    .await;
    assert_eq!(bad, "invalid payload: payload.expect_title: must be string, not integer; payload.max_links: must be at most 100");

    api.stop().await;
}
