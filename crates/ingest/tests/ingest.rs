//! Every input shape of the contract, and every kind of bad input, through
//! `read_workspace`.

use flate2::{Compression, write::GzEncoder};
use std::io::Write;
use std::path::{Path, PathBuf};
use unmask_ingest::{Options, Origin, Reject, Sink, read_workspace};
use unmask_model::*;

#[derive(Default)]
struct Recorder {
    apps: Vec<(Application, Origin)>,
    workers: Vec<Worker>,
    assets: Vec<Asset>,
    payroll: Vec<Payroll>,
    logins: Vec<(
        String,
        Timestamp,
        Option<String>,
        LoginSource,
        bool,
        Option<bool>,
    )>,
    hosts: Vec<HostRow>,
    keys: Vec<KeystrokeSample>,
    rejects: Vec<Reject>,
}

impl Sink for Recorder {
    fn application(&mut self, r: Application, at: &Origin) {
        self.apps.push((r, at.clone()));
    }
    fn worker(&mut self, r: Worker, _: &Origin) {
        self.workers.push(r);
    }
    fn asset(&mut self, r: Asset, _: &Origin) {
        self.assets.push(r);
    }
    fn payroll(&mut self, r: Payroll, _: &Origin) {
        self.payroll.push(r);
    }
    fn login(&mut self, e: &LoginEvent<'_>, _: &Origin) {
        self.logins.push((
            e.user.to_string(),
            e.at,
            e.ip.map(String::from),
            e.source,
            e.success,
            e.is_proxy,
        ));
    }
    fn host(&mut self, r: HostRow, _: &Origin) {
        self.hosts.push(r);
    }
    fn keystroke(&mut self, r: KeystrokeSample, _: &Origin) {
        self.keys.push(r);
    }
    fn reject(&mut self, r: Reject) {
        self.rejects.push(r);
    }
}

