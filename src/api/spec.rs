//! The API's own description, served as committed: `api-spec/openapi.yaml` is compiled into
//! the binary, so what the service serves is the file in the repository. `GET /docs` renders
//! it as one self-contained HTML page (no script, font or style from anywhere else), so the
//! reference also reads on an intranet with no way out.

use std::sync::OnceLock;

use actix_web::{web, HttpResponse};
use serde_json::{Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

pub const OPENAPI: &str = include_str!("../../api-spec/openapi.yaml");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api-spec/openapi.yaml").get(openapi))
        .service(web::resource("/docs").get(docs));
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(OPENAPI)
}

async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page())
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(r) => r.parse::<f64>().map(Value::from).unwrap_or(Value::Null),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::from(s.clone()),
        Yaml::Boolean(b) => Value::from(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => {
            let mut m = Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => String::new(),
                };
                m.insert(key, to_json(v));
            }
            Value::Object(m)
        }
        _ => Value::Null,
    }
}

/// The description as JSON (parsed once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        YamlLoader::load_from_str(OPENAPI)
            .ok()
            .and_then(|docs| docs.first().map(to_json))
            .unwrap_or(Value::Null)
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(v: &Value) -> String {
    esc(v.as_str().unwrap_or_default())
}

/// A schema in one line: its type with links to named schemas, and its constraints.
fn type_of(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = s[key].as_array() {
            let parts: Vec<String> = list.iter().map(type_of).collect();
            let sep = if key == "allOf" { " &amp; " } else { " | " };
            return parts.join(sep);
        }
    }
    let mut t = match &s["type"] {
        Value::String(t) if t == "array" => format!("array of {}", type_of(&s["items"])),
        Value::String(t) => esc(t),
        Value::Array(ts) => ts
            .iter()
            .map(|t| esc(t.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    };
    if let Some(values) = s["enum"].as_array() {
        let list: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", esc(&v.to_string().replace('"', ""))))
            .collect();
        t = format!("{t}: {}", list.join(", "));
    }
    let mut notes = Vec::new();
    for (key, label) in [
        ("format", "format"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("minItems", "min items"),
        ("pattern", "pattern"),
        ("default", "default"),
        ("const", "always"),
    ] {
        if !s[key].is_null() {
            notes.push(format!(
                "{label} {}",
                esc(&s[key].to_string().replace('"', ""))
            ));
        }
    }
    if notes.is_empty() {
        t
    } else {
        format!("{t} <small>({})</small>", notes.join(", "))
    }
}

/// The properties of an object schema as table rows.
fn properties(s: &Value) -> String {
    let required: Vec<&str> = s["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut rows = String::new();
    if let Some(props) = s["properties"].as_object() {
        for (name, p) in props {
            let example = p["examples"]
                .as_array()
                .and_then(|e| e.first())
                .map(|e| {
                    format!(
                        " e.g. <code>{}</code>",
                        esc(e.to_string().trim_matches('"'))
                    )
                })
                .unwrap_or_default();
            rows.push_str(&format!(
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}{}</td></tr>",
                esc(name),
                if required.contains(&name.as_str()) {
                    " <b>*</b>"
                } else {
                    ""
                },
                type_of(p),
                text(&p["description"]),
                example
            ));
        }
    }
    if rows.is_empty() {
        return format!("<p>{}</p>", type_of(s));
    }
    let extra = if s["additionalProperties"] == Value::Bool(false) {
        "<p class=\"note\">No other fields are accepted.</p>"
    } else {
        ""
    };
    format!("<table><tr><th>field</th><th>type</th><th>notes</th></tr>{rows}</table>{extra}")
}

fn schema_block(s: &Value) -> String {
    if s["$ref"].is_string() || s["type"] != "object" {
        let mut out = format!("<p>{}</p>", type_of(s));
        if let Some(parts) = s["allOf"].as_array() {
            for p in parts.iter().filter(|p| p["properties"].is_object()) {
                out.push_str(&properties(p));
            }
        }
        return out;
    }
    properties(s)
}

fn operation(path: &str, method: &str, op: &Value) -> String {
    let id = op["operationId"].as_str().unwrap_or_default();
    let mut out = format!(
        "<article id=\"{id}\"><h3><span class=\"m {method}\">{}</span> <code>{}</code></h3><p class=\"summary\">{}</p>",
        method.to_uppercase(),
        esc(path),
        text(&op["summary"])
    );
    if op["description"].is_string() {
        out.push_str(&format!("<p>{}</p>", text(&op["description"])));
    }
    if op["security"].as_array().is_some_and(|s| s.is_empty()) {
        out.push_str("<p class=\"note\">No token needed.</p>");
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr>");
        for p in params {
            let p = match p["$ref"].as_str() {
                Some(r) => &document()["components"]["parameters"]
                    [r.rsplit('/').next().unwrap_or_default()],
                None => p,
            };
            out.push_str(&format!(
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["name"]),
                if p["required"] == Value::Bool(true) {
                    " <b>*</b>"
                } else {
                    ""
                },
                text(&p["in"]),
                type_of(&p["schema"]),
                text(&p["description"])
            ));
        }
        out.push_str("</table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        for (media, c) in content {
            out.push_str(&format!(
                "<h4>Body <small>{}</small></h4>{}",
                esc(media),
                schema_block(&c["schema"])
            ));
        }
    }
    out.push_str("<h4>Answers</h4><ul>");
    if let Some(responses) = op["responses"].as_object() {
        for (status, r) in responses {
            let r = match r["$ref"].as_str() {
                Some(name) => &document()["components"]["responses"]
                    [name.rsplit('/').next().unwrap_or_default()],
                None => r,
            };
            let body = r["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .map(|(media, c)| {
                    format!(" — <small>{}</small> {}", esc(media), type_of(&c["schema"]))
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "<li><b>{}</b> {}{}</li>",
                esc(status),
                text(&r["description"]),
                body
            ));
        }
    }
    out.push_str("</ul></article>");
    out
}

