//! What the two HTTP doors, the API and the web pages, share: the application state every
//! handler reaches, the ledger download streamed while it is written, the sign-in check,
//! the refusal of text holding a NUL character, and files read from a form or answered
//! (`upload`).

pub mod upload;

/// Largest request body accepted (a file aside); larger ones are answered 413.
pub const BODY_LIMIT: usize = 256 * 1024;

use std::io::Read;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::auth::token::Tokens;
use crate::db::Pool;
use crate::domain::notice::Allow;
use crate::error::{Error, FieldError};
use crate::service::ledger::{self, Format, Ledger};

type Chunk = actix_web::web::Bytes;

/// What every handler can reach: the pool and the settings it needs.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub backend: &'static str,
    pub tokens: Arc<Tokens>,
    /// Who recent tokens named (see `auth::callers`).
    pub callers: Arc<crate::auth::callers::Callers>,
    /// Whether the web session cookie is marked `Secure`.
    pub cookie_secure: bool,
    /// The channels' allow-list and SMTP setting, checked when a channel is configured.
    pub notify: Arc<crate::config::NotifyConfig>,
    /// Proxies whose `X-Forwarded-For` is believed (`--trusted-proxies`).
    pub trusted_proxies: Arc<Vec<Allow>>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Whether `/metrics` is served on the main address (`--metrics`).
    pub metrics_public: bool,
    /// How long a request's body may take to arrive, from its head (`--body-timeout`).
    pub body_timeout: std::time::Duration,
    /// How large a file may be and how many an issue or forum carries (`--file-max-mb`,
    /// `--files-per-issue`).
    pub files: crate::service::attachments::Limits,
    /// The directory or bucket files' bytes go to (`--file-store`); the database otherwise.
    pub objects: Option<Arc<crate::objects::Objects>>,
}

type Sender = tokio::sync::mpsc::Sender<Result<Chunk, std::io::Error>>;

/// Produces the file on a blocking thread; a closed channel (the client left) stops it.
fn produce(pool: Pool, ledger: Ledger, format: Format, tx: Sender) {
    let send = |tx: &Sender, bytes: Vec<u8>| tx.blocking_send(Ok(Chunk::from(bytes))).is_ok();
    // Each page takes a connection for its own reading only: a slow reader of a large
    // export does not hold one of the pool's connections while the bytes go out.
    let fetch = |after: i64| -> Result<ledger::Page, Error> {
        let mut conn = pool.get().map_err(Error::from_pool)?;
        let page = ledger::page(&mut conn, &ledger, after);
        if let Err(Error::Unavailable(_)) = page {
            conn.distrust();
        }
        page
    };
    let result: Result<(), Error> = match format {
        Format::Csv => ledger::write_csv(fetch, |bytes| send(&tx, bytes)),
        Format::Xlsx => {
            let path = std::env::temp_dir().join(format!(
                "qinqing-export-{}-{}.xlsx",
                std::process::id(),
                crate::store::now()
                    .and_utc()
                    .timestamp_nanos_opt()
                    .unwrap_or_default()
            ));
            let written = ledger::write_xlsx(fetch, &path);
            let streamed = written.and_then(|()| {
                let mut file =
                    std::fs::File::open(&path).map_err(|e| Error::internal(e.to_string()))?;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = file
                        .read(&mut buf)
                        .map_err(|e| Error::internal(e.to_string()))?;
                    if n == 0 || !send(&tx, buf[..n].to_vec()) {
                        return Ok(());
                    }
                }
            });
            let _ = std::fs::remove_file(&path);
            streamed
        }
    };
    if let Err(e) = result {
        // The status line is already sent; end the body early and say why in the log.
        log::error!("ledger export stopped: {e}");
        let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
    }
}

/// The ledger as a download, produced on a blocking thread while it is sent.
pub fn stream(pool: Pool, ledger: Ledger, format: Format) -> HttpResponse {
    let (from, to) = ledger.period();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    actix_web::rt::task::spawn_blocking(move || produce(pool, ledger, format, tx));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let ext = format.extension();
    let stem = ledger::file_stem(from, to, crate::domain::time::today());
    // The ASCII name for old clients: the same with "issues" for 问题台账 (截至 as "to",
    // the basis as "by-filing-date").
    let ascii = stem
        .replace("问题台账", "issues")
        .replace("截至", "to-")
        .replace(ledger::BASIS, "by-filing-date");
    let encoded: String = form_urlencoded::byte_serialize(stem.as_bytes()).collect();
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}.{ext}"),
        ))
        .streaming(body)
}

