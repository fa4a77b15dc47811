//! The bootstrap every Lambda function's `main` calls, so that each function is a few lines
//! and all of them start the same way: JSON logs, configuration checked once, clients built
//! once at init (never per request), callers taken from API Gateway's JWT authorizer (fail
//! closed), then lambda_http runs the function's own route group.
//!
//! Each function builds only what its route group needs, and nothing else: `list` gets a
//! DynamoDB reader and no KMS client at all, `share` the access writer and audit log and no
//! KMS client either, `initiate` a state store and a Graph client
//! that only builds URLs, `callback` the store, the KMS sealer and the Graph client. The
//! binaries thereby mirror their IAM policies (see `infra/template.yaml`), and `list` does
//! not even link the KMS SDK.
//!
//! The routers are assembled from ports by [`initiate_router`], [`callback_router`],
//! [`list_router`] and [`share_router`], which tests call with in-memory adapters and real
//! API Gateway events; [`initiate`], [`callback`], [`list`] and [`share`] wire the same
//! routers to DynamoDB (and, for `callback` only, KMS).

mod init_error;
mod insights;
mod media;
mod meta;
mod meta_secret;
mod publish;
mod refresh;
mod warm;

pub use insights::{EngagementPorts, insights, insights_router};
pub use media::media;
pub use meta::{MetaPorts, meta, meta_router};
pub use meta_secret::{META_SECRET_ID_VAR, MetaSecrets};
pub use publish::{PostsPorts, publish, publish_router, publish_worker};
pub use refresh::refresh;

use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::graph::GraphClient;
use crate::adapters::kms::KmsSealer;
use crate::config::{ConfigError, Settings};
use crate::http::{
    AccountsState, Authenticator, CallbackState, InitiateState, ShareState, accounts_routes,
    callback_routes, finish, initiate_routes, share_routes,
};
use crate::ports::{
    AccessWriter, AccountReader, AccountWriter, AuditLog, Clock, Meta, MetaError, OAuthStates,
    Sealer, SystemClock,
};
use crate::service::ConnectPolicy;
use crate::telemetry::{self, LogFormat};
use axum::Router;
use std::future::Future;
use std::sync::Arc;

/// The functions this module can start; each needs its own configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `POST /v1/connections/instagram/initiate`.
    Initiate,
    /// `GET /v1/oauth/callback`.
    Callback,
    /// `GET /v1/accounts` and `GET /v1/accounts/{id}`.
    List,
    /// Sharing: grants, `PATCH /v1/accounts/{id}` and `GET /v1/audit`.
    Share,
    /// Publishing: `/v1/accounts/{id}/posts[/{post_id}]`.
    Publish,
    /// The scheduled pass over due posts (an EventBridge event, not HTTP).
    PublishWorker,
    /// The scheduled token refresh pass and event delivery (an EventBridge event).
    Refresh,
    /// Meta's callbacks: `/v1/meta/deauthorize`, `/v1/meta/data-deletion[/{code}]`,
    /// `/v1/meta/webhooks`.
    Meta,
    /// Insights, media and comments: `/v1/accounts/{id}/insights`, `.../media[...]`,
    /// `.../posts/{post_id}/insights`.
    Insights,
    /// Uploads landing in the media bucket (an S3 event, not HTTP): checked and converted.
    Media,
}

