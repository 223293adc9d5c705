//! Each detector with a positive and a negative case, on small graphs
//! built through the same builder the scan uses.

use serde_json::{Value, json};
use unmask_detect::{Signal, Subject, detect};
use unmask_graph::{GraphBuilder, IdentityGraph};
use unmask_ingest::{Origin, Sink};
use unmask_model::{LoginEvent, LoginSource, Timestamp};

fn at_origin() -> Origin {
    at()
}

fn at() -> Origin {
    Origin {
        file: "test".into(),
        line: 1,
    }
}

fn app(id: &str, name: &str, extra: Value) -> unmask_model::Application {
    let mut v = json!({"application_id": id, "submitted_at": "2026-03-01T10:00:00Z", "full_name": name,
                       "address": {"line1": format!("{} Unique Road", id.len() * 7 + name.len()), "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"}});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    serde_json::from_value(v).unwrap()
}

struct World {
    b: GraphBuilder<'static>,
}

impl World {
    fn new() -> Self {
        World {
            b: GraphBuilder::new(|_| {}),
        }
    }
    fn app(mut self, id: &str, name: &str, extra: Value) -> Self {
        self.b.application(app(id, name, extra), &at());
        self
    }
    fn worker(mut self, id: &str, app: &str, name: &str, login: &str) -> Self {
        let w = serde_json::from_value(
            json!({"worker_id": id, "application_id": app, "full_name": name, "login": login}),
        )
        .unwrap();
        self.b.worker(w, &at());
        self
    }
    fn asset(mut self, id: &str, worker: &str, line1: &str) -> Self {
        let a = serde_json::from_value(json!({"asset_id": id, "assigned_to": worker, "shipped_at": "2026-03-20",
            "shipped_to": {"line1": line1, "city": "Croydon", "postcode": "CR0 2AB", "country": "GB"}}))
        .unwrap();
        self.b.asset(a, &at());
        self
    }
    /// One successful Okta sign-in.
    fn event(
        &mut self,
        user: &str,
        at: Timestamp,
        ip: &str,
        country: Option<&str>,
        proxy: Option<bool>,
    ) {
        let e = LoginEvent {
            source: LoginSource::Okta,
            at,
            user,
            ip: Some(ip),
            user_agent: None,
            country,
            city: None,
            device: None,
            success: true,
            is_proxy: proxy,
        };
        self.b.login(&e, &at_origin());
    }
    fn logins(mut self, user: &str, ip: &str, n: usize) -> Self {
        let day0 = Timestamp::parse("2026-04-01T09:00:00Z").unwrap().0;
        for i in 0..n {
            let at = Timestamp(day0 + i as i64 * 86_400_000);
            self.event(user, at, ip, Some("United Kingdom"), None);
        }
        self
    }
    /// A worker claiming a zone, with its application.
    fn worker_in(mut self, id: &str, name: &str, login: &str, tz: &str, country: &str) -> Self {
        self = self.app(&format!("app-{id}"), name, json!({"address": {"line1": "1 High St", "city": "X", "postcode": "X1", "country": country}}));
        let w = serde_json::from_value(
            json!({"worker_id": id, "application_id": format!("app-{id}"),
            "full_name": name, "login": login, "claimed_timezone": tz, "start_date": "2026-03-02"}),
        )
        .unwrap();
        self.b.worker(w, &at());
        self
    }
    /// Sign-ins on `days` consecutive days at each of `hours_utc`.
    fn signins_at(mut self, user: &str, days: i64, hours_utc: &[i64]) -> Self {
        let day0 = Timestamp::parse("2026-04-01T00:00:00Z").unwrap().0;
        for d in 0..days {
            for &h in hours_utc {
                let at = Timestamp(day0 + d * 86_400_000 + h * 3_600_000 + 600_000);
                self.event(user, at, "81.2.69.160", None, None);
            }
        }
        self
    }
    /// One sign-in at an instant, from an IP in a country, maybe proxied.
    fn signin(mut self, user: &str, at: &str, ip: &str, country: &str, proxy: bool) -> Self {
        self.event(
            user,
            Timestamp::parse(at).unwrap(),
            ip,
            Some(country),
            Some(proxy),
        );
        self
    }
    fn pay(mut self, worker: &str, from: &str, fields: Value) -> Self {
        let mut v = json!({"worker_id": worker, "effective_date": from});
        for (k, x) in fields.as_object().unwrap() {
            v[k] = x.clone();
        }
        self.b.payroll(serde_json::from_value(v).unwrap(), &at());
        self
    }
    /// A laptop named `host`, assigned to `worker`, running `processes`.
    fn laptop(mut self, id: &str, worker: &str, host: &str, processes: &[&str]) -> Self {
        let a = serde_json::from_value(
            json!({"asset_id": id, "hostname": host, "assigned_to": worker}),
        )
        .unwrap();
        self.b.asset(a, &at());
        for p in processes {
            let row = unmask_model::HostRow {
                table: unmask_model::HostTable::Processes,
                query_name: "processes".into(),
                host: host.into(),
                at: Timestamp::parse("2026-04-02T09:00:00Z").unwrap(),
                removed: false,
                columns: vec![("path".into(), p.to_string())],
            };
            self.b.host(row, &at());
        }
        self
    }
    fn run(self) -> (IdentityGraph, Vec<Signal>) {
        self.run_with(&unmask_refdata::Intel::load(std::path::Path::new(
            "/nonexistent",
        )))
    }
    fn run_with(self, intel: &unmask_refdata::Intel) -> (IdentityGraph, Vec<Signal>) {
        let (g, _) = self.b.finish();
        let actors = unmask_resolve::resolve(&g);
        let s = detect(&g, &actors, intel, &unmask_detect::Weights::default());
        (g, s)
    }
}

