//! `unmask serve` stopped by SIGTERM (a service manager's stop, `kill`)
//! exits cleanly and removes the workspace its full scans write — 6 GB at
//! a million personas, which a terminated service had left behind each
//! time (it stopped only on Ctrl-C). A full scan still running at the stop
//! has its workspace removed too (`Engine::remove_scratch`); that case is
//! not timed here. A request still in flight does not hold the stop past
//! its grace (`unmask_serve::STOP_GRACE`).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server on a loopback port over a new store, its scratch space a
/// directory of its own; answering.
struct Server {
    dir: tempfile::TempDir,
    scratch: std::path::PathBuf,
    child: Child,
    port: u16,
    token: String,
}

fn curl(args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-s", "--max-time", "30"])
        .args(args)
        .output()
        .expect("curl runs")
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("tmp");
    std::fs::create_dir_all(&scratch).unwrap();
    let db = dir.path().join("u.db");
    let made = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["token", "create", "--role", "admin", "--db"])
        .arg(&db)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(made.status.success());
    let token = String::from_utf8(made.stdout).unwrap().trim().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(&db)
        .arg("--data-dir")
        .arg(dir.path().join("no-data"))
        .env("TMPDIR", &scratch)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let t = Instant::now();
    while String::from_utf8_lossy(&curl(&[&url("/healthz")]).stdout) != "ok" {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        dir,
        scratch,
        child: server,
        port,
        token,
    }
}

/// Sends SIGTERM; how the server exited, and how long it took.
fn terminate(server: &mut Child) -> (std::process::ExitStatus, Duration) {
    // SAFETY: kill only sends a signal to the child this test started.
    assert_eq!(
        unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let t = Instant::now();
    loop {
        if let Some(s) = server.try_wait().unwrap() {
            return (s, t.elapsed());
        }
        if t.elapsed() > Duration::from_secs(30) {
            let _ = server.kill();
            panic!("the server did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn terminated_the_server_exits_and_leaves_no_scan_workspace_behind() {
    let Server {
        dir: _dir,
        scratch,
        child: mut server,
        port,
        token,
    } = start();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    // One application, answered once the first (full) scan has run.
    let answer = curl(&[
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"application_id": "app-1", "submitted_at": "2026-03-01T10:00:00Z",
            "full_name": "Avery Lind", "emails": ["avery@example.org"]}"#,
        &url("/v1/applications"),
    ]);
    let answer = String::from_utf8_lossy(&answer.stdout);
    assert!(answer.contains(r#""application""#), "{answer}");
    let entries = || std::fs::read_dir(&scratch).unwrap().count();
    assert!(
        entries() > 0,
        "the full scan wrote its workspace under TMPDIR"
    );
    let (status, _) = terminate(&mut server);
    assert!(status.success(), "{status}");
    assert_eq!(entries(), 0, "nothing left under TMPDIR");
}

#[test]
fn a_request_left_unfinished_does_not_hold_the_stop() {
    let Server {
        dir: _dir,
        child: mut server,
        port,
        token,
        ..
    } = start();
    // A client that sends its headers and part of a body, then nothing:
    // the server waits for the rest, as it would for a scan to answer.
    let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        client,
        "POST /v1/okta HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{{"
    )
    .unwrap();
    client.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (status, took) = terminate(&mut server);
    assert!(status.success(), "{status}");
    assert!(
        took < unmask_serve::STOP_GRACE + Duration::from_secs(5),
        "stopped after {took:?}, with a request unfinished"
    );
    drop(client);
}
