//! The command line as parsed: the commands and every option. Every option can also be
//! given through the environment, so containers need no arguments. `commands` runs them.

use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::{AuthConfig, Config, NotifyConfig};
use crate::service::notices::ReminderRules;

#[derive(Debug, Parser)]
#[command(
    name = "qinqing",
    version,
    about = "亲清直通车·政企恳谈会 issue tracker: forums, issues, assignment, answers, ratings and figures"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Database: a `postgres://` URL for PostgreSQL, anything else is a SQLite file path
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "qinqing.db",
        global = true
    )]
    pub database_url: String,

    /// Address and port to listen on
    #[arg(
        long,
        env = "QINQING_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Log filter: a level (error, warn, info, debug, trace) or per-module directives
    /// such as `info,qinqing=debug`
    #[arg(long, env = "QINQING_LOG", default_value = "info", global = true)]
    pub log_level: String,

    /// Largest number of database connections this process keeps open
    #[arg(
        long,
        env = "QINQING_DB_POOL_SIZE",
        default_value_t = 16,
        global = true
    )]
    pub db_pool_size: u32,

    /// Seconds a request waits for a database connection before answering 503
    #[arg(long, env = "QINQING_DB_TIMEOUT", default_value_t = 3, global = true)]
    pub db_timeout: u64,

    /// HTTP worker threads (default: one per core)
    #[arg(long, env = "QINQING_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Secret for signing access tokens, at least 32 bytes; never kept in the database.
    /// Required on PostgreSQL (the same on every instance); on SQLite, when unset, one is
    /// generated at the first start into a file beside the database (`<database>.secret`)
    #[arg(
        long,
        env = "QINQING_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// Lifetime of an access token, in seconds
    #[arg(long, env = "QINQING_TOKEN_TTL", default_value_t = 7200, global = true)]
    pub token_ttl: i64,

    /// Mark the web pages' session cookie `Secure`: set it when the service is reached
    /// over HTTPS (behind a TLS-terminating proxy), so browsers never send it in clear
    #[arg(long, env = "QINQING_COOKIE_SECURE", global = true)]
    pub cookie_secure: bool,

    /// Reverse proxies whose `X-Forwarded-For` header names the client (for the sign-in
    /// throttle), comma-separated addresses or networks: e.g. `127.0.0.1,10.0.0.0/8`.
    /// Without it the TCP peer is the client
    #[arg(
        long,
        env = "QINQING_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,

    /// Serve `GET /metrics` (Prometheus text format, no token) on the main address
    #[arg(long, env = "QINQING_METRICS", global = true)]
    pub metrics: bool,

    /// Serve `GET /metrics` on this address (e.g. `127.0.0.1:9464`) instead of the main one
    #[arg(long, env = "QINQING_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,

    /// Seconds a request's body may take to arrive after its head; a slower one is answered
    /// 408 and its connection closed
    #[arg(
        long,
        env = "QINQING_BODY_TIMEOUT",
        default_value_t = 60,
        global = true
    )]
    pub body_timeout: u64,

    /// The largest file (附件) kept, in MB; a larger one is refused 413
    #[arg(long, env = "QINQING_FILE_MAX_MB", default_value_t = 10, global = true)]
    pub file_max_mb: u32,

    /// How many files one issue or forum carries (withdrawn ones not counted)
    #[arg(
        long,
        env = "QINQING_FILES_PER_ISSUE",
        default_value_t = 10,
        global = true
    )]
    pub files_per_issue: u32,

    /// Keep files' bytes in a directory (`file:///var/lib/qinqing/files`) or an S3-compatible
    /// bucket (`s3://bucket/prefix`, credentials and endpoint from `AWS_*`) instead of the
    /// database
    #[arg(long, env = "QINQING_FILE_STORE", global = true)]
    pub file_store: Option<String>,

    /// Load the demo data set at start when the database has no issue yet
    #[arg(long, env = "QINQING_DEMO", global = true)]
    pub demo: bool,

    /// Password of the demo users (with --demo)
    #[arg(
        long,
        env = "QINQING_DEMO_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub demo_password: Option<String>,

    /// Password for the first administrator (user `admin`), created at start when the
    /// database has no user yet
    #[arg(
        long,
        env = "QINQING_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,

    /// Hosts or networks (CIDR) that channels may reach although internal (loopback,
    /// private, link-local), comma-separated: e.g. `127.0.0.1,10.8.0.0/16,hooks.internal`
    #[arg(long, env = "QINQING_CHANNEL_ALLOW", default_value = "", global = true)]
    pub channel_allow: String,

    /// The address people reach the service at, to make links in outside messages
    /// absolute (e.g. `https://qinqing.example.gov.cn`)
    #[arg(long, env = "QINQING_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// SMTP server for e-mail channels: `smtp://user:pass@host:587` (STARTTLS required),
    /// `smtps://user:pass@host:465` (TLS), or `smtp://host:25?tls=none` (a local relay)
    #[arg(long, env = "QINQING_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Sender address of e-mail notices
    #[arg(
        long,
        env = "QINQING_SMTP_FROM",
        default_value = "qinqing@localhost",
        global = true
    )]
    pub smtp_from: String,

    /// Do not run the reminders and the delivery worker in this process (another instance,
    /// or `qinqing remind` from cron, does)
    #[arg(long, env = "QINQING_NO_SCHEDULER", global = true)]
    pub no_scheduler: bool,

    /// Seconds between passes of the reminders
    #[arg(
        long,
        env = "QINQING_REMIND_EVERY",
        default_value_t = 60,
        global = true
    )]
    pub remind_every: u64,

    /// Seconds between passes of the delivery worker
    #[arg(
        long,
        env = "QINQING_DELIVER_EVERY",
        default_value_t = 5,
        global = true
    )]
    pub deliver_every: u64,

    /// Attempts at delivering a notice to a channel before it is marked failed
    #[arg(
        long,
        env = "QINQING_DELIVERY_ATTEMPTS",
        default_value_t = 8,
        global = true
    )]
    pub delivery_attempts: i32,

    /// Seconds allowed for each outside call (connect, send, answer)
    #[arg(
        long,
        env = "QINQING_DELIVERY_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub delivery_timeout: u64,

    /// Working days a department has to sign for an assignment (签收时限)
    #[arg(long, env = "QINQING_SIGN_DAYS", default_value_t = 1, global = true)]
    pub sign_days: u32,

    /// Working days an answer may wait for its rating before the Federation is reminded to
    /// call the enterprise (回访)
    #[arg(
        long,
        env = "QINQING_FOLLOW_UP_DAYS",
        default_value_t = 5,
        global = true
    )]
    pub follow_up_days: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default)
    Serve,
    /// Apply pending migrations and exit
    Migrate,
    /// Create a user; the password is read from standard input (one line)
    CreateUser(CreateUser),
    /// Load the demo data set: Huzhou's programme from its first edition (2022-06-08) to today
    Demo(DemoArgs),
    /// Produce the reminders due at a time (default: now) and deliver the notices waiting,
    /// once, then exit (the server does this by itself unless --no-scheduler)
    Remind(RemindArgs),
    /// Copy the SQLite database, consistently, while the service runs (for PostgreSQL, prints
    /// the pg_dump command to use)
    Backup(BackupArgs),
    /// Replace the SQLite database with a backup (stop the service first; for PostgreSQL,
    /// prints the pg_restore command to use)
    Restore(RestoreArgs),
    /// Compare the figures' kept sums with a recount of the issues, group by group (region,
    /// lead department, category, channel); exits 1 when any differs
    CheckFigures,
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist yet
    #[arg(long)]
    pub to: std::path::PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file written by `qinqing backup`
    #[arg(long)]
    pub from: std::path::PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RemindArgs {
    /// The time to remind as of, RFC 3339 (e.g. `2026-12-07T09:00:00+08:00`)
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Password of every demo user
    #[arg(
        long,
        env = "QINQING_DEMO_PASSWORD",
        hide_env_values = true,
        required_unless_present = "copy_from"
    )]
    pub password: Option<String>,
    /// PostgreSQL only: copy the demo from a SQLite file that `qinqing demo` loaded earlier
    /// (its users keep that load's password) instead of playing the programme back again
    #[arg(long, value_name = "SQLITE_FILE", conflicts_with = "password")]
    pub copy_from: Option<std::path::PathBuf>,
    /// Erase every issue, forum, enterprise, department and user first
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct CreateUser {
    /// Login name: 3–64 of a–z, 0–9, '.', '_', '-'
    #[arg(long)]
    pub username: String,
    /// admin, coordinator, leader, department or enterprise
    #[arg(long)]
    pub role: String,
    /// Name shown to others (default: the username)
    #[arg(long)]
    pub display_name: Option<String>,
    /// Region code, for coordinators and leaders (e.g. 330500 for 湖州市)
    #[arg(long)]
    pub region: Option<String>,
    /// Department id, for department case handlers
    #[arg(long)]
    pub department: Option<i64>,
    /// Enterprise id, for enterprise users
    #[arg(long)]
    pub enterprise: Option<i64>,
}

