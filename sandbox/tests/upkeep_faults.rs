//! Failures tests inject per Instagram account (`POST _inspect/faults`, `POST
//! _inspect/revoke`), seen through igconnect's real `GraphClient`: each fault becomes the
//! `MetaError` a caller decides on (`outcome_unknown`, `is_rate_limited`, code 190), it
//! reaches every call made with a token of the account and no other account, and a revoked
//! account's tokens stop working for good.

mod support;

use chrono::TimeDelta;
use igconnect::domain::{IgUserId, LoginPath};
use igconnect::ports::{
    FacebookGraph, GraphAccount, InstagramGraph, MetaError, Publisher, TokenUpkeep,
};
use igconnect_sandbox::InjectedFault;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use support::{Harness, NOVA_CREATES, PIXEL_CAFE, start};

const SUNRISE_BAKERY: &str = "17841400000000101";
const FAULTS: [&str; 3] = ["server_error", "invalid_token", "rate_limited"];

/// POSTs a JSON body to an `_inspect/` path: status and JSON answer.
async fn inspect(h: &Harness, path: &str, body: Value) -> (u16, Value) {
    let res = h
        .browser
        .post(h.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// Arms `fault` for the account's next `count` calls, over HTTP as black-box tests do.
async fn arm(h: &Harness, account: &str, fault: &str, count: u32) {
    let body = json!({ "ig_user_id": account, "fault": fault, "count": count });
    let (status, answer) = inspect(h, "_inspect/faults", body).await;
    assert_eq!(status, 200, "{answer}");
}

fn err<T>(result: Result<T, MetaError>) -> MetaError {
    match result {
        Ok(_) => panic!("expected the call to fail"),
        Err(e) => e,
    }
}

/// Checks that `e` is what `fault` must look like to a caller.
fn assert_fails_as(fault: &str, e: &MetaError) {
    let MetaError::Api { status, code, .. } = e else {
        panic!("{fault}: expected Meta's error envelope, got {e:?}");
    };
    match fault {
        "server_error" => {
            assert_eq!((*status, *code), (500, 2), "{e:?}");
            assert!(e.outcome_unknown() && !e.is_rate_limited(), "{e:?}");
        }
        "invalid_token" => {
            assert_eq!((*status, *code), (400, 190), "{e:?}");
            assert!(!e.outcome_unknown() && !e.is_rate_limited(), "{e:?}");
        }
        _ => {
            assert_eq!(*status, 400, "{e:?}");
            assert!(e.is_rate_limited() && !e.outcome_unknown(), "{e:?}");
            assert_eq!(e.retry_after(), Some(Duration::from_secs(300)), "{e:?}");
        }
    }
}

/// A Facebook Login's Page token for Sunrise Bakery.
async fn page_token(h: &Harness) -> SecretString {
    let user = h.facebook_user_token().await;
    h.client.facebook_pages(&user).await.unwrap()[0]
        .access_token
        .clone()
}

#[tokio::test]
async fn each_fault_fails_a_refresh_as_meta_fails_then_the_refresh_works() {
    for fault in FAULTS {
        // Given a refreshable token and one fault armed for its account
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(TimeDelta::hours(25));
        arm(&h, PIXEL_CAFE, fault, 1).await;
        // When it is refreshed, it fails as the fault says
        let e = err(h.client.instagram_refresh(&token).await);
        assert_fails_as(fault, &e);
        // and the next refresh goes through
        assert!(h.client.instagram_refresh(&token).await.is_ok(), "{fault}");
    }
}

#[tokio::test]
async fn a_fault_answers_its_count_of_calls_and_no_more() {
    let h = start().await;
    let token = h.instagram_token(PIXEL_CAFE).await;
    arm(&h, PIXEL_CAFE, "server_error", 2).await;
    for _ in 0..2 {
        assert_fails_as("server_error", &err(h.client.instagram_me(&token).await));
    }
    assert!(h.client.instagram_me(&token).await.is_ok());
}

#[tokio::test]
async fn a_count_of_zero_clears_the_fault() {
    let h = start().await;
    let token = h.instagram_token(PIXEL_CAFE).await;
    arm(&h, PIXEL_CAFE, "rate_limited", 5).await;
    let body = json!({ "ig_user_id": PIXEL_CAFE, "fault": "rate_limited", "count": 0 });
    let (status, answer) = inspect(&h, "_inspect/faults", body).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({ "ig_user_id": PIXEL_CAFE, "fault": null, "remaining": 0 })
    );
    assert!(h.client.instagram_me(&token).await.is_ok());
}

#[tokio::test]
async fn a_fault_reaches_the_page_tokens_profile_read_and_publishing() {
    for fault in FAULTS {
        // Given a Page-linked account with its Page token, and two faults armed
        let h = start().await;
        let page = page_token(&h).await;
        let sunrise = IgUserId::parse(SUNRISE_BAKERY.to_owned()).unwrap();
        arm(&h, SUNRISE_BAKERY, fault, 2).await;
        // Then the profile read and a publishing call both fail as the fault says
        let profile = h.client.facebook_instagram_profile(&sunrise, &page).await;
        assert_fails_as(fault, &err(profile));
        let account = GraphAccount {
            login: LoginPath::Facebook,
            ig_user_id: &sunrise,
            token: &page,
        };
        assert_fails_as(fault, &err(h.client.publishing_limit(&account).await));
        // and the third call works
        assert!(h.client.publishing_limit(&account).await.is_ok(), "{fault}");
    }
}

#[tokio::test]
async fn debug_token_fails_on_server_and_rate_faults_and_reports_an_injected_invalid_token() {
    let h = start().await;
    let page = page_token(&h).await;
    for fault in ["server_error", "rate_limited"] {
        arm(&h, SUNRISE_BAKERY, fault, 1).await;
        assert_fails_as(fault, &err(h.client.facebook_debug_token(&page).await));
    }
    // An invalid token is debug_token's answer, not its failure: the call itself worked
    arm(&h, SUNRISE_BAKERY, "invalid_token", 1).await;
    let health = h.client.facebook_debug_token(&page).await.unwrap();
    assert!(!health.is_valid);
    assert!(h.client.facebook_debug_token(&page).await.unwrap().is_valid);
}

#[tokio::test]
async fn a_fault_stays_with_its_account() {
    // Given two accounts, a fault armed (in Rust this time) for the first
    let h = start().await;
    let pixel = h.instagram_token(PIXEL_CAFE).await;
    let nova = h.instagram_token(NOVA_CREATES).await;
    h.sandbox
        .inject_fault(PIXEL_CAFE, InjectedFault::InvalidToken, 1);
    // Then the other account's calls never meet it, and it waits for its own account
    assert!(h.client.instagram_me(&nova).await.is_ok());
    assert_fails_as("invalid_token", &err(h.client.instagram_me(&pixel).await));
}

#[tokio::test]
async fn a_revoked_instagram_account_loses_every_token_for_good() {
    // Given an account with two tokens, one of them refreshable
    let h = start().await;
    let first = h.instagram_token(PIXEL_CAFE).await;
    let second = h.instagram_token(PIXEL_CAFE).await;
    let other = h.instagram_token(NOVA_CREATES).await;
    h.sandbox.advance_clock(TimeDelta::hours(25));
    // When it is revoked, as when its owner changes their password
    let (status, answer) =
        inspect(&h, "_inspect/revoke", json!({ "ig_user_id": PIXEL_CAFE })).await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({ "ig_user_id": PIXEL_CAFE, "revoked": true }));
    // Then both tokens are refused with 190/460, reads and refreshes alike, for good
    for token in [&first, &second] {
        let e = err(h.client.instagram_me(token).await);
        assert!(
            matches!(
                e,
                MetaError::Api {
                    code: 190,
                    subcode: Some(460),
                    ..
                }
            ),
            "{e:?}"
        );
        let e = err(h.client.instagram_refresh(token).await);
        assert!(
            matches!(
                e,
                MetaError::Api {
                    code: 190,
                    subcode: Some(460),
                    ..
                }
            ),
            "{e:?}"
        );
    }
    h.sandbox.advance_clock(TimeDelta::days(1));
    assert!(h.client.instagram_me(&first).await.is_err());
    // while another account is untouched, and a new login of this one works
    assert!(h.client.instagram_me(&other).await.is_ok());
    let again = h.instagram_token(PIXEL_CAFE).await;
    assert!(h.client.instagram_me(&again).await.is_ok());
}

