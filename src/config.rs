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