/// The client's address: the TCP peer's, unless the peer is a proxy the operator trusts
/// (`--trusted-proxies`); then the right-most address of `X-Forwarded-For` that is not
/// itself a trusted proxy (the left-most ones are the client's to write, and so not
/// believed).
pub fn client_address(req: &actix_web::HttpRequest, trusted: &[Allow]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|t| t.holds(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let forwarded: Vec<std::net::IpAddr> = req
        .headers()
        .get_all(header::HeaderName::from_static("x-forwarded-for"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(**ip))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// Signs a user in for either door: the throttle and the user looked up with one short use
/// of a connection, the password checked with none held (at most one check per core at a
/// time; a request that cannot get its turn within a few seconds is answered 503 with
/// `Retry-After`), then the outcome recorded with another.
pub async fn sign_in(
    state: &AppState,
    username: String,
    password: String,
    address: String,
) -> Result<crate::store::users::UserRow, Error> {
    use crate::service::accounts;
    let attempt = crate::db::run(&state.pool, move |conn| {
        accounts::begin_sign_in(conn, &username, &address)
    })
    .await?;
    let stored = attempt.stored_hash();
    let ok = check_password(password, stored).await?;
    crate::db::run(&state.pool, move |conn| {
        accounts::finish_sign_in(conn, attempt, ok)
    })
    .await
}

/// How long a sign-in waits for its turn at the password check before a 503.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

async fn check_password(password: String, stored: Option<String>) -> Result<bool, Error> {
    use std::sync::OnceLock;
    use tokio::sync::Semaphore;
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    let turns = TURNS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let turn = actix_web::rt::time::timeout(HASHING_WAIT, turns.acquire())
        .await
        .map_err(|_| Error::Unavailable("too many sign-ins at once; try again in a moment".into()))?
        .map_err(|_| Error::internal("the password check is closed"))?;
    let ok = actix_web::web::block(move || match stored {
        Some(hash) => crate::auth::password::verify(&password, &hash),
        None => {
            crate::auth::password::verify_nobody(&password);
            false
        }
    })
    .await
    .map_err(|e| Error::internal(format!("blocking task failed: {e}")))?;
    drop(turn);
    Ok(ok)
}

pub const NUL: &str = "must not contain the NUL character (U+0000)";

/// The refusal of text holding a NUL character, naming where it was: no text with one is
/// stored or searched for (PostgreSQL cannot hold it).
pub fn nul_error(field: &str) -> Error {
    Error::Invalid(vec![FieldError::new(field, NUL)])
}

/// The first name of a query string or form whose name or value holds a NUL character.
pub fn nul_field(pairs: &[(String, String)]) -> Option<String> {
    pairs
        .iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "\\0"))
}

/// A query string the service will not read, refused with a 400 naming the parameter
/// before any handler runs: a name or value that does not decode to UTF-8 (a search for
/// it would otherwise read as something else), or one holding a NUL character (a search
/// for one, or an export filtered by one, would fail in the database).
pub fn bad_query(query: &str) -> Option<Error> {
    if let Some(field) = non_utf8_field(query) {
        let message = "is not valid UTF-8 once percent-decoded";
        return Some(Error::Malformed {
            detail: format!("the query parameter `{field}` {message}"),
            errors: vec![FieldError::new(field, message)],
        });
    }
    if !query.contains("%00") && !query.contains('\0') {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    nul_field(&pairs).map(|field| Error::Malformed {
        detail: format!("the query parameter `{field}` {NUL}"),
        errors: vec![FieldError::new(field, NUL)],
    })
}

/// The name of the first parameter of a query string whose name or value does not
/// percent-decode to UTF-8 (the name as far as it reads).
fn non_utf8_field(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name_bytes = percent_decode(name);
        let ok = std::str::from_utf8(&name_bytes).is_ok()
            && std::str::from_utf8(&percent_decode(value)).is_ok();
        (!ok).then(|| String::from_utf8_lossy(&name_bytes).into_owned())
    })
}

/// `application/x-www-form-urlencoded` decoding of one name or value, as bytes: `+` is a
/// space, `%XX` a byte; a `%` not followed by two hex digits stands for itself.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let digit = |at: usize| bytes.get(at).and_then(|b| hex(*b));
                match (digit(i + 1), digit(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{bad_query, percent_decode};

    #[test]
    fn percent_decoding_reads_bytes() {
        for (text, want) in [
            ("abc", b"abc".to_vec()),
            ("a+b", b"a b".to_vec()),
            ("%E8%B4%B7", "贷".as_bytes().to_vec()),
            ("%FF%FE", vec![0xFF, 0xFE]),
            ("100%", b"100%".to_vec()),
            ("%4", b"%4".to_vec()),
            ("%zz", b"%zz".to_vec()),
            ("贷款", "贷款".as_bytes().to_vec()),
        ] {
            assert_eq!(percent_decode(text), want, "{text}");
        }
    }

    #[test]
    fn a_query_that_does_not_read_as_text_is_refused_naming_its_parameter() {
        let field = |q: &str| {
            bad_query(q).map(|e| match e {
                crate::error::Error::Malformed { errors, .. } => errors[0].field.clone(),
                other => format!("{other:?}"),
            })
        };
        for (query, want) in [
            ("q=%E8%B4%B7%E6%AC%BE&page=2", None),
            ("", None),
            ("q=100%25", None),
            ("q=%FF%FE", Some("q")),
            ("status=answered&q=%C3", Some("q")),
            ("q=%C0%AF", Some("q")),
            ("q=%ED%A0%80", Some("q")),
            ("%FF=1", Some("\u{FFFD}")),
            ("q=a%00b", Some("q")),
            ("q%00=1", Some("q\\0")),
        ] {
            assert_eq!(field(query).as_deref(), want, "{query}");
        }
    }
}
