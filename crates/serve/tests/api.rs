//! The service over real HTTP on a loopback port: tokens and roles, ingest,
//! the synchronous application score, agreement with the batch scan,
//! dispositions across a restart, erasure, limits, and the web UI.

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use unmask_serve::auth::Role;
use unmask_serve::{Config, Limits};

struct Server {
    addr: SocketAddr,
    state: Arc<unmask_serve::State>,
    _runtime: tokio::runtime::Runtime,
}

fn config(db: &Path, limits: Limits) -> Config {
    Config {
        db: db.to_path_buf(),
        bind: "127.0.0.1:0".parse().unwrap(),
        // No reference packs: the detectors that need them are skipped.
        data_dir: db.with_extension("no-data"),
        scoring: unmask_score::ScoringFile::default(),
        limits,
        retention: None,
        tls: None,
    }
}

fn start(db: &Path, limits: Limits) -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cfg = config(db, limits);
    let state = unmask_serve::start(&cfg).unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(cfg.bind))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let router = unmask_serve::router(state.clone());
    runtime.spawn(async move { axum::serve(listener, router).await });
    Server {
        addr,
        state,
        _runtime: runtime,
    }
}

/// The stores every test runs on: a SQLite file, and PostgreSQL when
/// `UNMASK_TEST_POSTGRES` names a server (`.ci/run` starts one).
fn dbs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.join("u.db")];
    out.extend(unmask_serve::test_postgres_url().map(std::path::PathBuf::from));
    out
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn token(&self, role: Role) -> String {
        unmask_serve::auth::create(&self.state.store, role, "test").unwrap()
    }

    fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let mut r = agent()
            .get(&self.url(path))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn send(&self, method: &str, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let a = agent();
        let url = self.url(path);
        let r = match method {
            "POST" => a
                .post(&url)
                .header("Authorization", &format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .send(body.to_string()),
            _ => a
                .delete(&url)
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        };
        let mut r = r.unwrap();
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn app(id: &str, name: &str, email: &str) -> Value {
    json!({"application_id": id, "submitted_at": "2026-03-01T10:00:00Z", "full_name": name,
           "emails": [email], "claimed_timezone": "Europe/Berlin",
           "address": {"line1": "Hauptstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"}})
}

#[test]
fn every_route_needs_a_token_and_roles_limit_what_each_may_do() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let s = start(&db, Limits::default());
        let (ingest, analyst, admin) = (
            s.token(Role::Ingest),
            s.token(Role::Analyst),
            s.token(Role::Admin),
        );
        assert_eq!(s.get("", "/v1/findings").0, 401);
        assert_eq!(s.get("um_nonsense", "/v1/findings").0, 401);
        assert_eq!(s.get(&ingest, "/v1/findings").0, 403);
        assert_eq!(s.get(&analyst, "/v1/findings").0, 200);
        assert_eq!(s.get(&analyst, "/v1/audit").0, 403);
        let (code, doc) = s.get(&ingest, "/openapi.json");
        assert_eq!(code, 200);
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/v1/dispositions"]["post"].is_object());
        s.send(
            "POST",
            &ingest,
            "/v1/applications",
            &app("a1", "Daniel Moreau", "dm@example.org"),
        );
        assert_eq!(s.get(&analyst, "/v1/personas/a1").0, 200);
        let (code, log) = s.get(&admin, "/v1/audit");
        assert_eq!(code, 200);
        let actions: Vec<&str> = log["audit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"persona a1"),
            "reading a persona is audited: {actions:?}"
        );
    }
}

