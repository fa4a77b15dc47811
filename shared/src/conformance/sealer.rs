//! Sealer behaviours: envelope encryption that keeps tokens unreadable at rest and bound to
//! the record they belong to.

use super::fixtures::{ig_user, tenant};
use crate::ports::{EncryptionContext, SealError, SealedSecret, Sealer};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// A token shaped like Meta's: long, ASCII, recognisable if it leaks.
const TOKEN: &str = "IGAAexampleLongLivedToken0123456789abcdefghijklmnopqrstuvwxyzZZZ";

fn context() -> EncryptionContext {
    EncryptionContext::access_token(&tenant("tenant-a"), &ig_user("17841400000000001"))
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

async fn seal<S: Sealer + ?Sized>(
    sealer: &S,
    plain: &str,
    ctx: &EncryptionContext,
) -> SealedSecret {
    sealer.seal(&secret(plain), ctx).await.expect("seal")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_integrity(result: Result<SecretString, SealError>, what: &str) {
    match result {
        Err(SealError::Integrity) => {}
        Err(other) => panic!("{what}: expected an integrity failure, got {other}"),
        Ok(_) => panic!("{what}: unsealed when it must not"),
    }
}

/// What is sealed unseals to the same text, short, long or not ASCII.
pub async fn seal_then_unseal_round_trips<S: Sealer + ?Sized>(sealer: &S) {
    let long = "x".repeat(4_096);
    for plain in [TOKEN, "a", "tökën with ünïcode ✓", long.as_str()] {
        let sealed = seal(sealer, plain, &context()).await;
        let opened = sealer.unseal(&sealed, &context()).await.expect("unseal");
        assert_eq!(opened.expose_secret(), plain);
    }
}

/// No part of a sealed secret, nor its storage encoding, holds the plaintext.
pub async fn ciphertext_does_not_contain_the_plaintext<S: Sealer + ?Sized>(sealer: &S) {
    let sealed = seal(sealer, TOKEN, &context()).await;
    let needle = TOKEN.as_bytes();
    for (part, bytes) in [
        ("key_id", sealed.key_id.as_bytes()),
        ("wrapped_key", &sealed.wrapped_key[..]),
        ("nonce", &sealed.nonce[..]),
        ("ciphertext", &sealed.ciphertext[..]),
        ("encoding", sealed.encode().as_bytes()),
    ] {
        assert!(!contains(bytes, needle), "{part} holds the plaintext");
    }
}

/// Sealing one secret twice uses a fresh data key and nonce each time.
pub async fn two_seals_of_one_secret_differ<S: Sealer + ?Sized>(sealer: &S) {
    let one = seal(sealer, TOKEN, &context()).await;
    let two = seal(sealer, TOKEN, &context()).await;
    assert_ne!(
        one.wrapped_key, two.wrapped_key,
        "a fresh data key per secret"
    );
    assert_ne!(one.nonce, two.nonce, "a fresh nonce per secret");
    assert_ne!(one.ciphertext, two.ciphertext);
}

/// A ciphertext copied to another tenant's record does not open there.
pub async fn another_tenant_cannot_unseal<S: Sealer + ?Sized>(sealer: &S) {
    let sealed = seal(sealer, TOKEN, &context()).await;
    let elsewhere =
        EncryptionContext::access_token(&tenant("tenant-b"), &ig_user("17841400000000001"));
    assert_integrity(sealer.unseal(&sealed, &elsewhere).await, "another tenant");
}

/// A ciphertext copied to another account of the same tenant does not open there.
pub async fn another_account_cannot_unseal<S: Sealer + ?Sized>(sealer: &S) {
    let sealed = seal(sealer, TOKEN, &context()).await;
    let elsewhere =
        EncryptionContext::access_token(&tenant("tenant-a"), &ig_user("17841400000000002"));
    assert_integrity(sealer.unseal(&sealed, &elsewhere).await, "another account");
}

/// Changing any byte of the wrapped key, the nonce or the ciphertext is detected.
pub async fn tampered_ciphertext_does_not_unseal<S: Sealer + ?Sized>(sealer: &S) {
    let sealed = seal(sealer, TOKEN, &context()).await;
    type Field = fn(&mut SealedSecret) -> &mut Vec<u8>;
    let fields: [(&str, Field); 3] = [
        ("ciphertext", |s| &mut s.ciphertext),
        ("nonce", |s| &mut s.nonce),
        ("wrapped_key", |s| &mut s.wrapped_key),
    ];
    for (name, field) in fields {
        for at in [0usize, usize::MAX] {
            let mut tampered = sealed.clone();
            let bytes = field(&mut tampered);
            let i = at.min(bytes.len() - 1);
            // The first byte of a KMS blob may name the key rather than authenticate it; a
            // changed key reference must fail too, just not necessarily as an integrity error.
            bytes[i] ^= 0x01;
            let result = sealer.unseal(&tampered, &context()).await;
            if name == "wrapped_key" && i == 0 {
                assert!(result.is_err(), "tampered {name} at byte {i} unsealed");
            } else {
                assert_integrity(result, &format!("tampered {name} at byte {i}"));
            }
        }
    }
}

/// The storage encoding round trips and the decoded secret still unseals.
pub async fn sealed_secret_survives_its_storage_encoding<S: Sealer + ?Sized>(sealer: &S) {
    let sealed = seal(sealer, TOKEN, &context()).await;
    let decoded = SealedSecret::decode(&sealed.encode()).expect("decode");
    assert_eq!(decoded, sealed);
    let opened = sealer.unseal(&decoded, &context()).await.expect("unseal");
    assert_eq!(opened.expose_secret(), TOKEN);
}

/// Neither a sealed secret's debug output nor an unseal error shows the secret.
pub async fn nothing_printable_reveals_the_secret<S: Sealer + ?Sized>(sealer: &S) {
    let sealed = seal(sealer, TOKEN, &context()).await;
    let elsewhere = EncryptionContext::access_token(&tenant("tenant-b"), &ig_user("1"));
    let error = sealer
        .unseal(&sealed, &elsewhere)
        .await
        .expect_err("wrong context");
    for shown in [
        format!("{sealed:?}"),
        format!("{error}"),
        format!("{error:?}"),
    ] {
        assert!(!shown.contains(TOKEN), "printed the secret: {shown}");
    }
}

/// Concurrent seals (one login connecting several accounts) all unseal to their own secret.
pub async fn concurrent_seals_all_unseal<S: Sealer + ?Sized + 'static>(sealer: Arc<S>) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let sealer = Arc::clone(&sealer);
        tasks.push(tokio::spawn(async move {
            let plain = format!("{TOKEN}-{i}");
            let sealed = sealer
                .seal(&secret(&plain), &context())
                .await
                .expect("seal");
            let opened = sealer.unseal(&sealed, &context()).await.expect("unseal");
            assert_eq!(opened.expose_secret(), plain);
        }));
    }
    for task in tasks {
        task.await.expect("seal task");
    }
}
