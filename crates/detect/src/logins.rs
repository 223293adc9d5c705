//! Several workers signing in from one connection: the laptop farm's home
//! IP, or the farm's block of static addresses (one /24), and workers who
//! share an address while claiming to live in different cities.
//!
//! A /24 weighs less than an address: strangers on one ISP meet in one by
//! chance (the demo's seed 3 has such a pair, in London and Bristol).
//!
//! A corporate VPN egress is shared by many workers and its weight falls
//! to nothing with the number of sharers; a couple working from home share
//! an IP and a home address, and count as a household. A network counts
//! as someone's home only when no pack classes it (a VPN provider's /24
//! holds thousands of strangers) and few logins use each address.

use crate::{Signal, Subject, Weights, claimed_locality, different_people, list, rarity};
use rustc_hash::FxHashMap;
use std::net::IpAddr;
use unmask_graph::{IdentId, IdentKind, IdentityGraph, Node, PersonaId, Role};
use unmask_refdata::ip::IpKind;
use unmask_resolve::Actors;

/// A worker must use the IP this often for it to be theirs, not a hotel's.
const MIN_EVENTS: u32 = 3;

/// Where the sharers meet: one address, or one network.
#[derive(Clone, Copy)]
enum Meeting {
    Ip(IdentId),
    /// The /24 (IPv4) or /48 (IPv6), as the network address and its length.
    Subnet(IpAddr, u8),
}

impl Meeting {
    fn shown(self, g: &IdentityGraph) -> String {
        match self {
            Meeting::Ip(id) => g.ident_text(id).to_string(),
            Meeting::Subnet(net, len) => format!("{net}/{len}"),
        }
    }

    fn key(self, g: &IdentityGraph) -> String {
        match self {
            Meeting::Ip(id) => format!("ip:{}", g.ident_text(id)),
            Meeting::Subnet(net, len) => format!("net:{net}/{len}"),
        }
    }
}

fn subnet(addr: IpAddr) -> (IpAddr, u8) {
    match addr {
        IpAddr::V4(a) => (IpAddr::V4((u32::from(a) & !0xff).into()), 24),
        IpAddr::V6(a) => (
            IpAddr::V6((u128::from(a) & !((1u128 << 80) - 1)).into()),
            48,
        ),
    }
}

pub fn detect(
    g: &IdentityGraph,
    actors: &Actors,
    intel: &unmask_refdata::Intel,
    w: &Weights,
    out: &mut Vec<Signal>,
) {
    let mut by_subnet: FxHashMap<(IpAddr, u8), Vec<(PersonaId, IdentId, u32)>> =
        FxHashMap::default();
    for id in (0..g.idents.len() as u32).map(IdentId) {
        if g.ident_kind(id) != IdentKind::Ip {
            continue;
        }
        // Most IPs are an application's only: nothing to parse or look up.
        let mut users: Vec<(PersonaId, IdentId, u32)> = g
            .edges_into(id)
            .filter(|e| e.role == Role::LoginIp && e.count >= MIN_EVENTS)
            .filter_map(|e| match e.from {
                Node::External(_) => g.persona_of(e.from).map(|p| (p, id, e.count)),
                _ => None,
            })
            .collect();
        if users.is_empty() {
            continue;
        }
        let Ok(addr) = g.ident_text(id).parse::<IpAddr>() else {
            continue;
        };
        // The company's own VPN egress, when the user allow-lists it.
        if intel.lists.allowed_ip(addr) {
            continue;
        }
        users.sort_by_key(|u| u.0);
        users.dedup_by_key(|u| u.0);
        let classed = intel.ip.is_some() && intel.ip_facts(addr).kind != IpKind::Unknown;
        if !crate::shared_egress(g, id) && !classed {
            by_subnet.entry(subnet(addr)).or_default().extend(&users);
        }
        if users.len() >= 2 && !g.is_common(id) {
            shared(g, actors, w, Meeting::Ip(id), &users, out);
        }
    }
    let mut nets: Vec<_> = by_subnet.into_iter().collect();
    nets.sort_by_key(|(k, _)| *k);
    for ((net, len), users) in nets {
        let ips = users
            .iter()
            .map(|u| u.1)
            .collect::<rustc_hash::FxHashSet<_>>();
        if ips.len() >= 2 {
            shared(g, actors, w, Meeting::Subnet(net, len), &users, out);
        }
    }
}

