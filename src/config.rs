//! Settings of one running instance, gathered from the command line and environment.

use std::time::Duration;

use crate::db::{Backend, PoolOptions};

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub db_pool_size: u32,
    pub db_timeout: Duration,
    pub workers: Option<usize>,
    /// Serve `/metrics` on the main address.
    pub metrics: bool,
    /// Serve `/metrics` on this address instead.
    pub metrics_bind: Option<String>,
    /// How long a request's body may take to arrive after its head.
    pub body_timeout: Duration,
    /// How large a file may be and how many an issue or forum carries.
    pub files: crate::service::attachments::Limits,
    /// Where files' bytes are kept, when not in the database (`--file-store`).
    pub file_store: Option<String>,
    pub auth: AuthConfig,
    pub notify: NotifyConfig,
}

/// Notices and their outside delivery (the service's own settings type, which the
/// notifications' operations read).
pub use crate::service::notices::NotifyConfig;

/// Token settings. Without a configured secret, one is generated once and kept in the
/// database, so that restarts and every instance on that database accept the same tokens.
#[derive(Clone, Default)]
pub struct AuthConfig {
    pub jwt_secret: Option<String>,
    pub token_ttl_seconds: i64,
    pub admin_password: Option<String>,
    /// Mark the web session cookie `Secure` (served behind HTTPS).
    pub cookie_secure: bool,
    /// Proxies whose `X-Forwarded-For` names the client (addresses or networks).
    pub trusted_proxies: Vec<crate::domain::notice::Allow>,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("token_ttl_seconds", &self.token_ttl_seconds)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<set>"),
            )
            .field("cookie_secure", &self.cookie_secure)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

impl Config {
    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.database_url)
    }

    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.db_pool_size,
            timeout: self.db_timeout,
        }
    }
}
