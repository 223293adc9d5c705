//! Resolve: which personas are the same real person (an *actor*).
//!
//! A worker and its own application are one *unit* (one presentation of a
//! person). Units are linked by the probabilistic engine of `unmask-link`
//! ([`linkage`]): the personal fields — e-mail, payout account, photo (also
//! a nearly identical one), résumé (also an edited one) and vouching (a
//! reference whose contact is the other unit's own) — say "one person";
//! phones, devices and IPs, which households and agencies share, are
//! explained by a related-person class unless a personal field agrees. A
//! shared value counts for less the more units hold it, and clustering
//! refuses to chain two people through one link. Values shared by more
//! than [`MAX_SHARED`] units (the default avatar, an agency's phone) never
//! make candidate pairs.

mod linkage;

pub use linkage::{
    CommonValue, DEFAULT_M, LinkFit, MIN_PAIRS_FOR_EM, RESUME_NEAR, resume_similarity,
};
use rustc_hash::FxHashMap;
use unmask_graph::{IdentKind, IdentityGraph, PersonaId, PersonaKind};

/// An operator runs up to about a dozen personas; a value shared by more
/// people than that is a common value, not one person.
pub const MAX_SHARED: usize = 12;

/// Why two personas were put in one actor.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub a: PersonaId,
    pub b: PersonaId,
    pub reason: String,
}

pub struct Actors {
    /// Actor index of each persona.
    pub of: Vec<u32>,
    /// Members of each actor, in persona order.
    pub members: Vec<Vec<PersonaId>>,
    pub links: Vec<Link>,
    /// The *unit* of each persona: a worker and its own application are one
    /// unit (one presentation of a person), so shared-identifier detectors
    /// never count a worker against its own application.
    pub unit: Vec<PersonaId>,
    /// Near-identical photo pairs (computed once; detectors reuse them).
    pub photo_pairs: Vec<(unmask_graph::IdentId, unmask_graph::IdentId, u32)>,
    /// The fit the units were linked under.
    pub fit: LinkFit,
}

impl Actors {
    /// The id of actor `a` in findings: `actor-` and the smallest record id
    /// among its members. It does not depend on the order records were read
    /// in, so an actor keeps its id when records are added elsewhere (a
    /// link to it stays good across the service's rescans), and changes
    /// only when its own members do.
    pub fn id(&self, g: &IdentityGraph, a: u32) -> String {
        let first = self.members[a as usize]
            .iter()
            .map(|p| g.personas[p.ix()].record_id.as_str())
            .min()
            .unwrap_or_default();
        format!("actor-{first}")
    }
}

struct Dsu(Vec<u32>);
impl Dsu {
    fn find(&mut self, x: u32) -> u32 {
        let mut r = x;
        while self.0[r as usize] != r {
            r = self.0[r as usize];
        }
        let mut x = x;
        while self.0[x as usize] != r {
            let next = self.0[x as usize];
            self.0[x as usize] = r;
            x = next;
        }
        r
    }
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.0[hi as usize] = lo;
        true
    }
}

