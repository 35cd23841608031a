//! The API's own description, served as committed: `api-spec/openapi.yaml` is compiled into
//! the binary, so what the service serves is the file in the repository.

use actix_web::{web, HttpResponse};

pub const OPENAPI: &str = include_str!("../../api-spec/openapi.yaml");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api-spec/openapi.yaml").get(openapi));
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(OPENAPI)
}
