//! Who is calling: the verified identity every authenticated use case receives.

use super::{TenantId, UserId};
use serde::{Deserialize, Serialize};

/// A member's role in their tenant, from the identity token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    /// Parses the role claim; unknown roles are refused rather than mapped to `member`, so a
    /// typo in the identity provider's configuration fails loudly.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }

    /// Owners and admins act for the company.
    pub fn is_company_admin(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// The authenticated caller: a user of a tenant with a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    pub user: UserId,
    pub role: Role,
}
