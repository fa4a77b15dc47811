//! Containers and media in memory, with the rules of their lifecycle: a container is
//! processed (at once for images, over a few status reads for videos), published once, and
//! expires 24 hours after its creation if it never was; each account may publish a quota of
//! posts per 24 hours. Pure: the caller passes the sandbox's clock, and the handlers turn the
//! refusals into Meta's errors.

use super::received::Fetched;
use super::spec::{ContainerSpec, Kind, PublishFault};
use super::upload::{ChunkRefusal, Upload};
use crate::random_text;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};

/// A container not published within this long is `EXPIRED`.
pub(crate) const CONTAINER_TTL: TimeDelta = TimeDelta::hours(24);
/// The publishing quota counts publishes within this window.
pub(crate) const QUOTA_WINDOW: TimeDelta = TimeDelta::hours(24);
/// Container ids count up from here, media ids from [`FIRST_MEDIA_ID`]: beyond 2^53 like
/// Meta's, and never one of the catalogue's.
const FIRST_CONTAINER_ID: u64 = 17_900_000_000_000_000;
const FIRST_MEDIA_ID: u64 = 17_950_000_000_000_000;
/// Downloads `_inspect/fetched` remembers, the oldest forgotten first.
const FETCHED_KEPT: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// A resumable video container waiting for its bytes on the upload host.
    AwaitingUpload,
    Processing {
        polls_left: u32,
    },
    Finished,
    Failed,
    Published,
}

/// An IG Container.
#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub owner: String,
    pub spec: ContainerSpec,
    created_at: DateTime<Utc>,
    stage: Stage,
    /// What arrived on the upload host (`upload_type=resumable` containers only).
    pub upload: Option<Upload>,
}

/// A container's `status_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    InProgress,
    Finished,
    Error,
    Expired,
    Published,
}

/// A published IG Media (a carousel's children are media too, with their album as parent).
#[derive(Debug, Clone)]
pub(crate) struct Media {
    pub id: String,
    pub owner: String,
    pub kind: Kind,
    pub caption: Option<String>,
    pub share_to_feed: bool,
    pub timestamp: DateTime<Utc>,
    pub shortcode: String,
    pub children: Vec<String>,
    pub parent: Option<String>,
    /// Made before the sandbox started (`SandboxOptions::seeded_media`), not published
    /// through it.
    pub seeded: bool,
}

/// Why a carousel's `children` were refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChildRefusal {
    /// Fewer than 2 or more than 10.
    Count,
    /// Unknown, or another account's.
    NotFound(String),
    /// Not created with `is_carousel_item=true`.
    NotAnItem,
    /// Not (yet) `FINISHED`.
    NotReady,
    Expired,
}

/// Why `media_publish` published nothing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PublishRefusal {
    /// Unknown, or another account's.
    NotFound,
    CarouselItem,
    AlreadyPublished,
    Expired,
    /// `IN_PROGRESS` or `ERROR`.
    NotReady,
    QuotaReached,
    /// The injected server error that publishes nothing.
    Failed,
}

/// A publish that happened.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Published {
    pub media_id: String,
    /// The injected server error that hides a successful publish.
    pub timed_out: bool,
}

/// Every container and media of the sandbox, and what happened to their comments.
#[derive(Default)]
pub(crate) struct Store {
    next_id: u64,
    containers: HashMap<String, Container>,
    /// Oldest first.
    media: Vec<Media>,
    /// Under the same lock as the media they are on.
    pub comments: crate::engagement::Comments,
    /// Media downloaded at container creation, oldest first.
    fetched: VecDeque<Fetched>,
}

impl Store {
    /// Keeps media made before the sandbox started, each account's oldest first; called
    /// before anything is published, so they list after every published post.
    pub fn seed(&mut self, media: Vec<Media>) {
        self.media.extend(media);
    }

    /// Keeps a new container of `owner`; videos are processed over `video_polls` status reads.
    pub fn create(
        &mut self,
        owner: &str,
        spec: ContainerSpec,
        now: DateTime<Utc>,
        video_polls: u32,
    ) -> String {
        let id = self.next_id(FIRST_CONTAINER_ID);
        let polls_left = if spec.kind.is_video() { video_polls } else { 0 };
        let (stage, upload) = if spec.awaits_upload {
            (Stage::AwaitingUpload, Some(Upload::default()))
        } else {
            (Stage::Processing { polls_left }, None)
        };
        let container = Container {
            owner: owner.to_owned(),
            spec,
            created_at: now,
            stage,
            upload,
        };
        self.containers.insert(id.clone(), container);
        id
    }

