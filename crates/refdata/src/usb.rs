//! USB identities of IP-KVMs, USB-KVM chips, BMC virtual devices and mouse
//! jigglers. Many IP-KVMs present the generic Linux gadget id `1d6b:0104`,
//! so a vid:pid match alone on that id is weak; the default manufacturer
//! and product strings make it strong.

use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsbMatch {
    /// e.g. "PiKVM (kvmd OTG gadget)"
    pub device: String,
    /// ip-kvm, usb-kvm, bmc-virtual-hid, mouse-jiggler, …
    pub kind: String,
    /// `strong` when the strings match too (or the id is specific);
    /// `weak` for a generic id without matching strings.
    pub strength: Strength,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    Weak,
    Strong,
}

struct Entry {
    vid: String,
    pid: String,
    manufacturer: String,
    product: String,
    device: String,
    kind: String,
    confidence: String,
}

#[derive(Default)]
pub struct UsbIndex {
    entries: Vec<Entry>,
}

/// The Linux Foundation's generic multifunction-gadget id.
const GENERIC_GADGET: (&str, &str) = ("1d6b", "0104");

impl UsbIndex {
    pub fn load(dir: &Path) -> Result<UsbIndex, String> {
        let path = dir.join("ipkvm_jiggler_usb_ids.csv");
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut entries = vec![];
        for row in r.records() {
            let row = row.map_err(|e| e.to_string())?;
            let g = |i: usize| row.get(i).unwrap_or("").trim().to_string();
            entries.push(Entry {
                vid: g(0).to_lowercase(),
                pid: g(1).to_lowercase(),
                manufacturer: g(2),
                product: g(3),
                device: g(5),
                kind: g(6),
                confidence: g(8),
            });
        }
        Ok(UsbIndex { entries })
    }

    /// What a USB device is, from its ids and the strings it reports.
    pub fn lookup(
        &self,
        vid: &str,
        pid: &str,
        manufacturer: Option<&str>,
        product: Option<&str>,
    ) -> Option<UsbMatch> {
        let (vid, pid) = (
            vid.trim().trim_start_matches("0x").to_lowercase(),
            pid.trim().trim_start_matches("0x").to_lowercase(),
        );
        let eq = |a: &str, b: Option<&str>| {
            !a.is_empty() && b.is_some_and(|b| b.trim().eq_ignore_ascii_case(a))
        };
        let candidates: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.vid == vid && e.pid == pid)
            .collect();
        if let Some(e) = candidates
            .iter()
            .find(|e| eq(&e.manufacturer, manufacturer) || eq(&e.product, product))
        {
            return Some(UsbMatch {
                device: e.device.clone(),
                kind: e.kind.clone(),
                strength: Strength::Strong,
            });
        }
        let e = candidates.first()?;
        let generic = (vid.as_str(), pid.as_str()) == GENERIC_GADGET
            || e.confidence.starts_with("high-if-strings");
        Some(UsbMatch {
            device: if generic {
                "generic Linux USB gadget (used by several IP-KVMs)".into()
            } else {
                e.device.clone()
            },
            kind: e.kind.clone(),
            strength: if generic || e.confidence.starts_with("low") {
                Strength::Weak
            } else {
                Strength::Strong
            },
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
