//! [`InsightsGraph`] and [`CommentsGraph`] over Meta's insights, media and comment
//! endpoints. Like publishing, both login paths call the same paths and only the host
//! differs: Facebook Graph for accounts connected through a Page, Instagram Graph for
//! Instagram Login, each under `/{graph_version}/`.
//!
//! The token goes in `access_token`: in the query string of reads and deletes (as every
//! read of this client sends it; [`call`] strips URLs from errors) and in the form body of
//! writes. Nothing is retried here; a reply sent twice is two replies.

use super::wire_engagement::{CommentFields, CursorListing, InsightsResponse, MediaFields};
use super::wire_publishing::CreatedId;
use super::wire_upkeep::SuccessResponse;
use super::{GraphClient, call};
use crate::ports::{
    Comment, CommentsGraph, GraphAccount, GraphPage, InsightsGraph, MediaSummary, MetaError,
    MetricValue,
};
use async_trait::async_trait;
use chrono::{NaiveDate, TimeDelta};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

/// What igconnect reads of a media, `owner` included so a media id can be checked against
/// the account a route names.
const MEDIA_FIELDS: &str = "id,media_type,media_product_type,caption,permalink,media_url,\
thumbnail_url,timestamp,like_count,comments_count,owner";
/// A top-level comment with its first replies, as the comments edge lists them.
const COMMENT_FIELDS: &str = "id,text,username,timestamp,like_count,hidden,\
replies{id,text,username,timestamp,like_count,hidden,parent_id}";
/// One comment, with the media it is on and its parent when it is a reply.
const ONE_COMMENT_FIELDS: &str = "id,text,username,timestamp,like_count,hidden,parent_id,media";

