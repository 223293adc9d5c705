//! References and vouching: references who are other applicants, mutual
//! vouching, one reference used by several strangers, and "company"
//! references at free-mail addresses or VoIP numbers (by the numbering
//! plans' VoIP ranges; no public line-type data exists, so a VoIP number
//! outside such a range goes unseen).

use crate::shared::unit_members;
use crate::{Signal, Subject, Weights, different_people, list, rarity};
use rustc_hash::{FxHashMap, FxHashSet};
use unmask_graph::{IdentityGraph, PersonaId, Role};
use unmask_normalise::{email, phone};
use unmask_resolve::{Actors, MAX_SHARED};

pub fn detect(g: &IdentityGraph, actors: &Actors, w: &Weights, out: &mut Vec<Signal>) {
    let unit = |p: PersonaId| actors.unit[p.ix()];
    let record = |p: PersonaId| g.personas[p.ix()].record_id.as_str();
    let mut name_owners: FxHashMap<&str, Vec<PersonaId>> = FxHashMap::default();
    for (i, p) in g.personas.iter().enumerate() {
        if let Some(n) = &p.name {
            name_owners
                .entry(n.key.as_str())
                .or_default()
                .push(unit(PersonaId(i as u32)));
        }
    }
    for v in name_owners.values_mut() {
        v.sort();
        v.dedup();
    }
    // giver unit → units it vouches for
    let mut vouches: FxHashSet<(PersonaId, PersonaId)> = FxHashSet::default();
    let emit = |out: &mut Vec<Signal>,
                giver: PersonaId,
                id: &'static str,
                weight: f64,
                evidence: String,
                cites: Vec<String>,
                fact: String| {
        for p in unit_members(actors, giver) {
            out.push(Signal {
                id,
                subject: Subject::Persona(p),
                weight,
                evidence: evidence.clone(),
                cites: cites.clone(),
                fact: fact.clone(),
            });
        }
    };
    for r in &g.references {
        let giver = unit(r.of);
        let rname = r
            .name
            .as_ref()
            .map_or("(no name)".to_string(), |n| n.display.clone());
        let mut by_contact = vec![];
        for contact in [r.email, r.phone]
            .into_iter()
            .flatten()
            .filter(|&c| !g.is_common(c))
        {
            let owners: Vec<PersonaId> = g
                .edges_into(contact)
                .filter(|e| e.role == Role::Own)
                .filter_map(|e| g.persona_of(e.from))
                .map(unit)
                .filter(|&o| o != giver)
                .collect();
            if !owners.is_empty() && owners.len() <= MAX_SHARED {
                for &o in &owners {
                    vouches.insert((giver, o));
                }
                let (names, cites) = crate::named(g, &owners);
                by_contact.extend(owners.iter().copied());
                emit(
                    out,
                    giver,
                    "reference_is_applicant",
                    w.reference_is_applicant,
                    format!(
                        "reference {rname} ({}) is applicant {}",
                        g.ident_text(contact),
                        list(&names)
                    ),
                    cites,
                    format!("ref:{}:{}", record(giver), g.ident_text(contact)),
                );
            }
        }
        if by_contact.is_empty()
            && let Some(n) = &r.name
        {
            // A common name matches strangers: only a rare one counts
            // (checked before comparing, so common names cost nothing).
            if let Some(owners) = name_owners.get(n.key.as_str()).filter(|o| o.len() <= 2) {
                let owners: Vec<PersonaId> = owners
                    .iter()
                    .copied()
                    .filter(|&o| o != giver && different_people(g, giver, o))
                    .collect();
                if owners.len() == 1 {
                    for &o in &owners {
                        vouches.insert((giver, o));
                    }
                    let (names, cites) = crate::named(g, &owners);
                    emit(
                        out,
                        giver,
                        "reference_name_is_applicant",
                        w.reference_name_is_applicant,
                        format!(
                            "reference {rname} has the name of applicant {}",
                            list(&names)
                        ),
                        cites,
                        format!("refname:{}:{}", record(giver), n.key),
                    );
                }
            }
        }
        if let (Some(e), Some(_company)) = (r.email, r.company.as_deref())
            && email::is_freemail(email::domain(g.ident_text(e)))
        {
            emit(
                out,
                giver,
                "freemail_company_reference",
                w.freemail_company_reference,
                format!(
                    "reference {rname} for {} uses free-mail address {}",
                    r.company.as_deref().unwrap_or(""),
                    g.ident_text(e)
                ),
                vec![],
                format!("freemail:{}:{}", record(giver), g.ident_text(e)),
            );
        }
        if let (Some(ph), Some(company)) = (r.phone, r.company.as_deref())
            && phone::is_voip(g.ident_text(ph))
        {
            emit(
                out,
                giver,
                "voip_company_reference",
                w.voip_company_reference,
                format!(
                    "reference {rname} for {company} gives {}, a number in a range set aside for VoIP",
                    g.ident_text(ph)
                ),
                vec![],
                format!("voip:{}:{}", record(giver), g.ident_text(ph)),
            );
        }
    }
    let mut mutual: Vec<(PersonaId, PersonaId)> = vouches
        .iter()
        .copied()
        .filter(|&(a, b)| a < b && vouches.contains(&(b, a)))
        .collect();
    mutual.sort();
    for (a, b) in mutual {
        for (x, y) in [(a, b), (b, a)] {
            emit(
                out,
                x,
                "mutual_vouching",
                w.mutual_vouching,
                format!(
                    "{} and {} give each other as references",
                    g.persona_display(x),
                    g.persona_display(y)
                ),
                vec![g.personas[y.ix()].record_id.clone()],
                format!("mutual:{}:{}", record(a), record(b)),
            );
        }
    }
    // One reference contact given by several people with different names.
    let mut given_by: FxHashMap<unmask_graph::IdentId, Vec<PersonaId>> = FxHashMap::default();
    for r in &g.references {
        for c in [r.email, r.phone]
            .into_iter()
            .flatten()
            .filter(|&c| !g.is_common(c))
        {
            given_by.entry(c).or_default().push(unit(r.of));
        }
    }
    let mut contacts: Vec<_> = given_by.into_iter().collect();
    contacts.sort_by_key(|(c, _)| *c);
    for (contact, mut givers) in contacts {
        givers.sort();
        givers.dedup();
        if givers.len() < 2 {
            continue;
        }
        let weight = rarity(w, w.shared_reference, givers.len());
        if weight <= 0.05 {
            continue;
        }
        for &u in &givers {
            let others = crate::others(g, u, &givers);
            if others.is_empty() {
                continue;
            }
            let (names, cites) = crate::named(g, &others);
            emit(
                out,
                u,
                "shared_reference",
                weight,
                format!(
                    "reference contact {} is also given by {}",
                    g.ident_text(contact),
                    list(&names)
                ),
                cites,
                format!("shared_ref:{}", g.ident_text(contact)),
            );
        }
    }
}
