//! Payroll: where a worker's pay goes. The scheme's wages flow to accounts
//! that are not the worker's own: held by someone else or a payments
//! company, in another country than the one the worker claims, switched
//! soon after the start date, or in crypto. (A payout account shared with
//! other workers or applicants is persona multiplicity, in `shared`.)
//!
//! Each is weak alone: an honest worker may be paid through a spouse's
//! account, a relocating one through the old country's bank.

use crate::{Signal, Subject, Weights, claimed_country};
use unmask_graph::{IdentityGraph, PayrollEntry};

/// A pay destination switched within this many days of starting.
pub const CHANGED_WITHIN_DAYS: i32 = 60;

pub fn detect(g: &IdentityGraph, w: &Weights, out: &mut Vec<Signal>) {
    let mut by_worker: Vec<Vec<&PayrollEntry>> = vec![vec![]; g.personas.len()];
    for e in &g.payroll {
        by_worker[e.worker.ix()].push(e);
    }
    for (i, entries) in by_worker.iter_mut().enumerate() {
        if entries.is_empty() {
            continue;
        }
        entries.sort_by_key(|e| e.effective);
        let worker = unmask_graph::PersonaId(i as u32);
        let p = &g.personas[i];
        let id = &p.record_id;
        let claimed_country = claimed_country(g, worker);
        let mut push = |sig: &'static str, weight: f64, evidence: String, key: String| {
            out.push(Signal {
                id: sig,
                subject: Subject::Persona(worker),
                weight,
                evidence,
                cites: vec![id.clone()],
                fact: format!("{sig}:{id}:{key}"),
            })
        };
        for e in entries.iter() {
            let account = e.account.map_or("(no account)", |a| g.ident_text(a));
            // Names are compared for equality of their keys only.
            if let (Some(holder), Some(name)) = (&e.holder, &p.name)
                && holder.key != name.key
            {
                push(
                    "payout_holder_mismatch",
                    w.payout_holder_mismatch,
                    format!(
                        "pay from {} goes to {account}, held by {}, not {}",
                        e.effective, holder.display, name.display
                    ),
                    account.to_string(),
                );
            }
            if let (Some(bank), Some(claimed)) = (&e.bank_country, claimed_country)
                && !bank.eq_ignore_ascii_case(claimed)
            {
                push(
                    "pay_country_mismatch",
                    w.pay_country_mismatch,
                    format!(
                        "pay from {} goes to a bank in {}, the worker claims {}",
                        e.effective,
                        bank.to_uppercase(),
                        claimed.to_uppercase()
                    ),
                    account.to_string(),
                );
            }
            let crypto = e
                .method
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case("crypto"));
            if crypto {
                push(
                    "crypto_payout",
                    w.crypto_payout,
                    format!("pay from {} goes to crypto wallet {account}", e.effective),
                    account.to_string(),
                );
            }
        }
        if let (Some(start), [first, .., latest]) = (p.at.map(|t| t.day()), entries.as_slice())
            && first.account != latest.account
        {
            let switched: Vec<&&PayrollEntry> = entries
                .iter()
                .skip(1)
                .filter(|e| e.effective.0 - start.0 <= CHANGED_WITHIN_DAYS)
                .filter(|e| e.account != first.account)
                .collect();
            if let Some(s) = switched.first() {
                push(
                    "payout_changed_soon",
                    w.payout_changed_soon,
                    format!(
                        "started {start}; pay switched to {} on {}, {} days in",
                        s.account.map_or("(no account)", |a| g.ident_text(a)),
                        s.effective,
                        s.effective.0 - start.0
                    ),
                    String::new(),
                );
            }
        }
    }
}
