//! Which issues an operation is over: the one filter of the issue list, the ledger, the
//! work queues and the figures, and the conditions it is made of (scope, 超期, 督办中).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::measures;
use super::schema::{forums, issue_extensions, issues};
use super::scope::{self, Filter, Scope};
use super::search;
use crate::domain::issue::{Category, Channel, ExtensionStatus, Measure};
use crate::domain::lifecycle::State;
use crate::domain::words;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// The best match of the filter's `q` first (newest first without one).
    Relevance,
    CreatedAsc,
    CreatedDesc,
    DueAsc,
    DueDesc,
}

/// Which issues an operation is over: one filter for the list, the ledger and the
/// figures alike.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IssueFilter {
    pub status: Option<State>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    pub enterprise_id: Option<i64>,
    /// A department: as lead or co-handler, or (with `lead_only`) as lead.
    pub department_id: Option<i64>,
    /// A region and its districts.
    pub region_path: Option<String>,
    pub forum_id: Option<i64>,
    pub edition_id: Option<i64>,
    /// Overdue as of this Shanghai date.
    pub overdue_on: Option<NaiveDate>,
    pub q: Option<String>,
    /// Filing dates (Asia/Shanghai), inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Leave out withdrawn issues: what was collected (the ledger, every figure).
    pub hide_withdrawn: bool,
    /// A department counts the issues it leads, not those it co-handles (the figures),
    /// both in the caller's scope and in `department_id`.
    pub lead_only: bool,
    /// Only the issues a figure counts (with `hide_withdrawn` and `lead_only`, as the
    /// figures are read).
    pub measure: Option<Measure>,
    /// Only those of a work queue (待签收, 待交办 …).
    pub queue: Option<Queue>,
    /// Only those this handler (经办人) holds.
    pub handler_id: Option<i64>,
    /// The figures only: read `from`/`to` by the date of each event (what happened in the
    /// period) rather than as the issues filed in it.
    pub activity: bool,
}

impl IssueFilter {
    /// The period of `from`/`to`, as the activity basis reads it.
    pub fn period(&self) -> measures::Period {
        measures::Period {
            from: self.from,
            to: self.to,
        }
    }
}

/// The work queues of the inbox (待办) and the desk (工作台): issues waiting for someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    /// 待签收: assigned, not yet signed for.
    ToSign,
    /// 办理中
    InProgress,
    /// 即将到期: held by a department, due from `today` to `last` (inclusive).
    DueSoon { today: NaiveDate, last: NaiveDate },
    /// 已超期
    Overdue { today: NaiveDate },
    /// 被催办: urged and still held by a department.
    Urged,
    /// 待交办
    ToAssign,
    /// 被退回
    Returned,
    /// 延期申请: an extension request waits for a decision.
    ExtensionPending,
    /// 待回访: answered, unrated, the answer given before `before`.
    FollowUpDue { before: NaiveDateTime },
    /// 督办中: flagged for supervision and not closed or withdrawn.
    Supervised,
}

fn queue_condition(q: Queue) -> Filter<issues::table> {
    let handled = || issues::status.eq_any(State::HANDLED);
    match q {
        Queue::ToSign => Box::new(issues::status.eq(State::Assigned)),
        Queue::InProgress => Box::new(issues::status.eq(State::InProgress)),
        Queue::DueSoon { today, last } => Box::new(
            handled()
                .and(issues::due_on.ge(today))
                .and(issues::due_on.le(last))
                .assume_not_null(),
        ),
        Queue::Overdue { today } => overdue_on(today),
        Queue::Urged => Box::new(handled().and(issues::urge_count.gt(0))),
        Queue::ToAssign => Box::new(issues::status.eq(State::Submitted)),
        Queue::Returned => Box::new(issues::status.eq(State::Returned)),
        Queue::ExtensionPending => Box::new(
            issues::id.eq_any(
                issue_extensions::table
                    .filter(issue_extensions::status.eq(ExtensionStatus::Pending))
                    .select(issue_extensions::issue_id),
            ),
        ),
        Queue::FollowUpDue { before } => Box::new(
            issues::status
                .eq(State::Answered)
                .and(issues::rating.is_null())
                .and(issues::answered_at.lt(before))
                .assume_not_null(),
        ),
        Queue::Supervised => under_supervision(),
    }
}

fn and(cond: Filter<issues::table>, more: Filter<issues::table>) -> Filter<issues::table> {
    Box::new(cond.and(more))
}

fn led_by(d: i64) -> Filter<issues::table> {
    Box::new(issues::lead_department_id.eq(d).assume_not_null())
}

/// 督办中 as a condition: flagged for supervision and not yet closed or withdrawn (the
/// same rule as `measures::under_supervision_sql`).
pub fn under_supervision() -> Filter<issues::table> {
    Box::new(
        issues::supervision
            .eq(true)
            .and(issues::status.ne_all(State::SUPERVISION_OVER)),
    )
}

