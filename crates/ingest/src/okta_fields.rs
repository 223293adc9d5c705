//! The Okta fields unmask uses, read straight off the bytes of one event.
//!
//! An Okta System Log event is about 1.3 KB of JSON of which unmask keeps a
//! dozen short strings. Building simd-json's tape of the whole event and
//! walking it through serde was half the CPU time of a 20-million-event
//! scan; this reader walks the event once, takes the fields it needs and
//! skips the rest, still checking that what it skips is valid JSON.
//!
//! It is only an accelerator. Anything unusual — an escape in a string it
//! keeps, a repeated field, a field of another type, nesting deeper than
//! [`MAX_DEPTH`], invalid JSON anywhere — makes it give up (`None`), and
//! the event goes through the full parser, which either accepts it or
//! explains why not. So on every input it either agrees with that parser
//! or defers to it; a test holds it to that.

use crate::events::{Okta, OktaActor, OktaClient, OktaDevice, OktaGeo, OktaOutcome};
use crate::events::{OktaSecurity, OktaUserAgent};
use std::borrow::Cow;
use unmask_model::Timestamp;

/// Deeper than this, the full parser decides (serde_json's own limit is 128).
const MAX_DEPTH: u32 = 100;

/// The fields of one event, or `None`: let the full parser decide.
pub(crate) fn okta(raw: &[u8]) -> Option<Okta<'_>> {
    // Strings are handed out as `&str`, and a valid event is UTF-8 whole.
    std::str::from_utf8(raw).ok()?;
    let mut s = Scan { b: raw, i: 0 };
    let mut e = Okta::default();
    let mut seen = Seen::default();
    s.object(|s, key| {
        match key {
            b"published" => {
                seen.once(0)?;
                e.published = Some(Timestamp::parse(s.plain_str()?).ok()?);
            }
            b"actor" => {
                seen.once(1)?;
                e.actor = s.nullable(|s| {
                    let [alternate_id, kind] = s.strings([b"alternateId", b"type"], 2)?;
                    Some(OktaActor { alternate_id, kind })
                })?;
            }
            b"client" => {
                seen.once(2)?;
                e.client = s.nullable(client)?;
            }
            b"outcome" => {
                seen.once(3)?;
                e.outcome = s.nullable(|s| {
                    let [result] = s.strings([b"result"], 2)?;
                    Some(OktaOutcome { result })
                })?;
            }
            b"securityContext" => {
                seen.once(4)?;
                e.security_context = s.nullable(|s| {
                    let mut c = OktaSecurity::default();
                    let mut seen = Seen::default();
                    s.object(|s, key| {
                        match key {
                            b"isProxy" => {
                                seen.once(0)?;
                                c.is_proxy = s.bool_or_null()?;
                            }
                            _ => s.skip(2)?,
                        }
                        Some(())
                    })?;
                    Some(c)
                })?;
            }
            b"device" => {
                seen.once(5)?;
                e.device = s.nullable(|s| {
                    let [id] = s.strings([b"id"], 2)?;
                    Some(OktaDevice { id })
                })?;
            }
            _ => s.skip(1)?,
        }
        Some(())
    })?;
    s.ws();
    (s.i == raw.len()).then_some(e)
}

fn client<'a>(s: &mut Scan<'a>) -> Option<OktaClient<'a>> {
    let mut c = OktaClient::default();
    let mut seen = Seen::default();
    s.object(|s, key| {
        match key {
            b"ipAddress" => {
                seen.once(0)?;
                c.ip_address = s.str_or_null()?;
            }
            b"userAgent" => {
                seen.once(1)?;
                c.user_agent = s.nullable(|s| {
                    let [raw_user_agent] = s.strings([b"rawUserAgent"], 3)?;
                    Some(OktaUserAgent { raw_user_agent })
                })?;
            }
            b"geographicalContext" => {
                seen.once(2)?;
                c.geographical_context = s.nullable(|s| {
                    let [country, city] = s.strings([b"country", b"city"], 3)?;
                    Some(OktaGeo { country, city })
                })?;
            }
            _ => s.skip(2)?,
        }
        Some(())
    })?;
    Some(c)
}

