//! CSV exports of the flat record types.
//!
//! The contract flattens nested objects with `.` (`address.city`) and joins
//! arrays with `;` (`emails`). Arrays of objects come either indexed
//! (`references.0.email`) or as parallel joined columns (`payment.account`
//! = `DE89…;0x5290…` with `payment.method` = `bank;crypto`). Each row is
//! rebuilt into the JSON shape and parsed by the same code as JSON lines,
//! so both formats accept and reject exactly the same things.

use crate::{
    Counting, FieldError, InputFile, InputKind, Options, Origin, RecordSource, SeenIds, flat_record,
};
use serde_json::{Map, Value};
use std::io::{self, BufRead};

const SCALAR_ARRAYS: [&str; 3] = ["emails", "phones", "links"];
const OBJECT_ARRAYS: [&str; 2] = ["payment", "references"];

fn required(kind: InputKind) -> &'static [&'static str] {
    match kind {
        InputKind::Applications => &["application_id", "submitted_at"],
        InputKind::Workers => &["worker_id"],
        InputKind::Assets => &["asset_id"],
        InputKind::Payroll => &["worker_id", "effective_date"],
        _ => &[],
    }
}

pub(crate) fn read(
    reader: Box<dyn BufRead + '_>,
    f: &InputFile,
    out: &mut Counting,
    opts: &Options,
    ids: &mut SeenIds,
) -> io::Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let at0 = Origin {
        file: f.rel.clone(),
        line: 1,
    };
    let headers = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
    };
    let headers: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    if headers.iter().all(String::is_empty) {
        return Ok(()); // empty file: reported by the caller
    }
    let missing: Vec<&str> = required(f.kind)
        .iter()
        .copied()
        .filter(|r| !headers.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        let rows = rdr.byte_records().count();
        out.reject(
            &at0,
            Some(missing.join(",")),
            format!(
                "CSV header lacks required column(s) {}; the file's {rows} row(s) were not read",
                missing.join(", ")
            ),
            headers.join(",").as_bytes(),
        );
        return Ok(());
    }
    let mut record = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line().max(2);
        match rdr.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(io::Error::other(e.to_string()));
                }
                let at = Origin {
                    file: f.rel.clone(),
                    line,
                };
                out.reject(&at, None, format!("malformed CSV: {e}"), b"");
                continue;
            }
        }
        let at = Origin {
            file: f.rel.clone(),
            line: record.position().map_or(line, |p| p.line()),
        };
        let raw = record.as_slice();
        if raw.len() > opts.max_record_bytes {
            out.reject(
                &at,
                None,
                format!(
                    "record of {} bytes exceeds the {}-byte limit; skipped",
                    raw.len(),
                    opts.max_record_bytes
                ),
                b"",
            );
            continue;
        }
        match row_to_value(&headers, &record) {
            Ok(v) => {
                // The row as written, for the excerpt of a rejected record.
                let line = record
                    .iter()
                    .map(|c| String::from_utf8_lossy(c))
                    .collect::<Vec<_>>()
                    .join(",");
                flat_record(
                    f.kind,
                    RecordSource::Value(v),
                    line.as_bytes(),
                    &at,
                    out,
                    ids,
                )
            }
            Err(e) => out.reject(&at, e.field, e.reason, raw),
        }
    }
}

fn row_to_value(headers: &[String], record: &csv::ByteRecord) -> Result<Value, FieldError> {
    if record.len() != headers.len() {
        return Err(FieldError {
            field: None,
            reason: format!(
                "row has {} fields, the header has {}",
                record.len(),
                headers.len()
            ),
        });
    }
    let mut obj = Map::new();
    for (h, cell) in headers.iter().zip(record.iter()) {
        let cell = std::str::from_utf8(cell)
            .map_err(|e| FieldError {
                field: Some(h.clone()),
                reason: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            })?
            .trim();
        if cell.is_empty() || h.is_empty() {
            continue;
        }
        let parts: Vec<&str> = h.split('.').collect();
        if parts.len() == 1 && SCALAR_ARRAYS.contains(&parts[0]) {
            let items = cell
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect();
            obj.insert(parts[0].into(), Value::Array(items));
        } else if parts.len() >= 2 && OBJECT_ARRAYS.contains(&parts[0]) {
            let arr = obj.entry(parts[0]).or_insert_with(|| Value::Array(vec![]));
            let Value::Array(arr) = arr else {
                unreachable!()
            };
            let (slots, rest): (Vec<(usize, &str)>, &[&str]) = match parts[1].parse::<usize>() {
                Ok(i) if i < 1000 => (vec![(i, cell)], &parts[2..]),
                Ok(_) => {
                    return Err(FieldError {
                        field: Some(h.clone()),
                        reason: "array index too large".into(),
                    });
                }
                Err(_) => (
                    cell.split(';').map(str::trim).enumerate().collect(),
                    &parts[1..],
                ),
            };
            for (i, v) in slots {
                while arr.len() <= i {
                    arr.push(Value::Object(Map::new()));
                }
                if !v.is_empty() {
                    set_path(&mut arr[i], rest, v);
                }
            }
        } else {
            let mut root = Value::Object(std::mem::take(&mut obj));
            set_path(&mut root, &parts, cell);
            let Value::Object(m) = root else {
                unreachable!()
            };
            obj = m;
        }
    }
    Ok(Value::Object(obj))
}

fn set_path(target: &mut Value, path: &[&str], v: &str) {
    let Some((last, head)) = path.split_last() else {
        return;
    };
    let mut cur = target;
    for seg in head {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        cur = cur
            .as_object_mut()
            .unwrap()
            .entry(*seg)
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    cur.as_object_mut()
        .unwrap()
        .insert((*last).into(), Value::String(v.into()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(headers: &[&str], cells: &[&str]) -> Value {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        row_to_value(&h, &csv::ByteRecord::from(cells.to_vec()))
            .unwrap_or_else(|e| panic!("{}", e.reason))
    }

    #[test]
    fn nested_arrays_and_parallel_columns() {
        let v = row(
            &[
                "application_id",
                "address.city",
                "emails",
                "payment.method",
                "payment.account",
                "references.1.email",
                "source",
            ],
            &[
                "a1",
                "Lyon",
                "x@y.fr; z@y.fr",
                "bank;crypto",
                "DE89;0x52",
                "r@e.org",
                "",
            ],
        );
        assert_eq!(v["address"]["city"], "Lyon");
        assert_eq!(v["emails"], serde_json::json!(["x@y.fr", "z@y.fr"]));
        assert_eq!(
            v["payment"][1],
            serde_json::json!({"method": "crypto", "account": "0x52"})
        );
        assert_eq!(v["references"][1]["email"], "r@e.org");
        assert!(v.get("source").is_none(), "empty cells are absent");
    }

    #[test]
    fn wrong_field_count_is_an_error() {
        let h = vec!["a".to_string(), "b".to_string()];
        let e = row_to_value(&h, &csv::ByteRecord::from(vec!["1"])).unwrap_err();
        assert_eq!(e.reason, "row has 1 fields, the header has 2");
    }
}