#[tokio::test]
async fn a_revoked_page_linked_account_loses_its_page_token() {
    let h = start().await;
    let page = page_token(&h).await;
    let sunrise = IgUserId::parse(SUNRISE_BAKERY.to_owned()).unwrap();
    let (status, _) = inspect(
        &h,
        "_inspect/revoke",
        json!({ "ig_user_id": SUNRISE_BAKERY }),
    )
    .await;
    assert_eq!(status, 200);
    let e = err(h.client.facebook_instagram_profile(&sunrise, &page).await);
    assert!(
        matches!(
            e,
            MetaError::Api {
                code: 190,
                subcode: Some(460),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!h.client.facebook_debug_token(&page).await.unwrap().is_valid);
}

#[tokio::test]
async fn inspect_requests_naming_no_catalogue_account_or_fault_are_refused() {
    let h = start().await;
    let cases = [
        (
            "_inspect/faults",
            json!({ "ig_user_id": "1", "fault": "server_error", "count": 1 }),
        ),
        (
            "_inspect/faults",
            json!({ "ig_user_id": PIXEL_CAFE, "fault": "boom", "count": 1 }),
        ),
        (
            "_inspect/faults",
            json!({ "ig_user_id": PIXEL_CAFE, "fault": "server_error", "count": -1 }),
        ),
        ("_inspect/faults", json!({ "fault": "server_error" })),
        (
            "_inspect/revoke",
            json!({ "ig_user_id": "17841400000000999" }),
        ),
        ("_inspect/revoke", json!(["not", "an", "object"])),
    ];
    for (path, body) in cases {
        let (status, answer) = inspect(&h, path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert_eq!(answer["error"]["code"], 100, "{path} {body}: {answer}");
    }
}
