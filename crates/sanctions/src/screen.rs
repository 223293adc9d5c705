//! Screening one person or company against a list.
//!
//! Identifiers match exactly after normalisation, never fuzzily. Names are
//! found through their tokens' sound keys ([`crate::names`]) and scored by
//! pairing their tokens (in any order) by Jaro–Winkler, as written and as
//! keys. A date of birth or nationality given with the query
//! and listed for the entity raises the score when it agrees and lowers it
//! when it does not, so that a common name with another birth date falls
//! below [`REVIEW_AT`].

use crate::list::{Entity, EntityKind, IdKind, Identifier, normalise_identifier};
use crate::names::{sound_key, tokens};
use rustc_hash::FxHashMap;

/// A name match at or above this is worth a person's review.
pub const REVIEW_AT: f64 = 0.90;
/// Listed date of birth agrees with the query's year / whole date.
const DOB_YEAR_AGREES: f64 = 0.03;
const DOB_DATE_AGREES: f64 = 0.06;
/// The query's date of birth is none of those listed.
const DOB_DIFFERS: f64 = -0.15;
const NATIONALITY_AGREES: f64 = 0.02;
const NATIONALITY_DIFFERS: f64 = -0.05;
/// Listed as the other gender: strong evidence against, as a name shared by
/// a man and a woman (common in Korean given names) is not the same person.
const GENDER_DIFFERS: f64 = -0.10;
/// A match through sound keys only counts a little less than one as written.
const KEYS_DISCOUNT: f64 = 0.98;

#[derive(Default, Debug, Clone)]
pub struct Query {
    pub name: String,
    /// `YYYY-MM-DD` or `YYYY`.
    pub date_of_birth: Option<String>,
    /// A country name or ISO 3166 alpha-2 code.
    pub nationality: Option<String>,
    /// `male`/`female` (or `M`/`F`).
    pub gender: Option<String>,
    pub identifiers: Vec<(IdKind, String)>,
    /// Only entries of this kind (a person is never a vessel).
    pub kind: Option<EntityKind>,
}

