//! An account's listing document: every field of an [`Account`] that only changes with a
//! write of the whole account, as one binary attribute (`listing`) of the account item.
//!
//! Why: a page of the account list spent 40% of its CPU in the SDK decoding attribute
//! maps (seventeen `AttributeValue`s per account, three of them JSON texts whose quotes
//! arrive escaped) and 13% more in turning them into accounts (docs/lambda.md). With the
//! document, the list's query names five attributes per account and decodes one JSON
//! document. Binary, not text: DynamoDB's JSON protocol would escape every quote of a text
//! attribute, and base64 decodes faster than escapes unescape.
//!
//! What is not in it stays an attribute of its own and wins over the document: the status
//! (a revoke sets it without the account in hand), the version and the due time (a refresh
//! claim moves them), the update time. The attributes of the first layout are still
//! written beside the document, so a release from before it (a rollback) reads every
//! account; an item without the document is read from them, and `igconnect migrate` gives
//! it one (`add_listings` in `listing_move.rs`).

use super::upkeep::REFRESH_DUE;
use super::{Item, UPDATED_AT, VERSION, corrupt, get_i64, get_opt_i64, get_s, time};
use crate::domain::{
    Account, AccountId, AccountStatus, IgUserId, LoginPath, MemberAccess, MetaGrantor, Owner,
    Profile, TenantId, Upkeep, UserId,
};
use crate::ports::StoreError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

/// The attribute that holds the document.
pub(in crate::adapters::dynamodb) const LISTING: &str = "listing";
const STATUS: &str = "status";

/// The document's format. A reader refuses a format it does not know rather than guess.
const FORMAT: u8 = 1;

/// What an account item's listing read names: the document and the attributes that
/// overlay it.
pub(in crate::adapters::dynamodb) const LISTED_ATTRIBUTES: &[&str] =
    &[LISTING, STATUS, UPDATED_AT, VERSION, REFRESH_DUE];

/// The document. Times are epoch milliseconds, like the item's own time attributes.
#[derive(Serialize, Deserialize)]
struct Listing {
    format: u8,
    id: AccountId,
    tenant: TenantId,
    ig_user_id: IgUserId,
    login: LoginPath,
    owner: Owner,
    profile: Profile,
    grantor: MetaGrantor,
    token_expires_at: Option<i64>,
    connected_at: i64,
    connected_by: UserId,
    member_access: MemberAccess,
    upkeep: Upkeep,
}

/// The `listing` attribute of `account`.
pub(in crate::adapters::dynamodb) fn listing_attribute(
    account: &Account,
) -> Result<AttributeValue, StoreError> {
    let listing = Listing {
        format: FORMAT,
        id: account.id.clone(),
        tenant: account.tenant.clone(),
        ig_user_id: account.ig_user_id.clone(),
        login: account.login,
        owner: account.owner.clone(),
        profile: account.profile.clone(),
        grantor: account.grantor.clone(),
        token_expires_at: account.token_expires_at.map(|at| at.timestamp_millis()),
        connected_at: account.connected_at.timestamp_millis(),
        connected_by: account.connected_by.clone(),
        member_access: account.member_access,
        upkeep: account.upkeep.clone(),
    };
    let bytes = serde_json::to_vec(&listing).map_err(corrupt)?;
    Ok(AttributeValue::B(Blob::new(bytes)))
}

/// Whether an account item carries its document (an item written before it does not,
/// until `igconnect migrate` gives it one).
pub(in crate::adapters::dynamodb) fn has_listing(item: &Item) -> bool {
    item.contains_key(LISTING)
}