impl GraphClient {
    /// A GET of `segments` with `query` and the account's token in the query string.
    async fn engagement_get<T: DeserializeOwned>(
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
    async fn engagement_post<T: DeserializeOwned>(
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

/// Meta's `limit`, at least 1 (0 would make Meta pick its own default).
fn limit_text(limit: u32) -> String {
    limit.max(1).to_string()
}

#[async_trait]
impl InsightsGraph for GraphClient {
    async fn account_insights_day(
        &self,
        account: &GraphAccount<'_>,
        metrics: &[&str],
        day: NaiveDate,
    ) -> Result<Vec<MetricValue>, MetaError> {
        if metrics.is_empty() {
            // Meta refuses a request without `metric`; asking for nothing is no question.
            return Ok(Vec::new());
        }
        // The UTC day: Meta's `since`/`until` are Unix seconds, `until` excluded.
        let since = day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
        let until = since + TimeDelta::days(1).num_seconds();
        let (since, until) = (since.to_string(), until.to_string());
        let metric = metrics.join(",");
        let path = [account.ig_user_id.as_str(), "insights"];
        let answer: InsightsResponse = self
            .engagement_get(
                account,
                &path,
                &[
                    ("metric", metric.as_str()),
                    ("period", "day"),
                    ("metric_type", "total_value"),
                    ("since", since.as_str()),
                    ("until", until.as_str()),
                ],
            )
            .await?;
        Ok(answer.into_values())
    }

    async fn media_list(
        &self,
        account: &GraphAccount<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<GraphPage<MediaSummary>, MetaError> {
        let limit = limit_text(limit);
        let mut query = vec![("fields", MEDIA_FIELDS), ("limit", limit.as_str())];
        if let Some(after) = after {
            query.push(("after", after));
        }
        let path = [account.ig_user_id.as_str(), "media"];
        let listing: CursorListing<MediaFields> =
            self.engagement_get(account, &path, &query).await?;
        listing.into_page(MediaFields::into_summary)
    }

    async fn media(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
    ) -> Result<MediaSummary, MetaError> {
        let fields: MediaFields = self
            .engagement_get(account, &[media_id], &[("fields", MEDIA_FIELDS)])
            .await?;
        fields.into_summary()
    }

    async fn media_insights(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
        metrics: &[&str],
    ) -> Result<Vec<MetricValue>, MetaError> {
        if metrics.is_empty() {
            return Ok(Vec::new());
        }
        let metric = metrics.join(",");
        let answer: InsightsResponse = self
            .engagement_get(
                account,
                &[media_id, "insights"],
                &[("metric", metric.as_str())],
            )
            .await?;
        Ok(answer.into_values())
    }
}

#[async_trait]
impl CommentsGraph for GraphClient {
    async fn comments(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<GraphPage<Comment>, MetaError> {
        let limit = limit_text(limit);
        let mut query = vec![("fields", COMMENT_FIELDS), ("limit", limit.as_str())];
        if let Some(after) = after {
            query.push(("after", after));
        }
        let listing: CursorListing<CommentFields> = self
            .engagement_get(account, &[media_id, "comments"], &query)
            .await?;
        listing.into_page(|c| c.into_comment(Some(media_id)))
    }

    async fn comment(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
    ) -> Result<Comment, MetaError> {
        let fields: CommentFields = self
            .engagement_get(account, &[comment_id], &[("fields", ONE_COMMENT_FIELDS)])
            .await?;
        fields.into_comment(None)
    }

    async fn reply(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
        message: &str,
    ) -> Result<String, MetaError> {
        let created: CreatedId = self
            .engagement_post(account, &[comment_id, "replies"], &[("message", message)])
            .await?;
        created.into_id()
    }

    async fn set_hidden(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
        hidden: bool,
    ) -> Result<(), MetaError> {
        let hide = if hidden { "true" } else { "false" };
        let done: SuccessResponse = self
            .engagement_post(account, &[comment_id], &[("hide", hide)])
            .await?;
        done.into_done()
    }

    async fn delete_comment(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
    ) -> Result<(), MetaError> {
        let url = self.publishing_url(account.login, &[comment_id])?;
        let req = self
            .http
            .delete(url)
            .query(&[("access_token", account.token.expose_secret())]);
        call::<SuccessResponse>(req).await?.into_done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MetaApp, MetaConfig};
    use crate::domain::{IgUserId, LoginPath};
    use secrecy::SecretString;
    use url::Url;

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
            // Nothing listens on port 1: every call fails as Transport, nothing is sent.
            facebook_graph_url: url("http://127.0.0.1:1/fb/"),
            instagram_auth_url: url("https://www.instagram.com/"),
            instagram_api_url: url("https://api.instagram.com/"),
            instagram_graph_url: url("http://127.0.0.1:1/ig/"),
            facebook_upload_url: url("http://127.0.0.1:1/up/"),
            optional_features: Vec::new(),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn asking_for_no_metric_sends_nothing() {
        let c = client();
        let id = IgUserId::parse("17841400000000101".to_owned()).unwrap();
        let token = SecretString::from("t".to_owned());
        let account = GraphAccount {
            login: LoginPath::Facebook,
            ig_user_id: &id,
            token: &token,
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert!(
            c.account_insights_day(&account, &[], day)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            c.media_insights(&account, "1", &[])
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_failed_call_names_no_token_on_either_login_path() {
        let c = client();
        let id = IgUserId::parse("17841400000000101".to_owned()).unwrap();
        let token = SecretString::from("the-account-token".to_owned());
        for login in [LoginPath::Facebook, LoginPath::Instagram] {
            let account = GraphAccount {
                login,
                ig_user_id: &id,
                token: &token,
            };
            let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
            let errors = [
                c.account_insights_day(&account, &["reach"], day)
                    .await
                    .err(),
                c.media_list(&account, Some("QUZU"), 25).await.err(),
                c.comments(&account, "1", None, 25).await.err(),
                c.reply(&account, "1", "Thanks!").await.err(),
                c.set_hidden(&account, "1", true).await.err(),
                c.delete_comment(&account, "1").await.err(),
            ];
            for e in errors {
                let e = e.expect("nothing listens on port 1");
                let text = format!("{e} {e:?}");
                assert!(matches!(e, MetaError::Transport(_)), "{text}");
                assert!(!text.contains("the-account-token"), "{text}");
            }
        }
    }
}
