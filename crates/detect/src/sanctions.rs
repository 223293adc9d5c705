//! Sanctions screening of every persona, the references it gives and the
//! holders of its payout accounts: an e-mail, phone or payout wallet that a
//! list gives for a designee (`sanctions_identifier_hit`, strong), and a
//! name that matches a designee's at the review level
//! (`sanctions_name_review`, weak: common Korean names match some designee
//! by name, so a name alone only ever asks for a look). A reference's or
//! holder's match is the persona's signal, its evidence saying whose name
//! or contact it was.
//!
//! A persona's claimed country is where it says it lives, not a
//! nationality, so it is not passed to the matcher; its date of birth is,
//! and a different listed one takes a name match below review.

use crate::{Signal, Subject, Weights};
use unmask_graph::{IdentId, IdentKind, IdentityGraph, Node, PersonaId, Role};
use unmask_sanctions::screen::REVIEW_AT;
use unmask_sanctions::{EntityKind, IdKind, Index, Query};

pub fn detect(g: &IdentityGraph, lists: Option<&Index>, w: &Weights, out: &mut Vec<Signal>) {
    let Some(ix) = lists else { return };
    identifiers(g, ix, w, out);
    names(g, ix, w, out);
    references(g, ix, w, out);
    holders(g, ix, w, out);
}

/// The best match at review level for a person's name (and date of birth,
/// when known).
fn name_match(
    ix: &Index,
    name: &str,
    date_of_birth: Option<String>,
) -> Option<unmask_sanctions::Match> {
    let q = Query {
        name: name.to_string(),
        date_of_birth,
        kind: Some(EntityKind::Individual),
        ..Default::default()
    };
    ix.screen(&q, REVIEW_AT, 1).into_iter().next()
}

fn references(g: &IdentityGraph, ix: &Index, w: &Weights, out: &mut Vec<Signal>) {
    for r in &g.references {
        let Some(name) = &r.name else { continue };
        let giver = &g.personas[r.of.ix()].record_id;
        let who = format!("reference {:?}", name.display);
        if let Some(m) = name_match(ix, &name.display, None) {
            out.push(Signal {
                id: "sanctions_name_review",
                subject: Subject::Persona(r.of),
                weight: w.sanctions_name_review,
                evidence: format!(
                    "{giver}'s {who} matches {} at {:.2} ({}): for review, not proof",
                    describe(ix, m.entity as u32),
                    m.score,
                    m.reasons.join("; ")
                ),
                cites: vec![],
                fact: format!("sanctions_name_ref:{giver}:{}", name.key),
            });
        }
    }
}

/// Payout account holders named other than the worker.
fn holders(g: &IdentityGraph, ix: &Index, w: &Weights, out: &mut Vec<Signal>) {
    let mut seen: Vec<(PersonaId, &str)> = vec![];
    for pay in &g.payroll {
        let Some(holder) = &pay.holder else { continue };
        let worker = &g.personas[pay.worker.ix()];
        if worker.name.as_ref().is_some_and(|n| n.key == holder.key)
            || seen.contains(&(pay.worker, holder.key.as_str()))
        {
            continue;
        }
        seen.push((pay.worker, holder.key.as_str()));
        if let Some(m) = name_match(ix, &holder.display, None) {
            out.push(Signal {
                id: "sanctions_name_review",
                subject: Subject::Persona(pay.worker),
                weight: w.sanctions_name_review,
                evidence: format!(
                    "{} is paid into an account held by {:?}, who matches {} at {:.2} ({}): for review, not proof",
                    worker.record_id,
                    holder.display,
                    describe(ix, m.entity as u32),
                    m.score,
                    m.reasons.join("; ")
                ),
                cites: vec![],
                fact: format!("sanctions_name_holder:{}:{}", g.personas[pay.worker.ix()].record_id, holder.key),
            });
        }
    }
}

fn describe(ix: &Index, e: u32) -> String {
    let e = &ix.entities[e as usize];
    format!("{} ({}, {})", e.names[0].text, e.id, e.programs.join(", "))
}

fn identifiers(g: &IdentityGraph, ix: &Index, w: &Weights, out: &mut Vec<Signal>) {
    for id in (0..g.idents.len() as u32).map(IdentId) {
        let text = g.ident_text(id);
        let (what, holders) = match g.ident_kind(id) {
            IdentKind::Email => ("e-mail", ix.holders(IdKind::Email, text)),
            IdentKind::Phone => ("phone", ix.holders(IdKind::Phone, text)),
            IdentKind::Payment => match text.split_once(':') {
                Some(("crypto", addr)) => ("wallet", ix.holders_of_address(addr)),
                Some(("email", e)) => ("payout e-mail", ix.holders(IdKind::Email, e)),
                _ => continue,
            },
            _ => continue,
        };
        let Some(&first) = holders.first() else {
            continue;
        };
        for e in g.edges_into(id) {
            // The persona's own, or a contact it gives for a reference.
            let (p, uses) = match (e.role, e.from) {
                (Role::Own | Role::Payout, from) => match g.persona_of(from) {
                    Some(p) => (p, "uses".to_string()),
                    None => continue,
                },
                (Role::Contact, Node::Reference(r)) => {
                    let r = &g.references[r.ix()];
                    let who = r.name.as_ref().map_or("a reference".to_string(), |n| {
                        format!("reference {:?}", n.display)
                    });
                    (r.of, format!("gives {who} at"))
                }
                _ => continue,
            };
            out.push(Signal {
                id: "sanctions_identifier_hit",
                subject: Subject::Persona(p),
                weight: w.sanctions_identifier,
                evidence: format!(
                    "{} {uses} {what} {text}, which the sanctions list gives for {}",
                    g.personas[p.ix()].record_id,
                    describe(ix, first)
                ),
                cites: vec![],
                fact: format!(
                    "sanctions_id:{}:{}",
                    g.personas[p.ix()].record_id,
                    g.ident_text(id)
                ),
            });
        }
    }
}

fn names(g: &IdentityGraph, ix: &Index, w: &Weights, out: &mut Vec<Signal>) {
    // Each persona on its own against a shared read-only index.
    out.extend(crate::in_parts(g.personas.len(), |part| {
        part.filter_map(|i| name_review(g, ix, w, PersonaId(i as u32)))
            .collect()
    }));
}

fn name_review(g: &IdentityGraph, ix: &Index, w: &Weights, p: PersonaId) -> Option<Signal> {
    let me = &g.personas[p.ix()];
    let name = me.name.as_ref()?;
    let m = name_match(ix, &name.display, me.date_of_birth.map(|d| d.to_string()))?;
    Some(Signal {
        id: "sanctions_name_review",
        subject: Subject::Persona(p),
        weight: w.sanctions_name_review,
        evidence: format!(
            "{}'s name {:?} matches {} at {:.2} ({}): for review, not proof",
            me.record_id,
            name.display,
            describe(ix, m.entity as u32),
            m.score,
            m.reasons.join("; ")
        ),
        cites: vec![],
        fact: format!("sanctions_name:{}", g.personas[p.ix()].record_id),
    })
}
