//! Notices, each person's copy of them, the outside channels and the deliveries queued to
//! them. Rows and queries only; who is told what is decided in `service::notices`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::schema::{channels, deliveries, enterprises, notices, notifications, regions, users};
use super::scope::regions_under;
use super::Page;
use crate::db::DbConn;
use crate::domain::notice::{ChannelKind, DeliveryStatus, Kind};
use crate::domain::role::Role;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub issue_id: Option<i64>,
    pub text: String,
    pub link: String,
    pub department_id: Option<i64>,
    pub region_id: Option<i64>,
    pub dedupe_key: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A notice to record: what, about which issue, addressed to whose channels.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub kind: Kind,
    pub issue_id: Option<i64>,
    pub text: String,
    pub link: String,
    pub department_id: Option<i64>,
    pub region_id: Option<i64>,
    /// Set for reminders: a second notice with the same key is not recorded.
    pub dedupe_key: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Records a notice; None when its dedupe key was already used (by this or another
/// instance: the second insert waits for the first to commit, then does nothing).
pub fn insert(conn: &mut DbConn, n: &NewNotice) -> QueryResult<Option<i64>> {
    // ON CONFLICT … DO NOTHING reads the same on both backends; the query builder offers
    // it to neither through the one connection type.
    let sql = crate::db::numbered(
        conn,
        "INSERT INTO notices (kind, issue_id, text, link, department_id, region_id, dedupe_key, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    );
    let rows: Vec<Claimed> = diesel::sql_query(sql)
        .bind::<Text, _>(n.kind.code())
        .bind::<Nullable<BigInt>, _>(n.issue_id)
        .bind::<Text, _>(&n.text)
        .bind::<Text, _>(&n.link)
        .bind::<Nullable<BigInt>, _>(n.department_id)
        .bind::<Nullable<BigInt>, _>(n.region_id)
        .bind::<Nullable<Text>, _>(n.dedupe_key.as_deref())
        .bind::<Timestamp, _>(n.created_at)
        .load(conn)?;
    Ok(rows.first().map(|r| r.id))
}

/// Whether a notice was recorded under a key beginning with `prefix` (keys are made of
/// codes, digits, dates and colons: nothing LIKE reads as a wildcard but `_`, escaped).
pub fn key_taken(conn: &mut DbConn, prefix: &str) -> QueryResult<bool> {
    let pattern = format!("{}%", prefix.replace('_', "\\_"));
    diesel::select(diesel::dsl::exists(
        notices::table.filter(notices::dedupe_key.like(pattern).escape('\\')),
    ))
    .get_result(conn)
}

/// Gives each of `users` a copy of the notice.
pub fn add_recipients(conn: &mut DbConn, notice: i64, users: &[i64]) -> QueryResult<usize> {
    let mut n = 0;
    for u in users {
        n += diesel::insert_into(notifications::table)
            .values((
                notifications::notice_id.eq(notice),
                notifications::user_id.eq(*u),
            ))
            .execute(conn)?;
    }
    Ok(n)
}

/// Active users of a role attached to a department.
pub fn department_users(conn: &mut DbConn, department: i64) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::department_id.eq(department))
        .filter(users::role.eq(Role::Department.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(users::id)
        .load(conn)
}

/// Active people of one enterprise.
pub fn enterprise_users(conn: &mut DbConn, enterprise: i64) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::enterprise_id.eq(enterprise))
        .filter(users::role.eq(Role::Enterprise.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(users::id)
        .load(conn)
}

/// Active people of every enterprise registered in a region or below it.
pub fn enterprise_users_under(conn: &mut DbConn, path: &str) -> QueryResult<Vec<i64>> {
    users::table
        .inner_join(enterprises::table.on(users::enterprise_id.eq(enterprises::id.nullable())))
        .filter(enterprises::region_id.eq_any(regions_under(path)))
        .filter(users::role.eq(Role::Enterprise.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(users::id)
        .load(conn)
}

/// Active users of a role whose region is one of `regions` (the regions above an issue,
/// itself included: the people whose scope covers it).
pub fn region_users(conn: &mut DbConn, role: Role, regions: &[i64]) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::region_id.eq_any(regions))
        .filter(users::role.eq(role.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(users::id)
        .load(conn)
}

/// Active leaders with the path of their region.
pub fn leaders(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64, String)>> {
    users::table
        .inner_join(regions::table.on(users::region_id.eq(regions::id.nullable())))
        .filter(users::role.eq(Role::Leader.as_str()))
        .filter(users::active.eq(true))
        .select((users::id, regions::id, regions::path))
        .order(users::id)
        .load(conn)
}

/// Queues the notice to every channel that takes it: a department's channels for notices
/// to its handlers, the channels of the region and of the regions above it for notices to
/// the Federation's people there; each only when its kinds name the notice's (or it names
/// none).
pub fn queue_deliveries(
    conn: &mut DbConn,
    notice: i64,
    kind: Kind,
    department: Option<i64>,
    regions_above: &[i64],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut q = channels::table
        .select((channels::id, channels::kinds))
        .into_boxed();
    q = match department {
        Some(d) => q.filter(channels::department_id.eq(d)),
        None => q.filter(channels::region_id.eq_any(regions_above.to_vec())),
    };
    let found: Vec<(i64, Option<String>)> = q.load(conn)?;
    let mut n = 0;
    for (channel, kinds) in found {
        let takes = kinds
            .as_deref()
            .is_none_or(|k| k.split(',').any(|c| c == kind.code()));
        if takes {
            n += diesel::insert_into(deliveries::table)
                .values((
                    deliveries::notice_id.eq(notice),
                    deliveries::channel_id.eq(channel),
                    deliveries::status.eq(DeliveryStatus::Pending.code()),
                    deliveries::next_attempt_at.eq(at),
                    deliveries::created_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(n)
}

/// One person's notice as listed.
#[derive(Clone, Debug, Queryable)]
pub struct Listed {
    pub id: i64,
    pub read_at: Option<NaiveDateTime>,
    pub kind: String,
    pub issue_id: Option<i64>,
    pub text: String,
    pub link: String,
    pub created_at: NaiveDateTime,
}

/// A user's notices, newest first (by when they were recorded), and how many there are.
pub fn list(
    conn: &mut DbConn,
    user: i64,
    unread_only: bool,
    page: Page,
) -> QueryResult<(Vec<Listed>, i64)> {
    let filter = |unread: bool| {
        let mut q = notifications::table
            .inner_join(notices::table)
            .filter(notifications::user_id.eq(user))
            .into_boxed();
        if unread {
            q = q.filter(notifications::read_at.is_null());
        }
        q
    };
    let total = filter(unread_only).count().get_result(conn)?;
    let items = filter(unread_only)
        .select((
            notifications::id,
            notifications::read_at,
            notices::kind,
            notices::issue_id,
            notices::text,
            notices::link,
            notices::created_at,
        ))
        .order((notices::created_at.desc(), notifications::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((items, total))
}

pub fn unread_count(conn: &mut DbConn, user: i64) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
}

/// Marks one of the user's notices read (keeping the first reading time); false when the
/// user has no such notice.
pub fn mark_read(conn: &mut DbConn, user: i64, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let mine = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user));
    if diesel::select(diesel::dsl::exists(mine)).get_result::<bool>(conn)? {
        diesel::update(mine.filter(notifications::read_at.is_null()))
            .set(notifications::read_at.eq(at))
            .execute(conn)?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// The link of one of the user's notices.
pub fn link_of(conn: &mut DbConn, user: i64, id: i64) -> QueryResult<Option<String>> {
    notifications::table
        .inner_join(notices::table)
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user))
        .select(notices::link)
        .load(conn)
        .map(super::one_of)
}

/// Marks every unread notice of the user read; returns how many.
pub fn mark_all_read(conn: &mut DbConn, user: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(at))
    .execute(conn)
}

/// Marks read every copy of notices recorded before `before` (the demo loader: history
/// played back is not news).
pub fn mark_read_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::read_at.is_null())
            .filter(
                notifications::notice_id.eq_any(
                    notices::table
                        .filter(notices::created_at.lt(before))
                        .select(notices::id),
                ),
            ),
    )
    .set(notifications::read_at.eq(before))
    .execute(conn)
}

// ---- channels ----

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = channels)]
pub struct ChannelRow {
    pub id: i64,
    pub kind: ChannelKind,
    pub target: String,
    pub secret: Option<String>,
    pub department_id: Option<i64>,
    pub region_id: Option<i64>,
    pub kinds: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = channels, treat_none_as_null = true)]