#[test]
fn ingest_is_idempotent_with_an_answer_per_record_and_one_application_is_scored_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let s = start(&db, Limits::default());
        let t = s.token(Role::Ingest);
        let batch = json!([app("a1", "Ann Lee", "ann@example.org"), {"application_id": "a2"}, app("a3", "Sam Ortiz", "sam@example.org"), 7]);
        let (code, r) = s.send("POST", &t, "/v1/applications", &batch);
        assert_eq!(code, 200);
        assert_eq!(
            (
                r["accepted"].as_u64(),
                r["rejected"].as_u64(),
                r["new"].as_u64()
            ),
            (Some(2), Some(2), Some(2))
        );
        assert_eq!(r["results"][1]["status"], "rejected");
        assert!(
            r["results"][1]["error"]
                .as_str()
                .unwrap()
                .contains("submitted_at"),
            "{r}"
        );
        assert_eq!(r["results"][3]["index"], 3);
        let (_, again) = s.send(
            "POST",
            &t,
            "/v1/applications",
            &json!([app("a1", "Ann Lee", "ann@example.org")]),
        );
        assert_eq!(
            again["new"], 0,
            "the same id again replaces, it does not add"
        );
        // Another persona with a1's e-mail: scored before the answer, linked.
        let (code, one) = s.send(
            "POST",
            &t,
            "/v1/applications",
            &app("a4", "Anna Li", "ann@example.org"),
        );
        assert_eq!(code, 200);
        let a = &one["application"];
        assert_eq!(a["id"], "a4");
        assert!(
            a["risk"].as_f64().unwrap() > 0.0 && a["level"].is_string() && a["actor"].is_string(),
            "{one}"
        );
        assert!(
            a["signals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["evidence"].as_str().unwrap().contains("a1")),
            "the shared e-mail is evidence citing a1: {one}"
        );
        let (code, bad) = s.send("POST", &t, "/v1/workers", &json!({"full_name": "no id"}));
        assert_eq!(code, 422);
        assert_eq!(bad["accepted"], 0);
        assert_eq!(s.send("POST", &t, "/v1/nonsense", &json!({})).0, 404);
    }
}

/// The demo world's records, posted through the API, give the findings
/// the batch scan gives on the same records.
/// Asserts two findings list the same personas, actors, devices and
/// addresses, naming the first object that differs.
fn same_findings(what: &str, served: &Value, batch: &Value) {
    for list in ["personas", "actors", "devices", "addresses"] {
        let (a, b) = (
            served[list].as_array().unwrap(),
            batch[list].as_array().unwrap(),
        );
        for i in 0..a.len().max(b.len()) {
            assert!(
                a.get(i) == b.get(i),
                "{what}: {list}[{i}]:\n  served {}\n  batch  {}",
                a.get(i).map_or("-".into(), |v| v.to_string()),
                b.get(i).map_or("-".into(), |v| v.to_string())
            );
        }
    }
}

/// A CSV export as JSON Lines: one object per row, a dotted column
/// (`claimed_location.city`) as a nested field, empty cells left out.
fn csv_as_json_lines(text: &str) -> String {
    let cells = |line: &str| -> Vec<String> {
        let (mut out, mut cell, mut quoted) = (vec![], String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(std::mem::take(&mut cell)),
                c => cell.push(c),
            }
        }
        out.push(cell);
        out
    };
    let mut lines = text.lines();
    let header = cells(lines.next().unwrap());
    let mut out = String::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let mut v = json!({});
        for (k, x) in header
            .iter()
            .zip(cells(line))
            .filter(|(_, x)| !x.is_empty())
        {
            match k.split_once('.') {
                Some((a, b)) => v[a][b] = x.into(),
                None => v[k] = x.into(),
            }
        }
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

