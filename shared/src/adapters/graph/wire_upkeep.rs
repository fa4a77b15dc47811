//! Meta's token-upkeep answers, as they really arrive: `debug_token`'s `data` object (an
//! array of one in answers older clients still see), its times as Unix seconds where 0 means
//! "never" (numbers, or digits in a string), and the permissions delete as
//! `{"success":true}` or a bare `true`. Each shape turns into the port's type or a
//! [`MetaError::Decode`]: Meta answered 2xx, but not what the call needs.

use crate::ports::{MetaError, TokenHealth};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// `GET /debug_token`: `{"data":{...}}`.
#[derive(Deserialize)]
pub struct DebugTokenResponse {
    data: DebugTokenBody,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DebugTokenBody {
    Object(DebugTokenData),
    List(Vec<DebugTokenData>),
}

/// What igconnect reads of the metadata; `error` (why a token is invalid) and the scopes are
/// left to `is_valid`, which says all the upkeep needs.
#[derive(Deserialize)]
struct DebugTokenData {
    #[serde(default)]
    is_valid: Option<bool>,
    #[serde(default, deserialize_with = "unix_seconds")]
    expires_at: Option<i64>,
    #[serde(default, deserialize_with = "unix_seconds")]
    data_access_expires_at: Option<i64>,
}

impl DebugTokenResponse {
    /// The token's health. `is_valid` must be there (an answer without it says nothing);
    /// times of 0 (or absent) are `None`.
    pub fn into_health(self) -> Result<TokenHealth, MetaError> {
        let data = match self.data {
            DebugTokenBody::Object(d) => d,
            DebugTokenBody::List(list) => list
                .into_iter()
                .next()
                .ok_or_else(|| MetaError::Decode("debug_token without data".into()))?,
        };
        let is_valid = data
            .is_valid
            .ok_or_else(|| MetaError::Decode("debug_token without is_valid".into()))?;
        Ok(TokenHealth {
            is_valid,
            expires_at: instant(data.expires_at, "expires_at")?,
            data_access_expires_at: instant(data.data_access_expires_at, "data_access_expires_at")?,
        })
    }
}

/// Unix seconds as a time; 0 (Meta's "never") and absent are `None`.
fn instant(secs: Option<i64>, field: &str) -> Result<Option<DateTime<Utc>>, MetaError> {
    match secs {
        None | Some(0) => Ok(None),
        Some(s) => DateTime::from_timestamp(s, 0)
            .map(Some)
            .ok_or_else(|| MetaError::Decode(format!("{field} out of range"))),
    }
}

/// A Unix time as a JSON integer or a string of digits; `null` is absent.
fn unix_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Secs {
        Number(i64),
        Text(String),
    }
    match Option::<Secs>::deserialize(d)? {
        None => Ok(None),
        Some(Secs::Number(n)) => Ok(Some(n)),
        Some(Secs::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("a Unix time that is not a number")),
    }
}

/// `DELETE /{user-id}/permissions`: `{"success":true}`, or `true` alone.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum SuccessResponse {
    Wrapped { success: bool },
    Bare(bool),
}

impl SuccessResponse {
    /// Ok when Meta said it did it. `false` in a 2xx answer is not an error envelope, so it
    /// is a decode error: the caller cannot tell whether the grant is gone.
    pub fn into_done(self) -> Result<(), MetaError> {
        match self {
            Self::Wrapped { success: true } | Self::Bare(true) => Ok(()),
            _ => Err(MetaError::Decode("Meta answered success: false".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(body: &str) -> Result<TokenHealth, MetaError> {
        serde_json::from_str::<DebugTokenResponse>(body)
            .unwrap()
            .into_health()
    }

    #[test]
    fn a_valid_user_token_reads_both_expiries() {
        let h = health(
            r#"{"data":{"app_id":"1","type":"USER","application":"a",
            "data_access_expires_at":1576687825,"expires_at":1570820400,"is_valid":true,
            "scopes":["pages_show_list"],"user_id":"10215241773831025"}}"#,
        )
        .unwrap();
        assert!(h.is_valid);
        assert_eq!(h.expires_at.map(|t| t.timestamp()), Some(1_570_820_400));
        assert_eq!(
            h.data_access_expires_at.map(|t| t.timestamp()),
            Some(1_576_687_825)
        );
    }

    #[test]
    fn zero_and_absent_times_are_none_and_strings_are_read() {
        let never = health(r#"{"data":{"is_valid":true,"expires_at":0}}"#).unwrap();
        assert_eq!(
            (never.expires_at, never.data_access_expires_at),
            (None, None)
        );
        let text = health(r#"{"data":{"is_valid":true,"expires_at":"1570820400"}}"#).unwrap();
        assert_eq!(text.expires_at.map(|t| t.timestamp()), Some(1_570_820_400));
    }

    #[test]
    fn an_invalid_token_is_an_answer_not_an_error() {
        let h = health(
            r#"{"data":{"error":{"code":190,"message":"Invalid OAuth access token."},
            "is_valid":false,"scopes":[]}}"#,
        )
        .unwrap();
        assert!(!h.is_valid);
    }

    #[test]
    fn the_old_list_shape_is_read_and_a_missing_is_valid_is_refused() {
        assert!(health(r#"{"data":[{"is_valid":true}]}"#).unwrap().is_valid);
        assert!(matches!(
            health(r#"{"data":{}}"#),
            Err(MetaError::Decode(_))
        ));
        assert!(matches!(
            health(r#"{"data":[]}"#),
            Err(MetaError::Decode(_))
        ));
    }

    #[test]
    fn success_is_read_in_both_shapes() {
        let done = |b: &str| {
            serde_json::from_str::<SuccessResponse>(b)
                .unwrap()
                .into_done()
        };
        assert!(done(r#"{"success":true}"#).is_ok());
        assert!(done("true").is_ok());
        assert!(matches!(
            done(r#"{"success":false}"#),
            Err(MetaError::Decode(_))
        ));
    }
}