    /// Remembers downloads made for `container` (`None`: the creation they refused).
    pub fn record_fetched(&mut self, fetched: Vec<Fetched>, container: Option<&str>) {
        for mut f in fetched {
            f.container = container.map(str::to_owned);
            if self.fetched.len() == FETCHED_KEPT {
                self.fetched.pop_front();
            }
            self.fetched.push_back(f);
        }
    }

    /// Every download remembered, oldest first.
    pub fn fetched(&self) -> impl Iterator<Item = &Fetched> {
        self.fetched.iter()
    }

    /// Every resumable container, in id order: `(id, owner, upload)`.
    pub fn uploads(&self) -> Vec<(&str, &str, &Upload)> {
        let mut out: Vec<_> = self
            .containers
            .iter()
            .filter_map(|(id, c)| Some((id.as_str(), c.owner.as_str(), c.upload.as_ref()?)))
            .collect();
        out.sort_by_key(|(id, _, _)| *id);
        out
    }

    /// Takes a chunk of `len` bytes at `offset` of a `file_size`-byte video into container
    /// `id` (`head`: its bytes that fall within the file's first bytes). Once every byte has
    /// arrived, the video is processed over `video_polls` status reads, and ends in `ERROR`
    /// if it is no MP4 or MOV.
    pub fn take_chunk(
        &mut self,
        id: &str,
        chunk: super::upload::Chunk<'_>,
        now: DateTime<Utc>,
        video_polls: u32,
    ) -> Result<&Upload, ChunkRefusal> {
        let container = self.containers.get_mut(id).ok_or(ChunkRefusal::NoUpload)?;
        if container.upload.is_none() {
            return Err(ChunkRefusal::NoUpload);
        }
        if now - container.created_at >= CONTAINER_TTL {
            return Err(ChunkRefusal::Expired);
        }
        let upload = container.upload.as_mut().ok_or(ChunkRefusal::NoUpload)?;
        upload.take(chunk)?;
        if upload.is_complete() && container.stage == Stage::AwaitingUpload {
            container.spec.fails_processing |= !upload.is_video();
            container.stage = Stage::Processing {
                polls_left: video_polls,
            };
        }
        Ok(upload)
    }

    /// A container, whoever owns it.
    pub fn container(&self, id: &str) -> Option<&Container> {
        self.containers.get(id)
    }

    /// A container's status; `poll` counts the read as one of a video's status polls.
    pub fn status(&mut self, id: &str, now: DateTime<Utc>, poll: bool) -> Option<Status> {
        let container = self.containers.get_mut(id)?;
        Some(container.settle(now, poll))
    }

    /// Checks a carousel's children: 2 to 10 `FINISHED` carousel items of `owner`.
    pub fn check_children(
        &mut self,
        owner: &str,
        children: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), ChildRefusal> {
        if !(2..=10).contains(&children.len()) {
            return Err(ChildRefusal::Count);
        }
        for id in children {
            let child = self
                .containers
                .get_mut(id)
                .filter(|c| c.owner == owner)
                .ok_or_else(|| ChildRefusal::NotFound(id.clone()))?;
            if !child.spec.kind.is_carousel_item() {
                return Err(ChildRefusal::NotAnItem);
            }
            match child.settle(now, false) {
                Status::Finished => {}
                Status::Expired => return Err(ChildRefusal::Expired),
                _ => return Err(ChildRefusal::NotReady),
            }
        }
        Ok(())
    }

