//! Score: signals → risks and levels for personas, actors, devices and
//! addresses, in the shape of `findings.json`.
//!
//! Every risk is `σ(prior + Σ weights of the signals listed with it)`, so a
//! reader can redo the sum. Evidence is combined, not voted:
//! - several signals of one kind on one subject count with diminishing
//!   weight (½, ¼, … after the strongest), and the listed weight is the
//!   contribution actually added;
//! - an actor counts each underlying *fact* once, however many of its
//!   personas see it, and adds `many_names` for the distinct names it used;
//! - a persona inherits what its actor knows beyond the persona's own
//!   evidence (`actor_evidence`), and a device what its worker's risk
//!   adds beyond the device's own (`worker_risk`) — named signals, so the
//!   decomposition stays exact.

use rustc_hash::FxHashMap;
use unmask_detect::{Signal, Subject, Weights, different_people};
use unmask_graph::{IdentId, IdentKind, IdentityGraph, Node, PersonaId, Role};
use unmask_model::findings::*;
use unmask_resolve::Actors;

/// How a sum of signal weights becomes a risk and a level.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Log-odds of fraud before any evidence.
    pub prior_log_odds: f64,
    /// Least risk at `medium`.
    pub medium_at: f64,
    /// Least risk at `high`.
    pub high_at: f64,
}

/// A scoring file (`--scoring FILE`, TOML): `[levels]` is [`Config`],
/// `[weights]` the detectors' [`Weights`]; anything left out keeps its
/// default, and an unknown key is an error (a misspelt weight must not be
/// silently ignored). `models/scoring.toml` writes out the defaults.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringFile {
    pub levels: Config,
    pub weights: Weights,
}

impl ScoringFile {
    pub fn from_toml(text: &str) -> Result<ScoringFile, String> {
        let s: ScoringFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let l = &s.levels;
        if !(0.0 < l.medium_at && l.medium_at <= l.high_at && l.high_at < 1.0) {
            return Err(format!(
                "levels: need 0 < medium_at ≤ high_at < 1, got medium_at {} and high_at {}",
                l.medium_at, l.high_at
            ));
        }
        Ok(s)
    }

    pub fn load(path: &std::path::Path) -> Result<ScoringFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        ScoringFile::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl Default for Config {
    fn default() -> Self {
        // Prior: about 1 in 20 personas in a hiring funnel is worth a look.
        Config {
            prior_log_odds: -3.0,
            medium_at: 0.5,
            high_at: 0.85,
        }
    }
}

impl Config {
    pub fn risk(&self, sum: f64) -> f64 {
        let r = 1.0 / (1.0 + (-(self.prior_log_odds + sum)).exp());
        (r * 10_000.0).round() / 10_000.0
    }
    pub fn level(&self, risk: f64) -> Level {
        if risk >= self.high_at {
            Level::High
        } else if risk >= self.medium_at {
            Level::Medium
        } else {
            Level::Low
        }
    }
}

/// An address finding's id: `addr-` and a hash of its normalised form,
/// so that it names the same address in every scan, whatever else the
/// data holds (FNV-1a, written out so that no library change moves it).
pub fn address_id(normalized: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in normalized.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    format!("addr-{h:016x}")
}

fn round(w: f64) -> f64 {
    (w * 1000.0).round() / 1000.0
}

/// Applies diminishing weight within each signal id and dedupes facts.
fn combine<'a>(signals: impl Iterator<Item = &'a Signal>) -> Vec<unmask_model::findings::Signal> {
    let mut by_fact: FxHashMap<&str, &Signal> = FxHashMap::default();
    for s in signals {
        let e = by_fact.entry(s.fact.as_str()).or_insert(s);
        if s.weight > e.weight {
            *e = s;
        }
    }
    let mut list: Vec<&Signal> = by_fact.into_values().collect();
    list.sort_by(|a, b| {
        a.id.cmp(b.id)
            .then(b.weight.total_cmp(&a.weight))
            .then(a.fact.cmp(&b.fact))
    });
    let mut out = vec![];
    let mut rank = 0;
    let mut prev = "";
    for s in list {
        rank = if s.id == prev { rank + 1 } else { 0 };
        prev = s.id;
        let w = round(s.weight * 0.5f64.powi(rank));
        // Copies that diminishing took to nothing are dropped; a signal
        // whose weight is set to 0 is still shown once, for a person to
        // read (a sanctions name match, by default), adding no risk.
        let shown_at_zero = s.weight == 0.0 && rank == 0;
        if w <= 0.0 && !shown_at_zero {
            continue;
        }
        out.push(unmask_model::findings::Signal {
            id: s.id.into(),
            weight: w,
            evidence: s.evidence.clone(),
            cites: s.cites.clone(),
        });
    }
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.id.cmp(&b.id)));
    out
}

