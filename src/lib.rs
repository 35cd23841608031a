//! qinqing (亲清): the issue tracker behind a city's weekly government–enterprise forum,
//! 亲清直通车·政企恳谈会. `main.rs` parses the command line; everything else lives here.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod net;
pub mod notify;
pub mod objects;
pub mod server;
pub mod service;
pub mod store;
pub mod web;
