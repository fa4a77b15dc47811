//! The Meta app secrets, read from Secrets Manager once at init.
//!
//! On AWS the template hands a function only the secret's name or ARN
//! (`IGC_META_SECRET_ID`), never a secret value: an environment variable sits in plain
//! Lambda configuration for anyone who may call `lambda:GetFunctionConfiguration`, the
//! secret is readable only by the roles granted `secretsmanager:GetSecretValue` on it.
//! The plain variables (`IGC_META_APP_SECRET`, `IGC_INSTAGRAM_APP_SECRET`,
//! `IGC_META_WEBHOOK_VERIFY_TOKEN`) stay accepted for local runs and tests; when both are
//! given, the secret's value wins, so a stale variable left in a deployment cannot shadow a
//! rotated secret.
//!
//! No value read here reaches a log line or an error message: errors name the secret id and
//! the key, and the JSON parser's own messages (which quote what they could not parse) are
//! never passed on.

use super::InitError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The variable that names the secret (a name or an ARN).
pub const META_SECRET_ID_VAR: &str = "IGC_META_SECRET_ID";

/// The secret's keys, each with the variable it stands in for and the variable without
/// which the value is not used (an app secret belongs to an app id given in the
/// environment; the verify token stands alone).
const KEYS: [(&str, &str, Option<&str>); 3] = [
    (
        "facebook_app_secret",
        "IGC_META_APP_SECRET",
        Some("IGC_META_APP_ID"),
    ),
    (
        "instagram_app_secret",
        "IGC_INSTAGRAM_APP_SECRET",
        Some("IGC_INSTAGRAM_APP_ID"),
    ),
    (
        "webhook_verify_token",
        "IGC_META_WEBHOOK_VERIFY_TOKEN",
        None,
    ),
];

/// The secret's value: a JSON object whose known keys hold strings; other keys are ignored
/// (the same secret may hold more than igconnect reads).
#[derive(Default, Deserialize)]
struct SecretJson {
    facebook_app_secret: Option<SecretString>,
    instagram_app_secret: Option<SecretString>,
    webhook_verify_token: Option<SecretString>,
}

/// What a function's init read from the Meta secret; empty when no secret is configured.
#[derive(Default)]
pub struct MetaSecrets {
    /// The secret id the values came from, for error messages.
    source: Option<String>,
    values: SecretJson,
}

