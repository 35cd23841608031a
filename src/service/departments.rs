//! Departments (部门): read by everyone signed in, managed by administrators. Two unique
//! rules hold: the name within the region, and one catch-all office (兜底) per region.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use super::common::{page, present, utc, Check, Paged};
use super::regions::path_for_field;
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::issue::Category;
use crate::domain::role::Role;
use crate::error::{unique_as, Error, FieldError};
use crate::store::departments::{self, DepartmentRow, ListFilter};

#[derive(Serialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub region_id: i64,
    pub catch_all: bool,
    pub active: bool,
    /// The names it bore before, oldest first (曾用名).
    pub former_names: Vec<FormerName>,
    /// The categories of issue it leads (负责类别): offered first when assigning one.
    pub categories: Vec<Category>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A name the department bore on the days before `until` (the day a rename took effect).
#[derive(Serialize)]
pub struct FormerName {
    pub name: String,
    pub until: NaiveDate,
}

/// The departments of `rows` as answered, with their former names (one query for all).
fn answer(conn: &mut DbConn, rows: Vec<DepartmentRow>) -> Result<Vec<Department>, Error> {
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let mut former = departments::former_names(conn, &ids)?;
    let mut categories = departments::categories(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|d| Department {
            categories: categories
                .remove(&d.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|c| Category::parse(c))
                .collect(),
            former_names: former
                .remove(&d.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(until, name)| FormerName { name, until })
                .collect(),
            id: d.id,
            name: d.name,
            region_id: d.region_id,
            catch_all: d.catch_all,
            active: d.active,
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        })
        .collect())
}

fn answer_one(conn: &mut DbConn, row: DepartmentRow) -> Result<Department, Error> {
    answer(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::not_found("department"))
}

const MANAGE: &str = "manage departments";
const RACE: &str = "conflicts with a department created at the same moment";

