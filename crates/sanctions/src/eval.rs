//! The screening evaluation: labelled public cases, each scored by unmask
//! and by plain Jaro–Winkler side by side.
//!
//! The baseline is what a team would write first: both names folded the
//! same way (any script to ASCII, lower case, punctuation to spaces) and
//! compared whole with Jaro–Winkler, the best-scoring listed name winning;
//! 0.90 is its review level, as in the measurement of naive
//! screening. "Recall@1" counts a case found when the expected entry has
//! the top score (sharing it with another entry of the very same score,
//! two designations of one name, counts as found).
//!
//! The cases, all under `sanctions/` of the shared data:
//!
//! | benchmark | cases |
//! |---|---|
//! | OFAC DPRK aliases | every alias OFAC lists for a North Korean individual, screened against primary names only |
//! | romanisation variants | the primary names of North Korean individuals (OFAC, UN) respelled token by token with the forms of `korean_name_variants` |
//! | UN perturbed names | yente's perturbed UN names (`yente_positives_un_treated`), with and without their date of birth and nationality |
//! | cross-script pairs | Watchman's cross-script pairs at their own minimum scores |
//! | name bench | nomenklatura's labelled pairs (people and companies) |
//! | OFAC search tool | results OFAC's own search scores, by OFAC's score |
//! | innocent names | Febrl's synthetic people, and common Korean names with a birth date, against OFAC + UN + UK |
//! | identifiers | every listed identifier exactly, and with one character changed |

use crate::list::{Entity, EntityKind, IdKind, ListedName, load_ofac_dir};
use crate::screen::{Index, Query, REVIEW_AT};
use std::path::Path;
use std::time::{Duration, Instant};

/// The baseline's review level.
pub const BASELINE_REVIEW_AT: f64 = 0.90;

pub struct Line {
    pub benchmark: &'static str,
    pub measure: String,
    pub cases: usize,
    pub unmask: f64,
    /// `None` where the baseline has nothing to say (identifiers).
    pub baseline: Option<f64>,
    pub unit: Unit,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share of the cases, more is better.
    Share,
    /// Cases per 1,000 or a count, fewer is better.
    PerThousand,
    Count,
}

/// Scores of one category of cases: 10th, 50th and 90th percentiles.
pub struct Spread {
    pub benchmark: &'static str,
    pub category: String,
    pub cases: usize,
    pub unmask: [f64; 3],
    pub baseline: [f64; 3],
}

pub struct Speed {
    pub lists: String,
    pub entries: usize,
    /// Reading and parsing the three lists.
    pub load: Duration,
    pub build: Duration,
    pub queries: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub struct Report {
    pub lines: Vec<Line>,
    pub spreads: Vec<Spread>,
    pub speed: Option<Speed>,
    /// Cases read from each file, and rows set aside.
    pub notes: Vec<String>,
}

/// A name as the baseline compares it.
pub fn fold(name: &str) -> String {
    let ascii = any_ascii::any_ascii(name).to_lowercase();
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Plain Jaro–Winkler over every listed name.
pub struct Baseline {
    names: Vec<(String, u32)>,
}

impl Baseline {
    pub fn new(entities: &[Entity]) -> Baseline {
        let names = entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.names.iter().map(move |n| (fold(&n.text), i as u32)))
            .collect();
        Baseline { names }
    }

    /// The best score and every entity that has it.
    pub fn top(&self, name: &str) -> (f64, Vec<u32>) {
        let q = fold(name);
        let (mut best, mut who) = (0.0f64, vec![]);
        for (n, e) in &self.names {
            let s = strsim::jaro_winkler(&q, n);
            if s > best + 1e-12 {
                best = s;
                who.clear();
                who.push(*e);
            } else if (s - best).abs() <= 1e-12 && !who.contains(e) {
                who.push(*e);
            }
        }
        (best, who)
    }
}

/// unmask's best score for `q` and every entity that has it.
fn top(ix: &Index, q: &Query) -> (f64, Vec<u32>) {
    let ms = ix.screen(q, 0.0, 50);
    let best = ms.first().map_or(0.0, |m| m.score);
    let who = ms
        .iter()
        .filter(|m| m.score >= best - 1e-12)
        .map(|m| m.entity as u32)
        .collect();
    (best, who)
}

fn named(name: &str) -> Query {
    Query {
        name: name.to_string(),
        ..Default::default()
    }
}

fn percentiles(mut v: Vec<f64>) -> [f64; 3] {
    if v.is_empty() {
        return [0.0; 3];
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    [at(0.1), at(0.5), at(0.9)]
}

fn share(hits: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        hits as f64 / of as f64
    }
}

fn csv_rows(path: &Path) -> Result<Vec<csv::StringRecord>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    // Watchman's file has `#` comment lines and blank lines.
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    Ok(r.records().filter_map(Result::ok).collect())
}

