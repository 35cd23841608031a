//! Scope in one place: what part of the data a caller may see, turned into the filter of
//! each resource's query. A row outside the filter is never loaded, so an out-of-scope id
//! answers 404 exactly like an id that does not exist.

use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::{
    attendances, common_issues, enterprises, forum_departments, forums, issue_co_departments,
    issues, regions,
};
use crate::db::MultiBackend;

/// The part of the data a caller may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything (administrators).
    All,
    /// A region and all its descendants, by the region's path (`/1/4/`).
    Region(String),
    /// What one department handles.
    Department(i64),
    /// One enterprise's own records.
    Enterprise(i64),
}

pub type Filter<T> = Box<dyn BoxableExpression<T, MultiBackend, SqlType = Bool>>;

fn always<T>() -> Filter<T>
where
    T: 'static,
{
    Box::new(super::fixed::fixed::<Bool>("1 = 1"))
}

/// The subquery of `regions_under`.
pub type RegionsUnder = diesel::dsl::Select<
    diesel::dsl::Filter<
        regions::table,
        diesel::dsl::And<
            diesel::dsl::GtEq<regions::path, String>,
            diesel::dsl::Lt<regions::path, String>,
        >,
    >,
    regions::id,
>;

/// The paths under `path` (`/1/4/`) as a range of text, `[path, end)`: every path that
/// starts with `path` sorts from it up to `path` with its last character raised by one. A
/// range reads the paths' index and costs SQLite a few microseconds, where `LIKE` with a
/// bound pattern cost a region-scoped read of one issue ninety (three times the read).
pub fn path_range(path: &str) -> (String, String) {
    let mut end: Vec<char> = path.chars().collect();
    match end.pop().and_then(|c| char::from_u32(c as u32 + 1)) {
        Some(next) => end.push(next),
        // An empty prefix holds everything; nothing sorts after U+10FFFF in a path.
        None => end.push(char::MAX),
    }
    (path.to_owned(), end.into_iter().collect())
}

/// Ids of the regions under a path (the region itself included), as a subquery.
pub fn regions_under(path: &str) -> RegionsUnder {
    let (from, until) = path_range(path);
    regions::table
        .filter(regions::path.ge(from).and(regions::path.lt(until)))
        .select(regions::id)
}

/// An issue whose region lies under a path, as a condition on one issue row: `EXISTS`
/// the issue's own region (found by its key) with its path in `path_range`. Reading one
/// issue, this costs SQLite one key lookup, where `region_id IN (subquery)` built the
/// subquery's list and a Bloom filter on every call: a region-scoped read of one issue took
/// four times an administrator's. Lists keep `regions_under`, whose list is built once for
/// many rows. The statement's text is fixed, its two paths bound, its query id static.
#[derive(Debug, Clone)]
pub struct InRegion {
    from: String,
    until: String,
}

pub fn in_region(path: &str) -> InRegion {
    let (from, until) = path_range(path);
    InRegion { from, until }
}

impl diesel::expression::Expression for InRegion {
    type SqlType = Bool;
}

impl diesel::expression::AppearsOnTable<issues::table> for InRegion {}

impl diesel::expression::SelectableExpression<issues::table> for InRegion {}