impl std::fmt::Debug for MetaSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaSecrets")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl MetaSecrets {
    /// Parses a secret's `SecretString`. An error never quotes the value.
    pub fn parse(secret_id: &str, raw: &str) -> Result<Self, InitError> {
        let values: SecretJson = serde_json::from_str(raw).map_err(|_| InitError::MetaSecret {
            secret_id: secret_id.to_owned(),
            reason: "its value is not a JSON object whose keys facebook_app_secret, \
                         instagram_app_secret and webhook_verify_token (each optional) hold \
                         strings"
                .into(),
        })?;
        Ok(Self {
            source: Some(secret_id.to_owned()),
            values,
        })
    }

    fn value(&self, key: &str) -> Option<&SecretString> {
        let v = match key {
            "facebook_app_secret" => self.values.facebook_app_secret.as_ref(),
            "instagram_app_secret" => self.values.instagram_app_secret.as_ref(),
            "webhook_verify_token" => self.values.webhook_verify_token.as_ref(),
            _ => None,
        };
        v.filter(|s| !s.expose_secret().trim().is_empty())
    }

    /// A configuration lookup that answers the secret's values for the variables they
    /// stand in for and `get` for everything else. Checks, before anything is built, that
    /// the secret holds the app secret of every app id `get` names (unless `get` has the
    /// plain variable), and logs (names only) which plain variables the secret overrides.
    pub fn layer<'a>(
        &'a self,
        function: &'static str,
        get: impl Fn(&str) -> Option<String> + 'a,
    ) -> Result<impl Fn(&str) -> Option<String> + 'a, InitError> {
        if let Some(secret_id) = &self.source {
            for (key, var, needed_by) in KEYS {
                let wanted = needed_by.is_none_or(|id_var| get(id_var).is_some());
                match (self.value(key), get(var)) {
                    (Some(_), Some(_)) if wanted => tracing::warn!(
                        variable = var,
                        secret_key = key,
                        "both the variable and IGC_META_SECRET_ID give this value; the \
                         secret's is used"
                    ),
                    (None, None) if wanted && needed_by.is_some() => {
                        return Err(InitError::MetaSecretKey {
                            function,
                            secret_id: secret_id.clone(),
                            key,
                            needed_by: needed_by.unwrap_or_default(),
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(move |k: &str| {
            KEYS.iter()
                .find(|(_, var, _)| *var == k)
                .filter(|(_, _, needed_by)| needed_by.is_none_or(|id_var| get(id_var).is_some()))
                .and_then(|(key, _, _)| self.value(key))
                .map(|v| v.expose_secret().to_owned())
                .or_else(|| get(k))
        })
    }
}

/// Reads the secret `secret_id` once (`GetSecretValue`, its current version). A missing
/// secret, a refusal or a value that is not the expected JSON fails init, naming the
/// secret id and AWS's error code, never a value.
pub async fn read(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<MetaSecrets, InitError> {
    use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
    let failed = |reason: String| InitError::MetaSecret {
        secret_id: secret_id.to_owned(),
        reason,
    };
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            // Service errors carry AWS's code and message (ids and ARNs, no value); a
            // request that never got an answer says why it did not.
            match (e.code(), e.message()) {
                (Some(code), Some(message)) => failed(format!("{code}: {message}")),
                (Some(code), None) => failed(code.to_owned()),
                _ => failed(format!(
                    "the request failed: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                )),
            }
        })?;
    let raw = out.secret_string().ok_or_else(|| {
        failed("it has no SecretString (a binary secret is not supported)".into())
    })?;
    MetaSecrets::parse(secret_id, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ID: &str = "igconnect/meta";

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'static {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_secret_fills_the_app_secrets_of_the_configured_apps_and_ignores_unknown_keys() {
        let secrets = MetaSecrets::parse(
            ID,
            r#"{"facebook_app_secret":"fb-s3cret","instagram_app_secret":"ig-s3cret",
                "webhook_verify_token":"v3rify","rotation":"weekly"}"#,
        )
        .expect("parses");
        let get = secrets
            .layer("callback", env(&[("IGC_META_APP_ID", "1")]))
            .expect("layers");

        assert_eq!(get("IGC_META_APP_SECRET").as_deref(), Some("fb-s3cret"));
        // No Instagram app id: its secret is not used, so no half-configured app appears.
        assert_eq!(get("IGC_INSTAGRAM_APP_SECRET"), None);
        assert_eq!(
            get("IGC_META_WEBHOOK_VERIFY_TOKEN").as_deref(),
            Some("v3rify")
        );
        assert_eq!(get("IGC_META_APP_ID").as_deref(), Some("1"));
    }

    #[test]
    fn the_secret_wins_over_the_plain_variable() {
        let secrets = MetaSecrets::parse(ID, r#"{"facebook_app_secret":"from-secret"}"#).unwrap();
        let get = secrets
            .layer(
                "share",
                env(&[
                    ("IGC_META_APP_ID", "1"),
                    ("IGC_META_APP_SECRET", "from-variable"),
                ]),
            )
            .unwrap();
        assert_eq!(get("IGC_META_APP_SECRET").as_deref(), Some("from-secret"));
    }

    #[test]
    fn a_missing_key_names_the_secret_and_the_key() {
        let secrets = MetaSecrets::parse(ID, r#"{"facebook_app_secret":"fb-s3cret"}"#).unwrap();
        let err = secrets
            .layer(
                "callback",
                env(&[("IGC_META_APP_ID", "1"), ("IGC_INSTAGRAM_APP_ID", "2")]),
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(ID), "{err}");
        assert!(err.contains("instagram_app_secret"), "{err}");
        assert!(err.contains("IGC_INSTAGRAM_APP_ID"), "{err}");
        assert!(!err.contains("fb-s3cret"), "{err}");
    }

    #[test]
    fn init_errors_never_contain_a_secret_value() {
        let value = "hunter2-very-secret";
        let malformed = [
            value.to_string(),
            format!("{{\"facebook_app_secret\": {value}}}"),
            format!("{{\"facebook_app_secret\": [\"{value}\"]}}"),
            format!("{{\"instagram_app_secret\": 5, \"facebook_app_secret\": \"{value}\"}}"),
            format!("[\"{value}\"]"),
            format!("{{\"facebook_app_secret\": \"{value}\""),
        ];
        for raw in &malformed {
            let err = MetaSecrets::parse(ID, raw)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| panic!("{raw:?} must be refused"));
            assert!(err.contains(ID), "{err}");
            assert!(!err.contains(value), "{err}");
        }
        // A well-formed secret missing a key the environment needs.
        let secrets =
            MetaSecrets::parse(ID, &format!("{{\"webhook_verify_token\":\"{value}\"}}")).unwrap();
        let err = secrets
            .layer("meta", env(&[("IGC_META_APP_ID", "1")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("facebook_app_secret"), "{err}");
        assert!(!err.contains(value), "{err}");
        assert!(!format!("{secrets:?}").contains(value));
    }

    #[tokio::test]
    async fn the_secret_is_read_from_secrets_manager_and_a_missing_one_fails_by_name() {
        use crate::conformance::moto;
        let client = aws_sdk_secretsmanager::Client::new(&moto::sdk_config());
        let name = moto::unique_name("igconnect/meta");
        client
            .create_secret()
            .name(&name)
            .secret_string(r#"{"instagram_app_secret":"ig-from-moto"}"#)
            .send()
            .await
            .expect("create the secret on moto");

        let secrets = read(&client, &name).await.expect("reads");
        let get = secrets
            .layer("callback", env(&[("IGC_INSTAGRAM_APP_ID", "2")]))
            .unwrap();
        assert_eq!(
            get("IGC_INSTAGRAM_APP_SECRET").as_deref(),
            Some("ig-from-moto")
        );

        let missing = format!("{name}-absent");
        let err = read(&client, &missing)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(&missing), "{err}");
        assert!(err.contains("ResourceNotFoundException"), "{err}");
    }
}
