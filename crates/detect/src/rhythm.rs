//! Working rhythm: a worker whose sign-ins make a working day in a zone
//! far east of the one claimed — UTC+7 to +10 (China, the Koreas,
//! Russia's Far East) for someone claiming Europe or the Americas.
//!
//! Sign-in hours (UTC) are counted per login as events stream in. For each
//! whole-hour offset from UTC−12 to +14, the share of sign-ins falling in a
//! local working day ([`DAY_START`]–[`DAY_END`]) says how well that offset
//! fits; the best-fitting offsets are compared with the claimed zone's
//! (with its daylight saving, at the middle of the activity). The weight
//! grows with the number of days observed, up to [`FULL_DAYS`].
//!
//! An honest night owl in New York (18:00–02:00 local) has the same shape
//! as a working day at UTC+9; that is why this signal is weak alone.

use crate::{Signal, Subject, Weights};
use unmask_graph::{IdentityGraph, PersonaId, PersonaKind};
use unmask_model::Timestamp;
use unmask_normalise::zone;

/// A local working day: from this hour, inclusive …
pub const DAY_START: i32 = 8;
/// … to this hour, exclusive.
pub const DAY_END: i32 = 19;
/// Offsets (hours east of UTC) where the scheme's operators live.
pub const EAST: std::ops::RangeInclusive<i32> = 7..=10;
/// Fewer sign-ins or days than this say nothing about a rhythm.
pub const MIN_EVENTS: u64 = 10;
pub const MIN_DAYS: u32 = 3;
/// Days observed for the full weight.
pub const FULL_DAYS: f64 = 10.0;
/// The best offsets must hold this share of sign-ins in their working day …
pub const FITS: f64 = 0.75;
/// … and the claimed zone at most this share.
pub const CLAIMED_AT_MOST: f64 = 0.5;

/// Share of sign-ins in the local working day at each offset −12..=+14.
pub fn fit_by_offset(hours_utc: &[u32; 24]) -> Vec<(i32, f64)> {
    let total: u32 = hours_utc.iter().sum();
    (-12..=14)
        .map(|off| {
            let inside: u32 = (0..24i32)
                .filter(|&h| {
                    let local = (h + off).rem_euclid(24);
                    (DAY_START..DAY_END).contains(&local)
                })
                .map(|h| hours_utc[h as usize])
                .sum();
            (off, inside as f64 / total.max(1) as f64)
        })
        .collect()
}

pub fn detect(g: &IdentityGraph, w: &Weights, out: &mut Vec<Signal>) {
    // A company has a few dozen zones and many workers in each.
    let mut zones: rustc_hash::FxHashMap<&str, _> = Default::default();
    for (i, p) in g.personas.iter().enumerate() {
        if p.kind != PersonaKind::Worker {
            continue;
        }
        let Some(tz_name) = p.claimed_timezone.as_deref() else {
            continue;
        };
        let Some(tz) = zones
            .entry(tz_name)
            .or_insert_with(|| zone::zone(tz_name))
            .clone()
        else {
            continue;
        };
        let me = PersonaId(i as u32);
        let (mut hours, mut events, mut days) = ([0u32; 24], 0u64, 0u32);
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for &x in g.logins_of(me) {
            let a = &g.activity[x.ix()];
            for (h, n) in hours.iter_mut().zip(a.hours_utc) {
                *h += n;
            }
            events += a.events;
            days += a.days;
            first = first.min(a.first.map_or(i64::MAX, |t| t.0));
            last = last.max(a.last.map_or(i64::MIN, |t| t.0));
        }
        if events < MIN_EVENTS || days < MIN_DAYS {
            continue;
        }
        let claimed_min = zone::offset_minutes(&tz, Timestamp(first / 2 + last / 2));
        let claimed = (claimed_min as f64 / 60.0).round() as i32;
        let fits = fit_by_offset(&hours);
        let claimed_fit = fits.iter().find(|f| f.0 == claimed).map_or(0.0, |f| f.1);
        let best_fit = fits.iter().map(|f| f.1).fold(0.0, f64::max);
        let best: Vec<i32> = fits
            .iter()
            .filter(|f| f.1 >= best_fit - 0.02)
            .map(|f| f.0)
            .collect();
        if best_fit < FITS
            || claimed_fit > CLAIMED_AT_MOST
            || !best.iter().any(|o| EAST.contains(o))
            || best.iter().any(|o| (o - claimed).abs() < 4)
        {
            continue;
        }
        let confidence = (days as f64 / FULL_DAYS).min(1.0);
        let range = match (best.first(), best.last()) {
            (Some(a), Some(b)) if a != b => format!("UTC{a:+}…{b:+}"),
            (Some(a), _) => format!("UTC{a:+}"),
            _ => unreachable!("best holds the best-fitting offset"),
        };
        out.push(Signal {
            id: "working_hours_elsewhere",
            subject: Subject::Persona(me),
            weight: w.working_hours_elsewhere * confidence,
            evidence: format!(
                "{events} sign-ins over {days} days: {:.0}% fall in a {DAY_START:02}–{DAY_END:02} working day at {range}, {:.0}% in the claimed zone {tz_name} (UTC{claimed:+})",
                best_fit * 100.0,
                claimed_fit * 100.0
            ),
            cites: g
                .logins_of(me)
                .iter()
                .map(|&x| g.externals.text(x.0).to_string())
                .collect(),
            fact: format!("rhythm:{}", p.record_id),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shanghai_day_fits_utc_plus_8_and_not_london() {
        // 08:00–17:59 in Shanghai is 00:00–09:59 UTC.
        let mut h = [0u32; 24];
        for x in h.iter_mut().take(10) {
            *x = 5;
        }
        let fits = fit_by_offset(&h);
        let at = |o: i32| fits.iter().find(|f| f.0 == o).unwrap().1;
        assert_eq!(at(8), 1.0);
        assert!(
            at(0) < 0.25,
            "London sees 00–10: two hours of it in the day"
        );
    }
}
