//! The ledger (台账) download: `/api/v1/issues/export`. The file is produced on a blocking
//! thread by `service::ledger` and streamed to the client as it is written.

use crate::api::extract::Query;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::Error;
use crate::http::{stream, AppState};
use crate::service::issues::IssueQuery;
use crate::service::ledger::{self, Format};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/issues/export").get(export));
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<IssueQuery>,
    format: Query<FormatQuery>,
) -> Result<HttpResponse, Error> {
    let format = Format::parse(format.format.as_deref())?;
    let query = query.into_inner();
    // Check the filter before the status line goes out, so a bad one is still a 4xx.
    let ledger = crate::db::run(&state.pool, move |conn| {
        ledger::prepare(conn, &caller, &query)
    })
    .await?;
    Ok(stream(state.pool.clone(), ledger, format))
}
