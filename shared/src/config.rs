//! Configuration from the environment. Read once at start (Lambda init or `serve`), never per
//! request; every Meta base URL is configurable so the sandbox and tests can stand in.

use crate::domain::AllowedOrigins;
use chrono::TimeDelta;
use secrecy::SecretString;
use url::Url;

/// The Graph API version used when `IGC_GRAPH_API_VERSION` is unset.
pub const DEFAULT_GRAPH_VERSION: &str = "v24.0";

/// Why configuration was refused. Names the variable, never echoes a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not a valid URL: {reason}")]
    Url { var: &'static str, reason: String },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("{var} is set but {missing} is not; set both or neither")]
    Pair {
        var: &'static str,
        missing: &'static str,
    },
    #[error("{var} is required")]
    Missing { var: &'static str },
}

/// A Meta app's credentials.
#[derive(Clone)]
pub struct MetaApp {
    pub app_id: String,
    pub app_secret: SecretString,
}

impl std::fmt::Debug for MetaApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaApp")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// Where and as whom igconnect talks to Meta.
#[derive(Debug, Clone)]
pub struct MetaConfig {
    pub facebook_app: Option<MetaApp>,
    pub instagram_app: Option<MetaApp>,
    pub graph_version: String,
    pub redirect_uri: Url,
    pub facebook_dialog_url: Url,
    pub facebook_graph_url: Url,
    pub instagram_auth_url: Url,
    pub instagram_api_url: Url,
    pub instagram_graph_url: Url,
    /// Meta's upload host for resumable video uploads (`IGC_FACEBOOK_UPLOAD_URL`, default
    /// `https://rupload.facebook.com`): the only host a video's bytes and the token that
    /// goes with them are sent to, whatever a container answer says.
    pub facebook_upload_url: Url,
    /// Features whose scopes the login dialogs ask for beyond the required ones
    /// (`IGC_OPTIONAL_FEATURES`, default `insights,comments`; `none` asks for none). A user
    /// may still decline them: each connection records what it was granted.
    pub optional_features: Vec<crate::domain::Feature>,
}

impl MetaConfig {
    /// The API's public base URL, ending in '/': the redirect URI
    /// (`https://<api>[/<prefix>]/v1/oauth/callback`, which Meta already knows as ours)
    /// without its `v1/oauth/callback`, or its origin when it does not end that way. URLs
    /// igconnect hands out for people to open (a data-deletion status page) are built on it.
    pub fn public_base(&self) -> Url {
        let mut url = self.redirect_uri.clone();
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().trim_end_matches('/');
        let base = path
            .strip_suffix("v1/oauth/callback")
            .filter(|prefix| prefix.ends_with('/'))
            .unwrap_or("/")
            .to_owned();
        url.set_path(&base);
        url
    }
}

/// How bearer tokens are verified locally.
#[derive(Clone)]
pub struct JwtConfig {
    pub secret: Option<SecretString>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub claims: ClaimNames,
}

/// Which claims carry the tenant and the role (the user is always `sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    pub tenant: String,
    pub role: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            tenant: "tenant_id".into(),
            role: "role".into(),
        }
    }
}

