//! igconnect's real `GraphClient`, as a `Publisher`, against the sandbox on both Graph hosts:
//! Facebook Graph for a Page-linked account (Page token, and the user token that granted the
//! Page) and Instagram Graph for an Instagram Login account. Containers are built from
//! `PostRequest::parse` -> `PostSpec::child_containers` / `main_container`, so what the
//! domain sends is checked end to end against the sandbox's validation of Meta's rules.

mod support;

use chrono::{TimeDelta, Utc};
use igconnect::adapters::graph::GraphClient;
use igconnect::domain::{
    IgUserId, LoginPath, MediaItemRequest, PostOptionsRequest, PostRequest, PostSpec,
    UserTagRequest,
};
use igconnect::ports::{ContainerStatus, GraphAccount, MetaError, Publisher};
use igconnect_sandbox::SandboxOptions;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use support::publishing::{Host, account};
use support::{Harness, start, start_with};

/// How a test gets a token for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Sunrise Bakery on Facebook Graph, with its Page's token.
    PageToken,
    /// Sunrise Bakery on Facebook Graph, with the user token that granted its Page.
    UserToken,
    /// Pixel Cafe on Instagram Graph, with its Instagram Login token.
    InstagramLogin,
}

/// One account per Graph host.
const HOSTS: [Way; 2] = [Way::PageToken, Way::InstagramLogin];
/// Every way a token reaches an account.
const WAYS: [Way; 3] = [Way::PageToken, Way::UserToken, Way::InstagramLogin];

/// An account the client publishes for.
struct Connected {
    login: LoginPath,
    id: IgUserId,
    token: SecretString,
}

impl Connected {
    fn graph(&self) -> GraphAccount<'_> {
        GraphAccount {
            login: self.login,
            ig_user_id: &self.id,
            token: &self.token,
        }
    }
}

async fn connect(h: &Harness, way: Way) -> Connected {
    let (login, host) = match way {
        Way::PageToken | Way::UserToken => (LoginPath::Facebook, Host::Facebook),
        Way::InstagramLogin => (LoginPath::Instagram, Host::Instagram),
    };
    let acct = account(h, host).await;
    let token = match way {
        Way::UserToken => h.facebook_user_token().await,
        _ => SecretString::from(acct.token.clone()),
    };
    Connected {
        login,
        id: IgUserId::parse(acct.id.clone()).unwrap(),
        token,
    }
}

fn media(kind: &str, url: &str) -> MediaItemRequest {
    MediaItemRequest {
        url: url.into(),
        kind: kind.into(),
        ..MediaItemRequest::default()
    }
}

fn tag(username: &str, at: Option<(f64, f64)>) -> UserTagRequest {
    UserTagRequest {
        username: username.into(),
        x: at.map(|p| p.0),
        y: at.map(|p| p.1),
    }
}

/// A post the domain accepts.
fn spec(request: PostRequest) -> PostSpec {
    request
        .parse(Utc::now())
        .expect("the domain accepts the post")
}

/// An image post with a caption, alt text, a positioned tag, a place and a collaborator.
fn image_post(url: &str, caption: &str) -> PostSpec {
    let mut item = media("image", url);
    item.alt_text = Some("A round loaf on a board".into());
    item.user_tags = Some(vec![tag("@harbor.studio", Some((0.25, 0.75)))]);
    spec(PostRequest {
        kind: "image".into(),
        media: vec![item],
        caption: Some(caption.into()),
        options: Some(PostOptionsRequest {
            location_id: Some("110843418940484".into()),
            collaborators: Some(vec!["@nova.creates".into()]),
            ..PostOptionsRequest::default()
        }),
        ..PostRequest::default()
    })
}

/// Polls a container until it leaves IN_PROGRESS: its final status and how many polls
/// answered IN_PROGRESS.
async fn wait(client: &GraphClient, me: &Connected, container: &str) -> (ContainerStatus, usize) {
    for in_progress in 0..20 {
        let status = client
            .container_status(&me.graph(), container)
            .await
            .unwrap();
        if status != ContainerStatus::InProgress {
            return (status, in_progress);
        }
    }
    panic!("{container} never left IN_PROGRESS");
}

/// Creates the post's containers the way the publish use case will: the children, each
/// waited for, then the container that is published. Answers its id.
async fn create(client: &GraphClient, me: &Connected, post: &PostSpec) -> String {
    let mut children = Vec::new();
    for params in post.child_containers() {
        let child = client.create_container(&me.graph(), &params).await.unwrap();
        assert_eq!(wait(client, me, &child).await.0, ContainerStatus::Finished);
        children.push(child);
    }
    let params = post.main_container(&children);
    client.create_container(&me.graph(), &params).await.unwrap()
}

