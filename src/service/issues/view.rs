//! Everything the issue page shows a reader, in one operation: the issue in the reader's
//! scope, its timeline and the names it mentions, the enterprise's contact where the reader
//! may see it, the actions the reader may take now, and what each action's form offers
//! (departments to assign to, the default due date, reply templates, the waiting request
//! for more time).

use chrono::NaiveDate;

use super::{actions, events, extensions, get, labels, work, Event, Extension, Issue, Labels};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::issue::{ExtensionStatus, DEFAULT_WORKING_DAYS};
use crate::domain::lifecycle::Action;
use crate::error::Error;
use crate::service::{departments, enterprises, templates};

/// What the 交办 form offers: the departments that usually lead the issue's category (most
/// often first), the other active departments, and the default due date.
pub struct AssignChoices {
    pub usual: Vec<(i64, String)>,
    pub others: Vec<(i64, String)>,
    pub default_due: NaiveDate,
}

/// The issue page's content.
pub struct IssueView {
    pub issue: Issue,
    pub events: Vec<Event>,
    pub labels: Labels,
    /// The enterprise's contact person and phone, to those who may see the phone.
    pub contact: Option<String>,
    /// The actions the reader may take now.
    pub offered: Vec<Action>,
    /// The request for more time waiting for a decision, if any.
    pub pending: Option<Extension>,
    /// With 交办 offered.
    pub assign: Option<AssignChoices>,
    /// With 答复 offered: the reply templates of the issue's category.
    pub templates: Vec<templates::Template>,
    /// Working days left to the due date while a department holds the issue (negative:
    /// overdue by that many).
    pub days_left: Option<i64>,
}

/// The issue page's content for `caller`, or not found outside its scope.
pub fn view(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<IssueView, Error> {
    let issue = get(conn, caller, id)?;
    let events = events(conn, caller, id)?;
    let labels = labels(conn, std::slice::from_ref(&issue), &events)?;
    // The enterprise's record answers only those who may see it, and carries the phone
    // only for those who may see that.
    let contact = enterprises::get(conn, caller, issue.enterprise_id)
        .ok()
        .and_then(|e| {
            let phone = e.contact_phone.flatten()?;
            Some(format!("{} {}", e.contact_name.unwrap_or_default(), phone))
        });
    let pending = extensions(conn, caller, id)?
        .into_iter()
        .find(|e| e.status == ExtensionStatus::Pending);
    let offered = actions::offered(caller, &issue, pending.is_some());
    let assign = if offered.contains(&Action::Assign) {
        let usual = departments::usual_leads(conn, issue.category)?;
        let all = departments::list(
            conn,
            caller,
            departments::DepartmentQuery {
                q: None,
                region_id: None,
                active: Some(true),
                page: Some(1),
                per_page: Some(100),
            },
        )?;
        let (mut first, others): (Vec<_>, Vec<_>) = all
            .items
            .into_iter()
            .map(|d| (d.id, d.name))
            .partition(|(id, _)| usual.contains(id));
        first.sort_by_key(|(id, _)| usual.iter().position(|u| u == id));
        let today = crate::domain::time::today();
        Some(AssignChoices {
            usual: first,
            others,
            default_due: actions::due_after(conn, today, DEFAULT_WORKING_DAYS)?,
        })
    } else {
        None
    };
    let templates = if offered.contains(&Action::Answer) {
        templates::list(conn, caller, Some(issue.category))?
    } else {
        Vec::new()
    };
    let days_left = match (issue.due_on, issue.status.is_being_handled()) {
        (Some(d), true) => Some(work::working_days_left(conn, d)?),
        _ => None,
    };
    Ok(IssueView {
        issue,
        events,
        labels,
        contact,
        offered,
        pending,
        assign,
        templates,
        days_left,
    })
}