/// North Korean individuals, as the lists mark them.
pub fn north_korean(e: &Entity) -> bool {
    e.kind == EntityKind::Individual
        && (e
            .programs
            .iter()
            .any(|p| p.starts_with("DPRK") || p == "NKSPEA")
            || e.id.starts_with("un:KP")
            || e.nationalities.iter().any(|n| {
                let n = n.to_lowercase();
                n == "korea, north" || n.contains("democratic people's republic of korea")
            }))
}

/// OFAC's aliases of North Koreans that are other names altogether, not
/// spellings of the primary name (KIM Tong-Myong a.k.a. KIM Hyok Chol;
/// PARK Jin Hyok a.k.a. HENNY Watson; e-mail handles). Labelled by hand by
/// reading each pair; no name matcher should find them, and the
/// spelling-variant measure leaves them out. (alias, entry.)
pub const OTHER_NAMES: &[(&str, &str)] = &[
    ("KIM, JIN SOK", "ofac:11648"),
    ("KIM, CHIN-SO'K", "ofac:11648"),
    ("KIM, HYOK CHOL", "ofac:11648"),
    ("LAI, Yong Chian", "ofac:18344"),
    ("HWANG, Kyong Nam", "ofac:18552"),
    ("JANG, Hyon U", "ofac:18556"),
    ("JIAN, WenJi", "ofac:19499"),
    ("KIM, Hak Song", "ofac:19531"),
    ("SON, Min", "ofac:19532"),
    ("CHO, Ch'o'l", "ofac:19791"),
    ("JO, Chol", "ofac:19791"),
    ("O, Chong-kuk", "ofac:19792"),
    ("MIN, Byong Chun", "ofac:21305"),
    ("KIM, Son-kwang", "ofac:22286"),
    ("KIM, Son-gwang", "ofac:22286"),
    ("LI, Cheng He", "ofac:22326"),
    ("LUI, Wai Ming", "ofac:22994"),
    ("KU, Young Hyok", "ofac:23089"),
    ("PARK, Aleksei", "ofac:23477"),
    ("TSANG, Neil", "ofac:23823"),
    ("TSANG, Niel", "ofac:23823"),
    ("KIM, Hyon Woo", "ofac:24918"),
    ("KIM, Hyon Wu", "ofac:24918"),
    ("KIM, Hyon U", "ofac:24918"),
    ("DAVID, Andoson", "ofac:24918"),
    ("HENNY, Watson", "ofac:24918"),
    ("tianyinyin0404", "ofac:28263"),
    ("snowsjo", "ofac:28263"),
    ("snowsjohn", "ofac:28263"),
    ("blackjack1987", "ofac:28264"),
    ("khaleesi", "ofac:28264"),
    ("WAKEMEUPUPUP", "ofac:42496"),
    ("FAST4RELEASE", "ofac:42496"),
    ("ROMA", "ofac:44718"),
    ("POMA", "ofac:44718"),
    ("CHOE, Cholung", "ofac:46129"),
    ("Mr. O", "ofac:47701"),
];

/// Runs every benchmark on the shared data in `shared` (the folder holding
/// `sanctions/`). `quick` runs a sample of the slow ones, for tests.
pub fn run(
    shared: &Path,
    quick: bool,
    only: Option<&str>,
    mut progress: impl FnMut(&str),
) -> Result<Report, String> {
    let mut step = |name: &str| {
        let on = only.is_none_or(|o| name.contains(o));
        if on {
            progress(name);
        }
        on
    };
    let dir = shared.join("sanctions");
    let mut report = Report {
        lines: vec![],
        spreads: vec![],
        speed: None,
        notes: vec![],
    };
    let loading = Instant::now();
    let (ofac, problems) = load_ofac_dir(&dir.join("ofac"))?;
    report.notes.push(format!(
        "OFAC legacy CSVs: {} entries, {} rows set aside",
        ofac.len(),
        problems.len()
    ));
    let un_path = dir.join("un/un_consolidated_2026-02-27.xml");
    let un_bytes =
        std::fs::read(&un_path).map_err(|e| format!("cannot read {}: {e}", un_path.display()))?;
    let (un, _) = crate::un::load(&un_path.display().to_string(), &un_bytes);
    let uk_path = dir.join("uk/UK_Sanctions_List_2025-08-11.csv");
    let uk_bytes =
        std::fs::read(&uk_path).map_err(|e| format!("cannot read {}: {e}", uk_path.display()))?;
    let (uk, _) = crate::uk::load(&uk_path.display().to_string(), &uk_bytes);
    let load = loading.elapsed();

    if step("OFAC DPRK aliases") {
        dprk_aliases(&ofac, &mut report);
    }
    if step("romanisation variants") {
        romanisation(&dir, &ofac, &un, quick, &mut report)?;
    }
    if step("UN perturbed names") {
        un_perturbed(&dir, &un, quick, &mut report)?;
    }
    if step("cross-script pairs") {
        cross_script(&dir, &mut report)?;
    }
    if step("name bench") {
        name_bench(&dir, &mut report)?;
    }
    if step("OFAC search tool") {
        ofac_search_tool(&dir, &mut report)?;
    }
    let all: Vec<Entity> = ofac.iter().chain(&un).chain(&uk).cloned().collect();
    if step("innocent names") {
        innocent(shared, &dir, &all, quick, &mut report)?;
    }
    if step("identifiers") {
        identifiers(&all, &mut report);
    }
    if !quick && step("speed") {
        report.speed = Some(speed(shared, &dir, all, load));
    }
    Ok(report)
}

