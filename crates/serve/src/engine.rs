//! The scan behind the service: the store's records through the same
//! pipeline `unmask scan` runs, and what each kind of record is.
//!
//! The store is written out as a workspace in the data contract's layout
//! (one JSON Lines file per kind) and scanned whole, so the service and the
//! batch scan cannot disagree: they are one code path. The workspace is
//! kept between scans and a kind's file rewritten only when the store says
//! its records changed, so a new application does not rewrite the sign-ins.
//! Confirmed-fraud dispositions add their actor's e-mails, phones and
//! wallets to the known-bad lists of the next scan. Every change is still
//! scored by a whole scan (0.15 s at 3,000 personas, a minute and more at
//! a million): the pipeline can score a change on its closure
//! (`unmask_pipeline::closure`), exactly as a whole scan under the same
//! fit, but this engine does not use it yet — what it lacks is in
//! ARCHITECTURE.md (*Incremental scoring*). `UNMASK_DEBUG_SERVE`
//! prints each scan's timings.

use crate::store::Store;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use unmask_model::findings::Findings;

/// What the API accepts, the workspace file each kind becomes, and how a
/// record of it is identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Applications,
    Workers,
    Assets,
    Payroll,
    Okta,
    Ocsf,
    Osquery,
    Keystrokes,
}

pub const KINDS: [Kind; 8] = [
    Kind::Applications,
    Kind::Workers,
    Kind::Assets,
    Kind::Payroll,
    Kind::Okta,
    Kind::Ocsf,
    Kind::Osquery,
    Kind::Keystrokes,
];

