//! Identifier newtypes. Parsing happens once at the edge; past it the type proves the id is
//! well formed, so storage keys built from it cannot be injected or confused.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("{kind} is empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("{kind} may only hold letters, digits and - _ . @ : |")]
    BadCharacter { kind: &'static str },
}

/// Key-safe characters: enough for UUIDs, e-mail style subjects and Cognito/Auth0 ids
/// (`auth0|abc`), but never `#`, which the DynamoDB keys use as a separator.
fn key_safe(s: &str, kind: &'static str, max: usize) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.chars().count() > max {
        return Err(IdError::TooLong { kind, max });
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | ':' | '|'))
    {
        return Err(IdError::BadCharacter { kind });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an untrusted string into the id.
            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                key_safe(&s, $kind, $max)?;
                Ok(Self(s))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A company using the SaaS product; every record belongs to exactly one tenant.
    TenantId, "tenant id", 128
);
id_type!(
    /// A person of a tenant, as named by the identity provider's `sub` claim.
    UserId, "user id", 256
);
id_type!(
    /// igconnect's own id of a connected account (a time-ordered UUID, so listing order is
    /// connection order and cursors are stable).
    AccountId, "account id", 64
);
id_type!(
    /// Meta's id of an Instagram professional account. Kept as text: Meta's ids exceed 2^53.
    IgUserId, "instagram user id", 64
);

id_type!(
    /// An audit entry's id (a time-ordered UUID, so the newest entry sorts last).
    AuditId, "audit id", 64
);

id_type!(
    /// igconnect's id of a post (a time-ordered UUID, so the newest post sorts last).
    PostId, "post id", 64
);

id_type!(
    /// igconnect's id of an uploaded file (a time-ordered UUID): the tenant's, named by
    /// posts in place of a URL.
    MediaId, "media id", 64
);

impl MediaId {
    /// A fresh, time-ordered media id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }
}

impl PostId {
    /// A fresh, time-ordered post id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }
}

impl AccountId {
    /// A fresh, time-ordered account id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }
}

impl AuditId {
    /// A fresh, time-ordered audit id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }
}

impl UserId {
    /// The actor of changes igconnect makes on its own (the refresh pass, Meta's
    /// callbacks). The `igconnect:` prefix keeps it apart from the subject of any JWT a
    /// tenant's identity provider would issue in practice.
    pub fn system() -> Self {
        Self("igconnect:system".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_refuse_the_key_separator() {
        assert_eq!(
            TenantId::parse("a#b"),
            Err(IdError::BadCharacter { kind: "tenant id" })
        );
    }

    #[test]
    fn ids_refuse_empty_text() {
        assert_eq!(UserId::parse(""), Err(IdError::Empty { kind: "user id" }));
    }

    #[test]
    fn identity_provider_subjects_are_accepted() {
        assert!(UserId::parse("auth0|64f1c2").is_ok());
        assert!(UserId::parse("a.person@example.com").is_ok());
    }

    proptest! {
        #[test]
        fn parsed_ids_never_hold_a_separator(s in "\\PC{0,80}") {
            if let Ok(id) = TenantId::parse(s) {
                prop_assert!(!id.as_str().contains('#'));
                prop_assert!(!id.as_str().is_empty());
            }
        }
    }
}
