//! The service layer: every operation a user can do, whichever door they come through
//! (the HTTP API, the web pages, the command line, the demo loader). Each operation takes
//! the caller and plain inputs, runs its reads and writes on one connection (writes in one
//! transaction), enforces every rule of the domain, and answers with domain results or an
//! [`Error`](crate::error::Error). It knows nothing of HTTP; `store` below it knows nothing
//! of rules.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod channels;
pub mod common;
pub mod common_issues;
pub mod departments;
pub mod editions;
pub mod enterprises;
pub mod figures;
pub mod forums;
pub mod imports;
pub mod issues;
pub mod knowledge;
pub mod ledger;
pub mod notices;
pub mod regions;
pub mod reports;
pub mod templates;
pub mod users;