impl Kind {
    /// The path segment of `/v1/…` and the store's kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Applications => "applications",
            Kind::Workers => "workers",
            Kind::Assets => "assets",
            Kind::Payroll => "payroll",
            Kind::Okta => "okta",
            Kind::Ocsf => "auth",
            Kind::Osquery => "osquery",
            Kind::Keystrokes => "keystrokes",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.name() == s)
    }

    fn file(self) -> &'static str {
        match self {
            Kind::Applications => "applications.jsonl",
            Kind::Workers => "workers.jsonl",
            Kind::Assets => "assets.jsonl",
            Kind::Payroll => "payroll.jsonl",
            Kind::Okta => "okta.jsonl",
            Kind::Ocsf => "auth.jsonl",
            Kind::Osquery => "osquery.jsonl",
            Kind::Keystrokes => "keystrokes.jsonl",
        }
    }

    /// Checks a record (its JSON text as sent) and gives its id: the
    /// contract's id field, or for events without one the SHA-256 of the
    /// record as sent. The typed records are read as the scan will read
    /// them, so that a record the scan would set aside is refused here,
    /// with the reason; events are only looked into for their id.
    pub fn identify(self, raw: &str) -> Result<String, String> {
        if !raw.trim_start().starts_with('{') {
            return Err("a record is a JSON object".into());
        }
        fn typed<T: serde::de::DeserializeOwned>(raw: &str) -> Result<(), String> {
            serde_json::from_str::<T>(raw)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        match self {
            Kind::Applications => typed::<unmask_model::Application>(raw)?,
            Kind::Workers => typed::<unmask_model::Worker>(raw)?,
            Kind::Assets => typed::<unmask_model::Asset>(raw)?,
            Kind::Payroll => typed::<unmask_model::Payroll>(raw)?,
            _ => {}
        }
        let ids: Ids = serde_json::from_str(raw).map_err(|e| e.to_string())?;
        let text = |v: &Option<Value>| -> Option<String> {
            match v.as_ref()? {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        match self {
            Kind::Applications => {
                text(&ids.application_id).ok_or_else(|| "no application_id".into())
            }
            Kind::Workers => text(&ids.worker_id).ok_or_else(|| "no worker_id".into()),
            Kind::Assets => text(&ids.asset_id).ok_or_else(|| "no asset_id".into()),
            Kind::Payroll => Ok(format!(
                "{}|{}|{}",
                text(&ids.worker_id).unwrap_or_default(),
                text(&ids.effective_date).unwrap_or_default(),
                text(&ids.account).unwrap_or_default()
            )),
            Kind::Okta => text(&ids.uuid).ok_or_else(|| "an Okta event without uuid".into()),
            Kind::Ocsf => Ok(ids
                .metadata
                .and_then(|m| text(&m.uid))
                .unwrap_or_else(|| digest(raw))),
            Kind::Osquery | Kind::Keystrokes => Ok(digest(raw)),
        }
    }
}

/// The fields records are identified by; serde skips the rest unread.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Ids {
    application_id: Option<Value>,
    worker_id: Option<Value>,
    asset_id: Option<Value>,
    effective_date: Option<Value>,
    account: Option<Value>,
    uuid: Option<Value>,
    metadata: Option<Meta>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Meta {
    uid: Option<Value>,
}

fn digest(raw: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(raw.trim().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identifiers in an application or worker record as received, as
/// (kind, value in lower case): contacts, accounts (`wallet` for crypto
/// payouts), devices, IPs, references' contacts, home and ship-to
/// addresses. What the UI draws, and where a confirmed case's known-bad
/// identifiers come from.
pub fn identifiers(v: &Value) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    let mut push = |kind: &'static str, x: &Value| {
        if let Some(s) = x.as_str().map(str::trim).filter(|s| !s.is_empty()) {
            out.push((kind, s.to_lowercase()));
        }
    };
    for (field, kind) in [("emails", "e-mail"), ("phones", "phone")] {
        for x in v[field].as_array().into_iter().flatten() {
            push(kind, x);
        }
    }
    for (field, kind) in [
        ("email", "e-mail"),
        ("login", "login"),
        ("ip", "IP"),
        ("application_ip", "IP"),
        ("device_fingerprint", "device"),
        ("photo_phash", "photo"),
    ] {
        push(kind, &v[field]);
    }
    for p in v["payment"].as_array().into_iter().flatten() {
        let kind = if p["method"].as_str() == Some("crypto") {
            "wallet"
        } else {
            "account"
        };
        push(kind, &p["account"]);
    }
    for r in v["references"].as_array().into_iter().flatten() {
        push("reference e-mail", &r["email"]);
        push("reference phone", &r["phone"]);
    }
    for (field, kind) in [("address", "home"), ("shipping_address", "ship-to")] {
        let a = &v[field];
        let parts: Vec<&str> = ["line1", "city", "postcode", "country"]
            .iter()
            .filter_map(|k| a[*k].as_str())
            .collect();
        if !parts.is_empty() {
            out.push((kind, parts.join(", ").to_lowercase()));
        }
    }
    out
}

pub struct Engine {
    pub store: std::sync::Arc<Store>,
    pub data_dir: PathBuf,
    pub scoring: unmask_score::ScoringFile,
    /// The reference data, loaded once when the service starts (the
    /// sanctions index alone takes half a second to build), and the user's
    /// own lists as installed, to which each scan adds confirmed cases.
    intel: std::sync::Mutex<unmask_refdata::Intel>,
    installed_lists: unmask_refdata::lists::Lists,
    /// The workspace the last scan read, kept: each kind's file with the
    /// store's change count it was written at, so that a scan after new
    /// applications rewrites applications.jsonl and not the sign-ins.
    workspace: std::sync::Mutex<Option<Workspace>>,
}

struct Workspace {
    dir: tempfile::TempDir,
    written: std::collections::HashMap<Kind, u64>,
}

impl Engine {
    pub fn new(
        store: std::sync::Arc<Store>,
        data_dir: PathBuf,
        scoring: unmask_score::ScoringFile,
    ) -> Engine {
        let intel = unmask_refdata::Intel::load(&data_dir);
        Engine {
            store,
            installed_lists: intel.lists.clone(),
            intel: std::sync::Mutex::new(intel),
            workspace: std::sync::Mutex::new(None),
            data_dir,
            scoring,
        }
    }

    /// Scans everything in the store; saves and returns the findings.
    pub fn rescan(&self) -> Result<Findings, String> {
        let t0 = std::time::Instant::now();
        // One scan at a time holds the workspace (and the reference data
        // below; the service runs them one at a time anyway).
        let mut ws = self.workspace.lock().unwrap_or_else(|p| p.into_inner());
        if ws.is_none() {
            let dir = tempfile::tempdir().map_err(|e| format!("no room for a scan: {e}"))?;
            std::fs::create_dir_all(dir.path().join("workspace")).map_err(|e| e.to_string())?;
            *ws = Some(Workspace {
                dir,
                written: Default::default(),
            });
        }
        let ws = ws.as_mut().expect("made above");
        let workspace = ws.dir.path().join("workspace");
        for kind in KINDS {
            // Taken before reading: a change during the read outdates it.
            let changes = self.store.changes(kind.name());
            if ws.written.get(&kind) == Some(&changes) {
                continue;
            }
            ws.written.remove(&kind);
            let path = workspace.join(kind.file());
            if self.store.count_records(kind.name())? == 0 {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
                }
            } else {
                let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
                let mut w = std::io::BufWriter::new(file);
                self.store.each_record(kind.name(), |_, body| {
                    w.write_all(body.as_bytes())?;
                    w.write_all(b"\n")
                })?;
                w.flush().map_err(|e| e.to_string())?;
            }
            ws.written.insert(kind, changes);
        }
        let t_written = t0.elapsed();
        let out = ws.dir.path().join("out");
        let known_bad = self.known_bad()?;
        let mut intel = self.intel.lock().unwrap_or_else(|p| p.into_inner());
        intel.lists = self.installed_lists.clone();
        let mut unusable = 0;
        for (kind, value, note) in &known_bad {
            unusable += intel.lists.add(kind, value, note).is_err() as usize;
        }
        if unusable > 0 {
            eprintln!(
                "unmask serve: {unusable} identifier(s) of confirmed cases are not usable as known-bad"
            );
        }
        let o = unmask_pipeline::scan_with(
            &workspace,
            &out,
            unmask_ingest::DEFAULT_MAX_RECORD_BYTES,
            true,
            &intel,
            &self.data_dir,
            &self.scoring,
            None,
            unmask_pipeline::Part::default(),
        )
        .map_err(|e| format!("scan failed: {e}"))?;
        let t_scanned = t0.elapsed();
        let json = serde_json::to_string(&o.findings).map_err(|e| e.to_string())?;
        self.store.save_findings(&json)?;
        if std::env::var_os("UNMASK_DEBUG_SERVE").is_some() {
            eprintln!(
                "rescan: written {:?} scanned {:?} saved {:?} stages {:?}",
                t_written,
                t_scanned,
                t0.elapsed(),
                o.timings
            );
        }
        Ok(o.findings)
    }

    /// The e-mails, phones and wallets of personas in actors confirmed as
    /// fraud, as known-bad list rows.
    fn known_bad(&self) -> Result<Vec<(String, String, String)>, String> {
        let mut out = vec![];
        for d in self.store.dispositions()? {
            if d.status != "confirmed_fraud" {
                continue;
            }
            let note = format!("confirmed fraud ({} {})", d.subject_kind, d.subject);
            let members = if d.subject_kind == "actor" {
                d.members.clone()
            } else {
                vec![d.subject.clone()]
            };
            for m in members {
                for kind in ["applications", "workers"] {
                    let Some(body) = self.store.record(kind, &m)? else {
                        continue;
                    };
                    let Ok(v) = serde_json::from_str::<Value>(&body) else {
                        continue;
                    };
                    for (kind, value) in identifiers(&v) {
                        let kind = match kind {
                            "e-mail" => "email",
                            "phone" | "wallet" => kind,
                            _ => continue,
                        };
                        out.push((kind.to_string(), value, note.clone()));
                    }
                }
            }
        }
        Ok(out)
    }
}
