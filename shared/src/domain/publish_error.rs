//! What a failed publish means for the user, from Meta's error code and subcode. Meta's own
//! message is never passed through: it is written for developers, changes without notice and
//! may quote the request back. The user gets a stable code and a message saying what to do;
//! the numbers stay available for logs and support.
//!
//! The subcode is looked at first, since it is the specific reason (Meta reuses a few codes
//! such as 100 and 9 for many of them); the code decides only when the subcode is absent or
//! unknown.

/// Why Meta refused to publish, as the product tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PublishFailure {
    /// 2207052: Meta could not download a media file.
    #[error(
        "Instagram could not download the media. Check that each URL is public, reachable \
         without signing in and points at the file itself."
    )]
    MediaFetchFailed,
    /// 2207009: the picture is too tall or too wide for the feed.
    #[error(
        "Instagram does not accept this aspect ratio. Use an image between 4:5 (portrait) and \
         1.91:1 (landscape)."
    )]
    UnsupportedAspectRatio,
    /// 2207004: the image file is too big.
    #[error("The image is too large for Instagram. Use an image of less than 8 MB.")]
    ImageTooLarge,
    /// 2207026: the video's container or codec is refused.
    #[error("Instagram does not accept this video format. Use an MP4 or MOV file (H.264, AAC).")]
    UnsupportedVideoFormat,
    /// 2207005: the image's format is refused.
    #[error("Instagram does not accept this image format. Use a JPEG image.")]
    UnsupportedImageFormat,
    /// 2207042, or code 9: the account published as many posts through the API as Meta
    /// allows in 24 hours.
    #[error(
        "This account reached Instagram's limit of posts published through apps in 24 hours. \
         Try again later."
    )]
    PublishingLimitReached,
    /// Code 9007 or subcode 2207027: Meta has not finished processing the media yet.
    #[error("Instagram is still processing the media. It will be published when it is ready.")]
    MediaNotReady,
    /// 2207020: the uploaded media waited more than 24 hours and was discarded.
    #[error("The uploaded media expired before it was published. Publish the post again.")]
    MediaExpired,
    /// Code 190: the access token no longer works (expired, revoked, password changed).
    #[error("Instagram no longer accepts this account's connection. Reconnect the account.")]
    TokenInvalid,
    /// Codes 4, 17, 32, 613 and 80002: too many calls for now.
    #[error("Instagram is limiting requests right now. The post will be retried later.")]
    RateLimited,
    /// Anything else; the numbers are kept for logs, never shown as the message.
    #[error(
        "Instagram refused to publish the post. Try again, or contact support if it keeps failing."
    )]
    Meta { code: i64, subcode: Option<i64> },
}

impl PublishFailure {
    /// Interprets Meta's `error.code` and `error.error_subcode`.
    pub fn from_meta(code: i64, subcode: Option<i64>) -> Self {
        let by_subcode = match subcode {
            Some(2207052) => Some(Self::MediaFetchFailed),
            Some(2207009) => Some(Self::UnsupportedAspectRatio),
            Some(2207004) => Some(Self::ImageTooLarge),
            Some(2207026) => Some(Self::UnsupportedVideoFormat),
            Some(2207005) => Some(Self::UnsupportedImageFormat),
            Some(2207042) => Some(Self::PublishingLimitReached),
            Some(2207027) => Some(Self::MediaNotReady),
            Some(2207020) => Some(Self::MediaExpired),
            _ => None,
        };
        by_subcode.unwrap_or(match code {
            190 => Self::TokenInvalid,
            4 | 17 | 32 | 613 | 80002 => Self::RateLimited,
            9 => Self::PublishingLimitReached,
            9007 => Self::MediaNotReady,
            _ => Self::Meta { code, subcode },
        })
    }

