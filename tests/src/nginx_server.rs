//! Debian's nginx, started privately on two free loopback ports with its
//! own prefix under a temporary directory: a plain HTTP site (a page with a
//! title and links, a JSON health route, a redirect, a 500) and the same
//! site over TLS with a self-signed certificate made by openssl that
//! expires in [`CERTIFICATE_DAYS`] days.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::process::ChildGuard;

pub const CERTIFICATE_DAYS: u32 = 10;
pub const CERTIFICATE_NAME: &str = "myca-e2e.test";
pub const PAGE_TITLE: &str = "MYCA e2e site";
pub const HEALTH_BODY: &str = r#"{"status":"ok","version":"1.4.2"}"#;

pub struct Nginx {
    pub http_url: String,
    pub https_url: String,
    _process: ChildGuard,
    _dir: tempfile::TempDir,
}

const INDEX: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>MYCA e2e site</title></head>
<body><h1>Welcome</h1>
<a href="/about.html">About</a>
<a href="missing.html">A page that is gone</a>
<a href="/broken">A route that fails</a>
<a href="/about.html#team">About, again</a>
<a href="https://example.invalid/">Elsewhere</a>
</body></html>
"#;

fn certificate(dir: &Path) {
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ])
        .args(["-days", &CERTIFICATE_DAYS.to_string()])
        .args(["-subj", &format!("/CN={CERTIFICATE_NAME}")])
        .args([
            "-addext",
            &format!("subjectAltName=DNS:{CERTIFICATE_NAME},IP:127.0.0.1"),
        ])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl could not make a certificate");
}

fn config(dir: &Path, http: u16, https: u16) -> String {
    let d = dir.display();
    let site = format!(
        "root {d}/www; default_type text/html;\n\
         location = /api/health {{ default_type application/json; return 200 '{HEALTH_BODY}'; }}\n\
         location = /moved {{ return 301 /; }}\n\
         location = /broken {{ return 500; }}\n"
    );
    format!(
        "worker_processes 1;\nuser root;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n\
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;\n\
           uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
           server {{ listen 127.0.0.1:{http}; {site} }}\n\
           server {{ listen 127.0.0.1:{https} ssl; ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;\n\
             {site} }}\n\
         }}\n"
    )
}

impl Nginx {
    /// Both servers answering.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        std::fs::create_dir(path.join("www")).unwrap();
        std::fs::write(path.join("www/index.html"), INDEX).unwrap();
        std::fs::write(
            path.join("www/about.html"),
            "<html><head><title>About</title></head><body>About us</body></html>",
        )
        .unwrap();
        certificate(path);
        let (http, https) = (free_port(), free_port());
        std::fs::write(path.join("nginx.conf"), config(path, http, https)).unwrap();
        let child = Command::new("nginx")
            .arg("-p")
            .arg(path)
            .arg("-c")
            .arg(path.join("nginx.conf"))
            .arg("-e")
            .arg(path.join("error.log"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("nginx cannot start ({error}): apt-get install nginx"));
        let process = ChildGuard::terminated(child, Duration::from_secs(5));
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in [http, https] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                let log = std::fs::read_to_string(path.join("error.log")).unwrap_or_default();
                assert!(
                    Instant::now() < deadline,
                    "nginx never listened on {port}: {log}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Self {
            http_url: format!("http://127.0.0.1:{http}"),
            https_url: format!("https://127.0.0.1:{https}"),
            _process: process,
            _dir: dir,
        }
    }
}
