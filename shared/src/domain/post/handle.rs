//! Instagram usernames, as collaborators and user tags name them and as `@mentions` are
//! counted in captions.

use serde::Serialize;
use std::fmt;

/// The longest username Instagram allows.
pub const MAX_HANDLE_CHARS: usize = 30;

/// Whether `c` may appear in an Instagram username: ASCII letters, digits, `.` and `_`.
pub(super) fn is_handle_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_')
}

/// An Instagram username: 1 to 30 ASCII letters, digits, `.` and `_`, stored without its
/// `@` and lowercased.
///
/// Instagram usernames are case-insensitive and always shown lowercase, so `@Acme` and
/// `acme` are the same account; lowercasing makes them compare equal. Instagram's further
/// rules (no leading or doubled `.`) are left to Meta: a handle that passes here but names
/// no account fails at Meta either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Handle(String);

impl Handle {
    /// Parses `name` or `@name`, ignoring surrounding whitespace. `None` when what is left
    /// is empty, too long or holds a character no username has.
    pub fn parse(s: &str) -> Option<Self> {
        let name = s.trim();
        let name = name.strip_prefix('@').unwrap_or(name);
        let valid = !name.is_empty()
            && name.chars().count() <= MAX_HANDLE_CHARS
            && name.chars().all(is_handle_char);
        valid.then(|| Self(name.to_ascii_lowercase()))
    }

    /// The username, without `@`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_leading_at_is_stripped_and_the_name_lowercased() {
        assert_eq!(
            Handle::parse(" @Acme.Shop_1 ").unwrap().as_str(),
            "acme.shop_1"
        );
        assert_eq!(Handle::parse("acme"), Handle::parse("@ACME"));
    }

    #[test]
    fn names_no_instagram_account_can_have_are_refused() {
        let too_long = "a".repeat(MAX_HANDLE_CHARS + 1);
        for bad in [
            "",
            "@",
            "@@acme",
            "ac me",
            "acme!",
            "jöran",
            "acme-shop",
            &too_long,
        ] {
            assert_eq!(Handle::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_name_of_handle_characters_parses_back_to_itself(
            name in "[a-z0-9._]{1,30}"
        ) {
            let handle = Handle::parse(&format!("@{name}")).unwrap();
            prop_assert_eq!(handle.as_str(), name.as_str());
        }
    }
}
