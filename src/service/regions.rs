//! Regions (行政区划): read by everyone signed in, managed by administrators.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{self, Object};
use super::common::{nullable, page, present, utc, Check, Paged};
use crate::auth::Caller;
use crate::db::{self, DbConn};
use crate::domain::role::Role;
use crate::error::{unique_as, Error};
use crate::store::regions::{self, Changes, ListFilter, RegionRow};
use crate::store::scope::{covers_region, Scope};

#[derive(Serialize)]
pub struct Region {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RegionRow> for Region {
    fn from(r: RegionRow) -> Self {
        Region {
            id: r.id,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

const MANAGE: &str = "manage regions";
const DUPLICATE_CODE: &str = "is already used by another region";

/// The path of a region named in an input (as `field`); invalid when there is none.
pub fn path_for_field(conn: &mut DbConn, id: i64, field: &str) -> Result<String, Error> {
    regions::path_of(conn, id)?.ok_or_else(|| Error::invalid(field, "no such region"))
}

/// The objects a query's filter names, each of which the caller must be able to see:
/// otherwise the answer is 404 naming the parameter, as for any object outside scope
/// (a district's leader asking another district's figures is not shown a report of zeros).
#[derive(Default)]
pub struct Named {
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub forum_id: Option<i64>,
    pub edition_id: Option<i64>,
}

/// Checks `named` against `scope`; answers the named region's path.
pub fn check_named(
    conn: &mut DbConn,
    scope: &Scope,
    named: &Named,
) -> Result<Option<String>, Error> {
    use crate::store::{departments, enterprises, forums};
    let outside = |field: &str, id: i64, what: &str| {
        Error::NotFound(format!("{field} {id}: no such {what} in your scope"))
    };
    let path = match named.region_id {
        Some(id) => {
            let path =
                regions::path_of(conn, id)?.ok_or_else(|| outside("region_id", id, "region"))?;
            let visible = match scope {
                Scope::All | Scope::Department(_) | Scope::Enterprise(_) => true,
                Scope::Region(_) => covers_region(scope, &path),
            };
            if !visible {
                return Err(outside("region_id", id, "region"));
            }
            Some(path)
        }
        None => None,
    };
    if let Some(id) = named.department_id {
        departments::get(conn, id)?.ok_or_else(|| outside("department_id", id, "department"))?;
    }
    if let Some(id) = named.enterprise_id {
        enterprises::get(conn, scope, id)?
            .ok_or_else(|| outside("enterprise_id", id, "enterprise"))?;
    }
    if let Some(id) = named.forum_id {
        forums::get_forum(conn, scope, id)?.ok_or_else(|| outside("forum_id", id, "forum"))?;
    }
    if let Some(id) = named.edition_id {
        forums::get_edition(conn, id)?.ok_or_else(|| outside("edition_id", id, "edition"))?;
    }
    Ok(path)
}

/// A region named in an input (as `field`) must exist and lie within the caller's scope.
pub fn check_in_scope(conn: &mut DbConn, scope: &Scope, id: i64, field: &str) -> Result<(), Error> {
    let path = path_for_field(conn, id, field)?;
    if !covers_region(scope, &path) {
        return Err(Error::invalid(field, "is outside your region"));
    }
    Ok(())
}

/// The regions the caller's figures may be read for: its own region and those under it
/// (every region, for an administrator), the topmost first.
pub fn in_scope(conn: &mut DbConn, caller: &Caller) -> Result<Vec<Region>, Error> {
    let path = match caller.scope() {
        Scope::All => None,
        Scope::Region(p) => Some(p),
        Scope::Department(_) | Scope::Enterprise(_) => return Ok(Vec::new()),
    };
    Ok(regions::under(conn, path.as_deref())?
        .into_iter()
        .map(Region::from)
        .collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRegion {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewRegion) -> Result<Region, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let code = check.text("code", &input.code, 1, 32);
    let name = check.text("name", &input.name, 1, 100);
    check.finish()?;
    db::write_tx(conn, |conn| {
        let parent_path = match input.parent_id {
            Some(p) => path_for_field(conn, p, "parent_id")?,
            None => "/".to_owned(),
        };
        let row = regions::insert(conn, &code, &name, input.parent_id, &parent_path)
            .map_err(unique_as("code", DUPLICATE_CODE))?;
        let after = Region::from(row);
        audit::record(
            conn,
            Some(caller),
            "create",
            Object::Region,
            Some(after.id),
            None::<&()>,
            Some(&after),
        )?;
        Ok(after)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionQuery {
    pub q: Option<String>,
    #[serde(default, deserialize_with = "super::common::opt_id")]
    pub parent_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list(conn: &mut DbConn, _caller: &Caller, q: RegionQuery) -> Result<Paged<Region>, Error> {
    let page = page(q.page, q.per_page)?;
    let filter = ListFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        parent_id: q.parent_id,
    };
    let (rows, total) = regions::list(conn, &filter, page)?;
    Ok(Paged::new(
        rows.into_iter().map(Region::from).collect(),
        total,
        page,
    ))
}

pub fn get(conn: &mut DbConn, _caller: &Caller, id: i64) -> Result<Region, Error> {
    regions::get(conn, id)?
        .map(Region::from)
        .ok_or_else(|| Error::not_found("region"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionPatch {
    #[serde(default, deserialize_with = "present")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub parent_id: Option<Option<i64>>,
}

/// Changes a region; moving it under another rewrites the paths of its whole subtree.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    patch: RegionPatch,
) -> Result<Region, Error> {
    caller.require(&[Role::Admin], MANAGE)?;
    let mut check = Check::default();
    let changes = Changes {
        code: patch.code.map(|c| check.text("code", &c, 1, 32)),
        name: patch.name.map(|n| check.text("name", &n, 1, 100)),
        parent_id: patch.parent_id,
    };
    check.finish()?;
    db::write_tx(conn, |conn| {
        let current = regions::get(conn, id)?.ok_or_else(|| Error::not_found("region"))?;
        let parent_path = match changes.parent_id {
            None => None,
            Some(None) => Some("/".to_owned()),
            Some(Some(p)) => Some(path_for_field(conn, p, "parent_id")?),
        };
        if parent_path
            .as_deref()
            .is_some_and(|p| p.starts_with(&current.path))
        {
            return Err(Error::invalid(
                "parent_id",
                "a region cannot be placed under itself or its descendants",
            ));
        }
        let before = Region::from(current.clone());
        let row = regions::update(conn, &current, &changes, parent_path.as_deref())
            .map_err(unique_as("code", DUPLICATE_CODE))?;
        let after = Region::from(row);
        audit::record(
            conn,
            Some(caller),
            "update",
            Object::Region,
            Some(id),
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// The names of the regions given, by id (reference data every signed-in person reads).
pub fn names(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, Error> {
    Ok(regions::names(conn, ids)?)
}
