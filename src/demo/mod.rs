//! `qinqing demo`: a deterministic demo data set for Huzhou, loaded through the service
//! layer the API uses (reference data, editions and forums, filing and issue actions),
//! with historical times. It holds one continuous programme from its first edition on
//! 2022-06-08 to today: an edition every Wednesday except in statutory holiday weeks and
//! the weeks it paused, reproducing both sets the programme published (2022, and the total
//! to 2023-05-31), then a lighter volume up to the last twelve weeks, which end today with
//! open and overdue work.
//!
//! `data` holds the targets (the programme's published figures, which appear nowhere else
//! in the code) and the words; `plan` decides what happens; `playback` makes it happen.
//! Every figure the service reports is computed from the rows loaded here.

mod copy;
mod data;
mod plan;
mod playback;
pub mod problems;

pub use data::{Stretch, TO_MAY_2023, Y2022};

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::auth::{self, password, Caller};
use crate::db::DbConn;
use crate::domain::calendar::{official, WorkCalendar};
use crate::domain::role::Role;
use crate::service::calendar::{self as calendar_service, YearIn};
use crate::service::departments::{self as department_service, DepartmentPatch, NewDepartment};
use crate::service::enterprises::{self as enterprise_service, NewEnterpriseIn, Size};
use crate::service::users::insert as insert_user;
use crate::store::{self, users::NewUser};
use data::*;
use plan::Rng;
use playback::{load_current_year, load_middle, load_stretch, Firm, Person, World};

/// The first day of the demo's live stretch that ends today: twelve weeks back. Tests
/// that look for today's open work read from here, whatever day of the year it is.
pub fn current_stretch_start(today: chrono::NaiveDate) -> chrono::NaiveDate {
    today - chrono::Days::new(84)
}

pub struct Options {
    pub password: String,
    pub force: bool,
}

/// A demo account, printed at the end.
pub struct DemoUser {
    pub username: String,
    pub role: &'static str,
    pub sees: String,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Erases the programme's data (not regions), for `--force`. The timeline and the audit log refuse
/// DELETE (append-only, by trigger): PostgreSQL empties it with TRUNCATE, which that
/// trigger does not see; SQLite has no TRUNCATE, so its trigger is set aside for the
/// erase and put back, in the same transaction.
fn erase(conn: &mut DbConn) -> Result<(), String> {
    let timeline = match conn {
        DbConn::Pg(_) => "TRUNCATE issue_events; TRUNCATE audit_log;",
        DbConn::Sqlite(_) => {
            "DROP TRIGGER issue_events_no_delete; DELETE FROM issue_events; \
             CREATE TRIGGER issue_events_no_delete BEFORE DELETE ON issue_events BEGIN \
             SELECT RAISE(ABORT, 'the timeline (issue_events) is append-only: DELETE refused'); END; \
             DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log; \
             CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN \
             SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;"
        }
    };
    // The search entries: PostgreSQL's go with their rows (ON DELETE CASCADE), SQLite's
    // FTS5 tables are emptied, or a new demo's issues would find the old ones' words.
    let search = match conn {
        DbConn::Pg(_) => "",
        DbConn::Sqlite(_) => "DELETE FROM issue_search; DELETE FROM knowledge_search;",
    };
    conn.batch_execute(&format!(
        "BEGIN; DELETE FROM deliveries; DELETE FROM channels; DELETE FROM notifications; DELETE FROM notices; \
         DELETE FROM reports; DELETE FROM idempotency_keys; DELETE FROM issue_extensions; DELETE FROM issue_ratings; \
         DELETE FROM issue_assignments; DELETE FROM issue_rollup; DELETE FROM issue_totals; DELETE FROM assignment_rollup; \
         DELETE FROM attachment_data; DELETE FROM attachments; {search} DELETE FROM knowledge; \
         {timeline} DELETE FROM issue_co_departments; DELETE FROM issue_history; DELETE FROM issues; \
         DELETE FROM common_issues; DELETE FROM reply_templates; \
         DELETE FROM attendances; DELETE FROM forum_departments; DELETE FROM forums; \
         DELETE FROM editions; DELETE FROM users; DELETE FROM enterprises; DELETE FROM department_names; DELETE FROM department_categories; DELETE FROM departments; \
         DELETE FROM calendar_days; DELETE FROM calendar_years; DELETE FROM login_throttle; COMMIT;",
    ))
    .map_err(|e| {
        // Leave nothing half-erased behind.
        let _ = conn.batch_execute("ROLLBACK");
        err(e)
    })
}

/// A loader error inside a transaction (a database error rolls it back too).
struct Failed(String);

impl From<diesel::result::Error> for Failed {
    fn from(e: diesel::result::Error) -> Self {
        Failed(e.to_string())
    }
}

/// Runs `f` in one transaction: all of it is written, or none. The playback writes in
/// batches so (a batch of issues shares one commit; every step inside still runs the
/// service's own checks): not a whole stretch at once, as PostgreSQL slows down when one
/// transaction updates the same rows (the kept sums) thousands of times.
pub(crate) fn at_once<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, String>,
) -> Result<T, String> {
    crate::db::write_tx(conn, |c| f(c).map_err(Failed)).map_err(|Failed(e)| e)
}

