//! The sandbox's fixed world: one Facebook user with three Pages (two linked to Instagram
//! professional accounts, one not) and four accounts that log in with Instagram Login. Fixed
//! so that tests, docs and a person clicking through the consent page all see the same ids;
//! docs/sandbox.md lists the same data.

/// The Facebook user every Facebook Login signs in as.
pub struct FacebookUser {
    /// The user's id (`/me` `id`).
    pub id: &'static str,
    /// The user's display name (`/me` `name`).
    pub name: &'static str,
    /// `/me` `first_name`.
    pub first_name: &'static str,
    /// `/me` `last_name`.
    pub last_name: &'static str,
}

/// A Facebook Page the sandbox user manages.
pub struct Page {
    /// The Page id.
    pub id: &'static str,
    /// The Page name, as shown on the consent page and in `/me/accounts`.
    pub name: &'static str,
    /// The Page category, as `/me/accounts` reports it.
    pub category: &'static str,
    /// The Instagram professional account linked to the Page, if any.
    pub instagram_account: Option<&'static str>,
}

/// An Instagram professional account of the sandbox.
pub struct InstagramAccount {
    /// The Instagram professional account id (`user_id` on Instagram Graph, the node id on
    /// Facebook Graph). Beyond 2^53, like Meta's.
    pub id: &'static str,
    /// The app-scoped id Instagram Graph's `/me` answers as `id` (Instagram Login only).
    pub app_scoped_id: Option<&'static str>,
    /// The handle, without `@`.
    pub username: &'static str,
    /// The display name.
    pub name: &'static str,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: &'static str,
    /// The profile's biography (Facebook Graph only).
    pub biography: &'static str,
    /// The profile's website (Facebook Graph only).
    pub website: &'static str,
    /// A URL that serves no data (the `.invalid` TLD never resolves).
    pub profile_picture_url: &'static str,
    /// Followers.
    pub followers_count: u64,
    /// Accounts followed.
    pub follows_count: u64,
    /// Posts.
    pub media_count: u64,
}

/// The one Facebook user.
pub const FACEBOOK_USER: FacebookUser = FacebookUser {
    id: "10000000000000001",
    name: "Sam Sandbox",
    first_name: "Sam",
    last_name: "Sandbox",
};

/// The sandbox user's Pages, in the order `/me/accounts` lists them.
pub const PAGES: [Page; 3] = [
    Page {
        id: "100000000000101",
        name: "Sunrise Bakery",
        category: "Bakery",
        instagram_account: Some("17841400000000101"),
    },
    Page {
        id: "100000000000102",
        name: "Harbor Studio",
        category: "Photographer",
        instagram_account: Some("17841400000000102"),
    },
    Page {
        id: "100000000000103",
        name: "Quiet Page",
        category: "Community",
        instagram_account: None,
    },
];

/// The Instagram accounts linked to Pages, reached through Facebook Login.
pub const PAGE_INSTAGRAM_ACCOUNTS: [InstagramAccount; 2] = [
    InstagramAccount {
        id: "17841400000000101",
        app_scoped_id: None,
        username: "sunrise.bakery",
        name: "Sunrise Bakery",
        account_type: "BUSINESS",
        biography: "Sourdough at dawn, pastries all day.",
        website: "https://sunrise-bakery.igconnect.invalid/",
        profile_picture_url: "https://sandbox.igconnect.invalid/avatars/sunrise.bakery.png",
        followers_count: 1520,
        follows_count: 180,
        media_count: 342,
    },
    InstagramAccount {
        id: "17841400000000102",
        app_scoped_id: None,
        username: "harbor.studio",
        name: "Harbor Studio",
        account_type: "MEDIA_CREATOR",
        biography: "Portraits and seascapes from the harbor.",
        website: "https://harbor-studio.igconnect.invalid/",
        profile_picture_url: "https://sandbox.igconnect.invalid/avatars/harbor.studio.png",
        followers_count: 8730,
        follows_count: 412,
        media_count: 1204,
    },
];

/// The accounts that sign in with Instagram Login, in the order the consent page offers them.
/// The last two are a creator's own account and an agency's company account, the pair the
/// teams walkthrough (README) shares and transfers.
pub const INSTAGRAM_LOGIN_ACCOUNTS: [InstagramAccount; 4] = [
    InstagramAccount {
        id: "17841400000000201",
        app_scoped_id: Some("26000000000000201"),
        username: "pixel.cafe",
        name: "Pixel Cafe",
        account_type: "BUSINESS",
        biography: "Coffee, pixels and board games.",
        website: "https://pixel-cafe.igconnect.invalid/",
        profile_picture_url: "https://sandbox.igconnect.invalid/avatars/pixel.cafe.png",
        followers_count: 2048,
        follows_count: 256,
        media_count: 128,
    },
    InstagramAccount {
        id: "17841400000000202",
        app_scoped_id: Some("26000000000000202"),
        username: "nova.creates",
        name: "Nova Creates",
        account_type: "MEDIA_CREATOR",
        biography: "Illustration and motion design.",
        website: "https://nova-creates.igconnect.invalid/",
        profile_picture_url: "https://sandbox.igconnect.invalid/avatars/nova.creates.png",
        followers_count: 12500,
        follows_count: 310,
        media_count: 587,
    },
    InstagramAccount {
        id: "17841400000000203",
        app_scoped_id: Some("26000000000000203"),
        username: "dan_creative",
        name: "Dan Creative",
        account_type: "MEDIA_CREATOR",
        biography: "Dan's own work: type, posters, small films.",
        website: "https://dan-creative.igconnect.invalid/",
        profile_picture_url: "https://sandbox.igconnect.invalid/avatars/dan_creative.png",
        followers_count: 3410,
        follows_count: 520,
        media_count: 214,
    },
    InstagramAccount {
        id: "17841400000000204",
        app_scoped_id: Some("26000000000000204"),
        username: "creative_studios_official",
        name: "Creative Studios",
        account_type: "BUSINESS",
        biography: "The studio's official account.",
        website: "https://creative-studios.igconnect.invalid/",
        profile_picture_url: "https://sandbox.igconnect.invalid/avatars/creative_studios_official.png",
        followers_count: 48200,
        follows_count: 150,
        media_count: 1630,
    },
];

/// The Page with this id.
pub fn page(id: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.id == id)
}

/// A Page-linked Instagram account by its id.
pub fn page_instagram_account(id: &str) -> Option<&'static InstagramAccount> {
    PAGE_INSTAGRAM_ACCOUNTS.iter().find(|a| a.id == id)
}

/// An Instagram Login account by its professional account id.
pub fn instagram_login_account(id: &str) -> Option<&'static InstagramAccount> {
    INSTAGRAM_LOGIN_ACCOUNTS.iter().find(|a| a.id == id)
}

/// Permissions the Facebook dialog knows; any other requested scope is refused, as Meta
/// refuses invalid scopes.
pub const FACEBOOK_PERMISSIONS: [&str; 10] = [
    "public_profile",
    "email",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "business_management",
];

/// Permissions the Instagram dialog knows.
pub const INSTAGRAM_PERMISSIONS: [&str; 5] = [
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linked_page_points_at_a_catalogued_account() {
        for p in PAGES.iter() {
            if let Some(ig) = p.instagram_account {
                assert!(page_instagram_account(ig).is_some(), "{}", p.name);
            }
        }
    }

    #[test]
    fn instagram_login_accounts_have_app_scoped_ids() {
        assert!(
            INSTAGRAM_LOGIN_ACCOUNTS
                .iter()
                .all(|a| a.app_scoped_id.is_some())
        );
    }
}
