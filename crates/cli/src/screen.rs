//! `unmask screen`: one name (with what else is known of the person)
//! against the sanctions lists, ranked, each match with its reasons.

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
    let mut identifiers = vec![];
    identifiers.extend(a.passport.into_iter().map(|v| (IdKind::Passport, v)));
    identifiers.extend(a.email.into_iter().map(|v| (IdKind::Email, v)));
    identifiers.extend(a.crypto.into_iter().map(|v| (IdKind::Crypto, v)));
    if a.name.is_none() && identifiers.is_empty() {
        return Err("give a name, or an identifier (--passport, --email, --crypto)".into());
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
    let floor = if a.all { 0.7 } else { REVIEW_AT };
    let matches = index.screen(&q, floor, a.limit);
    if matches.is_empty() {
        println!(
            "no match at or above {floor:.2} among {} entries",
            index.entities.len()
        );
    }
    for m in matches {
        let e = &index.entities[m.entity];
        let level = if m.identifier_hit {
            "HIT"
        } else if m.score >= REVIEW_AT {
            "review"
        } else {
            "below review"
        };
        println!(
            "{:.3}  {level:<12} {}  {}  [{}]",
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
