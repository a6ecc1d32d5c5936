//! Harness: the service (router), the embedded emulator behind it, the capture and the logs,
//! with the assertions every test shares.

use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use mfa_service::{router, AppState, Backend, EnrollResponse, SessionResponse, SignedInResponse};
use serde_json::{json, Value};
use stytch_totp_emulator::totp::code_at;
use tracing_subscriber::layer::SubscriberExt;

use crate::capture::{Capture, SpanRecord};
use crate::log_buffer::LogBuffer;

pub struct Harness {
    pub app: Router,
    /// The session JWT sent as a Bearer token with every call, once signed up.
    pub session: std::sync::Mutex<Option<String>>,
    pub backend: Backend,
    pub capture: Capture,
    pub logs: LogBuffer,
    pub _guard: tracing::subscriber::DefaultGuard,
}

/// A password Stytch's strength policy accepts.
pub const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

pub const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
pub const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
pub const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

impl Harness {
    /// No level filter at all: the SDK's INFO spans, and every DEBUG/TRACE event of hyper,
    /// reqwest and the emulator too, are captured and checked for leaks.
    pub async fn start() -> Self {
        let capture = Capture::default();
        let logs = LogBuffer::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone()).with(
            mfa_service::telemetry::json_layer({
                let logs = logs.clone();
                move || logs.clone()
            }),
        );
        let guard = tracing::subscriber::set_default(subscriber);
        let backend = Backend::embedded_emulator().await.unwrap();
        let app = router(AppState::new(backend.client().clone()));
        Self {
            app,
            session: std::sync::Mutex::default(),
            backend,
            capture,
            logs,
            _guard: guard,
        }
    }

    pub fn emulator(&self) -> &stytch_totp_emulator::EmulatorHandle {
        self.backend.emulator().expect("embedded emulator")
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        traceparent: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(jwt) = self.session.lock().unwrap().clone() {
            request = request.header("authorization", format!("Bearer {jwt}"));
        }
        if let Some(tp) = traceparent {
            request = request.header("traceparent", tp);
        }
        crate::oneshot::send(&self.app, request, body).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, _, json) = self.call("POST", path, Some(body), None).await;
        (status, json)
    }

    /// Signs up `{name}@example.com`; later calls carry its (password-only) session.
    pub async fn sign_up(&self, name: &str) -> SignedInResponse {
        *self.session.lock().unwrap() = None;
        let (status, body) = self
            .post(
                "/signup",
                json!({ "email": format!("{name}@example.com"), "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let signed_in: SignedInResponse = serde_json::from_value(body).unwrap();
        *self.session.lock().unwrap() = Some(signed_in.session_jwt.expose_secret().to_owned());
        signed_in
    }

    /// Signs up `name` and enrols an authenticator for them.
    pub async fn enroll(&self, name: &str) -> (EnrollResponse, String) {
        self.sign_up(name).await;
        let (status, _, body) = self.call("POST", "/mfa/enroll", None, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let enrolled: EnrollResponse = serde_json::from_value(body).unwrap();
        let secret = secret_from_qr(enrolled.qr_code.expose_secret());
        assert_eq!(
            secret,
            enrolled.secret.expose_secret(),
            "manual key = QR secret"
        );
        (enrolled, secret)
    }

    pub fn code(&self, secret: &str) -> String {
        code_at(secret, self.emulator().now()).unwrap()
    }

    /// The first handler span `name` (`mfa.enroll`, ...) for the Stytch user `user_id`.
    pub fn handler_span(&self, name: &str, user_id: &str) -> SpanRecord {
        self.capture
            .named(name)
            .into_iter()
            .find(|s| s.fields.get("stytch.user_id").map(String::as_str) == Some(user_id))
            .unwrap_or_else(|| panic!("no {name} span for {user_id}"))
    }

    pub fn child(&self, parent: &SpanRecord, name: &str) -> SpanRecord {
        let children: Vec<_> = self
            .capture
            .children(parent)
            .into_iter()
            .filter(|s| s.name == name)
            .collect();
        assert_eq!(
            children.len(),
            1,
            "one {name} under {}: {:#?}",
            parent.name,
            self.capture.children(parent)
        );
        children.into_iter().next().unwrap()
    }
}

/// The base32 secret in the `otpauth://` URI that the QR code PNG encodes.
pub fn secret_from_qr(qr_code: &str) -> String {
    let encoded = qr_code
        .strip_prefix("data:image/png;base64, ")
        .expect("a PNG data URL");
    let png = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let uri = stytch_totp_emulator::qr::decode_png(&png).unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let query = uri.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap()
        .to_owned()
}

pub fn field<'a>(span: &'a SpanRecord, name: &str) -> &'a str {
    span.fields
        .get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{} has no field {name}: {:#?}", span.name, span.fields))
}

/// The SDK span's fields every call must carry.
pub fn assert_stytch_span(span: &SpanRecord, status: &str, attempts: &str) -> String {
    let request_id = field(span, "stytch.request_id");
    assert!(
        request_id.starts_with("request-id-test-"),
        "{}: {request_id}",
        span.name
    );
    assert_eq!(
        field(span, "http.response.status_code"),
        status,
        "{span:#?}"
    );
    assert_eq!(field(span, "stytch.attempts"), attempts, "{span:#?}");
    request_id.to_owned()
}

/// Fails if any secret is a substring of any captured span field, event field or log line.
pub fn assert_no_secret(h: &Harness, secrets: &[String]) {
    let secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    for span in h.capture.spans() {
        for (name, value) in &span.fields {
            for secret in &secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "secret in span {} field {name}",
                    span.name
                );
            }
        }
    }
    for event in h.capture.events() {
        for (name, value) in &event.fields {
            for secret in &secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "secret in {} event field {name}: {:?}",
                    event.target,
                    event.fields.get("message")
                );
            }
        }
    }
    let text = h.logs.text();
    assert!(!text.is_empty());
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "secret in the JSON logs");
    }
}

/// Six-digit codes are too short for substring checks (they occur inside ids and timestamps):
/// no field may *be* the code, and no log line may quote it as a JSON string.
pub fn assert_code_not_logged(h: &Harness, code: &str) {
    for span in h.capture.spans() {
        assert!(span.fields.values().all(|v| v != code), "{}", span.name);
    }
    for event in h.capture.events() {
        assert!(event.fields.values().all(|v| v != code), "{}", event.target);
    }
    assert!(!h.logs.text().contains(&format!("\"{code}\"")));
}

pub fn secrets_of_enrollment(h: &Harness, enrolled: &EnrollResponse, secret: &str) -> Vec<String> {
    let qr = enrolled.qr_code.expose_secret();
    let png_base64 = qr.strip_prefix("data:image/png;base64, ").unwrap();
    let mut secrets = vec![
        secret.to_owned(),
        qr.to_owned(),
        // Any 40-character slice of the PNG's base64.
        png_base64[png_base64.len() / 2..png_base64.len() / 2 + 40].to_owned(),
        h.emulator().secret().to_owned(),
        PASSWORD.to_owned(),
    ];
    secrets.extend(
        enrolled
            .recovery_codes
            .iter()
            .map(|c| c.expose_secret().to_owned()),
    );
    secrets
}

pub fn session_secrets(session: &SessionResponse) -> [String; 2] {
    [
        session.session_token.expose_secret().to_owned(),
        session.session_jwt.expose_secret().to_owned(),
    ]
}
