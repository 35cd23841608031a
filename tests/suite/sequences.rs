//! The kept sums cannot drift: random sequences of every action (and the reminders' 催办)
//! on a few issues, by the users who may take them and by some who may not, and after
//! every step every kept figure equals a recount, and each issue's recorded version equals
//! the issue. A step may be refused (409, 422, 403, 404); none answers 500. The seed is
//! printed; `QINQING_SEED` replays one, `QINQING_STEPS` plays longer.

use crate::common::*;
use crate::stats::{assert_kept_equal_recount, assert_kept_groups_equal};
use actix_web::http::Method;
use serde_json::{json, Value};

/// xorshift64*: enough randomness to pick steps, and the same steps for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Each issue's current recorded version is the issue as it is: the same status, lead
/// department, counts and answer, and exactly one version in force.
fn history_matches(conn: &mut qinqing::db::DbConn) {
    let columns = "status, category, channel, region_id, lead_department_id, due_on, \
        resolved_on_site, supervision, reopen_count, return_count, dissatisfied_count, \
        urge_count, supervise_count, first_answered_at, answered_on_time, rating, solved, \
        assigned_at, handler_id, not_actionable, charged_setback";
    let differ = count(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM (SELECT id, version, {columns} FROM issues \
             EXCEPT SELECT issue_id, version, {columns} FROM issue_history WHERE valid_to IS NULL) x"
        ),
    );
    assert_eq!(
        differ, 0,
        "issues whose current version differs from the issue"
    );
    let open = count(
        conn,
        "SELECT COUNT(*) AS n FROM issue_history WHERE valid_to IS NULL",
    );
    let issues = count(conn, "SELECT COUNT(*) AS n FROM issues");
    assert_eq!(open, issues, "one version in force per issue");
}

