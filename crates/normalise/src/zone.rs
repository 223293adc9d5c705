//! Local time in a named IANA zone, with the zone's history.
//!
//! History matters here: Asia/Pyongyang ran on UTC+8:30 from August 2015
//! to May 2018, so an hour-of-day computed with today's offset would be
//! wrong for logs from then.

use jiff::tz::TimeZone;
use unmask_model::Timestamp;

/// A named zone from the bundled IANA database.
pub fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name.trim()).ok()
}

/// The zone's offset from UTC at that instant, in minutes.
pub fn offset_minutes(tz: &TimeZone, at: Timestamp) -> i32 {
    let Ok(ts) = jiff::Timestamp::from_millisecond(at.0) else {
        return 0;
    };
    tz.to_offset(ts).seconds() / 60
}

/// Local hour of day (0–23) in the zone at that instant.
pub fn local_hour(tz: &TimeZone, at: Timestamp) -> u8 {
    let local_ms = at.0 + offset_minutes(tz, at) as i64 * 60_000;
    (local_ms.div_euclid(3_600_000).rem_euclid(24)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyongyang_half_hour_era() {
        let tz = zone("Asia/Pyongyang").unwrap();
        assert_eq!(
            offset_minutes(&tz, Timestamp::parse("2014-06-01T00:00:00Z").unwrap()),
            540
        );
        assert_eq!(
            offset_minutes(&tz, Timestamp::parse("2016-06-01T00:00:00Z").unwrap()),
            510
        );
        assert_eq!(
            offset_minutes(&tz, Timestamp::parse("2019-06-01T00:00:00Z").unwrap()),
            540
        );
    }

    #[test]
    fn daylight_saving_and_local_hours() {
        let paris = zone("Europe/Paris").unwrap();
        assert_eq!(
            local_hour(&paris, Timestamp::parse("2026-01-15T08:30:00Z").unwrap()),
            9
        );
        assert_eq!(
            local_hour(&paris, Timestamp::parse("2026-07-15T08:30:00Z").unwrap()),
            10
        );
        let ny = zone("America/New_York").unwrap();
        assert_eq!(
            local_hour(&ny, Timestamp::parse("2026-01-15T03:00:00Z").unwrap()),
            22
        );
        assert!(zone("Mars/Olympus_Mons").is_none());
    }
}
