//! What each command of the command line does: `serve` (the default), `migrate`,
//! `create-user` and `demo`.

use crate::cli::{Cli, Command, CreateUser};
use crate::config::Config;
use crate::db;
use crate::domain::role::Role;
use crate::server;
use crate::service::users::{insert, prepare_new_user, NewUserIn, User};
use crate::store;

/// Runs the command; the error is the message to print before exiting non-zero.
pub fn run(cli: Cli) -> Result<(), String> {
    init_logging(&cli.log_level);
    let config = cli.config()?;
    crate::service::issues::actions::set_sign_days(config.notify.rules.sign_days);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let demo = match (cli.demo, cli.demo_password) {
                (false, _) => None,
                (true, Some(p)) => Some(p),
                (true, None) => {
                    return Err("--demo needs --demo-password (or QINQING_DEMO_PASSWORD)".into())
                }
            };
            server::serve(config, demo)
        }
        Command::Demo(args) => match (&args.copy_from, &args.password) {
            (Some(file), _) => copy_demo(&config, file, args.force),
            (None, Some(password)) => demo(&config, password, args.force),
            (None, None) => Err("--password is needed to load the demo".into()),
        },
        Command::Remind(args) => remind(&config, args.at.as_deref()),
        Command::Backup(args) => crate::db::backup::backup(&config.backend(), &args.to),
        Command::Restore(args) => crate::db::backup::restore(&config.backend(), &args.from),
        Command::CheckFigures => check_figures(&config),
        Command::Migrate => {
            let applied = server::migrate(&config)?;
            if applied.is_empty() {
                println!("database is up to date");
            } else {
                for name in applied {
                    println!("applied {name}");
                }
            }
            Ok(())
        }
        Command::CreateUser(args) => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| format!("reading the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let user = create_user(&config, args, password)?;
            println!(
                "created user {} ({}) with id {}",
                user.username, user.role, user.id
            );
            Ok(())
        }
    }
}

/// `qinqing create-user`: the same checks as the API's user creation.
fn create_user(config: &Config, args: CreateUser, password: String) -> Result<User, String> {
    let mut conn = server::connect(&config.backend())?;
    db::migrate(&mut conn)?;
    let role = Role::parse(&args.role).ok_or_else(|| {
        format!(
            "--role must be one of admin, coordinator, leader, department, enterprise (got {})",
            args.role
        )
    })?;
    let region_id = match &args.region {
        Some(code) => Some(
            store::regions::find_by_code(&mut conn, code)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no region has code {code}"))?,
        ),
        None => None,
    };
    let new = prepare_new_user(NewUserIn {
        display_name: args.display_name.unwrap_or_else(|| args.username.clone()),
        username: args.username,
        password,
        role,
        region_id,
        department_id: args.department,
        enterprise_id: args.enterprise,
    })
    .map_err(|e| e.one_line())?;
    insert(&mut conn, &new).map_err(|e| e.one_line())
}

/// `qinqing demo`: loads the demo data set into the configured database.
fn demo(config: &Config, password: &str, force: bool) -> Result<(), String> {
    let mut conn = server::connect(&config.backend())?;
    db::migrate(&mut conn)?;
    server::load_demo(&mut conn, password, force)
}

/// `qinqing demo --copy-from FILE`: the demo of a SQLite file copied into PostgreSQL.
fn copy_demo(config: &Config, file: &std::path::Path, force: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let mut conn = server::connect(&config.backend())?;
    db::migrate(&mut conn)?;
    crate::demo::copy_from(&mut conn, file, force, &mut |line| {
        eprintln!("demo: {line}")
    })?;
    eprintln!(
        "demo: copied from {} in {:.1} s",
        file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `qinqing remind`: one pass of the reminders as of a time, then one of the deliveries.
fn remind(config: &Config, at: Option<&str>) -> Result<(), String> {
    let now = match at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| format!("--at {t}: {e} (write e.g. 2026-12-07T09:00:00+08:00)"))?
            .naive_utc(),
        None => store::now(),
    };
    server::migrate(config)?;
    let mut conn = server::connect(&config.backend())?;
    let made = crate::service::notices::remind(&mut conn, now, &config.notify.rules)
        .map_err(|e| e.one_line())?;
    println!(
        "reminders: {} due soon, {} overdue, {} not signed for, {} follow-up calls, {} forums, {} digests",
        made.due_soon, made.overdue, made.sign_overdue, made.follow_up_due, made.forum_upcoming, made.digest
    );
    let sent =
        crate::notify::deliver_due(&mut conn, &config.notify, now).map_err(|e| e.one_line())?;
    println!(
        "deliveries: {} delivered, {} to retry, {} failed",
        sent.delivered, sent.retry, sent.failed
    );
    Ok(())
}

fn init_logging(filter: &str) {
    let _ = env_logger::Builder::new()
        .parse_filters(filter)
        .format_timestamp_millis()
        .try_init();
}

/// `qinqing check-figures`: every group of the kept sums against a recount of the issues
/// and of their assignment rows.
fn check_figures(config: &Config) -> Result<(), String> {
    let mut conn = server::connect(&config.backend())?;
    let issue_groups = store::kept::compare_rollup(&mut conn).map_err(|e| e.to_string())?;
    let assignment_groups =
        store::kept::compare_assignment_rollup(&mut conn).map_err(|e| e.to_string())?;
    let mut issues_differing = 0;
    for ((region, department, category, channel, day), kept, counted) in &issue_groups {
        if kept != counted {
            issues_differing += 1;
            println!(
                "issues of region {region}, lead department {department}, {category}, {channel}, filed {day}:\n  kept    {kept:?}\n  counted {counted:?}"
            );
        }
    }
    let totals = store::kept::compare_totals(&mut conn).map_err(|e| e.to_string())?;
    let mut totals_differing = 0;
    for ((region, department, category, channel), kept, counted) in &totals {
        if kept != counted {
            totals_differing += 1;
            println!(
                "all-time issues of region {region}, lead department {department}, {category}, {channel}:\n  kept    {kept:?}\n  counted {counted:?}"
            );
        }
    }
    let mut assignments_differing = 0;
    for ((department, region, category, channel, day), kept, counted) in &assignment_groups {
        if kept != counted {
            assignments_differing += 1;
            println!(
                "assignments to department {department} of issues of region {region}, {category}, {channel}, filed {day}:\n  kept    {kept:?}\n  counted {counted:?}"
            );
        }
    }
    let sizes = format!(
        "{} of {} groups of issue sums (region × lead department × category × channel × day of filing), \
         {} of {} groups of all-time issue sums (region × lead department × category × channel) \
         and {} of {} groups of assignment counts (department assigned × region × category × channel × day of filing)",
        issues_differing,
        issue_groups.len(),
        totals_differing,
        totals.len(),
        assignments_differing,
        assignment_groups.len()
    );
    if issues_differing + totals_differing + assignments_differing == 0 {
        println!(
            "check-figures: {} groups of issue sums, {} groups of all-time issue sums and {} groups of assignment counts, each equal to a recount",
            issue_groups.len(),
            totals.len(),
            assignment_groups.len()
        );
        Ok(())
    } else {
        Err(format!(
            "check-figures: {sizes} differ from a recount (the service refills the kept sums at its next start when their totals differ)"
        ))
    }
}