fn fired<'a>(g: &IdentityGraph, s: &'a [Signal], id: &str, record: &str) -> Vec<&'a Signal> {
    s.iter()
        .filter(|x| x.id == id)
        .filter(|x| match x.subject {
            Subject::Persona(p) => g.personas[p.ix()].record_id == record,
            Subject::Asset(a) => g.assets[a.ix()].record_id == record,
            Subject::Address(a) => g.ident_text(a).contains(record),
        })
        .collect()
}

#[test]
fn shared_phone_across_different_names_fires_and_cites() {
    let (g, s) = World::new()
        .app(
            "a1",
            "Daniel Moreau",
            json!({"phones": ["+44 7700 900123"]}),
        )
        .app("a2", "Lukas Becker", json!({"phones": ["07700 900123"]}))
        .run();
    let hits = fired(&g, &s, "shared_phone", "a1");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].cites, ["a2"]);
    assert!(
        hits[0].evidence.contains("+447700900123") && hits[0].evidence.contains("Lukas Becker"),
        "{}",
        hits[0].evidence
    );
    assert!((hits[0].weight - unmask_detect::Weights::default().shared_phone).abs() < 1e-9);
}

#[test]
fn same_person_again_is_not_multiplicity() {
    // A re-applicant, and a name change after marriage (same given name and
    // birth date): one person, not two.
    let (g, s) = World::new()
        .app(
            "a1",
            "Daniel Moreau",
            json!({"phones": ["+447700900123"], "date_of_birth": "1990-01-02"}),
        )
        .app(
            "a2",
            "daniel moreau",
            json!({"phones": ["+447700900123"], "date_of_birth": "1990-01-02"}),
        )
        .app(
            "a3",
            "Daniel Smith",
            json!({"phones": ["+447700900123"], "date_of_birth": "1990-01-02"}),
        )
        .run();
    assert!(fired(&g, &s, "shared_phone", "a1").is_empty(), "{s:#?}");
    assert!(fired(&g, &s, "shared_phone", "a3").is_empty());
}

#[test]
fn common_values_weigh_less_until_nothing() {
    // The default avatar on forty profiles says nothing.
    let mut w = World::new();
    for i in 0..40 {
        w = w.app(
            &format!("a{i}"),
            &format!("Person Number{}", (b'a' + i as u8) as char),
            json!({"photo_phash": "8000000000000000"}),
        );
    }
    let (g, s) = w.run();
    assert!(
        s.iter().all(|x| x.id != "shared_photo"),
        "{:?}",
        s.iter().map(|x| x.id).collect::<Vec<_>>()
    );
    // Three sharers weigh less than two.
    let (g3, s3) = World::new()
        .app("x1", "Ann Lee", json!({"device_fingerprint": "fp1"}))
        .app("x2", "Bob Ray", json!({"device_fingerprint": "fp1"}))
        .app("x3", "Cal Orr", json!({"device_fingerprint": "fp1"}))
        .run();
    let w3 = fired(&g3, &s3, "shared_device_fingerprint", "x1")[0].weight;
    assert!(w3 < unmask_detect::Weights::default().shared_device && w3 > 0.0);
    assert_eq!(g.personas.len(), 40);
}

#[test]
fn household_sharing_is_discounted() {
    let home =
        json!({"line1": "4 Elm Court", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"});
    let (g, s) = World::new()
        .app(
            "a1",
            "Ann Lee",
            json!({"device_fingerprint": "family-pc", "address": home}),
        )
        .app(
            "a2",
            "Bob Lee",
            json!({"device_fingerprint": "family-pc", "address": home}),
        )
        .run();
    let h = fired(&g, &s, "shared_device_fingerprint", "a1");
    assert_eq!(h.len(), 1);
    assert!(
        h[0].weight < unmask_detect::Weights::default().shared_device * 0.3
            && h[0].evidence.contains("household")
    );
}

#[test]
fn reference_who_is_another_applicant_and_mutual_vouching() {
    let (g, s) = World::new()
        .app("a1", "Daniel Moreau", json!({"emails": ["d.moreau@gmail.com"], "references": [{"name": "Lukas Becker", "email": "lukas.b@proton.me"}]}))
        .app("a2", "Lukas Becker", json!({"emails": ["lukas.b@proton.me"], "references": [{"name": "Daniel Moreau", "email": "dmoreau@gmail.com"}]}))
        .app("a3", "Maria Silva", json!({"references": [{"name": "Pat Jones", "email": "pat@brightlane.example"}]}))
        .run();
    let r = fired(&g, &s, "reference_is_applicant", "a1");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].cites, ["a2"]);
    assert_eq!(fired(&g, &s, "mutual_vouching", "a1").len(), 1);
    assert_eq!(fired(&g, &s, "mutual_vouching", "a2").len(), 1);
    assert!(fired(&g, &s, "reference_is_applicant", "a3").is_empty());
}

