//! A change scored on its closure alone, spliced over the findings from
//! before it, gives the findings a scan of all the data gives under the
//! same fit.

use std::path::Path;
use unmask_graph::PersonaKind;
use unmask_model::findings::Findings;
use unmask_pipeline::{Part, Records, Relations, ScanOutcome, splice};

fn scan(ws: &Path, out: &Path, fit: Option<&unmask_pipeline::LinkFit>, part: Part) -> ScanOutcome {
    let intel = unmask_refdata::Intel::load(&out.join("no-data"));
    unmask_pipeline::scan_with(
        ws,
        out,
        unmask_ingest::DEFAULT_MAX_RECORD_BYTES,
        true,
        &intel,
        &out.join("no-data"),
        &unmask_score::ScoringFile::default(),
        fit,
        part,
    )
    .unwrap()
}

/// A demo world of `size` under `dir`; its workspace.
fn demo(dir: &Path, size: usize, seed: u64) -> std::path::PathBuf {
    unmask_demo::generate(
        &dir.join("demo"),
        &unmask_demo::Options {
            size,
            seed,
            ..Default::default()
        },
    )
    .unwrap()
    .workspace
}

/// All of a workspace scanned with a fit of its own, the graph kept.
fn scan_all(ws: &Path, out: &Path) -> ScanOutcome {
    scan(
        ws,
        out,
        None,
        Part {
            keep: true,
            ..Default::default()
        },
    )
}

/// The first object that differs between two findings, for a message.
fn first_difference(a: &Findings, b: &Findings) -> Option<String> {
    let lists = |f: &Findings| {
        let v = serde_json::to_value(f).unwrap();
        ["personas", "actors", "devices", "addresses"].map(|k| (k, v[k].clone()))
    };
    for ((k, x), (_, y)) in lists(a).into_iter().zip(lists(b)) {
        let (x, y) = (x.as_array().unwrap().clone(), y.as_array().unwrap().clone());
        for i in 0..x.len().max(y.len()) {
            if x.get(i) != y.get(i) {
                return Some(format!(
                    "{k}[{i}]:\n  spliced {}\n  batch   {}",
                    x.get(i).map_or("-".into(), |v| v.to_string()),
                    y.get(i).map_or("-".into(), |v| v.to_string())
                ));
            }
        }
    }
    None
}

/// Scans the workspace without application `x` (making a fit and keeping
/// the graph, as the service keeps its last full scan's), then all of it
/// under that fit, then `x` alone and the closure it has in the old graph,
/// and checks the closure's findings spliced over the old ones give the
/// batch's. Returns how many records the closure read and the batch
/// findings.
fn check_adding(ws: &Path, dir: &Path, all: &Records, x: &str) -> (usize, Findings) {
    // The store before the application came, and the fit made on it.
    let mut before = all.clone();
    before.applications.remove(x);
    let old = scan(
        ws,
        &dir.join("old"),
        None,
        Part {
            only: Some(&before),
            keep: true,
        },
    );
    let base = old.kept.unwrap();
    let fit = &base.actors.fit;
    // All of it scanned under that fit …
    let batch = scan(ws, &dir.join("batch"), Some(fit), Part::default());
    // … and the new application alone, attached to the old graph.
    let mut alone = Records::default();
    alone.applications.insert(x.to_string());
    let added = scan(
        ws,
        &dir.join("added"),
        Some(fit),
        Part {
            only: Some(&alone),
            keep: true,
        },
    );
    let closure = Relations::new(&base.graph, &base.actors).closure_of_added(
        &base.graph,
        &base.actors,
        added.kept.as_ref().unwrap(),
        None,
    );
    let read = closure.read();
    let part = scan(
        ws,
        &dir.join("part"),
        Some(fit),
        Part {
            only: Some(&read),
            ..Default::default()
        },
    );
    let mut spliced = old.findings.clone();
    splice(&mut spliced, &part.findings, &closure);
    if let Some(d) = first_difference(&spliced, &batch.findings) {
        panic!(
            "adding {x} (closure of {} records, {} witnesses): {d}",
            closure.core.len(),
            closure.witnesses.len()
        );
    }
    (read.len(), batch.findings)
}