fn recall_line(
    benchmark: &'static str,
    measure: &str,
    cases: usize,
    ours: usize,
    baseline: usize,
) -> Line {
    Line {
        benchmark,
        measure: measure.to_string(),
        cases,
        unmask: share(ours, cases),
        baseline: Some(share(baseline, cases)),
        unit: Unit::Share,
    }
}

fn dprk_aliases(ofac: &[Entity], report: &mut Report) {
    let mut pairs: Vec<(String, u32)> = vec![];
    let primaries: Vec<Entity> = ofac
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if north_korean(e) {
                for n in &e.names[1..] {
                    pairs.push((n.text.clone(), i as u32));
                }
            }
            Entity {
                names: vec![e.names[0].clone()],
                ..e.clone()
            }
        })
        .collect();
    let ix = Index::new(primaries);
    let baseline = Baseline::new(&ix.entities);
    let (mut all, mut variants) = ([0usize; 3], [0usize; 3]);
    for (alias, e) in &pairs {
        let got = top(&ix, &named(alias));
        let ours = got.1.contains(e);
        if !ours && std::env::var_os("UNMASK_EVAL_MISSES").is_some() {
            let who: Vec<&str> = got
                .1
                .iter()
                .map(|&g| ix.entities[g as usize].names[0].text.as_str())
                .collect();
            eprintln!(
                "miss: {alias} ({}) → {who:?} {:.3}",
                ix.entities[*e as usize].id, got.0
            );
        }
        let base = baseline.top(alias).1.contains(e);
        let other = OTHER_NAMES
            .iter()
            .any(|(a, id)| a == alias && *id == ix.entities[*e as usize].id);
        for (counts, yes) in [(&mut all, true), (&mut variants, !other)] {
            if yes {
                counts[0] += 1;
                counts[1] += ours as usize;
                counts[2] += base as usize;
            }
        }
    }
    report.lines.push(recall_line(
        "OFAC DPRK aliases",
        "recall@1, spelling variants",
        variants[0],
        variants[1],
        variants[2],
    ));
    report.lines.push(recall_line(
        "OFAC DPRK aliases",
        "recall@1, every alias (other names too)",
        all[0],
        all[1],
        all[2],
    ));
}

/// `korean_name_variants`' forms by Hangul, with the North Korean
/// (McCune–Reischauer) forms that file lacks, as its own note says.
fn variant_groups(dir: &Path) -> Result<Vec<Vec<String>>, String> {
    let path = dir.join("korean_name_variants_name-variants-0.1.3.json");
    let raw = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_slice(&raw).map_err(|e| format!("{}: {e}", path.display()))?;
    let extra: &[(&str, &[&str])] = &[
        ("이", &["ri"]),
        ("리", &["ri", "lee", "li", "yi", "rhee"]),
        ("노", &["ro", "roh", "no"]),
        ("임", &["rim"]),
        ("류", &["ryu", "yu", "yoo"]),
        ("정", &["jong"]),
        ("철", &["chol", "cheol", "chul"]),
        ("경", &["kyong", "gyeong", "kyung"]),
        ("금", &["kum", "geum", "keum"]),
        ("성", &["song", "seong", "sung"]),
        ("영", &["yong", "yeong", "young"]),
        ("혁", &["hyok", "hyeok", "hyuk"]),
        ("명", &["myong", "myeong", "myung"]),
        ("남", &["nam"]),
        ("호", &["ho"]),
        ("일", &["il"]),
        ("수", &["su", "soo"]),
        ("광", &["kwang", "gwang"]),
    ];
    let mut groups: Vec<(String, Vec<String>)> = vec![];
    for section in [
        "korean_surnames.KOREAN_SURNAME_VARIANTS",
        "korean_given_names.KOREAN_GIVEN_NAME_VARIANTS",
    ] {
        for (hangul, entry) in v[section].as_object().into_iter().flatten() {
            let forms = entry["forms"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect();
            groups.push((hangul.clone(), forms));
        }
    }
    for (hangul, forms) in extra {
        match groups.iter_mut().find(|(h, _)| h == hangul) {
            Some((_, g)) => g.extend(forms.iter().map(|f| f.to_string())),
            None => groups.push((
                hangul.to_string(),
                forms.iter().map(|f| f.to_string()).collect(),
            )),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(_, mut g)| {
            g.dedup();
            g
        })
        .filter(|g| g.len() > 1)
        .collect())
}

/// The table groups a token belongs to (a form may spell several
/// syllables: `chun` is 춘 and 천).
fn groups_of(groups: &[Vec<String>], token: &str) -> Vec<usize> {
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.iter().any(|f| f == token))
        .map(|(i, _)| i)
        .collect()
}

