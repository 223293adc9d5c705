//! Person names as comparable keys.
//!
//! The key is the folded tokens in sorted order, so `Moreau, Daniel`,
//! `DANIEL MOREAU` and `Daniel  Moréau` agree; token order carries no
//! meaning because family-name-first is as common as given-name-first.

use crate::text::fold;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// As written, trimmed (for people to read).
    pub display: String,
    /// Folded tokens in written order.
    pub tokens: Vec<String>,
    /// Folded tokens, sorted, joined with one space: the equality key.
    pub key: String,
    /// The folded given name, when the record says which part it is.
    pub given: Option<String>,
    /// The folded family name, when the record says which part it is.
    pub family: Option<String>,
}

/// Builds a name from whichever parts a record has; `None` when nothing
/// usable is left after folding.
fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

pub fn name(full: Option<&str>, given: Option<&str>, family: Option<&str>) -> Option<Name> {
    let (given, family) = (nonempty(given), nonempty(family));
    let display = match (nonempty(full), given, family) {
        (Some(f), _, _) => f.to_string(),
        (None, Some(g), Some(f)) => format!("{g} {f}"),
        (None, Some(x), None) | (None, None, Some(x)) => x.to_string(),
        (None, None, None) => return None,
    };
    let tokens: Vec<String> = fold(&display)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    if tokens.is_empty() {
        return None;
    }
    let mut sorted = tokens.clone();
    sorted.sort_unstable();
    let fold_part = |s: Option<&str>| s.map(fold).filter(|s| !s.is_empty());
    Some(Name {
        display,
        key: sorted.join(" "),
        tokens,
        given: fold_part(given),
        family: fold_part(family),
    })
}

impl Name {
    /// The given name: the record's own, else the first written token.
    pub fn given_or_first(&self) -> &str {
        self.given.as_deref().unwrap_or(&self.tokens[0])
    }
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn order_case_and_accents_do_not_matter() {
        let a = name(Some("Daniel Moréau"), None, None).unwrap();
        let b = name(Some("MOREAU, Daniel"), None, None).unwrap();
        let c = name(None, Some("daniel"), Some("moreau")).unwrap();
        assert_eq!(a.key, "daniel moreau");
        assert_eq!(a.key, b.key);
        assert_eq!(a.key, c.key);
        assert_eq!(c.given.as_deref(), Some("daniel"));
        assert_eq!(a.display, "Daniel Moréau");
    }

    #[test]
    fn different_people_differ_and_empty_is_none() {
        assert_ne!(
            name(Some("Daniel Moreau"), None, None).unwrap().key,
            name(Some("Daniel Moretti"), None, None).unwrap().key
        );
        assert!(name(Some("  "), Some(""), None).is_none());
        assert!(name(Some("—"), None, None).is_none());
    }

    #[test]
    fn non_latin_scripts_become_latin_keys() {
        assert_eq!(name(Some("김민준"), None, None).unwrap().key, "gimminjun");
        assert_eq!(
            name(Some("Kim Min-jun"), None, None).unwrap().key,
            "jun kim min"
        );
    }
}
