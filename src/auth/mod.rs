//! Who is calling: the bearer token checked against the user's current state, and the
//! scope that follows from the user's role and link.

pub mod password;
pub mod throttle;
pub mod token;

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::api::AppState;
use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::scope::Scope;
use crate::store::users::{self, UserRow};

/// The signed-in user of a request. Taking a `Caller` argument makes a handler require a
/// valid token: missing, malformed, expired or revoked tokens are a 401 before it runs.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserRow,
    pub role: Role,
    /// The path of the user's region, for coordinators and leaders.
    pub region_path: Option<String>,
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

    /// 403 unless the caller's role is one of `roles`.
    pub fn require(&self, roles: &[Role], action: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not {action}",
                self.role.as_str()
            )))
        }
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::Unauthorized(detail.to_owned())
}

/// The token of an `Authorization: Bearer …` header (scheme name in any case).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| unauthorized("a bearer token is required"))?;
            let claims = state
                .tokens
                .verify(&token)
                .ok_or_else(|| unauthorized("the token is invalid or expired"))?;
            let id: i64 = claims
                .sub
                .parse()
                .map_err(|_| unauthorized("the token is invalid or expired"))?;
            let found = db::run(&state.pool, move |conn| {
                Ok(users::with_region_path(conn, id)?)
            })
            .await?;
            let (user, region_path) =
                found.ok_or_else(|| unauthorized("the token is no longer valid"))?;
            let role = Role::parse(&user.role).ok_or_else(|| {
                ApiError::internal(format!("user {} has role {}", user.id, user.role))
            })?;
            if !user.active || user.token_version != claims.ver || user.role != claims.role {
                return Err(unauthorized("the token is no longer valid"));
            }
            Ok(Caller {
                user,
                role,
                region_path,
            })
        })
    }
}