/// Whether two names could be the same Korean name: each token of one
/// pairs with a token of the other that spells a common syllable, in any
/// order.
fn same_syllables(a: &[Vec<usize>], b: &[Vec<usize>]) -> bool {
    fn pair(a: &[Vec<usize>], b: &mut Vec<&Vec<usize>>) -> bool {
        let Some((first, rest)) = a.split_first() else {
            return b.is_empty();
        };
        for i in 0..b.len() {
            if first.iter().any(|g| b[i].contains(g)) {
                let taken = b.remove(i);
                if pair(rest, b) {
                    return true;
                }
                b.insert(i, taken);
            }
        }
        false
    }
    a.len() == b.len() && pair(a, &mut b.iter().collect())
}

fn romanisation(
    dir: &Path,
    ofac: &[Entity],
    un: &[Entity],
    quick: bool,
    report: &mut Report,
) -> Result<(), String> {
    let groups = variant_groups(dir)?;
    let forms_of =
        |t: &str| -> Option<&Vec<String>> { groups.iter().find(|g| g.iter().any(|f| f == t)) };
    // (cases, ours, baseline) over all respellings and the unambiguous ones.
    let (mut all, mut clear) = ([0usize; 3], [0usize; 3]);
    for list in [ofac, un] {
        let ix = Index::new(list.to_vec());
        let baseline = Baseline::new(list);
        // Every listed name as table groups, where the table knows it.
        let listed: Vec<(u32, Vec<Vec<usize>>)> = list
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.names.iter().map(move |n| (i as u32, n)))
            .filter_map(|(i, n)| {
                let g: Vec<Vec<usize>> = crate::names::tokens(&n.text)
                    .iter()
                    .map(|t| groups_of(&groups, t))
                    .collect();
                g.iter().all(|g| !g.is_empty()).then_some((i, g))
            })
            .collect();
        let mut n = 0;
        for (i, e) in list.iter().enumerate().filter(|(_, e)| north_korean(e)) {
            let tokens = crate::names::tokens(&e.names[0].text);
            // Only names whose every syllable the table knows, so that each
            // respelling is a real Korean spelling of the same name.
            let known: Option<Vec<&Vec<String>>> = tokens.iter().map(|t| forms_of(t)).collect();
            let Some(known) = known else { continue };
            for k in 1..=2 {
                let respelled: Vec<&str> = tokens
                    .iter()
                    .zip(&known)
                    .enumerate()
                    .map(|(j, (t, forms))| {
                        let others: Vec<&String> = forms.iter().filter(|f| f != &t).collect();
                        others
                            .get((k + j) % others.len().max(1))
                            .map_or(t.as_str(), |f| f.as_str())
                    })
                    .collect();
                let query = respelled.join(" ");
                // Ambiguous: another entry's name spells the same syllables
                // (YU Jin and RYU Jin are both `Yu Jin` in the South).
                let q_groups: Vec<Vec<usize>> =
                    respelled.iter().map(|t| groups_of(&groups, t)).collect();
                let ambiguous = listed
                    .iter()
                    .any(|(other, g)| *other != i as u32 && same_syllables(&q_groups, g));
                let got = top(&ix, &named(&query));
                let ours = got.1.contains(&(i as u32));
                let base = baseline.top(&query).1.contains(&(i as u32));
                if !ours && !ambiguous && std::env::var_os("UNMASK_EVAL_MISSES").is_some() {
                    let who: Vec<&str> = got
                        .1
                        .iter()
                        .map(|&g| list[g as usize].names[0].text.as_str())
                        .collect();
                    eprintln!(
                        "miss: {query} (for {}) → {who:?} {:.3}",
                        e.names[0].text, got.0
                    );
                }
                for (counts, yes) in [(&mut all, true), (&mut clear, !ambiguous)] {
                    if yes {
                        counts[0] += 1;
                        counts[1] += ours as usize;
                        counts[2] += base as usize;
                    }
                }
            }
            n += 1;
            if quick && n >= 40 {
                break;
            }
        }
    }
    report.lines.push(recall_line(
        "romanisation variants",
        "recall@1, North Korean names respelled (no other entry spells the same)",
        clear[0],
        clear[1],
        clear[2],
    ));
    report.lines.push(recall_line(
        "romanisation variants",
        "recall@1, every respelling (some spell another entry too)",
        all[0],
        all[1],
        all[2],
    ));
    Ok(())
}

