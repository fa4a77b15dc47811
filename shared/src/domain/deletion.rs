//! Meta's data-deletion requests: what the user who asked can look up by confirmation code.
//! A request keeps no trace of who asked (that would be data about them); only what was
//! done and when.

use aes_gcm::aead::{OsRng, rand_core::RngCore};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a deletion request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionStatus {
    /// Accepted, data still being deleted.
    Pending,
    /// Every account the user connected is deleted, with its tokens, grants and posts.
    Completed,
}

/// One data-deletion request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataDeletion {
    /// The confirmation code Meta shows the user: 128 random bits in hex, unguessable, so
    /// the status page needs no other authentication.
    pub confirmation_code: String,
    pub status: DeletionStatus,
    pub requested_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// How many connected accounts were deleted.
    pub accounts_deleted: u32,
}

impl DataDeletion {
    /// A new request, received at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        Self {
            confirmation_code: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            status: DeletionStatus::Pending,
            requested_at: at,
            completed_at: None,
            accounts_deleted: 0,
        }
    }

    /// Whether `code` has the shape of a confirmation code (checked before any lookup).
    pub fn is_code(code: &str) -> bool {
        code.len() == 32 && code.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_recognised() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let (a, b) = (DataDeletion::new(at), DataDeletion::new(at));
        assert_ne!(a.confirmation_code, b.confirmation_code);
        assert!(DataDeletion::is_code(&a.confirmation_code));
        assert!(!DataDeletion::is_code("../etc"));
        assert!(!DataDeletion::is_code(&a.confirmation_code.to_uppercase()));
    }
}
