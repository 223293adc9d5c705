//! `unmask screen`: one name (with what else is known of the person), or a
//! CSV of people and companies, against the sanctions lists: ranked
//! matches, each with its reasons. `unmask screen-eval`: the screening's
//! evaluation on labelled public cases.

use clap::Args;
use std::path::PathBuf;
use unmask_sanctions::screen::REVIEW_AT;
use unmask_sanctions::{EntityKind, IdKind, Index, Query};

#[derive(Args)]
pub struct ScreenArgs {
    /// The name, in any order or script: "Ri Chang Ho", "리창호".
    name: Option<String>,
    /// Date of birth, YYYY-MM-DD or YYYY.
    #[arg(long)]
    dob: Option<String>,
    /// Nationality: a country name or ISO code (KP, CN, …).
    #[arg(long)]
    nationality: Option<String>,
    /// Gender (male/female): a listed entry of the other gender scores lower.
    #[arg(long)]
    gender: Option<String>,
    /// Passport number (exact after normalisation).
    #[arg(long)]
    passport: Vec<String>,
    #[arg(long)]
    email: Vec<String>,
    #[arg(long)]
    phone: Vec<String>,
    /// National identity number.
    #[arg(long)]
    national_id: Vec<String>,
    /// Digital-currency address with its chain, as OFAC writes it: "XBT 1Ab…".
    #[arg(long)]
    crypto: Vec<String>,
    /// A folder of lists: OFAC's CSVs or sdn_advanced.xml, the UN's
    /// consolidated XML, the UK's CSV (default: the installed `sanctions`
    /// pack).
    #[arg(long)]
    lists: Option<PathBuf>,
    /// Where reference data packs are installed.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// What is screened: a person (matches individuals only), an
    /// organisation (entities only), or any entry.
    #[arg(long, value_enum, default_value_t = Kind::Any)]
    kind: Kind,
    /// Also show name matches below the review level.
    #[arg(long)]
    all: bool,
    /// Screen every row of this CSV instead of one name. Columns by header:
    /// name (or full_name), date_of_birth (or dob), nationality, gender,
    /// kind (person / organisation), id, and identifiers passport,
    /// national_id, registration, email, phone, website, crypto (several
    /// in one cell separated by `;`). Writes one CSV row per match, and one
    /// with level `none` for a row without any, to stdout.
    #[arg(long, conflicts_with = "name")]
    csv: Option<PathBuf>,
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Kind {
    Person,
    Organisation,
    Any,
}

pub fn run(a: ScreenArgs) -> Result<(), String> {
    let dir = match a.lists {
        Some(d) => d,
        None => {
            let data = a
                .data_dir
                .unwrap_or_else(unmask_refdata::store::default_data_dir);
            unmask_refdata::store::current(&data, "sanctions")
                .map(|(d, _)| d)
                .ok_or_else(|| {
                    format!(
                        "the sanctions pack is not installed in {}: run `unmask data install --only sanctions`, or pass --lists DIR",
                        data.display()
                    )
                })?
        }
    };
    let loaded = unmask_sanctions::load_dir(&dir)?;
    for p in &loaded.problems {
        eprintln!("note: {}:{}: {} (record skipped)", p.file, p.line, p.reason);
    }
    let index = Index::new(loaded.entities);
    let floor = if a.all { 0.7 } else { REVIEW_AT };
    if let Some(path) = &a.csv {
        return batch(&index, path, floor, a.limit);
    }
    let mut identifiers = vec![];
    identifiers.extend(a.passport.into_iter().map(|v| (IdKind::Passport, v)));
    identifiers.extend(a.email.into_iter().map(|v| (IdKind::Email, v)));
    identifiers.extend(a.phone.into_iter().map(|v| (IdKind::Phone, v)));
    identifiers.extend(a.national_id.into_iter().map(|v| (IdKind::NationalId, v)));
    identifiers.extend(a.crypto.into_iter().map(|v| (IdKind::Crypto, v)));
    if a.name.is_none() && identifiers.is_empty() {
        return Err("give a name, or an identifier (--passport, --national-id, --email, --phone, --crypto), or --csv FILE".into());
    }
    let q = Query {
        name: a.name.unwrap_or_default(),
        date_of_birth: a.dob,
        nationality: a.nationality,
        gender: a.gender,
        identifiers,
        kind: match a.kind {
            Kind::Person => Some(EntityKind::Individual),
            Kind::Organisation => Some(EntityKind::Entity),
            Kind::Any => None,
        },
    };
    for p in q.identifier_problems() {
        eprintln!("note: {p}");
    }
    let matches = index.screen(&q, floor, a.limit);
    if matches.is_empty() {
        println!(
            "no match at or above {floor:.2} among {} entries",
            index.entities.len()
        );
    }
    for m in matches {
        let e = &index.entities[m.entity];
        let level = level(&m).to_uppercase();
        println!(
            "{:.3}  {level:<13} {}  {}  [{}]",
            m.score,
            e.id,
            e.names[0].text,
            e.programs.join(", ")
        );
        for r in m.reasons {
            println!("        {r}");
        }
    }
    Ok(())
}

/// An identifier match is a hit; a name match at review level asks for a
/// person's review, never more.
fn level(m: &unmask_sanctions::Match) -> &'static str {
    if m.identifier_hit {
        "hit"
    } else if m.score >= REVIEW_AT {
        "review"
    } else {
        "below review"
    }
}

