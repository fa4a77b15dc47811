//! igconnect's real `GraphClient`, as `InsightsGraph` and `CommentsGraph`, against the
//! sandbox on both Graph hosts: Sunrise Bakery through its Page on Facebook Graph, Pixel
//! Cafe on Instagram Graph, each connected through the consent dialog with the insights and
//! comments permissions checked (or, where a test says so, unchecked). The sandbox is built
//! with its seeded world, so every account already has posts with comments.

mod support;

use chrono::{NaiveDate, TimeDelta, Utc};
use igconnect::adapters::graph::GraphClient;
use igconnect::domain::MediaItemRequest;
use igconnect::domain::{Feature, IgUserId, LoginPath, PostRequest, StateToken};
use igconnect::ports::{
    Comment, CommentsGraph, FacebookGraph, GraphAccount, InsightsGraph, InstagramGraph,
    MediaSummary, MetaError, MetricValue, Publisher,
};
use igconnect_sandbox::{InjectedFault, SandboxOptions};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};
use support::{Harness, PIXEL_CAFE, SUNRISE_PAGE, code_of, start_with};

const SUNRISE_BAKERY: &str = "17841400000000101";
const HARBOR_STUDIO: &str = "17841400000000102";
const LOGINS: [LoginPath; 2] = [LoginPath::Facebook, LoginPath::Instagram];
const DAY_METRICS: [&str; 4] = ["reach", "views", "likes", "total_interactions"];

/// An account the client reads for.
struct Connected {
    login: LoginPath,
    id: IgUserId,
    token: SecretString,
}

impl Connected {
    fn username(&self) -> &'static str {
        match self.login {
            LoginPath::Facebook => "sunrise.bakery",
            LoginPath::Instagram => "pixel.cafe",
        }
    }

    fn graph(&self) -> GraphAccount<'_> {
        GraphAccount {
            login: self.login,
            ig_user_id: &self.id,
            token: &self.token,
        }
    }
}

async fn seeded() -> Harness {
    seeded_with(SandboxOptions::default()).await
}

async fn seeded_with(options: SandboxOptions) -> Harness {
    start_with(SandboxOptions {
        seeded_media: true,
        ..options
    })
    .await
}

/// Connects the login's first account with every scope the dialog offers checked.
async fn connect(h: &Harness, login: LoginPath) -> Connected {
    connect_granting(h, login, &Feature::ALL).await
}

/// Connects with the required scopes and the scopes of `features` checked; the other
/// optional scopes the dialog offers are unchecked.
async fn connect_granting(h: &Harness, login: LoginPath, features: &[Feature]) -> Connected {
    let scopes = login.requested_scopes(features);
    match login {
        LoginPath::Facebook => {
            let code = h.facebook_code(&scopes, &[SUNRISE_PAGE]).await;
            let short = h.client.facebook_exchange_code(&code).await.unwrap();
            let user = h
                .client
                .facebook_long_lived_token(&short.token)
                .await
                .unwrap();
            let pages = h.client.facebook_pages(&user.token).await.unwrap();
            let page = pages.iter().find(|p| p.id == SUNRISE_PAGE).unwrap();
            Connected {
                login,
                id: IgUserId::parse(SUNRISE_BAKERY.to_owned()).unwrap(),
                token: SecretString::from(page.access_token.expose_secret().to_owned()),
            }
        }
        LoginPath::Instagram => {
            let form = h.instagram_consent(&StateToken::generate()).await;
            let mut fields = vec![("decision", "allow"), ("account", PIXEL_CAFE)];
            fields.extend(scopes.iter().map(|s| ("scopes", *s)));
            let code = code_of(&h.decide(&form, &fields).await);
            let grant = h.client.instagram_exchange_code(&code).await.unwrap();
            let long = h.client.instagram_long_lived_token(&grant.token).await;
            Connected {
                login,
                id: grant.user_id,
                token: long.unwrap().token,
            }
        }
    }
}

/// Meta's `(code, subcode)` of an error, which must not name the token.
fn api(e: &MetaError, token: &SecretString) -> (i64, Option<i64>) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains(token.expose_secret()), "{text}");
    match e {
        MetaError::Api { code, subcode, .. } => (*code, *subcode),
        other => panic!("expected Meta's error envelope, got {other:?}"),
    }
}

fn message(e: &MetaError) -> &str {
    match e {
        MetaError::Api { message, .. } => message,
        _ => "",
    }
}