#[test]
fn the_service_and_the_batch_scan_give_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let g = unmask_demo::generate(
            &dir.path().join("demo"),
            &unmask_demo::Options {
                size: 600,
                seed: 11,
                ..Default::default()
            },
        )
        .unwrap();
        // The JSON Lines inputs, and the workers the demo writes as CSV
        // as JSON Lines too (the API takes JSON).
        std::fs::write(
            g.workspace.join("workers.jsonl"),
            csv_as_json_lines(&std::fs::read_to_string(g.workspace.join("workers.csv")).unwrap()),
        )
        .unwrap();
        let files = [
            "applications.jsonl",
            "workers.jsonl",
            "assets.jsonl",
            "payroll.jsonl",
            "auth.jsonl",
            "okta.jsonl",
        ];
        let kinds = [
            "applications",
            "workers",
            "assets",
            "payroll",
            "auth",
            "okta",
        ];
        let mut held: Vec<Value> = vec![];
        let batch_ws = dir.path().join("batch");
        let _ = std::fs::remove_dir_all(&batch_ws);
        std::fs::create_dir_all(&batch_ws).unwrap();
        let s = start(&db, Limits::default());
        let t = s.token(Role::Admin);
        for (file, kind) in files.iter().zip(kinds) {
            let text = std::fs::read_to_string(g.workspace.join(file)).unwrap();
            std::fs::write(batch_ws.join(file), &text).unwrap();
            let mut records: Vec<Value> = text
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            if kind == "applications" {
                // Some held back, to come one at a time at the end.
                held = records.split_off(records.len() - 30);
            }
            for chunk in records.chunks(5000) {
                let (code, _) = s.send(
                    "POST",
                    &t,
                    &format!("/v1/{kind}"),
                    &Value::Array(chunk.to_vec()),
                );
                assert_eq!(code, 200, "{kind}");
            }
            // A scan after each kind: each later scan rewrites only the
            // kind that changed and reuses the files of the others.
            assert_eq!(s.get(&t, "/v1/findings").0, 200);
        }
        // Applications one at a time, each scored as it comes, as a
        // recruiter's system sends them; the records since the first scan
        // scanned as the middle before them and halfway through (the
        // background does when enough come), so that each is scored part
        // against the middle's relations and part against the records
        // since it.
        // And two applications that only a new phone and device relate:
        // the second comes after the middle scan took in the first, and
        // only the middle's relations say that it reaches it.
        let pair = |id: &str, email: &str, line1: &str| {
            json!({"application_id": id, "submitted_at": "2026-03-01T10:00:00Z",
                   "full_name": format!("Pair {id}"), "emails": [email],
                   "phones": ["+44 7700 900999"], "device_fingerprint": "fp-pair-only",
                   "claimed_timezone": "Europe/London",
                   "address": {"line1": line1, "city": "Leeds", "postcode": "LS1 4AP", "country": "GB"}})
        };
        let first = pair("app-pair-1", "first.pair@example.org", "1 Pair Street");
        let second = pair("app-pair-2", "second.pair@example.org", "2 Other Road");
        held.insert(held.len() / 2 - 1, first.clone());
        held.push(second.clone());
        let mut batch_apps = std::fs::read_to_string(batch_ws.join("applications.jsonl")).unwrap();
        for a in [&first, &second] {
            batch_apps.push_str(&format!("{a}\n"));
        }
        std::fs::write(batch_ws.join("applications.jsonl"), batch_apps).unwrap();
        // The last ten come as one burst, scored by one scan that keeps
        // the strangers among them apart.
        s.state.engine.scan_mid().unwrap();
        let burst = held.split_off(held.len() - 10);
        for (n, a) in held.iter().enumerate() {
            if n == held.len() / 2 {
                s.state.engine.scan_mid().unwrap();
            }
            let (code, answer) = s.send("POST", &t, "/v1/applications", a);
            assert_eq!(code, 200);
            assert_eq!(answer["application"]["id"], a["application_id"], "{answer}");
        }
        // In the burst too, two that meet only in a stored application,
        // one through its phone and one through its e-mail: one group,
        // else a later application that reaches only the first rescans
        // the stored one without the second.
        let stored: Value = serde_json::from_str(
            std::fs::read_to_string(g.workspace.join("applications.jsonl"))
                .unwrap()
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        let mut by_phone = pair("app-meet-a", "meet.a@example.org", "3 Meeting Lane");
        by_phone["phones"] = stored["phones"].clone();
        by_phone["device_fingerprint"] = "fp-meet-a".into();
        let mut by_email = pair("app-meet-b", "meet.b@example.org", "4 Meeting Lane");
        by_email["emails"] = stored["emails"].clone();
        by_email["phones"] = json!(["+44 7700 900444"]);
        by_email["device_fingerprint"] = "fp-meet-b".into();
        let mut later = pair("app-meet-c", "meet.a@example.org", "5 Meeting Lane");
        later["phones"] = json!(["+44 7700 900555"]);
        later["device_fingerprint"] = "fp-meet-c".into();
        let mut burst = burst;
        burst.extend([by_phone.clone(), by_email.clone()]);
        let mut batch_apps = std::fs::read_to_string(batch_ws.join("applications.jsonl")).unwrap();
        for a in [&by_phone, &by_email, &later] {
            batch_apps.push_str(&format!("{a}\n"));
        }
        std::fs::write(batch_ws.join("applications.jsonl"), batch_apps).unwrap();
        let (code, _) = s.send("POST", &t, "/v1/applications", &Value::Array(burst));
        assert_eq!(code, 200);
        let (code, _) = s.send("POST", &t, "/v1/applications", &later);
        assert_eq!(code, 200);
        assert!(s.state.engine.mid_scans() >= 2);
        let (code, served) = s.get(&t, "/v1/findings");
        assert_eq!(code, 200);
        let (full, incremental) = s.state.engine.scans();
        assert_eq!(full, 1, "one full scan, of the applications");
        assert!(
            incremental >= 27,
            "each later kind and application added incrementally"
        );
        let batch = |fit: Option<&unmask_pipeline::LinkFit>, out: &str| {
            let o = unmask_pipeline::scan(
                &batch_ws,
                &dir.path().join(out),
                unmask_ingest::DEFAULT_MAX_RECORD_BYTES,
                true,
                &dir.path().join("no-data"),
                &unmask_score::ScoringFile::default(),
                fit,
            )
            .unwrap();
            serde_json::to_value(&o.findings).unwrap()
        };
        // Scored incrementally over the first scan: what a batch scan
        // gives under that scan's fit, object for object.
        let fit = s.state.engine.base_fit().unwrap();
        let under_fit = batch(Some(&fit), "out-fit");
        same_findings("incremental", &served, &under_fit);
        let stored_id = stored["application_id"].as_str().unwrap();
        let cites_of = |id: &str| -> Vec<Value> {
            under_fit["personas"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["id"] == id)
                .flat_map(|p| p["signals"].as_array().unwrap().clone())
                .flat_map(|g| g["cites"].as_array().unwrap().clone())
                .collect()
        };
        assert!(
            cites_of(stored_id).contains(&json!("app-meet-a"))
                && cites_of(stored_id).contains(&json!("app-meet-b")),
            "{stored_id} cites both that meet in it: {:?}",
            cites_of(stored_id)
        );
        let second = under_fit["personas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "app-pair-2")
            .unwrap();
        assert!(
            second["signals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["cites"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("app-pair-1"))),
            "the second of the pair cites the first: {second}"
        );
        // A full scan refits, and gives what a batch scan gives.
        s.state.engine.full_scan().unwrap();
        s.state.mark_written();
        let (_, served) = s.get(&t, "/v1/findings");
        let batch = batch(None, "out");
        assert!(batch["personas"].as_array().unwrap().len() > 500);
        same_findings("after a full scan", &served, &batch);
        assert!(
            served["personas"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["level"] == "high")
        );
        // Everything past retention: the next scan reads no records, not
        // the files the scans before it wrote.
        assert!(!s.state.store.expire_records(i64::MAX).unwrap().is_empty());
        s.state.mark_written();
        let (_, after) = s.get(&t, "/v1/findings");
        assert_eq!(
            after["personas"].as_array().map(Vec::len),
            Some(0),
            "{after}"
        );
    }
}

#[test]
fn dispositions_persist_feed_the_next_scan_and_a_benign_actor_stays_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let (analyst, ingest);
        let (fraud_actor, benign_actor);
        {
            let s = start(&db, Limits::default());
            analyst = s.token(Role::Analyst);
            ingest = s.token(Role::Ingest);
            for (id, name, email) in [
                ("a1", "Ann Lee", "shared@example.org"),
                ("a2", "Anna Li", "shared@example.org"),
                ("b1", "Jo Park", "family@example.org"),
                ("b2", "Jin Park", "family@example.org"),
            ] {
                s.send("POST", &ingest, "/v1/applications", &app(id, name, email));
            }
            let (_, f) = s.get(&analyst, "/v1/findings");
            let actor_of = |p: &str| {
                f["personas"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["id"] == p)
                    .unwrap()["actor"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            fraud_actor = actor_of("a1");
            benign_actor = actor_of("b1");
            assert_eq!(actor_of("a2"), fraud_actor);
            let (code, _) = s.send(
                "POST",
                &analyst,
                "/v1/dispositions",
                &json!({"subject_kind": "actor", "subject": fraud_actor, "status": "confirmed_fraud", "note": "same operator"}),
            );
            assert_eq!(code, 201);
            let (code, _) = s.send(
                "POST",
                &analyst,
                "/v1/dispositions",
                &json!({"subject_kind": "actor", "subject": benign_actor, "status": "benign", "note": "siblings"}),
            );
            assert_eq!(code, 201);
            assert_eq!(
                s.send(
                    "POST",
                    &analyst,
                    "/v1/dispositions",
                    &json!({"subject_kind": "actor", "subject": "x", "status": "maybe"})
                )
                .0,
                422
            );
            assert_eq!(
                s.send("POST", &ingest, "/v1/dispositions", &json!({})).0,
                403
            );
        }
        // A restart: the same store, a new process state.
        let s = start(&db, Limits::default());
        let (_, a) = s.get(&analyst, &format!("/v1/actors/{fraud_actor}"));
        assert_eq!(a["dispositions"][0]["status"], "confirmed_fraud", "{a}");
        assert_eq!(a["dispositions"][0]["note"], "same operator");
        let (_, list) = s.get(&analyst, "/v1/actors?level=any");
        let listed: Vec<&str> = list["actors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert!(
            !listed.contains(&benign_actor.as_str()),
            "a benign actor is not raised again: {listed:?}"
        );
        assert!(listed.contains(&fraud_actor.as_str()), "{listed:?}");
        let (_, all) = s.get(&analyst, "/v1/actors?level=any&all=true");
        assert!(
            all["actors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == benign_actor.as_str())
        );
        // The confirmed actor's e-mail is known-bad now: a newcomer using it says so.
        let (_, one) = s.send(
            "POST",
            &ingest,
            "/v1/applications",
            &app("c1", "Carl Berg", "shared@example.org"),
        );
        let signals = one["application"]["signals"].as_array().unwrap();
        assert!(
            signals.iter().any(|x| x["id"] == "known_bad_identifier"),
            "{one}"
        );
    }
}

#[test]
fn erasure_removes_a_personas_records_and_the_audit_keeps_only_that_it_happened() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let s = start(&db, Limits::default());
        let (ingest, analyst, admin) = (
            s.token(Role::Ingest),
            s.token(Role::Analyst),
            s.token(Role::Admin),
        );
        s.send(
            "POST",
            &ingest,
            "/v1/applications",
            &app("a1", "Daniel Moreau", "dm@example.org"),
        );
        s.send(
            "POST",
            &ingest,
            "/v1/workers",
            &json!({"worker_id": "w1", "application_id": "a1", "full_name": "Daniel Moreau", "login": "dmoreau@corp.example"}),
        );
        s.send(
            "POST",
            &ingest,
            "/v1/payroll",
            &json!({"worker_id": "w1", "effective_date": "2026-03-01", "method": "bank", "account": "DE89370400440532013000"}),
        );
        assert_eq!(s.get(&analyst, "/v1/personas/w1").0, 200);
        assert_eq!(
            s.send("DELETE", &analyst, "/v1/personas/w1", &Value::Null)
                .0,
            403
        );
        let (code, r) = s.send("DELETE", &admin, "/v1/personas/w1", &Value::Null);
        assert_eq!(code, 200);
        assert_eq!(r["erased"], 2, "the worker and its payroll row: {r}");
        assert_eq!(s.get(&analyst, "/v1/personas/w1").0, 404);
        assert_eq!(s.state.store.count_records("payroll").unwrap(), 0);
        let (_, log) = s.get(&admin, "/v1/audit");
        let erase = log["audit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "erase")
            .unwrap();
        assert!(
            !erase["subject"].as_str().unwrap().contains("w1"),
            "{erase}"
        );
        assert!(
            log["audit"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| !e["subject"].as_str().unwrap().contains("w1")),
            "no audit entry names the erased persona: {log}"
        );
        let saved = s.state.store.findings().unwrap().unwrap();
        assert!(
            !saved.contains("\"w1\""),
            "the saved findings were rescanned without it"
        );
        assert_eq!(
            s.send("DELETE", &admin, "/v1/personas/w1", &Value::Null).0,
            404
        );
    }
}

#[test]
fn bodies_batches_and_rates_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let s = start(
            &db,
            Limits {
                body_bytes: 4096,
                max_batch: 3,
                per_second: 1.0,
                burst: 6.0,
                body_read: std::time::Duration::from_secs(1),
            },
        );
        let t = s.token(Role::Ingest);
        let big = json!({"application_id": "a1", "submitted_at": "2026-03-01T10:00:00Z", "resume": "x".repeat(5000)});
        assert_eq!(s.send("POST", &t, "/v1/applications", &big).0, 413);
        let four = json!([{}, {}, {}, {}]);
        assert_eq!(s.send("POST", &t, "/v1/okta", &four).0, 413);
        // A body that stops coming: answered 408 once its time is up, not
        // waited for.
        let mut client = std::net::TcpStream::connect(s.addr).unwrap();
        client
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        use std::io::{Read, Write};
        write!(
            client,
            "POST /v1/okta HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {t}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{{",
            s.addr
        )
        .unwrap();
        let mut answer = [0u8; 12];
        client.read_exact(&mut answer).unwrap();
        assert_eq!(
            &answer,
            b"HTTP/1.1 408",
            "{}",
            String::from_utf8_lossy(&answer)
        );
        let mut codes = vec![];
        for _ in 0..8 {
            codes.push(s.get(&t, "/openapi.json").0);
        }
        assert!(codes.contains(&429), "{codes:?}");
    }
}

