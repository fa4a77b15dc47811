//! The `meta` function: Meta's callbacks (deauthorize, data deletion and its status page,
//! webhooks), routes without the JWT authorizer, since Meta proves its calls by signing them
//! with the app secrets.
//!
//! It revokes and deletes accounts, which destroys their sealed tokens without ever reading
//! one, so it gets the store as [`AccountRemoval`] and [`DeletionRequests`] and no KMS
//! client, no token reader and no Graph client at all.

use super::{Boot, Function, InitError, boot, table, warm};
use crate::adapters::dynamodb::DynamoStore;
use crate::config::Settings;
use crate::http::{MetaCallbacks, MetaState, finish, meta_routes};
use crate::ports::{AccountRemoval, AuditLog, Clock, DeletionRequests, SystemClock};
use axum::Router;
use std::sync::Arc;

/// What Meta's callbacks are wired to.
pub struct MetaPorts {
    /// Finds a Meta user's accounts across tenants, revokes and deletes them.
    pub removal: Arc<dyn AccountRemoval>,
    /// Stores data-deletion requests and reads them back by confirmation code.
    pub deletions: Arc<dyn DeletionRequests>,
    /// Records comment events from webhooks (and so announces them through the outbox).
    pub audit: Arc<dyn AuditLog>,
    /// Stamps revocations, deletions and the signed requests' age check.
    pub clock: Arc<dyn Clock>,
}

/// The `meta` function's router: the app secrets of the configured login paths verify
/// callbacks, the redirect URI gives the public base of data-deletion status URLs.
pub fn meta_router(settings: &Settings, ports: MetaPorts) -> Router {
    finish(meta_routes(MetaState {
        removal: ports.removal,
        audit: ports.audit,
        deletions: ports.deletions,
        clock: ports.clock,
        callbacks: Arc::new(MetaCallbacks::new(
            &settings.meta,
            settings.meta_webhook_verify_token.clone(),
        )),
    }))
}

/// `meta` on AWS: DynamoDB (accounts across tenants through the grantor index, deletion
/// requests), no KMS client, no Graph client.
pub async fn meta() -> Result<Router, InitError> {
    let Boot { settings, aws } = boot(Function::Meta).await?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    warm::warm_up(vec![warm::dynamodb(&dynamodb)]).await;
    let store = Arc::new(DynamoStore::new(
        dynamodb,
        table(&settings, Function::Meta)?,
    ));
    Ok(meta_router(
        &settings,
        MetaPorts {
            removal: store.clone(),
            audit: store.clone(),
            deletions: store,
            clock: Arc::new(SystemClock),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::SqliteStore;
    use crate::lambda::settings_for;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use std::collections::HashMap;
    use tower::ServiceExt;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: [(&str, &str); 4] = [
        ("IGC_TABLE_NAME", "t"),
        (
            "IGC_REDIRECT_URI",
            "https://api.example.com/v1/oauth/callback",
        ),
        ("IGC_INSTAGRAM_APP_ID", "1234"),
        ("IGC_INSTAGRAM_APP_SECRET", "shh"),
    ];

    #[test]
    fn meta_needs_its_table_the_redirect_uri_and_an_app_but_no_key() {
        assert!(settings_for(Function::Meta, lookup(&BASE)).is_ok());
        let without = |var: &str| {
            let vars: Vec<_> = BASE.iter().copied().filter(|(k, _)| *k != var).collect();
            settings_for(Function::Meta, lookup(&vars))
        };
        assert!(matches!(
            without("IGC_REDIRECT_URI"),
            Err(InitError::Missing {
                function: "meta",
                var: "IGC_REDIRECT_URI",
                ..
            })
        ));
        let no_app: Vec<_> = BASE[..2].to_vec();
        assert!(matches!(
            settings_for(Function::Meta, lookup(&no_app)),
            Err(InitError::NoMetaApp("meta"))
        ));
    }

    #[tokio::test]
    async fn meta_serves_its_own_routes_only() {
        let settings = settings_for(Function::Meta, lookup(&BASE)).unwrap();
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let router = meta_router(
            &settings,
            MetaPorts {
                removal: store.clone(),
                audit: store.clone(),
                deletions: store,
                clock: Arc::new(SystemClock),
            },
        );
        let status = |method: &str, uri: &str| {
            let req = Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap();
            let router = router.clone();
            async move { router.oneshot(req).await.unwrap().status() }
        };
        assert_eq!(
            status("POST", "/v1/meta/deauthorize").await,
            StatusCode::BAD_REQUEST,
            "no signed_request"
        );
        assert_eq!(
            status("GET", "/v1/meta/webhooks?hub.mode=subscribe").await,
            StatusCode::NOT_FOUND,
            "no verify token configured"
        );
        assert_eq!(
            status("POST", "/v1/meta/webhooks").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(status("GET", "/v1/accounts").await, StatusCode::NOT_FOUND);
    }
}
