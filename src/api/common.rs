//! What every resource's handlers share: the 201 answer.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;

/// 201 with the new object's `Location`.
pub fn created<T: Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}