#[test]
fn the_web_ui_signs_in_shows_the_queue_and_an_actor_and_records_a_disposition() {
    let dir = tempfile::tempdir().unwrap();
    for db in dbs(dir.path()) {
        let s = start(&db, Limits::default());
        let (ingest, analyst) = (s.token(Role::Ingest), s.token(Role::Analyst));
        for (id, name) in [("a1", "Ann Lee"), ("a2", "Anna Li"), ("a3", "An Lee")] {
            s.send(
                "POST",
                &ingest,
                "/v1/applications",
                &app(id, name, "shared@example.org"),
            );
        }
        // a1 hired as w1, claiming Berlin, signing in 00:00–10:59 UTC: a
        // working day at UTC+8.
        s.send(
            "POST",
            &ingest,
            "/v1/workers",
            &json!({"worker_id": "w1", "application_id": "a1", "full_name": "Ann Lee",
                    "email": "ann.lee@corp.example", "login": "alee", "claimed_timezone": "Europe/Berlin"}),
        );
        let day0 = 1_772_323_200_000i64; // 2026-03-01T00:00:00Z
        let signins: Vec<Value> = (0..5)
            .flat_map(|d| (0..11).map(move |h| (d, h)))
            .map(|(d, h)| {
                json!({"class_uid": 3002, "activity_id": 1, "time": day0 + d * 86_400_000 + h * 3_600_000 + 60_000,
                       "user": {"name": "alee", "email_addr": "ann.lee@corp.example"},
                       "src_endpoint": {"ip": "203.0.113.7"}, "status_id": 1,
                       "metadata": {"uid": format!("e-{d}-{h}")}})
            })
            .collect();
        let (code, r) = s.send("POST", &ingest, "/v1/auth", &Value::Array(signins));
        assert_eq!((code, r["accepted"].as_u64()), (200, Some(55)), "{r}");
        let a = agent();
        let r = a.get(&s.url("/ui")).call().unwrap();
        assert_eq!(
            r.status().as_u16(),
            303,
            "not signed in: to the sign-in page"
        );
        let r = a
            .post(&s.url("/ui/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!("token={ingest}"))
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            403,
            "an ingest token may not use the UI"
        );
        let r = a
            .post(&s.url("/ui/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!("token={analyst}"))
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let cookie = r
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let cookie = cookie.split(';').next().unwrap().to_string();
        let page = |path: &str| -> (u16, String) {
            let mut r = a
                .get(&s.url(path))
                .header("Cookie", &cookie)
                .call()
                .unwrap();
            (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
        };
        let (code, queue) = page("/ui?level=any");
        assert_eq!(code, 200);
        assert!(queue.contains("Alert queue"));
        let (_, f) = s.get(&analyst, "/v1/findings");
        let actor = f["personas"][0]["actor"].as_str().unwrap().to_string();
        assert!(queue.contains(&format!("/ui/actors/{actor}")), "{queue}");
        let (code, html) = page(&format!("/ui/actors/{actor}"));
        assert_eq!(code, 200);
        assert!(
            html.contains("<svg")
                && html.contains("data-persona='a1'")
                && html.contains("shared@example.org")
        );
        assert!(html.contains("id=disposition"));
        assert!(
            html.contains("claimed zone Europe/Berlin") && html.contains("best-fitting zone UTC+8"),
            "{html}"
        );
        let r = a
            .post(&s.url(&format!("/ui/actors/{actor}")))
            .header("Cookie", &cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send("status=needs_review&note=check+the+references")
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let (_, html) = page(&format!("/ui/actors/{actor}"));
        assert!(html.contains("needs_review") && html.contains("check the references"));
        let (code, persona) = page("/ui/personas/a1");
        assert_eq!(code, 200);
        assert!(persona.contains("Records as received") && persona.contains("Ann Lee"));
        let (_, found) = page("/ui/search?q=anna");
        assert!(found.contains("/ui/personas/a2"), "{found}");
    }
}

#[test]
fn a_pretty_printed_record_is_stored_on_one_line_and_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&dir.path().join("u.db"), Limits::default());
    let (ingest, analyst) = (s.token(Role::Ingest), s.token(Role::Analyst));
    let pretty = "[\n  {\n    \"application_id\": \"p1\",\n    \"submitted_at\": \"2026-03-01T10:00:00Z\",\n    \"full_name\": \"Pat Doe\"\n  }\n]";
    let mut r = agent()
        .post(&s.url("/v1/applications"))
        .header("Authorization", &format!("Bearer {ingest}"))
        .header("Content-Type", "application/json")
        .send(pretty)
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.body_mut().read_to_string().unwrap()
    );
    let stored = s.state.store.record("applications", "p1").unwrap().unwrap();
    assert!(!stored.contains('\n'), "{stored}");
    let (code, p) = s.get(&analyst, "/v1/personas/p1");
    assert_eq!(code, 200);
    assert_eq!(p["persona"]["name"], "Pat Doe", "the scan read it: {p}");
    let (code, _) = s.send("POST", &ingest, "/v1/okta", &json!("not an object"));
    assert_eq!(code, 422);
}