fn write(dir: &Path, rel: &str, body: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn gz(body: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

fn scan(dir: &Path) -> Recorder {
    let mut r = Recorder::default();
    read_workspace(dir, &mut r, &mut (), &Options::default()).unwrap();
    r
}

/// The project's shared reference data: `$UNMASK_SHARED_DATA` (set by
/// .ci/run), else `../shared/data` beside the clone.
fn shared_data() -> PathBuf {
    std::env::var_os("UNMASK_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn reject_for<'a>(r: &'a Recorder, file: &str, line: u64) -> &'a Reject {
    r.rejects
        .iter()
        .find(|x| x.file == file && x.line == line)
        .unwrap_or_else(|| panic!("no reject for {file}:{line}; have {:#?}", r.rejects))
}

const APP: &str = r#"{"application_id":"app-1","submitted_at":"2026-03-02T14:11:09Z","full_name":"Daniel Moreau","emails":["d@example.org"],"address":{"city":"Lyon","country":"FR"},"references":[{"name":"Maria Kovacs","email":"m@example.org"}]}"#;

#[test]
fn flat_records_as_jsonl_csv_and_gzip_agree() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "applications.jsonl",
        format!("{APP}\n").as_bytes(),
    );
    write(
        d.path(),
        "workers.csv",
        b"worker_id,application_id,full_name,login,claimed_location.city,claimed_location.country,start_date\nw-1,app-1,Daniel Moreau,dmoreau,Lyon,FR,2026-04-01\n",
    );
    write(d.path(), "assets.jsonl.gz", &gz(br#"{"asset_id":"LT-1","hostname":"acme-lt-1","assigned_to":"w-1","shipped_to":{"line1":"4 Elm Court","city":"Croydon","postcode":"CR0 2AB","country":"GB"}}
"#));
    write(d.path(), "payroll.csv.gz", &gz(b"worker_id,effective_date,method,account,holder\nw-1,2026-04-01,payoneer,d.pay@gmail.com,Daniel Moreau\n"));
    let r = scan(d.path());
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    assert_eq!(
        r.apps[0].0.references[0].name.as_deref(),
        Some("Maria Kovacs")
    );
    assert_eq!(
        r.apps[0].1,
        Origin {
            file: "applications.jsonl".into(),
            line: 1
        }
    );
    let w = &r.workers[0];
    assert_eq!(
        w.claimed_location.as_ref().unwrap().city.as_deref(),
        Some("Lyon")
    );
    assert_eq!(w.start_date.unwrap().to_string(), "2026-04-01");
    assert_eq!(
        r.assets[0].shipped_to.as_ref().unwrap().postcode.as_deref(),
        Some("CR0 2AB")
    );
    assert_eq!(r.payroll[0].account.as_deref(), Some("d.pay@gmail.com"));
}

const OKTA: &str = r#"{"uuid":"e1","published":"2026-05-04T07:12:44.512Z","eventType":"user.session.start","actor":{"id":"00u1","type":"User","alternateId":"dmoreau@acme.example","displayName":"Daniel Moreau"},"client":{"ipAddress":"81.2.69.160","userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Windows","browser":"CHROME"},"geographicalContext":{"city":"London","state":"England","country":"United Kingdom","postalCode":"EC1","geolocation":{"lat":51.5,"lon":-0.1}}},"outcome":{"result":"SUCCESS"},"securityContext":{"asNumber":2856,"asOrg":"british telecommunications plc","isp":"bt","domain":"bt.com","isProxy":false}}"#;

#[test]
fn okta_as_jsonl_as_array_and_as_pretty_array() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "okta.jsonl", format!("{OKTA}\n").as_bytes());
    write(
        d.path(),
        "okta/export-1.json",
        format!("[{OKTA},{OKTA}]").as_bytes(),
    );
    let pretty = serde_json::to_string_pretty(&serde_json::json!([serde_json::from_str::<
        serde_json::Value,
    >(OKTA)
    .unwrap()]))
    .unwrap();
    write(d.path(), "okta/export-2.json.gz", &gz(pretty.as_bytes()));
    let r = scan(d.path());
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    assert_eq!(r.logins.len(), 4);
    let (user, at, ip, src, ok, proxy) = &r.logins[0];
    assert_eq!(user, "dmoreau@acme.example");
    assert_eq!(at.to_string(), "2026-05-04T07:12:44.512Z");
    assert_eq!(ip.as_deref(), Some("81.2.69.160"));
    assert_eq!((*src, *ok, *proxy), (LoginSource::Okta, true, Some(false)));
}

#[test]
fn ocsf_authentication_events() {
    let d = tempfile::tempdir().unwrap();
    let ok = r#"{"class_uid":3002,"category_uid":3,"activity_id":1,"time":1777878764512,"user":{"name":"dmoreau","uid":"00u1"},"src_endpoint":{"ip":"2a00:23c4::1","location":{"country":"GB"}},"device":{"uid":"LT-1"},"http_request":{"user_agent":"Mozilla/5.0"},"status_id":2,"metadata":{"version":"1.3.0"}}"#;
    let wrong_class = r#"{"class_uid":3001,"time":1777878764512,"user":{"name":"x"}}"#;
    write(
        d.path(),
        "auth.jsonl",
        format!("{ok}\n{wrong_class}\n").as_bytes(),
    );
    let r = scan(d.path());
    assert_eq!(r.logins.len(), 1);
    assert_eq!(r.logins[0].0, "dmoreau");
    assert!(!r.logins[0].4, "status_id 2 is a failure");
    assert_eq!(r.logins[0].1.to_string(), "2026-05-04T07:12:44.512Z");
    let rej = reject_for(&r, "auth.jsonl", 2);
    assert_eq!(rej.field.as_deref(), Some("class_uid"));
}

#[test]
fn osquery_shared_sample_all_line_shapes() {
    let sample = std::fs::read(shared_data().join("netintel/schemas/osquery_results_sample.jsonl"))
        .expect("shared reference data present (UNMASK_SHARED_DATA or ../shared/data)");
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "osquery/results.log", &sample);
    // numerics: true batch with numbers, and a snapshot with several rows.
    write(
        d.path(),
        "osquery.jsonl",
        br#"{"diffResults":{"added":[{"pid":1,"name":"AnyDesk.exe","path":"C:\\AnyDesk.exe"}],"removed":[{"pid":2,"name":"old.exe","path":""}]},"name":"processes","hostIdentifier":"LT-9","unixTime":"1795465867","numerics":true}
{"snapshot":[{"vendor_id":"1d6b","model_id":"0104"},{"vendor_id":"046d","model_id":"c52b"}],"action":"snapshot","name":"pack/inv/usb_devices","hostIdentifier":"LT-9","unixTime":1795465867}
"#,
    );
    let r = scan(d.path());
    assert!(r.rejects.is_empty(), "{:#?}", r.rejects);
    let from_sample: Vec<_> = r.hosts.iter().filter(|h| h.host == "LT-4821").collect();
    assert_eq!(from_sample.len(), 6);
    let usb = from_sample
        .iter()
        .find(|h| h.table == HostTable::UsbDevices)
        .unwrap();
    assert_eq!(
        (usb.get("vendor_id"), usb.get("model_id"), usb.get("vendor")),
        (Some("1d6b"), Some("0104"), Some("PiKVM"))
    );
    let proc_ = from_sample
        .iter()
        .find(|h| h.table == HostTable::Processes)
        .unwrap();
    assert_eq!(proc_.get("pid"), Some("4412"), "numeric values become text");
    assert_eq!(
        proc_.get("path"),
        Some(r"C:\Program Files\RustDesk\rustdesk.exe")
    );
    let tz = from_sample
        .iter()
        .find(|h| h.table == HostTable::Time)
        .unwrap();
    assert_eq!(tz.get("local_timezone"), Some("Asia/Shanghai"));
    assert!(
        from_sample
            .iter()
            .any(|h| h.table == HostTable::KeyboardLayouts && h.get("data") == Some("00000412"))
    );
    assert!(
        from_sample
            .iter()
            .any(|h| h.table == HostTable::UsbDevices && h.removed)
    );
    let lt9: Vec<_> = r.hosts.iter().filter(|h| h.host == "LT-9").collect();
    assert_eq!(lt9.len(), 4);
    assert!(
        lt9.iter()
            .any(|h| h.removed && h.get("name") == Some("old.exe"))
    );
    assert_eq!(
        lt9.iter()
            .filter(|h| h.table == HostTable::UsbDevices)
            .count(),
        2
    );
}

