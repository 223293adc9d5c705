//! E-mail addresses as identity keys.
//!
//! Providers that ignore parts of the local part make one mailbox look like
//! many: Gmail ignores dots and everything after `+`; Outlook, iCloud,
//! Proton and Fastmail deliver `+tag` to the same mailbox. Folding those
//! (and only those) keeps `d.moreau+upwork@gmail.com` and
//! `dmoreau@googlemail.com` one identifier, without merging distinct
//! mailboxes at providers where dots matter.

/// Canonical mailbox key, or `None` when the text is not an address.
pub fn email(s: &str) -> Option<String> {
    let s = s
        .trim()
        .trim_start_matches("mailto:")
        .trim_matches(|c| c == '<' || c == '>');
    let (local, domain) = s.rsplit_once('@')?;
    let local = local.trim().to_lowercase();
    let mut domain = domain.trim().trim_end_matches('.').to_lowercase();
    if local.is_empty() || local.contains(char::is_whitespace) || !valid_domain(&domain) {
        return None;
    }
    if domain == "googlemail.com" {
        domain = "gmail.com".into();
    }
    let plus_folds = matches!(
        domain.as_str(),
        "gmail.com"
            | "outlook.com"
            | "hotmail.com"
            | "live.com"
            | "msn.com"
            | "icloud.com"
            | "me.com"
            | "mac.com"
            | "protonmail.com"
            | "proton.me"
            | "pm.me"
            | "fastmail.com"
            | "fastmail.fm"
    );
    let mut local = if plus_folds {
        local.split('+').next().unwrap_or("").to_string()
    } else {
        local
    };
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    if local.is_empty() {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

/// The domain part of a canonical key.
pub fn domain(key: &str) -> &str {
    key.rsplit_once('@').map_or("", |(_, d)| d)
}

/// Free-mail providers: a "company" reference on one of these is weaker.
pub fn is_freemail(domain: &str) -> bool {
    matches!(
        domain,
        "gmail.com"
            | "outlook.com"
            | "hotmail.com"
            | "live.com"
            | "yahoo.com"
            | "icloud.com"
            | "protonmail.com"
            | "proton.me"
            | "gmx.de"
            | "gmx.net"
            | "web.de"
            | "mail.ru"
            | "yandex.ru"
            | "qq.com"
            | "163.com"
            | "aol.com"
            | "zoho.com"
            | "yahoo.co.uk"
    )
}

fn valid_domain(d: &str) -> bool {
    d.contains('.')
        && !d.starts_with('.')
        && d.split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::email;

    #[test]
    fn gmail_dots_plus_and_alias_domain_fold() {
        let k = email("Daniel.Moreau+upwork@GMail.com").unwrap();
        assert_eq!(k, "danielmoreau@gmail.com");
        assert_eq!(email("danielmoreau@googlemail.com").unwrap(), k);
    }

    #[test]
    fn plus_but_not_dots_elsewhere() {
        assert_eq!(
            email("d.moreau+x@outlook.com").unwrap(),
            "d.moreau@outlook.com"
        );
        assert_ne!(email("d.moreau@outlook.com"), email("dmoreau@outlook.com"));
        assert_eq!(
            email("first+tag@acme.example").unwrap(),
            "first+tag@acme.example",
            "unknown providers keep +"
        );
    }

    #[test]
    fn rejects_non_addresses() {
        for bad in [
            "",
            "no-at-sign",
            "@example.com",
            "a@b",
            "a b@c.com",
            "x@.com",
            "+@gmail.com",
        ] {
            assert_eq!(email(bad), None, "{bad}");
        }
        assert_eq!(email("<A@Example.ORG>").unwrap(), "a@example.org");
    }
}
