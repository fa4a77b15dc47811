//! Meta's `signed_request`: the proof that a deauthorize or data-deletion callback comes from
//! Meta. It is `<signature>.<payload>`, both base64url, the signature an HMAC-SHA256 of the
//! *encoded* payload with the app secret. Anyone can POST to those callbacks, so nothing in the
//! payload is read before the signature holds.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

/// The only algorithm Meta signs with.
const ALGORITHM: &str = "HMAC-SHA256";

/// How far in the future `issued_at` may be: clocks drift, Meta's and ours.
pub const SIGNED_REQUEST_MAX_SKEW: TimeDelta = TimeDelta::minutes(5);

/// Longer inputs are refused before any HMAC is computed. Meta's are a few hundred bytes.
pub const MAX_SIGNED_REQUEST_LEN: usize = 16 * 1024;

/// base64url, padded or not: Meta omits the padding, some relays add it back.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a `signed_request` was refused. Messages name the reason only, never the input or a
/// secret, so they are safe to log and to return.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignedRequestError {
    /// Not `<signature>.<payload>`, not base64url, not JSON, or a field missing or mistyped.
    #[error("signed_request is malformed: {0}")]
    Malformed(&'static str),
    /// No configured app secret produced this signature.
    #[error("signed_request signature does not verify")]
    BadSignature,
    /// Signed, but not with HMAC-SHA256.
    #[error("signed_request uses an unsupported algorithm")]
    UnsupportedAlgorithm,
    /// `issued_at` is older than the accepted age, or too far in the future.
    #[error("signed_request was issued outside the accepted time window")]
    Stale,
}

impl SignedRequestError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::BadSignature => "bad_signature",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::Stale => "stale",
        }
    }
}

/// A verified `signed_request`: Meta says this user acted at `issued_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The app-scoped Meta user id, as text: ids exceed 2^53 and must not pass through a float.
    pub user_id: String,
    /// When Meta issued the request.
    pub issued_at: DateTime<Utc>,
    /// The algorithm as Meta wrote it (equal to `HMAC-SHA256` ignoring ASCII case).
    pub algorithm: String,
}

/// The payload fields we read; anything else Meta sends is ignored.
#[derive(Deserialize)]
struct Payload {
    algorithm: String,
    issued_at: i64,
    user_id: UserIdField,
}

/// Meta sends `user_id` as a string, some SDKs as a number. A number is taken as `u64`, which
/// serde_json parses exactly; anything larger is refused rather than rounded.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserIdField {
    Text(String),
    Number(u64),
}

impl SignedRequest {
    /// Verifies `raw` against each of `secrets` (one per login path's app) and accepts if any
    /// verifies. Every secret is tried, each compare is constant time. Empty secrets never
    /// verify, so a missing configuration cannot accept forgeries.
    ///
    /// The algorithm is compared ignoring ASCII case, as Meta's own samples do
    /// (`strtoupper($data['algorithm'])`); it is read only after the signature holds.
    pub fn verify(
        raw: &str,
        secrets: &[&SecretString],
        now: DateTime<Utc>,
        max_age: TimeDelta,
    ) -> Result<Self, SignedRequestError> {
        use SignedRequestError::{BadSignature, Malformed, Stale, UnsupportedAlgorithm};

        if raw.len() > MAX_SIGNED_REQUEST_LEN {
            return Err(Malformed("too long"));
        }
        let (encoded_sig, encoded_payload) = raw.split_once('.').ok_or(Malformed("no dot"))?;
        if encoded_sig.is_empty() {
            return Err(Malformed("missing signature"));
        }
        if encoded_payload.is_empty() {
            return Err(Malformed("missing payload"));
        }
        let signature = BASE64URL
            .decode(encoded_sig)
            .map_err(|_| Malformed("signature is not base64url"))?;
        let payload = BASE64URL
            .decode(encoded_payload)
            .map_err(|_| Malformed("payload is not base64url"))?;

        // Meta signs the payload as it is encoded on the wire, not the decoded JSON.
        if !any_secret_signs(secrets, encoded_payload.as_bytes(), &signature) {
            return Err(BadSignature);
        }

        // Past this point the payload comes from Meta. serde's messages may quote the input,
        // so they are dropped.
        let payload: Payload = serde_json::from_slice(&payload)
            .map_err(|_| Malformed("payload is not the expected JSON"))?;
        if !payload.algorithm.eq_ignore_ascii_case(ALGORITHM) {
            return Err(UnsupportedAlgorithm);
        }
        let user_id = match payload.user_id {
            UserIdField::Text(s) if !s.is_empty() => s,
            UserIdField::Text(_) => return Err(Malformed("user_id is empty")),
            UserIdField::Number(n) => n.to_string(),
        };
        let issued_at = DateTime::from_timestamp(payload.issued_at, 0)
            .ok_or(Malformed("issued_at is out of range"))?;
        if issued_at < now - max_age || issued_at > now + SIGNED_REQUEST_MAX_SKEW {
            return Err(Stale);
        }
        Ok(Self {
            user_id,
            issued_at,
            algorithm: payload.algorithm,
        })
    }
}

