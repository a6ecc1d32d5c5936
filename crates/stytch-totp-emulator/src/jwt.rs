//! Session tokens and RS256 session JWTs, signed with the emulator's [`SigningKey`].
//!
//! Claims are Stytch's: `sub` (user id), `iss` (`stytch.com/<project_id>`), `aud`
//! (`[project_id]`), `iat`, `nbf`, `exp` (`iat` + 5 minutes, whatever the session's length),
//! the session under `https://stytch.com/session`, and the custom claims at top level.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::PrivateKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use stytch_totp_models::StytchSessionClaim;

/// Lifetime of every JWT, in seconds (Stytch's fixed five minutes).
pub(crate) const JWT_LIFETIME_SECONDS: u64 = 300;

/// The RSA key pair that signs an emulator's session JWTs (RS256), with its key id.
///
/// Each emulator makes its own on first use unless one is set with
/// [`EmulatorConfig::with_signing_key`](crate::EmulatorConfig::with_signing_key), which lets
/// tests pin a key, share one between emulators, or sign "another project's" JWTs. Cloning
/// shares the key. `Debug` shows the key id only.
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
    encoding: EncodingKey,
    decoding: DecodingKey,
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

/// A fresh RSA key of [`SigningKey::BITS`] from the operating system's random source.
///
/// # Panics
/// Only if that source fails.
fn new_private_key() -> PrivateKey {
    PrivateKey::new(&mut getrandom::SysRng, SigningKey::BITS)
        .expect("RSA key generation with a working random source")
}

impl SigningKey {
    /// The modulus size of Stytch's session-signing keys (its JWKS serves 2048-bit RSA
    /// keys): signing a JWT, done on every session-making call, costs about a third of what
    /// a 3072-bit key's signature does.
    pub const BITS: usize = 2048;

    /// A new random key of Stytch's size ([`SigningKey::BITS`]). Generating one takes a noticeable
    /// moment in a debug build, which is why emulators made by one test run can share a key
    /// ([`EmulatorConfig::with_signing_key`](crate::EmulatorConfig::with_signing_key)).
    ///
    /// # Panics
    /// Never in practice: only if the operating system's random source fails.
    pub fn generate() -> Self {
        let key = new_private_key();
        Self::from_rsa(&key).expect("a freshly generated RSA key encodes")
    }

    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// If the PEM is neither, or not an RSA key.
    pub fn from_pem(pem: &str) -> Result<Self, InvalidKey> {
        let key = PrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| PrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| InvalidKey(e.to_string()))?;
        Self::from_rsa(&key)
    }

    fn from_rsa(key: &PrivateKey) -> Result<Self, InvalidKey> {
        select_crypto_provider();
        let der = key.to_pkcs1_der().map_err(|e| InvalidKey(e.to_string()))?;
        let n = key.n_bytes();
        let e = key.e_bytes();
        // The key id is derived from the public key, so a pinned key keeps its id.
        let digest = Sha256::digest([&n[..], &e[..]].concat());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let kid = format!(
            "jwk-{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        Ok(Self {
            inner: Arc::new(KeyInner {
                kid,
                encoding: EncodingKey::from_rsa_der(der.as_bytes()),
                decoding: DecodingKey::from_rsa_raw_components(&n, &e),
                n: URL_SAFE_NO_PAD.encode(&n),
                e: URL_SAFE_NO_PAD.encode(&e),
            }),
        })
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

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub(crate) fn sign(&self, claims: &Claims) -> Option<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.inner.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.inner.encoding).ok()
    }

    /// The claims of a JWT this key signed for `project_id`; `None` if it is malformed, its
    /// signature does not verify, or its issuer or audience is another project's. Expiry is
    /// not checked: the session decides.
    pub(crate) fn verify(&self, jwt: &str, project_id: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        validation.set_audience(&[project_id]);
        validation.set_issuer(&[issuer(project_id)]);
        jsonwebtoken::decode::<Claims>(jwt, &self.inner.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.inner.kid)
            .finish_non_exhaustive()
    }
}

/// Makes jsonwebtoken's RustCrypto backend the process default unless one was chosen already.
///
/// jsonwebtoken picks its backend from its crate features, and panics on first use when a
/// build enables both (e.g. next to the official `stytch` crate, which enables `aws_lc_rs`).
fn select_crypto_provider() {
    // An error only means a provider was already chosen: that one is used.
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
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

/// A new opaque session token: 33 random bytes, base64url (44 characters, like Stytch's).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 33];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                started_at: "1970-01-01T00:16:40Z".into(),
                last_accessed_at: "1970-01-01T00:16:40Z".into(),
                expires_at: "1970-01-01T01:16:40Z".into(),
                attributes: None,
                authentication_factors: Vec::new(),
                roles: vec!["stytch_user".into()],
            },
            custom: Map::from_iter([("plan".to_owned(), Value::from("pro"))]),
        }
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
        let other = SigningKey::from_pem(&pem_of_new_key()).unwrap();
        assert_ne!(other.key_id(), key.key_id());
        assert!(other.verify(&jwt, "project-test-1").is_none());
        let mut tampered = jwt.clone();
        tampered.insert(jwt.find('.').unwrap() + 2, 'x');
        assert!(key.verify(&tampered, "project-test-1").is_none());
        assert!(key.verify("a.b", "project-test-1").is_none());
        assert!(key.verify("", "project-test-1").is_none());
        assert_eq!(new_token().len(), 44);
    }

    fn pem_of_new_key() -> String {
        use rsa::pkcs8::EncodePrivateKey;
        let key = new_private_key();
        key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
    }

    #[test]
    fn pem_round_trip_keeps_the_key_id_and_bad_pem_is_an_error() {
        use rsa::pkcs8::EncodePrivateKey;
        let raw = new_private_key();
        let pkcs8 = raw.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let pkcs1 = raw.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let a = SigningKey::from_pem(&pkcs8).unwrap();
        let b = SigningKey::from_pem(&pkcs1).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.modulus(), b.modulus());
        assert_eq!(a.exponent(), "AQAB");
        let generated = SigningKey::generate();
        let modulus = URL_SAFE_NO_PAD.decode(generated.modulus()).unwrap();
        assert_eq!(modulus.len() * 8, 2048, "Stytch's key size");
        let err = SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nnope\n").unwrap_err();
        assert!(err.to_string().starts_with("invalid RSA private key"));
    }
}