fn un_perturbed(dir: &Path, un: &[Entity], quick: bool, report: &mut Report) -> Result<(), String> {
    let treated = csv_rows(&dir.join("eval-dev/yente_positives_un_treated.csv"))?;
    let untreated = csv_rows(&dir.join("eval-dev/yente_positives_un_untreated.csv"))?;
    let ix = Index::new(un.to_vec());
    let baseline = Baseline::new(un);
    // The expected entry: the one listing the untreated name.
    let mut by_name: rustc_hash::FxHashMap<String, u32> = rustc_hash::FxHashMap::default();
    for (i, e) in un.iter().enumerate() {
        for n in &e.names {
            by_name.entry(fold(&n.text)).or_insert(i as u32);
        }
    }
    let (mut cases, mut ours, mut with_facts, mut base, mut unknown) = (0, 0, 0, 0, 0);
    for (t, u) in treated
        .iter()
        .zip(&untreated)
        .take(if quick { 150 } else { usize::MAX })
    {
        let Some(&expected) = by_name.get(&fold(u.get(0).unwrap_or(""))) else {
            unknown += 1;
            continue;
        };
        let name = t.get(0).unwrap_or("");
        let mut q = named(name);
        cases += 1;
        ours += top(&ix, &q).1.contains(&expected) as usize;
        base += baseline.top(name).1.contains(&expected) as usize;
        q.date_of_birth = t.get(5).filter(|d| !d.is_empty()).map(str::to_string);
        q.nationality = t.get(7).filter(|d| !d.is_empty()).map(str::to_string);
        with_facts += top(&ix, &q).1.contains(&expected) as usize;
    }
    report.notes.push(format!(
        "UN perturbed names: {cases} cases whose original name the 2026-02-27 list holds; {unknown} not in it"
    ));
    report.lines.push(recall_line(
        "UN perturbed names",
        "recall@1, name only",
        cases,
        ours,
        base,
    ));
    report.lines.push(recall_line(
        "UN perturbed names",
        "recall@1, with date of birth and nationality",
        cases,
        with_facts,
        base,
    ));
    Ok(())
}

/// One listed name, screened alone: the pair's score.
fn pair_score(listed: &str, query: &str) -> f64 {
    let ix = Index::new(vec![Entity {
        id: "pair".into(),
        names: vec![ListedName {
            text: listed.to_string(),
            strong: true,
        }],
        ..Entity::default()
    }]);
    ix.screen(&named(query), 0.0, 1)
        .first()
        .map_or(0.0, |m| m.score)
}

fn cross_script(dir: &Path, report: &mut Report) -> Result<(), String> {
    let rows = csv_rows(&dir.join("eval-dev/watchman_cross_script_pairs.csv"))?;
    let (mut cases, mut ours, mut base, mut ours_review, mut base_review) = (0, 0, 0, 0, 0);
    let (mut s_ours, mut s_base) = (vec![], vec![]);
    for r in &rows {
        let (Some(q), Some(expected), Some(min)) = (
            r.get(0),
            r.get(1),
            r.get(2).and_then(|m| m.parse::<f64>().ok()),
        ) else {
            continue;
        };
        let o = pair_score(expected, q);
        let b = strsim::jaro_winkler(&fold(q), &fold(expected));
        if std::env::var_os("UNMASK_EVAL_MISSES").is_some() {
            eprintln!(
                "cross-script: {q} / {expected} (min {min}): unmask {o:.2} ({:?}), baseline {b:.2} ({:?})",
                crate::names::tokens(q),
                fold(expected)
            );
        }
        cases += 1;
        ours += (o >= min) as usize;
        base += (b >= min) as usize;
        ours_review += (o >= REVIEW_AT) as usize;
        base_review += (b >= BASELINE_REVIEW_AT) as usize;
        s_ours.push(o);
        s_base.push(b);
    }
    report.lines.push(recall_line(
        "cross-script pairs",
        "share at Watchman's own minimum score",
        cases,
        ours,
        base,
    ));
    report.lines.push(recall_line(
        "cross-script pairs",
        "share at review level",
        cases,
        ours_review,
        base_review,
    ));
    report.spreads.push(Spread {
        benchmark: "cross-script pairs",
        category: "all (matches)".into(),
        cases,
        unmask: percentiles(s_ours),
        baseline: percentiles(s_base),
    });
    Ok(())
}