impl Function {
    /// The function's name, as in `functions/<name>` and the SAM template.
    pub fn name(self) -> &'static str {
        match self {
            Self::Initiate => "initiate",
            Self::Callback => "callback",
            Self::List => "list",
            Self::Share => "share",
            Self::Publish => "publish",
            Self::PublishWorker => "publish-worker",
            Self::Refresh => "refresh",
            Self::Meta => "meta",
            Self::Insights => "insights",
            Self::Media => "media",
        }
    }

    /// Variables without which the function must not start, and why. The local server can
    /// default them from its own address; a Lambda function has no address of its own, and
    /// a guessed redirect URI or origin list would fail only at the first login.
    fn required(self) -> &'static [(&'static str, &'static str)] {
        const TABLE: (&str, &str) = ("IGC_TABLE_NAME", "the DynamoDB table");
        const REDIRECT: (&str, &str) = (
            "IGC_REDIRECT_URI",
            "Meta sends the browser back to it and checks it on the code exchange",
        );
        match self {
            Self::Initiate => &[
                TABLE,
                REDIRECT,
                (
                    "IGC_ALLOWED_RETURN_ORIGINS",
                    "the origins return_to may point at",
                ),
            ],
            Self::Callback => &[
                TABLE,
                REDIRECT,
                ("IGC_KMS_KEY_ID", "the KMS key that wraps token data keys"),
            ],
            Self::List | Self::Share => &[TABLE],
            Self::Publish | Self::PublishWorker | Self::Refresh | Self::Insights => &[
                TABLE,
                ("IGC_KMS_KEY_ID", "the KMS key that wraps token data keys"),
            ],
            Self::Media => &[TABLE, ("IGC_MEDIA_BUCKET", "the S3 bucket uploads land in")],
            Self::Meta => &[
                TABLE,
                (
                    "IGC_REDIRECT_URI",
                    "data-deletion status URLs are built on the API's public address it gives",
                ),
            ],
        }
    }

    /// Whether the function talks to Meta, or checks what Meta signed, and so needs at
    /// least one Meta app.
    fn needs_meta_app(self) -> bool {
        matches!(self, Self::Initiate | Self::Callback | Self::Meta)
    }

    /// Whether the function reads the Meta secret (`IGC_META_SECRET_ID`) at init: those
    /// that need an app, plus `share` (revoking a grant on disconnect) and `refresh`
    /// (`debug_token`), which use the Facebook app's secret when it is configured. The
    /// others call Meta with account tokens only and ignore the variable, so their roles
    /// need no `secretsmanager:GetSecretValue`.
    pub fn reads_meta_secret(self) -> bool {
        self.needs_meta_app() || matches!(self, Self::Share | Self::Refresh)
    }
}

/// Why a function refused to start. Names variables, never echoes a value.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A variable the function cannot run without is unset or empty.
    #[error("{var} is required by the {function} function ({why}); set it in its environment")]
    Missing {
        function: &'static str,
        var: &'static str,
        why: &'static str,
    },
    /// A variable is set but invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Neither login path has app credentials, so every login would fail.
    #[error(
        "no Meta app is configured for the {0} function: set IGC_META_APP_ID and \
         IGC_META_APP_SECRET (Facebook Login), IGC_INSTAGRAM_APP_ID and \
         IGC_INSTAGRAM_APP_SECRET (Instagram Login), or both"
    )]
    NoMetaApp(&'static str),
    /// The Graph client could not be built.
    #[error("cannot build the Graph client: {0}")]
    Graph(MetaError),
    /// The Meta secret (`IGC_META_SECRET_ID`) could not be read or is not the expected
    /// JSON object. Names the secret, never a value.
    #[error("cannot use the Meta secret {secret_id} (IGC_META_SECRET_ID): {reason}")]
    MetaSecret { secret_id: String, reason: String },
    /// The Meta secret lacks the app secret of an app id the function is configured with.
    #[error(
        "the Meta secret {secret_id} (IGC_META_SECRET_ID) has no `{key}`, which the \
         {function} function needs because {needed_by} is set; add the key to the secret \
         or unset {needed_by}"
    )]
    MetaSecretKey {
        function: &'static str,
        secret_id: String,
        key: &'static str,
        needed_by: &'static str,
    },
}

/// Fails with the first variable `function` requires that `get` lacks.
fn check_required(
    function: Function,
    get: impl Fn(&str) -> Option<String>,
) -> Result<(), InitError> {
    for &(var, why) in function.required() {
        if get(var).is_none_or(|v| v.trim().is_empty()) {
            return Err(InitError::Missing {
                function: function.name(),
                var,
                why,
            });
        }
    }
    Ok(())
}

/// Reads and checks the configuration of `function` through `get` (the process environment
/// in [`run`], a map in tests). Empty values count as unset, as in [`Settings::from_env`].
pub fn settings_for(
    function: Function,
    get: impl Fn(&str) -> Option<String>,
) -> Result<Settings, InitError> {
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    check_required(function, get)?;
    let settings = Settings::from_lookup(get)?;
    if function.needs_meta_app()
        && settings.meta.facebook_app.is_none()
        && settings.meta.instagram_app.is_none()
    {
        return Err(InitError::NoMetaApp(function.name()));
    }
    Ok(settings)
}

/// Callers come from API Gateway's JWT authorizer: the gateway verified the token, the
/// function reads `requestContext.authorizer.jwt.claims` and refuses requests without them.
pub fn authenticator(settings: &Settings) -> Arc<Authenticator> {
    Arc::new(Authenticator::ApiGateway(settings.jwt.claims.clone()))
}