/// Fields already read in one object: a repeated one is an error to serde.
#[derive(Default)]
struct Seen(u32);
impl Seen {
    fn once(&mut self, bit: u32) -> Option<()> {
        let first = self.0 & (1 << bit) == 0;
        self.0 |= 1 << bit;
        first.then_some(())
    }
}

/// Bytes before the first quote, backslash or control character: eight
/// bytes a step (strings in an event are mostly short, too short for a
/// vector search to pay for its set-up).
fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero → its high bit in the result (exact for the
    // lowest such byte, which is the one wanted).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while let Some(w) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let special = zero(w ^ (ONES * b'"' as u64))
            | zero(w ^ (ONES * b'\\' as u64))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if special != 0 {
            return i + special.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// An object's members, each key handed to `member` with the cursor on
    /// its value, which `member` must consume.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let (key, escaped) = self.string()?;
            if escaped {
                return None; // serde would match the unescaped key
            }
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `null` as `None`, anything else read by `value`.
    fn nullable<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            Some(None)
        } else {
            value(self).map(Some)
        }
    }

    /// A string without escapes, borrowed, or `null`.
    fn str_or_null(&mut self) -> Option<Option<Cow<'a, str>>> {
        self.nullable(|s| s.plain_str().map(Cow::Borrowed))
    }

    /// An object of which only the string (or null) members named in
    /// `keys` are wanted, in that order; the others are skipped at nesting
    /// `depth`. A wanted member given twice makes it give up.
    fn strings<const N: usize>(
        &mut self,
        keys: [&[u8]; N],
        depth: u32,
    ) -> Option<[Option<Cow<'a, str>>; N]> {
        let mut out = [const { None }; N];
        let mut seen = Seen::default();
        self.object(|s, key| {
            match keys.iter().position(|k| *k == key) {
                Some(i) => {
                    seen.once(i as u32)?;
                    out[i] = s.str_or_null()?;
                }
                None => s.skip(depth)?,
            }
            Some(())
        })?;
        Some(out)
    }

    fn plain_str(&mut self) -> Option<&'a str> {
        match self.string()? {
            // Valid UTF-8: the whole event was checked, and a string ends
            // at an ASCII quote.
            (raw, false) => std::str::from_utf8(raw).ok(),
            (_, true) => None,
        }
    }

    fn bool_or_null(&mut self) -> Option<Option<bool>> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| Some(true)),
            b'f' => self.literal(b"false").map(|_| Some(false)),
            _ => self.literal(b"null").map(|_| None),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.ws();
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A string at the cursor: its raw contents and whether they hold an
    /// escape. Checks what JSON requires of a string: no control
    /// characters, and only the escapes it defines.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i += plain_run(&self.b[self.i..]);
            match self.b.get(self.i)? {
                b'"' | b'\\' => {}
                _ => return None, // a control character
            }
            if self.b[self.i] == b'"' {
                let raw = &self.b[start..self.i];
                self.i += 1;
                return Some((raw, escaped));
            }
            escaped = true;
            match *self.b.get(self.i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                b'u' => {
                    let hex = self.b.get(self.i + 2..self.i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    // Surrogates: pairing rules differ between parsers;
                    // the full one decides.
                    if matches!(hex[0], b'd' | b'D') && hex[1] >= b'8' {
                        return None;
                    }
                    self.i += 6;
                }
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<()> {
        let digits = |s: &mut Self| {
            let from = s.i;
            while s.b.get(s.i).is_some_and(u8::is_ascii_digit) {
                s.i += 1;
            }
            (s.i > from).then_some(())
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match *self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => digits(self)?,
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            digits(self)?;
        }
        Some(())
    }

    /// Skips one value at nesting `depth`, checking it is valid JSON.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|s, _| s.skip(depth + 1)),
            b'[' => {
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Scratch, parse_fast};

    /// A sign-in as Okta's System Log API returns it, every field present.
    const EVENT: &str = r#"{"actor":{"id":"00u2ad790a4f43e773bd","type":"User","alternateId":"dwilliams0@acme.example","displayName":"Daniel Williams","detailEntry":null},"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36","os":"Windows 10","browser":"CHROME"},"zone":"null","device":"Computer","id":null,"ipAddress":"99.40.47.21","geographicalContext":{"city":"Leeds","state":null,"country":"United Kingdom","postalCode":null,"geolocation":{"lat":53.8,"lon":-1.55e0}}},"device":{"id":"guo4a5u7JHHhjXrMK0g4"},"authenticationContext":{"authenticationStep":0,"externalSessionId":"1022ad7"},"displayMessage":"User login to Okta \u00e9\n","eventType":"user.session.start","outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"published":"2026-10-06T19:44:43.458Z","securityContext":{"asNumber":7922,"isProxy":false},"severity":"INFO","request":{"ipChain":[{"ip":"99.40.47.21","version":"V4"},[],{}]},"uuid":"2ad790a4","version":"0"}"#;

    /// What the full parser makes of `raw`, as text (or its refusal).
    fn full(raw: &[u8]) -> Option<String> {
        let mut scratch = Scratch::default();
        parse_fast::<Okta>(raw, &mut scratch)
            .ok()
            .map(|e| format!("{e:?}"))
    }

    #[test]
    fn plain_run_stops_at_the_first_quote_backslash_or_control_character() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..40 {
            for _ in 0..200 {
                let b: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // Mostly plain bytes, high ones included.
                        match x % 50 {
                            0 => b'"',
                            1 => b'\\',
                            2 => (x >> 8) as u8 % 0x20,
                            _ => 0x20 + (x >> 8) as u8 % 0xE0,
                        }
                    })
                    .collect();
                assert_eq!(plain_run(&b), naive(&b), "{b:?}");
            }
        }
    }

    #[test]
    fn reads_what_the_full_parser_reads_from_a_whole_event() {
        let fast = okta(EVENT.as_bytes()).expect("a plain event is read, not deferred");
        assert_eq!(Some(format!("{fast:?}")), full(EVENT.as_bytes()));
        let a = fast.actor.unwrap();
        assert_eq!(a.alternate_id.as_deref(), Some("dwilliams0@acme.example"));
        let g = fast.client.unwrap().geographical_context.unwrap();
        assert_eq!(g.city.as_deref(), Some("Leeds"));
        assert_eq!(
            fast.device.unwrap().id.as_deref(),
            Some("guo4a5u7JHHhjXrMK0g4")
        );
        assert_eq!(fast.security_context.unwrap().is_proxy, Some(false));
    }

    #[test]
    fn defers_on_what_it_does_not_read_itself() {
        for raw in [
            // an escape in a kept string
            EVENT.replace("dwilliams0@", "dwill\\u0069ams0@"),
            // a repeated field
            EVENT.replace(r#""severity""#, r#""published":"2026-10-06T19:44:43Z","x""#),
            // another type where a string belongs
            EVENT.replace(r#""ipAddress":"99.40.47.21""#, r#""ipAddress":7"#),
            // nesting past the limit, in a skipped field
            EVENT.replace(
                r#""uuid""#,
                &format!("\"deep\":{}1{},\"uuid\"", "[".repeat(200), "]".repeat(200)),
            ),
        ] {
            assert!(okta(raw.as_bytes()).is_none(), "{raw}");
        }
    }

    /// Every byte deleted, and a JSON-significant byte put in at every
    /// position: wherever the fast reader answers, the full parser gives
    /// the same answer. Most of these break the JSON, so this checks
    /// the refusals too.
    #[test]
    fn never_disagrees_with_the_full_parser_on_damaged_events() {
        let base = EVENT.as_bytes();
        let (mut read, mut deferred) = (0, 0);
        let mut check = |raw: &[u8]| match okta(raw) {
            Some(e) => {
                read += 1;
                let text = String::from_utf8_lossy(raw);
                assert_eq!(Some(format!("{e:?}")), full(raw), "{text}");
            }
            None => deferred += 1,
        };
        for i in 0..base.len() {
            let mut cut = base.to_vec();
            cut.remove(i);
            check(&cut);
            for c in [
                b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'e', 0x01, 0xC3, b' ',
            ] {
                let mut put = base.to_vec();
                put.insert(i, c);
                check(&put);
            }
        }
        // Both outcomes happened: the check compared real answers.
        assert!(
            read > 1000 && deferred > 1000,
            "read {read}, deferred {deferred}"
        );
    }
}
