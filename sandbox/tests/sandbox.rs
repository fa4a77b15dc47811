//! The Meta sandbox, driven end to end through igconnect's real Graph client: the sandbox
//! runs on a random port, nested under `/sandbox` like `igconnect serve` mounts it, and each
//! test clicks through a consent page the way a browser would (GET the page, POST its form
//! with redirects off, read the code from the Location).

mod support;

mod facebook {
    use super::support::*;
    use igconnect::domain::{IgUserId, StateToken};
    use igconnect::ports::{FacebookGraph, MetaError};
    use secrecy::{ExposeSecret, SecretString};

    #[tokio::test]
    async fn the_consent_page_offers_every_scope_and_page_checked() {
        // Given a running sandbox
        let h = start().await;
        // When a person opens the Facebook dialog igconnect links to
        let form = h.facebook_consent(&StateToken::generate()).await;
        // Then every requested scope and every Page is a checked box, with Allow and Cancel
        for scope in igconnect::domain::LoginPath::Facebook.required_scopes() {
            assert!(
                form.html.contains(&format!("value=\"{scope}\" checked")),
                "{scope}"
            );
        }
        for page in [SUNRISE_PAGE, HARBOR_PAGE, QUIET_PAGE] {
            assert!(
                form.html
                    .contains(&format!("name=\"pages\" value=\"{page}\" checked"))
            );
        }
        assert!(form.html.contains("value=\"allow\"") && form.html.contains("value=\"cancel\""));
        assert!(form.action.starts_with(h.base.as_str()));
    }

    #[tokio::test]
    async fn allow_redirects_with_a_prefixed_code_and_the_state_unchanged() {
        // Given a Facebook dialog opened with a state
        let h = start().await;
        let state = StateToken::generate();
        let form = h.facebook_consent(&state).await;
        // When the person clicks Allow
        let location = h.decide(&form, &[("decision", "allow")]).await;
        // Then the browser goes to the redirect_uri with a code and the same state
        assert!(location.as_str().starts_with(h.cfg.redirect_uri.as_str()));
        assert_eq!(param(&location, "state").as_deref(), Some(state.expose()));
        let code = param(&location, "code").unwrap();
        assert!(code.starts_with("IGSBXCODE") && code.len() >= "IGSBXCODE".len() + 32);
    }

    #[tokio::test]
    async fn the_code_exchange_then_the_long_lived_exchange_give_a_sixty_day_token() {
        // Given a code from an allowed dialog
        let h = start().await;
        let code = h.facebook_code_all().await;
        // When igconnect exchanges it, then trades the short-lived token
        let short = h.client.facebook_exchange_code(&code).await.unwrap();
        let long = h
            .client
            .facebook_long_lived_token(&short.token)
            .await
            .unwrap();
        // Then the short token lasts an hour and the long one 60 days, both sandbox tokens
        assert_eq!(short.expires_in, Some(3600));
        assert_eq!(long.expires_in, Some(5_184_000));
        assert!(long.token.expose_secret().starts_with("IGSBXTOK"));
        assert_ne!(long.token.expose_secret(), short.token.expose_secret());
    }

    #[tokio::test]
    async fn me_names_the_sandbox_user() {
        let h = start().await;
        let token = h.facebook_user_token().await;
        let me = h.client.facebook_me(&token).await.unwrap();
        assert_eq!(me.id, "10000000000000001");
        assert_eq!(me.name.as_deref(), Some("Sam Sandbox"));
    }

    #[tokio::test]
    async fn unchecked_scopes_are_reported_as_declined() {
        // Given a person who unchecks instagram_content_publish
        let h = start().await;
        let scopes = [
            "instagram_basic",
            "pages_show_list",
            "pages_read_engagement",
        ];
        let code = h.facebook_code(&scopes, &[SUNRISE_PAGE]).await;
        let token = h.client.facebook_exchange_code(&code).await.unwrap().token;
        // When igconnect reads the permissions
        let perms = h.client.facebook_permissions(&token).await.unwrap();
        // Then the unchecked ones are declined and the checked ones granted
        let status = |p: &str| perms.iter().find(|g| g.permission == p).map(|g| g.granted);
        assert_eq!(status("instagram_basic"), Some(true));
        assert_eq!(status("public_profile"), Some(true));
        assert_eq!(status("instagram_content_publish"), Some(false));
        assert_eq!(status("business_management"), Some(false));
    }

