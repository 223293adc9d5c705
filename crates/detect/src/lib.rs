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
pub mod payroll;
pub mod references;
pub mod rhythm;
pub mod sanctions;
pub mod shared;
pub mod travel;

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

/// Weights of every detector, in log-likelihood-ratio units (natural log):
/// what a signal adds to the log-odds that its subject is fraudulent.
/// The defaults are documented in ARCHITECTURE.md and written out in
/// `models/scoring.toml`; a user's scoring file overrides any of them.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub shared_email: f64,
    pub shared_phone: f64,
    pub shared_payment: f64,
    pub shared_device: f64,
    pub shared_photo: f64,
    pub similar_photo: f64,
    pub shared_resume: f64,
    pub shared_apply_ip: f64,
    /// How much a shared value's weight falls per doubling of the sharers,
    /// in natural-log units: weight − SLOPE·ln(n/2).
    pub rarity_slope: f64,
    /// Multiplier when the sharers give the same home address.
    pub household: f64,
    pub reference_is_applicant: f64,
    pub reference_name_is_applicant: f64,
    pub mutual_vouching: f64,
    pub shared_reference: f64,
    pub freemail_company_reference: f64,
    pub shipped_elsewhere: f64,
    pub asks_to_ship_elsewhere: f64,
    pub farm_address: f64,
    pub shared_login_ip: f64,
    pub tor_ip: f64,
    pub vpn_ip: f64,
    pub private_relay_ip: f64,
    pub datacenter_ip: f64,
    pub cloud_ip: f64,
    pub ip_kvm: f64,
    pub ip_kvm_weak: f64,
    pub mouse_jiggler: f64,
    pub remote_tool: f64,
    pub remote_tools_several: f64,
    /// A remote tool the company allow-lists.
    pub sanctioned_tool: f64,
    /// An identifier from the user's confirmed cases.
    pub known_bad: f64,
    /// Sign-ins that make a working day at UTC+7…+10, far from the claimed
    /// zone; at full weight from 10 days observed.
    pub working_hours_elsewhere: f64,
    /// Pay goes to an account held by another name.
    pub payout_holder_mismatch: f64,
    /// Pay goes to a bank in another country than the one claimed.
    pub pay_country_mismatch: f64,
    /// The pay destination switched soon after the start date.
    pub payout_changed_soon: f64,
    /// Pay goes to a crypto wallet.
    pub crypto_payout: f64,
    /// Sign-ins hop between countries faster than anyone travels.
    pub impossible_travel: f64,
    /// Sign-ins from China, Russia or North Korea for a worker claiming
    /// to live elsewhere.
    pub signin_from_watched_country: f64,
    /// Okta marked sign-ins as proxied and no reference data classed the
    /// IPs (else `vpn_ip` and its kin weigh them).
    pub okta_proxy: f64,
    /// Half or more of the sign-ins through the worker's own connections
    /// come from another country than the claimed one.
    pub signin_country_mismatch: f64,
    /// A VPN client the operators are reported to use (Astrill) runs on
    /// the company laptop.
    pub vpn_client: f64,
    /// An application submitted from China, Russia or North Korea by
    /// someone claiming to live elsewhere.
    pub applied_from_watched_country: f64,
    /// Workers of different names sign in from one /24 (IPv4) or /48
    /// (IPv6) residential network without sharing an address: a farm on
    /// a block of static addresses.
    pub shared_login_subnet: f64,
    /// Workers who share a sign-in address claim to live in different
    /// cities: neighbours or a household would not.
    pub claimed_apart: f64,
    /// Referred by a worker who is themselves at the `high` level.
    pub referred_by_flagged: f64,
    /// A "company" reference gives a number in a range the national
    /// numbering plan sets aside for VoIP.
    pub voip_company_reference: f64,
    /// A payout wallet or e-mail that a sanctions list gives for a
    /// designated person or company: a hard identifier.
    pub sanctions_identifier: f64,
    /// A persona's name (and birth date, when both are known) matches a
    /// designee's at the review level: a reason to look, never proof. 0 by
    /// default: it is shown for review but adds no risk, since the lists
    /// are mostly of a few nationalities and a name alone would then
    /// weigh on people by the origin of their name.
    pub sanctions_name_review: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            shared_email: 3.0,
            shared_phone: 2.5,
            shared_payment: 3.0,
            shared_device: 1.5,
            shared_photo: 2.5,
            similar_photo: 2.0,
            shared_resume: 2.0,
            shared_apply_ip: 1.2,
            rarity_slope: 1.0,
            household: 0.25,
            reference_is_applicant: 3.0,
            reference_name_is_applicant: 1.0,
            mutual_vouching: 1.5,
            shared_reference: 1.0,
            freemail_company_reference: 0.4,
            shipped_elsewhere: 1.2,
            asks_to_ship_elsewhere: 0.8,
            farm_address: 2.0,
            shared_login_ip: 2.0,
            tor_ip: 1.5,
            vpn_ip: 1.0,
            private_relay_ip: 0.3,
            datacenter_ip: 0.8,
            cloud_ip: 0.6,
            ip_kvm: 3.0,
            ip_kvm_weak: 1.0,
            mouse_jiggler: 1.0,
            remote_tool: 1.0,
            remote_tools_several: 1.5,
            sanctioned_tool: 0.2,
            known_bad: 4.0,
            working_hours_elsewhere: 1.5,
            payout_holder_mismatch: 1.0,
            pay_country_mismatch: 0.8,
            payout_changed_soon: 0.8,
            crypto_payout: 0.7,
            impossible_travel: 1.5,
            signin_from_watched_country: 2.0,
            okta_proxy: 0.8,
            signin_country_mismatch: 1.0,
            vpn_client: 1.2,
            applied_from_watched_country: 1.5,
            shared_login_subnet: 0.7,
            claimed_apart: 1.0,
            referred_by_flagged: 1.0,
            voip_company_reference: 0.4,
            sanctions_identifier: 4.0,
            sanctions_name_review: 0.0,
        }
    }
}