#[actix_rt::test]
async fn random_sequences_of_every_action_keep_every_figure() {
    let seed: u64 = std::env::var("QINQING_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026);
    let steps: usize = std::env::var("QINQING_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    eprintln!("sequences: seed {seed}, {steps} steps");
    let mut rng = Rng(seed | 1);
    let db = TestDb::new();
    let app = app(&db).await;
    let w = world(&app, &db).await;
    let mut conn = db.connect();
    let (da, dbb) = (w.id("dept_a_department"), w.id("dept_b_department"));
    let today = qinqing::domain::time::today();
    let mut issues: Vec<i64> = Vec::new();
    let mut played: Vec<String> = Vec::new();
    for step in 0..steps {
        let open = count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM issues WHERE status NOT IN ('closed', 'withdrawn')",
        );
        if open < 3 || rng.below(8) == 0 {
            let (token, category) =
                [("ent_a", "land"), ("ent_b", "tax"), ("ent_a", "other")][rng.below(3)];
            let r = send(&app, Method::POST, "/api/v1/issues", w.token(token),
                Some(&json!({"title": "问题", "description": "说明", "category": category, "channel": "online"}))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            issues.push(r.body["id"].as_i64().unwrap_or_default());
            played.push(format!("file by {token}"));
        }
        let id = issues[rng.below(issues.len())];
        let issue = send(
            &app,
            Method::GET,
            &format!("/api/v1/issues/{id}"),
            w.token("admin"),
            None,
        )
        .await;
        let lead = issue.body["lead_department_id"].as_i64();
        let department = match lead {
            Some(d) if d == dbb => "dept_b",
            _ => "dept_a",
        };
        let owner = if issue.body["enterprise_id"] == w.id("ent_b_enterprise") {
            "ent_b"
        } else {
            "ent_a"
        };
        let soon = (today + chrono::Duration::days(10 + rng.below(20) as i64)).to_string();
        // Mostly a step the issue's state allows, now and then any step at all.
        let plausible: &[usize] = match issue.body["status"].as_str().unwrap_or("") {
            "submitted" => &[0, 0, 0, 8, 13],
            "assigned" => &[1, 1, 2, 9, 10, 0, 14],
            "in_progress" => &[3, 3, 11, 12, 9, 10, 0],
            "returned" => &[0, 0, 7],
            "answered" => &[5, 5, 6, 7, 10],
            _ => &[16],
        };
        let pick = if rng.below(4) == 0 {
            rng.below(17)
        } else {
            plausible[rng.below(plausible.len())]
        };
        let (token, action, body): (&str, String, Value) = match pick {
            0 => (
                "coord_city",
                "assign".into(),
                json!({"lead_department_id": if rng.below(2) == 0 { da } else { dbb }}),
            ),
            1 => (department, "sign".into(), json!({})),
            2 => (
                department,
                "return".into(),
                json!({"reason": "非本部门职责"}),
            ),
            3 | 4 => (
                department,
                "answer".into(),
                json!({"outcome": "resolved", "text": "已办理"}),
            ),
            5 | 6 => {
                let rating = ["satisfied", "basically_satisfied", "dissatisfied"][rng.below(3)];
                let who = if rng.below(3) == 0 {
                    "coord_city"
                } else {
                    owner
                };
                (
                    who,
                    "rating".into(),
                    json!({"solved": rating != "dissatisfied", "rating": rating}),
                )
            }
            7 => ("coord_city", "close".into(), json!({"note": "办结"})),
            8 => (owner, "withdraw".into(), json!({})),
            9 => ("coord_city", "urge".into(), json!({})),
            10 => ("leader_city", "supervise".into(), json!({})),
            11 => (
                department,
                "extensions".into(),
                json!({"new_due_on": soon, "reason": "需协调"}),
            ),
            12 => {
                let ext = send(
                    &app,
                    Method::GET,
                    &format!("/api/v1/issues/{id}/extensions"),
                    w.token("coord_city"),
                    None,
                )
                .await;
                let pending = ext.body["items"]
                    .as_array()
                    .and_then(|a| a.iter().find(|e| e["status"] == "pending").cloned());
                match pending {
                    Some(e) => (
                        "coord_city",
                        format!("extensions/{}/decision", e["id"]),
                        json!({"granted": rng.below(2) == 0}),
                    ),
                    None => (
                        "coord_city",
                        "comments".into(),
                        json!({"text": "请尽快办理"}),
                    ),
                }
            }
            13 => (
                "coord_city",
                "mark".into(),
                json!({"common": rng.below(2) == 0}),
            ),
            14 => (department, "take-over".into(), json!({})),
            15 => {
                // Someone who may not: refused, and nothing kept moves.
                let who = ["ent_b", "dept_b", "leader_b"][rng.below(3)];
                (
                    who,
                    "answer".into(),
                    json!({"outcome": "resolved", "text": "越权"}),
                )
            }
            _ => {
                // The reminders at a later day: due, overdue and sign-for reminders, and
                // their automatic 催办.
                let day = today + chrono::Duration::days(rng.below(40) as i64);
                let at = day.and_hms_opt(2, 0, 0).unwrap_or_default();
                qinqing::service::notices::remind(&mut conn, at, &Default::default())
                    .unwrap_or_else(|e| panic!("seed {seed}, step {step}: reminders: {e:?}"));
                played.push(format!("reminders on {day}"));
                assert_kept_groups_equal(&mut conn);
                history_matches(&mut conn);
                continue;
            }
        };
        let path = format!("/api/v1/issues/{id}/{action}");
        let r = send(&app, Method::POST, &path, w.token(token), Some(&body)).await;
        played.push(format!("{token} {action} #{id}: {}", r.status.as_u16()));
        assert!(
            r.status.is_success() || [400, 403, 404, 409, 422].contains(&r.status.as_u16()),
            "seed {seed}, step {step}: {path} by {token}: {}\n{}",
            r.text,
            played.join("\n")
        );
        // Every kept group after every step; every figure read in every scope now and then.
        assert_kept_groups_equal(&mut conn);
        if step % 15 == 14 {
            assert_kept_equal_recount(&mut conn, &[da, dbb]);
        }
        history_matches(&mut conn);
    }
    assert_kept_equal_recount(&mut conn, &[da, dbb]);
    let moved = played
        .iter()
        .filter(|p| p.ends_with(": 200") || p.ends_with(": 201"))
        .count();
    assert!(
        moved * 3 >= steps,
        "too few steps were taken to test anything:\n{}",
        played.join("\n")
    );
}
