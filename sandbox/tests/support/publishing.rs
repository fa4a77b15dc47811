//! Publishing over raw HTTP, to pin the sandbox's own answers (the Graph client's
//! publishing is tested in `graph_publishing.rs`): an account on one of the two Graph hosts
//! with a token that may publish for it, and the calls of the container flow.

use super::{Harness, NOVA_CREATES, PIXEL_CAFE, VERSION};
use igconnect::ports::FacebookGraph;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use serde_json::Value;
use url::Url;

pub const SUNRISE_BAKERY: &str = "17841400000000101";
pub const HARBOR_STUDIO: &str = "17841400000000102";

/// The two Graph hosts the sandbox publishes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// Facebook Graph with a Page token; parameters sent in the query string.
    Facebook,
    /// Instagram Graph with an Instagram Login token; parameters sent as a form body.
    Instagram,
}

pub const HOSTS: [Host; 2] = [Host::Facebook, Host::Instagram];

/// An Instagram account, its Graph host and a token that may publish for it.
pub struct Account {
    pub host: Host,
    pub id: String,
    pub token: String,
    graph: Url,
    http: reqwest::Client,
}

/// A Graph answer: status, headers and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Meta's `(code, error_subcode)` of an error answer.
    pub fn error(&self) -> (i64, Option<i64>) {
        let e = &self.body["error"];
        (e["code"].as_i64().unwrap_or(0), e["error_subcode"].as_i64())
    }

    /// The `id` of a successful answer.
    pub fn id(&self) -> String {
        assert_eq!(self.status, 200, "{:?}", self.body);
        self.body["id"].as_str().unwrap().to_owned()
    }
}

/// The host's first account: Sunrise Bakery (through its Page) or Pixel Cafe.
pub async fn account(h: &Harness, host: Host) -> Account {
    match host {
        Host::Facebook => page_account(h, 0, SUNRISE_BAKERY).await,
        Host::Instagram => instagram_account(h, PIXEL_CAFE).await,
    }
}

/// Another account on the same host: Harbor Studio or Nova Creates.
pub async fn other_account(h: &Harness, host: Host) -> Account {
    match host {
        Host::Facebook => page_account(h, 1, HARBOR_STUDIO).await,
        Host::Instagram => instagram_account(h, NOVA_CREATES).await,
    }
}

async fn page_account(h: &Harness, index: usize, id: &str) -> Account {
    let user = h.facebook_user_token().await;
    let pages = h.client.facebook_pages(&user).await.unwrap();
    let token = pages[index].access_token.expose_secret().to_owned();
    Account {
        host: Host::Facebook,
        id: id.to_owned(),
        token,
        graph: h.url(&format!("facebook-graph/{VERSION}/")),
        http: h.browser.clone(),
    }
}

async fn instagram_account(h: &Harness, id: &str) -> Account {
    let token = h.instagram_token(id).await.expose_secret().to_owned();
    Account {
        host: Host::Instagram,
        id: id.to_owned(),
        token,
        graph: h.url(&format!("instagram-graph/{VERSION}/")),
        http: h.browser.clone(),
    }
}

impl Account {
    /// POSTs `params` to `path` under the Graph host, with this account's token.
    pub async fn post(&self, path: &str, params: &[(&str, &str)]) -> Answer {
        let mut all = params.to_vec();
        all.push(("access_token", &self.token));
        let url = self.graph.join(path).unwrap();
        let request = match self.host {
            Host::Facebook => self.http.post(url).query(&all),
            Host::Instagram => self.http.post(url).form(&all),
        };
        answer(request.send().await.unwrap()).await
    }

    /// GETs `path` under the Graph host with `params` and this account's token.
    pub async fn get(&self, path: &str, params: &[(&str, &str)]) -> Answer {
        let mut all = params.to_vec();
        all.push(("access_token", &self.token));
        let url = self.graph.join(path).unwrap();
        answer(self.http.get(url).query(&all).send().await.unwrap()).await
    }

    /// `POST /{id}/media`.
    pub async fn create(&self, params: &[(&str, &str)]) -> Answer {
        self.post(&format!("{}/media", self.id), params).await
    }

    /// A FINISHED image container.
    pub async fn image(&self, url: &str) -> String {
        self.create(&[("image_url", url), ("caption", "Fresh sourdough")])
            .await
            .id()
    }

    /// `status_code` of a container (one status poll).
    pub async fn status(&self, container: &str) -> String {
        let a = self
            .get(container, &[("fields", "status_code,status")])
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["status_code"].as_str().unwrap().to_owned()
    }

    /// Polls until the container is no longer IN_PROGRESS; answers the final status and
    /// how many polls answered IN_PROGRESS.
    pub async fn wait(&self, container: &str) -> (String, usize) {
        for in_progress in 0..20 {
            let status = self.status(container).await;
            if status != "IN_PROGRESS" {
                return (status, in_progress);
            }
        }
        panic!("{container} never left IN_PROGRESS");
    }

    /// `POST /{id}/media_publish?creation_id=`.
    pub async fn publish(&self, container: &str) -> Answer {
        let path = format!("{}/media_publish", self.id);
        self.post(&path, &[("creation_id", container)]).await
    }

    /// `GET /{id}/content_publishing_limit?fields=quota_usage,config`.
    pub async fn limit(&self) -> Value {
        let path = format!("{}/content_publishing_limit", self.id);
        let a = self.get(&path, &[("fields", "quota_usage,config")]).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["data"][0].clone()
    }

    /// The ids `GET /{id}/media` lists, newest first.
    pub async fn posts(&self) -> Vec<String> {
        let a = self.get(&format!("{}/media", self.id), &[]).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        let data = a.body["data"].as_array().unwrap();
        data.iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}