/// Meta's `(code, subcode)` of an error.
fn api(e: &MetaError) -> (i64, Option<i64>) {
    match e {
        MetaError::Api { code, subcode, .. } => (*code, *subcode),
        other => panic!("expected Meta's error envelope, got {other:?}"),
    }
}

#[tokio::test]
async fn the_publishing_limit_is_the_sandboxs_quota_and_counts_a_publish() {
    for way in HOSTS {
        // Given a sandbox configured with a quota no constant of ours would guess
        let h = start_with(SandboxOptions {
            publishing_quota: 7,
            ..SandboxOptions::default()
        })
        .await;
        let me = connect(&h, way).await;
        let before = h.client.publishing_limit(&me.graph()).await.unwrap();
        assert_eq!((before.quota_usage, before.quota_total), (0, 7), "{way:?}");
        assert!(!before.is_used_up());
        // When one post is published
        let post = image_post("https://cdn.example.invalid/bread.jpg", "Fresh");
        let container = create(&h.client, &me, &post).await;
        h.client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap();
        // Then the usage went up by one
        let after = h.client.publishing_limit(&me.graph()).await.unwrap();
        assert_eq!((after.quota_usage, after.quota_total), (1, 7), "{way:?}");
    }
}

#[tokio::test]
async fn an_image_is_created_finished_published_and_listed_first_with_its_caption() {
    for way in WAYS {
        // Given an account that already published one post
        let h = start().await;
        let me = connect(&h, way).await;
        let c = &h.client;
        let older = image_post("https://cdn.example.invalid/older.jpg", "Yesterday's bake");
        let older = create(c, &me, &older).await;
        c.publish_container(&me.graph(), &older).await.unwrap();
        // When an image post is created and published
        let caption = "Fresh #sourdough with @harbor.studio";
        let post = image_post("https://cdn.example.invalid/bread.jpg", caption);
        let container = create(c, &me, &post).await;
        assert_eq!(
            c.container_status(&me.graph(), &container).await.unwrap(),
            ContainerStatus::Finished,
            "{way:?}"
        );
        let media = c.publish_container(&me.graph(), &container).await.unwrap();
        // Then the container reads PUBLISHED, the media has a permalink, and the account's
        // recent media lists it first, with its caption
        assert_eq!(
            c.container_status(&me.graph(), &container).await.unwrap(),
            ContainerStatus::Published
        );
        let permalink = c.permalink(&me.graph(), &media).await.unwrap().unwrap();
        assert!(
            permalink.starts_with("https://sandbox.igconnect.invalid/p/"),
            "{permalink}"
        );
        let recent = c.recent_media(&me.graph(), 10).await.unwrap();
        assert_eq!(recent.len(), 2, "{way:?}");
        assert_eq!(recent[0].id, media);
        assert_eq!(recent[0].caption.as_deref(), Some(caption));
        assert_eq!(recent[0].permalink.as_deref(), Some(permalink.as_str()));
        let at = recent[0].timestamp.expect("a timestamp");
        assert!((Utc::now() - at).abs() < TimeDelta::minutes(1), "{at}");
        assert_eq!(recent[1].caption.as_deref(), Some("Yesterday's bake"));
        assert_eq!(c.recent_media(&me.graph(), 1).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_reel_is_in_progress_for_a_few_polls_then_finished_and_publishes() {
    for way in HOSTS {
        // Given a Reel with every option a Reel takes
        let h = start().await;
        let me = connect(&h, way).await;
        let mut item = media("video", "https://cdn.example.invalid/reel.mp4");
        item.user_tags = Some(vec![tag("nova.creates", None)]);
        let post = spec(PostRequest {
            kind: "reel".into(),
            media: vec![item],
            caption: Some("Morning shift".into()),
            options: Some(PostOptionsRequest {
                share_to_feed: Some(false),
                cover_url: Some("https://cdn.example.invalid/cover.jpg".into()),
                thumb_offset: Some(1500),
                location_id: Some("110843418940484".into()),
                collaborators: Some(vec!["nova.creates".into(), "dan_creative".into()]),
                ..PostOptionsRequest::default()
            }),
            ..PostRequest::default()
        });
        assert!(post.child_containers().is_empty());
        let container = h
            .client
            .create_container(&me.graph(), &post.main_container(&[]))
            .await
            .unwrap();
        // When it is polled
        let (status, in_progress) = wait(&h.client, &me, &container).await;
        // Then it was IN_PROGRESS for the sandbox's processing polls, then FINISHED
        assert_eq!(
            (status, in_progress),
            (ContainerStatus::Finished, 3),
            "{way:?}"
        );
        let reel = h
            .client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap();
        let permalink = h.client.permalink(&me.graph(), &reel).await.unwrap();
        assert!(permalink.unwrap().contains("/reel/"));
    }
}

#[tokio::test]
async fn a_carousel_creates_its_children_then_the_album_and_publishes_once() {
    for way in HOSTS {
        // Given a carousel of a tagged image and a video
        let h = start().await;
        let me = connect(&h, way).await;
        let mut image = media("image", "https://cdn.example.invalid/1.jpg");
        image.alt_text = Some("Croissants".into());
        image.user_tags = Some(vec![tag("harbor.studio", Some((0.5, 0.5)))]);
        let mut video = media("video", "https://cdn.example.invalid/2.mp4");
        video.user_tags = Some(vec![tag("nova.creates", None)]);
        let post = spec(PostRequest {
            kind: "carousel".into(),
            media: vec![image, video],
            caption: Some("Two of our best".into()),
            options: Some(PostOptionsRequest {
                collaborators: Some(vec!["nova.creates".into()]),
                ..PostOptionsRequest::default()
            }),
            ..PostRequest::default()
        });
        // When the children are created, then the album with their ids
        let children = post.child_containers();
        assert_eq!(children.len(), 2);
        let mut ids = Vec::new();
        for params in &children {
            ids.push(
                h.client
                    .create_container(&me.graph(), params)
                    .await
                    .unwrap(),
            );
        }
        // (an album of a video still processing is refused, as Meta refuses it)
        let early = h
            .client
            .create_container(&me.graph(), &post.main_container(&ids))
            .await
            .unwrap_err();
        assert_eq!(api(&early), (9007, Some(2207027)), "{way:?}");
        assert!(!early.outcome_unknown());
        for id in &ids {
            assert_eq!(wait(&h.client, &me, id).await.0, ContainerStatus::Finished);
        }
        let album = h
            .client
            .create_container(&me.graph(), &post.main_container(&ids))
            .await
            .unwrap();
        let media = h
            .client
            .publish_container(&me.graph(), &album)
            .await
            .unwrap();
        // Then one post is listed, with the album's caption, and counted once
        let recent = h.client.recent_media(&me.graph(), 25).await.unwrap();
        assert_eq!(recent.len(), 1, "{way:?}");
        assert_eq!(recent[0].id, media);
        assert_eq!(recent[0].caption.as_deref(), Some("Two of our best"));
        let limit = h.client.publishing_limit(&me.graph()).await.unwrap();
        assert_eq!(limit.quota_usage, 1);
    }
}

#[tokio::test]
async fn image_and_video_stories_publish() {
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        for (kind, url, at) in [
            (
                "image",
                "https://cdn.example.invalid/story.jpg",
                Some((0.1, 0.9)),
            ),
            ("video", "https://cdn.example.invalid/story.mp4", None),
        ] {
            let mut item = media(kind, url);
            item.user_tags = Some(vec![tag("nova.creates", at)]);
            let post = spec(PostRequest {
                kind: "story".into(),
                media: vec![item],
                ..PostRequest::default()
            });
            let container = create(&h.client, &me, &post).await;
            assert_eq!(
                wait(&h.client, &me, &container).await.0,
                ContainerStatus::Finished,
                "{way:?} {kind}"
            );
            let story = h
                .client
                .publish_container(&me.graph(), &container)
                .await
                .unwrap();
            let permalink = h.client.permalink(&me.graph(), &story).await.unwrap();
            assert!(permalink.unwrap().contains("/stories/"), "{way:?} {kind}");
        }
    }
}

#[tokio::test]
async fn creation_failures_come_back_as_metas_refusals() {
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        let create = |url: &'static str| {
            let post = image_post(url, "Fresh");
            let client = h.client.clone();
            let graph = me.graph();
            async move {
                client
                    .create_container(&graph, &post.main_container(&[]))
                    .await
                    .unwrap_err()
            }
        };
        // A media Meta cannot download: its subcode, a clear refusal
        let fetch = create("https://cdn.example.invalid/fail-fetch.jpg").await;
        assert_eq!(api(&fetch), (9004, Some(2207052)), "{way:?}");
        assert!(!fetch.outcome_unknown() && !fetch.is_rate_limited());
        assert_eq!(fetch.retry_after(), None);
        // A token Meta invalidated: 190
        let token = create("https://cdn.example.invalid/fail-token.jpg").await;
        assert_eq!(api(&token).0, 190, "{way:?}");
        assert!(!token.outcome_unknown());
        // A throttled app: code 4, and the back-off the usage headers estimate (5 minutes)
        let rate = create("https://cdn.example.invalid/fail-rate.jpg").await;
        assert_eq!(api(&rate).0, 4, "{way:?}");
        assert!(rate.is_rate_limited() && !rate.outcome_unknown());
        assert_eq!(rate.retry_after(), Some(Duration::from_secs(300)));
        // No error text carries the token
        for e in [fetch, token, rate] {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(me.token.expose_secret()), "{text}");
        }
        assert!(
            h.client
                .recent_media(&me.graph(), 25)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_publish_that_times_out_may_have_worked_and_did() {
    for way in HOSTS {
        // Given a container whose publish answers a server error after publishing
        let h = start().await;
        let me = connect(&h, way).await;
        let caption = "Lost answer";
        let post = image_post("https://cdn.example.invalid/publish-timeout.jpg", caption);
        let container = create(&h.client, &me, &post).await;
        // When it is published
        let e = h
            .client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap_err();
        // Then the error says the outcome is unknown, and reading finds the post
        assert!(e.outcome_unknown(), "{way:?} {e:?}");
        assert_eq!(
            h.client
                .container_status(&me.graph(), &container)
                .await
                .unwrap(),
            ContainerStatus::Published
        );
        let recent = h.client.recent_media(&me.graph(), 5).await.unwrap();
        assert_eq!(recent[0].caption.as_deref(), Some(caption));
        assert_eq!(recent.len(), 1);
    }
}

#[tokio::test]
async fn a_publish_that_fails_may_have_worked_and_did_not() {
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        let post = image_post("https://cdn.example.invalid/publish-fails.jpg", "Never");
        let container = create(&h.client, &me, &post).await;
        let e = h
            .client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap_err();
        assert!(e.outcome_unknown(), "{way:?} {e:?}");
        assert_eq!(api(&e), (2, None));
        assert_eq!(
            h.client
                .container_status(&me.graph(), &container)
                .await
                .unwrap(),
            ContainerStatus::Finished
        );
        assert!(
            h.client
                .recent_media(&me.graph(), 5)
                .await
                .unwrap()
                .is_empty()
        );
        let limit = h.client.publishing_limit(&me.graph()).await.unwrap();
        assert_eq!(limit.quota_usage, 0);
    }
}

#[tokio::test]
async fn failed_processing_reads_error_and_is_not_published() {
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        // An image fails at once
        let image = image_post("https://cdn.example.invalid/fail-processing.jpg", "x");
        let container = create(&h.client, &me, &image).await;
        assert_eq!(
            wait(&h.client, &me, &container).await,
            (ContainerStatus::Error, 0),
            "{way:?}"
        );
        // A video after its processing polls
        let reel = spec(PostRequest {
            kind: "reel".into(),
            media: vec![media(
                "video",
                "https://cdn.example.invalid/fail-processing.mp4",
            )],
            ..PostRequest::default()
        });
        let container = create(&h.client, &me, &reel).await;
        assert_eq!(
            wait(&h.client, &me, &container).await,
            (ContainerStatus::Error, 3)
        );
        let e = h
            .client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap_err();
        assert_eq!(api(&e), (9007, Some(2207027)));
        assert!(!e.outcome_unknown());
    }
}