    /// The stable machine code; part of the API, never renamed.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MediaFetchFailed => "media_fetch_failed",
            Self::UnsupportedAspectRatio => "unsupported_aspect_ratio",
            Self::ImageTooLarge => "image_too_large",
            Self::UnsupportedVideoFormat => "unsupported_video_format",
            Self::UnsupportedImageFormat => "unsupported_image_format",
            Self::PublishingLimitReached => "publishing_limit_reached",
            Self::MediaNotReady => "media_not_ready",
            Self::MediaExpired => "media_expired",
            Self::TokenInvalid => "token_invalid",
            Self::RateLimited => "rate_limited",
            Self::Meta { .. } => "meta_error",
        }
    }

    /// What to tell the user: our words, never Meta's.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// Whether the account must be marked `needs_reauth`: no call with its token can work
    /// until the user connects it again.
    pub fn needs_reauth(&self) -> bool {
        matches!(self, Self::TokenInvalid)
    }

    /// Whether Meta is throttling: the failure is transient and the same call should be
    /// retried later, after backing off, instead of failing the post.
    pub fn is_rate_limit(&self) -> bool {
        matches!(self, Self::RateLimited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code_of(code: i64, subcode: Option<i64>) -> &'static str {
        PublishFailure::from_meta(code, subcode).code()
    }

    #[test]
    fn a_media_url_meta_cannot_download_is_media_fetch_failed() {
        assert_eq!(code_of(9004, Some(2207052)), "media_fetch_failed");
    }

    #[test]
    fn a_refused_aspect_ratio_is_unsupported_aspect_ratio() {
        assert_eq!(code_of(36003, Some(2207009)), "unsupported_aspect_ratio");
    }

    #[test]
    fn an_image_too_big_is_image_too_large() {
        assert_eq!(code_of(36000, Some(2207004)), "image_too_large");
    }

    #[test]
    fn a_refused_video_format_is_unsupported_video_format() {
        assert_eq!(code_of(352, Some(2207026)), "unsupported_video_format");
    }

    #[test]
    fn a_refused_image_format_is_unsupported_image_format() {
        assert_eq!(code_of(36001, Some(2207005)), "unsupported_image_format");
    }

    #[test]
    fn the_daily_quota_is_publishing_limit_reached_by_subcode_or_code() {
        assert_eq!(code_of(9, Some(2207042)), "publishing_limit_reached");
        assert_eq!(code_of(9, None), "publishing_limit_reached");
    }

    #[test]
    fn media_still_processing_is_media_not_ready_by_code_or_subcode() {
        assert_eq!(code_of(9007, Some(2207027)), "media_not_ready");
        assert_eq!(code_of(9007, None), "media_not_ready");
        assert_eq!(code_of(100, Some(2207027)), "media_not_ready");
    }

    #[test]
    fn a_container_older_than_a_day_is_media_expired() {
        assert_eq!(code_of(-2, Some(2207020)), "media_expired");
    }

    #[test]
    fn a_refused_token_is_token_invalid_and_needs_reauth() {
        for subcode in [None, Some(460), Some(463)] {
            let failure = PublishFailure::from_meta(190, subcode);
            assert_eq!(failure.code(), "token_invalid");
            assert!(failure.needs_reauth());
            assert!(!failure.is_rate_limit());
        }
    }

    #[test]
    fn throttling_codes_are_rate_limited_and_retried_later() {
        for code in [4, 17, 32, 613, 80002] {
            let failure = PublishFailure::from_meta(code, None);
            assert_eq!(failure.code(), "rate_limited", "{code}");
            assert!(failure.is_rate_limit());
            assert!(!failure.needs_reauth());
        }
    }

    #[test]
    fn anything_else_is_meta_error_keeping_the_numbers_for_logs() {
        let failure = PublishFailure::from_meta(100, Some(2207023));
        assert_eq!(failure.code(), "meta_error");
        assert_eq!(
            failure,
            PublishFailure::Meta {
                code: 100,
                subcode: Some(2207023)
            }
        );
        assert!(!failure.message().contains("2207023"));
    }

    #[test]
    fn only_a_refused_token_needs_reauth_and_only_throttling_is_a_rate_limit() {
        let fetch = PublishFailure::from_meta(9004, Some(2207052));
        assert!(!fetch.needs_reauth());
        assert!(!fetch.is_rate_limit());
    }

    proptest! {
        #[test]
        fn every_failure_has_a_known_code_and_a_message_of_our_own(
            code in any::<i64>(),
            subcode in proptest::option::of(any::<i64>()),
        ) {
            let failure = PublishFailure::from_meta(code, subcode);
            prop_assert!([
                "media_fetch_failed", "unsupported_aspect_ratio", "image_too_large",
                "unsupported_video_format", "unsupported_image_format",
                "publishing_limit_reached", "media_not_ready", "media_expired",
                "token_invalid", "rate_limited", "meta_error",
            ].contains(&failure.code()));
            prop_assert!(failure.message().ends_with('.'));
            if failure.code() == "meta_error" {
                let generic = PublishFailure::Meta { code: 0, subcode: None };
                prop_assert_eq!(failure.message(), generic.message());
            }
        }

        #[test]
        fn a_known_subcode_decides_whatever_the_code(code in any::<i64>()) {
            prop_assert_eq!(
                PublishFailure::from_meta(code, Some(2207052)),
                PublishFailure::MediaFetchFailed
            );
        }
    }
}
