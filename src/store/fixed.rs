//! SQL text written by the program, as a prepared statement the connection keeps.
//!
//! Diesel's `sql()` literal marks every query it appears in as not to be cached, so such a
//! query is parsed and planned again on every call: on SQLite that parse was a fifth of an
//! issue action's time, on PostgreSQL a planning round per statement. `Fixed` holds only
//! `'static` text, so it can hold no value from a request (values go in as bind
//! parameters); the statement cache is keyed by the text, and the program has a bounded
//! number of such texts.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression};
use diesel::expression::{TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::SqlType;
use diesel::QueryResult;

/// A piece of SQL of type `ST`, fixed by the program.
#[derive(Debug)]
pub struct Fixed<ST> {
    sql: &'static str,
    ty: PhantomData<ST>,
}

impl<ST> Clone for Fixed<ST> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<ST> Copy for Fixed<ST> {}

pub fn fixed<ST>(sql: &'static str) -> Fixed<ST> {
    Fixed {
        sql,
        ty: PhantomData,
    }
}

/// Text built once from the program's own constants (a list of measures, say), kept for
/// the life of the process so it can be a `Fixed`.
pub fn once(
    cell: &'static std::sync::OnceLock<String>,
    build: impl FnOnce() -> String,
) -> &'static str {
    cell.get_or_init(build).as_str()
}

impl<ST: SqlType + TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST, QS> AppearsOnTable<QS> for Fixed<ST> where Self: Expression {}

impl<ST, QS> SelectableExpression<QS> for Fixed<ST> where Self: Expression {}

impl<ST, GB> ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = is_aggregate::Never;
}

impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, DB: Backend> QueryFragment<DB> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

/// A piece of SQL of type `ST` fixed by the program, named by the marker type `M`: a query
/// made only of such pieces and typed parts has a static query id, so the connection finds
/// its prepared statement by type, without writing the query's text out on every call.
/// A marker stands for one text on a given backend (a connection is of one backend).
#[derive(Debug)]
pub struct Keyed<ST, M> {
    sql: &'static str,
    ty: PhantomData<(ST, M)>,
}

impl<ST, M> Clone for Keyed<ST, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<ST, M> Copy for Keyed<ST, M> {}

pub fn keyed<ST, M>(sql: &'static str) -> Keyed<ST, M> {
    Keyed {
        sql,
        ty: PhantomData,
    }
}

impl<ST: SqlType + TypedExpressionType, M> Expression for Keyed<ST, M> {
    type SqlType = ST;
}

impl<ST, M, QS> AppearsOnTable<QS> for Keyed<ST, M> where Self: Expression {}

impl<ST, M, QS> SelectableExpression<QS> for Keyed<ST, M> where Self: Expression {}

impl<ST, M, GB> ValidGrouping<GB> for Keyed<ST, M> {
    type IsAggregate = is_aggregate::Never;
}

impl<ST, M: 'static> QueryId for Keyed<ST, M> {
    type QueryId = M;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<ST, M, DB: Backend> QueryFragment<DB> for Keyed<ST, M> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}