/// 超期 as a condition: the same rule as `lifecycle::is_overdue`.
pub fn overdue_on(today: NaiveDate) -> Filter<issues::table> {
    Box::new(
        issues::status
            .eq_any(State::HANDLED)
            .and(issues::due_on.lt(today))
            .assume_not_null(),
    )
}

/// The search expression of a query's text: every one of its words.
pub fn search_expression(text: &str) -> Option<String> {
    words::expression(&words::of_query(text), words::Join::All)
}

/// The region a path (`/1/4/`) ends in, when it lies under another: a top region's place
/// word is in every issue of a one-city deployment and narrows nothing.
fn path_region(path: &str) -> Option<i64> {
    let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match ids.as_slice() {
        [_top, .., last] => last.parse().ok(),
        _ => None,
    }
}

/// The regions a search in `scope` with `f` is narrowed to by their place words
/// (`search::placed`): the scope's region and the filter's, those under a top region.
pub fn search_places(scope: &Scope, f: &IssueFilter) -> Vec<i64> {
    let in_scope = match scope {
        Scope::Region(p) => Some(p.as_str()),
        _ => None,
    };
    [in_scope, f.region_path.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(path_region)
        .collect()
}

/// Issues whose words hold every word of `text` (none when it has no searchable word),
/// found in the index among the issues of `regions` (the scope's and the filter's).
fn search_condition(text: &str, regions: &[i64]) -> Filter<issues::table> {
    match search_expression(text) {
        Some(e) if regions.is_empty() => search::matching(&e),
        Some(e) => search::matching(&search::placed(&e, regions)),
        None => Box::new(super::fixed::fixed::<diesel::sql_types::Bool>("1 = 0")),
    }
}

/// The one condition for issues in scope matching a filter.
pub fn condition(scope: &Scope, f: &IssueFilter) -> Filter<issues::table> {
    let mut cond = match (scope, f.lead_only) {
        (Scope::Department(d), true) => led_by(*d),
        (other, _) => scope::issues(other),
    };
    if let Some(s) = f.status {
        cond = and(cond, Box::new(issues::status.eq(s)));
    } else if f.hide_withdrawn {
        cond = and(cond, Box::new(issues::status.ne(State::Withdrawn)));
    }
    if let Some(c) = f.category {
        cond = and(cond, Box::new(issues::category.eq(c)));
    }
    if let Some(c) = f.channel {
        cond = and(cond, Box::new(issues::channel.eq(c)));
    }
    if let Some(e) = f.enterprise_id {
        cond = and(cond, Box::new(issues::enterprise_id.eq(e)));
    }
    if let Some(d) = f.department_id {
        let by = if f.lead_only {
            led_by(d)
        } else {
            scope::issues(&Scope::Department(d))
        };
        cond = and(cond, by);
    }
    if let Some(path) = &f.region_path {
        cond = and(
            cond,
            Box::new(issues::region_id.eq_any(scope::regions_under(path))),
        );
    }
    if let Some(forum) = f.forum_id {
        cond = and(cond, Box::new(issues::forum_id.eq(forum).assume_not_null()));
    }
    if let Some(e) = f.edition_id {
        let of_edition = forums::table
            .filter(forums::edition_id.eq(e))
            .select(forums::id.nullable());
        cond = and(
            cond,
            Box::new(issues::forum_id.eq_any(of_edition).assume_not_null()),
        );
    }
    if let Some(today) = f.overdue_on {
        cond = and(cond, overdue_on(today));
    }
    if let Some(q) = f.queue {
        cond = and(cond, queue_condition(q));
    }
    if let Some(h) = f.handler_id {
        cond = and(cond, Box::new(issues::handler_id.eq(h).assume_not_null()));
    }
    if let Some(m) = f.measure {
        // Every measure but 超期 is kept, and selected by the SQL that sums it.
        let by = measures::condition(m).unwrap_or_else(|| overdue_on(crate::domain::time::today()));
        cond = and(cond, by);
    }
    if let Some(text) = &f.q {
        cond = and(cond, search_condition(text, &search_places(scope, f)));
    }
    if let Some(from) = f.from {
        cond = and(cond, Box::new(issues::filed_on.ge(from)));
    }
    if let Some(to) = f.to {
        cond = and(cond, Box::new(issues::filed_on.le(to)));
    }
    cond
}

#[cfg(test)]
mod tests {
    use super::path_region;

    #[test]
    fn a_path_ends_in_its_region_unless_it_is_a_top_region() {
        let cases = [
            ("/1/", None),
            ("/1/4/", Some(4)),
            ("/1/4/27/", Some(27)),
            ("/", None),
            ("", None),
        ];
        for (path, want) in cases {
            assert_eq!(path_region(path), want, "{path}");
        }
    }
}
