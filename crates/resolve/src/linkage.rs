//! Which units (a person's presentations: an application, or a worker with
//! its application) are one person, by the Fellegi–Sunter engine of
//! `unmask-link`.
//!
//! Each unit holds sets of identifiers per kind. Two units are compared per
//! field into a level: missing (either has none), the same value, for
//! photos and résumés a *near* one, or different. A shared value's `u` is
//! its own frequency, so the default avatar or an agency's phone counts for
//! little; `u` of the other levels comes from random pairs of units.
//!
//! Phones, devices and IPs are *related* fields: couples, families and
//! agency colleagues share them without being one person, and the model's
//! related class explains such pairs — as long as the personal fields
//! (e-mail, payout, photo, résumé, vouching) say "stranger". That is what
//! tells an operator from an agency: an agency's members share a phone, a
//! device and an office IP, but each has a résumé of their own, while an
//! operator's personas are edits of one résumé.
//!
//! Résumés are compared on their words, each weighing
//! `ln(units / units holding it)`: template words every résumé has
//! ("experience", "engineers") weigh nothing, so two edits of one résumé
//! stay near while two people's résumés from one template do not. The
//! similarity is the weighted Ochiai coefficient (the cosine of the two
//! word sets): shared weight over the geometric mean of each side's.
//!
//! `m` and the class shares are learned by EM when there are enough
//! candidate pairs ([`MIN_PAIRS_FOR_EM`]); a small organisation's data has
//! too few, and the documented defaults ([`DEFAULT_M`]) stand in. Units are
//! then clustered so that one link cannot chain two people together.

use rustc_hash::{FxHashMap, FxHashSet};
use unmask_graph::{IdentId, IdentKind, IdentityGraph, Role};
use unmask_link::compare::{Comparator, Field, Levels};
use unmask_link::model::{Fit, Model, em, patterns, shares_of_counts, u_without_linked};

/// What one field compares.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    /// Identifiers of a kind the unit holds itself.
    Ident(IdentKind),
    /// The unit's résumé: the exact text, else its rare words.
    Resume,
    /// One unit names the other's own e-mail or phone as a reference.
    Vouch,
}

/// The compared fields, and whether people who are not one person share
/// them (households, agencies, shared offices).
const FIELDS: [(&str, Source, bool); 8] = [
    ("e-mail", Source::Ident(IdentKind::Email), false),
    ("payout account", Source::Ident(IdentKind::Payment), false),
    ("photo", Source::Ident(IdentKind::Photo), false),
    ("résumé", Source::Resume, false),
    ("vouching", Source::Vouch, false),
    ("phone", Source::Ident(IdentKind::Phone), true),
    ("device", Source::Ident(IdentKind::Device), true),
    ("IP", Source::Ident(IdentKind::Ip), true),
];
const NF: usize = FIELDS.len();
const EMAIL: usize = 0;
const RESUME: usize = 3;
const PHONE: usize = 5;

/// For each field, how one operator's persona pairs (both with a value)
/// spread over its levels after "missing" — used instead of EM on small
/// data. Operators reuse payout accounts most, e-mail least (it is the
/// first thing a marketplace deduplicates); their photos are the same or
/// lightly edited, their résumés edits of one.
pub const DEFAULT_M: [&[f64]; NF] = [
    &[0.3, 0.7],
    &[0.6, 0.4],
    &[0.3, 0.3, 0.4],
    &[0.3, 0.6, 0.1],
    &[0.5, 0.5],
    &[0.5, 0.5],
    &[0.5, 0.5],
    &[0.5, 0.5],
];

/// For each field, how often two different people agree on each level
/// after "missing" and before "different": the `u` that small data cannot
/// measure. Among a few hundred applicants, the pairs that share a
/// near-identical résumé or a payout account are mostly one operator's
/// own, so the measured share says how many operators there are, not how
/// often strangers coincide. These are the demo's measured strangers'
/// shares, rounded up: no two different people among its 3.6M pairs share
/// an e-mail, a payout account or a vouching contact; about one pair in a
/// million has near-identical résumés. Phones, devices and IPs are shared
/// by households and offices, and are correspondingly commoner.
pub const DEFAULT_U: [&[f64]; NF] = [
    &[1e-6],
    &[1e-6],
    &[1e-5, 1e-5],
    &[1e-6, 1e-6],
    &[1e-6],
    &[1e-4],
    &[1e-3],
    &[1e-3],
];

/// How many random pairs [`DEFAULT_U`] is worth when it is blended with
/// the measured shares on small data: at a million, a world of a few
/// thousand pairs barely moves it.
const DEFAULT_U_PAIRS: f64 = 1e6;

/// On small data, the expected number of matched pairs: one for every
/// this many units.
const DEFAULT_UNITS_PER_MATCH: f64 = 50.0;

/// A value held by more than this share of all units is common, even when
/// it is held by fewer than [`crate::MAX_SHARED`]; see `Units::tf`.
const PRIVATE_SHARE: f64 = 0.01;

/// The least match probability that links two units.
pub const LINK_AT: f64 = 0.9;

/// Fewer candidate pairs than this, and EM is not trusted.
pub const MIN_PAIRS_FOR_EM: usize = 100;

/// Résumé levels below the exact text: rare-word similarity at or above
/// each. On the demo (3,000 and 20,000 records), 99 % of edits of one
/// résumé (a few words changed in 60) score over 0.7, and different
/// people's résumés from its one template at most 0.65.
pub const RESUME_NEAR: [f64; 1] = [0.8];

/// Résumé blocking: each unit is keyed on every three of its
/// [`RESUME_KEY_WORDS`] rarest words, so an edit that changes two of them
/// still shares a key with the original; keys held by more than
/// [`RESUME_KEY_HOLDERS`] units are common vocabulary and dropped, which
/// bounds the work per key. (Pairs of four words and keys of up to 256
/// holders found the same pairs on the demo, with 8× the comparisons at
/// 100k units.)
const RESUME_KEY_WORDS: usize = 5;
const RESUME_KEY_HOLDERS: usize = 32;

/// Pairs of units for `u`: every pair when there are at most this many
/// (about 2,800 units), else this many random ones. `u` of the rarest
/// levels is measured down to about one pair in this many, so the sample
/// is large: comparing a pair costs well under a microsecond.
const U_PAIRS: usize = 4_000_000;

pub(crate) struct Scored {
    /// Candidate pairs at or above the threshold within one cluster, with
    /// their reasons.
    pub links: Vec<(u32, u32, String)>,
    /// Near-identical photo pairs, as `link_units` was given them.
    pub photo_pairs: Vec<(IdentId, IdentId, u32)>,
    /// What the links were scored with: the fit given, or the one made.
    pub fit: LinkFit,
}