impl Cli {
    pub fn config(&self) -> Result<Config, String> {
        let channel_allow = crate::domain::notice::Allow::parse_list(&self.channel_allow)
            .map_err(|e| format!("--channel-allow (QINQING_CHANNEL_ALLOW): {e}"))?;
        let trusted_proxies = crate::domain::notice::Allow::parse_list(&self.trusted_proxies)
            .map_err(|e| format!("--trusted-proxies (QINQING_TRUSTED_PROXIES): {e}"))?;
        if let Some(crate::domain::notice::Allow::Host(h)) = trusted_proxies
            .iter()
            .find(|a| matches!(a, crate::domain::notice::Allow::Host(_)))
        {
            return Err(format!(
                "--trusted-proxies (QINQING_TRUSTED_PROXIES): `{h}` is not an address or network"
            ));
        }
        Ok(Config {
            database_url: self.database_url.clone(),
            bind: self.bind.clone(),
            db_pool_size: self.db_pool_size.max(1),
            db_timeout: Duration::from_secs(self.db_timeout.max(1)),
            workers: self.workers,
            metrics: self.metrics && self.metrics_bind.is_none(),
            metrics_bind: self.metrics_bind.clone().filter(|s| !s.is_empty()),
            body_timeout: Duration::from_secs(self.body_timeout.max(1)),
            files: crate::service::attachments::Limits {
                max_bytes: self.file_max_mb.clamp(1, 1024) as usize * 1024 * 1024,
                per_place: i64::from(self.files_per_issue.max(1)),
            },
            file_store: self.file_store.clone().filter(|s| !s.trim().is_empty()),
            auth: AuthConfig {
                jwt_secret: self.jwt_secret.clone().filter(|s| !s.is_empty()),
                token_ttl_seconds: self.token_ttl.max(60),
                admin_password: self.admin_password.clone().filter(|s| !s.is_empty()),
                cookie_secure: self.cookie_secure,
                trusted_proxies,
            },
            notify: NotifyConfig {
                channel_allow,
                public_url: self
                    .public_url
                    .clone()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.trim_end_matches('/').to_owned()),
                smtp_url: self.smtp_url.clone().filter(|s| !s.is_empty()),
                smtp_from: self.smtp_from.clone(),
                scheduler: !self.no_scheduler,
                remind_every: Duration::from_secs(self.remind_every.max(1)),
                deliver_every: Duration::from_secs(self.deliver_every.max(1)),
                max_attempts: self.delivery_attempts.max(1),
                timeout: Duration::from_secs(self.delivery_timeout.max(1)),
                rules: ReminderRules {
                    sign_days: self.sign_days.max(1),
                    follow_up_days: self.follow_up_days.max(1),
                    ..Default::default()
                },
            },
        })
    }
}