#[test]
fn keystroke_samples() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "keystrokes.jsonl",
        br#"{"subject":"w-1","session_id":"s1","captured_at":"2026-05-04T07:12:44Z","text_kind":"fixed","events":[{"key":"t","down_ms":0,"up_ms":95.5},{"key":"i","down_ms":180,"up_ms":260}]}
{"subject":"w-1","events":"none"}
"#,
    );
    let r = scan(d.path());
    assert_eq!(r.keys.len(), 1);
    assert_eq!(r.keys[0].events[0].up_ms, 95.5);
    assert_eq!(
        reject_for(&r, "keystrokes.jsonl", 2).field.as_deref(),
        Some("events")
    );
}

#[test]
fn every_kind_of_bad_input_is_reported_and_the_run_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let mut apps = Vec::new();
    apps.extend(format!("{APP}\n").as_bytes()); // 1 ok
    apps.extend(
        br#"{"application_id":"app-2","submitted_at":"2026-03-02T14:11:09Z","full_name":"Ana"#,
    ); // 2 truncated
    apps.extend(b"\n");
    apps.extend(
        br#"{"application_id":"app-3","submitted_at":"2026-03-02T14:11:09Z","emails":[{"x":1}]}"#,
    ); // 3 wrong type
    apps.extend(b"\n");
    apps.extend(b"{\"application_id\":\"app-4\",\"submitted_at\":\"2026-03-02T14:11:09Z\",\"full_name\":\"Jos\xe9\"}\n"); // 4 invalid UTF-8
    apps.extend(format!("{{\"application_id\":\"app-5\",\"submitted_at\":\"2026-03-02T14:11:09Z\",\"resume_text\":\"{}\"}}\n", "x".repeat(10 << 20)).as_bytes()); // 5: 10 MB
    apps.extend(format!("{APP}\n").as_bytes()); // 6 duplicate id
    apps.extend(br#"{"submitted_at":"2026-03-02T14:11:09Z"}"#); // 7 missing required
    apps.extend(b"\n");
    apps.extend(br#"{"application_id":"app-8","submitted_at":"last tuesday"}"#); // 8 bad timestamp
    apps.extend(b"\n");
    apps.extend(br#"{"application_id":"app-9","submitted_at":"2026-03-02T14:11:09Z"}"#); // 9 ok, no newline at end
    write(d.path(), "applications.jsonl", &apps);
    write(d.path(), "workers.jsonl", b"");
    write(d.path(), "assets.csv", b"serial,hostname\nC02X,acme-lt-1\n");
    write(d.path(), "payroll.csv", b"worker_id,effective_date,account\nw-1,2026-04-01\nw-2,2026-13-01,acct\nw-3,2026-04-01,acct\n");
    write(
        d.path(),
        "okta/broken.json",
        format!("[{OKTA},\n{{\"published\":").as_bytes(),
    );
    write(
        d.path(),
        "osquery/h.log.gz",
        &b"\x1f\x8b\x08\x00garbage-not-deflate"[..],
    );
    std::os::unix::fs::symlink(
        d.path().join("nowhere.jsonl"),
        d.path().join("keystrokes.jsonl"),
    )
    .unwrap();

    let r = scan(d.path());
    let ids: Vec<_> = r
        .apps
        .iter()
        .map(|(a, _)| a.application_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["app-1", "app-9"],
        "good records on both sides of bad ones are accepted"
    );

    let a = "applications.jsonl";
    assert!(
        reject_for(&r, a, 2).reason.starts_with("truncated JSON"),
        "{:?}",
        reject_for(&r, a, 2)
    );
    assert_eq!(reject_for(&r, a, 3).field.as_deref(), Some("emails"));
    assert!(reject_for(&r, a, 4).reason.contains("invalid UTF-8"));
    let long = reject_for(&r, a, 5);
    assert!(
        long.reason.contains("exceeds") && long.excerpt.is_none(),
        "{long:?}"
    );
    assert!(
        reject_for(&r, a, 6)
            .reason
            .contains("duplicate id \"app-1\": first seen at applications.jsonl:1")
    );
    assert_eq!(
        reject_for(&r, a, 7).field.as_deref(),
        Some("application_id")
    );
    let ts = reject_for(&r, a, 8);
    assert_eq!(ts.field.as_deref(), Some("submitted_at"));
    assert!(ts.reason.contains("last tuesday"));

    assert_eq!(
        reject_for(&r, "workers.jsonl", 0).reason,
        "file is empty: no records"
    );
    let csv = reject_for(&r, "assets.csv", 1);
    assert!(
        csv.reason.contains("lacks required column(s) asset_id") && csv.reason.contains("1 row(s)"),
        "{csv:?}"
    );
    assert!(
        reject_for(&r, "payroll.csv", 2)
            .reason
            .contains("row has 2 fields")
    );
    assert_eq!(
        reject_for(&r, "payroll.csv", 3).field.as_deref(),
        Some("effective_date")
    );
    assert_eq!(r.payroll.len(), 1);

    assert_eq!(
        r.logins.len(),
        1,
        "the whole element before the truncation is kept"
    );
    assert!(
        reject_for(&r, "okta/broken.json", 2)
            .reason
            .contains("truncated")
    );
    assert!(
        reject_for(&r, "osquery/h.log.gz", 0)
            .reason
            .contains("unreadable")
    );
    assert!(
        reject_for(&r, "keystrokes.jsonl", 0)
            .reason
            .starts_with("cannot open file")
    );
}

#[test]
fn unknown_files_are_listed_not_read() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "photos/app-1.jpg", b"\xff\xd8");
    write(d.path(), "notes.txt", b"hello");
    let mut r = Recorder::default();
    let s = read_workspace(d.path(), &mut r, &mut (), &Options::default()).unwrap();
    assert_eq!(s.ignored, ["notes.txt", "photos/app-1.jpg"]);
    assert!(s.files.is_empty());
    assert!(
        read_workspace(
            &d.path().join("missing"),
            &mut r,
            &mut (),
            &Options::default()
        )
        .is_err()
    );
}
