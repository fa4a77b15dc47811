//! The harness every sandbox test shares: the sandbox on a random port, nested under
//! `/sandbox` like `igconnect serve` mounts it, igconnect's real Graph client pointed at it,
//! and a browser that clicks through the consent pages. Each test file uses part of it.
#![allow(dead_code)]

pub mod media;
pub mod publishing;

use igconnect::adapters::graph::GraphClient;
use igconnect::config::MetaConfig;
use igconnect::domain::StateToken;
use igconnect::ports::{FacebookGraph, InstagramGraph};
use igconnect_sandbox::{MediaFetching, Sandbox, SandboxApps, SandboxOptions, meta_config};
use secrecy::SecretString;
use url::Url;

pub const VERSION: &str = "v24.0";
pub const SUNRISE_PAGE: &str = "100000000000101";
pub const HARBOR_PAGE: &str = "100000000000102";
pub const QUIET_PAGE: &str = "100000000000103";
pub const PIXEL_CAFE: &str = "17841400000000201";
pub const NOVA_CREATES: &str = "17841400000000202";

/// A running sandbox and the clients that talk to it.
pub struct Harness {
    pub sandbox: Sandbox,
    pub base: Url,
    pub cfg: MetaConfig,
    pub client: GraphClient,
    /// A browser that does not follow redirects, so tests read the Location.
    pub browser: reqwest::Client,
}

/// The consent form a GET rendered: where it posts and its pending request id.
pub struct ConsentForm {
    pub action: String,
    pub request: String,
    pub html: String,
}

pub async fn start() -> Harness {
    start_with(SandboxOptions::default()).await
}

/// A sandbox built with `options` (latency, quota, video processing polls).
pub async fn start_with(options: SandboxOptions) -> Harness {
    start_fetching(options, MediaFetching::default()).await
}

/// A sandbox built with `options` that downloads media as `fetching` says.
pub async fn start_fetching(options: SandboxOptions, fetching: MediaFetching) -> Harness {
    start_in(options, fetching, |app| app).await
}

/// The sandbox as `igconnect serve` mounts it: inside `http::finish` (its fallbacks, the
/// request span and the 64 KiB body limit of igconnect's own routes).
pub async fn start_served() -> Harness {
    let finish = |app| igconnect::http::finish(app);
    start_in(SandboxOptions::default(), MediaFetching::default(), finish).await
}

async fn start_in(
    options: SandboxOptions,
    fetching: MediaFetching,
    wrap: impl FnOnce(axum::Router) -> axum::Router,
) -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = Url::parse(&format!("http://{addr}/sandbox/")).unwrap();
    let apps = SandboxApps::dev_defaults();
    let sandbox = Sandbox::with_fetching(apps, base.clone(), options, fetching);
    let app = wrap(axum::Router::new().nest("/sandbox", sandbox.router()));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let redirect = Url::parse("http://127.0.0.1:9/v1/oauth/callback").unwrap();
    let cfg = meta_config(&base, VERSION, redirect, &SandboxApps::dev_defaults());
    let client = GraphClient::new(cfg.clone()).unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Harness {
        sandbox,
        base,
        cfg,
        client,
        browser,
    }
}

impl Harness {
    /// A client whose configuration `change` altered (another secret, redirect...).
    pub fn client_with(&self, change: impl FnOnce(&mut MetaConfig)) -> GraphClient {
        let mut cfg = self.cfg.clone();
        change(&mut cfg);
        GraphClient::new(cfg).unwrap()
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    pub async fn open_consent(&self, url: Url) -> ConsentForm {
        let res = self.browser.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        ConsentForm {
            action: attribute_after(&html, "<form method=\"post\" action=\""),
            request: attribute_after(&html, "name=\"request\" value=\""),
            html,
        }
    }

    pub async fn facebook_consent(&self, state: &StateToken) -> ConsentForm {
        let url = self.client.facebook_authorization_url(state).unwrap();
        self.open_consent(url).await
    }

    pub async fn instagram_consent(&self, state: &StateToken) -> ConsentForm {
        let url = self.client.instagram_authorization_url(state).unwrap();
        self.open_consent(url).await
    }

    /// POSTs the consent form and answers the 303's Location.
    pub async fn decide(&self, form: &ConsentForm, fields: &[(&str, &str)]) -> Url {
        let mut body = vec![("request", form.request.as_str())];
        body.extend_from_slice(fields);
        let res = self
            .browser
            .post(&form.action)
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        Url::parse(&location).unwrap()
    }

    /// Clicks Allow on the Facebook dialog with these scopes and Pages checked.
    pub async fn facebook_code(&self, scopes: &[&str], pages: &[&str]) -> SecretString {
        let form = self.facebook_consent(&StateToken::generate()).await;
        let mut fields = vec![("decision", "allow")];
        fields.extend(scopes.iter().map(|s| ("scopes", *s)));
        fields.extend(pages.iter().map(|p| ("pages", *p)));
        code_of(&self.decide(&form, &fields).await)
    }

    /// Clicks Allow with every scope and every Page checked (the page's defaults).
    pub async fn facebook_code_all(&self) -> SecretString {
        let scopes = igconnect::domain::LoginPath::Facebook.required_scopes();
        self.facebook_code(scopes, &[SUNRISE_PAGE, HARBOR_PAGE, QUIET_PAGE])
            .await
    }

    /// A long-lived Facebook user token after allowing everything.
    pub async fn facebook_user_token(&self) -> SecretString {
        let code = self.facebook_code_all().await;
        let short = self.client.facebook_exchange_code(&code).await.unwrap();
        let long = self.client.facebook_long_lived_token(&short.token).await;
        long.unwrap().token
    }

    /// Clicks Allow on the Instagram dialog as `account` with every scope checked.
    pub async fn instagram_code(&self, account: &str) -> SecretString {
        let form = self.instagram_consent(&StateToken::generate()).await;
        let mut fields = vec![("decision", "allow"), ("account", account)];
        // Everything the dialog asks for by default, insights and comments included.
        let scopes = igconnect::domain::LoginPath::Instagram
            .requested_scopes(&igconnect::domain::Feature::ALL);
        fields.extend(scopes.iter().map(|s| ("scopes", *s)));
        code_of(&self.decide(&form, &fields).await)
    }

    /// A long-lived Instagram token of `account`.
    pub async fn instagram_token(&self, account: &str) -> SecretString {
        let code = self.instagram_code(account).await;
        let grant = self.client.instagram_exchange_code(&code).await.unwrap();
        let long = self.client.instagram_long_lived_token(&grant.token).await;
        long.unwrap().token
    }

    /// A raw GET answering status and JSON body.
    pub async fn get_json(&self, url: Url) -> (u16, serde_json::Value) {
        let res = self.browser.get(url).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }
}

/// The query parameter `name` of a redirect.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn code_of(location: &Url) -> SecretString {
    SecretString::from(param(location, "code").expect("a code on the redirect"))
}

fn attribute_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).expect(marker) + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].replace("&amp;", "&")
}