/// Everything configurable, read from `IGC_*` variables.
#[derive(Clone)]
pub struct Settings {
    pub meta: MetaConfig,
    pub jwt: JwtConfig,
    /// `None` means "the server's own origin", which only `serve` can know.
    pub allowed_return_origins: Option<AllowedOrigins>,
    pub state_ttl: TimeDelta,
    pub table_name: Option<String>,
    pub kms_key_id: Option<String>,
    /// How long a publish request waits for Meta to process a video before answering 202
    /// (`IGC_PUBLISH_WAIT_MS`, default 5000, at most 20000: API Gateway gives up at 30 s).
    pub publish_wait: std::time::Duration,
    /// Between two passes of `serve`'s publish worker (`IGC_WORKER_INTERVAL_MS`, default
    /// 5000): scheduled posts go out within this of their time. Zero turns the loop off
    /// (for running `igconnect worker` on its own).
    pub worker_interval: std::time::Duration,
    /// When Instagram Login tokens are refreshed, and how often Facebook Login connections
    /// are validated (`IGC_REFRESH_WINDOW`, default `15d`; `IGC_VALIDATE_EVERY`, default
    /// `24h`; a number with `s`, `m`, `h` or `d`).
    pub refresh: crate::domain::RefreshPolicy,
    /// Between two passes of `serve`'s refresh loop (`IGC_REFRESH_INTERVAL_MS`, default
    /// 60000; zero turns it off).
    pub refresh_interval: std::time::Duration,
    /// Between two looks at the outbox by `serve`'s event delivery
    /// (`IGC_DELIVERY_INTERVAL_MS`, default 1000; zero turns it off, and `igconnect refresh`
    /// delivers what is waiting). A receiver that fails is retried at twice the wait each
    /// time, up to five minutes.
    pub delivery_interval: std::time::Duration,
    /// Where events go on the local stack: a POST to this URL (`IGC_WEBHOOK_URL`) signed as
    /// Standard Webhooks specifies with `IGC_WEBHOOK_SECRET` (required with the URL: one
    /// `whsec_` secret, or two during a rotation). Unset: events are logged.
    pub webhook: Option<(Url, crate::domain::WebhookSecrets)>,
    /// On AWS: the EventBridge bus events are put on (`IGC_EVENT_BUS`, name or ARN).
    pub event_bus: Option<String>,
    /// The token Meta's webhook subscription handshake must present
    /// (`IGC_META_WEBHOOK_VERIFY_TOKEN`, chosen by whoever registers the webhook in the app
    /// dashboard). Unset: `GET /v1/meta/webhooks` answers 404 `webhooks_not_configured`.
    pub meta_webhook_verify_token: Option<SecretString>,
    /// Uploads: where they live on AWS and how much a tenant may keep.
    pub media: MediaSettings,
}

/// Uploads' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSettings {
    /// On AWS: the S3 bucket of uploads and converted files (`IGC_MEDIA_BUCKET`).
    pub bucket: Option<String>,
    /// Bytes a tenant's media may hold at once (`IGC_MEDIA_QUOTA_BYTES`, default 10 GiB).
    pub quota_bytes: u64,
    /// Days a medium is kept after its latest post settled (`IGC_MEDIA_RETAIN_DAYS`,
    /// default 7, 1 to 365).
    pub retain_days: u16,
    /// How long an upload URL works (`IGC_MEDIA_UPLOAD_TTL_SECONDS`, default 3600, 1 to
    /// 43200: a presigned URL cannot outlive the credentials that sign it).
    pub upload_ttl_seconds: u32,
}

impl MediaSettings {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let quota_bytes = match get("IGC_MEDIA_QUOTA_BYTES") {
            None => 10 * 1024 * 1024 * 1024,
            Some(raw) => {
                raw.parse::<u64>()
                    .ok()
                    .filter(|q| *q > 0)
                    .ok_or(ConfigError::Invalid {
                        var: "IGC_MEDIA_QUOTA_BYTES",
                        reason: "expected a whole number of bytes above 0".into(),
                    })?
            }
        };
        let retain_days = match get("IGC_MEDIA_RETAIN_DAYS") {
            None => 7,
            Some(raw) => raw
                .parse::<u16>()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or(ConfigError::Invalid {
                    var: "IGC_MEDIA_RETAIN_DAYS",
                    reason: "expected whole days from 1 to 365".into(),
                })?,
        };
        let upload_ttl_seconds = match get("IGC_MEDIA_UPLOAD_TTL_SECONDS") {
            None => 3600,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|s| (1..=43_200).contains(s))
                .ok_or(ConfigError::Invalid {
                    var: "IGC_MEDIA_UPLOAD_TTL_SECONDS",
                    reason: "expected whole seconds from 1 to 43200".into(),
                })?,
        };
        Ok(Self {
            bucket: get("IGC_MEDIA_BUCKET"),
            quota_bytes,
            retain_days,
            upload_ttl_seconds,
        })
    }
}