pub struct ChannelValues {
    pub kind: ChannelKind,
    pub target: String,
    pub secret: Option<String>,
    pub department_id: Option<i64>,
    pub region_id: Option<i64>,
    pub kinds: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn channels(conn: &mut DbConn, page: Page) -> QueryResult<(Vec<ChannelRow>, i64)> {
    let total = channels::table.count().get_result(conn)?;
    let items = channels::table
        .select(ChannelRow::as_select())
        .order(channels::id)
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((items, total))
}

pub fn channel(conn: &mut DbConn, id: i64) -> QueryResult<Option<ChannelRow>> {
    channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .load(conn)
        .map(super::one_of)
}

pub fn insert_channel(conn: &mut DbConn, v: &ChannelValues) -> QueryResult<i64> {
    diesel::insert_into(channels::table)
        .values((v, channels::created_at.eq(v.updated_at)))
        .returning(channels::id)
        .get_result(conn)
}

pub fn update_channel(conn: &mut DbConn, id: i64, v: &ChannelValues) -> QueryResult<bool> {
    Ok(diesel::update(channels::table.find(id))
        .set(v)
        .execute(conn)?
        > 0)
}

/// Removes a channel and its deliveries; false when there was none.
pub fn delete_channel(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::delete(deliveries::table.filter(deliveries::channel_id.eq(id))).execute(conn)?;
    Ok(diesel::delete(channels::table.find(id)).execute(conn)? > 0)
}

/// Deliveries per channel and status.
pub fn delivery_counts(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<Vec<(i64, DeliveryStatus, i64)>> {
    deliveries::table
        .filter(deliveries::channel_id.eq_any(ids))
        .group_by((deliveries::channel_id, deliveries::status))
        .select((
            deliveries::channel_id,
            deliveries::status,
            diesel::dsl::count_star(),
        ))
        .load::<(i64, String, i64)>(conn)
        .map(|rows| {
            rows.into_iter()
                .filter_map(|(c, s, n)| DeliveryStatus::parse(&s).map(|s| (c, s, n)))
                .collect()
        })
}

/// A delivery that failed for good.
#[derive(Clone, Debug, Queryable)]
pub struct Failure {
    pub notice_id: i64,
    pub attempts: i32,
    pub error: Option<String>,
    pub at: NaiveDateTime,
}

/// The latest failures of a channel: the notice, the attempts and the last error.
pub fn failures(conn: &mut DbConn, channel: i64, limit: i64) -> QueryResult<Vec<Failure>> {
    deliveries::table
        .filter(deliveries::channel_id.eq(channel))
        .filter(deliveries::status.eq(DeliveryStatus::Failed.code()))
        .select((
            deliveries::notice_id,
            deliveries::attempts,
            deliveries::last_error,
            deliveries::next_attempt_at,
        ))
        .order(deliveries::id.desc())
        .limit(limit)
        .load(conn)
}

// ---- deliveries ----

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `limit` deliveries that are due and not held by a live lease, holding each
/// until `lease_until`. On PostgreSQL rows another worker is claiming are skipped
/// (`FOR UPDATE SKIP LOCKED`, which also checks the lease again on the row it locks), so no
/// two workers hold the same delivery.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    const DUE: &str = "status = 'pending' AND next_attempt_at <= $2 \
                       AND (lease_until IS NULL OR lease_until < $2)";
    let sql = match conn {
        // The rows are picked once, in a CTE: a LIMIT … SKIP LOCKED subquery under IN may
        // be scanned again and pick further rows.
        DbConn::Pg(_) => format!(
            "WITH picked AS (SELECT id FROM deliveries WHERE {DUE} \
             ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE deliveries SET lease_until = $1 FROM picked \
             WHERE deliveries.id = picked.id RETURNING deliveries.id"
        ),
        // One writer at a time: the transaction of the statement is the lock.
        DbConn::Sqlite(_) => format!(
            "UPDATE deliveries SET lease_until = ?1 WHERE id IN \
             (SELECT id FROM deliveries WHERE {} ORDER BY next_attempt_at, id LIMIT ?3) \
             RETURNING id",
            DUE.replace('$', "?")
        ),
    };
    let rows: Vec<Claimed> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    Ok(rows.into_iter().map(|c| c.id).collect())
}

/// A claimed delivery with its notice and channel.
pub struct Work {
    pub id: i64,
    pub attempts: i32,
    pub notice: NoticeRow,
    pub channel: ChannelRow,
}

pub fn work(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Work>> {
    let rows: Vec<(i64, i32, NoticeRow, ChannelRow)> = deliveries::table
        .inner_join(notices::table)
        .inner_join(channels::table)
        .filter(deliveries::id.eq_any(ids))
        .select((
            deliveries::id,
            deliveries::attempts,
            NoticeRow::as_select(),
            ChannelRow::as_select(),
        ))
        .order(deliveries::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, attempts, notice, channel)| Work {
            id,
            attempts,
            notice,
            channel,
        })
        .collect())
}

