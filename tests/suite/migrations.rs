//! Both backends are migrated by folders that must stay in step, and every migration must
//! run up, down and up again.

use crate::common::{count, TestDb};

fn names(backend: &str) -> Vec<String> {
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => panic!("{dir}: {e}"),
    };
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let pg = names("postgres");
    assert!(!pg.is_empty());
    assert_eq!(pg, names("sqlite"));
    for name in pg {
        for backend in ["postgres", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/migrations/{backend}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&path).is_file(), "missing {path}");
            }
        }
    }
}

#[test]
fn migrations_run_up_down_up() {
    let db = TestDb::blank();
    let mut conn = db.connect();
    let applied = qinqing::db::migrate(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied.len(), names("postgres").len());
    let tables_sql = if db.is_postgres() {
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name <> '__diesel_schema_migrations'"
    } else {
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' \
         AND name NOT IN ('__diesel_schema_migrations', 'sqlite_sequence')"
    };
    let tables = count(&mut conn, tables_sql);
    assert!(tables > 0);
    qinqing::db::revert_all(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        count(&mut conn, tables_sql),
        0,
        "down.sql left tables behind"
    );
    let again = qinqing::db::migrate(&mut conn).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.len(), applied.len());
    assert_eq!(count(&mut conn, tables_sql), tables);
}
