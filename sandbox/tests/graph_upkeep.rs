//! igconnect's real `GraphClient`, as `TokenUpkeep`, against the sandbox: the Instagram
//! Login refresh, `debug_token` for Facebook Login tokens, and a Facebook user removing the
//! app (`DELETE /{user-id}/permissions`).

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use igconnect::domain::IgUserId;
use igconnect::ports::{FacebookGraph, InstagramGraph, MetaError, TokenUpkeep};
use igconnect_sandbox::catalogue::FACEBOOK_USER;
use secrecy::{ExposeSecret, SecretString};
use support::{Harness, NOVA_CREATES, PIXEL_CAFE, start};

const SUNRISE_BAKERY: &str = "17841400000000101";
const SIXTY_DAYS: i64 = 60 * 86_400;

/// Meta's `(code, subcode)` of an error.
fn api(e: &MetaError) -> (i64, Option<i64>) {
    match e {
        MetaError::Api { code, subcode, .. } => (*code, *subcode),
        other => panic!("expected Meta's error envelope, got {other:?}"),
    }
}

/// The error of a call that must fail (tokens are not `Debug`, so no `unwrap_err`).
fn err<T>(result: Result<T, MetaError>) -> MetaError {
    match result {
        Ok(_) => panic!("expected Meta to refuse the call"),
        Err(e) => e,
    }
}

/// Whether `at` is `expected` give or take a minute (the sandbox's clock runs on).
fn about(at: Option<DateTime<Utc>>, expected: DateTime<Utc>) -> bool {
    at.is_some_and(|at| (at - expected).abs() < TimeDelta::minutes(1))
}

/// A long-lived user token and the Page token of Sunrise Bakery's Page.
async fn facebook_tokens(h: &Harness) -> (SecretString, SecretString) {
    let user = h.facebook_user_token().await;
    let pages = h.client.facebook_pages(&user).await.unwrap();
    (user, pages[0].access_token.clone())
}

mod refresh {
    use super::*;

    #[tokio::test]
    async fn a_day_old_token_is_traded_for_a_new_sixty_day_token() {
        // Given an Instagram Login token a little over a day old
        let h = start().await;
        let old = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(TimeDelta::hours(25));
        // When it is refreshed
        let fresh = h.client.instagram_refresh(&old).await.unwrap();
        // Then a new token comes back for sixty days, and it speaks for the same account
        assert_eq!(fresh.expires_in, Some(SIXTY_DAYS));
        assert_ne!(fresh.token.expose_secret(), old.expose_secret());
        let me = h.client.instagram_me(&fresh.token).await.unwrap();
        assert_eq!(me.user_id.as_str(), PIXEL_CAFE);
    }

    #[tokio::test]
    async fn the_old_token_keeps_working_until_its_own_expiry() {
        // Given a token that was refreshed
        let h = start().await;
        let old = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(TimeDelta::hours(25));
        let fresh = h.client.instagram_refresh(&old).await.unwrap();
        // Then the old one still works, until its own sixty days are over
        assert!(h.client.instagram_me(&old).await.is_ok());
        h.sandbox.advance_clock(TimeDelta::days(59));
        let expired = err(h.client.instagram_me(&old).await);
        assert_eq!(api(&expired), (190, Some(463)));
        // while the new one runs for sixty days from the refresh
        assert!(h.client.instagram_me(&fresh.token).await.is_ok());
    }

    #[tokio::test]
    async fn a_token_younger_than_a_day_is_refused_and_still_works() {
        // Given a fresh long-lived token
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        // When it is refreshed at once
        let e = err(h.client.instagram_refresh(&token).await);
        // Then Meta refuses the request (not the token): a clear refusal, nothing to retry
        assert_eq!(api(&e), (100, None));
        assert!(!e.outcome_unknown() && !e.is_rate_limited());
        assert!(h.client.instagram_me(&token).await.is_ok());
    }

    #[tokio::test]
    async fn a_refreshed_token_is_refreshable_a_day_after_its_refresh() {
        let h = start().await;
        let old = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(TimeDelta::hours(25));
        let fresh = h.client.instagram_refresh(&old).await.unwrap();
        let too_soon = err(h.client.instagram_refresh(&fresh.token).await);
        assert_eq!(api(&too_soon), (100, None));
        h.sandbox.advance_clock(TimeDelta::hours(24));
        assert!(h.client.instagram_refresh(&fresh.token).await.is_ok());
    }