/// Everything resolution learns from the whole of the data rather than
/// from the pair in hand: the model's `m`, `u` and class shares, the link
/// threshold, and the unit and résumé-word counts that weigh rare words
/// and common values. A scan makes one and can be given one
/// ([`crate::resolve_with`]): under a given fit, whether two units are one
/// person depends only on them and on who else holds their values, which
/// is what scoring a new record without refitting needs. Saved as JSON
/// (floats round-trip exactly).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkFit {
    /// Units the fit was made on.
    pub units: usize,
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub related: Option<Vec<Vec<f64>>>,
    /// Shares of all pairs that are matches, related, unrelated.
    pub prior: [f64; 3],
    pub threshold: f64,
    /// (word hash, units whose résumé holds it), by hash.
    pub word_units: Vec<(u32, u32)>,
    /// The common identifiers ([`IdentityGraph::is_common`]) with the
    /// units holding each: under the fit they stay common, at that count,
    /// however many hold them now — so a new holder of the default avatar
    /// changes nobody else's findings until the next fit.
    #[serde(default)]
    pub common: Vec<CommonValue>,
    /// Résumé blocking keys (three rare words) held by more than
    /// `RESUME_KEY_HOLDERS` units: common vocabulary, paired on by nobody
    /// under the fit. Sorted.
    #[serde(default)]
    pub common_resume_keys: Vec<[u32; 3]>,
}

/// A common identifier, as a fit carries it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CommonValue {
    pub kind: IdentKind,
    pub text: String,
    /// Units holding it as their own, payout or application IP.
    pub units: u32,
}

impl LinkFit {
    /// Makes the fit's common identifiers the graph's, as the whole store
    /// had them when the fit was made (see [`CommonValue`]).
    pub fn mark_common(&self, g: &mut IdentityGraph) {
        let ids: Vec<IdentId> = self
            .common
            .iter()
            .filter_map(|c| g.ident(c.kind, &c.text))
            .collect();
        g.set_common(ids);
    }
}

struct Units<'g> {
    g: &'g IdentityGraph,
    /// Per unit, per identifier field: sorted identifier ids.
    held: Vec<IdentId>,
    /// Unit `u`'s identifiers on field `f` are
    /// `held[held_start[u * NF + f]..held_start[u * NF + f + 1]]`, sorted:
    /// one flat array, so comparing two units touches few cache lines.
    held_start: Vec<u32>,
    /// Units holding each identifier, by identifier index (0 for
    /// identifiers no field compares).
    holders: Vec<u32>,
    /// The persona whose résumé stands for each unit.
    persona: Vec<unmask_graph::PersonaId>,
    /// Per unit, its résumé words (hashed, sorted) with their weights,
    /// ln(units / units holding the word), end to end; unit `k`'s are
    /// `words[word_start[k]..word_start[k + 1]]`. Words every unit holds
    /// weigh nothing and are left out. Beside each word so that comparing
    /// two résumés is one merge, with no lookups.
    words: Vec<(u32, f32)>,
    word_start: Vec<u32>,
    /// Per unit, the square root of its words' total weight.
    norm: Vec<f32>,
    /// Per unit, the contacts (e-mail, phone) its references give, sorted.
    refs: Vec<Vec<IdentId>>,
    /// Per unit, its photos with their perceptual hashes.
    photos: Vec<Vec<(IdentId, u64)>>,
    /// The number of units the word weights, common values' frequencies
    /// and the private bound are measured against: these units, or those
    /// of the fit given.
    fitted_units: usize,
    /// (word hash, units holding it), counted on these units; empty when
    /// the weights came from a fit given.
    word_units: Vec<(u32, u32)>,
}

