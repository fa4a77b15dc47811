//! [`Publisher`] over Meta's content publishing endpoints. Both login paths publish the same
//! way; only the host differs: Facebook Graph for accounts connected through a Page,
//! Instagram Graph for Instagram Login, each under `/{graph_version}/`.
//!
//! The token goes in `access_token`, in the query string of reads (as the connect calls send
//! it) and in the form body of writes, next to the container's fields, so the URL of a
//! write carries no secret. Nothing is retried here: creating twice makes two containers and
//! publishing twice makes two posts, so the use case decides, helped by
//! [`MetaError::outcome_unknown`] and [`MetaError::retry_after`].

use super::wire_publishing::{ContainerRead, CreatedId, LimitResponse, MediaRow, PermalinkRead};
use super::{GraphClient, call, wire};
use crate::domain::{ContainerParams, LoginPath};
use crate::ports::{
    ContainerStatus, GraphAccount, MetaError, PublishedMedia, Publisher, PublishingLimit,
};
use async_trait::async_trait;
use secrecy::ExposeSecret;
use url::Url;

const RECENT_MEDIA_FIELDS: &str = "id,caption,permalink,timestamp";

/// `{"success": true, "message": "Upload successful."}`.
#[derive(serde::Deserialize)]
struct UploadAnswer {
    #[serde(default)]
    success: bool,
}

/// The upload host's offset of a container.
#[derive(serde::Deserialize)]
struct UploadStatus {
    #[serde(default)]
    file_offset: u64,
}

/// The upload host's own error shape: `{"debug_info": {"retriable", "type", "message"}}`.
#[derive(serde::Deserialize)]
struct UploadError {
    debug_info: UploadErrorInfo,
}

#[derive(serde::Deserialize)]
struct UploadErrorInfo {
    #[serde(default)]
    retriable: bool,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: String,
}

/// The token as the upload host takes it. The header value is marked sensitive so no
/// debug output of the request shows it.
fn oauth_header(account: &GraphAccount<'_>) -> reqwest::header::HeaderValue {
    let mut value =
        reqwest::header::HeaderValue::from_str(&format!("OAuth {}", account.token.expose_secret()))
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("OAuth"));
    value.set_sensitive(true);
    value
}

/// A call to the upload host: its errors are not Graph's envelope. A retriable one is
/// transient ([`MetaError::Transport`]: the attempt reads the offset back and goes on); a
/// refusal is an API error with code 0, final for this container.
async fn upload_call<T: serde::de::DeserializeOwned>(
    req: reqwest::RequestBuilder,
) -> Result<T, MetaError> {
    let res = req
        .send()
        .await
        .map_err(|e| MetaError::Transport(e.without_url().to_string()))?;
    let status = res.status();
    let body = res
        .bytes()
        .await
        .map_err(|e| MetaError::Transport(e.without_url().to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| MetaError::Decode(format!("upload host answer: {e}")));
    }
    match serde_json::from_slice::<UploadError>(&body) {
        Ok(e) if !e.debug_info.retriable && status.is_client_error() => Err(MetaError::Api {
            status: status.as_u16(),
            code: 0,
            subcode: None,
            kind: e.debug_info.kind,
            message: e.debug_info.message,
            fbtrace_id: None,
            retry_after_secs: None,
        }),
        Ok(e) => Err(MetaError::Transport(format!(
            "upload host {}: {}",
            status.as_u16(),
            e.debug_info.message
        ))),
        Err(_) => Err(MetaError::Transport(format!(
            "upload host {}",
            status.as_u16()
        ))),
    }
}

impl GraphClient {
    /// `{upload host}/ig-api-upload/{graph_version}/{container}`: built from configuration,
    /// never taken from Meta's answer, so the token only ever goes to the configured host.
    fn upload_url(&self, account: &GraphAccount<'_>, container: &str) -> Result<Url, MetaError> {
        if account.login != LoginPath::Facebook {
            return Err(MetaError::NotConfigured(
                "resumable upload (Facebook Login only)",
            ));
        }
        let mut url = crate::config::join(&self.cfg.facebook_upload_url, "ig-api-upload");
        url.path_segments_mut()
            .map_err(|()| MetaError::Transport("the upload URL cannot take a path".into()))?
            .pop_if_empty()
            .extend([self.cfg.graph_version.as_str(), container]);
        Ok(url)
    }

