//! The ledger (台账) download: `/api/v1/issues/export`. The file is produced on a blocking
//! thread by `service::ledger` and streamed to the client as it is written.

use crate::api::extract::parse_query;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::Caller;
use crate::error::Error;
use crate::http::{stream, AppState};
use crate::service::issues::IssueQuery;
use crate::service::ledger;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/issues/export").get(export));
}

async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    // `format` is the download's own parameter; every other one is a filter of the list,
    // read (strictly) as the list reads it.
    let (format, filters) = ledger::format_and_filters(
        form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .collect(),
    )?;
    let filters = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(filters)
        .finish();
    let query: IssueQuery = parse_query(&filters)?;
    // Check the filter before the status line goes out, so a bad one is still a 4xx.
    let ledger = crate::db::run(&state.pool, move |conn| {
        ledger::prepare(conn, &caller, &query)
    })
    .await?;
    Ok(stream(state.pool.clone(), ledger, format))
}
