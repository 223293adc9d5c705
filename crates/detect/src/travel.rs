//! Where a worker's sign-ins (and an applicant's application) come from,
//! against where the person says they are: impossible travel; sign-ins
//! or an application from the countries the scheme's operators work from
//! (China, Russia, North Korea) for someone who claims to live elsewhere;
//! and most sign-ins from another country than the claimed one (a laptop
//! farm abroad).
//!
//! Impossible travel reads the *hops* the graph kept (consecutive
//! sign-ins in two countries less than two hours apart). A hop through a
//! shared egress — an IP that more than [`crate::MAX_SHARED_EGRESS`]
//! logins use (a corporate VPN), one the user allow-lists, or one the
//! reference data classes as VPN, Tor, cloud or datacenter — is the
//! network moving, not the person, and does not count; `vpn_ip` and its
//! kin already weigh those, so the same fact is not counted twice.

use crate::{Signal, Subject, Weights, claimed_country, list};
use unmask_graph::{IdentId, IdentityGraph, Node, PersonaId, PersonaKind, Role};
use unmask_refdata::Intel;
use unmask_refdata::ip::IpKind;

/// Hops needed: one can be a clock skew or a mobile carrier's odd route.
pub const MIN_HOPS: u32 = 2;
/// Sign-ins from a watched country needed: a weekend visit is not a rhythm.
pub const MIN_WATCHED_EVENTS: u32 = 3;
/// Sign-ins through the worker's own connections needed before their
/// countries say where the worker is …
pub const MIN_ELSEWHERE_EVENTS: u32 = 10;
/// … and the share of them from other countries than the claimed one.
pub const ELSEWHERE_SHARE: f64 = 0.5;
/// ISO codes of the countries the operators work from.
pub const WATCHED: [&str; 3] = ["CN", "RU", "KP"];

