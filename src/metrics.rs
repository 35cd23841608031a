//! `/metrics` in Prometheus' text format: requests and their latency by route, method and
//! status, counted as they are answered; the pool's connections, issues by state, overdue
//! issues and notices waiting for delivery, read when scraped.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::{DbConn, Pool};
use crate::error::Error;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    /// The route's pattern (`/api/v1/issues/{id}`), so that ids do not make new series.
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct State {
    state: String,
}

type Latency = Family<Route, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 8 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

/// The service's metrics; one per process, shared by every worker.
pub struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    latency: Latency,
    pool: Family<State, Gauge>,
    issues: Family<State, Gauge>,
    overdue: Gauge,
    waiting: Gauge,
    failed: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<Answered, Counter>::default();
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        let pool = Family::<State, Gauge>::default();
        let issues = Family::<State, Gauge>::default();
        let overdue = Gauge::default();
        let waiting = Gauge::default();
        let failed = Gauge::default();
        registry.register(
            "qinqing_http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        registry.register(
            "qinqing_http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern and method",
            latency.clone(),
        );
        registry.register(
            "qinqing_db_pool_connections",
            "Database connections of this process's pool, idle or in use",
            pool.clone(),
        );
        registry.register(
            "qinqing_issues",
            "Issues by state (the whole database)",
            issues.clone(),
        );
        registry.register(
            "qinqing_issues_overdue",
            "Issues whose due date has passed and that a department still holds",
            overdue.clone(),
        );
        registry.register(
            "qinqing_notices_waiting",
            "Deliveries of notices to outside channels not yet made",
            waiting.clone(),
        );
        registry.register(
            "qinqing_notices_failed",
            "Deliveries of notices to outside channels given up",
            failed.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            pool,
            issues,
            overdue,
            waiting,
            failed,
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, route: Option<String>, method: &str, status: u16, took: Duration) {
        let route = route.unwrap_or_else(|| "(no route)".into());
        self.requests
            .get_or_create(&Answered {
                route: route.clone(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&Route {
                route,
                method: method.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// The text exposition, with the database's figures read now.
    pub fn render(&self, pool: &Pool, conn: &mut DbConn) -> Result<String, Error> {
        let state = pool.state();
        let idle = i64::from(state.idle_connections);
        let all = i64::from(state.connections);
        self.pool.get_or_create(&label("idle")).set(idle);
        self.pool.get_or_create(&label("in_use")).set(all - idle);
        let counts = crate::store::issues::count_by_state(conn)?;
        for s in crate::domain::lifecycle::State::ALL {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            self.issues.get_or_create(&label(s.code())).set(n);
        }
        let today = crate::domain::time::today();
        self.overdue
            .set(crate::store::issues::count_overdue(conn, today)?);
        self.waiting.set(crate::store::notices::pending(conn)?);
        self.failed.set(crate::store::notices::failed(conn)?);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .map_err(|e| Error::internal(format!("metrics: {e}")))?;
        Ok(out)
    }
}

fn label(s: &str) -> State {
    State {
        state: s.to_owned(),
    }
}
