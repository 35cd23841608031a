//! Who is calling: credentials checked against the user's current state (tokens,
//! passwords, the sign-in throttle), and the scope that follows from the user's role.

pub mod callers;
pub mod password;
pub mod token;

use crate::db::DbConn;
use crate::domain::role::Role;
use crate::error::Error;
use crate::store::scope::Scope;
use crate::store::users::{self, UserRow};

/// The signed-in user on whose behalf an operation runs, with the role and region that
/// decide what they may see and do.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Shared: a caller is cloned into every request that presents its token.
    pub user: std::sync::Arc<UserRow>,
    pub role: Role,
    /// The path of the user's region, for coordinators and leaders.
    pub region_path: Option<String>,
    /// An enterprise user's enterprise's region, as read with the user.
    pub enterprise_region_id: Option<i64>,
}

impl Caller {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// What this caller may see.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::All,
            // A path no region has: a region user without a region sees nothing.
            Role::Coordinator | Role::Leader => {
                Scope::Region(self.region_path.clone().unwrap_or_else(|| "-".into()))
            }
            Role::Department => Scope::Department(self.user.department_id.unwrap_or(-1)),
            Role::Enterprise => Scope::Enterprise(self.user.enterprise_id.unwrap_or(-1)),
        }
    }

    /// Whether the caller's region is a top one (the city): its coordinators run the
    /// programme's editions, which every district's forums belong to.
    pub fn at_top_region(&self) -> bool {
        self.region_path
            .as_deref()
            .is_some_and(|p| p.split('/').filter(|s| !s.is_empty()).count() == 1)
    }

    /// 403 unless the caller's role is one of `roles`.
    /// Whether the caller's role may do what `can` names.
    pub fn may(&self, can: crate::domain::role::Can) -> bool {
        self.role.may(can)
    }

    /// Refuses (403) what the caller's role may not do.
    pub fn require_to(&self, can: crate::domain::role::Can) -> Result<(), Error> {
        self.require(can.roles(), can.what())
    }

    pub fn require(&self, roles: &[Role], action: &str) -> Result<(), Error> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "the {} role may not {action}",
                self.role.as_str()
            )))
        }
    }
}

/// The caller a verified credential names, when the user's current state still accepts it:
/// active, with the same token version and role as when the credential was issued.
pub fn resolve(
    conn: &mut DbConn,
    user_id: i64,
    token_version: i64,
    role: &str,
) -> Result<Option<Caller>, Error> {
    let Some((user, region_path, enterprise_region_id)) = users::with_region_path(conn, user_id)?
    else {
        return Ok(None);
    };
    let parsed = Role::parse(&user.role)
        .ok_or_else(|| Error::internal(format!("user {} has role {}", user.id, user.role)))?;
    if !user.active || user.token_version != token_version || user.role != role {
        return Ok(None);
    }
    Ok(Some(Caller {
        user: std::sync::Arc::new(user),
        role: parsed,
        region_path,
        enterprise_region_id,
    }))
}
