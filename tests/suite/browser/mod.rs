//! The browser harness: a real server over a copy of a demo database, and headless
//! Chromium driven through chromedriver (WebDriver). Screenshots go to
//! `target/screenshots/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use qinqing::db::{self, Backend, PoolOptions};
use serde_json::json;

pub const PASSWORD: &str = crate::common::DEMO_PASSWORD;

const CHROMEDRIVERS: [&str; 2] = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
const CHROMIUMS: [&str; 2] = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"];

/// Whether this run leaves the browser tests out. They run on SQLite (the figures they
/// show are tested on both backends through the API), so the PostgreSQL run skips them.
/// Without Chromium a developer's `cargo test` says how to get it and goes on; in CI
/// (`CI` set, where `.ci/run` installs it) a missing browser fails the test.
pub fn skip() -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("browser tests run on SQLite only; skipped in the PostgreSQL run");
        return true;
    }
    let present = which(&CHROMEDRIVERS).is_some() && which(&CHROMIUMS).is_some();
    if !present && std::env::var_os("CI").is_none() {
        eprintln!(
            "browser tests skipped: install Debian's chromium, chromium-driver and \
             fonts-noto-cjk to run them (.ci/run does)"
        );
        return true;
    }
    false
}

fn target_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target"))
}

/// The service, serving a fresh copy of the demo on a free port of the loopback.
pub struct Site {
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    /// The site's own copy of the demo (SQLite).
    pub file: PathBuf,
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
        let _ = std::fs::remove_file(&self.file);
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub async fn site() -> Site {
    site_with(&Default::default()).await
}

/// The site with these notifier settings (a channel allowed to reach a local receiver).
pub async fn site_with(notify: &qinqing::config::NotifyConfig) -> Site {
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = target_dir().join("web-tests");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("site-{}-{n}.db", std::process::id()));
    std::fs::copy(crate::common::demo_fixture(), &file)
        .unwrap_or_else(|e| panic!("copying the demo: {e}"));
    let backend = Backend::Sqlite(file.to_string_lossy().into_owned());
    let pool = db::build_pool(
        &backend,
        &PoolOptions {
            max_size: 4,
            timeout: Duration::from_secs(10),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let auth = qinqing::config::AuthConfig {
        jwt_secret: None,
        token_ttl_seconds: 3600,
        admin_password: None,
        cookie_secure: false,
        trusted_proxies: Vec::new(),
    };
    let state = qinqing::server::build_state(pool, &backend, &auth, notify)
        .unwrap_or_else(|e| panic!("{e}"));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = actix_web::HttpServer::new(move || qinqing::app::app(state.clone()))
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap_or_else(|e| panic!("{e}"))
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Site {
        base: format!("http://{addr}"),
        handle,
        file,
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One of Chromium's DevTools commands, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Headless Chromium at a window size, through its own chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    pub width: u32,
    pub height: u32,
}

fn which(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| std::path::Path::new(n).exists())
        .map(|n| (*n).to_owned())
}

pub async fn browser(width: u32, height: u32) -> Browser {
    let driver_bin = which(&CHROMEDRIVERS).unwrap_or_else(|| {
        panic!("chromedriver is missing: install Debian's chromium-driver (.ci/run does)")
    });
    let chromium = which(&CHROMIUMS)
        .unwrap_or_else(|| panic!("chromium is missing: install Debian's chromium (.ci/run does)"));
    let port = free_port();
    // Its own process group, so that the browser it starts goes with it, even when a test
    // fails before closing the session.
    use std::os::unix::process::CommandExt;
    let driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting chromedriver: {e}"));
    let mut caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                format!("--window-size={},{height}", width.max(500)), "--lang=zh-CN",
                "--force-device-scale-factor=1", "--hide-scrollbars",
            ],
        },
    });
    // Headless Chromium's window is at least 500 px wide: a phone's width is emulated, so
    // that the page is laid out exactly as on a 390 px screen.
    if width < 500 {
        caps["goog:chromeOptions"]["mobileEmulation"] = json!({
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "touch": true},
        });
    }
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!("an object"),
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let url = format!("http://127.0.0.1:{port}");
    let mut last = String::new();
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    client,
                    driver,
                    width,
                    height,
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer: {last}");
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    pub async fn path(&self) -> String {
        let u = self
            .client
            .current_url()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    /// The text of the whole page.
    pub async fn text(&self) -> String {
        self.css("body")
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn css(&self, selector: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
    }

    /// The form control whose visible label reads `label`.
    pub async fn field(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!("//*[@id=//label[normalize-space()='{label}']/@for]");
        self.client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no field labelled {label}: {e}"))
    }

    /// The button whose words are `words`, or else the link.
    pub async fn control(&self, words: &str) -> fantoccini::elements::Element {
        for xpath in [
            format!("//button[normalize-space()='{words}']"),
            format!("//a[normalize-space()='{words}']"),
        ] {
            if let Ok(e) = self.client.find(Locator::XPath(&xpath)).await {
                return e;
            }
        }
        panic!("no control {words} on {}", self.path().await);
    }

    /// Clicks a control that leaves the page (a form's button, a link) and waits until the
    /// next page has loaded, so that what follows reads the new page, never the old one.
    pub async fn follow(&self, control: fantoccini::elements::Element) {
        self.js("window.__left = true; return true").await;
        control.click().await.unwrap_or_else(|e| panic!("{e}"));
        self.wait_reload().await;
    }

    /// Waits for the page that replaces the one marked by `window.__left = true` (set before
    /// a key or a click that leaves it) to have loaded.
    pub async fn wait_reload(&self) {
        for _ in 0..200 {
            let v = self
                .client
                .execute(
                    "return window.__left !== true && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(v, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page did not change after the click");
    }

    /// Waits until the browser is on a page whose path starts with `prefix`.
    pub async fn wait_path(&self, prefix: &str) {
        for _ in 0..200 {
            if self.path().await.starts_with(prefix) {
                let ready = self.js("return document.readyState").await;
                if ready == serde_json::json!("complete") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never reached {prefix}: on {}", self.path().await);
    }

    /// Signs in on the login form and waits for the page it leads to.
    pub async fn sign_in(&self, site: &Site, username: &str) {
        self.goto(&site.url("/login")).await;
        self.field("用户名")
            .await
            .send_keys(username)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.field("密码")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // The next page (the user's home, or the form again with its message) has loaded
        // before anything reads it.
        self.follow(self.control("登录").await).await;
    }

    /// Runs a script and answers its value.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// The screenshot, and axe-core finds nothing serious or critical on the page.
    pub async fn look(&self, name: &str) {
        self.screenshot(name).await;
        let found = self.check().await;
        assert!(
            found.is_empty(),
            "{name} at {} px ({}):\n{}",
            self.width,
            self.path().await,
            found.join("\n")
        );
    }

    /// What is wrong with the page as it is now: wider than the window, or axe-core's
    /// serious and critical violations.
    pub async fn check(&self) -> Vec<String> {
        let fits = self
            .js("return [document.documentElement.scrollWidth, window.innerWidth]")
            .await;
        let (w, inner) = (fits[0].as_i64().unwrap_or(0), fits[1].as_i64().unwrap_or(0));
        // A phone widens its layout to what overflows (and zooms out): the screen's own
        // width is the measure there.
        let screen = if self.width < 500 {
            i64::from(self.width)
        } else {
            inner
        };
        let mut found = Vec::new();
        if w > screen || inner > screen {
            // The innermost elements reaching past the screen's edge, to say what to fix.
            let past = self
                .js(&format!(
                    "return Array.from(document.querySelectorAll('body *'))\
                     .filter(e => e.getBoundingClientRect().right > {screen} + 1 \
                       && !Array.from(e.children).some(c => c.getBoundingClientRect().right > {screen} + 1))\
                     .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') \
                       + (e.className ? '.' + String(e.className).split(' ').join('.') : '') \
                       + ' ' + Math.round(e.getBoundingClientRect().right) + ' px')"
                ))
                .await;
            found.push(format!("{w} px wide on a {screen} px screen: {past}"));
        }
        found.extend(self.axe().await);
        found
    }

    /// A picture of the whole page at this window's width, under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) {
        let dir = target_dir().join("screenshots");
        let _ = std::fs::create_dir_all(&dir);
        // The first screen, as the reader sees it on opening the page…
        let first = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join(format!("{name}-{}-top.png", self.width));
        std::fs::write(&path, first).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // …and the whole page.
        let full = self
            .js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
            .await
            .as_u64()
            .unwrap_or(u64::from(self.height));
        let tall = u32::try_from(full)
            .unwrap_or(self.height)
            .clamp(self.height, 8000);
        // A phone's screen is emulated: the page is laid out again on a taller screen.
        let phone = self.width < 500;
        if phone {
            self.emulate(self.width, tall).await;
        } else {
            let _ = self.client.set_window_size(self.width, tall).await;
        }
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if phone {
            self.emulate(self.width, self.height).await;
        } else {
            let _ = self.client.set_window_size(self.width, self.height).await;
        }
        let path = dir.join(format!("{name}-{}.png", self.width));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// A phone's screen of this size (Chromium's device emulation, through chromedriver).
    async fn emulate(&self, width: u32, height: u32) {
        let cmd = Cdp {
            cmd: "Emulation.setDeviceMetricsOverride",
            params: json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true}),
        };
        self.client
            .issue_cmd(cmd)
            .await
            .unwrap_or_else(|e| panic!("emulating a {width}×{height} screen: {e}"));
    }

    /// axe-core's serious and critical violations on the page as it is now, one line each
    /// (the rule, its help, the first elements). Empty when axe-core is not at hand outside
    /// CI (`.ci/run` fetches it; CI without it fails).
    pub async fn axe(&self) -> Vec<String> {
        let Some(source) = axe_source() else {
            return Vec::new();
        };
        let script = format!(
            "{source}\n;const done = arguments[arguments.length - 1];\
             axe.run(document, {{resultTypes: ['violations']}})\
             .then(r => done(r.violations\
               .filter(v => v.impact === 'serious' || v.impact === 'critical')\
               .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +\
                 v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))\
             .catch(e => done(['axe-core failed: ' + e]));"
        );
        let v = self
            .client
            .execute_async(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe-core: {e}"));
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every visible form control of the page has a label; answers those that do not.
    pub async fn unlabelled(&self) -> Vec<String> {
        let v = self
            .js(
                "return Array.from(document.querySelectorAll('input, select, textarea'))\
                 .filter(e => e.type !== 'hidden' && (!e.labels || e.labels.length === 0))\
                 .map(e => e.outerHTML);",
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The page printed to PDF on A4 as Chromium prints it (the page's own `@page` margins
    /// and page numbers), under `target/documents/`.
    pub async fn pdf(&self, name: &str) -> PathBuf {
        use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};
        let config = PrintConfiguration::builder()
            .size(PrintSize::A4)
            .margins(PrintMargins {
                top: 0.0,
                bottom: 0.0,
                left: 0.0,
                right: 0.0,
            })
            .shrink_to_fit(false)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = self
            .client
            .print(config)
            .await
            .unwrap_or_else(|e| panic!("printing {name}: {e}"));
        let dir = target_dir().join("documents");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    /// Ends chromedriver and every browser process it started (its process group).
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.wait();
    }
}

/// A printed page: its text line by line (as laid out), and how far down the page its
/// content reaches, as a share of the printable height (its page number left out).
pub struct PdfPage {
    pub lines: Vec<String>,
    pub fullness: f64,
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e} (install Debian's poppler-utils; .ci/run does)"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The pages of a PDF, read with poppler's `pdfinfo` and `pdftotext`.
pub fn pdf_pages(path: &std::path::Path) -> Vec<PdfPage> {
    let file = path.to_string_lossy().into_owned();
    let info = poppler("pdfinfo", &[&file]);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let pages: usize = field("Pages:").parse().unwrap_or(0);
    // "595.276 x 841.89 pts (A4)"
    let height: f64 = field("Page size:")
        .split_whitespace()
        .nth(2)
        .and_then(|h| h.parse().ok())
        .unwrap_or(841.89);
    // The printable band: the document's @page margins (22 mm top, 20 mm bottom).
    let (top, bottom) = (22.0 * 72.0 / 25.4, height - 20.0 * 72.0 / 25.4);
    (1..=pages)
        .map(|n| {
            let n = n.to_string();
            let text = poppler("pdftotext", &["-f", &n, "-l", &n, "-layout", &file, "-"]);
            let boxes = poppler("pdftotext", &["-f", &n, "-l", &n, "-bbox", &file, "-"]);
            let lowest = boxes
                .lines()
                .filter(|l| l.contains("<word "))
                .filter_map(|l| {
                    let y = l
                        .split("yMax=\"")
                        .nth(1)?
                        .split('"')
                        .next()?
                        .parse::<f64>()
                        .ok()?;
                    (y <= bottom).then_some(y)
                })
                .fold(top, f64::max);
            PdfPage {
                lines: text
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
                fullness: (lowest - top) / (bottom - top),
            }
        })
        .collect()
}

/// axe-core's script: the file `QINQING_AXE` names, else `target/axe/axe.min.js` (where
/// `.ci/run` puts the pinned release from the npm registry).
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path = std::env::var_os("QINQING_AXE")
                .map(PathBuf::from)
                .unwrap_or_else(|| target_dir().join("axe").join("axe.min.js"));
            match std::fs::read_to_string(&path) {
                Ok(s) => Some(s),
                Err(e) if std::env::var_os("CI").is_some() => {
                    panic!(
                        "axe-core is missing at {} ({e}): .ci/run fetches it",
                        path.display()
                    )
                }
                Err(_) => {
                    eprintln!(
                        "axe-core checks skipped: put axe.min.js at {} (.ci/run does)",
                        path.display()
                    );
                    None
                }
            }
        })
        .as_deref()
}
