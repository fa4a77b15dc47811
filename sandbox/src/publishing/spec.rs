//! What a container is: the kind of post it will become (from `media_type`,
//! `is_carousel_item` and its URL) and what was asked of it at creation. `create` builds a
//! [`ContainerSpec`], the store keeps it, the media inherit its kind.

/// What a container will publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A feed image (`media_type` IMAGE, the default).
    Image,
    /// A carousel item (`is_carousel_item=true`) with an image.
    CarouselImage,
    /// A carousel item with a video (`media_type=VIDEO`).
    CarouselVideo,
    /// `media_type=REELS`.
    Reel,
    /// `media_type=STORIES` with `image_url`.
    StoryImage,
    /// `media_type=STORIES` with `video_url`.
    StoryVideo,
    /// `media_type=CAROUSEL` with `children`.
    Carousel,
}

impl Kind {
    /// Whether the media is a video (processed over several status reads).
    pub fn is_video(self) -> bool {
        matches!(self, Self::CarouselVideo | Self::Reel | Self::StoryVideo)
    }

    /// Whether the container only exists to be a child of a carousel.
    pub fn is_carousel_item(self) -> bool {
        matches!(self, Self::CarouselImage | Self::CarouselVideo)
    }

    /// IG Media `media_type`.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Carousel => "CAROUSEL_ALBUM",
            k if k.is_video() => "VIDEO",
            _ => "IMAGE",
        }
    }

    /// IG Media `media_product_type`.
    pub fn product_type(self) -> &'static str {
        match self {
            Self::Reel => "REELS",
            Self::StoryImage | Self::StoryVideo => "STORY",
            _ => "FEED",
        }
    }
}

/// What went wrong at `media_publish`, chosen by the media URL (see `refusals::Fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublishFault {
    /// Publishes, then answers a server error: the caller cannot know it worked.
    Timeout,
    /// Answers a server error and publishes nothing.
    Fails,
}

/// A validated container creation request.
#[derive(Debug, Clone)]
pub(crate) struct ContainerSpec {
    pub kind: Kind,
    pub caption: Option<String>,
    pub children: Vec<String>,
    pub share_to_feed: bool,
    /// The container ends in `ERROR` instead of `FINISHED`.
    pub fails_processing: bool,
    pub publish_fault: Option<PublishFault>,
    /// `upload_type=resumable`: the video's bytes come to the upload host, and processing
    /// starts once all of them arrived.
    pub awaits_upload: bool,
}