/// Weight of a value shared by `n` units (n ≥ 2).
pub fn rarity(w: &Weights, base: f64, n: usize) -> f64 {
    base - w.rarity_slope * (n as f64 / 2.0).ln()
}

/// The fewest people holding a value of `kind` at which every stage has
/// stopped weighing it (None: some stage always does): the point where a
/// shared value's [`rarity`] is spent for each signal that reads the kind,
/// and past the most units linkage pairs on or a reference may vouch for
/// ([`unmask_resolve::MAX_SHARED`]). Addresses are never common: a farm's
/// weight grows with its recipients.
pub fn common_bound(w: &Weights, kind: unmask_graph::IdentKind) -> Option<usize> {
    use unmask_graph::IdentKind as K;
    let bases: &[f64] = match kind {
        K::Email => &[w.shared_email, w.shared_reference],
        K::Phone => &[w.shared_phone, w.shared_reference],
        K::Payment => &[w.shared_payment],
        K::Photo => &[w.shared_photo],
        K::Resume => &[w.shared_resume],
        K::Device => &[w.shared_device],
        K::Ip => &[w.shared_apply_ip, w.shared_login_ip, w.claimed_apart],
        _ => return None,
    };
    if w.rarity_slope <= 0.0 {
        return None;
    }
    let mut bound = unmask_resolve::MAX_SHARED + 1;
    for &base in bases {
        // rarity(n) ≤ 0.05 ⇔ n ≥ 2·e^((base − 0.05) / slope)
        let n = 2.0 * ((base - 0.05) / w.rarity_slope).exp();
        if !n.is_finite() || n > 1e9 {
            return None;
        }
        bound = bound.max(n.ceil() as usize);
    }
    Some(bound)
}

/// An IP more logins than this use is a shared egress (a corporate VPN, a
/// campus), not anyone's home.
pub const MAX_SHARED_EGRESS: usize = 12;

/// Whether more than [`MAX_SHARED_EGRESS`] logins sign in from `ip`
/// (counted only as far as the bound: a corporate egress has thousands).
pub fn shared_egress(g: &IdentityGraph, ip: unmask_graph::IdentId) -> bool {
    g.is_common(ip)
        || g.edges_into(ip)
            .filter(|e| {
                e.role == unmask_graph::Role::LoginIp
                    && matches!(e.from, unmask_graph::Node::External(_))
            })
            .take(MAX_SHARED_EGRESS + 1)
            .count()
            > MAX_SHARED_EGRESS
}

/// The country a persona claims (ISO alpha-2, lower case): its own
/// record's, else its application's.
pub fn claimed_country(g: &IdentityGraph, p: PersonaId) -> Option<&str> {
    let me = &g.personas[p.ix()];
    me.country.as_deref().or_else(|| {
        me.application
            .and_then(|a| g.personas[a.ix()].country.as_deref())
    })
}

/// The locality a persona claims (`city, cc` as normalised): its own
/// record's, else its application's.
pub fn claimed_locality(g: &IdentityGraph, p: PersonaId) -> Option<&str> {
    let me = &g.personas[p.ix()];
    me.locality.as_deref().or_else(|| {
        me.application
            .and_then(|a| g.personas[a.ix()].locality.as_deref())
    })
}

/// `f` over `0..n` in contiguous parts, one per core, results in order:
/// the same output as one thread gives, sooner on a million personas.
/// Used by the detectors and by `score`.
pub fn in_parts<T: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    if cores == 1 || n < 10_000 {
        return f(0..n);
    }
    let step = n.div_ceil(cores);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = (0..n)
            .step_by(step)
            .map(|a| s.spawn(move || f(a..(a + step).min(n))))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
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
    (
        "sanctions",
        "sanctions screening (sanctions_identifier_hit, sanctions_name_review)",
    ),
];

/// Runs every detector: [`detect_unlinked`] then [`detect_linked`].
pub fn detect(
    g: &IdentityGraph,
    actors: &Actors,
    intel: &unmask_refdata::Intel,
    w: &Weights,
) -> Vec<Signal> {
    let mut out = detect_unlinked(g, intel, w);
    out.extend(detect_linked(g, actors, intel, w));
    out
}

/// The detectors that do not need actors (what one record, device, login
/// or address shows), so that a scan can run them while it resolves.
pub fn detect_unlinked(
    g: &IdentityGraph,
    intel: &unmask_refdata::Intel,
    w: &Weights,
) -> Vec<Signal> {
    let mut out = vec![];
    known::detect(g, intel, w, &mut out);
    network::detect(g, intel, w, &mut out);
    endpoint::detect(g, intel, w, &mut out);
    laptops::detect(g, w, &mut out);
    rhythm::detect(g, w, &mut out);
    payroll::detect(g, w, &mut out);
    travel::detect(g, intel, w, &mut out);
    sanctions::detect(g, intel.sanctions.as_ref(), w, &mut out);
    out
}

/// The detectors that compare personas, and so need to know which are one
/// actor (a worker is not counted against its own application).
pub fn detect_linked(
    g: &IdentityGraph,
    actors: &Actors,
    intel: &unmask_refdata::Intel,
    w: &Weights,
) -> Vec<Signal> {
    let mut out = vec![];
    shared::detect(g, actors, w, &mut out);
    references::detect(g, actors, w, &mut out);
    logins::detect(g, actors, intel, w, &mut out);
    out
}
