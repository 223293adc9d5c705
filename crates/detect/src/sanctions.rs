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
use unmask_graph::{IdentId, IdentKind, IdentityGraph, PersonaId, Role};
use unmask_sanctions::screen::REVIEW_AT;
use unmask_sanctions::{EntityKind, IdKind, Index, Query};

pub fn detect(g: &IdentityGraph, lists: Option<&Index>, w: &Weights, out: &mut Vec<Signal>) {
    let Some(ix) = lists else { return };
    identifiers(g, ix, w, out);
    names(g, ix, w, out);
    references(g, ix, w, out);
    holders(g, ix, w, out);
}

/// Entries giving this e-mail or phone.
fn contact_holders<'a>(g: &IdentityGraph, ix: &'a Index, id: IdentId) -> (&'static str, &'a [u32]) {
    let text = g.ident_text(id);
    match g.ident_kind(id) {
        IdentKind::Email => ("e-mail", ix.holders(IdKind::Email, text)),
        IdentKind::Phone => ("phone", ix.holders(IdKind::Phone, text)),
        _ => ("", &[]),
    }
}

/// A name screened as a person's, without a date of birth.
fn name_match(ix: &Index, name: &str) -> Option<unmask_sanctions::Match> {
    let q = Query {
        name: name.to_string(),
        kind: Some(EntityKind::Individual),
        ..Default::default()
    };
    ix.screen(&q, REVIEW_AT, 1).into_iter().next()
}

fn references(g: &IdentityGraph, ix: &Index, w: &Weights, out: &mut Vec<Signal>) {
    for (r_ix, r) in g.references.iter().enumerate() {
        let giver = &g.personas[r.of.ix()].record_id;
        let who = r.name.as_ref().map_or("a reference".to_string(), |n| {
            format!("reference {:?}", n.display)
        });
        for id in [r.email, r.phone].into_iter().flatten() {
            let (what, holders) = contact_holders(g, ix, id);
            if let Some(&first) = holders.first() {
                out.push(Signal {
                    id: "sanctions_identifier_hit",
                    subject: Subject::Persona(r.of),
                    weight: w.sanctions_identifier,
                    evidence: format!(
                        "{giver} gives {who} at {what} {}, which the sanctions list gives for {}",
                        g.ident_text(id),
                        describe(ix, first)
                    ),
                    cites: vec![],
                    fact: format!("sanctions_id:{}:{}", r.of.0, id.0),
                });
            }
        }
        let Some(name) = &r.name else { continue };
        if let Some(m) = name_match(ix, &name.display) {
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
                fact: format!("sanctions_name_ref:{r_ix}"),
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
        if let Some(m) = name_match(ix, &holder.display) {
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
                fact: format!("sanctions_name_holder:{}:{}", pay.worker.0, holder.key),
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
            if !matches!(e.role, Role::Own | Role::Payout) {
                continue;
            }
            let Some(p) = g.persona_of(e.from) else {
                continue;
            };
            out.push(Signal {
                id: "sanctions_identifier_hit",
                subject: Subject::Persona(p),
                weight: w.sanctions_identifier,
                evidence: format!(
                    "{} uses {what} {text}, which the sanctions list gives for {}",
                    g.personas[p.ix()].record_id,
                    describe(ix, first)
                ),
                cites: vec![],
                fact: format!("sanctions_id:{}:{}", p.0, id.0),
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
    let q = Query {
        name: name.display.clone(),
        date_of_birth: me.date_of_birth.map(|d| d.to_string()),
        kind: Some(EntityKind::Individual),
        ..Default::default()
    };
    let m = ix.screen(&q, REVIEW_AT, 1).into_iter().next()?;
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
        fact: format!("sanctions_name:{}", p.0),
    })
}
