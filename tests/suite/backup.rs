//! `qinqing backup` and `qinqing restore`: a copy taken while writes go on holds every
//! write acknowledged before it began and is a consistent cut of the rest; restored, the
//! service reads it.

use std::process::{Command, Stdio};

use crate::common::*;
use actix_web::http::Method;
use serde_json::json;

fn qinqing(db_url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qinqing"));
    c.args(args)
        .env("DATABASE_URL", db_url)
        .env("QINQING_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[actix_rt::test]
async fn a_backup_taken_under_write_load_restores_every_acknowledged_write() {
    let db = TestDb::new();
    let dir = std::env::temp_dir().join(format!("qinqing-backup-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{}.db", db.url.replace(['/', ':'], "_")));
    let _ = std::fs::remove_file(&file);
    let target = file.to_string_lossy().into_owned();
    if db.is_postgres() {
        let out = qinqing(&db.url, &["backup", "--to", &target])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && said.contains("pg_dump"), "{said}");
        assert!(
            !said.contains(&db.url),
            "the URL (and its password) is not printed: {said}"
        );
        return;
    }
    let app = app(&db).await;
    let admin = admin_token(&app, &db).await;
    let write = |n: usize| {
        let body = json!({"name": format!("第{n}局"), "region_id": DEQING});
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = send(
                app,
                Method::POST,
                "/api/v1/departments",
                Some(&admin),
                Some(&body),
            )
            .await;
            assert_eq!(r.status, 201, "{}", r.text);
            r.body["id"].as_i64().unwrap_or_default()
        }
    };
    let mut before = Vec::new();
    for n in 0..50 {
        before.push(write(n).await);
    }
    // The backup runs in its own process while writes go on.
    let mut child = qinqing(&db.url, &["backup", "--to", &target])
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut during = Vec::new();
    let mut n = 50;
    while child.try_wait().ok().flatten().is_none() {
        during.push(write(n).await);
        n += 1;
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    // It holds password hashes: readable and writable by its owner alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "backup mode {:o}", mode & 0o777);
    }
    eprintln!("{} writes acknowledged while the backup ran", during.len());
    assert!(!during.is_empty(), "the writes did not overlap the backup");
    for n in 0..20 {
        during.push(write(1_000 + n).await);
    }

    // Restored into a new place, it holds every write acknowledged before the backup and a
    // gap-free prefix of those during it.
    let restored = dir.join(format!("restored-{}.db", std::process::id()));
    let restored_url = restored.to_string_lossy().into_owned();
    let _ = std::fs::remove_file(&restored);
    let out = qinqing(&restored_url, &["restore", "--from", &target])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut conn = qinqing::db::Backend::from_url(&restored_url)
        .connect()
        .unwrap_or_else(|e| panic!("{e}"));
    let kept = |id: i64, conn: &mut qinqing::db::DbConn| {
        count(
            conn,
            &format!("SELECT count(*) AS n FROM departments WHERE id = {id}"),
        ) == 1
    };
    for id in &before {
        assert!(
            kept(*id, &mut conn),
            "department {id}, acknowledged before the backup, is missing"
        );
    }
    let flags: Vec<bool> = during.iter().map(|id| kept(*id, &mut conn)).collect();
    let cut = flags.iter().take_while(|k| **k).count();
    assert!(
        flags[cut..].iter().all(|k| !k),
        "not a consistent cut: {flags:?}"
    );
    // The service starts on it.
    let again = TestDb::at(&restored_url);
    let served = crate::common::app(&again).await;
    let r = send(&served, Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // And restoring over a database in use is refused.
    let busy = db.connect();
    let r = qinqing(&db.url, &["restore", "--from", &target])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    drop(busy);
    assert!(!r.status.success() && String::from_utf8_lossy(&r.stderr).contains("in use"));
    let _ = std::fs::remove_dir_all(&dir);
}
