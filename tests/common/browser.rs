//! Headless Chromium for the page tests, driven over WebDriver (chromedriver, fantoccini) from
//! plain blocking test code: each [`Browser`] owns its own chromedriver on a free port, its own
//! browser profile, and a small runtime that runs one WebDriver command at a time.
//!
//! Chromium and chromedriver come from Debian (`apt-get install chromium chromium-driver`, which
//! `.ci/run` does). When either is missing, [`Browser::start`] fails the test under CI (`CI` set,
//! or `BROWSER_TESTS_REQUIRED`, which `.ci/run` exports) and otherwise returns `None` after
//! saying loudly that the test was skipped.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// How long a page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(20);

/// A headless Chromium session.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    driver_log: PathBuf,
    profile: PathBuf,
    /// The server's base URL (`http://127.0.0.1:PORT`).
    pub base: String,
}

/// Where `name` is: on PATH, or in /usr/bin.
fn program(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()));
    on_path.or_else(|| Some(Path::new("/usr/bin").join(name)).filter(|p| p.is_file()))
}

/// Whether a missing browser must fail the test rather than skip it.
fn required() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("BROWSER_TESTS_REQUIRED")
}

impl Browser {
    /// A browser for pages of the server at `base`, its window `width`×`height`; `None` (after a
    /// message) when Chromium is not installed and the tests do not run under CI.
    pub fn start(test: &str, base: &str, width: u32, height: u32) -> Option<Browser> {
        let (Some(chromium), Some(chromedriver)) = (program("chromium"), program("chromedriver")) else {
            let why = "the page tests need Debian's chromium and chromium-driver (/usr/bin/chromium and \
                       /usr/bin/chromedriver): apt-get update && apt-get install -y chromium chromium-driver \
                       (.ci/run installs them)";
            if required() {
                panic!("{why}; they are missing, and under CI a page test must not be skipped");
            }
            eprintln!("SKIPPED: {test}: {why}");
            return None;
        };
        let port = super::free_port();
        let log = std::env::temp_dir().join(format!("sqlgate-chromedriver-{}-{test}.log", std::process::id()));
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", chromedriver.display()));
        let profile = std::env::temp_dir().join(format!("sqlgate-chromium-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut browser =
            Browser { runtime, client: None, driver, driver_log: log.clone(), profile, base: base.to_owned() };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}; see {}", log.display());
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited ({status}); see {}", log.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--no-first-run", "--disable-extensions", "--lang=en-US",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", browser.profile.display()),
            ],
        });
        let capabilities = json!({"browserName": "chrome", "goog:chromeOptions": options});
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = browser
            .runtime
            .block_on(
                ClientBuilder::new(connector).capabilities(capabilities).connect(&format!("http://127.0.0.1:{port}")),
            )
            .unwrap_or_else(|e| panic!("could not open a Chromium session: {e}; see {}", log.display()));
        // Scripts that wait in the page (see `wait_for_script`) may take a little longer than WAIT.
        let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(WAIT * 2), Some(WAIT * 2), Some(Duration::ZERO));
        browser.runtime.block_on(client.update_timeouts(timeouts)).unwrap();
        browser.client = Some(client);
        Some(browser)
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open")
    }

    /// Opens `path` on the server and waits until the page's script is ready (its forms are
    /// sent only by it).
    pub fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.runtime.block_on(self.client().goto(&url)).unwrap_or_else(|e| panic!("open {url}: {e}"));
        self.wait_until_ready();
    }

    /// Waits until the page shown has set `data-ready` on its body.
    pub fn wait_until_ready(&self) {
        if self.wait_for_script("document.body && document.body.dataset.ready === 'true'").is_null() {
            panic!("the page at {} did not get ready", self.path());
        }
    }

    /// The path (and query) the browser shows now.
    pub fn path(&self) -> String {
        let url = self.runtime.block_on(self.client().current_url()).unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the browser shows `path` (navigations are asynchronous).
    pub fn wait_for_path(&self, path: &str) {
        let url = reqwest::Url::parse(&format!("{}{path}", self.base)).unwrap();
        // Polled from here: a script in the page would end with the page it waits to leave.
        if let Err(e) = self.runtime.block_on(self.client().wait().at_most(WAIT).for_url(&url)) {
            panic!("the browser did not reach {path} ({e}); it shows {}", self.path());
        }
    }

    /// The first element matching `css`, waiting for it to appear.
    pub fn find(&self, css: &str) -> Element {
        self.runtime
            .block_on(self.client().wait().at_most(WAIT).for_element(Locator::Css(css)))
            .unwrap_or_else(|e| panic!("no element `{css}` on {}: {e}", self.path()))
    }

    /// Every element matching `css` now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.runtime.block_on(self.client().find_all(Locator::Css(css))).unwrap()
    }

    /// The rendered text of the first element matching `css` (empty when it is hidden).
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.runtime.block_on(element.text()).unwrap()
    }

    /// Whether the first element matching `css` is shown.
    pub fn visible(&self, css: &str) -> bool {
        let element = self.find(css);
        self.runtime.block_on(element.is_displayed()).unwrap()
    }

    /// Types `text` into the field matching `css`, after clearing it.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.runtime.block_on(element.clear()).unwrap();
        self.runtime.block_on(element.send_keys(text)).unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    /// Sends `keys` to the element matching `css` as they are (WebDriver key codes included,
    /// e.g. `\u{E009}\u{E007}\u{E000}` for Ctrl+Enter), without clearing it first.
    pub fn press(&self, css: &str, keys: &str) {
        let element = self.find(css);
        self.runtime.block_on(element.send_keys(keys)).unwrap_or_else(|e| panic!("keys to `{css}`: {e}"));
    }

    /// Clicks the element matching `css`.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.runtime.block_on(element.click()).unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// Picks the option with value `value` in the select matching `css`.
    pub fn select(&self, css: &str, value: &str) {
        let element = self.find(css);
        self.runtime.block_on(element.select_by_value(value)).unwrap_or_else(|e| panic!("select {value}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value.
    pub fn run(&self, script: &str, args: Vec<Value>) -> Value {
        self.runtime.block_on(self.client().execute(script, args)).unwrap_or_else(|e| panic!("script: {e}"))
    }

    /// Waits until the JavaScript `expression` is truthy in the page and returns its value, or
    /// `null` after [`WAIT`]. The page polls it itself, so the test waits on an event, not a clock.
    pub fn wait_for_script(&self, expression: &str) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const deadline = Date.now() + {ms};
             (function check() {{
               let value = null;
               try {{ value = ({expression}); }} catch (e) {{ value = null; }}
               if (value) {{ done(value); }}
               else if (Date.now() > deadline) {{ done(null); }}
               else {{ setTimeout(check, 50); }}
             }})();",
            ms = WAIT.as_millis()
        );
        self.runtime.block_on(self.client().execute_async(&script, Vec::new())).unwrap_or_else(|e| panic!("wait: {e}"))
    }

    /// Resizes the window so the page's viewport is `width`×`height` CSS pixels.
    pub fn viewport(&self, width: u32, height: u32) {
        let client = self.client();
        self.runtime.block_on(client.set_window_size(width, height)).unwrap();
        // Headless windows have no frame, but ask the page to be sure and correct once.
        let inner = self.run("return [window.innerWidth, window.innerHeight];", Vec::new());
        let (w, h) = (inner[0].as_u64().unwrap_or(0) as u32, inner[1].as_u64().unwrap_or(0) as u32);
        if (w, h) != (width, height) && w > 0 && h > 0 {
            let (dw, dh) = (width as i64 - w as i64, height as i64 - h as i64);
            let outer = ((width as i64 + dw).max(1) as u32, (height as i64 + dh).max(1) as u32);
            self.runtime.block_on(client.set_window_size(outer.0, outer.1)).unwrap();
        }
    }

    /// Saves a screenshot of the page as `NAME.png` in the target directory's `screenshots/`
    /// and returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.runtime.block_on(self.client().screenshot()).unwrap();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
        // A failed test keeps chromedriver's log for reading.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.driver_log);
        }
    }
}