/// The `initiate` function's router over the given ports.
pub fn initiate_router(
    settings: &Settings,
    states: Arc<dyn OAuthStates>,
    meta: Arc<dyn Meta>,
    clock: Arc<dyn Clock>,
) -> Result<Router, InitError> {
    let allowed_origins = settings
        .allowed_return_origins
        .clone()
        .ok_or(InitError::Missing {
            function: Function::Initiate.name(),
            var: "IGC_ALLOWED_RETURN_ORIGINS",
            why: "the origins return_to may point at",
        })?;
    Ok(finish(initiate_routes(InitiateState {
        auth: authenticator(settings),
        states,
        meta,
        clock,
        policy: ConnectPolicy {
            allowed_origins,
            state_ttl: settings.state_ttl,
        },
    })))
}

/// The `callback` function's router over the given ports. No authenticator: the browser
/// arrives from Meta without one, and the single-use state binds the login to its caller.
pub fn callback_router(
    states: Arc<dyn OAuthStates>,
    accounts: Arc<dyn AccountWriter>,
    sealer: Arc<dyn Sealer>,
    meta: Arc<dyn Meta>,
    clock: Arc<dyn Clock>,
) -> Router {
    finish(callback_routes(CallbackState {
        states,
        accounts,
        sealer,
        meta,
        clock,
    }))
}

/// The `list` function's router: the reader of accounts with their grants and an authenticator,
/// nothing that reaches a token.
pub fn list_router(settings: &Settings, accounts: Arc<dyn AccountReader>) -> Router {
    finish(accounts_routes(AccountsState {
        auth: authenticator(settings),
        accounts,
    }))
}

/// The ports of the `share` function: it changes access and reads the audit trail, and
/// never reaches a token.
pub struct SharePorts {
    /// Reads the account a change is about with its grants, to decide the caller's
    /// permission on it.
    pub accounts: Arc<dyn AccountReader>,
    /// Writes grants, owner and member access, each with its audit entry.
    pub writer: Arc<dyn AccessWriter>,
    /// Reads the tenant's audit trail.
    pub audit: Arc<dyn AuditLog>,
    /// Stamps grants and audit entries.
    pub clock: Arc<dyn Clock>,
    /// Disconnects: deletes accounts with their tokens, grants and posts (never reading a
    /// token).
    pub removal: Arc<dyn crate::ports::AccountRemoval>,
    /// Asks Meta to revoke a Facebook user's grant, with the app's token.
    pub revoke: Arc<dyn crate::ports::TokenUpkeep>,
}

/// The `share` function's router over the given ports.
pub fn share_router(settings: &Settings, ports: SharePorts) -> Router {
    finish(share_routes(ShareState {
        auth: authenticator(settings),
        accounts: ports.accounts,
        writer: ports.writer,
        audit: ports.audit,
        clock: ports.clock,
        removal: ports.removal,
        revoke: ports.revoke,
    }))
}

/// The SDK configuration, loaded once per process. It honours the standard variables
/// (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB` and the like,
/// credentials), so tests point it at moto or a stand-in.
///
/// Stalled-stream protection is off: it watches every response body's throughput with a
/// timer of its own, CPU on each call, and guards against large downloads stalling
/// mid-body. The functions' answers from DynamoDB, KMS, Secrets Manager and EventBridge are
/// small JSON documents read at once, and a call that hangs anyway is still ended by the
/// invocation's timeout.
async fn aws_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .stalled_stream_protection(
            aws_config::stalled_stream_protection::StalledStreamProtectionConfig::disabled(),
        )
        .load()
        .await
}

/// What every function's init starts from: its checked settings and the SDK configuration.
pub(crate) struct Boot {
    pub(crate) settings: Settings,
    pub(crate) aws: aws_config::SdkConfig,
}

/// Checks the required variables (before any network call), loads the SDK configuration,
/// reads the Meta secret once when the function uses one and `IGC_META_SECRET_ID` names it
/// (its values win over the plain variables), and checks the settings.
pub(crate) async fn boot(function: Function) -> Result<Boot, InitError> {
    check_required(function, env)?;
    let aws = aws_config().await;
    let secret_id = env(META_SECRET_ID_VAR)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let settings = match secret_id {
        Some(id) if function.reads_meta_secret() => {
            let secrets =
                meta_secret::read(&aws_sdk_secretsmanager::Client::new(&aws), &id).await?;
            settings_for(function, secrets.layer(function.name(), env)?)?
        }
        Some(_) => settings_for(function, without_secretless_apps(env))?,
        None => settings_for(function, env)?,
    };
    Ok(Boot { settings, aws })
}