/// Signals for each of `users` (persona, the IP it used, sign-ins) who
/// shares `place` with other people. On a subnet, only sharers with no
/// address in common count: one address in common is `shared_login_ip`.
fn shared(
    g: &IdentityGraph,
    actors: &Actors,
    w: &Weights,
    place: Meeting,
    users: &[(PersonaId, IdentId, u32)],
    out: &mut Vec<Signal>,
) {
    let mut people: Vec<PersonaId> = users.iter().map(|u| u.0).collect();
    people.sort();
    people.dedup();
    if people.len() < 2 {
        return;
    }
    let (id, base) = match place {
        Meeting::Ip(_) => ("shared_login_ip", w.shared_login_ip),
        Meeting::Subnet(..) => ("shared_login_subnet", w.shared_login_subnet),
    };
    let weight = rarity(w, base, people.len());
    if weight <= 0.05 {
        return;
    }
    let ips_of = |p: PersonaId| users.iter().filter(move |x| x.0 == p);
    for &u in &people {
        let others: Vec<PersonaId> = people
            .iter()
            .copied()
            .filter(|&o| {
                o != u
                    && actors.unit[o.ix()] != actors.unit[u.ix()]
                    && different_people(g, u, o)
                    && match place {
                        Meeting::Ip(_) => true,
                        Meeting::Subnet(..) => !ips_of(u).any(|a| ips_of(o).any(|b| a.1 == b.1)),
                    }
            })
            .collect();
        if others.is_empty() {
            continue;
        }
        let household = others
            .iter()
            .all(|&o| matches!((g.home_of(u), g.home_of(o)), (Some(a), Some(b)) if a == b));
        let weight = if household {
            weight * w.household
        } else {
            weight
        };
        let used = |p: PersonaId| -> String {
            ips_of(p)
                .map(|x| match place {
                    Meeting::Ip(_) => format!("×{}", x.2),
                    Meeting::Subnet(..) => format!("{} ×{}", g.ident_text(x.1), x.2),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let names: Vec<String> = others
            .iter()
            .map(|&o| format!("{} ({})", g.persona_display(o), used(o)))
            .collect();
        let me = &g.personas[u.ix()].record_id;
        let mut evidence = format!(
            "{me} signed in from {} ({}), as did {}",
            place.shown(g),
            used(u),
            list(&names)
        );
        if household {
            evidence.push_str("; they give the same home address, so this counts as a household");
        }
        let cites: Vec<String> = others
            .iter()
            .map(|&o| g.personas[o.ix()].record_id.clone())
            .collect();
        out.push(Signal {
            id,
            subject: Subject::Persona(u),
            weight,
            evidence,
            cites: cites.clone(),
            fact: format!("login_{}", place.key(g)),
        });
        // People who share a home connection live together; people who
        // share one while claiming cities apart do not live where they say.
        // Not said of a subnet: an ISP's /24 can span cities.
        let (Meeting::Ip(_), Some(mine)) = (place, claimed_locality(g, u)) else {
            continue;
        };
        let apart: Vec<String> = others
            .iter()
            .filter_map(|&o| {
                claimed_locality(g, o)
                    .filter(|&c| c != mine)
                    .map(|c| format!("{} in {c}", g.persona_display(o)))
            })
            .collect();
        let weight = rarity(w, w.claimed_apart, people.len());
        if household || apart.is_empty() || weight <= 0.05 {
            continue;
        }
        out.push(Signal {
            id: "claimed_apart",
            subject: Subject::Persona(u),
            weight,
            evidence: format!(
                "{me} claims to live in {mine} yet signs in from {} as does {}",
                place.shown(g),
                list(&apart)
            ),
            cites,
            fact: format!("apart_{}", place.key(g)),
        });
    }
}
