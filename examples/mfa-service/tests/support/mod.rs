//! What the browser test needs around it: the browser and driver binaries, the
//! `mfa-service` process with its logs, chromedriver, and a QR decoder for screenshots.

use std::io::{BufRead, BufReader, Cursor};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The service's step-up window in the browser test.
pub const STEP_UP_SECONDS: u64 = 5;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long the service and chromedriver get to start (they take well under a second).
const START: Duration = Duration::from_secs(30);

/// The Chromium and chromedriver binaries.
pub struct Browser {
    pub chrome: PathBuf,
    pub driver: PathBuf,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `CHROME_BIN` / `CHROMEDRIVER`, else Chromium (or Chrome) and chromedriver on PATH; the
/// error names what is missing.
pub fn find_browser() -> Result<Browser, String> {
    let chrome = from_env("CHROME_BIN").or_else(|| {
        on_path(&[
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ])
    });
    let driver = from_env("CHROMEDRIVER").or_else(|| on_path(&["chromedriver"]));
    match (chrome, driver) {
        (Some(chrome), Some(driver)) => Ok(Browser { chrome, driver }),
        (None, None) => Err("chromium and chromedriver".into()),
        (None, Some(_)) => Err("chromium".into()),
        (Some(_), None) => Err("chromedriver".into()),
    }
}

/// A child process, killed (by its own handle) when dropped, whatever happened.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real `mfa-service` binary on its embedded emulator, every log line (TRACE included)
/// kept.
pub struct Service {
    process: Process,
    url: String,
    emulator_url: String,
    logs: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

impl Service {
    pub fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mfa-service"))
            .env("MFA_SERVICE_ADDR", "127.0.0.1:0")
            // A short step-up window, so the walk sees the step-up prompt without waiting.
            .env("MFA_SERVICE_STEP_UP_SECONDS", STEP_UP_SECONDS.to_string())
            .env("RUST_LOG", "trace")
            .env_remove("STYTCH_PROJECT_ID")
            .env_remove("STYTCH_SECRET")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the mfa-service binary starts");
        let stdout = child.stdout.take().unwrap();
        let process = Process(child);
        let logs = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = mpsc::channel();
        let reader = {
            let logs = logs.clone();
            std::thread::spawn(move || {
                let mut emulator = None;
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    emulator = emulator.or_else(|| field_of(&line, "stytch.base_url"));
                    if field_of(&line, "message").as_deref() == Some("mfa-service listening") {
                        let addr = field_of(&line, "addr");
                        let _ = addr_tx.send((addr, emulator.clone()));
                    }
                    let mut logs = logs.lock().unwrap();
                    logs.push_str(&line);
                    logs.push('\n');
                }
            })
        };
        let (addr, emulator) = addr_rx
            .recv_timeout(START)
            .expect("mfa-service logs the address it listens on");
        Self {
            process,
            url: format!("http://{}/", addr.expect("the address")),
            emulator_url: emulator.expect("the embedded emulator's URL is logged first"),
            logs,
            reader,
        }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The embedded emulator's URL (from the service's start-up WARN line): its admin API
    /// injects faults.
    pub fn emulator_url(&self) -> String {
        self.emulator_url.clone()
    }

    /// Stops the service and returns everything it logged.
    pub fn stop(self) -> String {
        drop(self.process);
        self.reader
            .join()
            .expect("the log reader ends with the process");
        let logs = self.logs.lock().unwrap();
        logs.clone()
    }
}

/// A string field of a JSON log line.
fn field_of(line: &str, field: &str) -> Option<String> {
    let json: Value = serde_json::from_str(line).ok()?;
    json.get(field)?.as_str().map(str::to_owned)
}

/// Queues a fault in the emulator (its admin API), e.g. a 503 for one path.
pub async fn inject_fault(emulator_url: &str, path: &str, status: u16) {
    // A bare reqwest client needs no setup: the SDK's TLS backend brings its own provider.
    let response = reqwest::Client::new()
        .post(format!("{emulator_url}/_emulator/faults"))
        .json(&json!({ "path": path, "fault": { "kind": "status", "status": status } }))
        .send()
        .await
        .expect("the emulator's admin API answers");
    assert!(response.status().is_success(), "{}", response.status());
}

/// chromedriver on a free loopback port.
pub struct Chromedriver {
    _process: Process,
    port: u16,
}

impl Chromedriver {
    pub fn start(driver: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let process = Process(child);
        let deadline = Instant::now() + START;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            _process: process,
            port,
        }
    }

    /// A new headless Chromium session (flags from DESIGN.md: root needs `--no-sandbox`; no
    /// background traffic, no first-run UI).
    pub async fn connect(&self, chrome: &Path) -> Client {
        let options = json!({
            "binary": chrome,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1000,1120",
                "--force-device-scale-factor=1",
                "--lang=en-US",
            ],
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromedriver starts a Chromium session")
    }
}

/// The text of the first QR code found in a PNG screenshot, decoded with `png` and `rqrr`.
pub fn decode_qr(png_bytes: &[u8]) -> Option<String> {
    let mut decoder = png::Decoder::new(Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let mut pixels = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut pixels).ok()?;
    let channels = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let luma = |x: usize, y: usize| {
        let at = (y * width + x) * channels;
        match channels {
            1 | 2 => pixels[at],
            _ => {
                let [r, g, b] = [0, 1, 2].map(|i| u32::from(pixels[at + i]));
                u8::try_from((299 * r + 587 * g + 114 * b) / 1000).unwrap_or(u8::MAX)
            }
        }
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    image
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok())
        .map(|(_, text)| text)
}
