//! The command line: `serve` (the default) and `migrate`. Every option can also be given
//! through the environment, so containers need no arguments.

use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::Config;

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
    #[arg(long, env = "DATABASE_URL", default_value = "qinqing.db", global = true)]
    pub database_url: String,

    /// Address and port to listen on
    #[arg(long, env = "QINQING_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,

    /// Log filter: a level (error, warn, info, debug, trace) or per-module directives
    /// such as `info,qinqing=debug`
    #[arg(long, env = "QINQING_LOG", default_value = "info", global = true)]
    pub log_level: String,

    /// Largest number of database connections this process keeps open
    #[arg(long, env = "QINQING_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub db_pool_size: u32,

    /// Seconds a request waits for a database connection before answering 503
    #[arg(long, env = "QINQING_DB_TIMEOUT", default_value_t = 3, global = true)]
    pub db_timeout: u64,

    /// HTTP worker threads (default: one per core)
    #[arg(long, env = "QINQING_WORKERS", global = true)]
    pub workers: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default)
    Serve,
    /// Apply pending migrations and exit
    Migrate,
}

impl Cli {
    pub fn config(&self) -> Config {
        Config {
            database_url: self.database_url.clone(),
            bind: self.bind.clone(),
            db_pool_size: self.db_pool_size.max(1),
            db_timeout: Duration::from_secs(self.db_timeout.max(1)),
            workers: self.workers,
        }
    }
}

/// Runs the command; the error is the message to print before exiting non-zero.
pub fn run(cli: Cli) -> Result<(), String> {
    init_logging(&cli.log_level);
    let config = cli.config();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => crate::server::serve(config),
        Command::Migrate => {
            let applied = crate::server::migrate(&config)?;
            if applied.is_empty() {
                println!("database is up to date");
            } else {
                for name in applied {
                    println!("applied {name}");
                }
            }
            Ok(())
        }
    }
}

fn init_logging(filter: &str) {
    let _ = env_logger::Builder::new()
        .parse_filters(filter)
        .format_timestamp_millis()
        .try_init();
}
