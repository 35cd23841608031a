//! The API description and the server agree: the served document is the committed file,
//! and every route the code registers is described, and every described route is served.

use std::collections::BTreeSet;

use crate::common::*;
use actix_web::http::Method;

const METHODS: [&str; 6] = ["get", "head", "post", "put", "patch", "delete"];

/// (path, method) pairs described in `api-spec/openapi.yaml`, read from its layout: a path
/// is a two-space-indented key starting with `/`, a method a four-space-indented key.
fn described() -> BTreeSet<(String, String)> {
    let text = qinqing::api::spec::OPENAPI;
    let mut out = BTreeSet::new();
    let mut in_paths = false;
    let mut path: Option<String> = None;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /").and_then(|l| l.strip_suffix(':')) {
            path = Some(format!("/{p}"));
        } else if let (Some(p), Some(m)) = (
            &path,
            line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')),
        ) {
            if METHODS.contains(&m) {
                out.insert((p.clone(), m.to_uppercase()));
            }
        }
    }
    out
}

/// (path, method) pairs registered in `src/api`, read from the `web::resource(…)` calls and
/// the method handlers chained on each.
fn registered() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let Some(routes) = text.find("pub fn routes(") else {
            continue;
        };
        let end = text[routes..]
            .find("\n}\n")
            .map(|e| routes + e)
            .unwrap_or(text.len());
        let body = &text[routes..end];
        let parts: Vec<&str> = body.split("web::resource(").skip(1).collect();
        for part in parts {
            let path = if let Some(rest) = part.strip_prefix('"') {
                rest.split('"').next().unwrap_or_default().to_owned()
            } else if let Some(rest) = part.strip_prefix("action(\"") {
                format!(
                    "/api/v1/issues/{{id}}/{}",
                    rest.split('"').next().unwrap_or_default()
                )
            } else {
                panic!("unrecognised resource in {}: {part}", f.display());
            };
            for m in METHODS {
                if part.contains(&format!(".{m}(")) {
                    out.insert((path.clone(), m.to_uppercase()));
                }
            }
        }
    }
    out
}

#[test]
fn every_route_is_described_and_every_description_is_a_route() {
    let described = described();
    let registered = registered();
    assert!(registered.len() > 40, "found only {registered:?}");
    let undocumented: Vec<_> = registered.difference(&described).collect();
    let unserved: Vec<_> = described.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "registered but not described: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "described but not registered: {unserved:?}"
    );
}

#[actix_rt::test]
async fn the_served_description_is_the_committed_file() {
    let db = TestDb::new();
    let app = app(&db).await;
    let r = send(&app, Method::GET, "/api-spec/openapi.yaml", None, None).await;
    assert_eq!(r.status, 200);
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/api-spec/openapi.yaml"
    ))
    .unwrap_or_default();
    assert_eq!(r.text, on_disk);
}

/// Every described route answers (not the unknown-path 404, not 405), and every other
/// method on a described path is a 405.
#[actix_rt::test]
async fn described_routes_are_served_and_others_refused() {
    let db = TestDb::new();
    // With /metrics on (off, it answers like an unknown path).
    let app = app_configured(&db, &notify_config(), Vec::new(), true).await;
    let admin = admin_token(&app, &db).await;
    let described = described();
    let paths: BTreeSet<&String> = described.iter().map(|(p, _)| p).collect();
    for path in paths {
        let concrete = path
            .replace("{id}", "1")
            .replace("{ext_id}", "1")
            .replace("{year}", "2022");
        for m in METHODS {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap_or(Method::GET);
            let r = send(&app, method.clone(), &concrete, Some(&admin), None).await;
            let is_described = described.contains(&(path.clone(), m.to_uppercase()));
            let unknown_path = r.status == 404 && r.body["detail"] == "no such path";
            if is_described {
                assert!(
                    !unknown_path && r.status != 405,
                    "{m} {path}: {} {}",
                    r.status,
                    r.text
                );
            } else {
                assert_eq!(r.status, 405, "{m} {path} is not described: {}", r.text);
            }
        }
    }
}

/// The response checker every test goes through does refuse what the description does not
/// allow.
#[test]
fn the_response_checker_refuses_what_is_not_described() {
    use serde_json::json;
    let fails = |method: &'static str, path: &'static str, status: u16, body: serde_json::Value| {
        std::panic::catch_unwind(move || {
            crate::common::spec::check(method, path, status, "application/json", &body)
        })
        .is_err()
    };
    let user = json!({"id": 1, "username": "admin", "display_name": "管理员", "role": "admin",
        "region_id": null, "department_id": null, "enterprise_id": null, "active": true,
        "must_change_password": false, "created_at": "2022-06-08T02:00:00Z", "updated_at": "2022-06-08T02:00:00Z"});
    assert!(!fails("GET", "/api/v1/me", 200, user.clone()));
    let mut renamed = user.clone();
    renamed["name"] = renamed["display_name"].take();
    if let Some(o) = renamed.as_object_mut() {
        o.remove("display_name");
    }
    assert!(fails("GET", "/api/v1/me", 200, renamed));
    let mut mistyped = user.clone();
    mistyped["id"] = json!("1");
    assert!(fails("GET", "/api/v1/me", 200, mistyped));
    let mut extra = user;
    extra["password_hash"] = json!("x");
    assert!(fails("GET", "/api/v1/me", 200, extra));
    assert!(fails("GET", "/api/v1/me", 418, json!({})));
    assert!(fails("GET", "/api/v1/issues/7", 200, json!({"id": 7})));
}

/// The reference page renders every operation and needs nothing from the network.
#[actix_rt::test]
async fn the_reference_page_is_self_contained() {
    let db = TestDb::new();
    let app = app(&db).await;
    let r = send(&app, Method::GET, "/docs", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    for (path, method) in described() {
        let op = &crate::common::spec::document()["paths"][&path][method.to_lowercase()];
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            r.text.contains(&format!("<article id=\"{id}\">")),
            "{method} {path} is not on the page"
        );
    }
    for outside in ["<script", "<link", "http://", "https://", "@import", "url("] {
        assert!(!r.text.contains(outside), "the page refers to {outside}");
    }
    assert!(r.text.contains("<a href=\"#schema-Issue\">Issue</a>"));
}