/// Whether any non-empty secret's HMAC-SHA256 of `message` is `tag`. No early exit, so the
/// time taken does not say which secret matched.
pub(super) fn any_secret_signs(secrets: &[&SecretString], message: &[u8], tag: &[u8]) -> bool {
    secrets.iter().fold(false, |matched, secret| {
        let key = secret.expose_secret().as_bytes();
        // `|` rather than `||`: every secret is checked.
        matched | (!key.is_empty() && hmac_sha256(key, message).verify_slice(tag).is_ok())
    })
}

/// An HMAC-SHA256 over `message`, ready to finalize or verify.
pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{URL_SAFE as PADDED, URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    const SECRET_A: &str = "app-secret-facebook-login-0123456789";
    const SECRET_B: &str = "app-secret-instagram-login-abcdefghij";
    const MAX_AGE: TimeDelta = TimeDelta::minutes(15);

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap()
    }

    fn secrets() -> (SecretString, SecretString) {
        (SecretString::from(SECRET_A), SecretString::from(SECRET_B))
    }

    fn encode_payload(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Signs an encoded payload the way Meta does.
    fn sign(secret: &str, encoded_payload: &str) -> String {
        let tag = hmac_sha256(secret.as_bytes(), encoded_payload.as_bytes()).finalize();
        format!(
            "{}.{encoded_payload}",
            URL_SAFE_NO_PAD.encode(tag.into_bytes())
        )
    }

    fn payload_json(user_id: &str, issued_at: i64) -> String {
        format!(
            r#"{{"algorithm":"HMAC-SHA256","issued_at":{issued_at},"user_id":{user_id},"expires":0}}"#
        )
    }

    fn valid(secret: &str) -> String {
        sign(
            secret,
            &encode_payload(&payload_json(r#""1234567890""#, now().timestamp())),
        )
    }

    fn verify(raw: &str) -> Result<SignedRequest, SignedRequestError> {
        let (a, b) = secrets();
        SignedRequest::verify(raw, &[&a, &b], now(), MAX_AGE)
    }

    #[test]
    fn a_request_signed_with_either_app_secret_verifies() {
        for secret in [SECRET_A, SECRET_B] {
            let req = verify(&valid(secret)).unwrap();
            assert_eq!(req.user_id, "1234567890");
            assert_eq!(req.issued_at, now());
            assert_eq!(req.algorithm, "HMAC-SHA256");
        }
    }

    #[test]
    fn padded_base64_is_tolerated() {
        let encoded = PADDED.encode(payload_json(r#""42""#, now().timestamp()));
        let tag = hmac_sha256(SECRET_A.as_bytes(), encoded.as_bytes()).finalize();
        let raw = format!("{}.{encoded}", PADDED.encode(tag.into_bytes()));
        assert_eq!(verify(&raw).unwrap().user_id, "42");
    }

    #[test]
    fn a_secret_that_is_not_configured_is_a_bad_signature() {
        assert_eq!(
            verify(&valid("some-other-secret")),
            Err(SignedRequestError::BadSignature)
        );
    }

    #[test]
    fn no_secrets_or_an_empty_secret_never_verify() {
        let raw = valid("");
        let empty = SecretString::from("");
        let r = SignedRequest::verify(&raw, &[], now(), MAX_AGE);
        assert_eq!(r, Err(SignedRequestError::BadSignature));
        let r = SignedRequest::verify(&raw, &[&empty], now(), MAX_AGE);
        assert_eq!(r, Err(SignedRequestError::BadSignature));
    }

    #[test]
    fn the_signature_of_another_payload_is_refused() {
        let other = valid(SECRET_A);
        let (other_sig, _) = other.split_once('.').unwrap();
        let payload = encode_payload(&payload_json(r#""999""#, now().timestamp()));
        let raw = format!("{other_sig}.{payload}");
        assert_eq!(verify(&raw), Err(SignedRequestError::BadSignature));
    }

    #[test]
    fn another_algorithm_is_refused_but_case_is_ignored() {
        let json = payload_json(r#""1""#, now().timestamp());
        let raw = sign(
            SECRET_A,
            &encode_payload(&json.replace("HMAC-SHA256", "HMAC-SHA1")),
        );
        assert_eq!(verify(&raw), Err(SignedRequestError::UnsupportedAlgorithm));
        let raw = sign(
            SECRET_A,
            &encode_payload(&json.replace("HMAC-SHA256", "hmac-sha256")),
        );
        assert_eq!(verify(&raw).unwrap().algorithm, "hmac-sha256");
    }

    #[test]
    fn bad_base64_in_either_part_is_malformed() {
        let raw = valid(SECRET_A);
        let (sig, payload) = raw.split_once('.').unwrap();
        for bad in [
            format!("{sig}!.{payload}"),
            format!("{sig}.{payload}*"),
            format!("{sig}.a"),
        ] {
            assert_eq!(verify(&bad).unwrap_err().code(), "malformed", "{bad}");
        }
    }

    #[test]
    fn truncated_requests_are_refused() {
        let raw = valid(SECRET_A);
        let (sig, payload) = raw.split_once('.').unwrap();
        for cut in [
            format!("{sig}."),
            format!(".{payload}"),
            sig.to_owned(),
            String::new(),
        ] {
            assert_eq!(verify(&cut).unwrap_err().code(), "malformed", "{cut}");
        }
        // Cut in the middle, on a whole base64 group so what is left still decodes: the
        // signature no longer matches.
        let cut_sig = format!("{}.{payload}", &sig[..20]);
        assert_eq!(verify(&cut_sig), Err(SignedRequestError::BadSignature));
        let cut_payload = format!("{sig}.{}", &payload[..payload.len() / 4 * 4 - 4]);
        assert_eq!(verify(&cut_payload), Err(SignedRequestError::BadSignature));
    }

    #[test]
    fn a_signed_payload_that_is_not_json_is_malformed() {
        let raw = sign(SECRET_A, &encode_payload("user_id=1"));
        assert_eq!(
            verify(&raw),
            Err(SignedRequestError::Malformed(
                "payload is not the expected JSON"
            ))
        );
    }

    #[test]
    fn a_signed_payload_without_user_id_is_malformed() {
        let json = format!(
            r#"{{"algorithm":"HMAC-SHA256","issued_at":{}}}"#,
            now().timestamp()
        );
        let raw = sign(SECRET_A, &encode_payload(&json));
        assert_eq!(verify(&raw).unwrap_err().code(), "malformed");
        let raw = sign(
            SECRET_A,
            &encode_payload(&payload_json(r#""""#, now().timestamp())),
        );
        assert_eq!(verify(&raw).unwrap_err().code(), "malformed");
    }

    #[test]
    fn a_numeric_user_id_beyond_2_pow_53_is_kept_exactly() {
        let id = "17841400000000001"; // > 2^53 = 9007199254740992, not representable in f64
        let raw = sign(
            SECRET_B,
            &encode_payload(&payload_json(id, now().timestamp())),
        );
        assert_eq!(verify(&raw).unwrap().user_id, id);
    }

    #[test]
    fn a_numeric_user_id_beyond_u64_is_refused_rather_than_rounded() {
        let raw = sign(
            SECRET_A,
            &encode_payload(&payload_json("184467440737095516160", now().timestamp())),
        );
        assert_eq!(verify(&raw).unwrap_err().code(), "malformed");
    }

    #[test]
    fn an_old_request_is_stale() {
        let issued = (now() - MAX_AGE - TimeDelta::seconds(1)).timestamp();
        let raw = sign(SECRET_A, &encode_payload(&payload_json(r#""1""#, issued)));
        assert_eq!(verify(&raw), Err(SignedRequestError::Stale));
        let issued = (now() - MAX_AGE).timestamp();
        let raw = sign(SECRET_A, &encode_payload(&payload_json(r#""1""#, issued)));
        assert!(
            verify(&raw).is_ok(),
            "exactly max_age old is still accepted"
        );
    }

    #[test]
    fn a_request_from_the_future_is_stale_beyond_the_skew() {
        let issued = (now() + SIGNED_REQUEST_MAX_SKEW + TimeDelta::seconds(1)).timestamp();
        let raw = sign(SECRET_A, &encode_payload(&payload_json(r#""1""#, issued)));
        assert_eq!(verify(&raw), Err(SignedRequestError::Stale));
        let issued = (now() + TimeDelta::minutes(1)).timestamp();
        let raw = sign(SECRET_A, &encode_payload(&payload_json(r#""1""#, issued)));
        assert!(verify(&raw).is_ok(), "a small clock skew is tolerated");
    }

    #[test]
    fn error_messages_never_carry_the_input_or_a_secret() {
        let json = payload_json(r#""secret-user-777""#, now().timestamp());
        let encoded = encode_payload(&json);
        let cases = [
            sign("wrong", &encoded),
            sign(
                SECRET_A,
                &encode_payload(&json.replace("HMAC-SHA256", "none")),
            ),
            sign(
                SECRET_A,
                &encode_payload(r#"{"user_id":"secret-user-777"}"#),
            ),
            sign(SECRET_A, &encode_payload("secret-user-777 not json")),
            format!("{encoded}!"),
            sign(
                SECRET_A,
                &encode_payload(&payload_json(r#""secret-user-777""#, 0)),
            ),
        ];
        for raw in cases {
            let err = verify(&raw).unwrap_err();
            let shown = format!("{err} {err:?}");
            for needle in [
                SECRET_A,
                SECRET_B,
                "secret-user-777",
                raw.as_str(),
                encoded.as_str(),
            ] {
                assert!(!shown.contains(needle), "{shown:?} leaks {needle:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn any_signed_payload_verifies_and_any_flipped_signature_byte_does_not(
            user_id in "[0-9A-Za-z_-]{1,40}",
            age in 0i64..900,
            use_b in any::<bool>(),
            index in 0usize..32,
            flip in 1u8..=255,
        ) {
            let secret = if use_b { SECRET_B } else { SECRET_A };
            let json = payload_json(&format!("\"{user_id}\""), now().timestamp() - age);
            let encoded = encode_payload(&json);
            let raw = sign(secret, &encoded);
            prop_assert_eq!(verify(&raw).unwrap().user_id, user_id);

            let mut tag = hmac_sha256(secret.as_bytes(), encoded.as_bytes()).finalize().into_bytes();
            tag[index] ^= flip;
            let forged = format!("{}.{encoded}", URL_SAFE_NO_PAD.encode(tag));
            prop_assert_eq!(verify(&forged), Err(SignedRequestError::BadSignature));
        }
    }
}
