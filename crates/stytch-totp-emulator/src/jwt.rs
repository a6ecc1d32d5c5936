//! Session tokens and RS256 session JWTs, signed with the emulator's [`SigningKey`].
//!
//! Claims are Stytch's: `sub` (user id), `iss` (`stytch.com/<project_id>`), `aud`
//! (`[project_id]`), `iat`, `nbf`, `exp` (`iat` + 5 minutes, whatever the session's length),
//! the session under `https://stytch.com/session`, and the custom claims at top level.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use stytch_totp_models::StytchSessionClaim;

/// Lifetime of every JWT, in seconds (Stytch's fixed five minutes).
pub(crate) const JWT_LIFETIME_SECONDS: u64 = 300;

/// The RSA key pair that signs an emulator's session JWTs (RS256), with its key id.
///
/// Emulators without a configured key share one made once per process
/// ([`SigningKey::process_default`]), so starting many emulators costs no key generation
/// each; [`EmulatorConfig::with_signing_key`](crate::EmulatorConfig::with_signing_key) pins
/// another, e.g. to sign "another project's" JWTs. Cloning shares the key. `Debug` shows the
/// key id only. Keys and signatures come from aws-lc-rs, called directly: no process-wide
/// crypto provider is read or installed.
///
/// ```
/// use stytch_totp_emulator::SigningKey;
/// let key = SigningKey::generate();
/// assert!(key.key_id().starts_with("jwk-"));
/// assert!(!format!("{key:?}").contains("PRIVATE"));
/// ```
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<KeyInner>,
}

struct KeyInner {
    kid: String,
    /// Modulus and exponent, base64url without padding, as a JWK carries them.
    n: String,
    e: String,
    pair: KeyPair,
    /// The public key, to verify JWTs sent back.
    public: PublicKeyComponents<Vec<u8>>,
}

/// A private key that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKey(String);

impl fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid RSA private key: {}", self.0)
    }
}

impl std::error::Error for InvalidKey {}

impl SigningKey {
    /// The modulus size of Stytch's session-signing keys (its JWKS serves 2048-bit RSA keys).
    pub const BITS: usize = 2048;

    /// A new random key of Stytch's size ([`SigningKey::BITS`]).
    ///
    /// # Panics
    /// Never in practice: only if the operating system's random source fails.
    pub fn generate() -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .expect("RSA key generation with a working random source");
        Self::from_pair(pair)
    }

    /// The key every emulator without a configured one signs with: made on first use, once
    /// per process, then shared.
    pub fn process_default() -> Self {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(Self::generate).clone()
    }

    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// If the PEM is neither, or not an RSA key.
    pub fn from_pem(pem: &str) -> Result<Self, InvalidKey> {
        let der =
            PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| InvalidKey(e.to_string()))?;
        let pair = match &der {
            PrivateKeyDer::Pkcs8(der) => KeyPair::from_pkcs8(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => KeyPair::from_der(der.secret_pkcs1_der()),
            _ => return Err(InvalidKey("not an RSA key".to_owned())),
        }
        .map_err(|e| InvalidKey(e.to_string()))?;
        Ok(Self::from_pair(pair))
    }

    fn from_pair(pair: KeyPair) -> Self {
        let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        // The key id is derived from the public key, so a pinned key keeps its id.
        let digest = Sha256::digest([&public.n[..], &public.e[..]].concat());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let kid = format!(
            "jwk-{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        Self {
            inner: Arc::new(KeyInner {
                kid,
                n: URL_SAFE_NO_PAD.encode(&public.n),
                e: URL_SAFE_NO_PAD.encode(&public.e),
                pair,
                public,
            }),
        }
    }

    /// The `kid` in the header of every JWT this key signs, and in the JWKS.
    pub fn key_id(&self) -> &str {
        &self.inner.kid
    }

    /// The public modulus, base64url (as in the JWK's `n`).
    pub fn modulus(&self) -> &str {
        &self.inner.n
    }

    /// The public exponent, base64url (as in the JWK's `e`).
    pub fn exponent(&self) -> &str {
        &self.inner.e
    }

    /// The private key as PKCS#8 DER (tests that hand the key to another library).
    #[cfg(test)]
    fn pkcs8_der(&self) -> Vec<u8> {
        use aws_lc_rs::encoding::AsDer;
        self.inner
            .pair
            .as_der()
            .map(|der| der.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub(crate) fn sign(&self, claims: &Claims) -> Option<String> {
        let header = Header {
            alg: "RS256".to_owned(),
            typ: Some("JWT".to_owned()),
            kid: Some(self.inner.kid.clone()),
        };
        let mut jwt = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).ok()?);
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).ok()?));
        let mut signature = vec![0; self.inner.pair.public_modulus_len()];
        self.inner
            .pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                jwt.as_bytes(),
                &mut signature,
            )
            .ok()?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Some(jwt)
    }

    /// The claims of a JWT this key signed for `project_id`; `None` if it is malformed, its
    /// signature does not verify, or its issuer or audience is another project's. Expiry is
    /// not checked: the session decides.
    pub(crate) fn verify(&self, jwt: &str, project_id: &str) -> Option<Claims> {
        let (signed, signature) = jwt.rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.alg != "RS256" {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.inner
            .public
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &signature,
            )
            .ok()?;
        let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (claims.iss == issuer(project_id) && claims.aud.iter().any(|a| a == project_id))
            .then_some(claims)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.inner.kid)
            .finish_non_exhaustive()
    }
}

/// A JWT's JOSE header.
#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
}

