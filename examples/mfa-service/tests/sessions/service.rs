//! The service under test: its router on the embedded emulator, the emulator's clock, and
//! the JSON logs, with the requests and assertions the session tests share.

use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use mfa_service::{router, AppState, Backend, MeResponse, SessionResponse, SESSION_COOKIE};
use serde_json::{json, Value};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{EmulatorConfig, EmulatorHandle};
use tracing_subscriber::layer::SubscriberExt;

use crate::log_buffer::LogBuffer;

/// The service on an embedded emulator, with every log line (all levels) kept.
pub struct Service {
    pub app: Router,
    pub backend: Backend,
    pub logs: LogBuffer,
    pub _guard: tracing::subscriber::DefaultGuard,
}

/// How a request carries the session.
pub enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    None,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn set_cookie(&self) -> Option<&str> {
        self.headers
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap())
    }
}

impl Service {
    pub async fn start(config: EmulatorConfig) -> Self {
        let logs = LogBuffer::default();
        let subscriber = tracing_subscriber::registry().with(mfa_service::telemetry::json_layer({
            let logs = logs.clone();
            move || logs.clone()
        }));
        let guard = tracing::subscriber::set_default(subscriber);
        let backend = Backend::embedded_emulator_with(config).await.unwrap();
        let app = router(AppState::new(backend.client().clone()));
        Self {
            app,
            backend,
            logs,
            _guard: guard,
        }
    }

    /// Another router on the same client (same JWKS cache), with other settings.
    pub fn app_with(&self, state: impl FnOnce(AppState) -> AppState) -> Router {
        router(state(AppState::new(self.backend.client().clone())))
    }

    pub fn emulator(&self) -> &EmulatorHandle {
        self.backend.emulator().unwrap()
    }

    pub fn requests(&self) -> u64 {
        self.emulator().stats().requests_total
    }

    pub async fn call(
        app: &Router,
        method: &str,
        path: &str,
        body: Option<Value>,
        auth: Auth<'_>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        match auth {
            Auth::Cookie(jwt) => {
                request = request.header(
                    header::COOKIE,
                    format!("theme=dark; {SESSION_COOKIE}={jwt}"),
                );
            }
            Auth::Bearer(jwt) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {jwt}"));
            }
            Auth::None => {}
        }
        let (status, headers, body) = crate::oneshot::send(app, request, body).await;
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn me(&self, auth: Auth<'_>) -> Answer {
        Self::call(&self.app, "GET", "/me", None, auth).await
    }

    pub async fn logout(&self, auth: Auth<'_>) -> Answer {
        Self::call(&self.app, "POST", "/logout", None, auth).await
    }

    /// Enrols `user_id` and verifies the current code; returns the session and the
    /// verify answer's `Set-Cookie`.
    pub async fn sign_in(&self, user_id: &str) -> (SessionResponse, String) {
        let (session, cookie, _) = self.sign_in_keeping_secret(user_id).await;
        (session, cookie)
    }

    /// [`Service::sign_in`], also answering the TOTP secret (as the authenticator app keeps it).
    pub async fn sign_in_keeping_secret(&self, name: &str) -> (SessionResponse, String, String) {
        let first = self.sign_up(name).await;
        let jwt = first.body["session_jwt"].as_str().unwrap().to_owned();
        let enrolled = Self::call(&self.app, "POST", "/mfa/enroll", None, Auth::Cookie(&jwt)).await;
        assert_eq!(enrolled.status, StatusCode::OK, "{}", enrolled.body);
        let secret = enrolled.body["secret"].as_str().unwrap().to_owned();
        let code = code_at(&secret, self.emulator().now()).unwrap();
        let verified = Self::call(
            &self.app,
            "POST",
            "/mfa/verify",
            Some(json!({ "code": code })),
            Auth::Cookie(&jwt),
        )
        .await;
        assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
        let cookie = verified
            .set_cookie()
            .expect("verify sets the session cookie")
            .to_owned();
        let session: SessionResponse = serde_json::from_value(verified.body).unwrap();
        (session, cookie, secret)
    }

    /// `POST /signup` as `{name}@example.com` with [`PASSWORD`]: a password-only session.
    pub async fn sign_up(&self, name: &str) -> Answer {
        let answer = Self::call(
            &self.app,
            "POST",
            "/signup",
            Some(json!({ "email": email(name), "password": PASSWORD })),
            Auth::None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer
    }

    /// The current code of the authenticator app holding `secret`, on the emulator's clock.
    pub fn code(&self, secret: &str) -> String {
        code_at(secret, self.emulator().now()).unwrap()
    }

    /// No log line at any level carries one of `secrets`.
    pub fn assert_logs_free_of(&self, secrets: &[&str]) {
        let text = self.logs.text();
        assert!(!self.logs.lines().is_empty(), "every log line is JSON");
        assert!(
            text.contains("session.check"),
            "the session spans are logged"
        );
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            assert!(!text.contains(secret), "a secret reached the logs");
        }
    }
}

/// A password Stytch's strength policy accepts.
pub const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

pub fn email(name: &str) -> String {
    format!("{name}@example.com")
}

pub fn me_of(answer: &Answer) -> MeResponse {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    serde_json::from_value(answer.body.clone()).unwrap()
}

pub fn assert_refused(answer: &Answer, status: StatusCode, error: &str) {
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (status, Some(error)),
        "{}",
        answer.body
    );
}