#[test]
fn an_application_scored_on_its_closure_gives_the_batch_findings_under_the_same_fit() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &demo(dir.path(), 600, 5);
    let everything = scan_all(ws, &dir.path().join("all"));
    let kept = everything.kept.as_ref().unwrap();
    let all = Records::of(&kept.graph);
    let mut apps: Vec<String> = all.applications.iter().cloned().collect();
    apps.sort();
    let mut picked: Vec<String> = apps.iter().step_by(apps.len() / 24).cloned().collect();
    // And those whose relations a sample may miss: applications with a
    // near-identical photo, a near résumé, or equipment sent elsewhere.
    let g = &kept.graph;
    let app_of = |p: unmask_graph::PersonaId| {
        let per = &g.personas[p.ix()];
        (per.kind == PersonaKind::Application).then(|| per.record_id.clone())
    };
    let holder = |id: unmask_graph::IdentId| g.edges_into(id).find_map(|e| g.persona_of(e.from));
    picked.extend(
        kept.actors
            .photo_pairs
            .iter()
            .filter(|t| t.2 > 0)
            .filter_map(|t| holder(t.0).and_then(app_of))
            .take(3),
    );
    picked.extend(
        unmask_resolve::near_resumes(g, &kept.actors)
            .into_iter()
            .filter_map(|(a, _)| app_of(a))
            .take(3),
    );
    picked.extend(
        g.edges
            .iter()
            .filter(|e| e.role == unmask_graph::Role::ShipTo)
            .filter_map(|e| g.persona_of(e.from).and_then(app_of))
            .take(3),
    );
    let (mut checked, mut sizes, mut high) = (0, vec![], 0);
    for x in &picked {
        let (read, batch) = check_adding(ws, dir.path(), &all, x);
        checked += 1;
        sizes.push(read);
        high += batch
            .personas
            .iter()
            .any(|f| &f.id == x && f.level == unmask_model::findings::Level::High)
            as usize;
    }
    assert!(checked >= 30, "{checked} checked");
    // The point of it: most changes reach a small part of the store. (The
    // demo's operators, facilitators and farms are one connected network,
    // so a change inside it reaches much of it.)
    sizes.sort();
    let median = sizes[sizes.len() / 2];
    assert!(
        median * 20 < all.len(),
        "the median closure read {median} of {} records ({sizes:?})",
        all.len()
    );
    // And the applications checked include some the scan flags.
    assert!(high > 0);
}

