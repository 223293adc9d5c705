//! IP addresses and the network buckets detectors group them by.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parses v4 or v6, tolerating a port (`1.2.3.4:443`, `[2001:db8::1]:443`)
/// and a zone id; IPv4-mapped IPv6 becomes the IPv4 it carries.
pub fn ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let addr = if let Ok(a) = s.parse::<IpAddr>() {
        a
    } else if let Some(rest) = s.strip_prefix('[') {
        rest.split(']').next()?.split('%').next()?.parse().ok()?
    } else if let Some((host, port)) = s.rsplit_once(':') {
        if port.chars().all(|c| c.is_ascii_digit()) && host.contains('.') {
            host.parse::<Ipv4Addr>().ok()?.into()
        } else {
            s.split('%').next()?.parse().ok()?
        }
    } else {
        return None;
    };
    Some(addr.to_canonical())
}

/// The /24 (IPv4) or /48 (IPv6) network, written in CIDR form.
pub fn bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/48", Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_buckets() {
        assert_eq!(ip("203.0.113.7").unwrap().to_string(), "203.0.113.7");
        assert_eq!(ip("203.0.113.7:443").unwrap().to_string(), "203.0.113.7");
        assert_eq!(ip("::ffff:203.0.113.7").unwrap().to_string(), "203.0.113.7");
        assert_eq!(
            ip("[2001:db8:abcd:12::1]:8443").unwrap().to_string(),
            "2001:db8:abcd:12::1"
        );
        assert_eq!(ip("fe80::1%eth0").unwrap().to_string(), "fe80::1");
        assert_eq!(bucket(ip("203.0.113.7").unwrap()), "203.0.113.0/24");
        assert_eq!(
            bucket(ip("2001:db8:abcd:12::1").unwrap()),
            "2001:db8:abcd::/48"
        );
        for bad in ["", "300.1.1.1", "localhost", "1.2.3", "::g"] {
            assert!(ip(bad).is_none(), "{bad}");
        }
    }
}
