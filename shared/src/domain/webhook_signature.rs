//! Meta webhooks: the `X-Hub-Signature-256` check on every delivery and the `hub.mode=subscribe`
//! handshake that registers the endpoint. Both guard a public URL, so both compare in constant
//! time and neither error repeats its input.

use super::signed_request::{any_secret_signs, hmac_sha256};
use hmac::Mac;
use secrecy::{ExposeSecret, SecretString};

/// What precedes the hex digest in `X-Hub-Signature-256`.
const PREFIX: &str = "sha256=";

/// The longest `hub.challenge` echoed back.
pub const MAX_CHALLENGE_LEN: usize = 256;

/// Why a webhook delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookSignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("the webhook signature header is missing")]
    Missing,
    /// Not `sha256=` followed by 64 hex digits.
    #[error("the webhook signature header is malformed")]
    Malformed,
    /// No configured app secret produced this signature for this body.
    #[error("the webhook signature does not match the body")]
    Mismatch,
}

impl WebhookSignatureError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::Mismatch => "mismatch",
        }
    }
}

/// Checks `X-Hub-Signature-256: sha256=<hex>` against the raw `body` with each of `secrets`,
/// accepting if any verifies. Every secret is tried and each compare is constant time; empty
/// secrets never verify.
///
/// Hex digits are accepted in either case: Meta sends lowercase, but both spell the same bytes
/// and the compare is on the decoded bytes, so refusing uppercase would add no safety.
pub fn verify_webhook_signature(
    header: Option<&str>,
    body: &[u8],
    secrets: &[&SecretString],
) -> Result<(), WebhookSignatureError> {
    let header = header.ok_or(WebhookSignatureError::Missing)?;
    let hex = header
        .strip_prefix(PREFIX)
        .ok_or(WebhookSignatureError::Malformed)?;
    let tag = decode_hex_32(hex).ok_or(WebhookSignatureError::Malformed)?;
    if any_secret_signs(secrets, body, &tag) {
        Ok(())
    } else {
        Err(WebhookSignatureError::Mismatch)
    }
}

/// Why a subscription handshake was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubscriptionError {
    /// `hub.mode` is absent or not `subscribe`.
    #[error("hub.mode is not subscribe")]
    WrongMode,
    /// `hub.verify_token` is absent or not ours.
    #[error("hub.verify_token does not match")]
    WrongToken,
    /// `hub.challenge` is absent, empty, too long or not plain text.
    #[error("hub.challenge is missing or malformed")]
    BadChallenge,
}

impl SubscriptionError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongMode => "wrong_mode",
            Self::WrongToken => "wrong_token",
            Self::BadChallenge => "bad_challenge",
        }
    }
}

/// The `hub.mode=subscribe` handshake: if the verify token is ours, returns the challenge to
/// echo back as the response body. The token compare is constant time, whatever the lengths;
/// an empty expected token matches nothing. The challenge is echoed only if it is 1 to
/// [`MAX_CHALLENGE_LEN`] ASCII letters, digits, `-`, `_` or `.` (Meta sends digits), so the
/// endpoint cannot reflect markup.
pub fn verify_subscription(
    mode: Option<&str>,
    verify_token: Option<&str>,
    challenge: Option<&str>,
    expected: &SecretString,
) -> Result<String, SubscriptionError> {
    if mode != Some("subscribe") {
        return Err(SubscriptionError::WrongMode);
    }
    let token = verify_token.ok_or(SubscriptionError::WrongToken)?;
    if !token_matches(token, expected.expose_secret()) {
        return Err(SubscriptionError::WrongToken);
    }
    match challenge {
        Some(c) if is_plain_challenge(c) => Ok(c.to_owned()),
        _ => Err(SubscriptionError::BadChallenge),
    }
}

/// Compares the MACs of both tokens under a fixed key: fixed-size, constant-time, and the time
/// says nothing about the expected token's length.
fn token_matches(given: &str, expected: &str) -> bool {
    const KEY: &[u8] = b"igconnect webhook verify_token";
    let want = hmac_sha256(KEY, expected.as_bytes())
        .finalize()
        .into_bytes();
    let matches = hmac_sha256(KEY, given.as_bytes())
        .verify_slice(&want)
        .is_ok();
    matches & !expected.is_empty()
}