fn value(values: &[MetricValue], name: &str) -> Option<i64> {
    values.iter().find(|v| v.name == name).map(|v| v.value)
}

fn yesterday() -> NaiveDate {
    Utc::now().date_naive() - TimeDelta::days(1)
}

/// Every media of the account, following the `after` cursor `limit` at a time.
async fn all_media(client: &GraphClient, me: &Connected, limit: u32) -> Vec<MediaSummary> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..20 {
        let page = client
            .media_list(&me.graph(), after.as_deref(), limit)
            .await
            .unwrap();
        assert!(page.items.len() <= limit as usize);
        out.extend(page.items);
        match page.after {
            Some(a) => after = Some(a),
            None => return out,
        }
    }
    panic!("paging never ended");
}

async fn media_of(
    h: &Harness,
    me: &Connected,
    product_type: &str,
    media_type: &str,
) -> MediaSummary {
    all_media(&h.client, me, 100)
        .await
        .into_iter()
        .find(|m| {
            m.media_product_type.as_deref() == Some(product_type)
                && m.media_type.as_deref() == Some(media_type)
        })
        .unwrap_or_else(|| panic!("a seeded {product_type} {media_type}"))
}

/// Every top-level comment of a media, following the cursor `limit` at a time.
async fn all_comments(
    client: &GraphClient,
    me: &Connected,
    media: &str,
    limit: u32,
) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..20 {
        let page = client
            .comments(&me.graph(), media, after.as_deref(), limit)
            .await
            .unwrap();
        out.extend(page.items);
        match page.after {
            Some(a) => after = Some(a),
            None => return out,
        }
    }
    panic!("paging never ended");
}

#[tokio::test]
async fn account_insights_of_a_day_are_the_same_on_every_call_and_in_every_sandbox() {
    for login in LOGINS {
        // Given an account connected with the insights permission
        let h = seeded().await;
        let me = connect(&h, login).await;
        // When yesterday's metrics are read twice, and in a second sandbox
        let first = h
            .client
            .account_insights_day(&me.graph(), &DAY_METRICS, yesterday())
            .await
            .unwrap();
        let again = h
            .client
            .account_insights_day(&me.graph(), &DAY_METRICS, yesterday())
            .await
            .unwrap();
        let other = seeded().await;
        let there = connect(&other, login).await;
        let elsewhere = other
            .client
            .account_insights_day(&there.graph(), &DAY_METRICS, yesterday())
            .await
            .unwrap();
        // Then every metric has a plausible value, and the same one each time
        assert_eq!(first.len(), DAY_METRICS.len(), "{login:?}");
        let reach = value(&first, "reach").unwrap();
        assert!((100..100_000).contains(&reach), "{login:?} {reach}");
        assert!(value(&first, "views").unwrap() >= reach);
        assert!(value(&first, "likes").unwrap() < reach);
        assert_eq!(first, again);
        assert_eq!(first, elsewhere);
        // And a week of days is not one number repeated
        let mut week = Vec::new();
        for ago in 1..=7 {
            let day = Utc::now().date_naive() - TimeDelta::days(ago);
            let v = h
                .client
                .account_insights_day(&me.graph(), &["reach"], day)
                .await
                .unwrap();
            week.push(value(&v, "reach").unwrap());
        }
        assert!(week.iter().any(|r| *r != week[0]), "{week:?}");
    }
}

#[tokio::test]
async fn days_beyond_metas_ninety_day_window_or_in_the_future_have_no_values() {
    for login in LOGINS {
        let h = seeded().await;
        let me = connect(&h, login).await;
        let today = Utc::now().date_naive();
        for day in [today - TimeDelta::days(95), today + TimeDelta::days(2)] {
            let v = h
                .client
                .account_insights_day(&me.graph(), &["reach"], day)
                .await
                .unwrap();
            assert!(v.is_empty(), "{login:?} {day} {v:?}");
        }
        // The window follows the sandbox's clock: 50 days on, a day 45 days old is 95
        let old = today - TimeDelta::days(45);
        let before = h
            .client
            .account_insights_day(&me.graph(), &["reach"], old)
            .await;
        assert_eq!(before.unwrap().len(), 1);
        h.sandbox.advance_clock(TimeDelta::days(50));
        let v = h
            .client
            .account_insights_day(&me.graph(), &["reach"], old)
            .await
            .unwrap();
        assert!(v.is_empty(), "{login:?}");
    }
}

