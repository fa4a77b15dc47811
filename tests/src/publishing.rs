//! Publishing as a scheduler app drives it (connect, post, read back), and what the sandbox
//! saw (`_inspect/media`, `_inspect/tokens`).

use crate::{Consent, Server, param};
use serde_json::Value;

/// An answer of the API: status, content type, `Location` and the JSON body (`Null` when
/// there is none).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: Value,
}

impl Answer {
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let location = header("location");
        let text = res.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Self {
            status,
            content_type,
            location,
            body,
        }
    }

    /// The problem's `code`, asserting the answer is a problem document.
    pub fn problem_code(&self) -> &str {
        assert_eq!(
            self.content_type, "application/problem+json",
            "not a problem: {self:?}"
        );
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The post's id in a post answer (or in a problem's `post`).
    pub fn post_id(&self) -> String {
        let post = if self.body.get("post").is_some() {
            &self.body["post"]
        } else {
            &self.body
        };
        post["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no post id in {self:?}"))
            .to_owned()
    }
}

impl Server {
    /// Connects one of the sandbox's Instagram Login accounts (`17841400000000201`...) for
    /// `token`'s user, owned by `owner` (`user` or `company`); its igconnect id.
    pub async fn connect_instagram(&self, token: &str, ig_user_id: &str, owner: &str) -> String {
        let consent = Consent {
            account: Some(ig_user_id.into()),
            ..Consent::allow()
        };
        let landed = self.connect(token, "instagram", owner, &consent).await;
        assert_eq!(
            param(&landed, "ig_connect").as_deref(),
            Some("success"),
            "{landed}"
        );
        self.account_id(token, ig_user_id).await
    }

    /// Connects both Facebook Pages' Instagram accounts (`17841400000000101` and `...102`).
    pub async fn connect_facebook(&self, token: &str, owner: &str) {
        let landed = self
            .connect(token, "facebook", owner, &Consent::allow())
            .await;
        assert_eq!(param(&landed, "accounts").as_deref(), Some("2"), "{landed}");
    }

    /// The igconnect id of the account `token` sees for `ig_user_id`.
    pub async fn account_id(&self, token: &str, ig_user_id: &str) -> String {
        let list = self.accounts(token, "").await;
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|a| a["ig_user_id"] == ig_user_id)
            .and_then(|a| a["id"].as_str())
            .unwrap_or_else(|| panic!("{ig_user_id} is not listed: {list}"))
            .to_owned()
    }

    /// `POST /v1/accounts/{account}/posts` with `Idempotency-Key: key` (none when `None`).
    pub async fn publish(
        &self,
        token: &str,
        account: &str,
        key: Option<&str>,
        body: &Value,
    ) -> Answer {
        let mut req = self
            .http
            .post(self.url(&format!("/v1/accounts/{account}/posts")))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        Answer::read(req.send().await.expect("the server answers")).await
    }

    /// Any call with a bearer token, read as an [`Answer`].
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        Answer::read(req.send().await.expect("the server answers")).await
    }

    /// `GET /v1/accounts/{account}/posts/{post}`.
    pub async fn get_post(&self, token: &str, account: &str, post: &str) -> Answer {
        self.request(
            "GET",
            &format!("/v1/accounts/{account}/posts/{post}"),
            token,
            None,
        )
        .await
    }

    /// `DELETE /v1/accounts/{account}/posts/{post}`.
    pub async fn cancel_post(&self, token: &str, account: &str, post: &str) -> Answer {
        self.request(
            "DELETE",
            &format!("/v1/accounts/{account}/posts/{post}"),
            token,
            None,
        )
        .await
    }

    /// The status of a post as `GET` shows it.
    pub async fn post_status(&self, token: &str, account: &str, post: &str) -> String {
        let got = self.get_post(token, account, post).await;
        assert_eq!(got.status, 200, "{got:?}");
        got.body["status"].as_str().unwrap_or_default().to_owned()
    }

    /// Every post the sandbox published, on any account, oldest first (`_inspect/media`).
    pub async fn sandbox_media(&self) -> Vec<Value> {
        let res = self
            .http
            .get(self.url("/sandbox/_inspect/media"))
            .send()
            .await
            .expect("the sandbox answers");
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.expect("json");
        v["data"].as_array().expect("data").clone()
    }

    /// The posts the sandbox published on `ig_user_id`, oldest first.
    pub async fn sandbox_media_of(&self, ig_user_id: &str) -> Vec<Value> {
        let mut all = self.sandbox_media().await;
        all.retain(|m| m["owner"] == ig_user_id);
        all
    }

    /// Every access token the sandbox ever issued (`_inspect/tokens`).
    pub async fn issued_tokens(&self) -> Vec<String> {
        let v: Value = self
            .http
            .get(self.url("/sandbox/_inspect/tokens"))
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("json");
        v["tokens"]
            .as_array()
            .expect("tokens")
            .iter()
            .map(|t| t.as_str().expect("a token").to_owned())
            .collect()
    }
}