impl diesel::expression::ValidGrouping<()> for InRegion {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for InRegion {
    type QueryId = InRegion;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<MultiBackend> for InRegion {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        out.push_sql(
            "EXISTS (SELECT 1 FROM regions r WHERE r.id = issues.region_id AND r.path >= ",
        );
        out.push_bind_param::<diesel::sql_types::Text, String>(&self.from)?;
        out.push_sql(" AND r.path < ");
        out.push_bind_param::<diesel::sql_types::Text, String>(&self.until)?;
        out.push_sql(")");
        Ok(())
    }
}

/// True when region `path` lies within `scope` (for checking a region named in a body).
pub fn covers_region(scope: &Scope, region_path: &str) -> bool {
    match scope {
        Scope::All => true,
        Scope::Region(p) => region_path.starts_with(p.as_str()),
        _ => false,
    }
}

/// Enterprises a caller may see: a region's enterprises to its coordinators and leaders,
/// an enterprise's own record to its people, and to a department the enterprises whose
/// issues it handles (as lead or co-handler).
pub fn enterprises(scope: &Scope) -> Filter<enterprises::table> {
    match scope {
        Scope::All => always(),
        Scope::Region(path) => Box::new(enterprises::region_id.eq_any(regions_under(path))),
        Scope::Enterprise(id) => Box::new(enterprises::id.eq(*id)),
        Scope::Department(d) => Box::new(
            enterprises::id.eq_any(
                issues::table
                    .filter(
                        issues::lead_department_id
                            .eq(*d)
                            .or(issues::id.eq_any(co_handled(*d))),
                    )
                    .select(issues::enterprise_id),
            ),
        ),
    }
}

/// 共性问题 a caller may see: those of its region (and below) to coordinators and leaders,
/// and to everyone those holding an issue they may see (a department also sees those it
/// leads, to answer them).
pub fn common_issues(scope: &Scope) -> Filter<common_issues::table> {
    let grouped = issues::table
        .filter(issues::common_issue_id.is_not_null())
        .select(issues::common_issue_id.assume_not_null());
    match scope {
        Scope::All => always(),
        Scope::Region(path) => Box::new(common_issues::region_id.eq_any(regions_under(path)).or(
            common_issues::id.eq_any(grouped.filter(issues::region_id.eq_any(regions_under(path)))),
        )),
        Scope::Department(d) => Box::new(
            common_issues::lead_department_id
                .eq(*d)
                .or(common_issues::id.eq_any(
                    grouped.filter(
                        issues::lead_department_id
                            .eq(*d)
                            .or(issues::id.eq_any(co_handled(*d)))
                            .assume_not_null(),
                    ),
                )),
        ),
        Scope::Enterprise(e) => {
            Box::new(common_issues::id.eq_any(grouped.filter(issues::enterprise_id.eq(*e))))
        }
    }
}

/// Ids of the issues a department co-handles, as a subquery.
pub fn co_handled(
    department: i64,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<
        issue_co_departments::table,
        diesel::dsl::Eq<issue_co_departments::department_id, i64>,
    >,
    issue_co_departments::issue_id,
> {
    issue_co_departments::table
        .filter(issue_co_departments::department_id.eq(department))
        .select(issue_co_departments::issue_id)
}

/// The condition of the issues a caller may see, typed for each kind of scope (so that a
/// query using it keeps a static id and its prepared statement is found by type): `$body`
/// with the condition bound to `$c`, or `$all` when every issue is in scope.
#[macro_export]
macro_rules! with_issue_scope {
    // One issue by its id: its region is checked by a key lookup (`in_region`).
    (one $scope:expr, $c:ident => $body:expr, all => $all:expr) => {
        $crate::with_issue_scope!(@in $scope, $c => $body, all => $all,
            region = |path| $crate::store::scope::in_region(path))
    };
    ($scope:expr, $c:ident => $body:expr, all => $all:expr) => {
        $crate::with_issue_scope!(@in $scope, $c => $body, all => $all,
            region = |path| $crate::store::schema::issues::region_id
                .eq_any($crate::store::scope::regions_under(path)))
    };
    (@in $scope:expr, $c:ident => $body:expr, all => $all:expr,
        region = |$path:ident| $region:expr) => {{
        use $crate::store::schema::issues;
        use $crate::store::scope::{co_handled, Scope};
        match $scope {
            Scope::All => $all,
            Scope::Region($path) => {
                let $c = $region;
                $body
            }
            // NULL lead OR false is NULL, which a WHERE treats as false: not-null is safe here.
            Scope::Department(d) => {
                let $c = issues::lead_department_id
                    .eq(*d)
                    .or(issues::id.eq_any(co_handled(*d)))
                    .assume_not_null();
                $body
            }
            Scope::Enterprise(e) => {
                let $c = issues::enterprise_id.eq(*e);
                $body
            }
        }
    }};
}

/// Issues a caller may see: those of the region (and its districts) to coordinators and
/// leaders, those it leads or co-handles to a department, its own to an enterprise.
pub fn issues(scope: &Scope) -> Filter<issues::table> {
    crate::with_issue_scope!(scope, c => Box::new(c), all => always())
}

/// Forums a caller may see: those hosted in a region's scope; to a department those it
/// attends; to an enterprise those its people attended.
pub fn forums(scope: &Scope) -> Filter<forums::table> {
    match scope {
        Scope::All => always(),
        Scope::Region(path) => Box::new(forums::region_id.eq_any(regions_under(path))),
        Scope::Department(id) => Box::new(
            forums::id.eq_any(
                forum_departments::table
                    .filter(forum_departments::department_id.eq(*id))
                    .select(forum_departments::forum_id),
            ),
        ),
        Scope::Enterprise(id) => Box::new(
            forums::id.eq_any(
                attendances::table
                    .filter(attendances::enterprise_id.eq(*id))
                    .select(attendances::forum_id),
            ),
        ),
    }
}

/// Attendance rows a caller may see (within forums it sees): an enterprise sees only its
/// own people, not who else came.
pub fn attendances(scope: &Scope) -> Filter<attendances::table> {
    match scope {
        Scope::Enterprise(id) => Box::new(attendances::enterprise_id.eq(*id)),
        _ => always(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paths_under_a_region_are_a_range_of_text() {
        let under = |prefix: &str, path: &str| {
            let (from, until) = path_range(prefix);
            path >= from.as_str() && path < until.as_str()
        };
        for (prefix, path, want) in [
            ("/1/", "/1/", true),
            ("/1/", "/1/4/", true),
            ("/1/", "/1/4/12/", true),
            ("/1/", "/10/", false),
            ("/1/", "/10/1/", false),
            ("/1/", "/2/", false),
            ("/1/4/", "/1/4/", true),
            ("/1/4/", "/1/40/", false),
            ("/1/4/", "/1/5/", false),
            ("/1/4/", "/1/", false),
            ("-", "/1/", false),
        ] {
            assert_eq!(under(prefix, path), want, "{prefix} {path}");
            assert_eq!(path.starts_with(prefix), want, "{prefix} {path}");
        }
    }

    #[test]
    fn region_cover() {
        let city = Scope::Region("/1/".into());
        let district = Scope::Region("/1/4/".into());
        let cases = [
            (&Scope::All, "/9/", true),
            (&city, "/1/", true),
            (&city, "/1/4/", true),
            (&district, "/1/4/", true),
            (&district, "/1/", false),
            (&district, "/1/5/", false),
            (&district, "/1/41/", false),
            (&Scope::Department(3), "/1/", false),
            (&Scope::Enterprise(3), "/1/", false),
        ];
        for (scope, path, want) in cases {
            assert_eq!(covers_region(scope, path), want, "{scope:?} {path}");
        }
    }
}

/// `column IN (query)` for a query boxed for both backends (a figure's issues, say, as the
/// rows of another table are counted). Diesel's own `IN` is written by each backend, which a
/// query boxed for `MultiBackend` cannot be; this writes the same SQL, valid on both, once.
#[derive(Debug)]
pub struct InQuery<C, Q> {
    column: C,
    query: Q,
}

pub fn in_query<C, Q>(column: C, query: Q) -> InQuery<C, Q> {
    InQuery { column, query }
}

impl<C: Expression, Q> Expression for InQuery<C, Q> {
    type SqlType = Bool;
}

impl<C, Q, QS> diesel::AppearsOnTable<QS> for InQuery<C, Q>
where
    C: diesel::AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, Q, QS> diesel::SelectableExpression<QS> for InQuery<C, Q>
where
    C: diesel::SelectableExpression<QS>,
    Self: diesel::AppearsOnTable<QS>,
{
}

impl<C, Q, GB> diesel::expression::ValidGrouping<GB> for InQuery<C, Q>
where
    C: diesel::expression::ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C, Q> diesel::query_builder::QueryId for InQuery<C, Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, Q> diesel::query_builder::QueryFragment<MultiBackend> for InQuery<C, Q>
where
    C: diesel::query_builder::QueryFragment<MultiBackend>,
    Q: diesel::query_builder::QueryFragment<MultiBackend>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}
