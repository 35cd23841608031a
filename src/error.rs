//! The one error of the service layer, in the domain's terms: not found in the caller's
//! scope, refused by the role or by the state, invalid fields, a lost race. It knows
//! nothing of HTTP; `api::problem` turns it into problem+json, the web pages into a page.

use std::fmt;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

/// One invalid field of a request: `field` is a JSON path (`items[2].name`) or a parameter name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug)]
pub enum Error {
    /// The input cannot be read at all: malformed, or naming a field that does not exist.
    Malformed {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// No valid credentials: no token, a bad one, or a wrong password.
    Unauthenticated(String),
    /// The caller's role may never do this.
    Forbidden(String),
    /// Does not exist, or lies outside the caller's scope (the two are not told apart).
    NotFound(String),
    /// The object's state does not allow the action; the message names the state.
    Conflict(String),
    /// A value that must be unique is taken (the field names it).
    Duplicate(FieldError),
    /// The caller acted on a version of the object that is no longer current.
    Stale(String),
    /// Readable input with invalid values, each field named.
    Invalid(Vec<FieldError>),
    /// Too many attempts; try again after the given seconds.
    TooManyAttempts { detail: String, retry_after: u64 },
    /// A file (or the files of one issue) beyond the size allowed (413).
    TooLarge(String),
    /// A file of a type the service does not keep, by its content (415).
    UnsupportedType(String),
    /// What the caller may see exists no more for it: a file withdrawn (410).
    Gone(String),
    /// The database is unavailable.
    Unavailable(String),
    /// A bug. The cause is logged, never shown.
    Internal(String),
}

impl Error {
    pub fn malformed(detail: impl Into<String>) -> Self {
        Error::Malformed {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> Self {
        Error::NotFound(format!("{what} not found"))
    }

    pub fn internal(cause: impl Into<String>) -> Self {
        Error::Internal(cause.into())
    }

    /// A pool that cannot hand out a connection within its timeout: the database is down
    /// or saturated. Either way the client should come back shortly.
    pub fn from_pool(e: diesel::r2d2::PoolError) -> Self {
        log::warn!("database pool: {e}");
        Error::Unavailable("the database is not available".into())
    }

    /// The error as one line for a terminal, naming each invalid field.
    pub fn one_line(&self) -> String {
        match self {
            Error::Invalid(errors) => errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    /// What went wrong, in a sentence fit to show (never the cause of an internal error).
    pub fn detail(&self) -> String {
        match self {
            Error::Malformed { detail, .. }
            | Error::Unauthenticated(detail)
            | Error::Forbidden(detail)
            | Error::NotFound(detail)
            | Error::Conflict(detail)
            | Error::Stale(detail)
            | Error::TooManyAttempts { detail, .. }
            | Error::TooLarge(detail)
            | Error::UnsupportedType(detail)
            | Error::Gone(detail)
            | Error::Unavailable(detail) => detail.clone(),
            Error::Duplicate(e) => format!("{} {}", e.field, e.message),
            Error::Invalid(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid value for {}", fields.join(", "))
            }
            Error::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    /// The fields the error names, if any.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Error::Malformed { errors, .. } | Error::Invalid(errors) => errors,
            Error::Duplicate(e) => std::slice::from_ref(e),
            _ => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Internal(cause) => write!(f, "internal error: {cause}"),
            other => write!(f, "{}", other.detail()),
        }
    }
}

impl std::error::Error for Error {}

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Error::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                log::warn!("database connection closed: {}", info.message());
                Error::Unavailable("the database is not available".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, info) => {
                log::warn!("database unreachable: {}", info.message());
                Error::Unavailable("the database is not available".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Error::Conflict("a concurrent change got there first; retry".into())
            }
            other => Error::Internal(format!("database: {other}")),
        }
    }
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Maps a unique violation to a duplicate naming `field`; other errors as usual.
pub fn unique_as(field: &str, message: &str) -> impl FnOnce(DieselError) -> Error {
    let (field, message) = (field.to_owned(), message.to_owned());
    move |e| {
        if is_unique_violation(&e) {
            Error::Duplicate(FieldError::new(field, message))
        } else {
            e.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_say_nothing_internal() {
        let e = Error::internal("SELECT secret FROM t");
        assert!(!e.detail().contains("SELECT"));
        assert!(e.to_string().contains("SELECT"), "the log keeps the cause");
    }

    #[test]
    fn fields_and_one_line() {
        let e = Error::Invalid(vec![
            FieldError::new("title", "must not be empty"),
            FieldError::new("category", "is required"),
        ]);
        assert_eq!(e.detail(), "invalid value for title, category");
        assert_eq!(
            e.one_line(),
            "title: must not be empty; category: is required"
        );
        assert_eq!(e.fields().len(), 2);
        assert!(matches!(
            Error::from(DieselError::NotFound),
            Error::NotFound(_)
        ));
    }
}