/// The configuration of a function that does not read the Meta secret although one is
/// named: an app id whose secret is only in that secret (no plain variable) is ignored
/// rather than refused as half an app, so one environment can serve every function (as the
/// tests' `cargo lambda watch` does) and such a function runs without app credentials.
fn without_secretless_apps(
    get: impl Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<String> {
    move |k: &str| {
        let secret_var = match k {
            "IGC_META_APP_ID" => Some("IGC_META_APP_SECRET"),
            "IGC_INSTAGRAM_APP_ID" => Some("IGC_INSTAGRAM_APP_SECRET"),
            _ => None,
        };
        match secret_var {
            Some(var) if get(var).is_none_or(|v| v.trim().is_empty()) => None,
            _ => get(k),
        }
    }
}

/// The table name; [`settings_for`] made sure it is there.
fn table(settings: &Settings, function: Function) -> Result<String, InitError> {
    settings.table_name.clone().ok_or(InitError::Missing {
        function: function.name(),
        var: "IGC_TABLE_NAME",
        why: "the DynamoDB table",
    })
}

/// One Graph client per process: it owns the connection pool and the TLS configuration,
/// which per-request clients would rebuild on every invocation.
fn graph(settings: &Settings) -> Result<Arc<dyn Meta>, InitError> {
    Ok(Arc::new(
        GraphClient::new(settings.meta.clone()).map_err(InitError::Graph)?,
    ))
}

/// `initiate` on AWS: DynamoDB for pending logins, the Graph client to build Meta's URLs.
pub async fn initiate() -> Result<Router, InitError> {
    let Boot { settings, aws } = boot(Function::Initiate).await?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    warm::warm_up(vec![warm::dynamodb(&dynamodb)]).await;
    let store = DynamoStore::new(dynamodb, table(&settings, Function::Initiate)?);
    initiate_router(
        &settings,
        Arc::new(store),
        graph(&settings)?,
        Arc::new(SystemClock),
    )
}

/// `callback` on AWS: DynamoDB, the KMS sealer and the Graph client.
pub async fn callback() -> Result<Router, InitError> {
    let Boot { settings, aws } = boot(Function::Callback).await?;
    let key_id = settings.kms_key_id.clone().ok_or(InitError::Missing {
        function: Function::Callback.name(),
        var: "IGC_KMS_KEY_ID",
        why: "the KMS key that wraps token data keys",
    })?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let kms = aws_sdk_kms::Client::new(&aws);
    warm::warm_up(vec![warm::dynamodb(&dynamodb), warm::kms(&kms, &key_id)]).await;
    let store = Arc::new(DynamoStore::new(
        dynamodb,
        table(&settings, Function::Callback)?,
    ));
    let sealer = KmsSealer::new(kms, key_id);
    Ok(callback_router(
        store.clone(),
        store,
        Arc::new(sealer),
        graph(&settings)?,
        Arc::new(SystemClock),
    ))
}

/// `list` on AWS: a DynamoDB reader and nothing else (no KMS client, no Graph client).
pub async fn list() -> Result<Router, InitError> {
    let Boot { settings, aws } = boot(Function::List).await?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    warm::warm_up(vec![warm::dynamodb(&dynamodb)]).await;
    let store = DynamoStore::new(dynamodb, table(&settings, Function::List)?);
    let store = Arc::new(store);
    Ok(list_router(&settings, store))
}

/// `share` on AWS: DynamoDB (accounts, grants, audit entries; never a token), no KMS client;
/// the Graph client only revokes a Facebook user's grant on disconnect, with the app token.
pub async fn share() -> Result<Router, InitError> {
    let Boot { settings, aws } = boot(Function::Share).await?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    warm::warm_up(vec![warm::dynamodb(&dynamodb)]).await;
    let store = Arc::new(DynamoStore::new(
        dynamodb,
        table(&settings, Function::Share)?,
    ));
    Ok(share_router(
        &settings,
        SharePorts {
            accounts: store.clone(),
            writer: store.clone(),
            audit: store.clone(),
            clock: Arc::new(SystemClock),
            removal: store,
            revoke: Arc::new(GraphClient::new(settings.meta.clone()).map_err(InitError::Graph)?),
        },
    ))
}

/// Runs a function: installs JSON logging, builds its router once (`app` is not polled
/// before logging is up, so init failures are logged as JSON too), then serves invocations
/// until the runtime stops. An init failure ends the process with the reason, which Lambda
/// reports as an init error.
pub async fn run(
    app: impl Future<Output = Result<Router, InitError>>,
) -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    let router = match app.await {
        Ok(router) => router,
        Err(e) => return Err(init_failed(e).await),
    };
    lambda_http::run(router).await
}