/// Parses `15d`, `24h`, `30m` or `90s`.
fn span(var: &'static str, raw: &str) -> Result<TimeDelta, ConfigError> {
    let invalid = || ConfigError::Invalid {
        var,
        reason: "expected a whole number with s, m, h or d (e.g. 15d)".into(),
    };
    let (number, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| invalid())?;
    if n <= 0 {
        return Err(invalid());
    }
    match unit {
        "s" => Ok(TimeDelta::seconds(n)),
        "m" => Ok(TimeDelta::minutes(n)),
        "h" => Ok(TimeDelta::hours(n)),
        "d" if n <= 59 => Ok(TimeDelta::days(n)),
        _ => Err(invalid()),
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Reads configuration through `get`, so tests need not touch the process environment.
    /// `IGC_REDIRECT_URI` may be absent here; `serve` fills it from its own address.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let url = |var: &'static str, default: &str| -> Result<Url, ConfigError> {
            let raw = get(var).unwrap_or_else(|| default.to_owned());
            base_url(&raw).map_err(|reason| ConfigError::Url { var, reason })
        };
        let app = |id_var: &'static str, secret_var: &'static str| -> Result<_, ConfigError> {
            match (get(id_var), get(secret_var)) {
                (Some(app_id), Some(secret)) => Ok(Some(MetaApp {
                    app_id,
                    app_secret: SecretString::from(secret),
                })),
                (None, None) => Ok(None),
                (Some(_), None) => Err(ConfigError::Pair {
                    var: id_var,
                    missing: secret_var,
                }),
                (None, Some(_)) => Err(ConfigError::Pair {
                    var: secret_var,
                    missing: id_var,
                }),
            }
        };
        let graph_version = get("IGC_GRAPH_API_VERSION").unwrap_or(DEFAULT_GRAPH_VERSION.into());
        if !graph_version.starts_with('v') || graph_version[1..].parse::<f32>().is_err() {
            return Err(ConfigError::Invalid {
                var: "IGC_GRAPH_API_VERSION",
                reason: "expected a version like v24.0".into(),
            });
        }
        let redirect_uri = match get("IGC_REDIRECT_URI") {
            Some(raw) => Url::parse(&raw).map_err(|e| ConfigError::Url {
                var: "IGC_REDIRECT_URI",
                reason: e.to_string(),
            })?,
            None => Url::parse("http://127.0.0.1:8080/v1/oauth/callback").map_err(|e| {
                ConfigError::Url {
                    var: "IGC_REDIRECT_URI",
                    reason: e.to_string(),
                }
            })?,
        };
        let allowed_return_origins = get("IGC_ALLOWED_RETURN_ORIGINS")
            .map(|list| AllowedOrigins::parse(&list))
            .transpose()
            .map_err(|reason| ConfigError::Invalid {
                var: "IGC_ALLOWED_RETURN_ORIGINS",
                reason,
            })?;
        let state_ttl = match get("IGC_OAUTH_STATE_TTL_SECONDS") {
            None => crate::domain::STATE_TTL,
            Some(raw) => match raw.parse::<i64>() {
                Ok(s) if (1..=3600).contains(&s) => TimeDelta::seconds(s),
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "IGC_OAUTH_STATE_TTL_SECONDS",
                        reason: "expected whole seconds from 1 to 3600".into(),
                    });
                }
            },
        };
        let millis = |var: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            match get(var) {
                None => Ok(std::time::Duration::from_millis(default)),
                Some(raw) => match raw.parse::<u64>() {
                    Ok(ms) if range.contains(&ms) => Ok(std::time::Duration::from_millis(ms)),
                    _ => Err(ConfigError::Invalid {
                        var,
                        reason: format!(
                            "expected whole milliseconds from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    }),
                },
            }
        };
        let publish_wait = millis("IGC_PUBLISH_WAIT_MS", 5_000, 0..=20_000)?;
        let worker_interval = millis("IGC_WORKER_INTERVAL_MS", 5_000, 0..=60_000)?;
        let refresh_interval = millis("IGC_REFRESH_INTERVAL_MS", 60_000, 0..=3_600_000)?;
        let delivery_interval = millis("IGC_DELIVERY_INTERVAL_MS", 1_000, 0..=60_000)?;
        let mut refresh = crate::domain::RefreshPolicy::default();
        if let Some(raw) = get("IGC_REFRESH_WINDOW") {
            refresh.window = span("IGC_REFRESH_WINDOW", &raw)?;
        }
        if let Some(raw) = get("IGC_VALIDATE_EVERY") {
            refresh.validate_every = span("IGC_VALIDATE_EVERY", &raw)?;
        }
        let webhook = match (get("IGC_WEBHOOK_URL"), get("IGC_WEBHOOK_SECRET")) {
            (None, None) => None,
            (Some(raw), Some(secret)) => Some((
                Url::parse(&raw).map_err(|e| ConfigError::Url {
                    var: "IGC_WEBHOOK_URL",
                    reason: e.to_string(),
                })?,
                crate::domain::WebhookSecrets::parse(&secret).map_err(|e| {
                    ConfigError::Invalid {
                        var: "IGC_WEBHOOK_SECRET",
                        reason: e.to_string(),
                    }
                })?,
            )),
            (Some(_), None) => {
                return Err(ConfigError::Pair {
                    var: "IGC_WEBHOOK_URL",
                    missing: "IGC_WEBHOOK_SECRET",
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Pair {
                    var: "IGC_WEBHOOK_SECRET",
                    missing: "IGC_WEBHOOK_URL",
                });
            }
        };
        let event_bus = get("IGC_EVENT_BUS");
        let media = MediaSettings::from_lookup(&get)?;
        let optional_features = optional_features(get("IGC_OPTIONAL_FEATURES").as_deref())?;
        Ok(Self {
            meta: MetaConfig {
                facebook_app: app("IGC_META_APP_ID", "IGC_META_APP_SECRET")?,
                instagram_app: app("IGC_INSTAGRAM_APP_ID", "IGC_INSTAGRAM_APP_SECRET")?,
                graph_version,
                redirect_uri,
                facebook_dialog_url: url("IGC_FACEBOOK_DIALOG_URL", "https://www.facebook.com")?,
                facebook_graph_url: url("IGC_FACEBOOK_GRAPH_URL", "https://graph.facebook.com")?,
                instagram_auth_url: url("IGC_INSTAGRAM_AUTH_URL", "https://www.instagram.com")?,
                instagram_api_url: url("IGC_INSTAGRAM_API_URL", "https://api.instagram.com")?,
                instagram_graph_url: url("IGC_INSTAGRAM_GRAPH_URL", "https://graph.instagram.com")?,
                facebook_upload_url: url(
                    "IGC_FACEBOOK_UPLOAD_URL",
                    "https://rupload.facebook.com",
                )?,
                optional_features,
            },
            jwt: JwtConfig {
                secret: get("IGC_JWT_SECRET").map(SecretString::from),
                issuer: get("IGC_JWT_ISSUER"),
                audience: get("IGC_JWT_AUDIENCE"),
                claims: ClaimNames {
                    tenant: get("IGC_TENANT_CLAIM").unwrap_or_else(|| "tenant_id".into()),
                    role: get("IGC_ROLE_CLAIM").unwrap_or_else(|| "role".into()),
                },
            },
            allowed_return_origins,
            state_ttl,
            table_name: get("IGC_TABLE_NAME"),
            kms_key_id: get("IGC_KMS_KEY_ID"),
            publish_wait,
            worker_interval,
            refresh,
            refresh_interval,
            delivery_interval,
            webhook,
            event_bus,
            meta_webhook_verify_token: get("IGC_META_WEBHOOK_VERIFY_TOKEN").map(SecretString::from),
            media,
        })
    }
}

/// Parses a base URL so that joining a relative path keeps any path prefix it carries:
/// `IGC_OPTIONAL_FEATURES`: a comma-separated list of `insights`, `comments`, or `none`.
fn optional_features(raw: Option<&str>) -> Result<Vec<crate::domain::Feature>, ConfigError> {
    use crate::domain::Feature;
    let Some(raw) = raw.map(str::trim) else {
        return Ok(Feature::ALL.to_vec());
    };
    if raw.is_empty() || raw == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let feature = Feature::parse(name).ok_or_else(|| ConfigError::Invalid {
            var: "IGC_OPTIONAL_FEATURES",
            reason: format!("unknown feature `{name}`; expected insights, comments or none"),
        })?;
        if !out.contains(&feature) {
            out.push(feature);
        }
    }
    Ok(out)
}