#[test]
fn laptops_shipped_to_a_farm_address() {
    let (g, s) = World::new()
        .app("a1", "Daniel Moreau", json!({}))
        .app("a2", "Lukas Becker", json!({}))
        .app("a3", "Maria Silva", json!({"address": {"line1": "9 Oak Road", "city": "Croydon", "postcode": "CR0 2AB", "country": "GB"}}))
        .worker("w1", "a1", "Daniel Moreau", "dm")
        .worker("w2", "a2", "Lukas Becker", "lb")
        .worker("w3", "a3", "Maria Silva", "ms")
        .asset("LT-1", "w1", "4 Elm Court")
        .asset("LT-2", "w2", "4 Elm Ct")
        .asset("LT-3", "w3", "9 Oak Rd")
        .run();
    assert_eq!(fired(&g, &s, "shipped_elsewhere", "LT-1").len(), 1);
    let farm = fired(&g, &s, "farm_address", "LT-2");
    assert_eq!(farm.len(), 1, "one address despite 'Court'/'Ct'");
    assert!(
        farm[0].cites.contains(&"w1".to_string()) && farm[0].cites.contains(&"LT-1".to_string())
    );
    assert!(!fired(&g, &s, "farm_address", "4 elm ct").is_empty());
    // Maria's laptop went to her own home.
    assert!(fired(&g, &s, "shipped_elsewhere", "LT-3").is_empty());
    assert!(fired(&g, &s, "farm_address", "LT-3").is_empty());
}

#[test]
fn one_login_ip_for_several_workers_but_not_the_corporate_vpn() {
    let mut w =
        World::new()
            .app("a1", "Daniel Moreau", json!({}))
            .app("a2", "Lukas Becker", json!({}));
    w = w
        .worker("w1", "a1", "Daniel Moreau", "dm")
        .worker("w2", "a2", "Lukas Becker", "lb");
    w = w
        .logins("dm", "81.2.69.160", 5)
        .logins("LB", "81.2.69.160", 4);
    // Thirty colleagues behind the corporate VPN.
    for i in 0..30 {
        let (app_id, wid, name) = (
            format!("c{i}"),
            format!("cw{i}"),
            format!("Colleague Number{}", (b'a' + i as u8) as char),
        );
        w = w
            .app(&app_id, &name, json!({}))
            .worker(&wid, &app_id, &name, &wid)
            .logins(&wid, "198.51.100.10", 5);
    }
    let (g, s) = w.run();
    let hit = fired(&g, &s, "shared_login_ip", "w1");
    assert_eq!(hit.len(), 1, "login names match case-insensitively");
    assert!(hit[0].evidence.contains("81.2.69.160") && hit[0].cites == ["w2"]);
    assert!(
        fired(&g, &s, "shared_login_ip", "cw0").is_empty(),
        "a value shared by 30 weighs nothing"
    );
}