    /// `media_publish`: publishes `owner`'s `FINISHED` container once, within the quota.
    pub fn publish(
        &mut self,
        owner: &str,
        id: &str,
        now: DateTime<Utc>,
        quota: u32,
    ) -> Result<Published, PublishRefusal> {
        let usage = self.usage(owner, now - QUOTA_WINDOW, now);
        let container = self
            .containers
            .get_mut(id)
            .filter(|c| c.owner == owner)
            .ok_or(PublishRefusal::NotFound)?;
        if container.spec.kind.is_carousel_item() {
            return Err(PublishRefusal::CarouselItem);
        }
        match container.settle(now, false) {
            Status::Finished => {}
            Status::Published => return Err(PublishRefusal::AlreadyPublished),
            Status::Expired => return Err(PublishRefusal::Expired),
            Status::InProgress | Status::Error => return Err(PublishRefusal::NotReady),
        }
        if usage >= quota {
            return Err(PublishRefusal::QuotaReached);
        }
        let fault = container.spec.publish_fault;
        if fault == Some(PublishFault::Fails) {
            return Err(PublishRefusal::Failed);
        }
        container.stage = Stage::Published;
        let spec = container.spec.clone();
        let media_id = self.next_id(FIRST_MEDIA_ID);
        let mut children = Vec::new();
        for child in &spec.children {
            let kind = self
                .containers
                .get(child)
                .map_or(Kind::CarouselImage, |c| c.spec.kind);
            let child_id = self.next_id(FIRST_MEDIA_ID);
            self.media.push(Media {
                id: child_id.clone(),
                owner: owner.to_owned(),
                kind,
                caption: None,
                share_to_feed: false,
                timestamp: now,
                shortcode: random_text(8),
                children: Vec::new(),
                parent: Some(media_id.clone()),
                seeded: false,
            });
            children.push(child_id);
        }
        self.media.push(Media {
            id: media_id.clone(),
            owner: owner.to_owned(),
            kind: spec.kind,
            caption: spec.caption,
            share_to_feed: spec.share_to_feed,
            timestamp: now,
            shortcode: random_text(8),
            children,
            parent: None,
            seeded: false,
        });
        Ok(Published {
            media_id,
            timed_out: fault == Some(PublishFault::Timeout),
        })
    }

    /// A published media, whoever owns it.
    pub fn media(&self, id: &str) -> Option<&Media> {
        self.media.iter().find(|m| m.id == id)
    }

    /// `owner`'s posts (not carousel children), newest first.
    pub fn posts_of<'a>(&'a self, owner: &'a str) -> impl Iterator<Item = &'a Media> + 'a {
        self.media
            .iter()
            .rev()
            .filter(move |m| m.owner == owner && m.parent.is_none())
    }

    /// Posts `owner` published through the API after `since` (a carousel counts once).
    /// Seeded posts were made in Instagram's own app, which Meta's quota does not count.
    pub fn usage(&self, owner: &str, since: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
        let count = self
            .posts_of(owner)
            .filter(|m| !m.seeded && m.timestamp > since && m.timestamp <= now)
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    fn next_id(&mut self, base: u64) -> String {
        self.next_id += 1;
        (base + self.next_id).to_string()
    }
}

