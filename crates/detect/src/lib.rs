//! Detect: named signals read from the identity graph, each with evidence
//! that cites the other records.
//!
//! A signal's weight is its contribution to the log-odds that its subject
//! is fraudulent. Weights fall with how common a shared value is (a value
//! shared by two strangers says far more than one shared by twenty), and
//! facts that honest households explain (a shared home, its IP and its
//! family computer) are discounted when the sharers give the same home.
//!
//! Detectors here: shared identifiers across different names
//! ([`shared`]), references that are other applicants ([`references`]),
//! laptops shipped away from the worker to an address that receives other
//! laptops ([`laptops`]), one login IP for several workers ([`logins`]),
//! and — through the reference-data layer, never files of their own —
//! anonymising networks ([`network`]) and IP-KVMs, jigglers and remote
//! tools on company laptops ([`endpoint`]).
//! No detector reads a name's origin or language: names are only compared
//! for equality, to tell "another person" from "the same person again".

pub mod endpoint;
pub mod known;
pub mod laptops;
pub mod logins;
pub mod network;
pub mod references;
pub mod shared;

use unmask_graph::{AssetId, IdentId, IdentityGraph, PersonaId};
use unmask_resolve::Actors;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Persona(PersonaId),
    Asset(AssetId),
    Address(IdentId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    pub id: &'static str,
    pub subject: Subject,
    pub weight: f64,
    pub evidence: String,
    pub cites: Vec<String>,
    /// The underlying fact, the same from every side that sees it (both
    /// personas sharing a phone), so an actor counts it once.
    pub fact: String,
}

/// Weights of every detector, in log-likelihood-ratio units. Documented in
/// ARCHITECTURE.md; the calibrated, configurable set is issue 5's.
pub mod weights {
    pub const SHARED_EMAIL: f64 = 3.0;
    pub const SHARED_PHONE: f64 = 2.5;
    pub const SHARED_PAYMENT: f64 = 3.0;
    pub const SHARED_DEVICE: f64 = 1.5;
    pub const SHARED_PHOTO: f64 = 2.5;
    pub const SIMILAR_PHOTO: f64 = 2.0;
    pub const SHARED_RESUME: f64 = 2.0;
    pub const SHARED_APPLY_IP: f64 = 1.2;
    /// How much a shared value's weight falls per doubling of the sharers,
    /// in natural-log units: weight − SLOPE·ln(n/2).
    pub const RARITY_SLOPE: f64 = 1.0;
    /// Multiplier when the sharers give the same home address.
    pub const HOUSEHOLD: f64 = 0.25;
    pub const REFERENCE_IS_APPLICANT: f64 = 3.0;
    pub const REFERENCE_NAME_IS_APPLICANT: f64 = 1.0;
    pub const MUTUAL_VOUCHING: f64 = 1.5;
    pub const SHARED_REFERENCE: f64 = 1.0;
    pub const FREEMAIL_COMPANY_REFERENCE: f64 = 0.4;
    pub const SHIPPED_ELSEWHERE: f64 = 1.2;
    pub const ASKS_TO_SHIP_ELSEWHERE: f64 = 0.8;
    pub const FARM_ADDRESS: f64 = 2.0;
    pub const SHARED_LOGIN_IP: f64 = 2.0;
    pub const TOR_IP: f64 = 1.5;
    pub const VPN_IP: f64 = 1.0;
    pub const PRIVATE_RELAY_IP: f64 = 0.3;
    pub const DATACENTER_IP: f64 = 0.8;
    pub const CLOUD_IP: f64 = 0.6;
    pub const IP_KVM: f64 = 3.0;
    pub const IP_KVM_WEAK: f64 = 1.0;
    pub const MOUSE_JIGGLER: f64 = 1.0;
    pub const REMOTE_TOOL: f64 = 1.0;
    pub const REMOTE_TOOLS_SEVERAL: f64 = 1.5;
    /// A remote tool the company allow-lists.
    pub const SANCTIONED_TOOL: f64 = 0.2;
    /// An identifier from the user's confirmed cases.
    pub const KNOWN_BAD: f64 = 4.0;
}

/// Weight of a value shared by `n` units (n ≥ 2).
pub fn rarity(base: f64, n: usize) -> f64 {
    base - weights::RARITY_SLOPE * (n as f64 / 2.0).ln()
}

/// Lists at most five cited records, then how many more.
pub fn list(items: &[String]) -> String {
    let mut s = items.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 5 {
        s.push_str(&format!(" and {} more", items.len() - 5));
    }
    s
}

/// The personas in `group` other than `me` who present as different people.
pub fn others(g: &IdentityGraph, me: PersonaId, group: &[PersonaId]) -> Vec<PersonaId> {
    group
        .iter()
        .copied()
        .filter(|&o| o != me && different_people(g, me, o))
        .collect()
}

/// Display names (for evidence) and record ids (for `cites`) of personas.
pub fn named(g: &IdentityGraph, ps: &[PersonaId]) -> (Vec<String>, Vec<String>) {
    (
        ps.iter().map(|&p| g.persona_display(p)).collect(),
        ps.iter()
            .map(|&p| g.personas[p.ix()].record_id.clone())
            .collect(),
    )
}

/// Whether two personas present as different people: different name keys,
/// and not one name extending the other (a middle name) or the same given
/// name and birth date under a new family name (marriage).
pub fn different_people(g: &IdentityGraph, a: PersonaId, b: PersonaId) -> bool {
    let (pa, pb) = (&g.personas[a.ix()], &g.personas[b.ix()]);
    let (Some(na), Some(nb)) = (&pa.name, &pb.name) else {
        return false;
    };
    if na.key == nb.key {
        return false;
    }
    let subset = |x: &[String], y: &[String]| x.iter().all(|t| y.contains(t));
    if subset(&na.tokens, &nb.tokens) || subset(&nb.tokens, &na.tokens) {
        return false;
    }
    let dob = pa.date_of_birth.is_some() && pa.date_of_birth == pb.date_of_birth;
    !(dob && na.given_or_first() == nb.given_or_first())
}

/// Detectors that read reference data, the pack each needs, and what they
/// look for — for the run's notes when a pack is missing.
pub const NEEDS_DATA: &[(&str, &str)] = &[
    (
        "ip-asn ip-country vpn",
        "network detectors (tor_ip, vpn_ip, datacenter_ip, cloud_ip)",
    ),
    (
        "rmm",
        "remote-access tools on company laptops (remote_access_tool)",
    ),
    (
        "usb",
        "IP-KVMs and mouse jigglers on the USB bus (ip_kvm, mouse_jiggler)",
    ),
];

/// Runs every detector.
pub fn detect(g: &IdentityGraph, actors: &Actors, intel: &unmask_refdata::Intel) -> Vec<Signal> {
    let mut out = vec![];
    known::detect(g, intel, &mut out);
    network::detect(g, intel, &mut out);
    endpoint::detect(g, intel, &mut out);
    shared::detect(g, actors, &mut out);
    references::detect(g, actors, &mut out);
    laptops::detect(g, &mut out);
    logins::detect(g, actors, intel, &mut out);
    out
}
