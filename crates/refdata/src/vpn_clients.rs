//! VPN clients the scheme's operators are reported to run on company
//! laptops, matched by process name or install path.
//!
//! LOLRMM lists remote-access tools, not VPN clients, and no public
//! catalogue of consumer VPN clients was found, so this small table is
//! built in. Each entry names its public source. Astrill is the one the
//! reporting keeps naming (Mandiant/Google, LevelBlue, Okta 2024–2026;
//! `../shared/notes/indicators.md`, `astrill_client_present`): it works
//! from inside China, which is also why staff who live in or travel to
//! China run it honestly — the detector weighs it as one signal among
//! many, and a company that sanctions it allow-lists it like a tool.

/// One VPN client: its name, and how its processes show up.
#[derive(Debug, PartialEq, Eq)]
pub struct VpnClient {
    pub name: &'static str,
    /// Executable names, lower case.
    pub processes: &'static [&'static str],
    /// Path fragments, lower case with `/` separators.
    pub paths: &'static [&'static str],
    pub source: &'static str,
}

pub const CLIENTS: &[VpnClient] = &[VpnClient {
    name: "Astrill VPN",
    // The Linux helpers are named in a third-party README only; the
    // install folders are the vendor's defaults on Windows and macOS.
    processes: &["astrill.exe", "astrill", "asproxy", "asovpnc"],
    paths: &["/astrill/", "/astrill.app/"],
    source: "Mandiant/Google, LevelBlue and Okta reporting on DPRK IT workers (indicators.md S13, S21, S22)",
}];

/// The VPN client a running process belongs to: by a path fragment, else
/// by its executable name.
pub fn lookup(process: &str) -> Option<&'static VpnClient> {
    let p = process.trim().replace('\\', "/").to_lowercase();
    let exe = p.rsplit('/').next().unwrap_or(&p);
    CLIENTS
        .iter()
        .find(|c| c.paths.iter().any(|f| p.contains(f)) || c.processes.contains(&exe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn astrill_is_found_by_path_or_name_and_lookalikes_are_not() {
        let by_path = lookup(r"C:\Program Files (x86)\Astrill\astrill.exe").unwrap();
        assert_eq!(by_path.name, "Astrill VPN");
        assert_eq!(
            lookup("/Applications/Astrill.app/Contents/MacOS/Astrill"),
            Some(by_path)
        );
        assert_eq!(lookup("asovpnc"), Some(by_path));
        assert_eq!(
            lookup(r"C:\Program Files\Google\Chrome\Application\chrome.exe"),
            None
        );
        // A name that merely contains the word is not the client.
        assert_eq!(lookup("/usr/bin/astrill-notes-viewer"), None);
    }
}