fn name_bench(dir: &Path, report: &mut Report) -> Result<(), String> {
    let rows = csv_rows(&dir.join("eval-dev/nomenklatura_name_bench_cases.csv"))?;
    // (true positives, false positives, false negatives) for ours, baseline.
    let mut counts: [[usize; 3]; 2] = [[0; 3]; 2];
    let mut spreads: std::collections::BTreeMap<String, (Vec<f64>, Vec<f64>)> = Default::default();
    for r in &rows {
        let (Some(group), Some(a), Some(b), Some(m)) = (r.get(0), r.get(2), r.get(3), r.get(4))
        else {
            continue;
        };
        let is_match = m.eq_ignore_ascii_case("true");
        let o = pair_score(b, a);
        let j = strsim::jaro_winkler(&fold(a), &fold(b));
        if std::env::var_os("UNMASK_EVAL_MISSES").is_some() && is_match && o < REVIEW_AT {
            eprintln!(
                "bench miss: {a} / {b}: {o:.2} (baseline {j:.2}) [{}]",
                r.get(1).unwrap_or("")
            );
        }
        if std::env::var_os("UNMASK_EVAL_MISSES").is_some() && !is_match && o >= REVIEW_AT {
            eprintln!(
                "bench false: {a} / {b}: {o:.2} (baseline {j:.2}) [{}]",
                r.get(1).unwrap_or("")
            );
        }
        for (c, yes) in counts
            .iter_mut()
            .zip([o >= REVIEW_AT, j >= BASELINE_REVIEW_AT])
        {
            match (yes, is_match) {
                (true, true) => c[0] += 1,
                (true, false) => c[1] += 1,
                (false, true) => c[2] += 1,
                _ => {}
            }
        }
        let kind = if r.get(1).is_some_and(|s| s == "Person") {
            "people"
        } else {
            "organisations"
        };
        let category = format!(
            "{group}, {kind}, {}",
            if is_match { "matches" } else { "non-matches" }
        );
        let e = spreads.entry(category).or_default();
        e.0.push(o);
        e.1.push(j);
    }
    let f1 = |c: [usize; 3]| {
        let p = share(c[0], c[0] + c[1]);
        let r = share(c[0], c[0] + c[2]);
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    };
    let n = rows.len();
    let precision = |c: [usize; 3]| share(c[0], c[0] + c[1]);
    let recall = |c: [usize; 3]| share(c[0], c[0] + c[2]);
    for (measure, f) in [
        (
            "precision at review level",
            &precision as &dyn Fn([usize; 3]) -> f64,
        ),
        ("recall at review level", &recall),
        ("F1 at review level", &f1),
    ] {
        report.lines.push(Line {
            benchmark: "name bench",
            measure: measure.into(),
            cases: n,
            unmask: f(counts[0]),
            baseline: Some(f(counts[1])),
            unit: Unit::Share,
        });
    }
    for (category, (o, j)) in spreads {
        report.spreads.push(Spread {
            benchmark: "name bench",
            cases: o.len(),
            category,
            unmask: percentiles(o),
            baseline: percentiles(j),
        });
    }
    Ok(())
}

fn ofac_search_tool(dir: &Path, report: &mut Report) -> Result<(), String> {
    let rows = csv_rows(&dir.join("eval-dev/nomenklatura_ofac_sls_observed_scores.csv"))?;
    let mut bands: std::collections::BTreeMap<&str, (Vec<f64>, Vec<f64>)> = Default::default();
    for r in &rows {
        let (Some(q), Some(listed), Some(score)) = (
            r.get(0),
            r.get(1),
            r.get(2).and_then(|s| s.parse::<i32>().ok()),
        ) else {
            continue;
        };
        let band = match score {
            100 => "OFAC 100",
            90..=99 => "OFAC 90-99",
            0..=89 => "OFAC below 90",
            _ => continue,
        };
        let e = bands.entry(band).or_default();
        e.0.push(pair_score(listed, q));
        e.1.push(strsim::jaro_winkler(&fold(q), &fold(listed)));
    }
    for (band, (o, j)) in bands {
        report.spreads.push(Spread {
            benchmark: "OFAC search tool",
            category: format!("results {band}"),
            cases: o.len(),
            unmask: percentiles(o),
            baseline: percentiles(j),
        });
    }
    // The example: OFAC gives five KIMs 100 for KIM JONG UN.
    let at_review: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| r.get(0) == Some("KIM JONG UN") && r.get(2) == Some("100"))
        .collect();
    let ours = at_review
        .iter()
        .filter(|r| pair_score(r.get(1).unwrap_or(""), "KIM JONG UN") >= REVIEW_AT)
        .count();
    let base = at_review
        .iter()
        .filter(|r| {
            strsim::jaro_winkler("kim jong un", &fold(r.get(1).unwrap_or(""))) >= BASELINE_REVIEW_AT
        })
        .count();
    report.lines.push(Line {
        benchmark: "OFAC search tool",
        measure: "of the results OFAC scores 100 for KIM JONG UN, at review (KIM Jong Un is one)"
            .into(),
        cases: at_review.len(),
        unmask: ours as f64,
        baseline: Some(base as f64),
        unit: Unit::Count,
    });
    Ok(())
}

