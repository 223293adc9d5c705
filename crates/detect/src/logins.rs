//! One login IP for several workers: the laptop farm's home connection.
//!
//! A corporate VPN egress is shared by many workers and its weight falls
//! to nothing with the number of sharers; a couple working from home share
//! an IP and a home address, and count as a household.

use crate::{Signal, Subject, Weights, different_people, list, rarity};
use unmask_graph::{IdentId, IdentKind, IdentityGraph, Node, PersonaId, Role};
use unmask_resolve::Actors;

/// A worker must use the IP this often for it to be theirs, not a hotel's.
const MIN_EVENTS: u32 = 3;

pub fn detect(
    g: &IdentityGraph,
    actors: &Actors,
    intel: &unmask_refdata::Intel,
    w: &Weights,
    out: &mut Vec<Signal>,
) {
    for id in (0..g.idents.len() as u32).map(IdentId) {
        if g.ident_kind(id) != IdentKind::Ip {
            continue;
        }
        // The company's own VPN egress, when the user allow-lists it.
        if g.ident_text(id)
            .parse()
            .is_ok_and(|ip| intel.lists.allowed_ip(ip))
        {
            continue;
        }
        let mut users: Vec<(PersonaId, u32)> = g
            .edges_into(id)
            .filter(|e| e.role == Role::LoginIp && e.count >= MIN_EVENTS)
            .filter_map(|e| match e.from {
                Node::External(_) => g.persona_of(e.from).map(|p| (p, e.count)),
                _ => None,
            })
            .collect();
        users.sort();
        users.dedup_by_key(|u| u.0);
        if users.len() < 2 {
            continue;
        }
        let weight = rarity(w, w.shared_login_ip, users.len());
        if weight <= 0.05 {
            continue;
        }
        for &(u, n) in &users {
            let others: Vec<(PersonaId, u32)> = users
                .iter()
                .copied()
                .filter(|&(o, _)| {
                    o != u
                        && actors.unit[o.ix()] != actors.unit[u.ix()]
                        && different_people(g, u, o)
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            let household = others.iter().all(
                |&(o, _)| matches!((g.home_of(u), g.home_of(o)), (Some(a), Some(b)) if a == b),
            );
            let weight = if household {
                weight * w.household
            } else {
                weight
            };
            let names: Vec<String> = others
                .iter()
                .map(|&(o, c)| format!("{} ×{c}", g.persona_display(o)))
                .collect();
            let mut evidence = format!(
                "{} signed in {n} times from {}, as did {}",
                g.personas[u.ix()].record_id,
                g.ident_text(id),
                list(&names)
            );
            if household {
                evidence
                    .push_str("; they give the same home address, so this counts as a household");
            }
            let cites = others
                .iter()
                .map(|&(o, _)| g.personas[o.ix()].record_id.clone())
                .collect();
            out.push(Signal {
                id: "shared_login_ip",
                subject: Subject::Persona(u),
                weight,
                evidence,
                cites,
                fact: format!("login_ip:{}", id.0),
            });
        }
    }
}
