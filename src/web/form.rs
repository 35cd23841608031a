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

/// The problems of a refused form, each in words with the field it belongs beside: the
/// summary at the top links to each field, and each field shows its own (GOV.UK's pattern).
#[derive(Default)]
pub struct Problems(pub Vec<(String, String)>);

impl Problems {
    pub fn of(e: &Error) -> Problems {
        use super::act::in_words;
        let one = |f: &crate::error::FieldError| (field_id(&f.field), in_words(f));
        Problems(match e {
            Error::Invalid(fields) => fields.iter().map(one).collect(),
            Error::Duplicate(f) => vec![one(f)],
            other => vec![(String::new(), super::act::refusal_words(other))],
        })
    }

    /// The problems of a refusal on a page of several forms, each field of the service
    /// named as this form's control (`(field, control id)`, the field as the service names
    /// it, `enterprise.credit_code`, or its last part): the words, the summary's link and
    /// the place beside the control are the control's.
    pub fn of_form(e: &Error, controls: &[(&str, &str)]) -> Problems {
        let rename = |f: &crate::error::FieldError| {
            let base = field_id(&f.field);
            match controls.iter().find(|(s, _)| *s == f.field || *s == base) {
                Some((_, id)) => crate::error::FieldError::new(*id, f.message.clone()),
                None => f.clone(),
            }
        };
        Problems::of(&match e {
            Error::Invalid(fields) => Error::Invalid(fields.iter().map(rename).collect()),
            Error::Duplicate(f) => Error::Duplicate(rename(f)),
            other => return Problems::of(other),
        })
    }

    /// The problems that name no field of the form: said again in the form's own section.
    pub fn general(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| f.is_empty())
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// A problem of a field the form names itself (one the service does not know).
    pub fn add(&mut self, field: &str, words: impl Into<String>) {
        self.0.push((field.to_owned(), words.into()));
    }

    /// Every problem of a field (each file refused, by its name).
    pub fn all_at(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The first problem of a field.
    pub fn at(&self, field: &str) -> Option<&str> {
        self.all_at(field).into_iter().next()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The form field a service field belongs to: `categories[2]` → `categories`.
fn field_id(field: &str) -> String {
    let f = field.rsplit('.').next().unwrap_or(field);
    f.split('[').next().unwrap_or(f).to_owned()
}

/// Every value of a repeated field (checkboxes), parsed; the first that does not parse is
/// reported by name.
pub fn checked<T>(form: &Posted, name: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    form.all(name).iter().filter_map(|v| parse(v)).collect()
}

/// An id field of a form: blank is none; anything else must be a number, else a problem
/// beside the field ("请选择有效的{words}").
pub fn id_field(form: &Posted, name: &str, problems: &mut Problems, words: &str) -> Option<i64> {
    let v = form.text(name);
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let id = v.parse().ok();
    if id.is_none() {
        problems.add(name, format!("请选择有效的{words}"));
    }
    id
}

/// A form's page answered again with its problems: 422.
pub fn unprocessable(mut resp: actix_web::HttpResponse) -> actix_web::HttpResponse {
    *resp.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    resp
}
