//! Meta's callbacks: a user removed the app (deauthorize), asked for their data to be
//! deleted (data deletion), and webhooks (the subscription handshake and event deliveries).
//!
//! Anyone can call these URLs, so nothing a caller sends is believed before its signature
//! holds: `signed_request` with either login path's app secret, `X-Hub-Signature-256` over
//! the raw body likewise, the handshake's verify token in constant time. A refused request
//! changes nothing. Deauthorize and data deletion act on every tenant's accounts connected by
//! that Meta user (a person may have connected the same login to several products), through
//! [`AccountRemoval`], which can revoke and delete but never reads a token: ending a
//! connection destroys tokens without opening them.

use super::ServiceError;
use crate::domain::{
    AccountStatus, AuditEntry, AuditEvent, DataDeletion, DeletionStatus, SignedRequest,
    SignedRequestError, verify_subscription, verify_webhook_signature,
};
use crate::ports::{AccountRemoval, DeletionRequests};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;

/// How old a `signed_request` may be. Meta calls as soon as the user acts; an hour leaves
/// room for its queues and retries, while a captured request cannot be replayed for long
/// (and replaying one would change nothing: both callbacks are idempotent).
pub const SIGNED_REQUEST_MAX_AGE: TimeDelta = TimeDelta::hours(1);

/// The reason recorded on accounts revoked by Meta's deauthorize callback.
pub const DEAUTHORIZED: &str = "deauthorized";

/// The longest `X-Hub-Signature-256`-signed body whose summary is logged; larger bodies are
/// acknowledged without being parsed.
const MAX_SUMMARISED_BODY: usize = 1024 * 1024;

/// How many distinct change fields a webhook summary lists at most.
const MAX_SUMMARY_FIELDS: usize = 16;

/// What the deauthorize callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deauthorized {
    /// Accounts this call revoked (already revoked ones are not counted again).
    pub revoked: u32,
}

