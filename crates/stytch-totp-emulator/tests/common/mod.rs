//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{
    Clock, Emulator, EmulatorConfig, EmulatorHandle, Operation, SigningKey,
};
use stytch_totp_models::ErrorResponse;

/// A step boundary + 15 s: codes of steps N-1, N, N+1 are accepted.
pub const T0: u64 = 1_800_000_015;

/// One RSA key for every emulator of this test binary (making one takes a fraction of a
/// second); tests that need another key make their own.
pub fn shared_key() -> SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(SigningKey::generate).clone()
}

pub fn fixed_config() -> EmulatorConfig {
    EmulatorConfig::default()
        .with_clock(Clock::fixed(UNIX_EPOCH + Duration::from_secs(T0)))
        .with_signing_key(shared_key())
}

pub async fn start_fixed() -> EmulatorHandle {
    Emulator::start_with(fixed_config()).await.unwrap()
}

pub struct Api<'a> {
    pub emu: &'a EmulatorHandle,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Asserts the Stytch error shape and returns the parsed error.
    pub fn error(&self) -> ErrorResponse {
        assert_error_shape(self.status, &self.body)
    }

    pub fn error_type(&self) -> String {
        self.error().error_type.as_str().to_owned()
    }

    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        assert_eq!(self.body["status_code"], 200);
        assert!(self.body["request_id"]
            .as_str()
            .unwrap()
            .starts_with("request-id-test-"));
        &self.body
    }
}

#[track_caller]
pub fn assert_error_shape(status: StatusCode, body: &Value) -> ErrorResponse {
    for field in [
        "status_code",
        "request_id",
        "error_type",
        "error_message",
        "error_url",
    ] {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    let error: ErrorResponse = serde_json::from_value(body.clone()).expect("an ErrorResponse");
    assert_eq!(error.status_code, i32::from(status.as_u16()), "{body}");
    assert!(error.request_id.starts_with("request-id-test-"), "{body}");
    assert!(!error.error_message.is_empty());
    assert_eq!(
        error.error_url,
        format!(
            "https://stytch.com/docs/api-reference/consumer/api/errors/{}#{}",
            status.as_u16(),
            error.error_type
        )
    );
    error
}

impl<'a> Api<'a> {
    pub fn new(emu: &'a EmulatorHandle) -> Self {
        Self {
            emu,
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.emu.base_url()))
            .basic_auth(self.emu.project_id(), Some(self.emu.secret()));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn create_user(&self, email: &str) -> String {
        let reply = self
            .post(Operation::UsersCreate.path(), json!({ "email": email }))
            .await;
        reply.ok()["user_id"].as_str().unwrap().to_owned()
    }

    /// Creates a TOTP; returns (totp_id, base32 secret, recovery codes).
    pub async fn create_totp(&self, user_id: &str) -> (String, String, Vec<String>) {
        let reply = self
            .post(Operation::TotpsCreate.path(), json!({ "user_id": user_id }))
            .await;
        let body = reply.ok();
        (
            body["totp_id"].as_str().unwrap().to_owned(),
            body["secret"].as_str().unwrap().to_owned(),
            body["recovery_codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
        )
    }

    pub async fn authenticate(&self, user_id: &str, code: &str) -> Reply {
        self.post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": code }),
        )
        .await
    }

    /// A user with a verified TOTP and a session of `minutes` from a TOTP code (plus
    /// `claims`); returns (user_id, the authenticate response body).
    pub async fn user_with_session(
        &self,
        email: &str,
        minutes: u32,
        claims: Value,
    ) -> (String, Value) {
        let user_id = self.create_user(email).await;
        let (_, secret, _) = self.create_totp(&user_id).await;
        let reply = self
            .post(
                Operation::TotpsAuthenticate.path(),
                json!({
                    "user_id": user_id,
                    "totp_code": code(&secret, self.emu.now()),
                    "session_duration_minutes": minutes,
                    "session_custom_claims": claims,
                }),
            )
            .await;
        let body = reply.ok().clone();
        (user_id, body)
    }

    pub async fn recover(&self, user_id: &str, code: &str) -> Reply {
        self.post(
            Operation::TotpsRecover.path(),
            json!({ "user_id": user_id, "recovery_code": code }),
        )
        .await
    }
}

/// The code for `secret` at `at`, computed with totp-rs directly.
pub fn code(secret: &str, at: SystemTime) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    )
    .unwrap();
    totp.generate(at.duration_since(UNIX_EPOCH).unwrap().as_secs())
}

/// The code for the emulator's current time shifted by `steps` steps.
pub fn code_in_steps(emu: &EmulatorHandle, secret: &str, steps: i64) -> String {
    let now = emu.now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    code(
        secret,
        UNIX_EPOCH + Duration::from_secs((now + steps * 30) as u64),
    )
}

/// A 6-digit code accepted in no step around now.
pub fn wrong_code(emu: &EmulatorHandle, secret: &str) -> String {
    let accepted: Vec<String> = (-1..=1).map(|s| code_in_steps(emu, secret, s)).collect();
    (0..1000)
        .map(|n| format!("{:06}", n * 997 % 1_000_000))
        .find(|c| !accepted.contains(c))
        .unwrap()
}

/// The `session_jwt` of a response body.
pub fn jwt_of(body: &Value) -> String {
    body["session_jwt"].as_str().unwrap().to_owned()
}

/// The `session_token` of a response body.
pub fn token_of(body: &Value) -> String {
    body["session_token"].as_str().unwrap().to_owned()
}

/// The claims of `jwt` without checking anything (to read `iat`, `exp`, ...).
pub fn claims_of(jwt: &str) -> Value {
    jsonwebtoken::dangerous::insecure_decode::<Value>(jwt)
        .unwrap()
        .claims
}