/// Febrl's synthetic people (Australian-style names) and common Korean
/// names, each with a date of birth none of the designees' need share.
fn innocent(
    shared: &Path,
    dir: &Path,
    all: &[Entity],
    quick: bool,
    report: &mut Report,
) -> Result<(), String> {
    let ix = Index::new(all.to_vec());
    let baseline = Baseline::new(all);
    let febrl = csv_rows(&shared.join("febrl/febrl1.csv"))?;
    let people: Vec<(String, Option<String>)> = febrl
        .iter()
        .filter(|r| r.get(0).is_some_and(|id| id.ends_with("-org")))
        .filter_map(|r| {
            let (g, s) = (r.get(1)?.trim(), r.get(2)?.trim());
            (!g.is_empty() && !s.is_empty()).then(|| {
                let d = r.get(9).unwrap_or("");
                let dob = (d.len() == 8).then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]));
                (format!("{g} {s}"), dob)
            })
        })
        .take(if quick { 100 } else { usize::MAX })
        .collect();
    let korean = common_korean_names(dir, if quick { 100 } else { 1000 })?;
    for (label, people) in [("Febrl people", &people), ("common Korean names", &korean)] {
        let (mut with_dob, mut name_only, mut base) = (0, 0, 0);
        for (name, dob) in people.iter() {
            let mut q = Query {
                name: name.clone(),
                date_of_birth: dob.clone(),
                kind: Some(EntityKind::Individual),
                ..Default::default()
            };
            with_dob += !ix.screen(&q, REVIEW_AT, 1).is_empty() as usize;
            q.date_of_birth = None;
            name_only += !ix.screen(&q, REVIEW_AT, 1).is_empty() as usize;
            base += (baseline.top(name).0 >= BASELINE_REVIEW_AT) as usize;
        }
        let per_1000 = |n: usize| 1000.0 * share(n, people.len());
        report.lines.push(Line {
            benchmark: "innocent names",
            measure: format!("{label}: review hits per 1,000, with date of birth"),
            cases: people.len(),
            unmask: per_1000(with_dob),
            baseline: Some(per_1000(base)),
            unit: Unit::PerThousand,
        });
        report.lines.push(Line {
            benchmark: "innocent names",
            measure: format!("{label}: review hits per 1,000, name only"),
            cases: people.len(),
            unmask: per_1000(name_only),
            baseline: Some(per_1000(base)),
            unit: Unit::PerThousand,
        });
    }
    Ok(())
}

/// Common Korean names as a South Korean passport spells them: the 20 most
/// frequent family names with two-syllable given names, each with a date
/// of birth between 1975 and 2000.
pub fn common_korean_names(dir: &Path, n: usize) -> Result<Vec<(String, Option<String>)>, String> {
    let path = dir.join("korean_name_variants_name-variants-0.1.3.json");
    let raw = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_slice(&raw).map_err(|e| format!("{}: {e}", path.display()))?;
    let first_forms = |section: &str| -> Vec<String> {
        v[section]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, e)| e["forms"][0].as_str().map(str::to_string))
            .collect()
    };
    let surnames = first_forms("korean_surnames.KOREAN_SURNAME_VARIANTS");
    let given = first_forms("korean_given_names.KOREAN_GIVEN_NAME_VARIANTS");
    if surnames.len() < 20 || given.len() < 20 {
        return Err(format!("{}: too few names", path.display()));
    }
    let cap = |s: &str| s[..1].to_uppercase() + &s[1..];
    let mut x = 12345u64;
    let mut out = vec![];
    'all: for round in 0.. {
        for s in surnames.iter().take(20) {
            for (i, a) in given.iter().enumerate().take(25) {
                if out.len() >= n {
                    break 'all;
                }
                let b = &given[(i * 7 + 3 + round * 11) % given.len()];
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let dob = format!(
                    "{}-{:02}-{:02}",
                    1975 + (x >> 33) % 26,
                    1 + (x >> 40) % 12,
                    1 + (x >> 50) % 28
                );
                out.push((format!("{} {}{}", cap(s), cap(a), b), Some(dob)));
            }
        }
    }
    Ok(out)
}