fn is_plain_challenge(c: &str) -> bool {
    (1..=MAX_CHALLENGE_LEN).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Exactly 64 hex digits, either case, as 32 bytes.
fn decode_hex_32(hex: &str) -> Option<[u8; 32]> {
    let digits = hex.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn nibble(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET_A: &str = "app-secret-facebook-login-0123456789";
    const SECRET_B: &str = "app-secret-instagram-login-abcdefghij";
    const BODY: &[u8] = br#"{"object":"instagram","entry":[{"id":"17841400000000001"}]}"#;

    fn secrets() -> (SecretString, SecretString) {
        (SecretString::from(SECRET_A), SecretString::from(SECRET_B))
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The header Meta would send for `body` signed with `secret`.
    fn header(secret: &str, body: &[u8]) -> String {
        let tag = hmac_sha256(secret.as_bytes(), body).finalize().into_bytes();
        format!("sha256={}", hex_of(&tag))
    }

    fn verify(header: Option<&str>, body: &[u8]) -> Result<(), WebhookSignatureError> {
        let (a, b) = secrets();
        verify_webhook_signature(header, body, &[&a, &b])
    }

    #[test]
    fn a_body_signed_with_either_app_secret_verifies() {
        for secret in [SECRET_A, SECRET_B] {
            assert_eq!(verify(Some(&header(secret, BODY)), BODY), Ok(()));
        }
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let upper = header(SECRET_A, BODY)
            .to_uppercase()
            .replace("SHA256=", "sha256=");
        assert_eq!(verify(Some(&upper), BODY), Ok(()));
    }

    #[test]
    fn a_missing_header_is_missing() {
        assert_eq!(verify(None, BODY), Err(WebhookSignatureError::Missing));
    }

    #[test]
    fn a_header_without_the_sha256_prefix_is_malformed() {
        let h = header(SECRET_A, BODY);
        let bare = h.trim_start_matches("sha256=");
        for bad in [
            bare.to_owned(),
            format!("sha1={bare}"),
            format!("SHA256={bare}"),
        ] {
            assert_eq!(
                verify(Some(&bad), BODY),
                Err(WebhookSignatureError::Malformed)
            );
        }
    }

    #[test]
    fn a_digest_of_the_wrong_length_or_not_hex_is_malformed() {
        let h = header(SECRET_A, BODY);
        for bad in [
            h[..h.len() - 2].to_owned(),
            format!("{h}00"),
            "sha256=".to_owned(),
            format!("{}zz", &h[..h.len() - 2]),
        ] {
            assert_eq!(
                verify(Some(&bad), BODY),
                Err(WebhookSignatureError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn another_body_or_secret_is_a_mismatch() {
        let h = header(SECRET_A, BODY);
        assert_eq!(
            verify(Some(&h), b"{}"),
            Err(WebhookSignatureError::Mismatch)
        );
        let h = header("another-app", BODY);
        assert_eq!(verify(Some(&h), BODY), Err(WebhookSignatureError::Mismatch));
    }

    #[test]
    fn empty_or_no_secrets_never_verify() {
        let empty = SecretString::from("");
        let h = header("", BODY);
        let r = verify_webhook_signature(Some(&h), BODY, &[&empty]);
        assert_eq!(r, Err(WebhookSignatureError::Mismatch));
        let r = verify_webhook_signature(Some(&h), BODY, &[]);
        assert_eq!(r, Err(WebhookSignatureError::Mismatch));
    }

    #[test]
    fn errors_never_carry_the_header_or_a_secret() {
        let h = header(SECRET_A, BODY);
        for err in [
            verify(Some(&h), b"{}").unwrap_err(),
            verify(Some(&h[1..]), BODY).unwrap_err(),
        ] {
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains(SECRET_A) && !shown.contains(&h[7..]),
                "{shown}"
            );
        }
    }

    fn subscribe(
        mode: Option<&str>,
        token: Option<&str>,
        challenge: Option<&str>,
    ) -> Result<String, SubscriptionError> {
        verify_subscription(mode, token, challenge, &SecretString::from("verify-me"))
    }

    #[test]
    fn the_handshake_with_our_token_echoes_the_challenge() {
        let r = subscribe(Some("subscribe"), Some("verify-me"), Some("1158201444"));
        assert_eq!(r, Ok("1158201444".to_owned()));
    }

    #[test]
    fn the_handshake_with_another_token_is_refused() {
        for token in [Some("verify-m"), Some("verify-me!"), Some(""), None] {
            let r = subscribe(Some("subscribe"), token, Some("1"));
            assert_eq!(r, Err(SubscriptionError::WrongToken), "{token:?}");
        }
    }

    #[test]
    fn an_empty_expected_token_matches_nothing() {
        let r = verify_subscription(
            Some("subscribe"),
            Some(""),
            Some("1"),
            &SecretString::from(""),
        );
        assert_eq!(r, Err(SubscriptionError::WrongToken));
    }

    #[test]
    fn the_handshake_in_another_mode_is_refused() {
        for mode in [Some("unsubscribe"), Some("SUBSCRIBE"), None] {
            let r = subscribe(mode, Some("verify-me"), Some("1"));
            assert_eq!(r, Err(SubscriptionError::WrongMode), "{mode:?}");
        }
    }

    #[test]
    fn a_challenge_that_could_carry_markup_is_not_echoed() {
        let long = "9".repeat(MAX_CHALLENGE_LEN + 1);
        for challenge in [Some("<script>"), Some(""), Some(long.as_str()), None] {
            let r = subscribe(Some("subscribe"), Some("verify-me"), challenge);
            assert_eq!(r, Err(SubscriptionError::BadChallenge));
        }
    }

    proptest! {
        #[test]
        fn any_signed_body_verifies_and_any_flipped_digest_byte_does_not(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            use_b in any::<bool>(),
            index in 0usize..32,
            flip in 1u8..=255,
        ) {
            let secret = if use_b { SECRET_B } else { SECRET_A };
            prop_assert_eq!(verify(Some(&header(secret, &body)), &body), Ok(()));

            let mut tag = hmac_sha256(secret.as_bytes(), &body).finalize().into_bytes();
            tag[index] ^= flip;
            let forged = format!("sha256={}", hex_of(&tag));
            prop_assert_eq!(verify(Some(&forged), &body), Err(WebhookSignatureError::Mismatch));
        }
    }
}