#[test]
fn resolution_links_operators_not_households_or_agencies() {
    let home =
        json!({"line1": "4 Elm Court", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"});
    let cv = "Backend engineer, 7 years in Rust and Kafka at Quayside Payments; led the ledger rewrite that cut settlement time from 2 days to 40 minutes.";
    let (g, s) = World::new()
        // An operator: one résumé, lightly edited, under two names.
        .app(
            "op1",
            "Daniel Moreau",
            json!({"resume_text": cv, "phones": ["+15715550101"]}),
        )
        .app(
            "op2",
            "Lukas Becker",
            json!({"resume_text": cv.replace("7 years", "8 years"), "phones": ["+15715550199"]}),
        )
        // Same phone and same device under two names, nothing personal in
        // common: what an agency desk or a shared office also looks like.
        // A signal on both, but not one actor without a personal field.
        .app(
            "p1",
            "Ines Duarte",
            json!({"phones": ["+15715550142"], "device_fingerprint": "fp-desk"}),
        )
        .app(
            "p2",
            "Tom Walsh",
            json!({"phones": ["+15715550142"], "device_fingerprint": "fp-desk"}),
        )
        // A couple: home, family computer.
        .app(
            "c1",
            "Ann Lee",
            json!({"device_fingerprint": "family-pc", "address": home, "ip": "81.2.69.1"}),
        )
        .app(
            "c2",
            "Bob Lee",
            json!({"device_fingerprint": "family-pc", "address": home, "ip": "81.2.69.1"}),
        )
        // Two agency candidates with the recruiter's phone.
        .app("g1", "Chi Okafor", json!({"phones": ["+442079460000"]}))
        .app("g2", "Eve Adams", json!({"phones": ["+442079460000"]}))
        .run();
    let actors = unmask_resolve::resolve(&g);
    let same = |a: &str, b: &str| {
        let ix = |r: &str| g.personas.iter().position(|p| p.record_id == r).unwrap();
        actors.of[ix(a)] == actors.of[ix(b)]
    };
    assert!(same("op1", "op2"));
    assert!(
        actors
            .links
            .iter()
            .any(|l| l.reason.contains("résumés near-identical")),
        "the link names the evidence"
    );
    assert!(
        !same("p1", "p2"),
        "phone and device alone are related evidence"
    );
    assert_eq!(fired(&g, &s, "shared_phone", "p1").len(), 1);
    assert_eq!(fired(&g, &s, "shared_device_fingerprint", "p2").len(), 1);
    assert!(!same("c1", "c2"), "households are not one actor");
    assert!(!same("g1", "g2"), "one shared phone is not enough");
}

#[test]
fn the_users_own_lists_flag_known_bad_identifiers_and_allow_the_corporate_vpn() {
    let data = tempfile::tempdir().unwrap();
    let lists = data.path().join("lists.csv");
    std::fs::write(&lists, "kind,value,note\nemail,d.moreau.dev@gmail.com,confirmed case 14\nwallet,0xABC123,\nallow_ip_range,198.51.100.0/24,corporate VPN\n").unwrap();
    unmask_refdata::store::install_user(
        data.path(),
        unmask_refdata::store::UserKind::Lists,
        &lists,
    )
    .unwrap();
    let intel = unmask_refdata::Intel::load(data.path());
    let (g, s) = World::new()
        .app("a1", "Daniel Moreau", json!({"emails": ["DMoreauDev+jobs@gmail.com"]}))
        .app("a2", "Lukas Becker", json!({"payment": [{"method": "crypto", "account": "0xabc123"}]}))
        .app("a3", "Maria Silva", json!({"emails": ["maria@example.org"], "references": [{"name": "X Y", "email": "d.moreau.dev@gmail.com"}]}))
        .app("a4", "Ann Lee", json!({}))
        .worker("w1", "a4", "Ann Lee", "al")
        .app("a5", "Bob Ray", json!({}))
        .worker("w2", "a5", "Bob Ray", "br")
        .logins("al", "198.51.100.10", 5)
        .logins("br", "198.51.100.10", 5)
        .run_with(&intel);
    let hit = fired(&g, &s, "known_bad_identifier", "a1");
    assert_eq!(hit.len(), 1);
    assert!(hit[0].evidence.contains("confirmed case 14") && hit[0].weight >= 4.0);
    assert_eq!(
        fired(&g, &s, "known_bad_identifier", "a2").len(),
        1,
        "wallets, case-insensitive"
    );
    assert!(
        fired(&g, &s, "known_bad_identifier", "a3")[0]
            .evidence
            .contains("reference")
    );
    assert!(fired(&g, &s, "known_bad_identifier", "a4").is_empty());
    assert!(
        fired(&g, &s, "shared_login_ip", "w1").is_empty(),
        "the allow-listed corporate VPN is not a shared home IP"
    );
}

#[test]
fn a_working_day_at_utc_plus_8_under_a_london_claim_is_flagged_and_a_london_day_is_not() {
    // 08–18 in Shanghai is 00–10 UTC; 09–17 in London (summer) is 08–16 UTC.
    let (g, s) = World::new()
        .worker_in("w1", "Daniel Moreau", "dm", "Europe/London", "GB")
        .signins_at("dm", 15, &[0, 2, 4, 6, 9])
        .worker_in("w2", "Ann Lee", "al", "Europe/London", "GB")
        .signins_at("al", 15, &[8, 10, 12, 14, 16])
        .run();
    let hit = fired(&g, &s, "working_hours_elsewhere", "w1");
    assert_eq!(hit.len(), 1);
    assert!(hit[0].evidence.contains("UTC+8"), "{}", hit[0].evidence);
    assert!(
        hit[0].evidence.contains("Europe/London (UTC+1)"),
        "{}",
        hit[0].evidence
    );
    assert!(
        (hit[0].weight - unmask_detect::Weights::default().working_hours_elsewhere).abs() < 1e-9
    );
    assert_eq!(hit[0].cites, vec!["dm".to_string()]);
    assert!(fired(&g, &s, "working_hours_elsewhere", "w2").is_empty());
}

#[test]
fn rhythm_weighs_less_on_few_days_and_nothing_without_a_claimed_zone() {
    let (g, s) = World::new()
        .worker_in("w1", "Daniel Moreau", "dm", "America/New_York", "US")
        .signins_at("dm", 4, &[22, 0, 2, 4, 6])
        .worker_in("w2", "Lukas Becker", "lb", "Nowhere/Atlantis", "US")
        .signins_at("lb", 15, &[0, 2, 4, 6, 9])
        .run();
    let hit = fired(&g, &s, "working_hours_elsewhere", "w1");
    assert_eq!(hit.len(), 1, "a New York night owl has this shape too");
    let full = unmask_detect::Weights::default().working_hours_elsewhere;
    assert!((hit[0].weight - full * 0.4).abs() < 1e-9, "4 of 10 days");
    assert!(fired(&g, &s, "working_hours_elsewhere", "w2").is_empty());
}

#[test]
fn pay_to_another_holder_country_or_wallet_and_a_quick_switch_fire() {
    let (g, s) = World::new()
        .worker_in("w1", "Daniel Moreau", "dm", "Europe/London", "GB")
        .pay("w1", "2026-03-02", json!({"method": "bank", "account": "GB29NWBK60161331926819", "holder": "Daniel Moreau", "bank_country": "GB"}))
        .pay("w1", "2026-04-01", json!({"method": "crypto", "account": "0xAbC123", "holder": "Global Talent Payments LLC", "bank_country": "US"}))
        .worker_in("w2", "Ann Lee", "al", "Europe/London", "GB")
        .pay("w2", "2026-03-02", json!({"method": "bank", "account": "GB33BUKB20201555555555", "holder": "ANN LEE", "bank_country": "United Kingdom"}))
        .pay("w2", "2026-09-01", json!({"method": "bank", "account": "GB94BARC10201530093459", "holder": "Ann Lee", "bank_country": "GB"}))
        .run();
    for id in [
        "payout_holder_mismatch",
        "pay_country_mismatch",
        "crypto_payout",
        "payout_changed_soon",
    ] {
        assert_eq!(fired(&g, &s, id, "w1").len(), 1, "{id}");
        assert!(
            fired(&g, &s, id, "w2").is_empty(),
            "{id}: her own account, at home, switched after six months"
        );
    }
    let holder = &fired(&g, &s, "payout_holder_mismatch", "w1")[0];
    assert!(
        holder.evidence.contains("Global Talent Payments LLC"),
        "{}",
        holder.evidence
    );
    assert!(
        fired(&g, &s, "payout_changed_soon", "w1")[0]
            .evidence
            .contains("30 days in")
    );
}

#[test]
fn travel_is_counted_in_time_order_whatever_order_sign_ins_are_read_in() {
    // The London line then the Chinese one 30 minutes later, four days
    // running: as an export gives them, and newest first (a service
    // writes its store out in id order, not time order). The user is
    // written with a capital É, the worker's login in lower case.
    let signins: Vec<(String, &str, &str)> = (10..14)
        .flat_map(|d| {
            [
                (
                    format!("2026-04-{d}T01:00:00Z"),
                    "81.2.69.160",
                    "United Kingdom",
                ),
                (format!("2026-04-{d}T01:30:00Z"), "1.2.4.8", "China"),
            ]
        })
        .collect();
    let evidence = |order: &[&(String, &str, &str)]| {
        let mut w = World::new().worker_in("w1", "Émile Moreau", "émile", "Europe/London", "GB");
        for (at, ip, c) in order {
            w = w.signin("ÉMILE", at, ip, c, false);
        }
        let (g, s) = w.run();
        let hit = fired(&g, &s, "impossible_travel", "w1");
        assert_eq!(hit.len(), 1, "the sign-ins are the worker's");
        hit[0].evidence.clone()
    };
    let in_order: Vec<_> = signins.iter().collect();
    let reversed: Vec<_> = signins.iter().rev().collect();
    let e = evidence(&in_order);
    assert!(e.starts_with("4 sign-ins"), "{e}");
    assert_eq!(evidence(&reversed), e);
}

#[test]
fn hopping_between_london_and_china_within_the_hour_is_impossible_travel() {
    let mut w = World::new()
        .worker_in("w1", "Daniel Moreau", "dm", "Europe/London", "GB")
        .worker_in("w2", "Ann Lee", "al", "Europe/London", "GB");
    for d in 10..14 {
        // w1: the laptop farm's British line, then the operator's Chinese
        // one 30 minutes later.
        w = w
            .signin(
                "dm",
                &format!("2026-04-{d}T01:00:00Z"),
                "81.2.69.160",
                "United Kingdom",
                false,
            )
            .signin(
                "dm",
                &format!("2026-04-{d}T01:30:00Z"),
                "1.2.4.8",
                "China",
                false,
            );
        // w2: a week in Spain, flying out on the 12th.
        let (ip, c) = if d < 12 {
            ("81.2.69.161", "United Kingdom")
        } else {
            ("88.26.0.1", "Spain")
        };
        w = w.signin("al", &format!("2026-04-{d}T09:00:00Z"), ip, c, false);
    }
    let (g, s) = w.run();
    let hit = fired(&g, &s, "impossible_travel", "w1");
    assert_eq!(hit.len(), 1);
    assert!(
        hit[0].evidence.starts_with("4 sign-ins"),
        "{}",
        hit[0].evidence
    );
    assert!(
        hit[0].evidence.contains("30 min apart"),
        "{}",
        hit[0].evidence
    );
    let watched = fired(&g, &s, "signin_from_watched_country", "w1");
    assert_eq!(watched.len(), 1, "the Chinese line, 4 times, claiming GB");
    assert!(
        watched[0].evidence.contains("1.2.4.8 (CN) ×4"),
        "{}",
        watched[0].evidence
    );
    assert!(
        fired(&g, &s, "impossible_travel", "w2").is_empty(),
        "a trip takes a flight"
    );
    assert!(fired(&g, &s, "signin_from_watched_country", "w2").is_empty());
}

#[test]
fn a_corporate_vpn_egress_shared_by_many_is_the_network_moving_not_the_person() {
    let mut w = World::new();
    for k in 0..14 {
        let (id, login) = (format!("w{k}"), format!("u{k}"));
        w = w.worker_in(&id, &format!("Person {k}"), &login, "Europe/London", "GB");
        for d in 10..14 {
            w = w
                .signin(
                    &login,
                    &format!("2026-04-{d}T09:00:00Z"),
                    &format!("81.2.70.{k}"),
                    "United Kingdom",
                    false,
                )
                .signin(
                    &login,
                    &format!("2026-04-{d}T09:20:00Z"),
                    "198.51.100.7",
                    "United States",
                    false,
                );
        }
    }
    let (g, s) = w.run();
    assert!(s.iter().all(|x| x.id != "impossible_travel"));
    let _ = g;
}

#[test]
fn oktas_proxy_flag_speaks_when_no_reference_data_classed_the_ip() {
    let mut w = World::new()
        .worker_in("w1", "Daniel Moreau", "dm", "Europe/London", "GB")
        .worker_in("w2", "Ann Lee", "al", "Europe/London", "GB");
    for d in 10..20 {
        let t = format!("2026-04-{d}T09:00:00Z");
        w = w
            .signin("dm", &t, "81.2.69.160", "United Kingdom", d % 2 == 0)
            .signin("al", &t, "81.2.69.161", "United Kingdom", d == 10);
    }
    let (g, s) = w.run();
    let hit = fired(&g, &s, "okta_proxy", "w1");
    assert_eq!(hit.len(), 1);
    assert!(hit[0].evidence.contains("5 of 10"), "{}", hit[0].evidence);
    assert!(
        fired(&g, &s, "okta_proxy", "w2").is_empty(),
        "once is not a habit"
    );
}

#[test]
fn a_laptop_used_abroad_most_of_the_time_is_flagged_and_a_trip_is_not() {
    let mut w = World::new()
        .worker_in("w1", "Daniel Moreau", "dm", "America/New_York", "US")
        .worker_in("w2", "Ann Lee", "al", "America/New_York", "US");
    for d in 10..30 {
        let t = format!("2026-04-{d}T14:00:00Z");
        // w1: the New York laptop, in London 16 days of 20.
        let ip = if d < 14 { "8.8.4.4" } else { "81.2.69.160" };
        w = w.signin("dm", &t, ip, "", false);
        // w2: a week's trip to London.
        let ip = if (20..25).contains(&d) {
            "81.2.69.161"
        } else {
            "8.8.8.8"
        };
        w = w.signin("al", &t, ip, "", false);
    }
    let (g, s) = w.run();
    let hit = fired(&g, &s, "signin_country_mismatch", "w1");
    assert_eq!(hit.len(), 1);
    assert!(hit[0].evidence.contains("16 of 20"), "{}", hit[0].evidence);
    assert!(
        hit[0].evidence.contains("81.2.69.160 (GB) ×16"),
        "{}",
        hit[0].evidence
    );
    assert!(fired(&g, &s, "signin_country_mismatch", "w2").is_empty());
}

#[test]
fn a_farm_on_a_block_of_static_addresses_shares_a_subnet_and_claims_cities_apart() {
    let bristol = json!({"address": {"line1": "9 Park Row", "city": "Bristol", "postcode": "BS1 5LT", "country": "GB"}});
    let home = json!({"address": {"line1": "3 Mill Lane", "city": "York", "postcode": "YO1 7HH", "country": "GB"}});
    let (g, s) = World::new()
        // Two laptops of one farm, one address each in its /24, for people
        // who claim Leeds and Bristol.
        .app("a1", "Daniel Moreau", json!({}))
        .app("a2", "Lukas Becker", bristol)
        .worker("w1", "a1", "Daniel Moreau", "dm")
        .worker("w2", "a2", "Lukas Becker", "lb")
        .logins("dm", "81.2.69.161", 5)
        .logins("lb", "81.2.69.162", 5)
        // A stranger in another /24.
        .app("a3", "Maria Silva", json!({}))
        .worker("w3", "a3", "Maria Silva", "ms")
        .logins("ms", "81.2.70.5", 5)
        // A couple at one home whose router's address changed.
        .app("a4", "Ann Lee", home.clone())
        .app("a5", "Tom Hardy", home)
        .worker("w4", "a4", "Ann Lee", "al")
        .worker("w5", "a5", "Tom Hardy", "th")
        .logins("al", "81.2.72.10", 5)
        .logins("th", "81.2.72.11", 5)
        .run();
    let hit = fired(&g, &s, "shared_login_subnet", "w1");
    assert_eq!(hit.len(), 1);
    assert!(
        hit[0].evidence.contains("81.2.69.0/24") && hit[0].evidence.contains("81.2.69.162 ×5"),
        "{}",
        hit[0].evidence
    );
    assert_eq!(hit[0].cites, ["w2"]);
    assert!(
        fired(&g, &s, "shared_login_ip", "w1").is_empty(),
        "no address in common"
    );
    assert!(fired(&g, &s, "shared_login_subnet", "w3").is_empty());
    assert!(
        fired(&g, &s, "claimed_apart", "w1").is_empty(),
        "an ISP's /24 can span Leeds and Bristol"
    );
    let couple = fired(&g, &s, "shared_login_subnet", "w4");
    assert_eq!(couple.len(), 1);
    assert!(
        couple[0].weight < hit[0].weight / 2.0,
        "a household weighs little"
    );
    assert!(
        fired(&g, &s, "claimed_apart", "w4").is_empty(),
        "they live together"
    );
}

#[test]
fn one_address_for_people_claiming_cities_apart_but_not_for_one_city() {
    let bristol = json!({"address": {"line1": "9 Park Row", "city": "Bristol", "postcode": "BS1 5LT", "country": "GB"}});
    let (g, s) = World::new()
        // Colleagues in Leeds at one coworking space.
        .app("a1", "Daniel Moreau", json!({}))
        .app("a2", "Lukas Becker", json!({}))
        .worker("w1", "a1", "Daniel Moreau", "dm")
        .worker("w2", "a2", "Lukas Becker", "lb")
        .logins("dm", "81.2.69.160", 5)
        .logins("lb", "81.2.69.160", 5)
        // A farm's one line, for people claiming Leeds and Bristol.
        .app("a3", "Maria Silva", json!({}))
        .app("a4", "Ann Lee", bristol)
        .worker("w3", "a3", "Maria Silva", "ms")
        .worker("w4", "a4", "Ann Lee", "al")
        .logins("ms", "81.2.70.5", 5)
        .logins("al", "81.2.70.5", 5)
        .run();
    assert_eq!(fired(&g, &s, "shared_login_ip", "w1").len(), 1);
    assert!(
        fired(&g, &s, "shared_login_subnet", "w1").is_empty(),
        "the address already says it"
    );
    assert!(
        fired(&g, &s, "claimed_apart", "w1").is_empty(),
        "both claim Leeds"
    );
    let apart = fired(&g, &s, "claimed_apart", "w3");
    assert_eq!(apart.len(), 1);
    assert!(
        apart[0].evidence.contains("leeds")
            && apart[0].evidence.contains("(Ann Lee) in bristol, gb"),
        "{}",
        apart[0].evidence
    );
    assert_eq!(apart[0].cites, ["w4"]);
}

#[test]
fn an_application_from_china_under_a_british_claim_fires_and_one_from_home_does_not() {
    let (g, s) = World::new()
        .app("a1", "Daniel Moreau", json!({"ip": "1.2.4.8"}))
        .app("a2", "Lukas Becker", json!({"ip": "81.2.69.160"}))
        .app("a3", "Li Wei", json!({"ip": "1.2.4.9", "address": {"line1": "1 Nanjing Rd", "city": "Shanghai", "postcode": "200001", "country": "CN"}}))
        .run();
    let hit = fired(&g, &s, "applied_from_watched_country", "a1");
    assert_eq!(hit.len(), 1);
    assert!(
        hit[0].evidence.contains("claims GB") && hit[0].evidence.contains("1.2.4.8 (CN)"),
        "{}",
        hit[0].evidence
    );
    assert!(fired(&g, &s, "applied_from_watched_country", "a2").is_empty());
    assert!(
        fired(&g, &s, "applied_from_watched_country", "a3").is_empty(),
        "someone who says they live in China applies from China"
    );
}

#[test]
fn an_astrill_client_on_a_laptop_fires_on_device_and_worker_unless_allow_listed() {
    let world = || {
        World::new()
            .app("a1", "Daniel Moreau", json!({}))
            .worker("w1", "a1", "Daniel Moreau", "dm")
            .laptop(
                "LT-1",
                "w1",
                "acme-lt-1",
                &[
                    r"C:\Program Files (x86)\Astrill\astrill.exe",
                    r"C:\Windows\explorer.exe",
                ],
            )
            .app("a2", "Lukas Becker", json!({}))
            .worker("w2", "a2", "Lukas Becker", "lb")
            .laptop(
                "LT-2",
                "w2",
                "acme-lt-2",
                &[r"C:\Program Files\Google\Chrome\Application\chrome.exe"],
            )
    };
    let (g, s) = world().run();
    for subject in ["LT-1", "w1"] {
        let hit = fired(&g, &s, "vpn_client", subject);
        assert_eq!(hit.len(), 1, "{subject}");
        assert!(
            hit[0].evidence.contains("Astrill VPN") && hit[0].weight == 1.2,
            "{}",
            hit[0].evidence
        );
        assert_eq!(hit[0].cites, ["LT-1"]);
    }
    assert!(fired(&g, &s, "vpn_client", "LT-2").is_empty());
    // A company whose China office runs Astrill says so in its lists.
    let data = tempfile::tempdir().unwrap();
    let lists = data.path().join("lists.csv");
    std::fs::write(
        &lists,
        "kind,value,note\nallow_tool,Astrill VPN,China office\n",
    )
    .unwrap();
    unmask_refdata::store::install_user(
        data.path(),
        unmask_refdata::store::UserKind::Lists,
        &lists,
    )
    .unwrap();
    let (g, s) = world().run_with(&unmask_refdata::Intel::load(data.path()));
    let hit = fired(&g, &s, "vpn_client", "w1");
    assert_eq!(hit.len(), 1);
    assert!(
        hit[0].weight < 0.5 && hit[0].evidence.contains("company-sanctioned"),
        "{}",
        hit[0].evidence
    );
}

#[test]
fn a_company_reference_on_a_voip_number_fires_and_a_mobile_does_not() {
    let (g, s) = World::new()
        .app("a1", "Daniel Moreau", json!({"references": [{"name": "Pat Jones", "company": "Brightlane Ltd", "phone": "056 1234 5678"}]}))
        .app("a2", "Lukas Becker", json!({"references": [{"name": "Sam Hill", "company": "Brightlane Ltd", "phone": "07700 900456"}]}))
        // A friend, not a company: a VoIP number says nothing of a friend.
        .app("a3", "Maria Silva", json!({"references": [{"name": "Jo Bloggs", "phone": "056 1234 9999"}]}))
        .run();
    let hit = fired(&g, &s, "voip_company_reference", "a1");
    assert_eq!(hit.len(), 1);
    assert!(
        hit[0].evidence.contains("+445612345678") && hit[0].evidence.contains("Brightlane"),
        "{}",
        hit[0].evidence
    );
    assert!(fired(&g, &s, "voip_company_reference", "a2").is_empty());
    assert!(fired(&g, &s, "voip_company_reference", "a3").is_empty());
}

#[test]
fn a_listed_wallet_is_a_hit_and_a_listed_name_only_a_review() {
    use unmask_sanctions::list::{Entity, EntityKind, IdKind, Identifier, ListedName};
    let data = tempfile::tempdir().unwrap();
    let mut intel = unmask_refdata::Intel::load(data.path());
    intel.sanctions = Some(unmask_sanctions::Index::new(vec![Entity {
        id: "ofac:51330".into(),
        kind: EntityKind::Individual,
        names: vec![ListedName {
            text: "RI, Chang Ho".into(),
            strong: true,
        }],
        dates_of_birth: vec!["1967".into()],
        nationalities: vec!["Korea, North".into()],
        addresses: vec![],
        identifiers: vec![Identifier {
            kind: IdKind::Crypto,
            value: unmask_sanctions::list::normalise_identifier(IdKind::Crypto, "ETH 0xDeadBeef01"),
        }],
        programs: vec!["DPRK2".into()],
        ..Entity::default()
    }]));
    let (g, s) = World::new()
        .app("a1", "Rhee Chang Ho", json!({}))
        .app("a2", "Lee Chang Ho", json!({"date_of_birth": "1990-01-01"}))
        .app(
            "a3",
            "Daniel Moreau",
            json!({"payment": [{"method": "crypto", "account": "0xdeadbeef01"}]}),
        )
        .app("a4", "Ann Lee", json!({}))
        .run_with(&intel);
    let review = fired(&g, &s, "sanctions_name_review", "a1");
    assert_eq!(review.len(), 1);
    assert!(review[0].evidence.contains("ofac:51330") && review[0].weight == 0.0);
    assert!(
        fired(&g, &s, "sanctions_name_review", "a2").is_empty(),
        "another birth date takes the name below review"
    );
    let hit = fired(&g, &s, "sanctions_identifier_hit", "a3");
    assert!(hit.len() == 1 && hit[0].weight >= 4.0, "{hit:?}");
    for other in ["a3", "a4"] {
        assert!(fired(&g, &s, "sanctions_name_review", other).is_empty());
    }
    assert!(fired(&g, &s, "sanctions_identifier_hit", "a1").is_empty());
}

#[test]
fn references_and_payout_holders_are_screened_for_the_persona_who_gave_them() {
    use unmask_sanctions::list::{Entity, IdKind, Identifier, ListedName, normalise_identifier};
    let data = tempfile::tempdir().unwrap();
    let mut intel = unmask_refdata::Intel::load(data.path());
    intel.sanctions = Some(unmask_sanctions::Index::new(vec![Entity {
        id: "ofac:57001".into(),
        names: vec![ListedName {
            text: "PAK, Chol Min".into(),
            strong: true,
        }],
        identifiers: vec![
            Identifier {
                kind: IdKind::Email,
                value: normalise_identifier(IdKind::Email, "fixer@silverstar.example"),
            },
            Identifier {
                kind: IdKind::Phone,
                value: normalise_identifier(IdKind::Phone, "+86 431 8888 1234"),
            },
        ],
        ..Entity::default()
    }]));
    let (g, s) = World::new()
        .app(
            "a1",
            "Daniel Moreau",
            json!({"references": [{"name": "Park Cheolmin", "email": "p.cm@example.org"}]}),
        )
        .app(
            "a2",
            "Maria Kovacs",
            json!({"references": [{"name": "John Smith", "email": "Fixer@Silverstar.example"}]}),
        )
        .app("a3", "Sam Ortiz", json!({"phones": ["+86 431 8888 1234"]}))
        .app("a4", "Ann Lee", json!({"references": [{"name": "Ann Park", "email": "ann@example.org"}]}))
        .worker("w1", "a4", "Ann Lee", "ann.lee@corp.example")
        .pay("w1", "2026-03-02", json!({"method": "bank", "account": "GB29NWBK60161331926819", "holder": "Bak Chol Min", "bank_country": "GB"}))
        .run_with(&intel);
    let review = fired(&g, &s, "sanctions_name_review", "a1");
    assert!(
        review.len() == 1 && review[0].evidence.contains("reference \"Park Cheolmin\""),
        "{review:?}"
    );
    let hit = fired(&g, &s, "sanctions_identifier_hit", "a2");
    assert!(
        hit.len() == 1 && hit[0].evidence.contains("reference \"John Smith\""),
        "{hit:?}"
    );
    assert!(fired(&g, &s, "sanctions_name_review", "a2").is_empty());
    assert_eq!(
        fired(&g, &s, "sanctions_identifier_hit", "a3").len(),
        1,
        "a listed phone"
    );
    let holder = fired(&g, &s, "sanctions_name_review", "w1");
    assert!(
        holder.len() == 1 && holder[0].evidence.contains("held by \"Bak Chol Min\""),
        "{holder:?}"
    );
    assert!(
        fired(&g, &s, "sanctions_name_review", "a4").is_empty(),
        "Ann Park is nobody listed"
    );
}