/// The `kid` in a JWT's header, if it parses.
pub(crate) fn key_id_of(jwt: &str) -> Option<String> {
    let (header, _) = jwt.split_once('.')?;
    let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    header.kid
}

/// `stytch.com/<project_id>`.
pub(crate) fn issuer(project_id: &str) -> String {
    format!("stytch.com/{project_id}")
}

/// The claims of a session JWT.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: String,
    pub(crate) iss: String,
    pub(crate) aud: Vec<String>,
    pub(crate) iat: u64,
    pub(crate) nbf: u64,
    pub(crate) exp: u64,
    #[serde(rename = "https://stytch.com/session")]
    pub(crate) session: StytchSessionClaim,
    /// The session's custom claims, at top level.
    #[serde(flatten)]
    pub(crate) custom: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    use super::*;

    fn at(seconds: u64) -> stytch_totp_models::chrono::DateTime<stytch_totp_models::chrono::Utc> {
        crate::timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
    }

    fn claims(project_id: &str) -> Claims {
        Claims {
            sub: "user-test-1".into(),
            iss: issuer(project_id),
            aud: vec![project_id.into()],
            iat: 1000,
            nbf: 1000,
            exp: 1300,
            session: StytchSessionClaim {
                id: "session-test-1".into(),
                started_at: at(1000),
                last_accessed_at: at(1000),
                expires_at: at(4600),
                attributes: None,
                authentication_factors: Vec::new(),
                roles: vec!["stytch_user".into()],
            },
            custom: Map::from_iter([("plan".to_owned(), Value::from("pro"))]),
        }
    }

    /// PEM of `der` with `label`.
    fn pem(label: &str, der: &[u8]) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    /// The DER element starting at `at`: (content start, content end).
    fn der_element(der: &[u8], at: usize) -> (usize, usize) {
        let len = der[at + 1];
        if len < 0x80 {
            return (at + 2, at + 2 + usize::from(len));
        }
        let n = usize::from(len & 0x7f);
        let size = der[at + 2..at + 2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (at + 2 + n, at + 2 + n + size)
    }

    /// The PKCS#1 key inside an RSA PKCS#8 key (its last element, an OCTET STRING).
    fn pkcs1_of(pkcs8: &[u8]) -> Vec<u8> {
        let (mut at, _) = der_element(pkcs8, 0); // the outer SEQUENCE
        at = der_element(pkcs8, at).1; // version INTEGER
        at = der_element(pkcs8, at).1; // algorithm SEQUENCE
        assert_eq!(pkcs8[at], 0x04, "an OCTET STRING");
        let (start, end) = der_element(pkcs8, at);
        pkcs8[start..end].to_vec()
    }

    #[test]
    fn sign_then_verify_tamper_and_other_keys() {
        let key = SigningKey::generate();
        let jwt = key.sign(&claims("project-test-1")).unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some(key.key_id()));
        let back = key.verify(&jwt, "project-test-1").unwrap();
        assert_eq!(back.session.id, "session-test-1");
        assert_eq!(back.session.roles, ["stytch_user"]);
        assert_eq!(back.custom["plan"], "pro");
        // Another project's audience and issuer, another key, a tampered or junk token.
        assert!(key.verify(&jwt, "project-test-2").is_none());
        let other = SigningKey::generate();
        assert_ne!(other.key_id(), key.key_id());
        assert!(other.verify(&jwt, "project-test-1").is_none());
        let mut tampered = jwt.clone();
        tampered.insert(jwt.find('.').unwrap() + 2, 'x');
        assert!(key.verify(&tampered, "project-test-1").is_none());
        assert!(key.verify("a.b", "project-test-1").is_none());
        assert!(key.verify("", "project-test-1").is_none());
    }

    #[test]
    fn a_generic_jwt_library_verifies_with_the_jwk_components() {
        let key = SigningKey::generate();
        let jwt = key.sign(&claims("project-test-1")).unwrap();
        let decoding = DecodingKey::from_rsa_components(key.modulus(), key.exponent()).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.set_audience(&["project-test-1"]);
        validation.set_issuer(&["stytch.com/project-test-1"]);
        let data = jsonwebtoken::decode::<Value>(&jwt, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "user-test-1");
        assert_eq!(
            data.claims["https://stytch.com/session"]["id"],
            "session-test-1"
        );
    }

    #[test]
    fn pem_round_trip_keeps_the_key_id_and_bad_pem_is_an_error() {
        let raw = SigningKey::generate();
        let pkcs8 = raw.pkcs8_der();
        let a = SigningKey::from_pem(&pem("PRIVATE KEY", &pkcs8)).unwrap();
        let b = SigningKey::from_pem(&pem("RSA PRIVATE KEY", &pkcs1_of(&pkcs8))).unwrap();
        assert_eq!(a.key_id(), raw.key_id());
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.modulus(), b.modulus());
        assert_eq!(a.exponent(), "AQAB");
        let modulus = URL_SAFE_NO_PAD.decode(raw.modulus()).unwrap();
        assert_eq!(modulus.len() * 8, SigningKey::BITS, "Stytch's key size");
        // A JWT signed with the key read back verifies with the original.
        let jwt = b.sign(&claims("project-test-1")).unwrap();
        assert!(raw.verify(&jwt, "project-test-1").is_some());
        let err = SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nnope\n").unwrap_err();
        assert!(err.to_string().starts_with("invalid RSA private key"));
    }

    #[test]
    fn the_process_default_key_is_made_once() {
        assert_eq!(
            SigningKey::process_default().key_id(),
            SigningKey::process_default().key_id()
        );
    }
}