#[tokio::test]
async fn unknown_and_retired_metrics_are_refused_with_code_100() {
    for login in LOGINS {
        let h = seeded().await;
        let me = connect(&h, login).await;
        let unknown = h
            .client
            .account_insights_day(&me.graph(), &["reach", "bogus"], yesterday())
            .await
            .unwrap_err();
        assert_eq!(api(&unknown, &me.token), (100, None), "{login:?}");
        assert!(message(&unknown).contains("metric[1] must be one of the following values"));
        assert!(message(&unknown).contains("views"));
        let retired = h
            .client
            .account_insights_day(&me.graph(), &["impressions"], yesterday())
            .await
            .unwrap_err();
        assert_eq!(api(&retired, &me.token), (100, None));
        assert!(message(&retired).contains("impressions"), "{retired:?}");
        // Media metrics depend on the surface
        let feed = media_of(&h, &me, "FEED", "IMAGE").await;
        let reel = media_of(&h, &me, "REELS", "VIDEO").await;
        let story = media_of(&h, &me, "STORY", "IMAGE").await;
        for (media, metric) in [
            (&feed, "navigation"),
            (&feed, "ig_reels_avg_watch_time"),
            (&story, "saved"),
            (&reel, "impressions"),
            (&reel, "plays"),
            (&feed, "bogus"),
        ] {
            let e = h
                .client
                .media_insights(&me.graph(), &media.id, &[metric])
                .await
                .unwrap_err();
            assert_eq!(api(&e, &me.token), (100, None), "{login:?} {metric}");
        }
    }
}

#[tokio::test]
async fn media_insights_answer_each_surfaces_metrics_consistently_with_the_media() {
    for login in LOGINS {
        let h = seeded().await;
        let me = connect(&h, login).await;
        let feed = media_of(&h, &me, "FEED", "CAROUSEL_ALBUM").await;
        let reel = media_of(&h, &me, "REELS", "VIDEO").await;
        let story = media_of(&h, &me, "STORY", "IMAGE").await;
        let feed_metrics = [
            "reach",
            "views",
            "likes",
            "comments",
            "saved",
            "shares",
            "total_interactions",
        ];
        let v = h
            .client
            .media_insights(&me.graph(), &feed.id, &feed_metrics)
            .await
            .unwrap();
        assert_eq!(v.len(), feed_metrics.len(), "{login:?}");
        assert_eq!(value(&v, "likes").map(|l| l as u64), feed.like_count);
        assert_eq!(value(&v, "comments").map(|c| c as u64), feed.comments_count);
        let parts: i64 = ["likes", "comments", "saved", "shares"]
            .iter()
            .filter_map(|m| value(&v, m))
            .sum();
        assert_eq!(value(&v, "total_interactions"), Some(parts));
        assert_eq!(
            v,
            h.client
                .media_insights(&me.graph(), &feed.id, &feed_metrics)
                .await
                .unwrap()
        );
        let reel_v = h
            .client
            .media_insights(
                &me.graph(),
                &reel.id,
                &["ig_reels_avg_watch_time", "views", "reach"],
            )
            .await
            .unwrap();
        assert!(value(&reel_v, "ig_reels_avg_watch_time").unwrap() > 0);
        let story_v = h
            .client
            .media_insights(&me.graph(), &story.id, &["navigation", "replies", "reach"])
            .await
            .unwrap();
        assert_eq!(story_v.len(), 3);
        assert_eq!(story.like_count, None);
    }
}

