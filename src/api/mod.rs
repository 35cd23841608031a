//! The API's door: one module per resource, mounted by `routes` under `/api/v1` (and the
//! operations' paths `/healthz`, `/readyz`, `/metrics`, the spec).

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod common;
pub mod common_issues;
pub mod departments;
pub mod editions;
pub mod enterprises;
pub mod extract;
pub mod forums;
pub mod health;
pub mod imports;
pub mod issues;
pub mod knowledge;
pub mod metrics;
pub mod notifications;
pub mod problem;
pub mod regions;
pub mod reports;
pub mod spec;
pub mod stats;
pub mod users;

use actix_web::web;

pub use crate::http::AppState;

/// Every route of the API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    metrics::routes(cfg);
    spec::routes(cfg);
    auth::routes(cfg);
    users::routes(cfg);
    regions::routes(cfg);
    knowledge::routes(cfg);
    attachments::routes(cfg);
    common_issues::routes(cfg);
    departments::routes(cfg);
    enterprises::routes(cfg);
    calendar::routes(cfg);
    editions::routes(cfg);
    forums::routes(cfg);
    issues::routes(cfg);
    notifications::routes(cfg);
    stats::routes(cfg);
    reports::routes(cfg);
    audit::routes(cfg);
    imports::routes(cfg);
}
