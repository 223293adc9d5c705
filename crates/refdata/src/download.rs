//! Resumable, verified downloads.
//!
//! A file is fetched into a `.part` file that survives an interrupted run;
//! the next attempt asks the server for the rest (`Range`) and appends. The
//! finished file is moved into the staging directory only when complete
//! (its length matches what the server announced); the caller then checks
//! that it parses and records its sha256 before anything switches.

use std::io::{Read, Write};
use std::path::Path;

const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

pub fn fetch(url: &str, part: &Path, dst: &Path) -> Result<(), String> {
    std::fs::create_dir_all(part.parent().unwrap()).map_err(|e| e.to_string())?;
    let part = part.with_extension("part");
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(url);
    if have > 0 {
        req = req.header("Range", &format!("bytes={have}-"));
    }
    let resp = req.call().map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let (append, expect_total) = match status {
        206 => {
            // Content-Range: bytes start-end/total
            let total = resp
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit('/').next())
                .and_then(|t| t.parse::<u64>().ok());
            (true, total)
        }
        200 => (
            false,
            resp.headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok()),
        ),
        416 if have > 0 => (true, Some(have)), // already complete
        other => return Err(format!("{url}: HTTP {other}")),
    };
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&part)
        .map_err(|e| e.to_string())?;
    if status != 416 {
        let mut body = resp.into_body().into_reader();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = body.read(&mut buf).map_err(|e| {
                format!("{url}: download interrupted ({e}); run install again to resume")
            })?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    let got = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    if let Some(total) = expect_total
        && got != total
    {
        return Err(format!(
            "{url}: got {got} of {total} bytes; run install again to resume"
        ));
    }
    std::fs::rename(&part, dst)
        .or_else(|_| {
            std::fs::copy(&part, dst)
                .map(|_| ())
                .and_then(|_| std::fs::remove_file(&part))
        })
        .map_err(|e| e.to_string())
}
