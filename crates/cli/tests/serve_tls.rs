//! `unmask serve --tls-cert --tls-key`: HTTPS with the given certificate,
//! checked by curl against that certificate; plain HTTP on the same port is
//! refused. The certificate is made for the test by openssl.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn with_a_certificate_the_server_speaks_https_only() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(dir.path().join("u.db"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let curl = |scheme: &str, cacert: &Path| {
        Command::new("curl")
            .args(["-s", "--max-time", "5", "--cacert"])
            .arg(cacert)
            .arg(format!("{scheme}://localhost:{port}/healthz"))
            .output()
            .expect("curl runs")
    };
    let t = Instant::now();
    let mut out = curl("https", &cert);
    while String::from_utf8_lossy(&out.stdout) != "ok" && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
        out = curl("https", &cert);
    }
    let plain = curl("http", &cert);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        String::from_utf8_lossy(&plain.stdout),
        "ok",
        "plain HTTP is not served"
    );
}
