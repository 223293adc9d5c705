//! Instants and calendar days as the contract writes them.
//!
//! Parsing is hand-written because it sits on the hot path of event ingest
//! (hundreds of thousands of Okta timestamps a second); time-zone questions
//! (what hour was it in Lyon?) belong to `unmask-normalise`, which has the
//! IANA database.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

/// An instant, in milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A calendar day, in days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Timestamp {
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
    pub fn day(self) -> Day {
        Day(self.0.div_euclid(86_400_000) as i32)
    }
    /// Hour of the day in UTC, 0..24.
    pub fn utc_hour(self) -> u8 {
        (self.0.div_euclid(3_600_000).rem_euclid(24)) as u8
    }

    /// Parses RFC 3339 (`2026-03-02T14:11:09Z`, fractional seconds and
    /// numeric offsets allowed, space for `T` tolerated) or an epoch number
    /// written as text. Epoch values are read as seconds, milliseconds or
    /// microseconds by magnitude, the way log exports mix them.
    pub fn parse(s: &str) -> Result<Timestamp, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty timestamp".into());
        }
        if s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && !s[1..].contains('-')
        {
            let v: f64 = s.parse().map_err(|_| format!("not a timestamp: {s:?}"))?;
            return Timestamp::from_epoch(v).ok_or_else(|| format!("epoch out of range: {s}"));
        }
        parse_rfc3339(s.as_bytes()).ok_or_else(|| format!("not an RFC 3339 timestamp: {s:?}"))
    }

    pub fn from_epoch(v: f64) -> Option<Timestamp> {
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        // Seconds until year 5138, milliseconds until then, else microseconds.
        let ms = if v < 1e11 {
            v * 1000.0
        } else if v < 1e14 {
            v
        } else if v < 1e17 {
            v / 1000.0
        } else {
            return None;
        };
        Some(Timestamp(ms as i64))
    }

    pub fn from_civil(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
        let days = days_from_civil(y, mo, d) as i64;
        Timestamp(((days * 24 + h as i64) * 60 + mi as i64) * 60_000 + s as i64 * 1000)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with second precision (milliseconds when present).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.rem_euclid(1000);
        let secs = self.0.div_euclid(1000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400) as i32);
        let sod = secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if ms != 0 {
            write!(f, ".{ms:03}")?;
        }
        f.write_str("Z")
    }
}

impl Day {
    /// Parses `YYYY-MM-DD`, or the date part of an RFC 3339 timestamp.
    pub fn parse(s: &str) -> Result<Day, String> {
        let b = s.trim().as_bytes();
        if b.len() >= 10
            && let Some((y, m, d)) = parse_date(&b[..10])
        {
            if b.len() == 10 {
                return Ok(Day(days_from_civil(y, m, d)));
            }
            if let Ok(t) = Timestamp::parse(s) {
                return Ok(t.day());
            }
        }
        Err(format!("not a date (YYYY-MM-DD): {:?}", s.trim()))
    }
    pub fn start(self) -> Timestamp {
        Timestamp(self.0 as i64 * 86_400_000)
    }
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

fn parse_date(b: &[u8]) -> Option<(i32, u32, u32)> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y as i32, m) {
        return None;
    }
    Some((y as i32, m, d))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn parse_rfc3339(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 19 {
        return None;
    }
    let (y, mo, d) = parse_date(&b[..10])?;
    if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                ms = ms * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            ms *= 10;
        }
    }
    let offset_min: i64 = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let oh = digits(&b[i + 1..i + 3])? as i64;
            let om = digits(&b[i + 4..i + 6])? as i64;
            let o = oh * 60 + om;
            if sign == b'-' { -o } else { o }
        }
        // Tolerate a missing zone: exports from spreadsheets drop it; UTC is
        // the only reading that does not invent an offset.
        None => 0,
        _ => return None,
    };
    let t = Timestamp::from_civil(y, mo, d, h, mi, s.min(59));
    Some(Timestamp(t.0 + ms - offset_min * 60_000))
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe as u32 * 365 + yoe as u32 / 4 - yoe as u32 / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct TsVisitor;
impl de::Visitor<'_> for TsVisitor {
    type Value = Timestamp;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp or epoch number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        Timestamp::from_epoch(v as f64).ok_or_else(|| E::custom("epoch out of range"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Timestamp::from_epoch(v as f64).ok_or_else(|| E::custom("epoch out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        Timestamp::from_epoch(v).ok_or_else(|| E::custom("epoch out of range"))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TsVisitor)
    }
}
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Day::parse(&s).map_err(de::Error::custom)
    }
}
impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_forms_agree() {
        let z = Timestamp::parse("2026-03-02T14:11:09Z").unwrap();
        assert_eq!(z.to_string(), "2026-03-02T14:11:09Z");
        assert_eq!(Timestamp::parse("2026-03-02T15:11:09+01:00").unwrap(), z);
        assert_eq!(Timestamp::parse("2026-03-02 09:11:09-05:00").unwrap(), z);
        let ms = Timestamp::parse("2026-03-02T14:11:09.25Z").unwrap();
        assert_eq!(ms.0 - z.0, 250);
        assert_eq!(
            Timestamp::parse("2026-03-02T14:11:09.123456Z").unwrap().0 - z.0,
            123
        );
    }

    #[test]
    fn epochs_by_magnitude() {
        let z = Timestamp::parse("2026-11-23T20:31:07Z").unwrap();
        assert_eq!(Timestamp::parse("1795465867").unwrap(), z);
        assert_eq!(Timestamp::parse("1795465867000").unwrap(), z);
        assert_eq!(Timestamp::from_epoch(1_795_465_867_000_000.0).unwrap(), z);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "yesterday",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-03-02T25:00:00Z",
            "2026-03-02T14:11:09+0100x",
            "-5",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(Day::parse("2026-02-29").is_err());
        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 19_000, 20_500, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
