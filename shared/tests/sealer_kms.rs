//! The Sealer conformance suite on KMS, served by moto, each test with a fresh key; and the
//! end-to-end promise that a token copied to another tenant's record does not decrypt.

use igconnect::conformance::{fixtures, moto};
use igconnect::ports::{AccountWriter, EncryptionContext, SealError, Sealer, TokenReader};
use secrecy::SecretString;

igconnect::sealer_conformance!(moto::kms_sealer());

#[tokio::test]
async fn a_token_moved_to_another_tenants_item_does_not_decrypt() {
    // Given two tenants that connected the same Instagram account, each with its own token.
    let (store, sealer) = (moto::dynamo_store().await, moto::kms_sealer().await);
    let (a, b) = (fixtures::tenant("tenant-a"), fixtures::tenant("tenant-b"));
    let ig = fixtures::ig_user("17841400000000001");
    let token_a = sealer
        .seal(
            &SecretString::from("IGAA-token-of-a"),
            &EncryptionContext::access_token(&a, &ig),
        )
        .await
        .expect("seal a");
    store
        .save_connection(&fixtures::connection(&a, ig.as_str()), &token_a)
        .await
        .expect("save a");

    // When someone with write access to the table copies A's sealed token onto B's item.
    let in_b = store
        .save_connection(&fixtures::connection(&b, ig.as_str()), &token_a)
        .await
        .expect("save b with a's token");
    let moved = store
        .sealed_token(&b, &in_b.id)
        .await
        .expect("read b's token")
        .expect("b has a token");

    // Then KMS refuses to unwrap it under B's context.
    let opened = sealer
        .unseal(&moved, &EncryptionContext::access_token(&b, &ig))
        .await;
    assert!(
        matches!(opened, Err(SealError::Integrity)),
        "moved token opened"
    );
}

#[tokio::test]
async fn sealed_secrets_name_the_key_arn_kms_reports() {
    let sealer = moto::kms_sealer().await;
    let ctx = EncryptionContext::access_token(
        &fixtures::tenant("tenant-a"),
        &fixtures::ig_user("17841400000000001"),
    );
    let sealed = sealer
        .seal(&SecretString::from("IGAA-token"), &ctx)
        .await
        .expect("seal");
    assert!(
        sealed.key_id.starts_with("arn:aws:kms:"),
        "{}",
        sealed.key_id
    );
}
