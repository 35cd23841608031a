//! Every JSON response a test receives is checked against `api-spec/openapi.yaml`: the
//! status must be described for the route, and the body must match its schema.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

/// The description, as JSON.
pub fn document() -> &'static Value {
    qinqing::api::spec::document()
}

/// A JSON pointer segment, as it stands in a URI fragment.
fn escape(s: &str) -> String {
    s.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// The described path template a concrete path falls under (literal segments win).
fn template(path: &str) -> Option<String> {
    let paths = document()["paths"].as_object()?;
    let segs: Vec<&str> = path.split('/').collect();
    paths
        .keys()
        .filter_map(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            if ts.len() != segs.len() {
                return None;
            }
            let mut literal = 0;
            for (a, b) in ts.iter().zip(&segs) {
                if a.starts_with('{') {
                    continue;
                }
                if a != b {
                    return None;
                }
                literal += 1;
            }
            Some((literal, t.clone()))
        })
        .max_by_key(|(n, _)| *n)
        .map(|(_, t)| t)
}

fn validator(pointer: &str) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = cache.lock().ok().and_then(|c| c.get(pointer).cloned()) {
        return v;
    }
    let mut root = document().clone();
    if let Some(o) = root.as_object_mut() {
        o.insert("$ref".into(), Value::from(pointer));
    }
    let v = match jsonschema::draft202012::new(&root) {
        Ok(v) => Arc::new(v),
        Err(e) => panic!("schema at {pointer} does not compile: {e}"),
    };
    if let Ok(mut c) = cache.lock() {
        c.insert(pointer.to_owned(), v.clone());
    }
    v
}

/// Checks one response; panics on a status the route does not describe or a body that
/// does not match.
pub fn check(method: &str, path: &str, status: u16, content_type: &str, body: &Value) {
    let path = path.split('?').next().unwrap_or(path);
    let Some(t) = template(path) else {
        return; // an unknown path: its 404 is checked by the tests themselves
    };
    let op = &document()["paths"][&t][method.to_lowercase()];
    if op.is_null() {
        return; // a method the path does not have: 405, checked by the tests
    }
    let code = status.to_string();
    let mut response = &op["responses"][&code];
    let mut pointer = format!(
        "#/paths/{}/{}/responses/{code}",
        escape(&t),
        method.to_lowercase()
    );
    if response.is_null() && (status == 414 || status == 431) {
        // Head-level refusals, possible on every path, described once.
        pointer = "#/components/responses/HeadTooLarge".to_owned();
        response = &document()["components"]["responses"]["HeadTooLarge"];
    }
    if response.is_null() {
        panic!("{method} {t} answered {status}, which the description does not list");
    }
    if let Some(r) = response["$ref"].as_str() {
        pointer = r.to_owned();
        let name = r.rsplit('/').next().unwrap_or_default();
        response = &document()["components"]["responses"][name];
    }
    let media = content_type.split(';').next().unwrap_or_default().trim();
    // A HEAD answer has the GET's headers and no body to check.
    if !media.ends_with("json") || method.eq_ignore_ascii_case("HEAD") {
        return;
    }
    if response["content"][media].is_null() {
        panic!("{method} {t} {status} answered {media}, which the description does not list");
    }
    let v = validator(&format!("{pointer}/content/{}/schema", escape(media)));
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        panic!(
            "{method} {t} {status}: the body does not match the description:\n{}\n{body}",
            errors.join("\n")
        );
    }
}
