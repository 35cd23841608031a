//! What the pages' forms share: the choices of a select, reading a posted form, and which
//! refusals a form answers on its own page (with the typed text kept) rather than as an
//! error page.

use super::act::Posted;
use super::WebError;
use crate::error::Error;

/// A choice of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn choice(value: impl ToString, label: impl Into<String>, now: &str) -> Choice {
    let value = value.to_string();
    Choice {
        selected: value == now,
        value,
        label: label.into(),
    }
}

pub fn form_of(body: &[u8]) -> Result<Posted, WebError> {
    Posted::parse(body)
        .ok_or_else(|| WebError::Page(Error::malformed("the form could not be read")))
}

/// Refusals a form shows beside itself: what the person can correct and send again.
pub fn refused(e: &Error) -> bool {
    matches!(
        e,
        Error::Invalid(_)
            | Error::Duplicate(_)
            | Error::Conflict(_)
            | Error::Stale(_)
            | Error::Forbidden(_)
    )
}