fn sum(s: &[unmask_model::findings::Signal]) -> f64 {
    s.iter().map(|s| s.weight).sum()
}

pub fn score(
    g: &IdentityGraph,
    actors: &Actors,
    signals: &[Signal],
    scoring: &ScoringFile,
    generated_at: String,
) -> Findings {
    let cfg = &scoring.levels;
    let mut per_persona: Vec<Vec<&Signal>> = vec![vec![]; g.personas.len()];
    let mut per_asset: Vec<Vec<&Signal>> = vec![vec![]; g.assets.len()];
    let mut per_addr: FxHashMap<IdentId, Vec<&Signal>> = FxHashMap::default();
    for s in signals {
        match s.subject {
            Subject::Persona(p) => per_persona[p.ix()].push(s),
            Subject::Asset(a) => per_asset[a.ix()].push(s),
            Subject::Address(a) => per_addr.entry(a).or_default().push(s),
        }
    }
    // Actors.
    let mut links_by_actor: FxHashMap<u32, Vec<&unmask_resolve::Link>> = FxHashMap::default();
    for l in &actors.links {
        links_by_actor
            .entry(actors.of[l.a.ix()])
            .or_default()
            .push(l);
    }
    let actor_ids: Vec<String> = (0..actors.members.len() as u32)
        .map(|a| actors.id(g, a))
        .collect();
    // On every core: an actor reads only its own members' signals.
    let scored: Vec<(ActorFinding, f64)> = unmask_detect::in_parts(actors.members.len(), |part| {
        part.map(|ai| {
            let members = &actors.members[ai];
            let mut sig = combine(
                members
                    .iter()
                    .flat_map(|p| per_persona[p.ix()].iter().copied()),
            );
            // Distinct people presented: units that are pairwise different.
            let mut reps: Vec<PersonaId> = vec![];
            for &p in members {
                let u = actors.unit[p.ix()];
                if !reps.iter().any(|&r| r == u || !different_people(g, r, u)) {
                    reps.push(u);
                }
            }
            let mut names: Vec<String> = vec![];
            for &p in members {
                if let Some(n) = &g.personas[p.ix()].name
                    && !names.contains(&n.display)
                {
                    names.push(n.display.clone());
                }
            }
            if reps.len() >= 2 {
                let links: Vec<String> = links_by_actor
                    .get(&(ai as u32))
                    .into_iter()
                    .flatten()
                    // A worker and its own application are linked by the record
                    // itself: not evidence, so not listed.
                    .filter(|l| {
                        g.personas[l.a.ix()].application != Some(l.b)
                            && g.personas[l.b.ix()].application != Some(l.a)
                    })
                    .map(|l| {
                        format!(
                            "{}–{}: {}",
                            g.personas[l.a.ix()].record_id,
                            g.personas[l.b.ix()].record_id,
                            l.reason
                        )
                    })
                    .collect();
                sig.insert(
                    0,
                    unmask_model::findings::Signal {
                        id: "many_names".into(),
                        weight: round((0.5 * (reps.len() - 1) as f64).min(2.0)),
                        evidence: format!(
                            "one actor presents as {} different people ({}); linked by {}",
                            reps.len(),
                            unmask_detect::list(&names),
                            unmask_detect::list(&links)
                        ),
                        cites: members
                            .iter()
                            .map(|p| g.personas[p.ix()].record_id.clone())
                            .collect(),
                    },
                );
            }
            let total = sum(&sig);
            let risk = cfg.risk(total);
            let finding = ActorFinding {
                id: actor_ids[ai].clone(),
                members: members
                    .iter()
                    .map(|p| g.personas[p.ix()].record_id.clone())
                    .collect(),
                risk,
                signals: sig,
                level: Some(cfg.level(risk)),
                names,
            };
            (finding, total)
        })
        .collect()
    });
    let (actor_findings, actor_sum): (Vec<ActorFinding>, Vec<f64>) = scored.into_iter().unzip();
    // Personas, on every core: each reads only what is already scored.
    let scored: Vec<(PersonaFinding, f64)> = unmask_detect::in_parts(g.personas.len(), |part| {
        part.map(|i| {
            let p = &g.personas[i];
            let mut sig = combine(per_persona[i].iter().copied());
            let own = sum(&sig);
            let a = actors.of[i] as usize;
            let extra = actor_sum[a] - own;
            if extra > 0.005 && actors.members[a].len() > 1 {
                let af = &actor_findings[a];
                let what: Vec<String> = af
                    .signals
                    .iter()
                    .map(|s| s.id.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let others: Vec<String> = af
                    .members
                    .iter()
                    .filter(|m| **m != p.record_id)
                    .cloned()
                    .collect();
                sig.push(unmask_model::findings::Signal {
                    id: "actor_evidence".into(),
                    weight: round(extra),
                    evidence: format!(
                        "belongs to {} with {}; the actor's further evidence: {}",
                        af.id,
                        unmask_detect::list(&others),
                        what.join(", ")
                    ),
                    cites: others,
                });
            }
            let total = sum(&sig);
            let risk = cfg.risk(total);
            let finding = PersonaFinding {
                id: p.record_id.clone(),
                kind: p.kind.as_str().into(),
                risk,
                level: cfg.level(risk),
                actor: actor_ids[a].clone(),
                signals: sig,
                name: p.name.as_ref().map(|n| n.display.clone()),
            };
            (finding, total)
        })
        .collect()
    });
    let (mut personas, mut persona_sum): (Vec<PersonaFinding>, Vec<f64>) =
        scored.into_iter().unzip();
    refer(
        g,
        actors,
        &scoring.weights,
        cfg,
        &mut personas,
        &mut persona_sum,
    );
    // Devices.
    let mut devices = vec![];
    for (i, asset) in g.assets.iter().enumerate() {
        let mut sig = combine(per_asset[i].iter().copied());
        let own = sum(&sig);
        if let Some(w) = asset.assigned_to {
            let extra = persona_sum[w.ix()] - own;
            if extra > 0.005 {
                sig.push(unmask_model::findings::Signal {
                    id: "worker_risk".into(),
                    weight: round(extra),
                    evidence: format!(
                        "assigned to {} (risk {:.2}), whose evidence this laptop shares",
                        g.persona_display(w),
                        personas[w.ix()].risk
                    ),
                    cites: vec![g.personas[w.ix()].record_id.clone()],
                });
            }
        }
        let risk = cfg.risk(sum(&sig));
        devices.push(DeviceFinding {
            id: asset.record_id.clone(),
            risk,
            signals: sig,
            level: Some(cfg.level(risk)),
            assigned_to: asset
                .assigned_to
                .map(|w| g.personas[w.ix()].record_id.clone()),
        });
    }
    // Addresses: every normalised address the workspace mentions.
    let persona_index: FxHashMap<&str, usize> = personas
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let address_ids: Vec<IdentId> = (0..g.idents.len() as u32)
        .map(IdentId)
        .filter(|&id| g.ident_kind(id) == IdentKind::Address)
        .collect();
    let addresses = unmask_detect::in_parts(address_ids.len(), |part| {
        part.map(|k| {
            let id = address_ids[k];
            let mut members: Vec<String> = g
                .edges_into(id)
                .filter(|e| matches!(e.role, Role::ShippedTo | Role::Home | Role::ShipTo))
                .filter_map(|e| match e.from {
                    Node::Asset(a) => Some(g.assets[a.ix()].record_id.clone()),
                    Node::Persona(p) => Some(g.personas[p.ix()].record_id.clone()),
                    _ => None,
                })
                .collect();
            members.sort();
            members.dedup();
            let mut sig = combine(per_addr.get(&id).into_iter().flatten().copied());
            // An address that receives laptops for people who do not live there
            // is a facilitator when those people carry strong evidence of their
            // own. (A farm signal alone cannot lift a persona to high, so this
            // does not feed on itself.)
            let recipients: Vec<&PersonaFinding> = per_addr
                .get(&id)
                .into_iter()
                .flatten()
                .filter(|s| s.id == "farm_address")
                .flat_map(|s| s.cites.iter())
                .filter_map(|c| persona_index.get(c.as_str()).map(|&i| &personas[i]))
                .filter(|p| p.level == Level::High)
                .collect::<Vec<_>>();
            let mut flagged: Vec<&PersonaFinding> = recipients;
            flagged.sort_by(|a, b| a.id.cmp(&b.id));
            flagged.dedup_by(|a, b| a.id == b.id);
            if !flagged.is_empty() {
                sig.push(unmask_model::findings::Signal {
                    id: "recipients_flagged".into(),
                    weight: round((1.5 * flagged.len() as f64).min(4.5)),
                    evidence: format!(
                        "{} of the people it receives equipment for are themselves high risk: {}",
                        flagged.len(),
                        unmask_detect::list(
                            &flagged
                                .iter()
                                .map(|p| format!("{} ({:.2})", p.id, p.risk))
                                .collect::<Vec<_>>()
                        )
                    ),
                    cites: flagged.iter().map(|p| p.id.clone()).collect(),
                });
                sig.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.id.cmp(&b.id)));
            }
            let risk = cfg.risk(sum(&sig));
            AddressFinding {
                id: address_id(g.ident_text(id)),
                normalized: g.ident_text(id).into(),
                risk,
                members,
                signals: sig,
                level: Some(cfg.level(risk)),
            }
        })
        .collect()
    });
    let mut findings = Findings {
        schema: SCHEMA.into(),
        generated_at,
        personas,
        actors: actor_findings,
        devices,
        addresses,
        scoring: Some(Scoring {
            prior_log_odds: cfg.prior_log_odds,
            medium_at: cfg.medium_at,
            high_at: cfg.high_at,
        }),
        run: None,
    };
    findings.sort_by_id();
    findings
}