    #[tokio::test]
    async fn an_expired_token_is_refused_with_190_463() {
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(TimeDelta::days(61));
        let e = err(h.client.instagram_refresh(&token).await);
        assert_eq!(api(&e), (190, Some(463)));
    }

    #[tokio::test]
    async fn a_facebook_token_is_not_an_instagram_token() {
        let h = start().await;
        let user = h.facebook_user_token().await;
        h.sandbox.advance_clock(TimeDelta::hours(25));
        let e = err(h.client.instagram_refresh(&user).await);
        assert_eq!(api(&e), (190, Some(467)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_tokens_refresh_at_once_each_into_its_own_new_token() {
        // Given tokens of two accounts, many per account
        let h = start().await;
        let mut tokens = Vec::new();
        for i in 0..40 {
            let account = if i % 2 == 0 { PIXEL_CAFE } else { NOVA_CREATES };
            tokens.push(h.instagram_token(account).await);
        }
        h.sandbox.advance_clock(TimeDelta::hours(25));
        // When they are all refreshed concurrently
        let mut calls = tokio::task::JoinSet::new();
        for token in tokens.clone() {
            let client = h.client.clone();
            calls.spawn(async move { client.instagram_refresh(&token).await });
        }
        let mut fresh = std::collections::HashSet::new();
        while let Some(done) = calls.join_next().await {
            let issued = done.unwrap().unwrap();
            fresh.insert(issued.token.expose_secret().to_owned());
        }
        // Then every one got a distinct new token
        assert_eq!(fresh.len(), tokens.len());
        assert!(tokens.iter().all(|t| !fresh.contains(t.expose_secret())));
    }
}

mod debug_token {
    use super::*;

    #[tokio::test]
    async fn a_page_token_is_valid_never_expires_and_has_ninety_days_of_data_access() {
        let h = start().await;
        let (_, page) = facebook_tokens(&h).await;
        let health = h.client.facebook_debug_token(&page).await.unwrap();
        assert!(health.is_valid);
        assert_eq!(health.expires_at, None);
        let ninety_days = Utc::now() + TimeDelta::days(90);
        assert!(
            about(health.data_access_expires_at, ninety_days),
            "{health:?}"
        );
    }

    #[tokio::test]
    async fn a_long_lived_user_token_expires_in_sixty_days() {
        let h = start().await;
        let (user, _) = facebook_tokens(&h).await;
        let health = h.client.facebook_debug_token(&user).await.unwrap();
        assert!(health.is_valid);
        assert!(about(health.expires_at, Utc::now() + TimeDelta::days(60)));
        assert!(about(
            health.data_access_expires_at,
            Utc::now() + TimeDelta::days(90)
        ));
    }

    #[tokio::test]
    async fn data_access_is_counted_from_the_tokens_issue_on_the_sandbox_clock() {
        let h = start().await;
        let (_, page) = facebook_tokens(&h).await;
        h.sandbox.advance_clock(TimeDelta::days(30));
        let health = h.client.facebook_debug_token(&page).await.unwrap();
        assert!(about(
            health.data_access_expires_at,
            Utc::now() + TimeDelta::days(90)
        ));
    }

    #[tokio::test]
    async fn an_expired_token_is_reported_invalid_with_its_expiry() {
        // Given a short-lived user token, two hours later
        let h = start().await;
        let code = h.facebook_code_all().await;
        let short = h.client.facebook_exchange_code(&code).await.unwrap().token;
        let issued = Utc::now();
        h.sandbox.advance_clock(TimeDelta::hours(2));
        // Then debug_token answers (it is not an error) that it is no longer valid
        let health = h.client.facebook_debug_token(&short).await.unwrap();
        assert!(!health.is_valid);
        assert!(about(health.expires_at, issued + TimeDelta::hours(1)));
    }

    #[tokio::test]
    async fn unknown_tokens_and_instagram_tokens_are_invalid() {
        let h = start().await;
        let unknown = SecretString::from("IGSBXTOKnot-one-the-sandbox-issued".to_owned());
        let instagram = h.instagram_token(PIXEL_CAFE).await;
        for token in [unknown, instagram] {
            let health = h.client.facebook_debug_token(&token).await.unwrap();
            assert!(!health.is_valid);
            assert_eq!(
                (health.expires_at, health.data_access_expires_at),
                (None, None)
            );
        }
    }

    #[tokio::test]
    async fn a_wrong_app_secret_is_refused_without_naming_it() {
        let h = start().await;
        let (_, page) = facebook_tokens(&h).await;
        let client = h.client_with(|cfg| {
            if let Some(app) = cfg.facebook_app.as_mut() {
                app.app_secret = SecretString::from("not-the-secret".to_owned());
            }
        });
        let e = err(client.facebook_debug_token(&page).await);
        assert_eq!(api(&e), (190, None));
        let text = format!("{e} {e:?}");
        assert!(!text.contains("not-the-secret") && !text.contains(page.expose_secret()));
    }

    #[tokio::test]
    async fn without_a_facebook_app_nothing_is_asked() {
        let h = start().await;
        let client = h.client_with(|cfg| cfg.facebook_app = None);
        let token = SecretString::from("IGSBXTOKx".to_owned());
        let e = err(client.facebook_debug_token(&token).await);
        assert!(matches!(e, MetaError::NotConfigured("facebook")));
    }
}

mod revoke {
    use super::*;

    #[tokio::test]
    async fn removing_the_app_ends_the_users_token_and_every_page_token() {
        // Given a Facebook Login with its user token and a Page token
        let h = start().await;
        let (user, page) = facebook_tokens(&h).await;
        let sunrise = IgUserId::parse(SUNRISE_BAKERY.to_owned()).unwrap();
        // When the app revokes the user's grant
        h.client.facebook_revoke(FACEBOOK_USER.id).await.unwrap();
        // Then both tokens are refused as Meta refuses a removed app's tokens
        let me = err(h.client.facebook_me(&user).await);
        assert_eq!(api(&me), (190, Some(458)));
        let profile = h.client.facebook_instagram_profile(&sunrise, &page).await;
        assert_eq!(api(&err(profile)), (190, Some(458)));
        // and debug_token reports them invalid
        for token in [&user, &page] {
            let health = h.client.facebook_debug_token(token).await.unwrap();
            assert!(!health.is_valid);
        }
    }

    #[tokio::test]
    async fn a_new_login_after_the_revoke_works_and_instagram_logins_are_untouched() {
        let h = start().await;
        let instagram = h.instagram_token(PIXEL_CAFE).await;
        facebook_tokens(&h).await;
        h.client.facebook_revoke(FACEBOOK_USER.id).await.unwrap();
        let (user, page) = facebook_tokens(&h).await;
        assert!(h.client.facebook_me(&user).await.is_ok());
        assert!(h.client.facebook_debug_token(&page).await.unwrap().is_valid);
        assert!(h.client.instagram_me(&instagram).await.is_ok());
    }

    #[tokio::test]
    async fn revoking_twice_succeeds_twice() {
        let h = start().await;
        h.client.facebook_revoke(FACEBOOK_USER.id).await.unwrap();
        h.client.facebook_revoke(FACEBOOK_USER.id).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_user_is_refused_and_an_odd_id_stays_one_segment() {
        let h = start().await;
        let unknown = h.client.facebook_revoke("10000000000000999").await;
        assert_eq!(api(&err(unknown)), (100, Some(33)));
        let odd = h.client.facebook_revoke("../me/permissions?x=1").await;
        assert_eq!(api(&err(odd)), (100, Some(33)));
    }

    #[tokio::test]
    async fn a_wrong_app_secret_revokes_nothing() {
        let h = start().await;
        let (user, _) = facebook_tokens(&h).await;
        let client = h.client_with(|cfg| {
            if let Some(app) = cfg.facebook_app.as_mut() {
                app.app_secret = SecretString::from("not-the-secret".to_owned());
            }
        });
        let e = err(client.facebook_revoke(FACEBOOK_USER.id).await);
        assert_eq!(api(&e), (190, None));
        assert!(h.client.facebook_me(&user).await.is_ok());
    }
}
