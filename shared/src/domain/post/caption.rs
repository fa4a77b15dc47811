//! A post's caption within Instagram's limits: 2,200 characters, 30 hashtags, 20 mentions.
//! Meta refuses a longer one only when the post is published, which for a scheduled post is
//! long after the user has gone; checking here refuses it while they can still fix it.
//!
//! How things are counted, and why:
//! - Characters are Unicode scalar values (`char`s): an emoji made of several code points
//!   (a flag, a family, a skin tone) counts as several, as Meta counts them. Bytes would
//!   punish non-Latin scripts; grapheme clusters would let through captions Meta refuses.
//! - A hashtag is `#` followed by a word character (a Unicode letter or digit, or `_`),
//!   wherever it stands: `#café` and `#2024` count, `##tag` and `#one#two` count one and
//!   two, a lone `#` or `# tag` counts nothing.
//! - A mention is `@` followed by a username character (ASCII letter, digit, `.` or `_`),
//!   wherever it stands, so an e-mail address such as `hi@acme.com` counts as one.
//!
//! Counting wherever the sigil stands may count something Meta does not; it never misses
//! something Meta counts. Refusing a borderline caption now is better than a scheduled post
//! failing later.

use super::error::PostError;
use super::handle::is_handle_char;
use serde::Serialize;

/// The most characters a caption may have.
pub const MAX_CAPTION_CHARS: usize = 2200;
/// The most hashtags a caption may have.
pub const MAX_HASHTAGS: usize = 30;
/// The most `@mentions` a caption may have.
pub const MAX_MENTIONS: usize = 20;

/// A caption Meta will take: at most [`MAX_CAPTION_CHARS`] characters, [`MAX_HASHTAGS`]
/// hashtags and [`MAX_MENTIONS`] mentions, counted as the module explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Caption(String);

impl Caption {
    /// Checks a caption against Instagram's limits, length first.
    pub fn parse(text: impl Into<String>) -> Result<Self, PostError> {
        let text = text.into();
        let chars = text.chars().count();
        if chars > MAX_CAPTION_CHARS {
            return Err(PostError::CaptionTooLong { chars });
        }
        let count = hashtags_in(&text);
        if count > MAX_HASHTAGS {
            return Err(PostError::TooManyHashtags { count });
        }
        let count = mentions_in(&text);
        if count > MAX_MENTIONS {
            return Err(PostError::TooManyMentions { count });
        }
        Ok(Self(text))
    }

    /// The caption as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many hashtags it has.
    pub fn hashtags(&self) -> usize {
        hashtags_in(&self.0)
    }

    /// How many `@mentions` it has.
    pub fn mentions(&self) -> usize {
        mentions_in(&self.0)
    }
}

fn hashtags_in(text: &str) -> usize {
    sigils_in(text, '#', |c| c.is_alphanumeric() || c == '_')
}

fn mentions_in(text: &str) -> usize {
    sigils_in(text, '@', is_handle_char)
}

/// How many times `sigil` is directly followed by a character `names` accepts.
fn sigils_in(text: &str, sigil: char, names: impl Fn(char) -> bool) -> usize {
    text.chars()
        .zip(text.chars().skip(1))
        .filter(|&(c, next)| c == sigil && names(next))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_caption_of_2200_characters_is_taken_and_one_more_is_too_long() {
        assert!(Caption::parse("é".repeat(MAX_CAPTION_CHARS)).is_ok());
        assert_eq!(
            Caption::parse("é".repeat(MAX_CAPTION_CHARS + 1)),
            Err(PostError::CaptionTooLong { chars: 2201 })
        );
    }

    #[test]
    fn characters_are_unicode_scalar_values_not_bytes_or_graphemes() {
        // A family emoji: one grapheme, five scalar values, 18 bytes.
        let family = "👨‍👩‍👧";
        assert_eq!(family.chars().count(), 5);
        let fits = family.repeat(MAX_CAPTION_CHARS / 5);
        assert!(Caption::parse(fits).is_ok());
        assert!(Caption::parse(family.repeat(MAX_CAPTION_CHARS / 5 + 1)).is_err());
    }

    #[test]
    fn more_than_30_hashtags_are_too_many() {
        let tags = |n: usize| {
            (0..n)
                .map(|i| format!("#tag{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert!(Caption::parse(tags(30)).is_ok());
        assert_eq!(
            Caption::parse(tags(31)),
            Err(PostError::TooManyHashtags { count: 31 })
        );
    }

    #[test]
    fn more_than_20_mentions_are_too_many() {
        let mentions = |n: usize| (0..n).map(|i| format!("@user{i}")).collect::<String>();
        assert!(Caption::parse(mentions(20)).is_ok());
        assert_eq!(
            Caption::parse(mentions(21)),
            Err(PostError::TooManyMentions { count: 21 })
        );
    }

    #[test]
    fn a_hashtag_is_a_hash_followed_by_a_word_character_anywhere() {
        let caption = Caption::parse("#café #2024 ##double #one#two # lone #").unwrap();
        assert_eq!(caption.hashtags(), 5);
    }

    #[test]
    fn a_mention_is_an_at_followed_by_a_username_character_anywhere() {
        let caption = Caption::parse("@acme @@shop write hi@acme.com @ nobody @é").unwrap();
        assert_eq!(caption.mentions(), 3);
    }

    fn text_without_sigils() -> impl Strategy<Value = String> {
        "[^#@]{0,80}"
    }

    proptest! {
        #[test]
        fn any_caption_within_every_limit_parses(
            text in proptest::collection::vec(text_without_sigils(), 51),
            hashtags in proptest::collection::vec("#[\\w]{1,20}", 0..=30),
            mentions in proptest::collection::vec("@[a-z0-9._]{1,30}", 0..=20),
        ) {
            // Text holds no # or @, so each inserted tag counts once however its neighbours
            // look; cutting at 2,200 characters can only remove tags, never add one.
            let tags = hashtags.iter().chain(&mentions);
            let mut caption = String::new();
            for (plain, tag) in text.iter().zip(tags.map(String::as_str).chain(std::iter::repeat(""))) {
                caption.push_str(plain);
                caption.push_str(tag);
            }
            let caption: String = caption.chars().take(MAX_CAPTION_CHARS).collect();
            prop_assert!(Caption::parse(caption).is_ok());
        }

        #[test]
        fn a_caption_over_2200_characters_never_parses(
            chars in proptest::collection::vec(any::<char>(), MAX_CAPTION_CHARS + 1..3000)
        ) {
            let caption: String = chars.into_iter().collect();
            prop_assert_eq!(Caption::parse(caption).unwrap_err().code(), "caption_too_long");
        }

        #[test]
        fn no_more_hashtags_or_mentions_are_counted_than_there_are_sigils(text in ".{0,200}") {
            prop_assert!(hashtags_in(&text) <= text.matches('#').count());
            prop_assert!(mentions_in(&text) <= text.matches('@').count());
        }
    }
}
