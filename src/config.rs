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
    pub auth: AuthConfig,
    pub notify: NotifyConfig,
}

/// Notices and their outside delivery.
#[derive(Clone)]
pub struct NotifyConfig {
    /// Hosts and networks a channel may reach although they are internal (loopback,
    /// private, link-local).
    pub channel_allow: Vec<crate::domain::notice::Allow>,
    /// The service's address as people reach it, to make links in messages sent outside
    /// absolute (`https://qinqing.example.gov.cn`).
    pub public_url: Option<String>,
    /// SMTP server for e-mail channels: `smtp://user:pass@host:587` (STARTTLS required),
    /// `smtps://…` (TLS from the start) or `smtp://host:25?tls=none` (a local relay).
    pub smtp_url: Option<String>,
    /// Sender of e-mail notices.
    pub smtp_from: String,
    /// Run the reminders and the delivery worker in this process.
    pub scheduler: bool,
    pub remind_every: Duration,
    pub deliver_every: Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i32,
    /// Bound on every outside call (connect, send, answer).
    pub timeout: Duration,
    pub rules: crate::service::notices::ReminderRules,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            channel_allow: Vec::new(),
            public_url: None,
            smtp_url: None,
            smtp_from: "qinqing@localhost".into(),
            scheduler: true,
            remind_every: Duration::from_secs(60),
            deliver_every: Duration::from_secs(5),
            max_attempts: 8,
            timeout: Duration::from_secs(10),
            rules: Default::default(),
        }
    }
}

impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("channel_allow", &self.channel_allow)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("smtp_from", &self.smtp_from)
            .field("scheduler", &self.scheduler)
            .field("remind_every", &self.remind_every)
            .field("deliver_every", &self.deliver_every)
            .field("max_attempts", &self.max_attempts)
            .field("timeout", &self.timeout)
            .finish()
    }
}

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