    #[tokio::test]
    async fn pages_list_every_granted_page_with_its_instagram_account() {
        let h = start().await;
        let token = h.facebook_user_token().await;
        let pages = h.client.facebook_pages(&token).await.unwrap();
        let ids: Vec<_> = pages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, [SUNRISE_PAGE, HARBOR_PAGE, QUIET_PAGE]);
        let ig: Vec<_> = pages
            .iter()
            .map(|p| p.instagram_account.as_ref().map(|i| i.as_str().to_owned()))
            .collect();
        assert_eq!(
            ig,
            [
                Some("17841400000000101".to_owned()),
                Some("17841400000000102".to_owned()),
                None
            ]
        );
        assert!(
            pages
                .iter()
                .all(|p| p.access_token.expose_secret().starts_with("IGSBXTOK"))
        );
    }

    #[tokio::test]
    async fn granting_no_pages_lists_no_pages() {
        let h = start().await;
        let scopes = igconnect::domain::LoginPath::Facebook.required_scopes();
        let code = h.facebook_code(scopes, &[]).await;
        let token = h.client.facebook_exchange_code(&code).await.unwrap().token;
        assert!(h.client.facebook_pages(&token).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn granting_only_the_quiet_page_gives_no_instagram_account() {
        let h = start().await;
        let scopes = igconnect::domain::LoginPath::Facebook.required_scopes();
        let code = h.facebook_code(scopes, &[QUIET_PAGE]).await;
        let token = h.client.facebook_exchange_code(&code).await.unwrap().token;
        let pages = h.client.facebook_pages(&token).await.unwrap();
        assert_eq!(pages.len(), 1);
        assert!(pages[0].instagram_account.is_none());
    }

    #[tokio::test]
    async fn the_instagram_profile_is_read_with_a_page_token() {
        // Given the Page token of Sunrise Bakery
        let h = start().await;
        let token = h.facebook_user_token().await;
        let pages = h.client.facebook_pages(&token).await.unwrap();
        let sunrise = &pages[0];
        let ig = sunrise.instagram_account.clone().unwrap();
        // When igconnect reads the linked account's profile
        let profile = h
            .client
            .facebook_instagram_profile(&ig, &sunrise.access_token)
            .await
            .unwrap();
        // Then every field the client asked for is there
        assert_eq!(profile.username, "sunrise.bakery");
        assert_eq!(profile.name.as_deref(), Some("Sunrise Bakery"));
        assert_eq!(profile.followers_count, Some(1520));
        assert_eq!(profile.media_count, Some(342));
        assert!(profile.biography.is_some() && profile.website.is_some());
        assert!(
            profile
                .profile_picture_url
                .unwrap()
                .starts_with("https://sandbox.igconnect.invalid/")
        );
    }

    #[tokio::test]
    async fn a_node_answers_only_the_requested_fields_and_its_id() {
        let h = start().await;
        let token = h.facebook_user_token().await;
        let mut url = h.url(&format!("facebook-graph/{VERSION}/17841400000000102"));
        url.query_pairs_mut()
            .append_pair("fields", "username")
            .append_pair("access_token", token.expose_secret());
        let (status, body) = h.get_json(url).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            serde_json::json!({"id": "17841400000000102", "username": "harbor.studio"})
        );
    }

    #[tokio::test]
    async fn an_account_of_an_ungranted_page_is_not_readable() {
        let h = start().await;
        let scopes = igconnect::domain::LoginPath::Facebook.required_scopes();
        let code = h.facebook_code(scopes, &[SUNRISE_PAGE]).await;
        let token = h.client.facebook_exchange_code(&code).await.unwrap().token;
        let harbor = IgUserId::parse("17841400000000102").unwrap();
        let err = h.client.facebook_instagram_profile(&harbor, &token).await;
        assert!(matches!(
            err,
            Err(MetaError::Api {
                code: 100,
                subcode: Some(33),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn me_accounts_pages_with_cursors_and_an_absolute_next_link() {
        // Given a user token that granted three Pages
        let h = start().await;
        let token = h.facebook_user_token().await;
        // When the listing is read one Page at a time
        let mut url = h.url(&format!("facebook-graph/{VERSION}/me/accounts"));
        url.query_pairs_mut()
            .append_pair("limit", "1")
            .append_pair("access_token", token.expose_secret());
        let mut seen = Vec::new();
        let mut nexts = 0;
        loop {
            let (status, body) = h.get_json(url.clone()).await;
            assert_eq!(status, 200);
            seen.push(body["data"][0]["id"].as_str().unwrap().to_owned());
            assert!(body["paging"]["cursors"]["after"].is_string());
            match body["paging"]["next"].as_str() {
                Some(next) => {
                    nexts += 1;
                    url = url::Url::parse(next).unwrap();
                    assert!(url.as_str().starts_with(h.base.as_str()));
                }
                None => break,
            }
        }
        // Then every Page comes once, and the last answer has no next link
        assert_eq!(seen, [SUNRISE_PAGE, HARBOR_PAGE, QUIET_PAGE]);
        assert_eq!(nexts, 2);
    }

    #[tokio::test]
    async fn a_replayed_code_is_refused_with_code_100_subcode_36009() {
        let h = start().await;
        let code = h.facebook_code_all().await;
        h.client.facebook_exchange_code(&code).await.unwrap();
        let replay = h.client.facebook_exchange_code(&code).await;
        assert!(matches!(
            replay,
            Err(MetaError::Api {
                code: 100,
                subcode: Some(36009),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn an_unknown_code_is_refused_with_subcode_36007() {
        let h = start().await;
        let code = SecretString::from("IGSBXCODEnotacodethesandboxeverissuedxxxxxxxx");
        let err = h.client.facebook_exchange_code(&code).await;
        assert!(matches!(
            err,
            Err(MetaError::Api {
                code: 100,
                subcode: Some(36007),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn a_code_older_than_ten_minutes_is_refused() {
        let h = start().await;
        let code = h.facebook_code_all().await;
        h.sandbox.advance_clock(chrono::TimeDelta::minutes(11));
        let err = h.client.facebook_exchange_code(&code).await;
        assert!(matches!(
            err,
            Err(MetaError::Api {
                code: 100,
                subcode: Some(36007),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn a_wrong_client_secret_is_refused() {
        let h = start().await;
        let code = h.facebook_code_all().await;
        let client = h.client_with(|c| {
            if let Some(app) = c.facebook_app.as_mut() {
                app.app_secret = SecretString::from("not-the-secret");
            }
        });
        let err = client.facebook_exchange_code(&code).await;
        match err {
            Err(MetaError::Api { code, message, .. }) => {
                assert_eq!(code, 1);
                assert_eq!(message, "Error validating client secret.");
            }
            _ => panic!("expected Meta's refusal"),
        }
    }

    #[tokio::test]
    async fn another_redirect_uri_than_the_dialogs_is_refused_with_36008() {
        let h = start().await;
        let code = h.facebook_code_all().await;
        let client = h.client_with(|c| {
            c.redirect_uri = url::Url::parse("http://127.0.0.1:9/elsewhere").unwrap();
        });
        let err = client.facebook_exchange_code(&code).await;
        assert!(matches!(
            err,
            Err(MetaError::Api {
                code: 100,
                subcode: Some(36008),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn cancel_redirects_with_access_denied() {
        let h = start().await;
        let state = StateToken::generate();
        let form = h.facebook_consent(&state).await;
        let location = h.decide(&form, &[("decision", "cancel")]).await;
        assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
        assert_eq!(
            param(&location, "error_reason").as_deref(),
            Some("user_denied")
        );
        assert_eq!(
            param(&location, "error_description").as_deref(),
            Some("Permissions error")
        );
        assert_eq!(param(&location, "state").as_deref(), Some(state.expose()));
        assert_eq!(param(&location, "code"), None);
    }

    #[tokio::test]
    async fn an_unknown_token_is_refused_with_190() {
        let h = start().await;
        let err = h
            .client
            .facebook_me(&SecretString::from("IGSBXTOKforged"))
            .await;
        assert!(matches!(err, Err(MetaError::Api { code: 190, .. })));
    }

    #[tokio::test]
    async fn a_short_lived_token_expires_after_an_hour_with_subcode_463() {
        let h = start().await;
        let code = h.facebook_code_all().await;
        let short = h.client.facebook_exchange_code(&code).await.unwrap();
        h.sandbox.advance_clock(chrono::TimeDelta::minutes(61));
        let err = h.client.facebook_me(&short.token).await;
        assert!(matches!(
            err,
            Err(MetaError::Api {
                code: 190,
                subcode: Some(463),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn an_unknown_client_id_gets_an_html_error_page() {
        let h = start().await;
        let mut url = h.url(&format!("facebook-www/{VERSION}/dialog/oauth"));
        url.query_pairs_mut()
            .append_pair("client_id", "<script>")
            .append_pair("redirect_uri", h.cfg.redirect_uri.as_str());
        let res = h.browser.get(url).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(!res.text().await.unwrap().contains("<script>"));
    }

    #[tokio::test]
    async fn an_unknown_page_id_is_refused_and_leaves_the_dialog_open() {
        // Given an open Facebook dialog
        let h = start().await;
        let form = h.facebook_consent(&StateToken::generate()).await;
        // When the form names a Page the user does not manage
        let res = h
            .browser
            .post(&form.action)
            .form(&[
                ("request", form.request.as_str()),
                ("decision", "allow"),
                ("pages", "999"),
            ])
            .send()
            .await
            .unwrap();
        // Then it is refused, and a corrected form still goes through
        assert_eq!(res.status(), 400);
        let location = h.decide(&form, &[("decision", "allow")]).await;
        assert!(param(&location, "code").is_some());
    }

    #[tokio::test]
    async fn a_decided_dialog_cannot_be_decided_again() {
        let h = start().await;
        let form = h.facebook_consent(&StateToken::generate()).await;
        h.decide(&form, &[("decision", "cancel")]).await;
        let res = h
            .browser
            .post(&form.action)
            .form(&[("request", form.request.as_str()), ("decision", "allow")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
    }

    #[tokio::test]
    async fn a_form_posted_after_ten_minutes_gets_an_error_page() {
        let h = start().await;
        let form = h.facebook_consent(&StateToken::generate()).await;
        h.sandbox.advance_clock(chrono::TimeDelta::minutes(11));
        let res = h
            .browser
            .post(&form.action)
            .form(&[("request", form.request.as_str()), ("decision", "allow")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
    }
}

mod instagram {
    use super::support::*;
    use igconnect::domain::StateToken;
    use igconnect::ports::{InstagramGraph, MetaError};
    use secrecy::{ExposeSecret, SecretString};

    #[tokio::test]
    async fn the_consent_page_offers_both_accounts_with_the_first_checked() {
        let h = start().await;
        let form = h.instagram_consent(&StateToken::generate()).await;
        assert!(
            form.html
                .contains(&format!("name=\"account\" value=\"{PIXEL_CAFE}\" checked"))
        );
        assert!(
            form.html
                .contains(&format!("name=\"account\" value=\"{NOVA_CREATES}\">"))
        );
    }

    #[tokio::test]
    async fn the_code_exchange_answers_the_account_and_granted_scopes() {
        let h = start().await;
        let code = h.instagram_code(PIXEL_CAFE).await;
        let grant = h.client.instagram_exchange_code(&code).await.unwrap();
        assert_eq!(grant.user_id.as_str(), PIXEL_CAFE);
        assert_eq!(
            grant.permissions,
            [
                "instagram_business_basic",
                "instagram_business_content_publish",
                "instagram_business_manage_insights",
                "instagram_business_manage_comments",
            ]
        );
        assert!(grant.token.expose_secret().starts_with("IGSBXTOK"));
    }

    #[tokio::test]
    async fn the_code_exchange_sends_user_id_as_a_json_number_wrapped_in_data() {
        // Given a code
        let h = start().await;
        let code = h.instagram_code(PIXEL_CAFE).await;
        // When it is exchanged with a raw form POST
        let res = h
            .browser
            .post(h.url("instagram-api/oauth/access_token"))
            .form(&[
                ("client_id", "sandbox-instagram-app"),
                ("client_secret", "sandbox-instagram-secret"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", h.cfg.redirect_uri.as_str()),
                ("code", code.expose_secret()),
            ])
            .send()
            .await
            .unwrap();
        // Then the id is a number beyond 2^53, every digit intact
        let text = res.text().await.unwrap();
        assert!(text.contains("\"user_id\":17841400000000201"), "{text}");
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(body["data"][0]["access_token"].is_string());
    }

    #[tokio::test]
    async fn the_long_lived_token_lasts_sixty_days() {
        let h = start().await;
        let code = h.instagram_code(PIXEL_CAFE).await;
        let grant = h.client.instagram_exchange_code(&code).await.unwrap();
        let long = h
            .client
            .instagram_long_lived_token(&grant.token)
            .await
            .unwrap();
        assert_eq!(long.expires_in, Some(5_184_000));
        assert!(long.token.expose_secret().starts_with("IGSBXTOK"));
    }

    #[tokio::test]
    async fn me_answers_the_app_scoped_id_the_account_id_and_the_profile() {
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        let me = h.client.instagram_me(&token).await.unwrap();
        assert_eq!(me.app_scoped_id, "26000000000000201");
        assert_eq!(me.user_id.as_str(), PIXEL_CAFE);
        assert_eq!(me.profile.username, "pixel.cafe");
        assert_eq!(me.profile.account_type.as_deref(), Some("BUSINESS"));
        assert_eq!(me.profile.followers_count, Some(2048));
    }

    #[tokio::test]
    async fn the_chosen_account_is_the_one_that_logs_in() {
        let h = start().await;
        let token = h.instagram_token(NOVA_CREATES).await;
        let me = h.client.instagram_me(&token).await.unwrap();
        assert_eq!(me.user_id.as_str(), NOVA_CREATES);
        assert_eq!(me.profile.account_type.as_deref(), Some("MEDIA_CREATOR"));
    }

    #[tokio::test]
    async fn a_replayed_code_is_refused_in_instagrams_flat_shape() {
        let h = start().await;
        let code = h.instagram_code(PIXEL_CAFE).await;
        h.client.instagram_exchange_code(&code).await.unwrap();
        let replay = h.client.instagram_exchange_code(&code).await;
        match replay {
            Err(MetaError::Api {
                code,
                kind,
                message,
                ..
            }) => {
                assert_eq!(code, 400);
                assert_eq!(kind.as_deref(), Some("OAuthException"));
                assert_eq!(message, "This authorization code has been used");
            }
            _ => panic!("expected Instagram's refusal"),
        }
    }

    #[tokio::test]
    async fn a_wrong_client_secret_is_refused() {
        let h = start().await;
        let code = h.instagram_code(PIXEL_CAFE).await;
        let client = h.client_with(|c| {
            if let Some(app) = c.instagram_app.as_mut() {
                app.app_secret = SecretString::from("not-the-secret");
            }
        });
        let err = client.instagram_exchange_code(&code).await;
        assert!(matches!(err, Err(MetaError::Api { code: 400, .. })));
    }

    #[tokio::test]
    async fn a_facebook_code_is_not_an_instagram_code() {
        let h = start().await;
        let code = h.facebook_code_all().await;
        let err = h.client.instagram_exchange_code(&code).await;
        assert!(matches!(err, Err(MetaError::Api { code: 400, .. })));
    }

    #[tokio::test]
    async fn cancel_redirects_with_instagrams_denial() {
        let h = start().await;
        let state = StateToken::generate();
        let form = h.instagram_consent(&state).await;
        let location = h.decide(&form, &[("decision", "cancel")]).await;
        assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
        assert_eq!(
            param(&location, "error_description").as_deref(),
            Some("The user denied your request.")
        );
        assert_eq!(param(&location, "state").as_deref(), Some(state.expose()));
    }

    async fn refresh(h: &Harness, token: &SecretString) -> (u16, serde_json::Value) {
        let mut url = h.url("instagram-graph/refresh_access_token");
        url.query_pairs_mut()
            .append_pair("grant_type", "ig_refresh_token")
            .append_pair("access_token", token.expose_secret());
        h.get_json(url).await
    }

    #[tokio::test]
    async fn a_token_younger_than_a_day_is_not_refreshed() {
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        let (status, body) = refresh(&h, &token).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], 100);
    }

    #[tokio::test]
    async fn a_token_a_day_old_is_refreshed_for_sixty_days() {
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(chrono::TimeDelta::hours(25));
        let (status, body) = refresh(&h, &token).await;
        assert_eq!(status, 200);
        assert_eq!(body["expires_in"], 5_184_000);
        let fresh = body["access_token"].as_str().unwrap();
        assert!(fresh.starts_with("IGSBXTOK") && fresh != token.expose_secret());
    }

    #[tokio::test]
    async fn an_expired_token_is_not_refreshed() {
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        h.sandbox.advance_clock(chrono::TimeDelta::days(61));
        let (status, body) = refresh(&h, &token).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], 190);
        assert_eq!(body["error"]["error_subcode"], 463);
    }

    #[tokio::test]
    async fn a_bearer_header_carries_the_token_too() {
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        let res = h
            .browser
            .get(h.url(&format!("instagram-graph/{VERSION}/me?fields=user_id")))
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"id": "26000000000000201", "user_id": PIXEL_CAFE})
        );
    }

    #[tokio::test]
    async fn an_instagram_token_is_refused_by_facebook_graph() {
        use igconnect::ports::FacebookGraph;
        let h = start().await;
        let token = h.instagram_token(PIXEL_CAFE).await;
        let err = h.client.facebook_me(&token).await;
        assert!(matches!(err, Err(MetaError::Api { code: 190, .. })));
    }
}

mod inspect {
    use super::support::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn every_issued_token_is_listed() {
        // Given tokens issued on both login paths
        let h = start().await;
        let fb = h.facebook_user_token().await;
        let ig = h.instagram_token(PIXEL_CAFE).await;
        // When the inspect endpoint is read
        let (status, body) = h.get_json(h.url("_inspect/tokens")).await;
        // Then it lists them all, each with the sandbox prefix
        assert_eq!(status, 200);
        let tokens: Vec<&str> = body["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        assert!(tokens.contains(&fb.expose_secret()));
        assert!(tokens.contains(&ig.expose_secret()));
        assert!(tokens.iter().all(|t| t.starts_with("IGSBXTOK")));
        assert_eq!(tokens, h.sandbox.issued_tokens());
    }

    #[tokio::test]
    async fn advancing_the_clock_over_http_expires_codes() {
        // Given a fresh code
        let h = start().await;
        let code = h.facebook_code_all().await;
        // When a black-box test moves the sandbox's clock past ten minutes
        let res = h
            .browser
            .post(h.url("_inspect/clock?advance_seconds=601"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        // Then the code has expired
        use igconnect::ports::FacebookGraph;
        let err = h.client.facebook_exchange_code(&code).await;
        assert!(matches!(
            err,
            Err(igconnect::ports::MetaError::Api {
                subcode: Some(36007),
                ..
            })
        ));
    }
}
