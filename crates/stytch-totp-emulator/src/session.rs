//! Session tokens and JWTs.
//!
//! `session_token` is 33 random bytes, base64url (44 characters, like Stytch's). `session_jwt`
//! is an HS256 JWT (HMAC-SHA-256, base64url without padding) signed with a random 32-byte key
//! made per emulator ([`Emulator::jwt_signing_key`](crate::Emulator::jwt_signing_key)); real
//! Stytch signs RS256 with keys published at its JWKS endpoint, which the emulator does not
//! serve. Claims: `sub` (user id), `iss` (`stytch.com/<project_id>`), `aud` (`[project_id]`),
//! `iat`, `nbf`, `exp` (= now + 5 minutes, Stytch's fixed JWT lifetime), the session under
//! `https://stytch.com/session` (`id`, `started_at`, `last_accessed_at`, `expires_at`,
//! `authentication_factors`), then the session's custom claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{json, Map, Value};
use sha2::Sha256;

/// Lifetime of every JWT, in seconds.
pub(crate) const JWT_LIFETIME_SECONDS: u64 = 300;

/// Claims the caller may not set through `session_custom_claims`.
pub(crate) const RESERVED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "https://stytch.com/session",
];

/// A new random signing key.
pub(crate) fn new_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    key
}

/// A new opaque session token.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 33];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn mac(key: &[u8]) -> Option<Hmac<Sha256>> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).ok()
}

/// Signs `claims` as an HS256 JWT.
pub(crate) fn sign(key: &[u8], claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = match mac(key) {
        Some(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{signing_input}.{signature}")
}

/// The claims of a JWT this key signed, or `None` if the token is malformed or the signature
/// does not verify. Expiry is not checked here.
pub(crate) fn verify(key: &[u8], token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut mac = mac(key)?;
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature).ok()?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice(&payload).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// The session id inside verified claims.
pub(crate) fn session_id(claims: &Map<String, Value>) -> Option<&str> {
    claims
        .get("https://stytch.com/session")?
        .get("id")?
        .as_str()
}

/// What goes into a JWT.
pub(crate) struct JwtClaims<'a> {
    pub(crate) project_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) now_unix: u64,
    pub(crate) session: Value,
    pub(crate) custom_claims: &'a Map<String, Value>,
}

impl JwtClaims<'_> {
    pub(crate) fn to_value(&self) -> Value {
        let mut claims = Map::new();
        for (key, value) in self.custom_claims {
            if !RESERVED_CLAIMS.contains(&key.as_str()) {
                claims.insert(key.clone(), value.clone());
            }
        }
        let standard = json!({
            "sub": self.user_id,
            "iss": format!("stytch.com/{}", self.project_id),
            "aud": [self.project_id],
            "iat": self.now_unix,
            "nbf": self.now_unix,
            "exp": self.now_unix.saturating_add(JWT_LIFETIME_SECONDS),
            "https://stytch.com/session": self.session,
        });
        if let Value::Object(standard) = standard {
            claims.extend(standard);
        }
        Value::Object(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_tamper() {
        let key = new_key();
        let custom = Map::from_iter([
            ("role".to_owned(), json!("admin")),
            ("sub".to_owned(), json!("evil")),
        ]);
        let claims = JwtClaims {
            project_id: "project-test-1",
            user_id: "user-test-1",
            now_unix: 1000,
            session: json!({"id": "session-test-1"}),
            custom_claims: &custom,
        }
        .to_value();
        let jwt = sign(&key, &claims);
        let back = verify(&key, &jwt).unwrap();
        assert_eq!(back["sub"], "user-test-1");
        assert_eq!(back["role"], "admin");
        assert_eq!(back["exp"], 1300);
        assert_eq!(session_id(&back), Some("session-test-1"));
        assert!(verify(&new_key(), &jwt).is_none());
        let mut tampered = jwt.clone();
        tampered.insert(jwt.find('.').unwrap() + 2, 'x');
        assert!(verify(&key, &tampered).is_none());
        assert!(verify(&key, "a.b").is_none());
        assert!(verify(&key, "").is_none());
        assert_eq!(new_token().len(), 44);
    }
}
