//! The work queues: a department's 待办 (inbox) and a coordinator's 工作台 (desk), each a
//! set of tabs with their counts and the issues of one tab, soonest due first.

use chrono::NaiveDate;

use super::{views, Issue};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::role::Role;
use crate::domain::time;
use crate::error::Error;
use crate::service::common::{page, Paged};
use crate::store::calendar;
use crate::store::filter::{IssueFilter, Queue, Sort};
use crate::store::issues as store;

/// A tab of the inbox or the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// 待签收
    ToSign,
    /// 办理中
    InProgress,
    /// 即将到期: due within two working days.
    DueSoon,
    /// 已超期
    Overdue,
    /// 被催办
    Urged,
    /// 待交办
    ToAssign,
    /// 被退回
    Returned,
    /// 延期申请
    Extensions,
    /// 待回访: answered and unrated for more than three working days.
    FollowUp,
    /// 督办中
    Supervised,
}

impl Tab {
    /// How the queue is ordered: a queue with no deadline yet (待交办, 被退回) by how long each
    /// issue has waited, oldest first; the others by deadline, the nearest first.
    pub fn order(self) -> Sort {
        match self {
            Tab::ToAssign | Tab::Returned => Sort::CreatedAsc,
            _ => Sort::DueAsc,
        }
    }

    /// The order in words.
    pub fn order_zh(self) -> &'static str {
        match self.order() {
            Sort::CreatedAsc => "按提交时间排序，等待最久的在前",
            _ => "按办理期限排序，最近的在前",
        }
    }

    pub const INBOX: [Tab; 5] = [
        Tab::ToSign,
        Tab::InProgress,
        Tab::DueSoon,
        Tab::Overdue,
        Tab::Urged,
    ];
    pub const DESK: [Tab; 5] = [
        Tab::ToAssign,
        Tab::Returned,
        Tab::Extensions,
        Tab::FollowUp,
        Tab::Supervised,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tab::ToSign => "to_sign",
            Tab::InProgress => "in_progress",
            Tab::DueSoon => "due_soon",
            Tab::Overdue => "overdue",
            Tab::Urged => "urged",
            Tab::ToAssign => "to_assign",
            Tab::Returned => "returned",
            Tab::Extensions => "extensions",
            Tab::FollowUp => "follow_up",
            Tab::Supervised => "supervised",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Tab::ToSign => "待签收",
            Tab::InProgress => "办理中",
            Tab::DueSoon => "即将到期",
            Tab::Overdue => "已超期",
            Tab::Urged => "被催办",
            Tab::ToAssign => "待交办",
            Tab::Returned => "被退回",
            Tab::Extensions => "延期申请",
            Tab::FollowUp => "待回访",
            Tab::Supervised => "督办中",
        }
    }

    pub fn parse(code: &str) -> Option<Tab> {
        Tab::INBOX
            .into_iter()
            .chain(Tab::DESK)
            .find(|t| t.code() == code)
    }
}

/// Working days a department has before a due date counts as near.
pub const DUE_SOON_DAYS: u32 = 2;
/// Working days after an unrated answer when the Federation calls back (回访).
pub const FOLLOW_UP_DAYS: u32 = 3;

/// The day `n` working days before `day`.
fn working_days_before(conn: &mut DbConn, day: NaiveDate, n: u32) -> Result<NaiveDate, Error> {
    let from = day - chrono::Duration::days(i64::from(n) * 3 + 30);
    let cal = calendar::load(conn, from, day)?;
    let mut d = day;
    let mut left = n;
    while left > 0 && d > from {
        d = d.pred_opt().unwrap_or(from);
        if cal.is_working_day(d) {
            left -= 1;
        }
    }
    Ok(d)
}

fn queue(conn: &mut DbConn, tab: Tab, today: NaiveDate) -> Result<Queue, Error> {
    Ok(match tab {
        Tab::ToSign => Queue::ToSign,
        Tab::InProgress => Queue::InProgress,
        Tab::DueSoon => {
            let last = super::actions::due_after(conn, today, DUE_SOON_DAYS)?;
            Queue::DueSoon { today, last }
        }
        Tab::Overdue => Queue::Overdue { today },
        Tab::Urged => Queue::Urged,
        Tab::ToAssign => Queue::ToAssign,
        Tab::Returned => Queue::Returned,
        Tab::Extensions => Queue::ExtensionPending,
        Tab::FollowUp => Queue::FollowUpDue {
            before: time::start_of(working_days_before(conn, today, FOLLOW_UP_DAYS)?),
        },
        Tab::Supervised => Queue::Supervised,
    })
}

/// The tabs with their counts, and the issues of the chosen tab.
pub struct Work {
    pub tabs: Vec<(Tab, i64)>,
    pub tab: Tab,
    pub items: Paged<Issue>,
}

fn work(
    conn: &mut DbConn,
    caller: &Caller,
    tabs: &[Tab],
    tab: Tab,
    handler: Option<i64>,
    page_no: Option<i64>,
) -> Result<Work, Error> {
    let today = time::today();
    let scope = caller.scope();
    let base = IssueFilter {
        // A department works the issues it leads.
        lead_only: true,
        handler_id: handler,
        ..IssueFilter::default()
    };
    let mut counts = Vec::new();
    for t in tabs {
        let f = IssueFilter {
            queue: Some(queue(conn, *t, today)?),
            ..base.clone()
        };
        counts.push((*t, store::count(conn, &scope, &f)?));
    }
    let page = page(page_no, Some(50))?;
    let f = IssueFilter {
        queue: Some(queue(conn, tab, today)?),
        ..base
    };
    let (rows, total) = store::list(conn, &scope, &f, tab.order(), page)?;
    Ok(Work {
        tabs: counts,
        tab,
        items: Paged::new(views(conn, rows)?, total, page),
    })
}

/// 待办: a department handler's queues; `mine` keeps to the issues the caller handles.
pub fn inbox(
    conn: &mut DbConn,
    caller: &Caller,
    tab: Option<Tab>,
    mine: bool,
    page_no: Option<i64>,
) -> Result<Work, Error> {
    caller.require(&[Role::Department], "work a department's inbox")?;
    let tab = tab
        .filter(|t| Tab::INBOX.contains(t))
        .unwrap_or(Tab::ToSign);
    let handler = mine.then(|| caller.id());
    work(conn, caller, &Tab::INBOX, tab, handler, page_no)
}

/// 工作台: a coordinator's queues.
pub fn desk(
    conn: &mut DbConn,
    caller: &Caller,
    tab: Option<Tab>,
    page_no: Option<i64>,
) -> Result<Work, Error> {
    caller.require(&[Role::Coordinator], "work the Federation's desk")?;
    let tab = tab
        .filter(|t| Tab::DESK.contains(t))
        .unwrap_or(Tab::ToAssign);
    work(conn, caller, &Tab::DESK, tab, None, page_no)
}

/// Working days from today to a due date: positive while time is left, negative once it
/// has passed (还剩2个工作日 / 已超期3个工作日).
pub fn working_days_left(conn: &mut DbConn, due: NaiveDate) -> Result<i64, Error> {
    let today = time::today();
    let (from, to) = if due >= today {
        (today, due)
    } else {
        (due, today)
    };
    let cal = calendar::load(conn, from, to)?;
    let n = cal.working_days_between(from, to);
    Ok(if due >= today { n } else { -n })
}