pub fn issue_count(conn: &mut DbConn) -> Result<i64, String> {
    use crate::store::schema::issues;
    issues::table.count().get_result(conn).map_err(err)
}

fn caller(conn: &mut DbConn, id: i64) -> Result<Caller, String> {
    let (user, ..) = store::users::with_region_path(conn, id)
        .map_err(err)?
        .ok_or("demo user vanished")?;
    auth::resolve(conn, id, user.token_version, &user.role)
        .map_err(|e| e.one_line())?
        .ok_or_else(|| "demo user cannot act".to_owned())
}

fn region_ids(conn: &mut DbConn) -> Result<Vec<i64>, String> {
    REGIONS
        .iter()
        .map(|(code, ..)| {
            store::regions::find_by_code(conn, code)
                .map_err(err)?
                .ok_or_else(|| format!("region {code} is missing; run the migrations"))
        })
        .collect()
}

/// Loads the demo. `progress` receives a line now and then.
pub fn load(
    conn: &mut DbConn,
    opts: &Options,
    progress: &mut dyn FnMut(String),
) -> Result<Vec<DemoUser>, String> {
    let existing = issue_count(conn)?;
    if existing > 0 {
        if !opts.force {
            return Err(format!(
                "the database already has {existing} issues; the demo loads only into one without \
                 (--force erases every issue, forum, enterprise, department and user first)"
            ));
        }
        progress("erasing the existing data (--force)".into());
        erase(conn)?;
    }
    if let Some(msg) = password::policy_error(&opts.password) {
        return Err(format!("--password {msg}"));
    }
    if matches!(conn, DbConn::Pg(_)) && copy::target_is_empty(conn)? {
        progress("playing the programme back in memory, to be copied into PostgreSQL".into());
        let mut stage = copy::stage()?;
        let users = play(&mut stage, opts, progress)?;
        copy::copy_all(&mut stage, conn, progress)?;
        analyse(conn, progress)?;
        return Ok(users);
    }
    if let DbConn::Pg(_) = conn {
        // Only this loader's session: thousands of small commits need not each wait for disk.
        conn.batch_execute("SET synchronous_commit = off")
            .map_err(err)?;
    }
    let users = play(conn, opts, progress)?;
    analyse(conn, progress)?;
    Ok(users)
}

/// PostgreSQL plans from statistics its autovacuum gathers only some time after a load:
/// until then the figures' readings of a freshly loaded demo take three times as long. The
/// loader gathers them at once. (SQLite plans without them.)
fn analyse(conn: &mut DbConn, progress: &mut dyn FnMut(String)) -> Result<(), String> {
    // Issues copied in bulk arrive without their search entries.
    let indexed = crate::server::index_for_search(conn)?;
    if indexed > 0 {
        progress(format!("indexed {indexed} issues for search"));
    }
    if let DbConn::Pg(_) = conn {
        progress("gathering PostgreSQL's statistics (ANALYZE)".into());
        conn.batch_execute("ANALYZE").map_err(err)?;
    }
    Ok(())
}

