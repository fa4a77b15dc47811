//! Cursor pagination. Cursors are opaque to clients so storage can change how it resumes.

use super::{AccountId, AuditId, PostId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why a page request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PageError {
    #[error("limit must be between 1 and {max}")]
    Limit { max: u32 },
    #[error("cursor is not one this service handed out")]
    Cursor,
}

/// What a listing can resume after: an id with a tag of its own, so a cursor handed out by
/// one listing is refused by another.
pub trait CursorKey: Clone + PartialEq + Eq + std::fmt::Debug + std::fmt::Display {
    /// The tag written into the cursor.
    const TAG: &'static str;
    /// Parses the id back out of a cursor.
    fn parse_key(s: &str) -> Option<Self>;
}

impl CursorKey for AccountId {
    const TAG: &'static str = "a1";
    fn parse_key(s: &str) -> Option<Self> {
        Self::parse(s).ok()
    }
}

impl CursorKey for AuditId {
    const TAG: &'static str = "e1";
    fn parse_key(s: &str) -> Option<Self> {
        Self::parse(s).ok()
    }
}

impl CursorKey for PostId {
    const TAG: &'static str = "p1";
    fn parse_key(s: &str) -> Option<Self> {
        Self::parse(s).ok()
    }
}

/// Where a listing resumes: after the item the previous page ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor<K = AccountId>(K);

impl<K: CursorKey> Cursor<K> {
    /// The cursor that resumes after `id`.
    pub fn after(id: &K) -> Self {
        Self(id.clone())
    }

    /// The item the next page starts after.
    pub fn last_seen(&self) -> &K {
        &self.0
    }

    /// The opaque text handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", K::TAG, self.0))
    }

    /// Parses a cursor a client sent back.
    pub fn decode(s: &str) -> Result<Self, PageError> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| PageError::Cursor)?;
        let text = String::from_utf8(bytes).map_err(|_| PageError::Cursor)?;
        let id = text
            .strip_prefix(K::TAG)
            .and_then(|rest| rest.strip_prefix(':'))
            .ok_or(PageError::Cursor)?;
        K::parse_key(id).map(Self).ok_or(PageError::Cursor)
    }
}

/// One page of a listing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K = AccountId> {
    pub limit: u32,
    pub after: Option<Cursor<K>>,
}

impl<K: CursorKey> PageRequest<K> {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 100;

    /// Validates a client's `limit` and `cursor`.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, PageError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(PageError::Limit {
                max: Self::MAX_LIMIT,
            });
        }
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(Cursor::decode)
            .transpose()?;
        Ok(Self { limit, after })
    }
}

/// A page of results and the cursor of the next one, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, K = AccountId> {
    pub items: Vec<T>,
    pub next: Option<Cursor<K>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert_eq!(
            PageRequest::<AccountId>::parse(Some(0), None),
            Err(PageError::Limit { max: 100 })
        );
        assert_eq!(
            PageRequest::<AccountId>::parse(Some(101), None),
            Err(PageError::Limit { max: 100 })
        );
        assert_eq!(
            PageRequest::<AccountId>::parse(None, None).unwrap().limit,
            50
        );
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert_eq!(
            Cursor::<AccountId>::decode("not a cursor"),
            Err(PageError::Cursor)
        );
        assert_eq!(Cursor::<AccountId>::decode("YWJj"), Err(PageError::Cursor));
    }

    #[test]
    fn an_audit_cursor_is_not_an_account_cursor() {
        let audit = Cursor::after(&AuditId::generate()).encode();
        assert_eq!(Cursor::<AccountId>::decode(&audit), Err(PageError::Cursor));
    }

    proptest! {
        #[test]
        fn cursors_round_trip(id in "[a-z0-9-]{1,64}") {
            let id = AccountId::parse(id).unwrap();
            let c = Cursor::after(&id);
            prop_assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
    }
}
