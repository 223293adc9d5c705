//! Persona multiplicity: the same e-mail, phone, payment account, device,
//! photo, résumé or application IP behind different names.

use crate::{Signal, Subject, Weights, list, rarity};
use unmask_graph::{IdentId, IdentKind, IdentityGraph, PersonaId, Role};
use unmask_resolve::Actors;

fn signal_for(w: &Weights, kind: IdentKind, role: Role) -> Option<(&'static str, f64)> {
    Some(match (kind, role) {
        (IdentKind::Email, Role::Own) => ("shared_email", w.shared_email),
        (IdentKind::Phone, Role::Own) => ("shared_phone", w.shared_phone),
        (IdentKind::Payment, Role::Own | Role::Payout) => {
            ("shared_payment_account", w.shared_payment)
        }
        (IdentKind::Device, Role::Own) => ("shared_device_fingerprint", w.shared_device),
        (IdentKind::Photo, Role::Own) => ("shared_photo", w.shared_photo),
        (IdentKind::Resume, Role::Own) => ("shared_resume", w.shared_resume),
        (IdentKind::Ip, Role::ApplyIp) => ("shared_application_ip", w.shared_apply_ip),
        _ => return None,
    })
}

/// Units (a worker and its application count once) holding an identifier
/// in a role that makes it theirs.
fn holders(
    g: &IdentityGraph,
    actors: &Actors,
    id: IdentId,
    role_ok: impl Fn(Role) -> bool,
) -> Vec<PersonaId> {
    let mut units: Vec<PersonaId> = g
        .edges_into(id)
        .filter(|e| role_ok(e.role))
        .filter_map(|e| g.persona_of(e.from))
        .map(|p| actors.unit[p.ix()])
        .collect();
    units.sort();
    units.dedup();
    units
}

fn same_home(g: &IdentityGraph, a: PersonaId, b: PersonaId) -> bool {
    matches!((g.home_of(a), g.home_of(b)), (Some(x), Some(y)) if x == y)
}

/// Every persona of a unit: the application and the workers hired on it.
pub fn unit_members(actors: &Actors, unit: PersonaId) -> Vec<PersonaId> {
    let a = actors.of[unit.ix()];
    actors.members[a as usize]
        .iter()
        .copied()
        .filter(|p| actors.unit[p.ix()] == unit)
        .collect()
}

pub fn detect(g: &IdentityGraph, actors: &Actors, w: &Weights, out: &mut Vec<Signal>) {
    for id in (0..g.idents.len() as u32).map(IdentId) {
        if g.is_common(id) {
            continue; // weighs nothing however many hold it
        }
        let kind = g.ident_kind(id);
        let Some(role) = g
            .edges_into(id)
            .map(|e| e.role)
            .find(|&r| signal_for(w, kind, r).is_some())
        else {
            continue;
        };
        let (sig, base) = signal_for(w, kind, role).unwrap();
        let units = holders(g, actors, id, |r| signal_for(w, kind, r).is_some());
        if units.len() < 2 {
            continue;
        }
        let weight = rarity(w, base, units.len());
        if weight <= 0.05 {
            continue; // a common value: the default avatar, a popular fingerprint
        }
        let value = match kind {
            IdentKind::Resume => "text".to_string(),
            _ => g.ident_text(id).to_string(),
        };
        for &u in &units {
            let others = crate::others(g, u, &units);
            if others.is_empty() {
                continue;
            }
            let household = matches!(kind, IdentKind::Device | IdentKind::Ip)
                && others.iter().all(|&o| same_home(g, u, o));
            let weight = if household {
                weight * w.household
            } else {
                weight
            };
            let (names, cites) = crate::named(g, &others);
            let mut evidence = format!("{} {} also used by {}", kind.label(), value, list(&names));
            if units.len() > 2 {
                evidence.push_str(&format!(" ({} personas share it)", units.len()));
            }
            if household {
                evidence
                    .push_str("; they give the same home address, so this counts as a household");
            }
            for p in unit_members(actors, u) {
                out.push(Signal {
                    id: sig,
                    subject: Subject::Persona(p),
                    weight,
                    evidence: evidence.clone(),
                    cites: cites.clone(),
                    fact: format!("{sig}:{}", g.ident_text(id)),
                });
            }
        }
    }
    for &(a, b, d) in &actors.photo_pairs {
        if d == 0 {
            continue;
        }
        let ua = holders(g, actors, a, |r| r == Role::Own);
        let ub = holders(g, actors, b, |r| r == Role::Own);
        for (mine, theirs, my_hash) in [(&ua, &ub, a), (&ub, &ua, b)] {
            for &u in mine {
                let others = crate::others(g, u, theirs);
                if others.is_empty() {
                    continue;
                }
                let (names, cites) = crate::named(g, &others);
                let evidence = format!(
                    "photo {} is {d} bits from the photo of {}: a lightly altered copy",
                    g.ident_text(my_hash),
                    list(&names)
                );
                for p in unit_members(actors, u) {
                    out.push(Signal {
                        id: "similar_photo",
                        subject: Subject::Persona(p),
                        weight: w.similar_photo,
                        evidence: evidence.clone(),
                        cites: cites.clone(),
                        fact: format!("similar_photo:{}:{}", g.ident_text(a), g.ident_text(b)),
                    });
                }
            }
        }
    }
}