/// Referral chains: an application referred by a worker at `high` (and not
/// of the same actor, whose evidence it already shares) carries
/// `referred_by_flagged`, and so does the worker hired on it. Repeated
/// until no level changes, so a chain of referrals is followed; each
/// application has one referrer, so this ends.
fn refer(
    g: &IdentityGraph,
    actors: &Actors,
    w: &Weights,
    cfg: &Config,
    personas: &mut [PersonaFinding],
    persona_sum: &mut [f64],
) {
    if w.referred_by_flagged <= 0.0 || g.referrals.is_empty() {
        return;
    }
    let mut hired_on: FxHashMap<PersonaId, Vec<PersonaId>> = FxHashMap::default();
    for (i, p) in g.personas.iter().enumerate() {
        if let Some(a) = p.application {
            hired_on.entry(a).or_default().push(PersonaId(i as u32));
        }
    }
    let weight = round(w.referred_by_flagged);
    let mut done = vec![false; g.referrals.len()];
    loop {
        let mut changed = false;
        for (k, &(app, by)) in g.referrals.iter().enumerate() {
            if done[k]
                || personas[by.ix()].level != Level::High
                || actors.of[app.ix()] == actors.of[by.ix()]
            {
                continue;
            }
            done[k] = true;
            changed = true;
            let referrer = &personas[by.ix()];
            let signal = unmask_model::findings::Signal {
                id: "referred_by_flagged".into(),
                weight,
                evidence: format!(
                    "{} was referred by {}, who is at high risk ({:.2})",
                    g.personas[app.ix()].record_id,
                    g.persona_display(by),
                    referrer.risk
                ),
                cites: vec![referrer.id.clone()],
            };
            let workers = hired_on.get(&app).map_or(&[][..], Vec::as_slice);
            for &p in std::iter::once(&app).chain(workers) {
                let me = &mut personas[p.ix()];
                me.signals.push(signal.clone());
                me.signals
                    .sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.id.cmp(&b.id)));
                persona_sum[p.ix()] += weight;
                me.risk = cfg.risk(persona_sum[p.ix()]);
                me.level = cfg.level(me.risk);
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod scoring_file_tests {
    use super::*;

    #[test]
    fn the_shipped_scoring_file_is_the_defaults() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/scoring.toml");
        assert_eq!(ScoringFile::load(&path).unwrap(), ScoringFile::default());
    }

    #[test]
    fn a_partial_file_overrides_only_what_it_names_and_typos_are_errors() {
        let s =
            ScoringFile::from_toml("[levels]\nhigh_at = 0.9\n[weights]\nvpn_ip = 0.1\n").unwrap();
        assert_eq!(s.levels.high_at, 0.9);
        assert_eq!(s.levels.medium_at, Config::default().medium_at);
        assert_eq!(s.weights.vpn_ip, 0.1);
        assert_eq!(s.weights.shared_email, Weights::default().shared_email);
        let typo = ScoringFile::from_toml("[weights]\nshared_emial = 1.0\n").unwrap_err();
        assert!(typo.contains("shared_emial"), "{typo}");
        let bad = ScoringFile::from_toml("[levels]\nmedium_at = 0.9\nhigh_at = 0.5\n").unwrap_err();
        assert!(bad.contains("medium_at"), "{bad}");
    }
}

#[cfg(test)]
mod referral_tests {
    use super::*;
    use serde_json::json;
    use unmask_graph::GraphBuilder;
    use unmask_ingest::{Origin, Sink};

    #[test]
    fn a_referral_from_a_flagged_worker_is_followed_along_the_chain_and_alone_stays_low() {
        let at = Origin {
            file: "t".into(),
            line: 1,
        };
        let mut b = GraphBuilder::new(|_| {});
        let app = |id: &str, name: &str, by: Option<&str>| {
            serde_json::from_value(
                json!({"application_id": id, "submitted_at": "2026-03-01T10:00:00Z",
                "full_name": name, "referred_by": by}),
            )
            .unwrap()
        };
        let worker = |id: &str, app: &str, name: &str, login: &str| {
            serde_json::from_value(
                json!({"worker_id": id, "application_id": app, "full_name": name, "login": login}),
            )
            .unwrap()
        };
        b.application(app("a1", "Daniel Moreau", None), &at);
        b.worker(worker("w1", "a1", "Daniel Moreau", "dm"), &at);
        // Referred by w2 (by login); listed first, so that one pass in
        // file order would miss the chain.
        b.application(app("a3", "Maria Silva", Some("LB")), &at);
        // Referred by w1 (by id), hired as w2.
        b.application(app("a2", "Lukas Becker", Some("w1")), &at);
        b.worker(worker("w2", "a2", "Lukas Becker", "lb"), &at);
        // Referred by an honest worker.
        b.application(app("a4", "Ann Lee", None), &at);
        b.worker(worker("w4", "a4", "Ann Lee", "al"), &at);
        b.application(app("a5", "Tom Hardy", Some("w4")), &at);
        b.application(app("a6", "Eve Stone", Some("w-gone")), &at);
        let (g, notes) = b.finish();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("a6") && n.contains("w-gone")),
            "{notes:?}"
        );
        let actors = unmask_resolve::resolve(&g);
        let id =
            |r: &str| PersonaId(g.personas.iter().position(|p| p.record_id == r).unwrap() as u32);
        let evidence = |p: &str, weight: f64| Signal {
            id: "known_bad_identifier",
            subject: Subject::Persona(id(p)),
            weight,
            evidence: String::new(),
            cites: vec![],
            fact: format!("test:{p}"),
        };
        // w1 is high on its own; w2 is medium on its own (σ(−3 + 4) ≈ 0.73).
        let signals = [evidence("w1", 6.0), evidence("w2", 4.0)];
        let f = score(
            &g,
            &actors,
            &signals,
            &ScoringFile::default(),
            String::new(),
        );
        let of = |r: &str| f.personas.iter().find(|p| p.id == r).unwrap();
        let referred = |r: &str| of(r).signals.iter().any(|s| s.id == "referred_by_flagged");
        assert_eq!(of("w1").level, Level::High);
        assert!(
            referred("a2") && referred("w2"),
            "the application and its worker"
        );
        assert_eq!(
            of("w2").level,
            Level::High,
            "its own evidence and the referral"
        );
        assert!(of("w2").signals.iter().any(|s| s.cites == ["w1"]));
        assert!(referred("a3"), "the chain goes on from w2");
        assert_eq!(
            of("a3").level,
            Level::Low,
            "a referral alone condemns no one"
        );
        assert!(!referred("a5") && !referred("a1"));
    }
}