/// Screens every row of a CSV, writing the matches as CSV to stdout; a row
/// that cannot be read is reported with its line and set aside.
fn batch(index: &Index, path: &std::path::Path, floor: f64, limit: usize) -> Result<(), String> {
    let file = path.display().to_string();
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read {file}: {e}"))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("{file}: no header row: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| header.iter().position(|h| h == n))
    };
    let name = col(&["name", "full_name"]);
    let dob = col(&["date_of_birth", "dob"]);
    let nationality = col(&["nationality"]);
    let gender = col(&["gender"]);
    let kind = col(&["kind", "type"]);
    let row_id = col(&["id", "record_id"]);
    let id_columns: Vec<(usize, IdKind)> = [
        ("passport", IdKind::Passport),
        ("national_id", IdKind::NationalId),
        ("registration", IdKind::Registration),
        ("email", IdKind::Email),
        ("phone", IdKind::Phone),
        ("website", IdKind::Website),
        ("crypto", IdKind::Crypto),
    ]
    .into_iter()
    .filter_map(|(n, k)| col(&[n]).map(|i| (i, k)))
    .collect();
    if name.is_none() && id_columns.is_empty() {
        return Err(format!(
            "{file}: no name column (name, full_name) and no identifier column"
        ));
    }
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    let write_err = |e: csv::Error| format!("cannot write the results: {e}");
    out.write_record([
        "id",
        "line",
        "level",
        "score",
        "entry",
        "listed_name",
        "matched_name",
        "programs",
        "reasons",
    ])
    .map_err(write_err)?;
    let (mut rows, mut set_aside, mut hits, mut reviews) = (0, 0, 0, 0);
    for rec in r.records() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                eprintln!("note: {file}:{line}: {e} (row set aside)");
                set_aside += 1;
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let identifiers: Vec<(IdKind, String)> = id_columns
            .iter()
            .flat_map(|&(i, k)| {
                cell(Some(i))
                    .into_iter()
                    .flat_map(|v| v.split(';'))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(move |v| (k, v.to_string()))
            })
            .collect();
        let q = Query {
            name: cell(name).unwrap_or("").to_string(),
            date_of_birth: cell(dob).map(str::to_string),
            nationality: cell(nationality).map(str::to_string),
            gender: cell(gender).map(str::to_string),
            identifiers,
            kind: match cell(kind).map(str::to_ascii_lowercase).as_deref() {
                Some("person" | "individual") => Some(EntityKind::Individual),
                Some("organisation" | "organization" | "entity" | "company") => {
                    Some(EntityKind::Entity)
                }
                _ => None,
            },
        };
        if q.name.is_empty() && q.identifiers.is_empty() {
            eprintln!("note: {file}:{line}: a row without a name or identifier (row set aside)");
            set_aside += 1;
            continue;
        }
        rows += 1;
        for p in q.identifier_problems() {
            eprintln!("note: {file}:{line}: {p}");
        }
        let id = cell(row_id).unwrap_or("").to_string();
        let matches = index.screen(&q, floor, limit);
        if matches.is_empty() {
            out.write_record([
                id.as_str(),
                &line.to_string(),
                "none",
                "",
                "",
                "",
                "",
                "",
                "",
            ])
            .map_err(write_err)?;
        }
        hits += matches.iter().any(|m| m.identifier_hit) as usize;
        reviews += (!matches.iter().any(|m| m.identifier_hit)
            && matches.iter().any(|m| m.score >= REVIEW_AT)) as usize;
        for m in matches {
            let e = &index.entities[m.entity];
            out.write_record([
                id.as_str(),
                &line.to_string(),
                level(&m),
                &format!("{:.3}", m.score),
                &e.id,
                &e.names[0].text,
                &m.name,
                &e.programs.join(" "),
                &m.reasons.join("; "),
            ])
            .map_err(write_err)?;
        }
    }
    out.flush()
        .map_err(|e| format!("cannot write the results: {e}"))?;
    eprintln!(
        "{rows} rows screened against {} entries: {hits} with an identifier hit, {reviews} more for review; {set_aside} set aside",
        index.entities.len()
    );
    Ok(())
}

#[derive(Args)]
pub struct EvalArgs {
    /// The shared reference data (the folder holding `sanctions/` and
    /// `febrl/`); default `$UNMASK_SHARED_DATA`, else `../shared/data`.
    #[arg(long)]
    shared: Option<PathBuf>,
    /// A sample of the slow benchmarks, and no speed run.
    #[arg(long)]
    quick: bool,
    /// Only the benchmarks whose name contains this ("speed", "romanisation" …).
    #[arg(long)]
    only: Option<String>,
}

pub fn eval(a: EvalArgs) -> Result<(), String> {
    let shared = a
        .shared
        .or_else(|| std::env::var_os("UNMASK_SHARED_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/data"));
    if !shared.join("sanctions").is_dir() {
        return Err(format!(
            "no sanctions evaluation data in {}: pass --shared DIR or set UNMASK_SHARED_DATA",
            shared.display()
        ));
    }
    let report = unmask_sanctions::eval::run(&shared, a.quick, a.only.as_deref(), |step| {
        eprintln!("… {step}")
    })?;
    print!("{}", unmask_sanctions::eval::markdown(&report));
    Ok(())
}
