//! The user's own lists: known-bad identifiers (e-mails, phones, e-mail
//! domains, IPs, wallets) from confirmed cases, and allow-lists (corporate
//! VPN ranges, company-sanctioned remote tools).
//!
//! CSV with a header: `kind,value[,note]`, kind one of `email`, `phone`,
//! `domain`, `ip`, `wallet`, `allow_ip_range`, `allow_tool`. Values are
//! normalised the way the identity graph normalises them, so they compare
//! with `==`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use unmask_normalise::{email, phone};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BadKind {
    Email,
    Phone,
    Domain,
    Ip,
    Wallet,
}

#[derive(Clone, Default, Debug)]
pub struct Lists {
    bad: HashMap<(BadKind, String), String>,
    allow_ranges: Vec<(u128, u128)>,
    allow_tools: HashSet<String>,
}

impl Lists {
    pub fn load(path: &Path) -> Result<Lists, String> {
        let (mut r, headers, name) = crate::open_csv(path)?;
        if headers.first().map(String::as_str) != Some("kind")
            || headers.get(1).map(String::as_str) != Some("value")
        {
            return Err(format!("{name}: the header must start with kind,value"));
        }
        let mut l = Lists::default();
        for (i, row) in r.records().enumerate() {
            let row = row.map_err(|e| format!("{name} row {}: {e}", i + 2))?;
            l.add(
                row.get(0).unwrap_or(""),
                row.get(1).unwrap_or(""),
                row.get(2).unwrap_or(""),
            )
            .map_err(|e| format!("{name} row {}: {e}", i + 2))?;
        }
        Ok(l)
    }

    /// Adds one entry as a row of the file would (`kind`, `value`, `note`):
    /// how a case store feeds its confirmed cases to the next scan.
    pub fn add(&mut self, kind: &str, value: &str, note: &str) -> Result<(), String> {
        let bad = |why: &str| format!("{value:?} {why}");
        let (k, key) = match kind.to_ascii_lowercase().as_str() {
            "email" => (
                BadKind::Email,
                email::email(value).ok_or_else(|| bad("is not an e-mail address"))?,
            ),
            "phone" => (
                BadKind::Phone,
                phone::phone(value, None)
                    .ok_or_else(|| bad("is not a phone number (write it as +E.164)"))?,
            ),
            "domain" => (
                BadKind::Domain,
                value.trim().trim_start_matches('@').to_ascii_lowercase(),
            ),
            "ip" => (
                BadKind::Ip,
                value
                    .trim()
                    .parse::<std::net::IpAddr>()
                    .map_err(|_| bad("is not an IP address"))?
                    .to_canonical()
                    .to_string(),
            ),
            "wallet" => (
                BadKind::Wallet,
                format!("crypto:{}", value.trim().to_ascii_lowercase()),
            ),
            "allow_ip_range" => {
                let range =
                    crate::ip::parse_cidr(value).ok_or_else(|| bad("is not an IP range"))?;
                let at = self.allow_ranges.partition_point(|r| *r < range);
                self.allow_ranges.insert(at, range);
                return Ok(());
            }
            "allow_tool" => {
                self.allow_tools.insert(value.trim().to_ascii_lowercase());
                return Ok(());
            }
            other => return Err(format!("unknown kind {other:?}")),
        };
        self.bad.insert((k, key), note.to_string());
        Ok(())
    }

    /// The note for a known-bad value (already in the graph's normal form).
    pub fn bad(&self, kind: BadKind, key: &str) -> Option<&str> {
        self.bad.get(&(kind, key.to_string())).map(String::as_str)
    }

    /// Whether an IP is in an allow-listed (corporate) range.
    pub fn allowed_ip(&self, ip: std::net::IpAddr) -> bool {
        let k = crate::ip::key(ip);
        let i = self.allow_ranges.partition_point(|r| r.0 <= k);
        i > 0 && k <= self.allow_ranges[i - 1].1
    }

    /// Whether a remote tool (by LOLRMM name or process name) is sanctioned.
    pub fn allowed_tool(&self, name: &str) -> bool {
        self.allow_tools.contains(&name.trim().to_ascii_lowercase())
    }

    pub fn len(&self) -> usize {
        self.bad.len() + self.allow_ranges.len() + self.allow_tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