/// Copies a demo loaded earlier into a SQLite file (`qinqing demo` there) into the
/// PostgreSQL database of `conn`, instead of playing the programme back again: the same
/// rows, checked by PostgreSQL on the way in. With `force`, the database's existing data is
/// erased first. A SQLite database is given the demo by copying the file itself.
pub fn copy_from(
    conn: &mut DbConn,
    file: &std::path::Path,
    force: bool,
    progress: &mut dyn FnMut(String),
) -> Result<(), String> {
    if !matches!(conn, DbConn::Pg(_)) {
        return Err(
            "the demo is copied from a file only into PostgreSQL; for SQLite, copy the file itself"
                .into(),
        );
    }
    if !file.is_file() {
        return Err(format!("{}: no such file", file.display()));
    }
    let mut source = crate::db::Backend::Sqlite(file.to_string_lossy().into_owned())
        .connect()
        .map_err(err)?;
    if issue_count(&mut source)? == 0 {
        return Err(format!(
            "{} holds no demo (it has no issue)",
            file.display()
        ));
    }
    if !copy::target_is_empty(conn)? {
        if !force {
            return Err(
                "the database already has data; the demo is copied only into one without \
                 (--force erases every issue, forum, enterprise, department and user first)"
                    .into(),
            );
        }
        progress("erasing the existing data (--force)".into());
        erase(conn)?;
    }
    copy::copy_all(&mut source, conn, progress)?;
    analyse(conn, progress)
}

