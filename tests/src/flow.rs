//! The connect flow as a client app and its user's browser drive it.

use crate::{Consent, Form, Server};
use serde_json::{Value, json};
use url::Url;

impl Server {
    /// `POST /v1/connections/instagram/initiate` with `body`.
    pub async fn initiate(&self, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/v1/connections/instagram/initiate"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("initiate answers")
    }

    /// Starts a login returning to this server's start page; the authorization URL.
    pub async fn authorize(&self, token: &str, login: &str, owner: &str) -> Url {
        let body = json!({"login": login, "owner": owner, "return_to": self.url("/").as_str()});
        let res = self.initiate(token, &body).await;
        assert_eq!(
            res.status(),
            200,
            "initiate failed: {}",
            res.text().await.unwrap_or_default()
        );
        let v: Value = res.json().await.expect("json");
        Url::parse(v["authorization_url"].as_str().expect("authorization_url")).expect("URL")
    }

    /// Opens the consent page and submits `consent`; where the sandbox redirects the browser
    /// (this server's callback with a code or an error).
    pub async fn consent(&self, authorization_url: &Url, consent: &Consent) -> Url {
        let page = self
            .http
            .get(authorization_url.clone())
            .send()
            .await
            .expect("consent page answers");
        assert_eq!(page.status(), 200, "consent page failed");
        let html = page.text().await.expect("html");
        let form = Form::parse(&html, authorization_url);
        let res = self
            .http
            .post(form.action.clone())
            .form(&form.submission(consent))
            .send()
            .await
            .expect("decision answers");
        assert!(
            res.status().is_redirection(),
            "decision did not redirect: {}",
            res.status()
        );
        location(&res, &form.action)
    }

    /// GETs `url` (a callback URL) as a browser would.
    pub async fn visit(&self, url: &Url) -> reqwest::Response {
        self.http.get(url.clone()).send().await.expect("answers")
    }

    /// Initiate, consent and callback: where the callback finally sends the browser.
    pub async fn connect(&self, token: &str, login: &str, owner: &str, consent: &Consent) -> Url {
        let auth = self.authorize(token, login, owner).await;
        let callback = self.consent(&auth, consent).await;
        let res = self.visit(&callback).await;
        assert_eq!(
            res.status(),
            302,
            "callback did not redirect: {}",
            res.status()
        );
        location(&res, &callback)
    }

    /// `GET /v1/accounts` (with an optional query), asserting 200.
    pub async fn accounts(&self, token: &str, query: &str) -> Value {
        let res = self
            .http
            .get(self.url(&format!("/v1/accounts{query}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("list answers");
        assert_eq!(res.status(), 200, "list failed");
        res.json().await.expect("json")
    }
}

/// The `Location` of a redirect, resolved against the request URL.
pub fn location(res: &reqwest::Response, base: &Url) -> Url {
    let raw = res
        .headers()
        .get("location")
        .expect("redirect has a Location")
        .to_str()
        .expect("ascii Location");
    base.join(raw).expect("Location is a URL")
}

/// A query parameter of `url`.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Server {
    /// Any API call with a bearer token and an optional JSON body: the status and the body
    /// (`Value::Null` when there is none).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let text = res.text().await.expect("a body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }
}