/// Departments named in an input, each as `(field, id)`, must exist (and be active, when
/// `active_only`); invalid naming each field that names none.
pub fn check_named(
    conn: &mut DbConn,
    named: &[(String, i64)],
    active_only: bool,
) -> Result<(), Error> {
    let ids: Vec<i64> = named.iter().map(|(_, id)| *id).collect();
    let found = departments::existing(conn, &ids, active_only)?;
    let message = if active_only {
        "no such active department"
    } else {
        "no such department"
    };
    let errors: Vec<FieldError> = named
        .iter()
        .filter(|(_, id)| !found.contains(id))
        .map(|(field, _)| FieldError::new(field.clone(), message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The unique rules are checked first so that the answer names the rule; a concurrent
/// insert that slips past the check still meets the constraint and is reported as a
/// duplicate.
fn check_unique(conn: &mut DbConn, d: &DepartmentRow) -> Result<(), Error> {
    if departments::name_taken(conn, d.id, &d.name, d.region_id)? {
        return Err(Error::Duplicate(FieldError::new(
            "name",
            "is already used by another department of this region",
        )));
    }
    if d.catch_all && departments::catch_all_taken(conn, d.id, d.region_id)? {
        return Err(Error::Duplicate(FieldError::new(
            "catch_all",
            "this region already has a catch-all office",
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub name: String,
    pub region_id: i64,
    #[serde(default)]
    pub catch_all: bool,
    #[serde(default)]
    pub categories: Vec<Category>,
}

/// Each category once.
fn check_categories(check: &mut Check, cats: &[Category]) {
    for (i, c) in cats.iter().enumerate() {
        if cats[..i].contains(c) {
            check.add(&format!("categories[{i}]"), "is listed twice");
        }
    }
}

fn codes(cats: &[Category]) -> Vec<&'static str> {
    cats.iter().map(|c| c.code()).collect()
}

pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewDepartment,
) -> Result<Department, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let name = check.text("name", &input.name, 1, 100);
    check_categories(&mut check, &input.categories);
    check.finish()?;
    db::write_tx(conn, |conn| {
        path_for_field(conn, input.region_id, "region_id")?;
        let t = crate::store::now();
        let probe = DepartmentRow {
            id: 0,
            name,
            region_id: input.region_id,
            catch_all: input.catch_all,
            active: true,
            created_at: t,
            updated_at: t,
        };
        check_unique(conn, &probe)?;
        let row = departments::insert(conn, &probe.name, probe.region_id, probe.catch_all)
            .map_err(unique_as("name", RACE))?;
        departments::set_categories(conn, row.id, &codes(&input.categories))?;
        let after = answer_one(conn, row)?;
        audit::record(
            conn,
            Some(caller),
            "create",
            Object::Department,
            Some(after.id),
            None::<&()>,
            Some(&after),
        )?;
        Ok(after)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentQuery {
    pub q: Option<String>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub region_id: Option<i64>,
    pub active: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(
    conn: &mut DbConn,
    _caller: &Caller,
    q: DepartmentQuery,
) -> Result<Paged<Department>, Error> {
    let page = page(q.page, q.per_page)?;
    let filter = ListFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        region_id: q.region_id,
        active: q.active,
    };
    let (rows, total) = departments::list(conn, &filter, page)?;
    Ok(Paged::new(answer(conn, rows)?, total, page))
}

pub fn get(conn: &mut DbConn, _caller: &Caller, id: i64) -> Result<Department, Error> {
    let row = departments::get(conn, id)?.ok_or_else(|| Error::not_found("department"))?;
    answer_one(conn, row)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub region_id: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub catch_all: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub categories: Option<Vec<Category>>,
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: DepartmentPatch,
) -> Result<Department, Error> {
    update_on(conn, caller, id, patch, crate::domain::time::today())
}

/// [`update`] with a rename taking effect on `day` (today's date, for a request): the old
/// name is kept as the one borne before that day, for the period views.
pub fn update_on(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: DepartmentPatch,
    day: NaiveDate,
) -> Result<Department, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let name = patch.name.map(|n| check.text("name", &n, 1, 100));
    if let Some(c) = &patch.categories {
        check_categories(&mut check, c);
    }
    check.finish()?;
    db::write_tx(conn, |conn| {
        let mut d = departments::get(conn, id)?.ok_or_else(|| Error::not_found("department"))?;
        let before = answer_one(conn, d.clone())?;
        if let Some(r) = patch.region_id {
            path_for_field(conn, r, "region_id")?;
            d.region_id = r;
        }
        let old_name = d.name.clone();
        if let Some(n) = name {
            d.name = n;
        }
        d.catch_all = patch.catch_all.unwrap_or(d.catch_all);
        d.active = patch.active.unwrap_or(d.active);
        check_unique(conn, &d)?;
        let row = departments::update(conn, &d).map_err(unique_as("name", RACE))?;
        if row.name != old_name {
            departments::record_former_name(conn, id, &old_name, day)?;
        }
        if let Some(c) = &patch.categories {
            departments::set_categories(conn, id, &codes(c))?;
        }
        let after = answer_one(conn, row)?;
        audit::record(
            conn,
            Some(caller),
            "update",
            Object::Department,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// The names and regions of the departments given, by id, each name as it was on `day`
/// (today's names when `None`): reference data every signed-in person reads.
pub fn names_on(
    conn: &mut DbConn,
    ids: &[i64],
    day: Option<NaiveDate>,
) -> Result<std::collections::HashMap<i64, (String, i64)>, Error> {
    Ok(departments::names_on(conn, ids, day)?)
}

/// The departments offered first when assigning an issue of a category: those that lead
/// it (负责类别), then those that have led such issues, most often first.
pub fn usual_leads(conn: &mut DbConn, category: Category) -> Result<Vec<i64>, Error> {
    let mut out = departments::leading(conn, category.code())?;
    for d in crate::store::issues::usual_leads(conn, category)? {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}
