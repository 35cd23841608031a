//! The whole test suite as one binary: every file speaks HTTP to the real application over
//! its own fresh database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` names a server),
//! so the tests of every file run in parallel with each other and the crate is linked once.

mod browser;
mod common;

mod accounts;
mod admin_pages;
mod administration;
mod attachments;
mod audit;
mod authorization;
mod backup;
mod demo;
mod documents;
mod export;
mod forums;
mod foundation;
mod hardening;
mod issues;
mod migrations;
mod notifications;
mod pages;
mod periods;
mod reference;
mod search;
mod sequences;
mod spec;
mod stats;
mod tour;
mod web;
mod web_files;