/// Pairs of photo hashes within `max_bits` Hamming distance, found with a
/// multi-index: each hash is split into four 16-bit chunks, and each chunk
/// is looked up exactly and with each of its 16 bits flipped. Two hashes
/// within 7 bits have some chunk within one bit of the other's (pigeonhole),
/// so every such pair is found; 8-bit pairs are found when any chunk is
/// that close (most are). Buckets stay small at millions of photos, unlike
/// a scan of all pairs. Hashes held by more than [`MAX_SHARED`] personas
/// are common (the default avatar) and left out.
pub fn similar_photos(
    g: &IdentityGraph,
    max_bits: u32,
) -> Vec<(unmask_graph::IdentId, unmask_graph::IdentId, u32)> {
    let photos: Vec<(unmask_graph::IdentId, u64)> = (0..g.idents.len() as u32)
        .map(unmask_graph::IdentId)
        .filter(|&id| g.ident_kind(id) == IdentKind::Photo)
        .filter(|&id| g.edges_into(id).count() <= MAX_SHARED && !g.is_common(id))
        .filter_map(|id| {
            u64::from_str_radix(g.ident_text(id), 16)
                .ok()
                .map(|h| (id, h))
        })
        .collect();
    let chunk = |h: u64, c: u32| (h >> (16 * c)) as u16 as usize;
    // Per chunk, a direct-indexed table: photos whose chunk value is v are
    // rows[start[v]..start[v + 1]] (a counting sort; no hashing per probe),
    // each row the photo's index and its hash, so that a bucket is scanned
    // in one pass over memory (at a million photos a bucket holds ~15).
    let tables: Vec<(Vec<u32>, Vec<(u32, u64)>)> = (0..4)
        .map(|c| {
            let mut start = vec![0u32; 65_537];
            for &(_, h) in &photos {
                start[chunk(h, c) + 1] += 1;
            }
            for v in 0..65_536 {
                start[v + 1] += start[v];
            }
            let mut fill = start.clone();
            let mut rows = vec![(0u32, 0u64); photos.len()];
            for (i, &(_, h)) in photos.iter().enumerate() {
                let v = chunk(h, c);
                rows[fill[v] as usize] = (i as u32, h);
                fill[v] += 1;
            }
            (start, rows)
        })
        .collect();
    // Photos split over the cores; a pair is found from its lower index.
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let per = photos.len().div_ceil(threads).max(1);
    let mut found: Vec<(u32, u32, u32)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..photos.len())
            .step_by(per)
            .map(|from| {
                let (photos, tables) = (&photos, &tables);
                s.spawn(move || {
                    let mut found = vec![];
                    for i in from..(from + per).min(photos.len()) {
                        let h = photos[i].1;
                        for (c, (start, rows)) in tables.iter().enumerate() {
                            let v = chunk(h, c as u32);
                            for probe in std::iter::once(v).chain((0..16).map(|b| v ^ (1 << b))) {
                                for &(j, hj) in
                                    &rows[start[probe] as usize..start[probe + 1] as usize]
                                {
                                    let d = (h ^ hj).count_ones();
                                    if j as usize > i && d <= max_bits {
                                        found.push((i as u32, j, d));
                                    }
                                }
                            }
                        }
                    }
                    found
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    // A pair close in several chunks is found once per chunk.
    found.sort_unstable();
    found.dedup();
    let pairs = found
        .into_iter()
        .map(|(i, j, d)| ((i as usize, j as usize), d));
    let mut out: Vec<_> = pairs
        .map(|((i, j), d)| (photos[i].0, photos[j].0, d))
        .collect();
    out.sort_by_key(|&(a, b, _)| (a, b));
    out
}

/// Pairs of personas standing for units whose résumés are near under the
/// actors' fit and share a blocking key it does not find common: the pairs
/// linkage compares for their résumés, and so what the closure of a change
/// to one résumé follows.
pub fn near_resumes(g: &IdentityGraph, actors: &Actors) -> Vec<(PersonaId, PersonaId)> {
    let (unit_of, unit_persona) = units_numbered(actors);
    linkage::near_resume_pairs(g, &unit_of, &unit_persona, &actors.fit)
        .into_iter()
        .map(|(a, b)| (unit_persona[a as usize], unit_persona[b as usize]))
        .collect()
}

/// The résumé blocking keys of every unit under the actors' fit, less the
/// keys the fit found common, as (key, persona standing for the unit):
/// the keys a unit added later is paired through, so that the units it
/// may be compared with can be looked up without rescanning.
pub fn resume_keys(g: &IdentityGraph, actors: &Actors) -> Vec<([u32; 3], PersonaId)> {
    let (unit_of, unit_persona) = units_numbered(actors);
    linkage::resume_keys(g, &unit_of, &unit_persona, &actors.fit)
        .into_iter()
        .map(|(k, u)| (k, unit_persona[u as usize]))
        .collect()
}

/// Units numbered in persona order: each persona's unit number, and the
/// persona standing for each unit.
fn units_numbered(actors: &Actors) -> (Vec<u32>, Vec<PersonaId>) {
    let mut unit_persona: Vec<PersonaId> = vec![];
    let mut index: FxHashMap<PersonaId, u32> = FxHashMap::default();
    let unit_of: Vec<u32> = actors
        .unit
        .iter()
        .map(|&u| {
            *index.entry(u).or_insert_with(|| {
                unit_persona.push(u);
                (unit_persona.len() - 1) as u32
            })
        })
        .collect();
    (unit_of, unit_persona)
}

/// Near-identical photos: at most this many of 64 bits differ.
pub const PHOTO_MAX_BITS: u32 = 8;

/// Actors, with a fit made on `g` itself.
pub fn resolve(g: &IdentityGraph) -> Actors {
    resolve_with(g, None)
}

/// Actors under `fit` when given (one made on other data, or on this data
/// before it changed), else under a fit made on `g`.
pub fn resolve_with(g: &IdentityGraph, fit: Option<&LinkFit>) -> Actors {
    let n = g.personas.len();
    let mut dsu = Dsu((0..n as u32).collect());
    let mut links = vec![];
    let mut link = |dsu: &mut Dsu, a: PersonaId, b: PersonaId, reason: String| {
        if dsu.union(a.0, b.0) {
            links.push(Link { a, b, reason });
        }
    };
    // A worker and its own application.
    let mut unit: Vec<PersonaId> = (0..n as u32).map(PersonaId).collect();
    for (i, p) in g.personas.iter().enumerate() {
        if let (PersonaKind::Worker, Some(app)) = (p.kind, p.application) {
            unit[i] = app;
            link(
                &mut dsu,
                PersonaId(i as u32),
                app,
                format!(
                    "worker record names application {}",
                    g.personas[app.ix()].record_id
                ),
            );
        }
    }
    // Units (applications, and personas without one) scored and clustered
    // by the linkage engine.
    let mut unit_index: FxHashMap<PersonaId, u32> = FxHashMap::default();
    let mut unit_persona: Vec<PersonaId> = vec![];
    let unit_of: Vec<u32> = unit
        .iter()
        .map(|&u| {
            *unit_index.entry(u).or_insert_with(|| {
                unit_persona.push(u);
                (unit_persona.len() - 1) as u32
            })
        })
        .collect();
    // Near-identical photos are found on a thread of their own while the
    // linkage engine lays out its units.
    let scored = std::thread::scope(|s| {
        let photos = s.spawn(|| similar_photos(g, PHOTO_MAX_BITS));
        linkage::link_units(
            g,
            &unit_of,
            &unit_persona,
            || {
                photos
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            },
            fit,
        )
    });
    let photo_pairs = scored.photo_pairs;
    let fit = scored.fit;
    for (a, b, reason) in scored.links {
        let (a, b) = (unit_persona[a as usize], unit_persona[b as usize]);
        if dsu.find(a.0) != dsu.find(b.0) {
            link(&mut dsu, a, b, reason);
        }
    }
    // Number actors by their first member.
    let mut index: FxHashMap<u32, u32> = FxHashMap::default();
    let mut of = vec![0u32; n];
    let mut members: Vec<Vec<PersonaId>> = vec![];
    for i in 0..n {
        let root = dsu.find(i as u32);
        let a = *index.entry(root).or_insert_with(|| {
            members.push(vec![]);
            (members.len() - 1) as u32
        });
        of[i] = a;
        members[a as usize].push(PersonaId(i as u32));
    }
    Actors {
        of,
        members,
        links,
        unit,
        photo_pairs,
        fit,
    }
}