pub fn detect(g: &IdentityGraph, intel: &Intel, w: &Weights, out: &mut Vec<Signal>) {
    let network_moves = |ip: Option<IdentId>| {
        let Some(ip) = ip else { return false };
        let Ok(addr) = g.ident_text(ip).parse::<std::net::IpAddr>() else {
            return false;
        };
        intel.lists.allowed_ip(addr)
            || intel.ip.is_some() && intel.ip_facts(addr).kind != IpKind::Unknown
            || crate::shared_egress(g, ip)
    };
    for (i, p) in g.personas.iter().enumerate() {
        let me = PersonaId(i as u32);
        if p.kind == PersonaKind::Application {
            applied_from_watched(g, intel, w, me, out);
            continue;
        }
        let logins = g.logins_of(me);
        // Impossible travel.
        let (mut hops, mut shown) = (0u32, vec![]);
        for &x in logins {
            let a = &g.activity[x.ix()];
            let kept: Vec<_> = a
                .hops
                .iter()
                .filter(|(from, to)| !network_moves(from.ip) && !network_moves(to.ip))
                .collect();
            // Hops beyond the kept examples count in the kept share.
            let share = kept.len() as f64 / a.hops.len().max(1) as f64;
            hops += (a.hop_count as f64 * share).round() as u32;
            for (from, to) in kept.into_iter().take(3) {
                let ip = |x: Option<IdentId>| x.map_or("?", |i| g.ident_text(i));
                shown.push(format!(
                    "{} from {} ({}) then {} from {} ({}), {} min apart",
                    from.at,
                    g.ident_text(from.country).to_uppercase(),
                    ip(from.ip),
                    to.at,
                    g.ident_text(to.country).to_uppercase(),
                    ip(to.ip),
                    (to.at.0 - from.at.0).abs() / 60_000
                ));
            }
        }
        let cites: Vec<String> = logins
            .iter()
            .map(|&x| g.externals.text(x.0).to_string())
            .collect();
        if hops >= MIN_HOPS {
            out.push(Signal {
                id: "impossible_travel",
                subject: Subject::Persona(me),
                weight: w.impossible_travel,
                evidence: format!(
                    "{hops} sign-ins in another country than the one before, under 2 h apart: {}",
                    list(&shown)
                ),
                cites: cites.clone(),
                fact: format!("travel:{}", p.record_id),
            });
        }
        // Sign-ins from a watched country.
        let Some(claimed) = claimed_country(g, me) else {
            continue;
        };
        if watched(claimed) {
            continue;
        }
        // Sign-ins by the country of their IP: from watched countries, and
        // from other countries than the claimed one through IPs of the
        // worker's own (not a shared egress, an allow-listed range or an
        // IP the packs class).
        let (mut watched, mut elsewhere) = (vec![], vec![]);
        let (mut own_events, mut elsewhere_events) = (0u32, 0u32);
        for e in logins
            .iter()
            .flat_map(|&x| g.edges_from(Node::External(x)))
            .filter(|e| e.role == Role::LoginIp)
        {
            let Ok(addr) = g.ident_text(e.to).parse::<std::net::IpAddr>() else {
                continue;
            };
            let Some(cc) = intel.ip_facts(addr).country else {
                continue;
            };
            let shown = (cc.to_uppercase(), g.ident_text(e.to).to_string(), e.count);
            if self::watched(cc) {
                watched.push(shown);
            } else if !network_moves(Some(e.to)) {
                own_events += e.count;
                if !cc.eq_ignore_ascii_case(claimed) {
                    elsewhere_events += e.count;
                    elsewhere.push(shown);
                }
            }
        }
        // Most sign-ins first, then by IP: not in the order read.
        for v in [&mut watched, &mut elsewhere] {
            v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        }
        let shown = |v: &[(String, String, u32)]| -> Vec<String> {
            v.iter()
                .map(|(cc, ip, n)| format!("{ip} ({cc}) ×{n}"))
                .collect()
        };
        let events: u32 = watched.iter().map(|s| s.2).sum();
        if events >= MIN_WATCHED_EVENTS {
            out.push(Signal {
                id: "signin_from_watched_country",
                subject: Subject::Persona(me),
                weight: w.signin_from_watched_country,
                evidence: format!(
                    "claims {}; signed in {events} times from {}",
                    claimed.to_uppercase(),
                    list(&shown(&watched))
                ),
                cites: cites.clone(),
                fact: format!("watched:{}", p.record_id),
            });
        }
        // The laptop meant for New York, used in London: most sign-ins
        // from another country (a trip is days, not most of the time).
        if own_events >= MIN_ELSEWHERE_EVENTS
            && elsewhere_events as f64 >= ELSEWHERE_SHARE * own_events as f64
        {
            out.push(Signal {
                id: "signin_country_mismatch",
                subject: Subject::Persona(me),
                weight: w.signin_country_mismatch,
                evidence: format!(
                    "claims {}; {elsewhere_events} of {own_events} sign-ins from its own connections came from elsewhere: {}",
                    claimed.to_uppercase(),
                    list(&shown(&elsewhere))
                ),
                cites,
                fact: format!("elsewhere:{}", p.record_id),
            });
        }
    }
}

fn watched(country: &str) -> bool {
    WATCHED.iter().any(|c| c.eq_ignore_ascii_case(country))
}

/// An application sent from a watched country by someone who claims to
/// live elsewhere. One address is enough: an application is one visit.
fn applied_from_watched(
    g: &IdentityGraph,
    intel: &Intel,
    w: &Weights,
    me: PersonaId,
    out: &mut Vec<Signal>,
) {
    let Some(claimed) = claimed_country(g, me).filter(|c| !watched(c)) else {
        return;
    };
    let from: Vec<String> = g
        .edges_from(Node::Persona(me))
        .filter(|e| e.role == Role::ApplyIp)
        .filter_map(|e| {
            let addr = g.ident_text(e.to).parse::<std::net::IpAddr>().ok()?;
            let cc = intel.ip_facts(addr).country.filter(|cc| watched(cc))?;
            (!intel.lists.allowed_ip(addr))
                .then(|| format!("{} ({})", g.ident_text(e.to), cc.to_uppercase()))
        })
        .collect();
    if from.is_empty() {
        return;
    }
    let record = &g.personas[me.ix()].record_id;
    out.push(Signal {
        id: "applied_from_watched_country",
        subject: Subject::Persona(me),
        weight: w.applied_from_watched_country,
        evidence: format!(
            "{record} claims {}; applied from {}",
            claimed.to_uppercase(),
            list(&from)
        ),
        cites: vec![],
        fact: format!("applied_watched:{record}"),
    });
}