impl Units<'_> {
    fn n_units(&self) -> usize {
        self.persona.len()
    }

    /// Unit `u`'s identifiers on field `f`, sorted.
    fn held(&self, u: u32, f: usize) -> &[IdentId] {
        let k = u as usize * NF + f;
        &self.held[self.held_start[k] as usize..self.held_start[k + 1] as usize]
    }

    fn levels(&self, a: u32, b: u32, out: &mut [u8]) {
        self.levels_by(a, b, out, |a, b| self.resume_cosine(a, b))
    }

    /// Levels, with résumé similarity from `resume`: the census of all
    /// pairs passes the near pairs blocking found rather than computing
    /// millions of similarities that are nearly all far below
    /// [`RESUME_NEAR`].
    fn levels_by(&self, a: u32, b: u32, out: &mut [u8], resume: impl Fn(u32, u32) -> f64) {
        for (f, (_, source, _)) in FIELDS.iter().enumerate() {
            out[f] = match source {
                Source::Ident(kind) => {
                    let (x, y) = (self.held(a, f), self.held(b, f));
                    let last = if *kind == IdentKind::Photo { 3 } else { 2 };
                    if x.is_empty() || y.is_empty() {
                        0
                    } else if x.iter().any(|v| y.binary_search(v).is_ok()) {
                        1
                    } else if *kind == IdentKind::Photo && self.nearest_photos(a, b).is_some() {
                        2
                    } else {
                        last
                    }
                }
                Source::Resume => {
                    let (x, y) = (self.held(a, f), self.held(b, f));
                    if x.is_empty() || y.is_empty() {
                        0
                    } else if x.iter().any(|v| y.binary_search(v).is_ok()) {
                        1
                    } else {
                        let c = resume(a, b);
                        2 + RESUME_NEAR.iter().take_while(|&&t| c < t).count() as u8
                    }
                }
                Source::Vouch => {
                    let (ra, rb) = (&self.refs[a as usize], &self.refs[b as usize]);
                    if ra.is_empty() && rb.is_empty() {
                        0
                    } else if self.vouches(a, b).or(self.vouches(b, a)).is_some() {
                        1
                    } else {
                        2
                    }
                }
            };
        }
    }

    /// A reference of `a` gives a contact that is `b`'s own.
    fn vouches(&self, a: u32, b: u32) -> Option<IdentId> {
        let refs = &self.refs[a as usize];
        if refs.is_empty() {
            return None;
        }
        let (email, phone) = (self.held(b, EMAIL), self.held(b, PHONE));
        refs.iter()
            .copied()
            .find(|c| email.binary_search(c).is_ok() || phone.binary_search(c).is_ok())
    }

    /// Two photos of units `a` and `b` within [`crate::PHOTO_MAX_BITS`],
    /// and their distance.
    fn nearest_photos(&self, a: u32, b: u32) -> Option<(IdentId, IdentId, u32)> {
        let (x, y) = (&self.photos[a as usize], &self.photos[b as usize]);
        x.iter()
            .flat_map(|&(p, hp)| y.iter().map(move |&(q, hq)| (p, q, (hp ^ hq).count_ones())))
            .filter(|t| t.2 <= crate::PHOTO_MAX_BITS)
            .min_by_key(|t| t.2)
    }

    /// A unit's weighted résumé words, sorted by word.
    fn resume(&self, u: u32) -> &[(u32, f32)] {
        let (a, b) = (self.word_start[u as usize], self.word_start[u as usize + 1]);
        &self.words[a as usize..b as usize]
    }

    /// Similarity of two résumés: the weight of their shared words over
    /// the geometric mean of each one's total.
    fn resume_cosine(&self, a: u32, b: u32) -> f64 {
        let (na, nb) = (self.norm[a as usize], self.norm[b as usize]);
        if na == 0.0 || nb == 0.0 {
            return 0.0;
        }
        let (x, y) = (self.resume(a), self.resume(b));
        let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
        while i < x.len() && j < y.len() {
            match x[i].0.cmp(&y[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += x[i].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        (dot / (na * nb)) as f64
    }

    /// Term frequency of the value shared on field `f`, when it says the
    /// value is common. A value held by a few units may be one operator's,
    /// all of them: its count of holders is no evidence of commonness, and
    /// the level's `u` stands. Held by more than [`Units::private_holders`]
    /// (the default avatar, a popular browser fingerprint, an agency's
    /// office IP), the value's own frequency is its `u`.
    fn tf(&self, a: u32, b: u32, f: usize) -> Option<f64> {
        if matches!(FIELDS[f].1, Source::Vouch) {
            return None;
        }
        let (x, y) = (self.held(a, f), self.held(b, f));
        let n = self.fitted_units.max(2) as f64;
        let private = self.private_holders();
        x.iter()
            .filter(|v| y.binary_search(v).is_ok())
            .filter(|v| self.holders[v.ix()] as usize > private)
            .map(|v| ((self.holders[v.ix()] - 1) as f64 / (n - 1.0)).max(1e-9))
            .reduce(f64::min)
    }

    /// The most units a value may have and still be one operator's own:
    /// [`crate::MAX_SHARED`], the most personas an operator runs, but not
    /// more than [`PRIVATE_SHARE`] of all units (and at least 3). Among 300
    /// applicants, the eleven who kept the default avatar are not one
    /// person, however few they are.
    fn private_holders(&self) -> usize {
        ((self.fitted_units as f64 * PRIVATE_SHARE) as usize).clamp(3, crate::MAX_SHARED)
    }

    fn reason(&self, a: u32, b: u32, p: f64) -> String {
        let mut parts = vec![];
        let mut lv = [0u8; NF];
        self.levels(a, b, &mut lv);
        for (f, (label, source, _)) in FIELDS.iter().enumerate() {
            let (x, y) = (self.held(a, f), self.held(b, f));
            match (source, lv[f]) {
                (Source::Vouch, 1) => {
                    let (from, to, c) = match self.vouches(a, b) {
                        Some(c) => (a, b, c),
                        None => (b, a, self.vouches(b, a).unwrap()),
                    };
                    parts.push(format!(
                        "{}'s reference gives {}, {}'s own",
                        self.record(from),
                        self.g.ident_text(c),
                        self.record(to)
                    ));
                }
                (Source::Resume, 1) => parts.push("same résumé text".to_string()),
                (Source::Resume, 2) => parts.push(format!(
                    "résumés near-identical (rare-word similarity {:.2})",
                    self.resume_cosine(a, b)
                )),
                (Source::Ident(_), 1) => {
                    let v = x.iter().find(|v| y.binary_search(v).is_ok()).unwrap();
                    parts.push(format!("same {label} {}", self.g.ident_text(*v)));
                }
                (Source::Ident(IdentKind::Photo), 2) => {
                    if let Some((p, q, d)) = self.nearest_photos(a, b) {
                        parts.push(format!(
                            "photos {} and {} differ in {d} of 64 bits",
                            self.g.ident_text(p),
                            self.g.ident_text(q)
                        ));
                    }
                }
                _ => {}
            }
        }
        format!("{} (match probability {p:.3})", parts.join(" and "))
    }

    fn record(&self, u: u32) -> &str {
        &self.g.personas[self.persona[u as usize].ix()].record_id
    }
}

/// `unit_persona[k]` is the persona standing for unit `k`; `unit_of` maps
/// every persona to its unit index.
pub(crate) fn link_units(
    g: &IdentityGraph,
    unit_of: &[u32],
    unit_persona: &[unmask_graph::PersonaId],
    photo_pairs: impl FnOnce() -> Vec<(IdentId, IdentId, u32)>,
    given: Option<&LinkFit>,
) -> Scored {
    let n_units = unit_persona.len();
    let mut steps = Steps::default();
    let units = Units::new(g, unit_of, unit_persona, given);
    steps.done("units");
    // Photo pairs may still be being found (see `resolve`): asked for only
    // now.
    let photo_pairs = photo_pairs();
    let (pairs, near_resumes, common_keys) = candidates(&units, unit_of, &photo_pairs, given);
    steps.done("candidates");
    let compare = |pairs: &[(u32, u32)]| {
        let mut data = vec![0u8; pairs.len() * NF];
        for (&(a, b), out) in pairs.iter().zip(data.chunks_mut(NF)) {
            units.levels(a, b, out);
        }
        Levels { fields: NF, data }
    };
    let levels = compare(&pairs);
    steps.done("compare");

    let fields: Vec<Field> = FIELDS
        .iter()
        .map(|(label, source, _)| Field {
            name: label.to_string(),
            columns: vec![],
            // The levels are computed here; the comparator declares how
            // many there are and what they mean.
            comparator: match source {
                Source::Ident(IdentKind::Photo) => Comparator::Hamming(vec![crate::PHOTO_MAX_BITS]),
                Source::Resume => Comparator::TokenSet(RESUME_NEAR.to_vec()),
                _ => Comparator::Exact,
            },
            tf: !matches!(source, Source::Vouch),
        })
        .collect();
    let n_levels: Vec<usize> = fields.iter().map(|f| f.comparator.levels()).collect();
    let related: Vec<bool> = FIELDS.iter().map(|f| f.2).collect();
    let probs_of = |model: &Model| -> Vec<f32> {
        pairs
            .iter()
            .enumerate()
            .map(|(k, &(a, b))| model.probability_with(levels.get(k), |f| units.tf(a, b, f)) as f32)
            .collect()
    };
    let (model, probs, threshold) = match given {
        Some(f) => {
            let model = Model {
                fields,
                m: f.m.clone(),
                u: f.u.clone(),
                related: f.related.clone(),
                related_fields: related,
                prior: f.prior,
            };
            let probs = probs_of(&model);
            (model, probs, f.threshold)
        }
        None => {
            let n = n_units as u64;
            let all_pairs = n * n.saturating_sub(1) / 2;
            let (counts, sampled) = census(&units, &n_levels, &near_resumes);
            let measured = shares_of_counts(counts);
            steps.done("census for u");
            let (mut u, mut fit) = (measured.clone(), None);
            if pairs.len() >= MIN_PAIRS_FOR_EM {
                // EM with `u` fixed, then `u` without the matches and
                // relatives the fit says the random pairs held; twice is
                // enough to settle.
                let found = patterns(&levels, None);
                for _ in 0..3 {
                    let f = em(&n_levels, &u, &related, &found, &[]);
                    u = u_without_linked(&measured, &f, all_pairs as f64, 0.5 / sampled as f64);
                    fit = Some(f);
                }
            }
            let fit = match fit {
                Some(_) => em(&n_levels, &u, &related, &patterns(&levels, None), &[]),
                None => {
                    u = default_u(&u, sampled);
                    default_fit(&n_levels, &u, &related, pairs.len(), n_units)
                }
            };
            let model = Model::from_fit(fields, related, u, fit, all_pairs as f64);
            let probs = probs_of(&model);
            // A wrong merge costs more than a missed link: it hands one
            // person's evidence to another, while two unlinked personas
            // still carry their own. So the model's expected-F1 threshold
            // may ask for more than LINK_AT, never for less.
            let threshold = unmask_link::choose_threshold(&probs).max(LINK_AT);
            (model, probs, threshold)
        }
    };
    steps.done("EM");
    let fit = match given {
        Some(f) => f.clone(),
        None => LinkFit {
            units: units.fitted_units,
            m: model.m.clone(),
            u: model.u.clone(),
            related: model.related.clone(),
            prior: model.prior,
            threshold,
            word_units: units.word_units.clone(),
            common: g
                .common()
                .map(|id| CommonValue {
                    kind: g.ident_kind(id),
                    text: g.ident_text(id).to_string(),
                    units: units.holders[id.ix()],
                })
                .collect(),
            common_resume_keys: common_keys,
        },
    };
    let edges = pairs
        .iter()
        .zip(&probs)
        .map(|(&(a, b), &p)| (p, a, b))
        .collect();
    let mut lv = [0u8; NF];
    let cluster = unmask_link::cluster::cluster_graph(n_units, edges, threshold, |x, y| {
        units.levels(x, y, &mut lv);
        Some(model.probability_with(&lv, |f| units.tf(x, y, f)))
    });
    steps.done("score and cluster");
    if std::env::var_os("UNMASK_DEBUG_LINK").is_some() {
        debug(&model, &probs, pairs.len(), threshold);
        eprintln!("steps {:?}", steps.0);
    }
    let links = pairs
        .iter()
        .zip(&probs)
        .filter(|&(&(a, b), &p)| {
            p as f64 >= threshold && cluster[a as usize] == cluster[b as usize]
        })
        .map(|(&(a, b), &p)| (a, b, units.reason(a, b, p as f64)))
        .collect();
    Scored {
        links,
        photo_pairs,
        fit,
    }
}

impl<'g> Units<'g> {
    fn new(
        g: &'g IdentityGraph,
        unit_of: &[u32],
        unit_persona: &[unmask_graph::PersonaId],
        given: Option<&LinkFit>,
    ) -> Self {
        let n_units = unit_persona.len();
        let field_of = |k: IdentKind| FIELDS.iter().position(|(_, s, _)| *s == Source::Ident(k));
        // (unit, field, identifier), sorted into the flat layout.
        let mut rows: Vec<(u32, u8, IdentId)> = vec![];
        let mut holders = vec![0u32; g.idents.len()];
        for id in (0..g.idents.len() as u32).map(IdentId) {
            let kind = g.ident_kind(id);
            let Some(f) = field_of(kind).or((kind == IdentKind::Resume).then_some(RESUME)) else {
                continue;
            };
            let mut us: Vec<u32> = g
                .edges_into(id)
                .filter(|e| matches!(e.role, Role::Own | Role::Payout | Role::ApplyIp))
                .filter_map(|e| g.persona_of(e.from))
                .map(|p| unit_of[p.ix()])
                .collect();
            us.sort_unstable();
            us.dedup();
            rows.extend(us.iter().map(|&u| (u, f as u8, id)));
            holders[id.ix()] = us.len() as u32;
        }
        // Under a fit, a common value counts the holders it had then.
        for c in given.map_or(&[][..], |f| &f.common[..]) {
            if let Some(id) = g.ident(c.kind, &c.text) {
                holders[id.ix()] = c.units;
            }
        }
        rows.sort_unstable();
        let held: Vec<IdentId> = rows.iter().map(|r| r.2).collect();
        let mut held_start = vec![0u32; n_units * NF + 1];
        for &(u, f, _) in &rows {
            held_start[u as usize * NF + f as usize + 1] += 1;
        }
        for k in 0..n_units * NF {
            held_start[k + 1] += held_start[k];
        }
        drop(rows);
        // Résumé word rarity over units (or over the fit's units, where a
        // word it never saw counts as one unit's).
        let (fitted_units, word_units) = match given {
            Some(f) => (f.units, vec![]),
            None => {
                let mut df: FxHashMap<u32, u32> = FxHashMap::default();
                for &p in unit_persona {
                    for &s in g.resume_words(p) {
                        *df.entry(s).or_default() += 1;
                    }
                }
                let mut v: Vec<(u32, u32)> = df.into_iter().collect();
                v.sort_unstable();
                (n_units, v)
            }
        };
        let nu = fitted_units.max(1) as f32;
        let idf: FxHashMap<u32, f32> = given
            .map_or(&word_units, |f| &f.word_units)
            .iter()
            .map(|&(w, d)| (w, (nu / d.max(1) as f32).ln()))
            .collect();
        let unseen = nu.ln();
        let mut words = vec![];
        let mut word_start = vec![0u32];
        let mut norm = Vec::with_capacity(n_units);
        for &p in unit_persona {
            let from = words.len();
            words.extend(
                g.resume_words(p)
                    .iter()
                    .map(|w| (*w, idf.get(w).copied().unwrap_or(unseen)))
                    .filter(|w| w.1 > 0.0),
            );
            norm.push(words[from..].iter().map(|w| w.1).sum::<f32>().sqrt());
            word_start.push(words.len() as u32);
        }
        drop(idf);
        let mut refs: Vec<Vec<IdentId>> = vec![vec![]; n_units];
        for r in &g.references {
            let u = unit_of[r.of.ix()] as usize;
            refs[u].extend([r.email, r.phone].into_iter().flatten());
        }
        for r in &mut refs {
            r.sort_unstable();
            r.dedup();
        }
        let photo_field = field_of(IdentKind::Photo).expect("photos are a field");
        let photos = (0..n_units)
            .map(|u| {
                let k = u * NF + photo_field;
                held[held_start[k] as usize..held_start[k + 1] as usize]
                    .iter()
                    .filter_map(|&id| Some((id, u64::from_str_radix(g.ident_text(id), 16).ok()?)))
                    .collect()
            })
            .collect();
        Units {
            g,
            photos,
            held,
            held_start,
            holders,
            persona: unit_persona.to_vec(),
            words,
            word_start,
            norm,
            refs,
            fitted_units,
            word_units,
        }
    }
}

/// Pairs of units, each as (lower, higher).
type PairSet = FxHashSet<(u32, u32)>;

/// Every pair of units in a run of (key, unit) rows, as (lower, higher).
fn add_run<K>(run: &[(K, u32)], out: &mut Vec<(u32, u32)>) {
    for (i, &(_, a)) in run.iter().enumerate() {
        for &(_, b) in &run[i + 1..] {
            if a != b {
                out.push((a.min(b), a.max(b)));
            }
        }
    }
}

/// Résumé blocking keys of unit `u`, as (key, unit) rows: each three of
/// its [`RESUME_KEY_WORDS`] rarest words. An edit of a résumé keeps most
/// of its rare words, so edits of one share a key.
fn resume_keys_of(units: &Units, u: u32, out: &mut Vec<([u32; 3], u32)>) {
    let mut rarest: Vec<(f32, u32)> = units.resume(u).iter().map(|&(w, idf)| (idf, w)).collect();
    let rarer = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if rarest.len() > RESUME_KEY_WORDS {
        rarest.select_nth_unstable_by(RESUME_KEY_WORDS - 1, rarer);
        rarest.truncate(RESUME_KEY_WORDS);
    }
    let mut rare: Vec<u32> = rarest.iter().map(|r| r.1).collect();
    rare.sort_unstable();
    for (i, &x) in rare.iter().enumerate() {
        for (j, &y) in rare.iter().enumerate().skip(i + 1) {
            for &z in &rare[j + 1..] {
                out.push(([x, y, z], u));
            }
        }
    }
}

/// Pairs of units with near résumés (rare-word similarity at least the
/// lowest of [`RESUME_NEAR`]) found through a shared blocking key, and the
/// keys that were too common to pair on: over [`RESUME_KEY_HOLDERS`]
/// units, or under a fit, exactly the keys it found so.
fn near_resumes(units: &Units, given: Option<&LinkFit>) -> (Vec<(u32, u32)>, Vec<[u32; 3]>) {
    let mut by_words: Vec<([u32; 3], u32)> = vec![];
    for u in 0..units.n_units() {
        resume_keys_of(units, u as u32, &mut by_words);
    }
    // Units under one key are paired only if their résumés are near: three
    // rare words in common can be chance, and such pairs would outnumber
    // the rest. Keys held by very many units are too common to say
    // anything. A pair under several keys is compared once, and the
    // comparisons are split over the cores.
    // Under a fit, the keys it found common are dropped and no others, so
    // that a part of the store pairs as the whole did.
    by_words.sort_unstable();
    let mut resume_pairs: Vec<(u32, u32)> = vec![];
    let mut common_keys = vec![];
    for run in by_words.chunk_by(|a, b| a.0 == b.0) {
        let common = match given {
            Some(f) => f.common_resume_keys.binary_search(&run[0].0).is_ok(),
            None => run.len() > RESUME_KEY_HOLDERS,
        };
        if common {
            common_keys.push(run[0].0);
        } else if run.len() > 1 {
            add_run(run, &mut resume_pairs);
        }
    }
    drop(by_words);
    resume_pairs.sort_unstable();
    resume_pairs.dedup();
    let near_floor = RESUME_NEAR[RESUME_NEAR.len() - 1];
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let near: Vec<(u32, u32)> = std::thread::scope(|s| {
        let handles: Vec<_> = resume_pairs
            .chunks(resume_pairs.len().div_ceil(threads).max(1))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .copied()
                        .filter(|&(a, b)| units.resume_cosine(a, b) >= near_floor)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    (near, common_keys)
}

/// Units with near résumés under `fit` (see [`near_resumes`]), numbered as
/// `unit_persona` lists them: who a change to one résumé may be paired
/// with.
pub(crate) fn near_resume_pairs(
    g: &IdentityGraph,
    unit_of: &[u32],
    unit_persona: &[unmask_graph::PersonaId],
    fit: &LinkFit,
) -> Vec<(u32, u32)> {
    near_resumes(&Units::new(g, unit_of, unit_persona, Some(fit)), Some(fit)).0
}

/// Similarity of two résumés (sorted word hashes, as the graph keeps
/// them) under `fit`, as linkage measures it: the rarity weight of their
/// shared words over the geometric mean of each one's total.
pub fn resume_similarity(fit: &LinkFit, a: &[u32], b: &[u32]) -> f64 {
    let nu = fit.units.max(1) as f32;
    let weight = |w: u32| match fit.word_units.binary_search_by_key(&w, |r| r.0) {
        Ok(i) => (nu / fit.word_units[i].1.max(1) as f32).ln(),
        Err(_) => nu.ln(),
    };
    let norm = |x: &[u32]| {
        x.iter()
            .map(|&w| weight(w))
            .filter(|&v| v > 0.0)
            .sum::<f32>()
            .sqrt()
    };
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += weight(a[i]).max(0.0);
                i += 1;
                j += 1;
            }
        }
    }
    (dot / (na * nb)) as f64
}

/// Résumé blocking keys of every unit under `fit`, less those it found
/// common, as (key, unit) rows in key order.
pub(crate) fn resume_keys(
    g: &IdentityGraph,
    unit_of: &[u32],
    unit_persona: &[unmask_graph::PersonaId],
    fit: &LinkFit,
) -> Vec<([u32; 3], u32)> {
    let units = Units::new(g, unit_of, unit_persona, Some(fit));
    let mut keys = vec![];
    for u in 0..units.n_units() {
        resume_keys_of(&units, u as u32, &mut keys);
    }
    keys.retain(|(k, _)| fit.common_resume_keys.binary_search(k).is_err());
    keys.sort_unstable();
    keys
}

/// Candidate pairs, and among them those with near résumés: units sharing a value held by at most
/// [`crate::MAX_SHARED`] units, near résumés (found through rare words in
/// common), a near photo, or a reference contact that is the other's own.
fn candidates(
    units: &Units,
    unit_of: &[u32],
    photo_pairs: &[(IdentId, IdentId, u32)],
    given: Option<&LinkFit>,
) -> (Vec<(u32, u32)>, PairSet, Vec<[u32; 3]>) {
    let g = units.g;
    // Pairs are collected in a vector and deduplicated once at the end:
    // at a million units that is several times cheaper than a hash set.
    let mut out: Vec<(u32, u32)> = vec![];
    let add_all = |us: &[u32], out: &mut Vec<(u32, u32)>| {
        for (i, &a) in us.iter().enumerate() {
            for &b in &us[i + 1..] {
                if a != b {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
    };
    // (key, unit) rows sorted by key: a key's holders are one run.
    let mut by_value: Vec<(u32, u32)> = vec![];
    for u in 0..units.n_units() {
        let all = units.held_start[u * NF] as usize..units.held_start[(u + 1) * NF] as usize;
        for id in &units.held[all] {
            if units.holders[id.ix()] as usize <= crate::MAX_SHARED && !g.is_common(*id) {
                by_value.push((id.0, u as u32));
            }
        }
    }
    by_value.sort_unstable();
    for run in by_value
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        add_run(run, &mut out);
    }
    let (near, common_keys) = near_resumes(units, given);
    out.extend_from_slice(&near);
    let near_resumes: PairSet = near.into_iter().collect();
    let unit_of_photo = |id: IdentId| {
        g.edges_into(id)
            .filter_map(|e| g.persona_of(e.from))
            .map(|p| unit_of[p.ix()])
            .next()
    };
    for &(a, b, _) in photo_pairs {
        if let (Some(x), Some(y)) = (unit_of_photo(a), unit_of_photo(b)) {
            add_all(&[x, y], &mut out);
        }
    }
    for r in &g.references {
        for contact in [r.email, r.phone].into_iter().flatten() {
            if units.holders[contact.ix()] as usize <= crate::MAX_SHARED && !g.is_common(contact) {
                for e in g.edges_into(contact).filter(|e| e.role == Role::Own) {
                    if let Some(o) = g.persona_of(e.from) {
                        add_all(&[unit_of[r.of.ix()], unit_of[o.ix()]], &mut out);
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, near_resumes, common_keys)
}

/// Counts of pairs of units at each level of each field, for `u`: over
/// every pair when there are at most [`U_PAIRS`] (counted from who holds
/// what, [`census_by_holders`]), else over that many random ones from a
/// fixed seed, so that a scan is reproducible. Returns the counts and the
/// pairs counted.
fn census(units: &Units, n_levels: &[usize], near_resumes: &PairSet) -> (Vec<Vec<f64>>, usize) {
    let n = units.n_units();
    let all = n as u64 * (n as u64).saturating_sub(1) / 2;
    if all <= U_PAIRS as u64 {
        return (
            census_by_holders(units, n_levels, near_resumes),
            (all as usize).max(1),
        );
    }
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let parts: Vec<(Vec<Vec<u64>>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut rng = unmask_link::model::SplitMix(0x5EED + t as u64);
                    count_levels(
                        units,
                        n_levels,
                        near_resumes,
                        &mut (0..U_PAIRS / threads)
                            .map(move |_| (rng.below(n) as u32, rng.below(n) as u32))
                            .filter(|(a, b)| a != b),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut counts: Vec<Vec<f64>> = n_levels.iter().map(|&l| vec![0.0; l]).collect();
    let mut sampled = 0;
    for (part, k) in parts {
        sampled += k;
        for (c, p) in counts.iter_mut().zip(part) {
            for (x, y) in c.iter_mut().zip(p) {
                *x += y as f64;
            }
        }
    }
    (counts, sampled.max(1))
}

/// Levels of each given pair, counted per field and level; and how many
/// pairs there were. Résumés are near only where blocking found them so
/// (at most a couple of an operator's pairs are missed on the demo).
fn count_levels(
    units: &Units,
    n_levels: &[usize],
    near_resumes: &PairSet,
    pairs: &mut dyn Iterator<Item = (u32, u32)>,
) -> (Vec<Vec<u64>>, usize) {
    let resume = |a: u32, b: u32| {
        if near_resumes.contains(&(a.min(b), a.max(b))) {
            1.0
        } else {
            0.0
        }
    };
    let mut counts: Vec<Vec<u64>> = n_levels.iter().map(|&l| vec![0; l]).collect();
    let (mut lv, mut k) = ([0u8; NF], 0usize);
    for (a, b) in pairs {
        units.levels_by(a, b, &mut lv, resume);
        for (c, &l) in counts.iter_mut().zip(&lv) {
            c[l as usize] += 1;
        }
        k += 1;
    }
    (counts, k)
}

/// What [`count_levels`] gives over every pair, without visiting the
/// pairs: a field's pairs that agree are the pairs among each value's
/// holders, its missing pairs those where a side has no value, and the
/// rest differ; near photos come from comparing the distinct photos, near
/// résumés from blocking. The work grows with the pairs that share
/// something, not with all pairs: on a company's few thousand applicants
/// the pair-by-pair census was a third of every rescan. Exactly equal to
/// the pair-by-pair counts (tested).
fn census_by_holders(units: &Units, n_levels: &[usize], near_resumes: &PairSet) -> Vec<Vec<f64>> {
    let n = units.n_units() as u64;
    let pairs_of = |k: u64| k * k.saturating_sub(1) / 2;
    let all = pairs_of(n);
    // Distinct (lower, higher) pairs among the holders of each value.
    let agreeing = |runs: &mut dyn Iterator<Item = &[(IdentId, u32)]>| -> Vec<(u32, u32)> {
        let mut out = vec![];
        for run in runs {
            add_run(run, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    // (value, unit) rows of field `f`, sorted: each value's holders a run.
    let rows_of = |f: usize| -> Vec<(IdentId, u32)> {
        let mut rows: Vec<(IdentId, u32)> = (0..n as u32)
            .flat_map(|u| units.held(u, f).iter().map(move |&id| (id, u)))
            .collect();
        rows.sort_unstable();
        rows
    };
    let mut out = vec![];
    for (f, (_, source, _)) in FIELDS.iter().enumerate() {
        let mut c = vec![0u64; n_levels[f]];
        let last = c.len() - 1;
        match source {
            Source::Ident(_) | Source::Resume => {
                let rows = rows_of(f);
                let with = (0..n as u32)
                    .filter(|&u| !units.held(u, f).is_empty())
                    .count() as u64;
                let same = agreeing(&mut rows.chunk_by(|a, b| a.0 == b.0));
                let near = match source {
                    Source::Ident(IdentKind::Photo) => {
                        // Pairs of distinct photos within the bound, then
                        // the pairs of their holders.
                        let mut photos: Vec<(IdentId, u64)> =
                            units.photos.iter().flatten().copied().collect();
                        photos.sort_unstable();
                        photos.dedup();
                        let holders = |id: IdentId| {
                            let from = rows.partition_point(|r| r.0 < id);
                            rows[from..]
                                .iter()
                                .take_while(move |r| r.0 == id)
                                .map(|r| r.1)
                        };
                        let mut near = vec![];
                        for (i, &(p, hp)) in photos.iter().enumerate() {
                            for &(q, hq) in &photos[i + 1..] {
                                if (hp ^ hq).count_ones() <= crate::PHOTO_MAX_BITS {
                                    for a in holders(p) {
                                        for b in holders(q) {
                                            if a != b {
                                                near.push((a.min(b), a.max(b)));
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        near
                    }
                    Source::Resume => near_resumes
                        .iter()
                        .copied()
                        .filter(|&(a, b)| {
                            !units.held(a, f).is_empty() && !units.held(b, f).is_empty()
                        })
                        .collect(),
                    _ => vec![],
                };
                let mut near: Vec<(u32, u32)> = near
                    .into_iter()
                    .filter(|p| same.binary_search(p).is_err())
                    .collect();
                near.sort_unstable();
                near.dedup();
                // Missing, same, [near,] different.
                c[0] = all - pairs_of(with);
                c[1] = same.len() as u64;
                let near = if last == 3 { near.len() as u64 } else { 0 };
                if last == 3 {
                    c[2] = near;
                }
                c[last] = pairs_of(with) - c[1] - near;
            }
            Source::Vouch => {
                // A unit's references give contacts; the units whose own
                // e-mail or phone each is.
                let mut owners: Vec<(IdentId, u32)> = rows_of(EMAIL);
                owners.extend(rows_of(PHONE));
                owners.sort_unstable();
                let mut same = vec![];
                for (a, refs) in units.refs.iter().enumerate() {
                    for &contact in refs {
                        let from = owners.partition_point(|r| r.0 < contact);
                        for &(_, b) in owners[from..].iter().take_while(|r| r.0 == contact) {
                            if b != a as u32 {
                                same.push((b.min(a as u32), b.max(a as u32)));
                            }
                        }
                    }
                }
                same.sort_unstable();
                same.dedup();
                let without = units.refs.iter().filter(|r| r.is_empty()).count() as u64;
                c[0] = pairs_of(without);
                c[1] = same.len() as u64;
                c[last] = all - c[0] - c[1];
            }
        }
        out.push(c.into_iter().map(|x| x as f64).collect());
    }
    out
}

/// Seconds per step of [`link_units`], for `UNMASK_DEBUG_LINK`.
struct Steps(Vec<(&'static str, f64)>, std::time::Instant);
impl Default for Steps {
    fn default() -> Self {
        Steps(vec![], std::time::Instant::now())
    }
}
impl Steps {
    fn done(&mut self, step: &'static str) {
        let t = self.1.elapsed().as_secs_f64();
        let before: f64 = self.0.iter().map(|s| s.1).sum();
        self.0.push((step, ((t - before) * 100.0).round() / 100.0));
    }
}

fn debug(model: &Model, probs: &[f32], pairs: usize, threshold: f64) {
    eprintln!(
        "pairs {pairs} threshold {threshold} prior {:?}",
        model.prior
    );
    for (f, field) in FIELDS.iter().enumerate() {
        eprintln!(
            "{:>14} m {:.3?} u {:.4?} h {:.3?}",
            field.0,
            model.m[f],
            model.u[f],
            model.related.as_ref().map(|h| &h[f])
        );
    }
    let mut hist = [0usize; 11];
    for &p in probs {
        hist[(p * 10.0) as usize] += 1;
    }
    eprintln!("hist {hist:?}");
}

/// `u` on small data: the measured shares of `sampled` random pairs,
/// blended with [`DEFAULT_U`] worth [`DEFAULT_U_PAIRS`] pairs, level by
/// level; "different" takes what the other levels leave.
fn default_u(measured: &[Vec<f64>], sampled: usize) -> Vec<Vec<f64>> {
    let n = sampled as f64;
    measured
        .iter()
        .zip(DEFAULT_U)
        .map(|(raw, prior)| {
            let mut u = raw.clone();
            let last = u.len() - 1;
            for (l, &p) in prior.iter().enumerate() {
                u[l + 1] = (n * raw[l + 1] + DEFAULT_U_PAIRS * p) / (n + DEFAULT_U_PAIRS);
            }
            u[last] = 1.0 - u[1..last].iter().sum::<f64>();
            u
        })
        .collect()
}

/// Class shares and distributions when there is too little data for EM:
/// `m` from [`DEFAULT_M`], relatives sharing related fields as often as
/// matches do, one matched pair per [`DEFAULT_UNITS_PER_MATCH`] units (at least one,
/// at most every candidate), and three candidate pairs in ten relatives.
fn default_fit(
    n_levels: &[usize],
    u: &[Vec<f64>],
    related: &[bool],
    pairs: usize,
    units: usize,
) -> Fit {
    let m: Vec<Vec<f64>> = DEFAULT_M
        .iter()
        .zip(n_levels)
        .map(|(d, &n)| {
            debug_assert_eq!(d.len() + 1, n);
            std::iter::once(1.0).chain(d.iter().copied()).collect()
        })
        .collect();
    let h: Vec<Vec<f64>> = m
        .iter()
        .zip(u)
        .zip(related)
        .map(|((m, u), &r)| if r { m.clone() } else { u.clone() })
        .collect();
    let pairs = pairs.max(1) as f64;
    let matches = (units as f64 / DEFAULT_UNITS_PER_MATCH).max(1.0).min(pairs);
    let relatives = (pairs * 0.3).min(pairs - matches);
    let strangers = pairs - matches - relatives;
    Fit {
        m,
        related: Some(h),
        share: vec![[matches / pairs, relatives / pairs, strangers / pairs]],
        expected: [matches, relatives, strangers],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A world of applications drawing e-mails, phones, devices, IPs,
    /// photos (some a few bits from another), résumés (some edits of
    /// another) and references from small pools, so that every level of
    /// every field occurs, with values shared by two, a few and many.
    fn random_world(seed: u64, apps: usize) -> IdentityGraph {
        use unmask_ingest::{Origin, Sink};
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let words = [
            "rust",
            "kafka",
            "payments",
            "ledger",
            "latency",
            "terraform",
            "mentored",
            "shipped",
            "postgres",
            "migrated",
            "billing",
            "search",
            "mobile",
            "compliance",
            "streaming",
        ];
        let photos: Vec<u64> = (0..40)
            .map(|k| 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(k + 1))
            .collect();
        let mut b = unmask_graph::GraphBuilder::new(|_| {});
        for k in 0..apps {
            let mut v = serde_json::json!({
                "application_id": format!("a{k}"), "submitted_at": "2026-03-01T10:00:00Z",
                "full_name": format!("Person {k}"),
            });
            if next(5) > 0 {
                v["emails"] = serde_json::json!([format!("m{}@mail.example", next(apps))]);
            }
            if next(3) > 0 {
                v["phones"] = serde_json::json!([format!("+44 7700 9{:05}", next(apps / 2))]);
            }
            if next(2) > 0 {
                v["device_fingerprint"] = format!("fp-{}", next(30)).into();
            }
            if next(2) > 0 {
                v["ip"] = format!("81.2.3.{}", next(20)).into();
            }
            if next(4) > 0 {
                let flip = (1u64 << next(64)) * (next(3) == 0) as u64;
                let h = photos[next(photos.len())] ^ flip;
                v["photo_phash"] = format!("{h:016x}").into();
            }
            if next(4) > 0 {
                let t = next(6);
                let text: Vec<&str> = (0..12)
                    .map(|i| words[(t * 7 + i * 3 + next(2) * (i % 5 == 0) as usize) % words.len()])
                    .collect();
                v["resume_text"] = text.join(" ").into();
            }
            if next(2) > 0 {
                v["payment"] = serde_json::json!([{"method": "bank", "account": format!("GB{:04}", next(apps))}]);
            }
            if next(3) == 0 {
                v["references"] = serde_json::json!([{"name": "Ref", "email": format!("m{}@mail.example", next(apps))}]);
            }
            let at = Origin {
                file: "t".into(),
                line: k as u64 + 1,
            };
            b.application(serde_json::from_value(v).unwrap(), &at);
        }
        b.finish().0
    }

    #[test]
    fn the_census_from_holders_equals_the_census_pair_by_pair() {
        for (seed, apps) in [(1, 60), (2, 200), (3, 400), (4, 2)] {
            let g = random_world(seed, apps);
            let unit_persona: Vec<unmask_graph::PersonaId> = (0..g.personas.len() as u32)
                .map(unmask_graph::PersonaId)
                .collect();
            let unit_of: Vec<u32> = (0..g.personas.len() as u32).collect();
            let units = Units::new(&g, &unit_of, &unit_persona, None);
            let photo_pairs = crate::similar_photos(&g, crate::PHOTO_MAX_BITS);
            let (_, near, _) = candidates(&units, &unit_of, &photo_pairs, None);
            let n_levels = [3, 3, 4, 4, 3, 3, 3, 3];
            let n = units.n_units() as u32;
            let (pairwise, k) = count_levels(
                &units,
                &n_levels,
                &near,
                &mut (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))),
            );
            let pairwise: Vec<Vec<f64>> = pairwise
                .into_iter()
                .map(|c| c.into_iter().map(|x| x as f64).collect())
                .collect();
            let by_holders = census_by_holders(&units, &n_levels, &near);
            assert_eq!(by_holders, pairwise, "seed {seed}, {apps} applications");
            assert_eq!(k as u64, n as u64 * (n as u64 - 1) / 2);
            if apps >= 200 {
                // Every level of every field occurs, so the comparison
                // above covers each way of counting.
                for (f, c) in by_holders.iter().enumerate() {
                    assert!(c.iter().all(|&x| x > 0.0), "field {f}: {c:?}");
                }
            }
        }
    }

    #[test]
    fn a_fit_given_back_links_as_the_fit_made() {
        let g = random_world(5, 400);
        let made = crate::resolve(&g);
        let json = serde_json::to_string(&made.fit).unwrap();
        let fit: LinkFit = serde_json::from_str(&json).unwrap();
        assert_eq!(fit, made.fit, "the fit survives JSON exactly");
        assert!(!made.links.is_empty());
        let given = crate::resolve_with(&g, Some(&fit));
        assert_eq!(given.links, made.links);
        assert_eq!(given.of, made.of);
        assert_eq!(given.fit, made.fit);
        // And it is used: a fit that links nothing links nothing.
        let strict = LinkFit {
            threshold: 2.0,
            ..fit.clone()
        };
        assert!(crate::resolve_with(&g, Some(&strict)).links.is_empty());
        // Word weights are the fit's: measured against a thousand times
        // the units, every word weighs more.
        let bigger = LinkFit {
            units: fit.units * 1000,
            ..fit.clone()
        };
        let unit_persona: Vec<unmask_graph::PersonaId> = (0..g.personas.len() as u32)
            .map(unmask_graph::PersonaId)
            .collect();
        let unit_of: Vec<u32> = (0..g.personas.len() as u32).collect();
        let own = Units::new(&g, &unit_of, &unit_persona, Some(&fit));
        let rarer = Units::new(&g, &unit_of, &unit_persona, Some(&bigger));
        assert_eq!(own.words.len(), rarer.words.len());
        assert!(!own.words.is_empty());
        for (a, b) in own.words.iter().zip(&rarer.words) {
            assert_eq!(a.0, b.0);
            assert!(b.1 > a.1, "{a:?} {b:?}");
        }
    }

    #[test]
    fn field_indices_name_their_fields() {
        assert_eq!(FIELDS[EMAIL].1, Source::Ident(IdentKind::Email));
        assert_eq!(FIELDS[PHONE].1, Source::Ident(IdentKind::Phone));
        assert_eq!(FIELDS[RESUME].1, Source::Resume);
    }
}