#[tokio::test]
async fn an_expired_container_reads_expired() {
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        let post = image_post("https://cdn.example.invalid/a.jpg", "Late");
        let container = create(&h.client, &me, &post).await;
        h.sandbox.advance_clock(TimeDelta::hours(24));
        assert_eq!(
            h.client
                .container_status(&me.graph(), &container)
                .await
                .unwrap(),
            ContainerStatus::Expired,
            "{way:?}"
        );
    }
}

#[tokio::test]
async fn publishing_over_the_quota_is_refused_clearly() {
    for way in HOSTS {
        // Given a sandbox allowing one publish a day, used
        let h = start_with(SandboxOptions {
            publishing_quota: 1,
            ..SandboxOptions::default()
        })
        .await;
        let me = connect(&h, way).await;
        let first = image_post("https://cdn.example.invalid/1.jpg", "One");
        let first = create(&h.client, &me, &first).await;
        h.client
            .publish_container(&me.graph(), &first)
            .await
            .unwrap();
        let limit = h.client.publishing_limit(&me.graph()).await.unwrap();
        assert!(limit.is_used_up(), "{way:?} {limit:?}");
        // When another is published
        let second = image_post("https://cdn.example.invalid/2.jpg", "Two");
        let second = create(&h.client, &me, &second).await;
        let e = h
            .client
            .publish_container(&me.graph(), &second)
            .await
            .unwrap_err();
        // Then Meta's limit error comes back, and nothing was done
        let (code, subcode) = api(&e);
        assert!(subcode == Some(2207042) || code == 9, "{way:?} {e:?}");
        assert!(!e.outcome_unknown());
        assert_eq!(
            h.client.recent_media(&me.graph(), 5).await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn a_token_of_the_other_login_path_is_refused_with_190() {
    let h = start().await;
    let ig = connect(&h, Way::InstagramLogin).await;
    let fb = connect(&h, Way::PageToken).await;
    let crossed = GraphAccount {
        login: LoginPath::Facebook,
        ig_user_id: &fb.id,
        token: &ig.token,
    };
    let e = h.client.publishing_limit(&crossed).await.unwrap_err();
    assert_eq!(api(&e).0, 190);
    assert!(!format!("{e} {e:?}").contains(ig.token.expose_secret()));
}

#[tokio::test]
async fn a_caption_and_media_url_with_reserved_characters_arrive_as_written() {
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        let caption = "Crème brûlée & co + more = 100% 🎉\nSee you at 7?";
        let url = "https://cdn.example.invalid/a.jpg?sig=a%2Bb/c&size=1080";
        let post = image_post(url, caption);
        assert_eq!(post.main_container(&[]).get("image_url"), Some(url));
        let container = create(&h.client, &me, &post).await;
        h.client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap();
        let recent = h.client.recent_media(&me.graph(), 1).await.unwrap();
        assert_eq!(recent[0].caption.as_deref(), Some(caption), "{way:?}");
    }
}

#[tokio::test]
async fn a_caption_at_the_hashtag_and_mention_limits_is_accepted_by_both_sides() {
    // 30 hashtags and 20 mentions are the limits; a lone `#` or `@` is neither (the domain
    // counts a sigil followed by a name character), so the sandbox must take the caption
    // the domain took.
    let tags: Vec<String> = (0..30).map(|i| format!("#bake{i}")).collect();
    let mentions: Vec<String> = (0..20).map(|i| format!("@friend{i}")).collect();
    let caption = format!(
        "We're # 1 @ the harbor, again. {} {}",
        tags.join(" "),
        mentions.join(" ")
    );
    for way in HOSTS {
        let h = start().await;
        let me = connect(&h, way).await;
        let post = image_post("https://cdn.example.invalid/a.jpg", &caption);
        let container = create(&h.client, &me, &post).await;
        h.client
            .publish_container(&me.graph(), &container)
            .await
            .unwrap();
        // And one more real hashtag is refused by the domain before Meta is called
        let over = PostRequest {
            kind: "image".into(),
            media: vec![media("image", "https://cdn.example.invalid/b.jpg")],
            caption: Some(format!("{caption} #one_more")),
            ..PostRequest::default()
        };
        assert!(over.parse(Utc::now()).is_err(), "{way:?}");
    }
}

#[tokio::test]
async fn an_unreachable_graph_is_a_transport_error_without_url_or_token() {
    let h = start().await;
    let me = connect(&h, Way::InstagramLogin).await;
    // Given a client whose Instagram Graph host refuses connections
    let closed = h.client_with(|cfg| {
        cfg.instagram_graph_url = url::Url::parse("http://127.0.0.1:1/instagram-graph/").unwrap();
    });
    // When it publishes
    let e = closed
        .publish_container(&me.graph(), "17900000000000001")
        .await
        .unwrap_err();
    // Then the outcome counts as unknown and the error names neither the URL nor the token
    assert!(matches!(e, MetaError::Transport(_)), "{e:?}");
    assert!(e.outcome_unknown());
    let text = format!("{e} {e:?}");
    assert!(!text.contains(me.token.expose_secret()), "{text}");
    assert!(
        !text.contains("127.0.0.1") && !text.contains("access_token"),
        "{text}"
    );
}