impl Container {
    /// The status now, moving processing along: a poll uses up one of a video's reads, and
    /// a container with none left is done (`FINISHED`, or `ERROR` when told to fail).
    fn settle(&mut self, now: DateTime<Utc>, poll: bool) -> Status {
        if self.stage == Stage::Published {
            return Status::Published;
        }
        if now - self.created_at >= CONTAINER_TTL {
            return Status::Expired;
        }
        if self.stage == Stage::AwaitingUpload {
            return Status::InProgress;
        }
        if let Stage::Processing { polls_left } = &mut self.stage {
            if *polls_left == 0 {
                self.stage = if self.spec.fails_processing {
                    Stage::Failed
                } else {
                    Stage::Finished
                };
            } else {
                if poll {
                    *polls_left -= 1;
                }
                return Status::InProgress;
            }
        }
        match self.stage {
            Stage::Failed => Status::Error,
            _ => Status::Finished,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind) -> ContainerSpec {
        ContainerSpec {
            kind,
            caption: None,
            children: Vec::new(),
            share_to_feed: false,
            fails_processing: false,
            publish_fault: None,
            awaits_upload: false,
        }
    }

    #[test]
    fn an_image_is_finished_at_once_and_published_once() {
        let (mut s, now) = (Store::default(), Utc::now());
        let id = s.create("a", spec(Kind::Image), now, 3);
        assert_eq!(s.status(&id, now, true), Some(Status::Finished));
        let published = s.publish("a", &id, now, 100).unwrap();
        assert!(!published.timed_out);
        assert_eq!(s.status(&id, now, true), Some(Status::Published));
        assert_eq!(
            s.publish("a", &id, now, 100),
            Err(PublishRefusal::AlreadyPublished)
        );
        assert_eq!(s.media(&published.media_id).unwrap().owner, "a");
    }

    #[test]
    fn a_video_is_in_progress_for_its_polls_then_finished() {
        let (mut s, now) = (Store::default(), Utc::now());
        let id = s.create("a", spec(Kind::Reel), now, 2);
        assert_eq!(s.publish("a", &id, now, 100), Err(PublishRefusal::NotReady));
        assert_eq!(s.status(&id, now, false), Some(Status::InProgress));
        assert_eq!(s.status(&id, now, true), Some(Status::InProgress));
        assert_eq!(s.status(&id, now, true), Some(Status::InProgress));
        assert_eq!(s.status(&id, now, true), Some(Status::Finished));
    }

    #[test]
    fn a_failing_container_ends_in_error_and_cannot_be_published() {
        let (mut s, now) = (Store::default(), Utc::now());
        let id = s.create(
            "a",
            ContainerSpec {
                fails_processing: true,
                ..spec(Kind::Reel)
            },
            now,
            1,
        );
        assert_eq!(s.status(&id, now, true), Some(Status::InProgress));
        assert_eq!(s.status(&id, now, true), Some(Status::Error));
        assert_eq!(s.publish("a", &id, now, 100), Err(PublishRefusal::NotReady));
    }

    #[test]
    fn an_unpublished_container_expires_after_a_day() {
        let (mut s, now) = (Store::default(), Utc::now());
        let id = s.create("a", spec(Kind::Image), now, 3);
        let later = now + CONTAINER_TTL;
        assert_eq!(s.status(&id, later, true), Some(Status::Expired));
        assert_eq!(
            s.publish("a", &id, later, 100),
            Err(PublishRefusal::Expired)
        );
    }

    #[test]
    fn another_accounts_container_is_not_found() {
        let (mut s, now) = (Store::default(), Utc::now());
        let id = s.create("a", spec(Kind::Image), now, 3);
        assert_eq!(s.publish("b", &id, now, 100), Err(PublishRefusal::NotFound));
        assert_eq!(s.status(&id, now, false), Some(Status::Finished));
    }

    #[test]
    fn the_quota_counts_publishes_of_the_last_day() {
        let (mut s, now) = (Store::default(), Utc::now());
        let first = s.create("a", spec(Kind::Image), now, 3);
        s.publish("a", &first, now, 1).unwrap();
        let second = s.create("a", spec(Kind::Image), now, 3);
        assert_eq!(
            s.publish("a", &second, now, 1),
            Err(PublishRefusal::QuotaReached)
        );
        assert_eq!(s.usage("a", now - QUOTA_WINDOW, now), 1);
        let tomorrow = now + QUOTA_WINDOW;
        assert_eq!(s.usage("a", tomorrow - QUOTA_WINDOW, tomorrow), 0);
    }

    #[test]
    fn a_carousel_needs_two_to_ten_finished_items_of_its_account() {
        let (mut s, now) = (Store::default(), Utc::now());
        let item = s.create("a", spec(Kind::CarouselImage), now, 3);
        let video = s.create("a", spec(Kind::CarouselVideo), now, 3);
        let theirs = s.create("b", spec(Kind::CarouselImage), now, 3);
        let post = s.create("a", spec(Kind::Image), now, 3);
        let check = |s: &mut Store, ids: &[&String]| {
            let ids: Vec<String> = ids.iter().map(|i| (*i).clone()).collect();
            s.check_children("a", &ids, now)
        };
        assert_eq!(check(&mut s, &[&item]), Err(ChildRefusal::Count));
        assert_eq!(
            check(&mut s, &[&item, &theirs]),
            Err(ChildRefusal::NotFound(theirs.clone()))
        );
        assert_eq!(check(&mut s, &[&item, &post]), Err(ChildRefusal::NotAnItem));
        assert_eq!(check(&mut s, &[&item, &video]), Err(ChildRefusal::NotReady));
        assert_eq!(check(&mut s, &[&item, &item]), Ok(()));
    }

    #[test]
    fn an_injected_publish_failure_publishes_nothing_and_a_timeout_publishes() {
        let (mut s, now) = (Store::default(), Utc::now());
        let fails = s.create(
            "a",
            ContainerSpec {
                publish_fault: Some(PublishFault::Fails),
                ..spec(Kind::Image)
            },
            now,
            3,
        );
        assert_eq!(
            s.publish("a", &fails, now, 100),
            Err(PublishRefusal::Failed)
        );
        assert_eq!(s.status(&fails, now, false), Some(Status::Finished));
        let times_out = s.create(
            "a",
            ContainerSpec {
                publish_fault: Some(PublishFault::Timeout),
                ..spec(Kind::Image)
            },
            now,
            3,
        );
        assert!(s.publish("a", &times_out, now, 100).unwrap().timed_out);
        assert_eq!(s.status(&times_out, now, false), Some(Status::Published));
    }
}
