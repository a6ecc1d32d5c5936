//! TEMPORARY: the session response types the lead is adding to `stytch_totp_models` (same
//! names and fields); removed when that lands.
#![allow(missing_docs)]

use serde::Serialize;
use stytch_totp_models::{SecretString, Session, User};

#[derive(Serialize)]
pub struct AuthenticateSessionResponse {
    pub request_id: String,
    pub session: Session,
    pub session_jwt: SecretString,
    pub session_token: SecretString,
    pub status_code: i32,
    pub user: User,
}

#[derive(Serialize)]
pub struct RevokeSessionResponse {
    pub request_id: String,
    pub status_code: i32,
}

#[derive(Serialize)]
pub struct GetSessionsResponse {
    pub request_id: String,
    pub sessions: Vec<Session>,
    pub status_code: i32,
}

#[derive(Serialize)]
pub struct GetJwksResponse {
    pub keys: Vec<Jwk>,
    pub request_id: String,
    pub status_code: i32,
}

#[derive(Serialize)]
pub struct Jwk {
    pub alg: String,
    pub e: String,
    pub key_ops: Vec<String>,
    pub kid: String,
    pub kty: String,
    pub n: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub x5c: Vec<String>,
    #[serde(rename = "x5tS256", skip_serializing_if = "Option::is_none")]
    pub x5t_s256: Option<String>,
}