/// Meta's deauthorize callback: the user removed the app. Every account they connected, in
/// every tenant, is marked `revoked` and its sealed token destroyed, each with an
/// `account.revoked` audit entry (reason `deauthorized`) by the system. Grants and posts
/// stay until someone reconnects or disconnects the account. Idempotent: a second call
/// revokes nothing more.
pub async fn deauthorize(
    removal: &dyn AccountRemoval,
    app_secrets: &[&SecretString],
    signed_request: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Deauthorized, ServiceError> {
    let request = verify(app_secrets, signed_request, now)?;
    let mut revoked = 0;
    for account in removal.accounts_of_meta_user(&request.user_id).await? {
        if account.status == AccountStatus::Revoked {
            continue;
        }
        let audit = AuditEntry::by_system(
            &account.tenant,
            &account.id,
            now,
            AuditEvent::Revoked {
                reason: DEAUTHORIZED.to_owned(),
            },
        );
        if removal
            .revoke_account(&account.tenant, &account.id, now, &audit)
            .await?
        {
            revoked += 1;
        }
    }
    tracing::info!(
        accounts_revoked = revoked,
        "Meta deauthorize callback handled"
    );
    Ok(Deauthorized { revoked })
}

/// Meta's data-deletion callback: the user asked for their data to be deleted. Every
/// account they connected, in every tenant, is deleted with its token, grants and posts
/// (each leaving an `account.data_deleted` audit entry that names no one), then the request
/// is stored under a fresh confirmation code, completed, and returned so Meta can show the
/// user where to follow it. A repeated request finds nothing left and completes with zero.
pub async fn request_data_deletion(
    removal: &dyn AccountRemoval,
    deletions: &dyn DeletionRequests,
    app_secrets: &[&SecretString],
    signed_request: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DataDeletion, ServiceError> {
    let request = verify(app_secrets, signed_request, now)?;
    let mut deletion = DataDeletion::new(now);
    for account in removal.accounts_of_meta_user(&request.user_id).await? {
        let audit = AuditEntry::by_system(
            &account.tenant,
            &account.id,
            now,
            AuditEvent::DataDeleted {},
        );
        if removal.delete_account(&account, &audit).await? {
            deletion.accounts_deleted += 1;
        }
    }
    deletion.status = DeletionStatus::Completed;
    deletion.completed_at = Some(now);
    deletions.put_deletion(&deletion).await?;
    tracing::info!(
        accounts_deleted = deletion.accounts_deleted,
        "Meta data-deletion callback handled"
    );
    Ok(deletion)
}

/// A data-deletion request by its confirmation code. A code that is not shaped like one is
/// refused before any lookup; an unknown one is `deletion_request_not_found` alike.
pub async fn deletion_status(
    deletions: &dyn DeletionRequests,
    code: &str,
) -> Result<DataDeletion, ServiceError> {
    let not_found = || ServiceError::NotFound {
        code: "deletion_request_not_found",
        detail: "no data-deletion request with this confirmation code".into(),
    };
    if !DataDeletion::is_code(code) {
        return Err(not_found());
    }
    deletions.get_deletion(code).await?.ok_or_else(not_found)
}

/// The webhook subscription handshake (`hub.mode=subscribe`): the challenge to echo back
/// when the verify token is ours. Without a configured verify token there is nothing to
/// subscribe to: `webhooks_not_configured`.
pub fn verify_webhook_subscription(
    verify_token: Option<&SecretString>,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, ServiceError> {
    let expected = verify_token.ok_or_else(|| ServiceError::NotFound {
        code: "webhooks_not_configured",
        detail: "no webhook verify token is configured (IGC_META_WEBHOOK_VERIFY_TOKEN)".into(),
    })?;
    Ok(verify_subscription(mode, token, challenge, expected)?)
}

/// What a verified webhook delivery was about, for the log: never its contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookSummary {
    /// `object` (`instagram`, `page`, ...), when the body names one of Meta's plain words.
    pub object: Option<String>,
    /// How many entries the delivery batches.
    pub entries: usize,
    /// The distinct `changes[].field` names (`comments`, `mentions`, ...), and `messaging`
    /// for messaging entries.
    pub fields: Vec<String>,
}

/// A webhook delivery: accepted only if `X-Hub-Signature-256` is an HMAC-SHA256 of the raw
/// `body` with either app secret. A verified delivery is logged by type, object and entry
/// count only (never ids, tokens or message contents); its comment changes are then
/// recorded by `record_comment_events`.
pub fn receive_webhook(
    app_secrets: &[&SecretString],
    signature: Option<&str>,
    body: &[u8],
) -> Result<WebhookSummary, ServiceError> {
    verify_webhook_signature(signature, body, app_secrets)?;
    let summary = summarise(body);
    tracing::info!(
        object = summary.object.as_deref().unwrap_or("unknown"),
        entries = summary.entries,
        fields = %summary.fields.join(","),
        "Meta webhook received"
    );
    Ok(summary)
}

fn verify(
    app_secrets: &[&SecretString],
    signed_request: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SignedRequest, ServiceError> {
    let raw = signed_request.ok_or(SignedRequestError::Malformed("no signed_request field"))?;
    let request = SignedRequest::verify(raw, app_secrets, now, SIGNED_REQUEST_MAX_AGE);
    if let Err(e) = &request {
        // The reason only: the input is never logged.
        tracing::warn!(reason = e.code(), "Meta signed_request refused");
    }
    Ok(request?)
}

/// Meta's own vocabulary (object and field names) is lower-case words; anything else is
/// not logged, so a body cannot smuggle content into the log through these fields.
fn plain_word(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn summarise(body: &[u8]) -> WebhookSummary {
    let mut summary = WebhookSummary::default();
    if body.len() > MAX_SUMMARISED_BODY {
        return summary;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return summary;
    };
    summary.object = value["object"]
        .as_str()
        .filter(|o| plain_word(o))
        .map(str::to_owned);
    let entries = value["entry"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    summary.entries = entries.len();
    for entry in entries {
        let changes = entry["changes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let fields = changes.iter().filter_map(|c| c["field"].as_str());
        let messaging = entry.get("messaging").map(|_| "messaging");
        for field in fields.chain(messaging) {
            if summary.fields.len() < MAX_SUMMARY_FIELDS
                && plain_word(field)
                && !summary.fields.iter().any(|f| f == field)
            {
                summary.fields.push(field.to_owned());
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::SqliteStore;
    use crate::domain::{
        Account, Connection, IgUserId, LoginPath, MetaGrantor, Owner, PageRequest, Profile,
        TenantId, UserId,
    };
    use crate::ports::{AccountReader, AccountWriter, SealedSecret, TokenReader};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    const FACEBOOK_SECRET: &str = "facebook-app-secret";
    const INSTAGRAM_SECRET: &str = "instagram-app-secret";
    const SAM: &str = "10000000000000001";
    const KIM: &str = "10000000000000002";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn signed(secret: &str, user_id: &str, issued_at: DateTime<Utc>) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"algorithm":"HMAC-SHA256","issued_at":{},"user_id":"{user_id}"}}"#,
            issued_at.timestamp()
        ));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(payload.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{sig}.{payload}")
    }

    struct Given {
        store: SqliteStore,
        secrets: [SecretString; 2],
        /// Every connection, in the order made.
        accounts: Vec<Account>,
    }

    impl Given {
        fn secrets(&self) -> [&SecretString; 2] {
            [&self.secrets[0], &self.secrets[1]]
        }

        async fn account(&self, i: usize) -> Option<Account> {
            let a = &self.accounts[i];
            self.store.get_account(&a.tenant, &a.id).await.unwrap()
        }
    }

    /// Sam connected two Instagram accounts in `acme` and one in `globex`; Kim one in `acme`.
    async fn given() -> Given {
        let store = SqliteStore::in_memory().unwrap();
        let mut accounts = Vec::new();
        for (tenant, ig, meta_user) in [
            ("acme", "17841400000000101", SAM),
            ("acme", "17841400000000102", SAM),
            ("globex", "17841400000000101", SAM),
            ("acme", "17841400000000301", KIM),
        ] {
            let connection = Connection {
                tenant: TenantId::parse(tenant).unwrap(),
                ig_user_id: IgUserId::parse(ig).unwrap(),
                login: LoginPath::Facebook,
                owner: Owner::Company,
                profile: Profile {
                    username: format!("user{ig}"),
                    ..Profile::default()
                },
                grantor: MetaGrantor {
                    meta_user_id: meta_user.into(),
                    page_id: None,
                    scopes: None,
                },
                token_expires_at: None,
                connected_by: UserId::parse("alice").unwrap(),
                at: now() - TimeDelta::days(1),
            };
            let token = SealedSecret {
                key_id: "test".into(),
                wrapped_key: b"wrapped".to_vec(),
                nonce: vec![7; 12],
                ciphertext: b"ciphertext".to_vec(),
            };
            accounts.push(store.save_connection(&connection, &token).await.unwrap());
        }
        Given {
            store,
            secrets: [
                SecretString::from(FACEBOOK_SECRET),
                SecretString::from(INSTAGRAM_SECRET),
            ],
            accounts,
        }
    }

    #[tokio::test]
    async fn deauthorize_revokes_the_users_accounts_in_every_tenant_once() {
        let g = given().await;
        for secret in [FACEBOOK_SECRET, INSTAGRAM_SECRET] {
            let raw = signed(secret, SAM, now());
            let done = deauthorize(&g.store, &g.secrets(), Some(&raw), now()).await;
            let expected = if secret == FACEBOOK_SECRET { 3 } else { 0 };
            assert_eq!(done.unwrap().revoked, expected, "idempotent");
        }
        for i in 0..3 {
            let account = g.account(i).await.unwrap();
            assert_eq!(account.status, AccountStatus::Revoked);
            let token = g.store.sealed_token(&account.tenant, &account.id).await;
            assert_eq!(token.unwrap(), None, "the token is destroyed");
        }
        let kims = g.account(3).await.unwrap();
        assert_eq!(kims.status, AccountStatus::Active, "another user's stays");
    }

    #[tokio::test]
    async fn a_refused_signed_request_changes_nothing() {
        let g = given().await;
        let stale = signed(FACEBOOK_SECRET, SAM, now() - TimeDelta::hours(2));
        for (raw, reason) in [
            (Some(signed("another-app", SAM, now())), "bad_signature"),
            (Some(stale), "stale"),
            (Some("not-a-signed-request".to_owned()), "malformed"),
            (None, "malformed"),
        ] {
            let err = deauthorize(&g.store, &g.secrets(), raw.as_deref(), now())
                .await
                .unwrap_err();
            assert!(
                matches!(&err, ServiceError::SignedRequestInvalid(e) if e.code() == reason),
                "{err:?}"
            );
            let err =
                request_data_deletion(&g.store, &g.store, &g.secrets(), raw.as_deref(), now())
                    .await
                    .unwrap_err();
            assert!(matches!(err, ServiceError::SignedRequestInvalid(_)));
        }
        for i in 0..4 {
            assert_eq!(g.account(i).await.unwrap().status, AccountStatus::Active);
        }
    }

    #[tokio::test]
    async fn data_deletion_deletes_the_users_accounts_and_can_be_followed() {
        let g = given().await;
        let raw = signed(INSTAGRAM_SECRET, SAM, now());

        let deletion = request_data_deletion(&g.store, &g.store, &g.secrets(), Some(&raw), now())
            .await
            .unwrap();

        assert_eq!(deletion.accounts_deleted, 3);
        assert_eq!(deletion.status, DeletionStatus::Completed);
        assert_eq!(deletion.completed_at, Some(now()));
        for i in 0..3 {
            assert!(g.account(i).await.is_none());
        }
        assert!(g.account(3).await.is_some(), "another user's stays");
        let acme = TenantId::parse("acme").unwrap();
        let left = g
            .store
            .list_accounts(&acme, &PageRequest::parse(None, None).unwrap())
            .await
            .unwrap();
        assert_eq!(left.items.len(), 1);
        let followed = deletion_status(&g.store, &deletion.confirmation_code).await;
        assert_eq!(followed.unwrap(), deletion);

        let again = request_data_deletion(&g.store, &g.store, &g.secrets(), Some(&raw), now())
            .await
            .unwrap();
        assert_eq!(again.accounts_deleted, 0, "nothing left to delete");
        assert_ne!(again.confirmation_code, deletion.confirmation_code);
    }

    #[tokio::test]
    async fn deletion_codes_are_checked_before_any_lookup() {
        let g = given().await;
        for code in ["../../etc/passwd", "", "0123456789abcdef0123456789abcdef"] {
            let err = deletion_status(&g.store, code).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    ServiceError::NotFound {
                        code: "deletion_request_not_found",
                        ..
                    }
                ),
                "{code}"
            );
        }
    }

    #[test]
    fn without_a_verify_token_there_is_no_subscription() {
        let err = verify_webhook_subscription(None, Some("subscribe"), Some("x"), Some("1"));
        assert!(matches!(
            err,
            Err(ServiceError::NotFound {
                code: "webhooks_not_configured",
                ..
            })
        ));
        let token = SecretString::from("verify-me");
        let ok = verify_webhook_subscription(
            Some(&token),
            Some("subscribe"),
            Some("verify-me"),
            Some("42"),
        );
        assert_eq!(ok.unwrap(), "42");
    }

    #[test]
    fn webhook_summaries_name_types_never_contents() {
        let body = br#"{"object":"instagram","entry":[
            {"id":"1","changes":[{"field":"comments","value":{"text":"secret words"}}]},
            {"id":"2","changes":[{"field":"comments"},{"field":"Not A Field <b>"}]},
            {"id":"3","messaging":[{"message":{"text":"hello there"}}]}]}"#;
        let summary = summarise(body);
        assert_eq!(summary.object.as_deref(), Some("instagram"));
        assert_eq!(summary.entries, 3);
        assert_eq!(summary.fields, ["comments", "messaging"]);
        assert_eq!(summarise(b"not json"), WebhookSummary::default());
    }
}
