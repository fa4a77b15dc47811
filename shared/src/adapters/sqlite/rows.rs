//! Mapping between account rows and domain types.

use super::corrupt;
use crate::domain::{
    Account, AccountId, AccountStatus, IgUserId, LoginPath, MemberAccess, MetaGrantor, Owner,
    OwnerKind, Profile, TenantId, UserId,
};
use crate::ports::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::Row;

pub(super) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt("timestamp out of range"))
}

/// Reads an account row; columns in [`ACCOUNT_COLUMNS`] order.
pub(super) fn account_from_row(row: &Row<'_>) -> Result<Account, StoreError> {
    let get_s = |i: usize| row.get::<_, String>(i).map_err(corrupt);
    let owner = match get_s(4)?.as_str() {
        "company" => Owner::Company,
        "user" => Owner::User {
            user_id: UserId::parse(
                row.get::<_, Option<String>>(5)
                    .map_err(corrupt)?
                    .ok_or_else(|| corrupt("user owner without user"))?,
            )
            .map_err(corrupt)?,
        },
        other => return Err(corrupt(format!("owner type {other}"))),
    };
    let profile: Profile = serde_json::from_str(&get_s(7)?).map_err(corrupt)?;
    let grantor: MetaGrantor = serde_json::from_str(&get_s(8)?).map_err(corrupt)?;
    Ok(Account {
        id: AccountId::parse(get_s(0)?).map_err(corrupt)?,
        tenant: TenantId::parse(get_s(1)?).map_err(corrupt)?,
        ig_user_id: IgUserId::parse(get_s(2)?).map_err(corrupt)?,
        login: LoginPath::parse(&get_s(3)?).ok_or_else(|| corrupt("login path"))?,
        owner,
        status: AccountStatus::parse(&get_s(6)?).ok_or_else(|| corrupt("status"))?,
        profile,
        grantor,
        token_expires_at: row
            .get::<_, Option<i64>>(9)
            .map_err(corrupt)?
            .map(from_millis)
            .transpose()?,
        connected_at: from_millis(row.get(10).map_err(corrupt)?)?,
        connected_by: UserId::parse(get_s(11)?).map_err(corrupt)?,
        updated_at: from_millis(row.get(12).map_err(corrupt)?)?,
        version: row.get::<_, i64>(13).map_err(corrupt)? as u64,
        member_access: MemberAccess::parse(&get_s(14)?).ok_or_else(|| corrupt("member access"))?,
        upkeep: serde_json::from_str(&get_s(15)?).map_err(corrupt)?,
    })
}

pub(super) fn owner_columns(owner: &Owner) -> (&'static str, Option<String>) {
    match owner {
        Owner::Company => ("company", None),
        Owner::User { user_id } => ("user", Some(user_id.to_string())),
    }
}

pub(super) fn owner_kind_str(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::User => "user",
        OwnerKind::Company => "company",
    }
}
