//! Given-data for the suites: realistic records with every optional field set, and
//! timestamps at whole milliseconds (the precision every Store keeps).

use crate::domain::{
    Account, AccountId, AuditEntry, AuditEvent, Connection, Grant, IgUserId, LoginPath,
    MetaGrantor, OAuthState, Owner, OwnerKind, Permission, Profile, ReturnTo, STATE_TTL,
    StateToken, TenantId, UserId,
};
use crate::ports::SealedSecret;
use chrono::{DateTime, TimeDelta, Utc};

/// A tenant id from a test constant.
pub fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).expect("fixture tenant ids are valid")
}

/// A user id from a test constant.
pub fn user(name: &str) -> UserId {
    UserId::parse(name).expect("fixture user ids are valid")
}

/// An Instagram user id from a test constant.
pub fn ig_user(id: &str) -> IgUserId {
    IgUserId::parse(id).expect("fixture instagram ids are valid")
}

/// An account id no store has handed out.
pub fn unknown_account() -> AccountId {
    AccountId::generate()
}

/// Now, truncated to whole milliseconds so a round trip through any store is exact.
pub fn now() -> DateTime<Utc> {
    let ms = Utc::now().timestamp_millis();
    DateTime::from_timestamp_millis(ms).expect("the current time is representable")
}

/// A pending login of `tenant`, started `age` ago, with a fresh key.
pub fn state(tenant: &TenantId, login: LoginPath, owner: OwnerKind, age: TimeDelta) -> OAuthState {
    let created_at = now() - age;
    OAuthState {
        key: StateToken::generate().key(),
        tenant: tenant.clone(),
        user: user("auth0|user-1"),
        login,
        owner,
        return_to: ReturnTo::from_stored(
            url::Url::parse("https://app.example.com/settings/integrations?tab=instagram#top")
                .expect("fixture URL is valid"),
        ),
        created_at,
        expires_at: created_at + STATE_TTL,
    }
}

/// A profile with every field Meta can give, including text that is not ASCII.
pub fn full_profile(username: &str) -> Profile {
    Profile {
        username: username.to_owned(),
        name: Some("Café Zoë 🌿".to_owned()),
        profile_picture_url: Some(format!("https://cdn.example.com/{username}.jpg?x=1&y=2")),
        followers_count: Some(12_345),
        follows_count: Some(0),
        media_count: Some(u32::MAX as u64 + 7),
        account_type: Some("BUSINESS".to_owned()),
        biography: Some("Line one\nline two \"quoted\"".to_owned()),
        website: Some("https://cafe.example.com".to_owned()),
    }
}

/// A Facebook-path connection of `ig_user_id` to `tenant`, owned by a user, every field set,
/// with a token expiring in 60 days.
pub fn connection(tenant: &TenantId, ig_user_id: &str) -> Connection {
    let at = now();
    Connection {
        tenant: tenant.clone(),
        ig_user_id: ig_user(ig_user_id),
        login: LoginPath::Facebook,
        owner: Owner::User {
            user_id: user("auth0|owner-1"),
        },
        profile: full_profile(&format!("user_{ig_user_id}")),
        grantor: MetaGrantor {
            meta_user_id: "10229876543210987".to_owned(),
            page_id: Some("112233445566778".to_owned()),
            scopes: None,
        },
        token_expires_at: Some(at + TimeDelta::days(60)),
        connected_by: user("auth0|owner-1"),
        at,
    }
}

/// A stand-in sealed token: a Store keeps it opaque, so any bytes do. `tag` makes each
/// distinct.
pub fn sealed(tag: &str) -> SealedSecret {
    SealedSecret {
        key_id: format!("test:{tag}"),
        wrapped_key: format!("wrapped-{tag}").into_bytes(),
        nonce: vec![7; 12],
        ciphertext: format!("ciphertext-{tag}").into_bytes(),
    }
}

/// `permission` for `grantee`, given by the fixture owner a little while ago (at a whole
/// millisecond, so it reads back exactly).
pub fn grant(grantee: &str, permission: Permission) -> Grant {
    Grant {
        user_id: user(grantee),
        permission,
        granted_by: user("auth0|owner-1"),
        granted_at: now() - TimeDelta::milliseconds(1_234),
    }
}

/// The entry a use case writes with `grant`: who set it on `account`, and when.
pub fn grant_set(account: &Account, grant: &Grant) -> AuditEntry {
    audit(
        account,
        grant.granted_by.as_str(),
        AuditEvent::GrantSet {
            user_id: grant.user_id.clone(),
            permission: grant.permission,
            previous: None,
        },
    )
}

/// An entry about `account`, by `actor`, now.
pub fn audit(account: &Account, actor: &str, event: AuditEvent) -> AuditEntry {
    AuditEntry::new(&account.tenant, &user(actor), &account.id, now(), event)
}