#[tokio::test]
async fn the_media_list_pages_newest_first_through_published_and_seeded_posts() {
    for login in LOGINS {
        // Given an account with its seeded posts, and one post published now
        let h = seeded().await;
        let me = connect(&h, login).await;
        let spec = PostRequest {
            kind: "image".into(),
            media: vec![MediaItemRequest {
                url: "https://cdn.example.invalid/new.jpg".into(),
                kind: "image".into(),
                ..MediaItemRequest::default()
            }],
            caption: Some("Made with igconnect".into()),
            ..PostRequest::default()
        }
        .parse(Utc::now())
        .unwrap();
        let container = h
            .client
            .create_container(&me.graph(), &spec.main_container(&[]))
            .await
            .unwrap();
        let published = h
            .client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap();
        // When the media are listed two at a time
        let media = all_media(&h.client, &me, 2).await;
        // Then the published post comes first, then the seeded ones, newest first
        assert_eq!(media.len(), 5, "{login:?} {media:?}");
        assert_eq!(media[0].id, published);
        assert_eq!(media[0].caption.as_deref(), Some("Made with igconnect"));
        let kinds: Vec<(&str, &str)> = media[1..]
            .iter()
            .map(|m| {
                (
                    m.media_product_type.as_deref().unwrap_or_default(),
                    m.media_type.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("STORY", "IMAGE"),
                ("REELS", "VIDEO"),
                ("FEED", "CAROUSEL_ALBUM"),
                ("FEED", "IMAGE")
            ]
        );
        assert!(media.windows(2).all(|w| w[0].timestamp >= w[1].timestamp));
        assert!(
            media
                .iter()
                .all(|m| m.owner_id.as_deref() == Some(me.id.as_str()))
        );
        assert!(
            media
                .iter()
                .all(|m| m.permalink.is_some() && m.media_url.is_some())
        );
        assert!(media[2].thumbnail_url.is_some());
        // And one media reads alone with its owner
        let one = h.client.media(&me.graph(), &media[3].id).await.unwrap();
        assert_eq!(one, media[3]);
    }
}

#[tokio::test]
async fn another_accounts_media_is_not_found() {
    let h = seeded().await;
    let me = connect(&h, LoginPath::Facebook).await;
    let theirs = "17920000000010201"; // Harbor Studio's seeded image
    let e = h.client.media(&me.graph(), theirs).await.unwrap_err();
    assert_eq!(api(&e, &me.token), (100, Some(33)));
    let e = h
        .client
        .comments(&me.graph(), theirs, None, 10)
        .await
        .unwrap_err();
    assert_eq!(api(&e, &me.token), (100, Some(33)));
    let harbor = IgUserId::parse(HARBOR_STUDIO.to_owned()).unwrap();
    let elsewhere = GraphAccount {
        login: LoginPath::Facebook,
        ig_user_id: &harbor,
        token: &me.token,
    };
    let e = h
        .client
        .account_insights_day(&elsewhere, &["reach"], yesterday())
        .await
        .unwrap_err();
    assert_eq!(api(&e, &me.token), (100, Some(33)));
}

#[tokio::test]
async fn insights_and_comments_need_their_permission_and_the_dialog_lets_a_person_uncheck_them() {
    for login in LOGINS {
        let h = seeded().await;
        // The consent page offers both optional scopes, checked
        let form = match login {
            LoginPath::Facebook => h.facebook_consent(&StateToken::generate()).await,
            LoginPath::Instagram => h.instagram_consent(&StateToken::generate()).await,
        };
        for feature in Feature::ALL {
            let checkbox = format!("value=\"{}\" checked", feature.scope(login));
            assert!(form.html.contains(&checkbox), "{login:?} {checkbox}");
        }
        // Given a connection where the person unchecked insights
        let no_insights = connect_granting(&h, login, &[Feature::Comments]).await;
        let e = h
            .client
            .account_insights_day(&no_insights.graph(), &["reach"], yesterday())
            .await
            .unwrap_err();
        assert_eq!(api(&e, &no_insights.token), (10, None), "{login:?}");
        let image = media_of(&h, &no_insights, "FEED", "IMAGE").await;
        let e = h
            .client
            .media_insights(&no_insights.graph(), &image.id, &["reach"])
            .await
            .unwrap_err();
        assert_eq!(api(&e, &no_insights.token), (10, None));
        assert!(
            h.client
                .comments(&no_insights.graph(), &image.id, None, 5)
                .await
                .is_ok()
        );
        // And one where they unchecked comments
        let no_comments = connect_granting(&h, login, &[Feature::Insights]).await;
        let e = h
            .client
            .comments(&no_comments.graph(), &image.id, None, 5)
            .await
            .unwrap_err();
        assert_eq!(api(&e, &no_comments.token), (10, None));
        let seeded_comment = all_comments(&h.client, &no_insights, &image.id, 50).await[0]
            .id
            .clone();
        for e in [
            h.client
                .comment(&no_comments.graph(), &seeded_comment)
                .await
                .err(),
            h.client
                .reply(&no_comments.graph(), &seeded_comment, "Hi")
                .await
                .err(),
            h.client
                .set_hidden(&no_comments.graph(), &seeded_comment, true)
                .await
                .err(),
            h.client
                .delete_comment(&no_comments.graph(), &seeded_comment)
                .await
                .err(),
        ] {
            assert_eq!(api(&e.unwrap(), &no_comments.token), (10, None));
        }
        assert!(
            h.client
                .account_insights_day(&no_comments.graph(), &["reach"], yesterday())
                .await
                .is_ok()
        );
    }
}

#[tokio::test]
async fn comments_page_with_their_replies_and_a_reply_hide_and_delete_show_in_later_reads() {
    for login in LOGINS {
        let h = seeded().await;
        let me = connect(&h, login).await;
        let image = media_of(&h, &me, "FEED", "IMAGE").await;
        // Given the post's comments, read one at a time
        let threads = all_comments(&h.client, &me, &image.id, 1).await;
        let count =
            |threads: &[Comment]| threads.iter().map(|c| 1 + c.replies.len()).sum::<usize>();
        assert_eq!(
            Some(count(&threads) as u64),
            image.comments_count,
            "{login:?}"
        );
        assert!(threads.windows(2).all(|w| w[0].timestamp >= w[1].timestamp));
        let top = threads
            .iter()
            .find(|c| !c.replies.is_empty())
            .unwrap()
            .clone();
        assert!(
            top.replies
                .iter()
                .all(|r| r.parent_id.as_deref() == Some(top.id.as_str()))
        );
        assert_eq!(top.media_id.as_deref(), Some(image.id.as_str()));
        // When the account replies, to the comment and to one of its replies
        let reply = h
            .client
            .reply(&me.graph(), &top.id, "See you Saturday!")
            .await
            .unwrap();
        let nested = h
            .client
            .reply(&me.graph(), &top.replies[0].id, "Both of you!")
            .await
            .unwrap();
        // Then both replies are in the comment's thread, with their parent and media
        let read = h.client.comment(&me.graph(), &reply).await.unwrap();
        assert_eq!(read.text, "See you Saturday!");
        assert_eq!(read.parent_id.as_deref(), Some(top.id.as_str()));
        assert_eq!(read.media_id.as_deref(), Some(image.id.as_str()));
        assert!(!read.hidden);
        let nested = h.client.comment(&me.graph(), &nested).await.unwrap();
        assert_eq!(nested.parent_id.as_deref(), Some(top.id.as_str()));
        let now = all_comments(&h.client, &me, &image.id, 50).await;
        let thread = now.iter().find(|c| c.id == top.id).unwrap();
        assert!(thread.replies.iter().any(|r| r.id == reply));
        assert_eq!(count(&now), count(&threads) + 2);
        // When the comment is hidden, it reads hidden and takes no reply; unhidden, it does
        h.client
            .set_hidden(&me.graph(), &top.id, true)
            .await
            .unwrap();
        assert!(h.client.comment(&me.graph(), &top.id).await.unwrap().hidden);
        let refused = h.client.reply(&me.graph(), &top.id, "x").await.unwrap_err();
        assert_eq!(api(&refused, &me.token).0, 100);
        h.client
            .set_hidden(&me.graph(), &top.id, false)
            .await
            .unwrap();
        assert!(!h.client.comment(&me.graph(), &top.id).await.unwrap().hidden);
        // When the reply is deleted, it is gone for good
        h.client.delete_comment(&me.graph(), &reply).await.unwrap();
        let gone = h.client.comment(&me.graph(), &reply).await.unwrap_err();
        assert_eq!(api(&gone, &me.token), (100, Some(33)));
        let again = h
            .client
            .delete_comment(&me.graph(), &reply)
            .await
            .unwrap_err();
        assert_eq!(api(&again, &me.token), (100, Some(33)));
        // And deleting the top-level comment takes its replies with it
        h.client.delete_comment(&me.graph(), &top.id).await.unwrap();
        let after = h.client.media(&me.graph(), &image.id).await.unwrap();
        let removed = 1 + top.replies.len() as u64;
        assert_eq!(
            after.comments_count,
            image.comments_count.map(|c| c - removed)
        );
        assert!(h.client.comment(&me.graph(), &nested.id).await.is_err());
    }
}

#[tokio::test]
async fn a_comment_added_from_outside_is_listed_first_and_readable() {
    for login in LOGINS {
        let h = seeded().await;
        let me = connect(&h, login).await;
        let reel = media_of(&h, &me, "REELS", "VIDEO").await;
        let res = h
            .browser
            .post(h.url("_inspect/comments"))
            .body(format!(
                r#"{{"media_id":"{}","text":"Which song is this?","username":"kofi.shoots"}}"#,
                reel.id
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let added: serde_json::Value = res.json().await.unwrap();
        let id = added["id"].as_str().unwrap().to_owned();
        assert_eq!(added["media"]["id"], reel.id.as_str());
        let first = &h
            .client
            .comments(&me.graph(), &reel.id, None, 1)
            .await
            .unwrap()
            .items[0];
        assert_eq!(first.id, id, "{login:?}");
        assert_eq!(first.username.as_deref(), Some("kofi.shoots"));
        let read = h.client.comment(&me.graph(), &id).await.unwrap();
        assert_eq!(read.text, "Which song is this?");
        // A reply from outside joins the thread; the account can comment on its own post
        let res = h
            .browser
            .post(h.url("_inspect/comments"))
            .body(format!(
                r#"{{"media_id":"{}","text":"+1","username":"rita.m","parent_id":"{id}"}}"#,
                reel.id
            ))
            .send()
            .await
            .unwrap();
        let reply: serde_json::Value = res.json().await.unwrap();
        assert_eq!(reply["parent_id"], id.as_str());
        let graph = match login {
            LoginPath::Facebook => "facebook-graph",
            LoginPath::Instagram => "instagram-graph",
        };
        let own = h
            .browser
            .post(h.url(&format!("{graph}/v24.0/{}/comments", reel.id)))
            .form(&[
                ("message", "Thanks everyone!"),
                ("access_token", me.token.expose_secret()),
            ])
            .send()
            .await
            .unwrap();
        let own: serde_json::Value = own.json().await.unwrap();
        let own = h
            .client
            .comment(&me.graph(), own["id"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(own.username.as_deref(), Some(me.username()));
        let threads = h
            .client
            .comments(&me.graph(), &reel.id, None, 2)
            .await
            .unwrap();
        assert_eq!(threads.items[0].id, own.id);
        assert_eq!(threads.items[1].replies[0].text, "+1");
        // A story takes no comments
        let story = media_of(&h, &me, "STORY", "IMAGE").await;
        let res = h
            .browser
            .post(h.url("_inspect/comments"))
            .body(format!(r#"{{"media_id":"{}","text":"Hi"}}"#, story.id))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
    }
}

#[tokio::test]
async fn injected_faults_and_latency_reach_the_insights_and_comment_calls() {
    for login in LOGINS {
        let h = seeded_with(SandboxOptions {
            latency: Duration::from_millis(150),
            ..SandboxOptions::default()
        })
        .await;
        let me = connect(&h, login).await;
        let image = media_of(&h, &me, "FEED", "IMAGE").await;
        h.sandbox
            .inject_fault(me.id.as_str(), InjectedFault::ServerError, 1);
        let e = h.client.media_list(&me.graph(), None, 5).await.unwrap_err();
        assert_eq!(api(&e, &me.token), (2, None), "{login:?}");
        assert!(e.outcome_unknown());
        assert!(h.client.media_list(&me.graph(), None, 5).await.is_ok());
        h.sandbox
            .inject_fault(me.id.as_str(), InjectedFault::RateLimited, 1);
        let e = h
            .client
            .account_insights_day(&me.graph(), &["reach"], yesterday())
            .await
            .unwrap_err();
        assert!(e.is_rate_limited());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(300)));
        h.sandbox
            .inject_fault(me.id.as_str(), InjectedFault::InvalidToken, 1);
        let e = h
            .client
            .comments(&me.graph(), &image.id, None, 5)
            .await
            .unwrap_err();
        assert_eq!(api(&e, &me.token), (190, Some(460)));
        let started = Instant::now();
        let comments = h
            .client
            .comments(&me.graph(), &image.id, None, 5)
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(150));
        let top = &comments.items[0].id;
        h.sandbox
            .inject_fault(me.id.as_str(), InjectedFault::ServerError, 1);
        let e = h
            .client
            .set_hidden(&me.graph(), top, true)
            .await
            .unwrap_err();
        assert!(e.outcome_unknown());
        assert!(!h.client.comment(&me.graph(), top).await.unwrap().hidden);
    }
}