/// The whole reference page, rendered once.
pub fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let doc = document();
        let mut groups: Vec<(String, String)> = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                let group = path
                    .strip_prefix("/api/v1/")
                    .and_then(|p| p.split('/').next())
                    .unwrap_or("service")
                    .to_owned();
                let mut html = String::new();
                for method in ["get", "head", "post", "put", "patch", "delete"] {
                    if item[method].is_object() {
                        html.push_str(&operation(path, method, &item[method]));
                    }
                }
                match groups.iter_mut().find(|(g, _)| *g == group) {
                    Some((_, h)) => h.push_str(&html),
                    None => groups.push((group, html)),
                }
            }
        }
        let nav: String = groups
            .iter()
            .map(|(g, _)| format!("<a href=\"#{0}\">{0}</a>", esc(g)))
            .chain(std::iter::once(
                "<a href=\"#schemas\">schemas</a>".to_owned(),
            ))
            .collect::<Vec<_>>()
            .join(" ");
        let sections: String = groups
            .iter()
            .map(|(g, h)| format!("<section id=\"{0}\"><h2>{0}</h2>{h}</section>", esc(g)))
            .collect();
        let mut schemas = String::new();
        if let Some(all) = doc["components"]["schemas"].as_object() {
            for (name, s) in all {
                schemas.push_str(&format!(
                    "<article id=\"schema-{0}\"><h3>{0}</h3><p>{1}</p>{2}</article>",
                    esc(name),
                    text(&s["description"]),
                    schema_block(s)
                ));
            }
        }
        format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><style>{STYLE}</style></head><body>\
             <header><h1>{title}</h1><p>version {version} · OpenAPI {openapi} · \
             <a href=\"/api-spec/openapi.yaml\">openapi.yaml</a></p><p>{description}</p>\
             <p class=\"note\">Send <code>Authorization: Bearer &lt;token&gt;</code> (from \
             <code>POST /api/v1/auth/login</code>) with every request but those marked otherwise. \
             <b>*</b> marks what is required.</p><nav>{nav}</nav></header>\
             <main>{sections}<section id=\"schemas\"><h2>schemas</h2>{schemas}</section></main>\
             </body></html>",
            title = text(&doc["info"]["title"]),
            version = text(&doc["info"]["version"]),
            openapi = text(&doc["openapi"]),
            description = text(&doc["info"]["description"]),
        )
    })
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;\
margin:0;color:#1d2733;background:#f6f7f9;line-height:1.5}header{background:#8b1a1a;color:#fff;padding:1.2em 2em}\
header a{color:#ffe3b3}header .note{color:#f6dada}h1{margin:0 0 .3em}nav{margin-top:.8em}nav a{margin-right:1em;white-space:nowrap}\
main{max-width:1100px;margin:0 auto;padding:1em 2em}section{margin-bottom:2em}\
h2{border-bottom:2px solid #8b1a1a;padding-bottom:.2em}article{background:#fff;border:1px solid #dde1e6;\
border-radius:6px;padding:.6em 1.2em;margin:1em 0}h3{margin:.3em 0;font-size:1.05em}h4{margin:.8em 0 .3em}\
.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;font-size:.85em;\
padding:.1em .4em;margin-right:.4em}.get{background:#1f6feb}.post{background:#2da44e}.patch{background:#bf8700}\
.put{background:#8250df}.delete{background:#cf222e}.summary{font-weight:600}.note{color:#57606a}\
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #dde1e6;padding:.25em .5em;\
text-align:left;vertical-align:top}th{background:#f0f2f5}code{background:#f0f2f5;padding:0 .25em;border-radius:3px}";