fn identifiers(all: &[Entity], report: &mut Report) {
    let ix = Index::new(all.to_vec());
    let (mut cases, mut exact, mut false_hits) = (0, 0, 0);
    for (i, e) in all.iter().enumerate() {
        for id in &e.identifiers {
            let raw = match id.kind {
                IdKind::Crypto => id.value.replacen(':', " ", 1),
                _ => id.value.clone(),
            };
            cases += 1;
            exact += ix.holders(id.kind, &raw).contains(&(i as u32)) as usize;
            // One character changed: never a hit.
            let mut changed: Vec<char> = raw.chars().collect();
            if let Some(c) = changed.last_mut() {
                *c = if *c == '7' { '8' } else { '7' };
            }
            let changed: String = changed.into_iter().collect();
            if crate::list::normalise_identifier(id.kind, &changed) != id.value {
                false_hits += ix.holders(id.kind, &changed).contains(&(i as u32)) as usize;
            }
        }
    }
    report.lines.push(Line {
        benchmark: "identifiers",
        measure: "listed identifiers found exactly".into(),
        cases,
        unmask: share(exact, cases),
        baseline: None,
        unit: Unit::Share,
    });
    report.lines.push(Line {
        benchmark: "identifiers",
        measure: "hits on an identifier with one character changed".into(),
        cases,
        unmask: false_hits as f64,
        baseline: None,
        unit: Unit::Count,
    });
}

/// Index build over OFAC + UN + UK and one query at a time on one thread:
/// a benchmark's figures, printed, never asserted.
fn speed(shared: &Path, dir: &Path, all: Vec<Entity>, load: Duration) -> Speed {
    let entries = all.len();
    let t = Instant::now();
    let ix = Index::new(all);
    let build = t.elapsed();
    let mut names: Vec<String> = common_korean_names(dir, 2000)
        .unwrap_or_default()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    if let Ok(rows) = csv_rows(&shared.join("febrl/febrl2.csv")) {
        names.extend(
            rows.iter()
                .filter_map(|r| Some(format!("{} {}", r.get(1)?, r.get(2)?)))
                .take(5000),
        );
    }
    // Three rounds, so that the queries, not the loading, dominate.
    let names: Vec<String> = names
        .iter()
        .cycle()
        .take(3 * names.len())
        .cloned()
        .collect();
    let mut times = Vec::with_capacity(names.len());
    let t = Instant::now();
    for n in &names {
        let s = Instant::now();
        std::hint::black_box(ix.screen(&named(n), REVIEW_AT, 5));
        times.push(s.elapsed());
    }
    let total = t.elapsed();
    times.sort();
    let at = |p: f64| {
        times
            .get(((times.len().max(1) - 1) as f64 * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    Speed {
        lists: "OFAC SDN + UN + UK".into(),
        entries,
        load,
        build,
        queries: names.len(),
        per_second: names.len() as f64 / total.as_secs_f64().max(1e-9),
        p50: at(0.5),
        p99: at(0.99),
    }
}

/// The report as Markdown tables, for the terminal and the README.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    out.push_str(
        "| benchmark | measure | cases | unmask | plain Jaro–Winkler |\n|---|---|---:|---:|---:|\n",
    );
    for l in &r.lines {
        let fmt = |v: f64| match l.unit {
            Unit::Share => format!("{v:.3}"),
            Unit::PerThousand => format!("{v:.1}"),
            Unit::Count => format!("{v:.0}"),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            l.benchmark,
            l.measure,
            l.cases,
            fmt(l.unmask),
            l.baseline.map_or("–".into(), fmt)
        ));
    }
    out.push_str("\nScores by category (10th / 50th / 90th percentile):\n\n");
    out.push_str(
        "| benchmark | category | cases | unmask | plain Jaro–Winkler |\n|---|---|---:|---|---|\n",
    );
    for s in &r.spreads {
        let p = |v: [f64; 3]| format!("{:.2} / {:.2} / {:.2}", v[0], v[1], v[2]);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            s.benchmark,
            s.category,
            s.cases,
            p(s.unmask),
            p(s.baseline)
        ));
    }
    if let Some(s) = &r.speed {
        out.push_str(&format!(
            "\nSpeed ({}, {} entries, one thread): lists read in {:.2} s, index built in {:.2} s; {} name queries at {:.0} per second, p50 {:.3} ms, p99 {:.3} ms.\n",
            s.lists,
            s.entries,
            s.load.as_secs_f64(),
            s.build.as_secs_f64(),
            s.queries,
            s.per_second,
            s.p50.as_secs_f64() * 1e3,
            s.p99.as_secs_f64() * 1e3
        ));
    }
    for n in &r.notes {
        out.push_str(&format!("\n- {n}"));
    }
    out.push('\n');
    out
}