/// `http://h/fb-graph` joined with `v24.0/me` is `http://h/fb-graph/v24.0/me`.
pub fn base_url(raw: &str) -> Result<Url, String> {
    let mut url = Url::parse(raw).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("only http and https are supported".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a base URL may not carry a query or fragment".into());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Joins a relative path (no leading slash) onto a base URL made by [`base_url`].
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{}", base.path(), path.trim_start_matches('/'));
    url.set_path(&joined);
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn base_urls_keep_their_path_prefix() {
        let s = settings(&[("IGC_FACEBOOK_GRAPH_URL", "http://127.0.0.1:9100/fb-graph")]).unwrap();
        assert_eq!(
            join(&s.meta.facebook_graph_url, "v24.0/me").as_str(),
            "http://127.0.0.1:9100/fb-graph/v24.0/me"
        );
        assert_eq!(
            join(&s.meta.instagram_api_url, "/oauth/access_token").as_str(),
            "https://api.instagram.com/oauth/access_token"
        );
    }

    #[test]
    fn an_app_id_without_its_secret_is_refused() {
        let err = settings(&[("IGC_META_APP_ID", "123")]).err().unwrap();
        assert!(matches!(
            err,
            ConfigError::Pair {
                missing: "IGC_META_APP_SECRET",
                ..
            }
        ));
    }

    #[test]
    fn a_webhook_secret_must_be_a_standard_one_and_two_may_be_set_for_a_rotation() {
        let url = ("IGC_WEBHOOK_URL", "http://127.0.0.1:9/hook");
        let one = "whsec_AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
        let two = format!("{one} whsec_AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=");
        let s = settings(&[url, ("IGC_WEBHOOK_SECRET", two.as_str())]).unwrap();
        assert_eq!(s.webhook.map(|(_, secrets)| secrets.len()), Some(2));
        let err = settings(&[url, ("IGC_WEBHOOK_SECRET", "my-old-plain-secret")])
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("IGC_WEBHOOK_SECRET") && err.contains("whsec_"),
            "{err}"
        );
        assert!(!err.contains("my-old-plain-secret"), "{err}");
    }

    #[test]
    fn optional_features_default_to_all_and_may_be_none_or_named() {
        use crate::domain::Feature;
        let all = settings(&[]).unwrap();
        assert_eq!(all.meta.optional_features, Feature::ALL.to_vec());
        let none = settings(&[("IGC_OPTIONAL_FEATURES", "none")]).unwrap();
        assert!(none.meta.optional_features.is_empty());
        let one = settings(&[("IGC_OPTIONAL_FEATURES", " comments ,comments")]).unwrap();
        assert_eq!(one.meta.optional_features, vec![Feature::Comments]);
        let bad = settings(&[("IGC_OPTIONAL_FEATURES", "insights,ads")])
            .err()
            .unwrap();
        assert!(bad.to_string().contains("IGC_OPTIONAL_FEATURES"), "{bad}");
        assert!(bad.to_string().contains("`ads`"), "{bad}");
    }

    #[test]
    fn defaults_point_at_meta() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.meta.graph_version, DEFAULT_GRAPH_VERSION);
        assert_eq!(
            s.meta.facebook_dialog_url.as_str(),
            "https://www.facebook.com/"
        );
        assert_eq!(s.state_ttl, TimeDelta::minutes(10));
        assert!(s.meta.facebook_app.is_none());
    }

    #[test]
    fn the_public_base_is_the_redirect_uri_without_the_callback_path() {
        for (redirect, base) in [
            (
                "https://api.example.com/v1/oauth/callback",
                "https://api.example.com/",
            ),
            (
                "https://x.execute-api.eu-west-1.amazonaws.com/prod/v1/oauth/callback?a=1",
                "https://x.execute-api.eu-west-1.amazonaws.com/prod/",
            ),
            ("http://127.0.0.1:8080/elsewhere", "http://127.0.0.1:8080/"),
            (
                "https://api.example.com/xv1/oauth/callback",
                "https://api.example.com/",
            ),
        ] {
            let s = settings(&[("IGC_REDIRECT_URI", redirect)]).unwrap();
            assert_eq!(s.meta.public_base().as_str(), base, "{redirect}");
        }
    }

    #[test]
    fn the_webhook_verify_token_is_optional() {
        assert!(settings(&[]).unwrap().meta_webhook_verify_token.is_none());
        let s = settings(&[("IGC_META_WEBHOOK_VERIFY_TOKEN", "t0k")]).unwrap();
        assert!(s.meta_webhook_verify_token.is_some());
    }

    #[test]
    fn a_state_ttl_out_of_range_is_refused() {
        assert!(settings(&[("IGC_OAUTH_STATE_TTL_SECONDS", "0")]).is_err());
        assert!(settings(&[("IGC_OAUTH_STATE_TTL_SECONDS", "soon")]).is_err());
    }
}
