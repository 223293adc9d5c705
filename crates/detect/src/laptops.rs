//! Facilitators and laptop farms: a laptop shipped somewhere other than
//! its worker's home, to an address that receives laptops (or shipment
//! requests) for several people who do not live there.

use crate::{Signal, Subject, Weights, list};
use rustc_hash::FxHashMap;
use unmask_graph::{AssetId, IdentId, IdentityGraph, Node, PersonaId, Role};

/// Whether `addr` is the persona's own home: the same key, or — when the
/// persona gave only a city — the same locality.
fn lives_at(g: &IdentityGraph, p: PersonaId, addr: IdentId) -> Option<bool> {
    if let Some(home) = g.home_of(p) {
        return Some(home == addr);
    }
    let claimed = crate::claimed_locality(g, p)?;
    Some(
        g.addresses
            .get(&addr)
            .is_some_and(|a| a.locality == claimed),
    )
}

pub fn detect(g: &IdentityGraph, w: &Weights, out: &mut Vec<Signal>) {
    // address → (assets shipped there for non-residents, applicants asking for shipment there)
    let mut non_residents: FxHashMap<IdentId, (Vec<AssetId>, Vec<PersonaId>)> =
        FxHashMap::default();
    for (i, a) in g.assets.iter().enumerate() {
        let asset = AssetId(i as u32);
        let (Some(to), Some(worker)) = (a.shipped_to, a.assigned_to) else {
            continue;
        };
        if lives_at(g, worker, to) == Some(false) {
            non_residents.entry(to).or_default().0.push(asset);
            let home = g
                .home_of(worker)
                .and_then(|h| g.addresses.get(&h))
                .map_or_else(
                    || {
                        g.personas[worker.ix()]
                            .locality
                            .clone()
                            .unwrap_or_else(|| "no address".into())
                    },
                    |h| h.display.clone(),
                );
            out.push(Signal {
                id: "shipped_elsewhere",
                subject: Subject::Asset(asset),
                weight: w.shipped_elsewhere,
                evidence: format!(
                    "{} was shipped to {}, but its worker {} gives {}",
                    a.record_id,
                    g.addresses[&to].display,
                    g.persona_display(worker),
                    home
                ),
                cites: vec![g.personas[worker.ix()].record_id.clone()],
                fact: format!("shipped:{}", a.record_id),
            });
        }
    }
    for (i, p) in g.personas.iter().enumerate() {
        let pid = PersonaId(i as u32);
        for e in g
            .edges_from(Node::Persona(pid))
            .filter(|e| e.role == Role::ShipTo)
        {
            if lives_at(g, pid, e.to) == Some(false) {
                non_residents.entry(e.to).or_default().1.push(pid);
                out.push(Signal {
                    id: "asks_to_ship_elsewhere",
                    subject: Subject::Persona(pid),
                    weight: w.asks_to_ship_elsewhere,
                    evidence: format!(
                        "{} asks for equipment at {}, not at the home it gives",
                        p.record_id, g.addresses[&e.to].display
                    ),
                    cites: vec![],
                    fact: format!("ship_request:{}:{}", p.record_id, g.ident_text(e.to)),
                });
            }
        }
    }
    let mut addrs: Vec<_> = non_residents.into_iter().collect();
    addrs.sort_by_key(|(a, _)| *a);
    for (addr, (assets, applicants)) in addrs {
        let mut people: Vec<PersonaId> = assets
            .iter()
            .filter_map(|a| g.assets[a.ix()].assigned_to)
            .chain(applicants.iter().copied())
            .collect();
        people.sort();
        people.dedup();
        if people.len() < 2 {
            continue;
        }
        let weight = w.farm_address + (people.len() as f64 - 1.0).ln();
        let asset_ids: Vec<String> = assets
            .iter()
            .map(|a| g.assets[a.ix()].record_id.clone())
            .collect();
        let names: Vec<String> = people.iter().map(|&p| g.persona_display(p)).collect();
        let evidence = format!(
            "{} receives {} laptop(s) ({}) and shipment requests for {} people who do not live there: {}",
            g.addresses[&addr].display,
            assets.len(),
            list(&asset_ids),
            people.len(),
            list(&names)
        );
        let mut cites = asset_ids.clone();
        cites.extend(people.iter().map(|&p| g.personas[p.ix()].record_id.clone()));
        // One fact, seen from the address, its laptops and the people.
        let subjects = std::iter::once(Subject::Address(addr))
            .chain(assets.iter().map(|&a| Subject::Asset(a)))
            .chain(people.iter().map(|&p| Subject::Persona(p)));
        for subject in subjects {
            out.push(Signal {
                id: "farm_address",
                subject,
                weight,
                evidence: evidence.clone(),
                cites: cites.clone(),
                fact: format!("farm:{}", g.ident_text(addr)),
            });
        }
    }
}
