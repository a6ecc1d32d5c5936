//! An emulator, a client on it, sessions started the way a service starts them, and a router
//! guarded by the crate, driven with `oneshot`. Log lines (all levels) are kept.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{json, Value};
use stytch_totp::{Client, RetryPolicy};
use stytch_totp_axum::{Guard, Policy, SessionCookie, StytchSession};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Operation, SigningKey};
use tower::ServiceExt;
use tracing_subscriber::layer::SubscriberExt;

/// Every log line, as the fmt layer writes it (span fields included).
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A session started with a TOTP code.
pub struct SignedIn {
    pub jwt: String,
    pub secret: String,
    pub user_id: String,
}

pub struct World {
    pub emulator: EmulatorHandle,
    pub client: Client,
    pub logs: Logs,
    _guard: tracing::subscriber::DefaultGuard,
}

/// How a request carries the session.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    None,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Answer {
    pub fn set_cookie(&self) -> Option<&str> {
        self.headers
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap())
    }

    /// The JWT in the answer's session cookie.
    pub fn cookie_jwt(&self) -> Option<String> {
        let set = self.set_cookie()?;
        let value = set.strip_prefix("stytch_session_jwt=")?.split(';').next()?;
        Some(value.to_owned())
    }

    #[track_caller]
    pub fn assert_refused(&self, status: StatusCode, error: &str) {
        assert_eq!(
            (self.status, self.body["error"].as_str()),
            (status, Some(error)),
            "{}",
            self.raw
        );
    }

    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.raw);
    }
}

/// A session as the handlers below show it.
pub async fn show(session: StytchSession) -> axum::Json<Value> {
    axum::Json(json!({
        "user_id": session.user_id(),
        "session_id": session.session_id(),
        "checked": if session.checked_remotely() { "remotely" } else { "locally" },
        "credential": session.credential().as_str(),
        "factors": session.factors().iter().map(|f| f.type_.clone()).collect::<Vec<_>>(),
    }))
}

async fn maybe(session: Option<StytchSession>) -> axum::Json<Value> {
    axum::Json(json!({ "signed_in": session.map(|s| s.user_id().to_owned()) }))
}

async fn sign_out(cookie: SessionCookie) -> &'static str {
    cookie.remove();
    "bye"
}

/// A failing handler behind the guard: its answer still carries a refreshed cookie.
async fn broken(_session: StytchSession) -> (StatusCode, &'static str) {
    (StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
}

impl World {
    pub async fn start(config: EmulatorConfig) -> Self {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                // Span closings carry the span's fields (session id, where checked, refusal).
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .with_writer(move || writer.clone()),
        );
        let guard = tracing::subscriber::set_default(subscriber);
        let emulator = Emulator::start_with(config).await.unwrap();
        let client = Client::builder()
            .project_id(emulator.project_id())
            .secret(emulator.secret())
            .base_url(emulator.base_url())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        Self {
            emulator,
            client,
            logs,
            _guard: guard,
        }
    }

    /// `/show` (guard's policy), `/strict` (the given route policy), `/maybe` (optional
    /// session), `/broken` (a handler that fails), `/sign-out` (deletes the cookie).
    pub fn app(&self, guard: Guard, strict: Policy) -> Router {
        Router::new()
            .route("/show", get(show))
            .route("/strict", get(show).layer(strict.layer()))
            .route("/maybe", get(maybe))
            .route("/broken", get(broken))
            .route("/sign-out", get(sign_out))
            .layer(guard.layer())
    }

    pub fn guard(&self) -> Guard {
        Guard::new(self.client.clone())
    }

    pub fn applied(&self, operation: Operation) -> u64 {
        self.emulator.stats().applied(operation)
    }

    /// A new user, enrolled and authenticated with a TOTP code: a session started by the
    /// TOTP factor.
    pub async fn sign_in(&self, minutes: i64) -> SignedIn {
        let user = self.client.users().create().await.unwrap();
        let totp = self
            .client
            .totps()
            .create(user.user_id.as_str())
            .await
            .unwrap();
        let secret = totp.secret.expose_secret().to_owned();
        let code = code_at(&secret, self.emulator.now()).unwrap();
        let auth = self
            .client
            .totps()
            .authenticate(user.user_id.as_str(), code)
            .session_duration_minutes(minutes)
            .await
            .unwrap();
        SignedIn {
            jwt: auth.session_jwt.expose_secret().to_owned(),
            secret,
            user_id: user.user_id,
        }
    }

    /// Authenticates a fresh code on the session of `jwt` (a step-up); the new JWT.
    pub async fn step_up(&self, jwt: &str, signed_in: &SignedIn) -> String {
        let code = code_at(&signed_in.secret, self.emulator.now()).unwrap();
        let auth = self
            .client
            .totps()
            .authenticate(signed_in.user_id.as_str(), code)
            .session_jwt(jwt.to_owned())
            .await
            .unwrap();
        auth.session_jwt.expose_secret().to_owned()
    }

    #[track_caller]
    pub fn assert_logs_free_of(&self, secrets: &[&str]) {
        let text = self.logs.text();
        assert!(text.contains("session.check"), "the check spans are logged");
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            assert!(!text.contains(secret), "a secret reached the logs");
        }
    }
}

pub async fn call(app: &Router, path: &str, auth: Auth<'_>, extra: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder().uri(path);
    if !extra
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request = request.header(header::HOST, "localhost:3000");
    }
    match auth {
        Auth::Cookie(jwt) => {
            request = request.header(
                header::COOKIE,
                format!("theme=dark; stytch_session_jwt={jwt}"),
            );
        }
        Auth::Bearer(jwt) => {
            request = request.header(header::AUTHORIZATION, format!("Bearer {jwt}"));
        }
        Auth::None => {}
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        raw,
    }
}

/// A signing key the test holds (PKCS#1 DER for jsonwebtoken) and the emulator signs with,
/// so the test can sign sessions the emulator has no endpoint for (other factors).
pub fn held_key() -> (Vec<u8>, SigningKey) {
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, SigningKey::BITS).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let der = key.to_pkcs1_der().unwrap().as_bytes().to_vec();
    (der, SigningKey::from_pem(&pem).unwrap())
}

/// A JWT as the emulator would sign it, for a session with `factors` (`[type, seconds ago]`).
pub fn mint(der: &[u8], kid: &str, project_id: &str, factors: &[(&str, u64)]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let stamp =
        |ago: u64| stytch_totp_emulator::rfc3339(SystemTime::now() - Duration::from_secs(ago));
    let factors: Vec<Value> = factors
        .iter()
        .map(|(type_, ago)| {
            json!({ "type": type_, "delivery_method": "knowledge", "last_authenticated_at": stamp(*ago) })
        })
        .collect();
    let claims = json!({
        "sub": "user-test-00000000-0000-0000-0000-00000000000e",
        "iss": format!("stytch.com/{project_id}"),
        "aud": [project_id],
        "iat": now, "nbf": now, "exp": now + 300,
        "https://stytch.com/session": {
            "id": "session-test-00000000-0000-0000-0000-00000000000e",
            "started_at": stamp(600),
            "last_accessed_at": stamp(0),
            "expires_at": stytch_totp_emulator::rfc3339(SystemTime::now() + Duration::from_secs(3600)),
            "authentication_factors": factors,
        },
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(der)).unwrap()
}