/// Records the outcome of one attempt: delivered, to be tried again at `retry_at`, or
/// failed for good.
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    outcome: DeliveryStatus,
    error: Option<&str>,
    retry_at: Option<NaiveDateTime>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let target = deliveries::table.find(id);
    diesel::update(target)
        .set((
            deliveries::status.eq(outcome.code()),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::lease_until.eq(None::<NaiveDateTime>),
            deliveries::last_error.eq(error),
            deliveries::next_attempt_at.eq(retry_at.unwrap_or(at)),
            deliveries::delivered_at.eq((outcome == DeliveryStatus::Delivered).then_some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Pending deliveries (for `/metrics` and the operator).
pub fn pending(conn: &mut DbConn) -> QueryResult<i64> {
    deliveries::table
        .filter(deliveries::status.eq(DeliveryStatus::Pending.code()))
        .count()
        .get_result(conn)
}

/// Deliveries given up (for `/metrics`).
pub fn failed(conn: &mut DbConn) -> QueryResult<i64> {
    deliveries::table
        .filter(deliveries::status.eq(DeliveryStatus::Failed.code()))
        .count()
        .get_result(conn)
}

/// A delivery as the administrator sees it.
#[derive(Clone, Debug, Queryable, serde::Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub channel_id: i64,
    pub notice_id: i64,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// When the last attempt was made (or the next one is due, while pending).
    pub updated_at: NaiveDateTime,
    pub text: String,
}

/// Deliveries of one status (every status when `None`), newest first, with the notice's text.
pub fn deliveries(
    conn: &mut DbConn,
    status: Option<DeliveryStatus>,
    channel: Option<i64>,
    page: Page,
) -> QueryResult<(Vec<DeliveryRow>, i64)> {
    let query = || {
        let mut q = deliveries::table.inner_join(notices::table).into_boxed();
        if let Some(s) = status {
            q = q.filter(deliveries::status.eq(s.code()));
        }
        if let Some(c) = channel {
            q = q.filter(deliveries::channel_id.eq(c));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select((
            deliveries::id,
            deliveries::channel_id,
            deliveries::notice_id,
            deliveries::status,
            deliveries::attempts,
            deliveries::last_error,
            deliveries::next_attempt_at,
            notices::text,
        ))
        .order(deliveries::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// 重新投递: a failed delivery is queued again, due now, its attempts counted afresh; false
/// when it is not a failed one (delivered, already queued, or none).
pub fn retry(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        deliveries::table
            .find(id)
            .filter(deliveries::status.eq(DeliveryStatus::Failed.code())),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Pending.code()),
        deliveries::attempts.eq(0),
        deliveries::next_attempt_at.eq(at),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// A delivery's status, if it exists.
pub fn delivery_status(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    deliveries::table
        .find(id)
        .select(deliveries::status)
        .first(conn)
        .optional()
}

/// Marks read, for everyone, the unread notices of these kinds about an issue: what they
/// asked for has been done (signed, answered, rated). Answers how many were marked.
pub fn settle(
    conn: &mut DbConn,
    issue: i64,
    kinds: &[Kind],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    if kinds.is_empty() {
        return Ok(0);
    }
    let codes: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
    let about = notices::table
        .filter(notices::issue_id.eq(issue))
        .filter(notices::kind.eq_any(codes))
        .select(notices::id);
    diesel::update(
        notifications::table
            .filter(notifications::notice_id.eq_any(about))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(at)))
    .execute(conn)
}