/// Logs an init failure, reports it to the runtime API (so Lambda shows the reason as the
/// init error) and hands it back to end the process with.
pub(crate) async fn init_failed(e: InitError) -> lambda_runtime::Error {
    tracing::error!(error = %e, "function init failed");
    if let Some(api) = env("AWS_LAMBDA_RUNTIME_API")
        && let Err(why) = init_error::report(&api, &e).await
    {
        tracing::warn!(reason = %why, "could not report the init error to Lambda");
    }
    e.into()
}

/// The process environment ([`settings_for`] treats empty values as unset).
fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const APP: [(&str, &str); 2] = [("IGC_META_APP_ID", "1234"), ("IGC_META_APP_SECRET", "shh")];

    #[test]
    fn initiate_without_a_redirect_uri_refuses_to_start_and_names_the_variable() {
        let err = settings_for(
            Function::Initiate,
            lookup(&[
                APP[0],
                APP[1],
                ("IGC_TABLE_NAME", "t"),
                ("IGC_ALLOWED_RETURN_ORIGINS", "https://app.example.com"),
            ]),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("IGC_REDIRECT_URI is required"), "{err}");
    }

    #[test]
    fn initiate_without_allowed_origins_refuses_to_start() {
        let err = settings_for(
            Function::Initiate,
            lookup(&[
                APP[0],
                APP[1],
                ("IGC_TABLE_NAME", "t"),
                (
                    "IGC_REDIRECT_URI",
                    "https://api.example.com/v1/oauth/callback",
                ),
                ("IGC_ALLOWED_RETURN_ORIGINS", " "),
            ]),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("IGC_ALLOWED_RETURN_ORIGINS"), "{err}");
    }

    #[test]
    fn callback_without_a_meta_app_refuses_to_start() {
        let err = settings_for(
            Function::Callback,
            lookup(&[
                ("IGC_TABLE_NAME", "t"),
                ("IGC_KMS_KEY_ID", "alias/igconnect"),
                (
                    "IGC_REDIRECT_URI",
                    "https://api.example.com/v1/oauth/callback",
                ),
            ]),
        );
        assert!(matches!(err, Err(InitError::NoMetaApp("callback"))));
    }

    #[test]
    fn list_needs_only_its_table() {
        let settings = settings_for(Function::List, lookup(&[("IGC_TABLE_NAME", "t")]));
        assert!(settings.is_ok());
        assert!(matches!(
            settings_for(Function::List, lookup(&[])),
            Err(InitError::Missing {
                var: "IGC_TABLE_NAME",
                ..
            })
        ));
    }

    #[test]
    fn share_needs_only_its_table_and_no_meta_app_or_key() {
        // It never talks to Meta and never touches a token, so a missing app or key must not
        // keep it from starting.
        let settings = settings_for(Function::Share, lookup(&[("IGC_TABLE_NAME", "t")]));
        assert!(settings.is_ok());
        assert!(matches!(
            settings_for(Function::Share, lookup(&[])),
            Err(InitError::Missing {
                function: "share",
                var: "IGC_TABLE_NAME",
                ..
            })
        ));
    }

    #[test]
    fn a_function_that_does_not_read_the_meta_secret_ignores_app_ids_whose_secret_it_holds() {
        let env = lookup(&[
            ("IGC_TABLE_NAME", "t"),
            ("IGC_KMS_KEY_ID", "alias/igconnect"),
            ("IGC_META_APP_ID", "1234"),
            ("IGC_INSTAGRAM_APP_ID", "5678"),
            ("IGC_INSTAGRAM_APP_SECRET", "from-a-variable"),
        ]);
        assert!(!Function::Publish.reads_meta_secret());
        let settings = settings_for(Function::Publish, without_secretless_apps(env))
            .expect("starts without the Facebook app");
        assert!(settings.meta.facebook_app.is_none());
        assert!(settings.meta.instagram_app.is_some());
    }

    #[test]
    fn init_errors_never_echo_a_secret() {
        let err = settings_for(
            Function::Callback,
            lookup(&[
                ("IGC_META_APP_ID", "1234"),
                ("IGC_META_APP_SECRET", "very-secret-value"),
                ("IGC_TABLE_NAME", "t"),
            ]),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(!err.is_empty());
        assert!(!err.contains("very-secret-value"));
    }
}