/// Plays the programme back into `conn`, through the service.
fn play(
    conn: &mut DbConn,
    opts: &Options,
    progress: &mut dyn FnMut(String),
) -> Result<Vec<DemoUser>, String> {
    let hash = password::hash(&opts.password)?;
    let make_user = |conn: &mut DbConn,
                     username: String,
                     display: String,
                     role: Role,
                     links: [Option<i64>; 3]|
     -> Result<i64, String> {
        insert_user(
            conn,
            &NewUser {
                username,
                password_hash: hash.clone(),
                display_name: display,
                role: role.as_str().to_owned(),
                region_id: links[0],
                department_id: links[1],
                enterprise_id: links[2],
            },
        )
        .map(|u| u.id)
        .map_err(|e| e.one_line())
    };
    // The administrator first: it enters the calendar, departments and enterprises.
    let admin_id = make_user(
        conn,
        "demo.admin".into(),
        "系统管理员".into(),
        Role::Admin,
        [None; 3],
    )?;
    let admin = caller(conn, admin_id)?;
    for year in official::years() {
        if let Some((holidays, workdays)) = official::year(year) {
            calendar_service::put(conn, &admin, year, YearIn { holidays, workdays })
                .map_err(|e| e.one_line())?;
        }
    }
    let regions = region_ids(conn)?;
    let mut rng = Rng(20220608);

    progress("departments and enterprises".into());
    let region_of = |code: &str| regions[REGIONS.iter().position(|r| r.0 == code).unwrap_or(0)];
    // The city's departments, then each district's own (in the order they are listed).
    let mut dept_ids = BTreeMap::new();
    let mut listed: Vec<&'static str> = Vec::new();
    let all = DEPARTMENTS
        .iter()
        .map(|(n, c, a)| (*n, *c, *a))
        .chain(DISTRICT_DEPARTMENTS.iter().map(|(c, _, n, a)| (*n, *c, *a)));
    for (name, code, catch_all) in all {
        if dept_ids.contains_key(name) {
            continue;
        }
        let new = NewDepartment {
            name: name.to_owned(),
            region_id: region_of(code),
            catch_all,
            categories: data::leads(name),
        };
        let row = department_service::create(conn, &admin, new).map_err(|e| e.one_line())?;
        dept_ids.insert(name, row.id);
        listed.push(name);
    }
    let dept_count = listed.len();
    // Who stands for a city department in each district.
    let mut local = BTreeMap::new();
    for (code, city, name, _) in DISTRICT_DEPARTMENTS {
        if let Some(d) = dept_ids.get(name) {
            local.insert((region_of(code), city), *d);
        }
    }
    for (old, new, (y, m, d)) in RENAMES {
        let id = dept_ids
            .get(old)
            .copied()
            .ok_or("renamed department missing")?;
        let day = chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or("bad rename date")?;
        let patch = DepartmentPatch {
            name: Some(new.to_owned()),
            region_id: None,
            catch_all: None,
            active: None,
            categories: None,
        };
        department_service::update_on(conn, &admin, id, patch, day).map_err(|e| e.one_line())?;
    }
    // About 1,200 enterprises: their codes drawn (valid, in no order), a contact's mobile
    // (a landline for some), and one or two people who come to forums for each.
    let mut enterprises: BTreeMap<i64, Vec<Person>> = BTreeMap::new();
    let mut firms = BTreeMap::new();
    for (r, (code, short, _, _, industries)) in REGIONS.iter().enumerate() {
        let count = if r == 0 { 200 } else { 165 };
        let region_code: String = code.chars().take(6).collect();
        for k in 0..count {
            let second = (k / 20 + r * 3 + 1) % 20;
            let second = if second == k % 20 {
                (second + 7) % 20
            } else {
                second
            };
            let trade = format!("{}{}", TRADE[k % 20], TRADE[second]);
            let industry = industries[k % 3];
            let recent = !rng.chance(350);
            let credit_code =
                plan::credit_code(&mut rng, &region_code, recent).ok_or("bad credit code")?;
            let person = format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
            let size = [
                Size::Micro,
                Size::Micro,
                Size::Small,
                Size::Small,
                Size::Small,
                Size::Medium,
                Size::Medium,
                Size::Large,
            ][rng.below(8)];
            let phone = if rng.chance(250) {
                format!("0572-{}", 2_000_000 + rng.below(3_000_000))
            } else {
                plan::mobile(&mut rng)
            };
            let new = NewEnterpriseIn {
                name: format!(
                    "{short}{trade}{industry}{}",
                    if size == Size::Large && k % 2 == 0 {
                        "股份有限公司"
                    } else {
                        "有限公司"
                    }
                ),
                credit_code,
                region_id: regions[r],
                industry: industry.to_owned(),
                size,
                contact_name: Some(person.clone()),
                contact_phone: Some(phone),
            };
            let row = enterprise_service::create(conn, &admin, new).map_err(|e| e.one_line())?;
            firms.insert(
                row.id,
                Firm {
                    trade,
                    industry,
                    size,
                    town: TOWNS[r % TOWNS.len()][rng.below(4)],
                    region: regions[r],
                },
            );
            let people = enterprises.entry(regions[r]).or_default();
            people.push(Person {
                enterprise: row.id,
                name: person,
                title: TITLES[rng.below(TITLES.len())],
            });
            if rng.chance(400) {
                people.push(Person {
                    enterprise: row.id,
                    name: format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN)),
                    title: TITLES[rng.below(TITLES.len())],
                });
            }
        }
    }

    progress("users".into());
    let mut make = |username: String,
                    display: String,
                    role: Role,
                    region: Option<i64>,
                    dept: Option<i64>,
                    ent: Option<i64>|
     -> Result<i64, String> {
        make_user(conn, username, display, role, [region, dept, ent])
    };
    let city = regions[0];
    let (deqing, changxing) = (regions[3], regions[4]);
    let land = dept_ids
        .get("市自然资源和规划局")
        .copied()
        .ok_or("department missing")?;
    let first_person = enterprises
        .get(&deqing)
        .and_then(|v| v.first())
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let first_enterprise = enterprises
        .get(&deqing)
        .and_then(|v| v.first())
        .map(|e| e.enterprise)
        .ok_or("no enterprise")?;
    let coord_id = make(
        "demo.coord".into(),
        "潘晓燕".into(),
        Role::Coordinator,
        Some(city),
        None,
        None,
    )?;
    make(
        "demo.coord.dq".into(),
        "姚建平".into(),
        Role::Coordinator,
        Some(deqing),
        None,
        None,
    )?;
    let leader_id = make(
        "demo.leader".into(),
        CHAIRS[0][0].into(),
        Role::Leader,
        Some(city),
        None,
        None,
    )?;
    make(
        "demo.leader.cx".into(),
        CHAIRS[4][0].into(),
        Role::Leader,
        Some(changxing),
        None,
        None,
    )?;
    let mut handler_ids = BTreeMap::new();
    let mut staff = BTreeMap::new();
    for (i, name) in listed.iter().enumerate() {
        let d = dept_ids.get(name).copied().ok_or("department missing")?;
        // Each department's handler, by name, as its answers sign.
        let staff_name = format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
        let phone = format!("0572-2{:06}", rng.next() % 1_000_000);
        staff.insert(d, (staff_name.clone(), phone));
        let username = if d == land {
            "demo.dept".to_owned()
        } else {
            format!("demo.dept.{}", i + 1)
        };
        handler_ids.insert(
            d,
            make(
                username,
                staff_name.clone(),
                Role::Department,
                None,
                Some(d),
                None,
            )?,
        );
    }
    let mut ent_user_ids = BTreeMap::new();
    ent_user_ids.insert(
        first_enterprise,
        make(
            "demo.ent".into(),
            first_person.clone(),
            Role::Enterprise,
            None,
            None,
            Some(first_enterprise),
        )?,
    );
    let mut k = 0;
    for list in enterprises.values() {
        for Person {
            enterprise: e,
            name: person,
            ..
        } in list.iter().step_by(5)
        {
            if *e != first_enterprise {
                k += 1;
                ent_user_ids.insert(
                    *e,
                    make(
                        format!("demo.ent.{k}"),
                        person.clone(),
                        Role::Enterprise,
                        None,
                        None,
                        Some(*e),
                    )?,
                );
            }
        }
    }

    let mut handlers = BTreeMap::new();
    for (d, u) in handler_ids {
        handlers.insert(d, caller(conn, u)?);
    }
    let mut enterprise_users = BTreeMap::new();
    for (e, u) in ent_user_ids {
        enterprise_users.insert(e, caller(conn, u)?);
    }
    let (holidays, workdays): (Vec<_>, Vec<_>) =
        official::years().filter_map(official::year).unzip();
    let mut world = World {
        firms,
        titles: Default::default(),
        raised: Default::default(),
        staff,
        local,
        rng,
        cal: WorkCalendar::new(holidays.concat(), workdays.concat()),
        departments: dept_ids,
        enterprises,
        handlers,
        enterprise_users,
        coordinator: caller(conn, coord_id)?,
        leader: caller(conn, leader_id)?,
        horizon: store::now(),
        issues_done: 0,
    };

    let mut edition_number = 0;
    for t in [Y2022, TO_MAY_2023] {
        load_stretch(
            conn,
            &mut world,
            &regions,
            &t,
            &mut edition_number,
            progress,
        )?;
    }
    load_middle(conn, &mut world, &regions, &mut edition_number, progress)?;
    load_current_year(conn, &mut world, &regions, &mut edition_number, progress)?;
    playback::publish_knowledge(conn, &world, progress)?;
    playback::group_common_issues(conn, &world, progress)?;
    // The notices played back with the history are old news: only the last week's are
    // left unread, as for someone who reads their messages.
    let week_ago = store::now() - chrono::Duration::days(7);
    crate::store::notices::mark_read_before(conn, week_ago).map_err(err)?;

    let land_name = "市自然资源和规划局";
    let ent_name = "德清县的一家企业";
    Ok(vec![
        DemoUser { username: "demo.admin".into(), role: "admin", sees: "users, regions, departments, enterprises, the calendar; every figure".into() },
        DemoUser { username: "demo.coord".into(), role: "coordinator", sees: "湖州市 and every district: runs forums, files, assigns and follows up issues".into() },
        DemoUser { username: "demo.coord.dq".into(), role: "coordinator", sees: "德清县 only".into() },
        DemoUser { username: "demo.leader".into(), role: "leader", sees: "everything in 湖州市: dashboards, ranking, issues; supervises".into() },
        DemoUser { username: "demo.leader.cx".into(), role: "leader", sees: "长兴县 only".into() },
        DemoUser { username: "demo.dept".into(), role: "department", sees: format!("{land_name}: the issues it leads or co-handles (other departments: demo.dept.1 … demo.dept.{dept_count}, the city's then each district's)") },
        DemoUser { username: "demo.ent".into(), role: "enterprise", sees: format!("{ent_name}: its own issues only (others: demo.ent.1 …)") },
    ])
}
