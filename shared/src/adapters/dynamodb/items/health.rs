//! The one change to an account item outside a login or an access change: marking it
//! `needs_reauth` when Meta refuses its token.

use super::{ItemUpdate, PK, UPDATED_AT, VERSION, n, s};
use crate::domain::AccountStatus;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The update that marks an account `needs_reauth` at `at` and bumps its version, on the
/// condition that it exists and is not marked already, so only one of several marks lands.
/// It names nothing else: the token, profile, owner and index keys stay as they are.
pub(in crate::adapters::dynamodb) fn needs_reauth_update(at: DateTime<Utc>) -> ItemUpdate {
    ItemUpdate {
        expression: "SET #status = :status, #updated_at = :at ADD #version :one".to_owned(),
        names: HashMap::from([
            ("#pk".to_owned(), PK.to_owned()),
            ("#status".to_owned(), "status".to_owned()),
            ("#updated_at".to_owned(), UPDATED_AT.to_owned()),
            ("#version".to_owned(), VERSION.to_owned()),
        ]),
        values: HashMap::from([
            (":status".to_owned(), s(AccountStatus::NeedsReauth.as_str())),
            (":at".to_owned(), n(at.timestamp_millis())),
            (":one".to_owned(), n(1)),
        ]),
    }
}

/// The condition of [`needs_reauth_update`], over its names and values.
pub(in crate::adapters::dynamodb) const NEEDS_REAUTH_CONDITION: &str =
    "attribute_exists(#pk) AND #status <> :status";