/// Applications related to one other only by a near-identical photo, by a
/// near résumé, or by asking for equipment at one address: each change
/// must reach the other application (and the address).
#[test]
fn a_change_reaches_what_only_a_near_photo_a_near_resume_or_a_shipping_address_relates_it_to() {
    let dir = tempfile::tempdir().unwrap();
    let world = demo(dir.path(), 150, 3);
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    for f in [
        "applications.jsonl",
        "assets.jsonl",
        "payroll.jsonl",
        "okta.jsonl",
    ] {
        std::fs::copy(world.join(f), ws.join(f)).unwrap();
    }
    let apps = std::fs::read_to_string(ws.join("applications.jsonl")).unwrap();
    let template: serde_json::Value = serde_json::from_str(apps.lines().next().unwrap()).unwrap();
    // An applicant who shares nothing with anyone.
    let alone = |n: u32| {
        let mut v = template.clone();
        v["application_id"] = format!("app-x{n}").into();
        v["emails"] = serde_json::json!([format!("solo{n}@example.net")]);
        v["phones"] = serde_json::json!([format!("+4420790{n:05}")]);
        v["ip"] = format!("203.0.113.{n}").into();
        v["device_fingerprint"] = format!("fp_solo_{n}").into();
        v["payment"] = serde_json::json!([{"account": format!("SOLO{n}ACCOUNT"), "holder": "Account Holder", "method": "bank"}]);
        v["photo_phash"] = format!(
            "{:016x}",
            0x9e37_79b9_7f4a_7c15u64.wrapping_mul(n as u64 + 11)
        )
        .into();
        // Different names and birth dates: the same given name and date
        // under another family name reads as one person married.
        let given = [
            "Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper",
        ];
        let (given, family) = (
            given[n as usize % given.len()],
            ["Lind", "Moss", "Nye"][n as usize % 3],
        );
        v["full_name"] = format!("{given} {family}").into();
        v["given_name"] = given.into();
        v["family_name"] = family.into();
        v["date_of_birth"] = format!("1990-01-{:02}", n + 1).into();
        v["references"] = serde_json::json!([]);
        v["links"] = serde_json::json!([]);
        v["address"]["line1"] = format!("{n} Quiet Lane").into();
        v["resume_text"] = format!(
            "Engineer number {n} who writes about {}",
            (0..40)
                .map(|w| format!("w{n}x{w}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into();
        v
    };
    let mut photo = alone(2);
    let near = u64::from_str_radix(alone(1)["photo_phash"].as_str().unwrap(), 16).unwrap() ^ 0b1011;
    photo["photo_phash"] = format!("{near:016x}").into();
    let mut resume = alone(4);
    resume["resume_text"] = alone(3)["resume_text"]
        .as_str()
        .unwrap()
        .replace("w3x7 ", "edited ")
        .replace("w3x9 ", "again ")
        .into();
    let farm = alone(7)["address"].clone();
    let (mut ship_a, mut ship_b) = (alone(5), alone(6));
    ship_a["shipping_address"] = farm.clone();
    ship_b["shipping_address"] = farm;
    let crafted = [alone(1), photo, alone(3), resume, ship_a, ship_b, alone(7)];
    let mut text = apps.clone();
    for v in &crafted {
        text.push_str(&v.to_string());
        text.push('\n');
    }
    std::fs::write(ws.join("applications.jsonl"), text).unwrap();
    let everything = scan_all(&ws, &dir.path().join("all"));
    let all = Records::of(&everything.kept.as_ref().unwrap().graph);
    for (x, other) in [
        ("app-x2", "app-x1"),
        ("app-x4", "app-x3"),
        ("app-x6", "app-x5"),
    ] {
        let (_, batch) = check_adding(&ws, dir.path(), &all, x);
        // The other one's findings did change: the check above had
        // something to see.
        let signals = |f: &Findings| {
            let p = f.personas.iter().find(|p| p.id == other).unwrap();
            let actor = f.actors.iter().find(|a| a.id == p.actor).unwrap();
            (
                serde_json::to_string(&p.signals).unwrap(),
                actor.members.clone(),
            )
        };
        let mut before = all.clone();
        before.applications.remove(x);
        let old = scan(
            &ws,
            &dir.path().join("before"),
            None,
            Part {
                only: Some(&before),
                ..Default::default()
            },
        );
        assert_ne!(
            signals(&old.findings),
            signals(&batch),
            "adding {x} changed nothing for {other}"
        );
    }
}

/// An application referred by a worker at high risk carries
/// `referred_by_flagged`, which reads the referrer's level: the referrer
/// is read whole (its findings do not move with the application's), so
/// the part gives the application the signal as the whole does.
#[test]
fn an_application_reads_its_referrers_level_whole() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &demo(dir.path(), 300, 9);
    let first = scan(ws, &dir.path().join("first"), None, Part::default());
    let referrer = first
        .findings
        .personas
        .iter()
        .find(|p| p.kind == "worker" && p.level == unmask_model::findings::Level::High)
        .expect("a worker at high risk")
        .id
        .clone();
    let path = ws.join("applications.jsonl");
    let apps = std::fs::read_to_string(&path).unwrap();
    let mut x: serde_json::Value = serde_json::from_str(apps.lines().next().unwrap()).unwrap();
    x["application_id"] = "app-referred".into();
    x["emails"] = serde_json::json!(["referred.only@example.net"]);
    x["phones"] = serde_json::json!(["+442079000999"]);
    x["ip"] = "203.0.113.250".into();
    x["device_fingerprint"] = "fp_referred_only".into();
    x["payment"] = serde_json::json!([]);
    x["references"] = serde_json::json!([]);
    x["photo_phash"] = serde_json::Value::Null;
    x["resume_text"] = "Referred engineer with words of their own: qq1 qq2 qq3 qq4".into();
    x["full_name"] = "Robin Referred".into();
    x["given_name"] = "Robin".into();
    x["family_name"] = "Referred".into();
    x["address"]["line1"] = "9 Referral Row".into();
    x["referred_by"] = referrer.clone().into();
    std::fs::write(&path, format!("{apps}{x}\n")).unwrap();
    let everything = scan_all(ws, &dir.path().join("all"));
    let all = Records::of(&everything.kept.as_ref().unwrap().graph);
    let (_, batch) = check_adding(ws, dir.path(), &all, "app-referred");
    let p = batch
        .personas
        .iter()
        .find(|p| p.id == "app-referred")
        .unwrap();
    assert!(
        p.signals
            .iter()
            .any(|s| s.id == "referred_by_flagged" && s.cites == [referrer.clone()]),
        "the whole gives the referral signal: {:?}",
        p.signals
    );
}