/// The account of an item that carries its document: the document, overlaid with the
/// attributes changed in place. `None`: the item has no document.
pub(in crate::adapters::dynamodb) fn account_from_listing(
    item: &Item,
) -> Result<Option<Account>, StoreError> {
    let bytes = match item.get(LISTING) {
        None => return Ok(None),
        Some(AttributeValue::B(blob)) => blob.as_ref(),
        Some(_) => return Err(corrupt("the listing attribute is not binary")),
    };
    let listing: Listing = serde_json::from_slice(bytes).map_err(corrupt)?;
    if listing.format != FORMAT {
        return Err(corrupt(format!(
            "listing format {} (this release reads {FORMAT})",
            listing.format
        )));
    }
    let mut upkeep = listing.upkeep;
    // As in the first layout: the claim moves the due attribute without the document.
    upkeep.refresh_due_at = get_opt_i64(item, REFRESH_DUE)?.map(time).transpose()?;
    let version = get_i64(item, VERSION)?;
    Ok(Some(Account {
        id: listing.id,
        tenant: listing.tenant,
        ig_user_id: listing.ig_user_id,
        login: listing.login,
        owner: listing.owner,
        status: AccountStatus::parse(get_s(item, STATUS)?).ok_or_else(|| corrupt("status"))?,
        profile: listing.profile,
        grantor: listing.grantor,
        token_expires_at: listing.token_expires_at.map(time).transpose()?,
        connected_at: time(listing.connected_at)?,
        connected_by: listing.connected_by,
        updated_at: time(get_i64(item, UPDATED_AT)?)?,
        version: u64::try_from(version).map_err(|_| corrupt("negative version"))?,
        member_access: listing.member_access,
        upkeep,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::{SK, account_item, n, s};
    use super::*;
    use crate::domain::{Connection, Owner};
    use chrono::{DateTime, TimeDelta};

    fn account() -> Account {
        let connection = Connection {
            tenant: TenantId::parse("t").expect("tenant"),
            ig_user_id: IgUserId::parse("17841400000000001").expect("ig user"),
            login: LoginPath::Facebook,
            owner: Owner::User {
                user_id: UserId::parse("auth0|mike").expect("user"),
            },
            profile: Profile {
                username: "acme_studio".into(),
                name: Some("Acme \"quoted\" ünïcode".into()),
                followers_count: Some(12_345),
                ..Profile::default()
            },
            grantor: MetaGrantor {
                meta_user_id: "m1".into(),
                page_id: Some("p1".into()),
                scopes: Some(vec!["instagram_basic".into()]),
            },
            token_expires_at: DateTime::from_timestamp_millis(1_800_000_000_456),
            connected_by: UserId::parse("auth0|mike").expect("user"),
            at: DateTime::from_timestamp_millis(1_700_000_000_123).expect("time"),
        };
        let mut account = connection.new_account(AccountId::generate());
        account.member_access = MemberAccess::Publish;
        account.upkeep.last_error = Some("meta_unavailable".into());
        account.upkeep.failures = 2;
        account.upkeep.refresh_due_at = DateTime::from_timestamp_millis(1_750_000_000_000);
        account
    }

    /// What the list's query returns of an account item: the sort key and the listed
    /// attributes, nothing of the first layout.
    fn listed(item: &Item) -> Item {
        item.iter()
            .filter(|(name, _)| *name == SK || LISTED_ATTRIBUTES.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    #[test]
    fn an_account_reads_back_from_its_listed_attributes_alone() {
        let given = account();
        let item = listed(&account_item(&given).expect("item"));
        assert!(item.len() <= LISTED_ATTRIBUTES.len() + 1);
        assert_eq!(account_from_listing(&item).expect("read"), Some(given));
    }

    #[test]
    fn the_attributes_changed_in_place_win_over_the_document() {
        let given = account();
        let mut item = listed(&account_item(&given).expect("item"));
        // A revoke (status, update time) and a claim (version, due time) since.
        let at = given.updated_at + TimeDelta::minutes(5);
        item.insert(STATUS.into(), s("revoked"));
        item.insert(UPDATED_AT.into(), n(at.timestamp_millis()));
        item.insert(VERSION.into(), n(given.version + 1));
        item.remove(REFRESH_DUE);
        let read = account_from_listing(&item).expect("read").expect("listed");
        assert_eq!(read.status, AccountStatus::Revoked);
        assert_eq!(read.updated_at, at);
        assert_eq!(read.version, given.version + 1);
        assert_eq!(read.upkeep.refresh_due_at, None);
        assert_eq!(read.profile, given.profile);
    }

    #[test]
    fn an_item_without_a_document_is_told_apart_and_a_strange_one_is_refused() {
        let given = account();
        let mut item = account_item(&given).expect("item");
        item.remove(LISTING);
        assert!(!has_listing(&item));
        assert_eq!(account_from_listing(&item).expect("read"), None);
        item.insert(LISTING.into(), s("{}"));
        assert!(matches!(
            account_from_listing(&item),
            Err(StoreError::Corrupt(_))
        ));
        let newer = String::from_utf8(
            listing_attribute(&given)
                .expect("listing")
                .as_b()
                .expect("binary")
                .as_ref()
                .to_vec(),
        )
        .expect("utf-8")
        .replacen("\"format\":1", "\"format\":2", 1);
        item.insert(LISTING.into(), AttributeValue::B(Blob::new(newer)));
        let refused = account_from_listing(&item).expect_err("a newer format");
        assert!(
            refused.to_string().contains("listing format 2"),
            "{refused}"
        );
    }
}