impl Query {
    /// The query's identifiers that cannot be right: a digital-currency
    /// address failing its own checksum (mistyped, or cut on its way in)
    /// will match no listed one, which is not the same as "not listed".
    pub fn identifier_problems(&self) -> Vec<String> {
        self.identifiers
            .iter()
            .filter(|(k, _)| *k == IdKind::Crypto)
            .filter_map(|(_, raw)| {
                let (chain, addr) = raw
                    .trim()
                    .split_once([' ', ':'])
                    .map_or(("", raw.trim()), |(c, a)| (c, a.trim()));
                match crate::checksum::check(chain, addr) {
                    crate::checksum::Check::Invalid(why) => Some(format!(
                        "{raw}: {why}; it cannot match a listed address as written"
                    )),
                    _ => None,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Match {
    /// Position in [`Index::entities`].
    pub entity: usize,
    pub score: f64,
    /// The listed name that matched (empty for an identifier hit).
    pub name: String,
    /// Matched on an identifier: a hit, not a review.
    pub identifier_hit: bool,
    pub reasons: Vec<String>,
}

struct IndexedName {
    entity: u32,
    strong: bool,
    text: String,
    tokens: Tokens,
    /// The tokens with a pair of neighbours joined, each way ([`with_joins`]).
    joins: Vec<Tokens>,
}

pub struct Index {
    pub entities: Vec<Entity>,
    names: Vec<IndexedName>,
    by_key: FxHashMap<String, Vec<u32>>,
    by_identifier: FxHashMap<(IdKind, String), Vec<u32>>,
    by_address: FxHashMap<String, Vec<u32>>,
    /// Names by the consonant skeleton of a token, for queries written
    /// without vowels ([`skeleton`]).
    by_skeleton: FxHashMap<String, Vec<u32>>,
}

impl Index {
    pub fn new(entities: Vec<Entity>) -> Index {
        let mut names = vec![];
        let mut by_key: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut by_identifier: FxHashMap<(IdKind, String), Vec<u32>> = FxHashMap::default();
        let mut by_address: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut by_skeleton: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (e, entity) in entities.iter().enumerate() {
            for n in &entity.names {
                let plain = tokens(&n.text);
                let keys: Vec<String> = plain.iter().map(|t| sound_key(t)).collect();
                let ix = names.len() as u32;
                let mut skeletons: Vec<String> = plain.iter().map(|t| skeleton(t)).collect();
                skeletons.extend(plain.windows(2).map(|w| skeleton(&w.concat())));
                skeletons.sort_unstable();
                skeletons.dedup();
                for k in skeletons.into_iter().filter(|k| k.len() >= 2) {
                    by_skeleton.entry(k).or_default().push(ix);
                }
                let mut seen: Vec<String> = vec![];
                for k in lookup_keys(&plain, &keys) {
                    if !seen.contains(&k) {
                        by_key.entry(k.clone()).or_default().push(ix);
                        seen.push(k);
                    }
                }
                names.push(IndexedName {
                    entity: e as u32,
                    strong: n.strong,
                    text: n.text.clone(),
                    joins: with_joins(&Tokens {
                        plain: plain.clone(),
                        keys: keys.clone(),
                    }),
                    tokens: Tokens { plain, keys },
                });
            }
            for Identifier { kind, value } in &entity.identifiers {
                if *kind == IdKind::Crypto
                    && let Some((_, addr)) = value.split_once(':')
                {
                    by_address
                        .entry(addr.to_ascii_lowercase())
                        .or_default()
                        .push(e as u32);
                }
                by_identifier
                    .entry((*kind, value.clone()))
                    .or_default()
                    .push(e as u32);
            }
        }
        Index {
            entities,
            names,
            by_key,
            by_identifier,
            by_address,
            by_skeleton,
        }
    }

    /// What the query's date of birth, gender and nationality do to a name
    /// match with `e`, with the reasons when asked for.
    fn effects(&self, q: &Query, e: &Entity, mut reasons: Option<&mut Vec<String>>) -> f64 {
        let mut delta = 0.0;
        let mut note = |d: f64, why: Option<String>| {
            delta += d;
            if let (Some(r), Some(w)) = (reasons.as_deref_mut(), why) {
                r.push(w);
            }
        };
        if let Some(dob) = q.date_of_birth.as_deref() {
            let (d, why) = dob_effect(dob, &e.dates_of_birth);
            note(d, why);
        }
        if let Some(g) = q.gender.as_deref().and_then(crate::list::Gender::parse)
            && let Some(listed) = e.gender
            && g != listed
        {
            note(
                GENDER_DIFFERS,
                Some(format!("listed as {listed:?}, not {g:?}").to_lowercase()),
            );
        }
        if let Some(nat) = q.nationality.as_deref() {
            let (d, why) = nationality_effect(nat, &e.nationalities);
            note(d, why);
        }
        delta
    }

    /// Entries listing this identifier (normalised here).
    pub fn holders(&self, kind: IdKind, raw: &str) -> &[u32] {
        self.by_identifier
            .get(&(kind, normalise_identifier(kind, raw)))
            .map_or(&[], Vec::as_slice)
    }

    /// Entries listing a digital-currency address, on any chain, compared
    /// without case: for addresses held in lower case (as the identity
    /// graph holds payout accounts), where case is no longer known.
    pub fn holders_of_address(&self, address: &str) -> &[u32] {
        self.by_address
            .get(&address.trim().to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Matches for `q`, best first, at most `limit`: identifier hits, then
    /// name matches scoring at least `floor`.
    pub fn screen(&self, q: &Query, floor: f64, limit: usize) -> Vec<Match> {
        let mut out: Vec<Match> = vec![];
        for (kind, raw) in &q.identifiers {
            let value = normalise_identifier(*kind, raw);
            for &e in self.holders(*kind, raw) {
                out.push(Match {
                    entity: e as usize,
                    score: 1.0,
                    name: String::new(),
                    identifier_hit: true,
                    reasons: vec![format!("{kind:?} {value} is listed for this entry")],
                });
            }
        }
        let plain = tokens(&q.name);
        let keys: Vec<String> = plain.iter().map(|t| sound_key(t)).collect();
        let query = Tokens { plain, keys };
        let keys = &query.keys;
        // Candidates share a key with the query; for a query of several
        // tokens, two if any entry does (a surname alone is shared with
        // hundreds of entries, and scoring them all is most of the time of
        // a query).
        let mut lists: Vec<&Vec<u32>> = lookup_keys(&query.plain, keys)
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .collect();
        // A token written without vowels (Arabic and Hebrew script leave
        // most out) is found by its consonants.
        lists.extend(
            query
                .plain
                .iter()
                .filter(|t| vowelless(t))
                .map(|t| skeleton(t))
                .chain(
                    query
                        .plain
                        .windows(2)
                        .filter(|w| vowelless(&w[0]) && vowelless(&w[1]))
                        .map(|w| skeleton(&w.concat())),
                )
                .filter_map(|k| self.by_skeleton.get(&k)),
        );
        let mut shared: Vec<u32> = lists.iter().copied().flatten().copied().collect();
        shared.sort_unstable();
        // Names sharing two keys with the query, and names sharing a key few
        // names hold (a rare family name with common given names: SOIN
        // Dmitry Yuryevich).
        let mut candidates: Vec<u32> = if keys.len() > 1 {
            let mut c: Vec<u32> = shared
                .chunk_by(|a, b| a == b)
                .filter(|run| run.len() >= 2)
                .map(|run| run[0])
                .collect();
            c.extend(
                lists
                    .iter()
                    .filter(|l| l.len() <= RARE_KEY)
                    .copied()
                    .flatten()
                    .copied(),
            );
            c.sort_unstable();
            c.dedup();
            c
        } else {
            vec![]
        };
        // A query of one token: every name holding its key.
        if keys.len() == 1 {
            candidates = shared;
            candidates.dedup();
        }
        // Best name per entity: (score, name, name's own score, by sound).
        let query_joins = with_joins(&query);
        let mut best: FxHashMap<u32, (f64, u32, f64, bool)> = FxHashMap::default();
        let most_raised = DOB_DATE_AGREES + NATIONALITY_AGREES;
        for &ix in &candidates {
            let n = &self.names[ix as usize];
            let e = &self.entities[n.entity as usize];
            if q.kind.is_some_and(|k| e.kind != k) {
                continue;
            }
            let (name_score, by_sound) = similarity(&query, &query_joins, &n.tokens, &n.joins);
            if name_score + most_raised < floor {
                continue;
            }
            let score = (name_score + self.effects(q, e, None)).clamp(0.0, 1.0);
            if best.get(&n.entity).is_none_or(|b| b.0 < score) {
                best.insert(n.entity, (score, ix, name_score, by_sound));
            }
        }
        // Reasons only for what is returned.
        out.extend(best.into_iter().filter(|b| b.1.0 >= floor).map(
            |(e, (score, ix, name_score, by_sound))| {
                let n = &self.names[ix as usize];
                let mut reasons = vec![if by_sound {
                    format!(
                        "name {name_score:.2} by sound (romanisation variants) against {:?}",
                        n.text
                    )
                } else {
                    format!("name {name_score:.2} as written against {:?}", n.text)
                }];
                if !n.strong {
                    reasons.push("a weak (low-quality) alias".into());
                }
                self.effects(q, &self.entities[e as usize], Some(&mut reasons));
                Match {
                    entity: e as usize,
                    score,
                    name: n.text.clone(),
                    identifier_hit: false,
                    reasons,
                }
            },
        ));
        out.sort_by(|a, b| {
            b.identifier_hit
                .cmp(&a.identifier_hit)
                .then(b.score.total_cmp(&a.score))
                .then(a.entity.cmp(&b.entity))
        });
        out.truncate(limit);
        out
    }
}

/// A key held by at most this many names is rare enough to find
/// candidates on alone.
const RARE_KEY: usize = 64;

/// The keys a name is found under: its tokens' keys, and the key of each
/// pair of neighbours joined (so `Chol Min` is found from `Cholmin`, and
/// `Hong Ri` from `Hongri`), once each.
fn lookup_keys(plain: &[String], keys: &[String]) -> Vec<String> {
    let mut out: Vec<String> = keys.to_vec();
    out.extend(plain.windows(2).map(|w| sound_key(&w.concat())));
    out.sort_unstable();
    out.dedup();
    out
}

/// How much an unmatched token of the listed name (a middle name, a
/// patronymic) counts against a match, relative to its length; one of the
/// query counts in full.
const UNMATCHED_WEIGHT: f64 = 0.3;
/// Two tokens less alike than this are not a pair: Jaro–Winkler is lenient
/// on short tokens (`jun`/`chol` as keys score 0.82), and Korean given
/// names are short.
const TOKEN_MIN: f64 = 0.88;
/// The same, for a pair in which two tokens were joined into one.
const JOINED_MIN: f64 = 0.95;

/// A name's tokens as written and as sound keys, side by side.
struct Tokens {
    plain: Vec<String>,
    keys: Vec<String>,
}

/// Similarity of two names as token lists, in any order, and whether a
/// romanisation variant (a pair of tokens alike only as keys) counted.
/// Tokens are paired greedily, each pair scored as the better of the tokens
/// as written and their keys (discounted by [`KEYS_DISCOUNT`]), at least
/// [`TOKEN_MIN`], weighted by length; tokens left over count against the
/// match at [`UNMATCHED_WEIGHT`]. The longer list may also have two
/// neighbouring tokens joined, so a joined given name (`Cholmin`) meets its
/// split form (`Chol Min`).
fn similarity(q: &Tokens, q_joins: &[Tokens], c: &Tokens, c_joins: &[Tokens]) -> (f64, bool) {
    let (qp, cp) = (&q.plain, &c.plain);
    if qp.is_empty() || cp.is_empty() {
        return (0.0, false);
    }
    // Joins only on the side with more tokens: joining on both would let
    // `Min Jun` meet `Min Chol` as `minjun`/`minchol`. A joined pair is two
    // syllables compared as one word, where Jaro–Winkler is more lenient
    // still: it must agree more closely.
    let best = |a: (f64, bool), b: (f64, bool)| if b.0 > a.0 { b } else { a };
    let whole = aligned(q, c, TOKEN_MIN);
    use std::cmp::Ordering::*;
    match qp.len().cmp(&cp.len()) {
        Equal => whole,
        Greater => q_joins
            .iter()
            .map(|v| aligned(v, c, JOINED_MIN))
            .fold(whole, best),
        Less => c_joins
            .iter()
            .map(|v| aligned(q, v, JOINED_MIN))
            .fold(whole, best),
    }
}

/// The tokens with each pair of neighbours joined, one pair at a time.
fn with_joins(t: &Tokens) -> Vec<Tokens> {
    let mut out = vec![];
    for i in 0..t.plain.len().saturating_sub(1) {
        let join = |v: &[String], joined: String| {
            let mut out = v[..i].to_vec();
            out.push(joined);
            out.extend_from_slice(&v[i + 2..]);
            out
        };
        let plain = format!("{}{}", t.plain[i], t.plain[i + 1]);
        out.push(Tokens {
            keys: join(&t.keys, sound_key(&plain)),
            plain: join(&t.plain, plain),
        });
    }
    out
}

/// A match of consonants alone counts less than one of whole spellings.
const SKELETON_DISCOUNT: f64 = 0.95;

/// A token of two letters or more without a vowel: `hmd`, `msh`, `dvd`,
/// as Arabic and Hebrew names come out of transliteration.
fn vowelless(t: &str) -> bool {
    t.len() >= 2
        && !t
            .bytes()
            .any(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u'))
}

/// A token's consonants, doubled ones once, without `w` and `y` (which
/// Arabic and Hebrew also write for vowels): `ahmed`, `hmd` → `hmd`;
/// `mahmoud`, `mhmwd` → `mhmd`.
fn skeleton(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'w' | 'y') && !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Jaro–Winkler for tokens of like length. A token much shorter than the
/// other (under three quarters of its length, and two letters or more
/// short) is no pair at all, since Jaro–Winkler rewards a shared beginning
/// (`jong` would be 0.9 like `jonghyon`) and no edit similarity of such a
/// pair reaches [`TOKEN_MIN`]. One letter more or less is like length
/// (`Gi`/`Gil`).
fn token_similarity(x: &str, y: &str) -> f64 {
    if x == y {
        return 1.0;
    }
    let (short, long) = (x.len().min(y.len()), x.len().max(y.len()));
    if long - short >= 2 && short * 4 < long * 3 {
        0.0
    } else {
        strsim::jaro_winkler(x, y)
    }
}

/// `a` is the query's tokens, `b` the listed name's.
fn aligned(a: &Tokens, b: &Tokens, min: f64) -> (f64, bool) {
    let mut pairs: Vec<(f64, bool, usize, usize)> =
        Vec::with_capacity(a.plain.len() * b.plain.len());
    for i in 0..a.plain.len() {
        for j in 0..b.plain.len() {
            let written = token_similarity(&a.plain[i], &b.plain[j]);
            // The keys only where the spelling did not already agree.
            let sound = if written >= 1.0 {
                0.0
            } else {
                token_similarity(&a.keys[i], &b.keys[j]) * KEYS_DISCOUNT
            };
            let mut sim = written.max(sound);
            if sim < min && (vowelless(&a.plain[i]) || vowelless(&b.plain[j])) {
                sim = sim.max(
                    strsim::jaro_winkler(&skeleton(&a.plain[i]), &skeleton(&b.plain[j]))
                        * SKELETON_DISCOUNT,
                );
            }
            // Pairs below the minimum never pair: leave them out.
            if sim >= min {
                pairs.push((sim, sound > written, i, j));
            }
        }
    }
    pairs.sort_unstable_by(|p, q| q.0.total_cmp(&p.0).then(p.2.cmp(&q.2)).then(p.3.cmp(&q.3)));
    let (mut used_a, mut used_b) = (vec![false; a.plain.len()], vec![false; b.plain.len()]);
    let (mut matched, mut weight, mut by_sound) = (0.0, 0.0, false);
    for (sim, sound, i, j) in pairs {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            let w = (a.plain[i].len() + b.plain[j].len()) as f64;
            matched += sim * w;
            weight += w;
            by_sound |= sound;
        }
    }
    // A legal form left over counts as little as a listed middle name, on
    // either side: `Siemens` is `Siemens AG`.
    let left = |t: &[String], used: &[bool], weight: f64| -> f64 {
        t.iter()
            .zip(used)
            .filter(|(_, used)| !**used)
            .map(|(t, _)| {
                let w = if crate::names::is_legal_form(t) {
                    UNMATCHED_WEIGHT
                } else {
                    weight
                };
                w * t.len() as f64
            })
            .sum()
    };
    if weight == 0.0 {
        return (0.0, false);
    }
    // A part of the person's name the listed name lacks counts in full
    // (`Sneha Kumar` is not the one-word alias `KOUMAL`); a listed part
    // the query lacks, less (a middle name or patronymic left out).
    (
        matched
            / (weight + left(&a.plain, &used_a, 1.0) + left(&b.plain, &used_b, UNMATCHED_WEIGHT)),
        by_sound,
    )
}

/// Four-digit years in a listed date: `28 Aug 1962` → 1962; `1962 to 1964`
/// → 1962..=1964; `circa 1970` → 1969..=1971.
fn years(listed: &str) -> Option<(i32, i32)> {
    let ys: Vec<i32> = listed
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| t.len() == 4)
        .filter_map(|t| t.parse().ok())
        .collect();
    let (lo, hi) = (*ys.iter().min()?, *ys.iter().max()?);
    if listed.to_ascii_lowercase().contains("circa") {
        Some((lo - 1, hi + 1))
    } else {
        Some((lo, hi))
    }
}

fn dob_effect(query: &str, listed: &[String]) -> (f64, Option<String>) {
    let Some(year) = query.get(..4).and_then(|y| y.parse::<i32>().ok()) else {
        return (0.0, None);
    };
    if listed.is_empty() {
        return (0.0, None);
    }
    let whole = |l: &str| {
        // "28 Aug 1962" against "1962-08-28".
        let months = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        if l.trim() == query {
            return true;
        }
        let parts: Vec<&str> = l.split_whitespace().collect();
        match parts.as_slice() {
            [d, m, y] => months
                .iter()
                .position(|x| m.to_ascii_lowercase().starts_with(x))
                .map(|mi| format!("{y}-{:02}-{:02}", mi + 1, d.parse::<u32>().unwrap_or(0)))
                .is_some_and(|iso| iso == query),
            _ => false,
        }
    };
    if query.len() == 10 && listed.iter().any(|l| whole(l)) {
        return (
            DOB_DATE_AGREES,
            Some(format!("date of birth {query} is listed")),
        );
    }
    if listed
        .iter()
        .filter_map(|l| years(l))
        .any(|(lo, hi)| (lo..=hi).contains(&year))
    {
        return (
            DOB_YEAR_AGREES,
            Some(format!("birth year {year} agrees with the list")),
        );
    }
    (
        DOB_DIFFERS,
        Some(format!(
            "date of birth differs: listed {}",
            listed.join(" / ")
        )),
    )
}

/// Countries as the lists and queries write them, by ISO 3166 code: OFAC's
/// `Korea, North`, the UN's `Democratic People's Republic of Korea`, the
/// UK's `North Korea` and a query's `KP` are one country.
const COUNTRIES: &[(&str, &[&str])] = &[
    (
        "KP",
        &[
            "korea, north",
            "north korea",
            "democratic people's republic of korea",
            "dprk",
            "korea (north)",
            "korea, democratic people's republic of",
        ],
    ),
    (
        "KR",
        &[
            "korea, south",
            "south korea",
            "republic of korea",
            "korea (south)",
            "korea, republic of",
        ],
    ),
    ("CN", &["china", "people's republic of china", "prc"]),
    ("RU", &["russia", "russian federation"]),
    ("US", &["united states", "united states of america", "usa"]),
    (
        "GB",
        &[
            "united kingdom",
            "uk",
            "great britain",
            "united kingdom of great britain and northern ireland",
        ],
    ),
    ("JP", &["japan"]),
    (
        "IR",
        &[
            "iran",
            "iran (islamic republic of)",
            "islamic republic of iran",
        ],
    ),
    ("SY", &["syria", "syrian arab republic"]),
    ("UA", &["ukraine"]),
    ("BY", &["belarus"]),
    ("DE", &["germany"]),
    ("FR", &["france"]),
    ("PT", &["portugal"]),
    ("PL", &["poland"]),
    ("NL", &["netherlands", "the netherlands"]),
    ("ES", &["spain"]),
    ("IT", &["italy"]),
    ("CA", &["canada"]),
    ("IN", &["india"]),
    ("PK", &["pakistan"]),
    ("AE", &["united arab emirates", "uae"]),
    ("LA", &["laos", "lao people's democratic republic"]),
    ("VN", &["vietnam", "viet nam"]),
    ("KH", &["cambodia"]),
    ("MY", &["malaysia"]),
    ("TH", &["thailand"]),
    ("SG", &["singapore"]),
    ("MM", &["burma", "myanmar"]),
    ("VE", &["venezuela", "venezuela (bolivarian republic of)"]),
    ("CU", &["cuba"]),
    ("AF", &["afghanistan"]),
    ("IQ", &["iraq"]),
    ("LB", &["lebanon"]),
    ("LY", &["libya"]),
    ("YE", &["yemen"]),
    ("SO", &["somalia"]),
    ("SD", &["sudan"]),
    (
        "CD",
        &[
            "democratic republic of the congo",
            "congo, democratic republic of the",
        ],
    ),
];

/// A country as one comparable key: its ISO code when known, else the
/// name in lower case.
fn country_key(s: &str) -> String {
    let s = s.trim();
    if let Some((code, _)) = COUNTRIES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(s))
    {
        return code.to_string();
    }
    let lower = s.to_lowercase().replace('\u{2019}', "'");
    COUNTRIES
        .iter()
        .find(|(_, names)| names.contains(&lower.as_str()))
        .map_or(lower, |(code, _)| code.to_string())
}

fn nationality_effect(query: &str, listed: &[String]) -> (f64, Option<String>) {
    if listed.is_empty() {
        return (0.0, None);
    }
    let key = country_key(query);
    if listed.iter().any(|l| country_key(l) == key) {
        (
            NATIONALITY_AGREES,
            Some(format!("nationality {} agrees", listed.join(" / "))),
        )
    } else {
        (
            NATIONALITY_DIFFERS,
            Some(format!(
                "nationality differs: listed {}",
                listed.join(" / ")
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{EntityKind, ListedName};

    fn person(id: &str, name: &str, dob: &[&str], ids: &[(IdKind, &str)]) -> Entity {
        Entity {
            id: id.into(),
            kind: EntityKind::Individual,
            names: vec![ListedName {
                text: name.into(),
                strong: true,
            }],
            dates_of_birth: dob.iter().map(|d| d.to_string()).collect(),
            nationalities: vec!["Korea, North".into()],
            addresses: vec![],
            identifiers: ids
                .iter()
                .map(|&(kind, v)| Identifier {
                    kind,
                    value: normalise_identifier(kind, v),
                })
                .collect(),
            ..Entity::default()
        }
    }

    fn index() -> Index {
        Index::new(vec![
            person("ofac:1", "RI, Chang Ho", &["1957"], &[]),
            person(
                "ofac:2",
                "PAK, Chol Min",
                &["12 Mar 1985"],
                &[(IdKind::Passport, "PD-836410105")],
            ),
            person("ofac:3", "KIM, Song Il", &["1970"], &[]),
        ])
    }

    fn top(q: &Query) -> Option<(String, f64)> {
        let ix = index();
        ix.screen(q, 0.0, 1)
            .first()
            .map(|m| (ix.entities[m.entity].id.clone(), m.score))
    }

    fn named(name: &str) -> Query {
        Query {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn romanisation_order_and_joined_names_find_the_entry() {
        for (name, id) in [
            ("RHEE Chang Ho", "ofac:1"),
            ("Chang-Ho Lee", "ofac:1"),
            ("Park Cheolmin", "ofac:2"),
            ("Bak Chul Min", "ofac:2"),
            ("박철민", "ofac:2"),
        ] {
            let (got, score) = top(&named(name)).unwrap_or_default();
            assert_eq!(got, id, "{name}");
            assert!(score >= REVIEW_AT, "{name}: {score}");
        }
    }

    #[test]
    fn a_differing_birth_date_takes_a_name_match_below_review() {
        let mut q = named("Park Chol Min");
        let plain = top(&q).unwrap().1;
        q.date_of_birth = Some("1991-04-02".into());
        let differs = top(&q).unwrap().1;
        q.date_of_birth = Some("1985-03-12".into());
        let agrees = top(&q).unwrap().1;
        assert!(
            plain >= REVIEW_AT && differs < REVIEW_AT && agrees > plain,
            "{plain} {differs} {agrees}"
        );
    }

    #[test]
    fn iso_listed_dates_gender_and_country_names_qualify_a_match() {
        let mut kim = person(
            "un:KPi.9",
            "KIM Song Il",
            &["1970-02-03", "circa 1975", "1962 to 1964"],
            &[],
        );
        kim.gender = Some(crate::list::Gender::Male);
        kim.nationalities = vec!["Democratic People's Republic of Korea".into()];
        let ix = Index::new(vec![kim]);
        let score = |q: Query| ix.screen(&q, 0.0, 1).first().map_or(0.0, |m| m.score);
        // A query with a part the listed name lacks, so that no effect is
        // lost to the ceiling of 1.
        const NAME: &str = "Kim Song Il Bong";
        let base = score(named(NAME));
        assert!(base > 0.5 && base < 0.9, "{base}");
        let with = |f: fn(&mut Query)| {
            let mut q = named(NAME);
            f(&mut q);
            score(q) - base
        };
        assert!(
            (with(|q| q.date_of_birth = Some("1970-02-03".into())) - DOB_DATE_AGREES).abs() < 1e-9
        );
        assert!(
            (with(|q| q.date_of_birth = Some("1976".into())) - DOB_YEAR_AGREES).abs() < 1e-9,
            "circa is a year either side"
        );
        assert!(
            (with(|q| q.date_of_birth = Some("1963-07-01".into())) - DOB_YEAR_AGREES).abs() < 1e-9
        );
        assert!((with(|q| q.date_of_birth = Some("1990-01-01".into())) - DOB_DIFFERS).abs() < 1e-9);
        assert!((with(|q| q.gender = Some("F".into())) - GENDER_DIFFERS).abs() < 1e-9);
        assert!(with(|q| q.gender = Some("male".into())).abs() < 1e-9);
        for same in ["KP", "Korea, North", "North Korea", "DPRK"] {
            let mut q = named(NAME);
            q.nationality = Some(same.into());
            assert!(
                (score(q) - base - NATIONALITY_AGREES).abs() < 1e-9,
                "{same}"
            );
        }
        assert!((with(|q| q.nationality = Some("KR".into())) - NATIONALITY_DIFFERS).abs() < 1e-9);
    }

    #[test]
    fn a_mistyped_wallet_is_reported_not_just_unmatched() {
        let q = |v: &str| Query {
            identifiers: vec![(IdKind::Crypto, v.into())],
            ..Default::default()
        };
        assert!(
            q("XBT 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
                .identifier_problems()
                .is_empty()
        );
        let p = q("XBT 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb").identifier_problems();
        assert!(p.len() == 1 && p[0].contains("checksum"), "{p:?}");
        assert!(
            q("SOL 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")
                .identifier_problems()
                .is_empty()
        );
    }

    #[test]
    fn identifiers_match_exactly_after_normalisation_and_never_fuzzily() {
        let ix = index();
        let q = |v: &str| Query {
            identifiers: vec![(IdKind::Passport, v.into())],
            ..Default::default()
        };
        let hit = ix.screen(&q("pd 836410105"), REVIEW_AT, 5);
        assert!(hit[0].identifier_hit && ix.entities[hit[0].entity].id == "ofac:2");
        assert!(ix.screen(&q("PD836410106"), REVIEW_AT, 5).is_empty());
    }
}