    /// `{graph host}/{graph_version}/{segments...}` for the account's login path. Each
    /// segment is percent-encoded as one path segment, so an id can never reach another path.
    pub(super) fn publishing_url(
        &self,
        login: LoginPath,
        segments: &[&str],
    ) -> Result<Url, MetaError> {
        let host = match login {
            LoginPath::Facebook => &self.cfg.facebook_graph_url,
            LoginPath::Instagram => &self.cfg.instagram_graph_url,
        };
        let mut url = crate::config::join(host, &self.cfg.graph_version);
        url.path_segments_mut()
            .map_err(|()| MetaError::Transport("the Graph URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A GET with `query` and the account's token.
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        account: &GraphAccount<'_>,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, MetaError> {
        let url = self.publishing_url(account.login, segments)?;
        let req = self
            .http
            .get(url)
            .query(query)
            .query(&[("access_token", account.token.expose_secret())]);
        call(req).await
    }

    /// A POST of `fields` and the account's token as a form body.
    async fn write<T: serde::de::DeserializeOwned>(
        &self,
        account: &GraphAccount<'_>,
        segments: &[&str],
        fields: &[(&str, &str)],
    ) -> Result<T, MetaError> {
        let url = self.publishing_url(account.login, segments)?;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("access_token", account.token.expose_secret()));
        call(self.http.post(url).form(&form)).await
    }
}

#[async_trait]
impl Publisher for GraphClient {
    async fn publishing_limit(
        &self,
        account: &GraphAccount<'_>,
    ) -> Result<PublishingLimit, MetaError> {
        let path = [account.ig_user_id.as_str(), "content_publishing_limit"];
        let limit: LimitResponse = self
            .read(account, &path, &[("fields", "quota_usage,config")])
            .await?;
        limit.into_limit()
    }

    async fn create_container(
        &self,
        account: &GraphAccount<'_>,
        params: &ContainerParams,
    ) -> Result<String, MetaError> {
        let fields: Vec<(&str, &str)> = params
            .fields()
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let path = [account.ig_user_id.as_str(), "media"];
        let created: CreatedId = self.write(account, &path, &fields).await?;
        created.into_id()
    }

    async fn container_status(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<ContainerStatus, MetaError> {
        let read: ContainerRead = self
            .read(account, &[container], &[("fields", "status_code")])
            .await?;
        read.into_status()
    }

    async fn publish_container(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<String, MetaError> {
        let path = [account.ig_user_id.as_str(), "media_publish"];
        let published: CreatedId = self
            .write(account, &path, &[("creation_id", container)])
            .await?;
        published.into_id()
    }

    async fn permalink(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
    ) -> Result<Option<String>, MetaError> {
        let read: PermalinkRead = self
            .read(account, &[media_id], &[("fields", "permalink")])
            .await?;
        Ok(read.permalink)
    }

    async fn upload_video_chunk(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<(), MetaError> {
        let url = self.upload_url(account, container)?;
        let req = self
            .http
            .post(url)
            .header("authorization", oauth_header(account))
            .header("offset", offset.to_string())
            .header("file_size", total.to_string())
            .header("content-type", "application/octet-stream")
            .body(chunk);
        let answer: UploadAnswer = upload_call(req).await?;
        if answer.success {
            Ok(())
        } else {
            Err(MetaError::Decode(
                "the upload host did not say success".into(),
            ))
        }
    }

    async fn uploaded_offset(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<u64, MetaError> {
        let url = self.upload_url(account, container)?;
        let req = self
            .http
            .get(url)
            .header("authorization", oauth_header(account));
        let status: UploadStatus = upload_call(req).await?;
        Ok(status.file_offset)
    }

    async fn recent_media(
        &self,
        account: &GraphAccount<'_>,
        limit: u32,
    ) -> Result<Vec<PublishedMedia>, MetaError> {
        let limit = limit.to_string();
        let path = [account.ig_user_id.as_str(), "media"];
        let listing: wire::Listing<MediaRow> = self
            .read(
                account,
                &path,
                &[("fields", RECENT_MEDIA_FIELDS), ("limit", &limit)],
            )
            .await?;
        listing.data.into_iter().map(MediaRow::into_media).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MetaApp, MetaConfig};

    fn client() -> GraphClient {
        let app = MetaApp {
            app_id: "app".into(),
            app_secret: "secret".to_owned().into(),
        };
        let url = |s: &str| Url::parse(s).unwrap();
        GraphClient::new(MetaConfig {
            facebook_app: Some(app.clone()),
            instagram_app: Some(app),
            graph_version: "v24.0".into(),
            redirect_uri: url("https://app.example/cb"),
            facebook_dialog_url: url("https://www.facebook.com/"),
            facebook_graph_url: url("https://graph.facebook.com/"),
            instagram_auth_url: url("https://www.instagram.com/"),
            instagram_api_url: url("https://api.instagram.com/"),
            instagram_graph_url: url("http://127.0.0.1:1/sandbox/instagram-graph/"),
            facebook_upload_url: url("http://127.0.0.1:1/sandbox/rupload/"),
            optional_features: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn each_login_path_publishes_on_its_own_graph_host_under_the_version() {
        let c = client();
        let fb = c
            .publishing_url(LoginPath::Facebook, &["17841400000000101", "media"])
            .unwrap();
        assert_eq!(
            fb.as_str(),
            "https://graph.facebook.com/v24.0/17841400000000101/media"
        );
        let ig = c
            .publishing_url(LoginPath::Instagram, &["17900000000000001"])
            .unwrap();
        assert_eq!(
            ig.as_str(),
            "http://127.0.0.1:1/sandbox/instagram-graph/v24.0/17900000000000001"
        );
    }

    #[test]
    fn an_id_stays_one_path_segment() {
        let url = client()
            .publishing_url(LoginPath::Facebook, &["../me/accounts?x=1#y"])
            .unwrap();
        assert_eq!(url.path_segments().map(Iterator::count), Some(2));
        assert_eq!(url.query(), None);
        assert_eq!(url.fragment(), None);
    }
}
