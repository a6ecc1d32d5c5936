//! The project's public signing keys, fetched once and kept for local JWT verification.
//!
//! Keys are looked up by `kid`. An unknown `kid` (Stytch rotated its keys) fetches the set
//! again, but at most once per [`MIN_REFETCH_INTERVAL`], so a flood of forged JWTs cannot
//! turn into a flood of requests; concurrent verifications that all miss share one fetch.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use stytch_totp_models::GetJwksResponse;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::jwt::JwtRejection;
use crate::{Client, Error};

/// The shortest time between two fetches of the key set caused by unknown `kid`s.
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

type Keys = Arc<HashMap<String, DecodingKey>>;

/// Cached keys, shared by every clone of a client.
#[derive(Default)]
pub(crate) struct JwksCache {
    keys: RwLock<Keys>,
    /// When the set was last fetched; held while fetching, so one task fetches for all.
    last_fetch: Mutex<Option<Instant>>,
}

impl JwksCache {
    /// The key named `kid`, fetching the set when it is not known yet.
    pub async fn key(&self, client: &Client, kid: &str) -> Result<DecodingKey, Error> {
        if let Some(key) = self.lookup(kid) {
            return Ok(key);
        }
        let mut last_fetch = self.last_fetch.lock().await;
        // Another task may have fetched while this one waited.
        if let Some(key) = self.lookup(kid) {
            return Ok(key);
        }
        if last_fetch.is_some_and(|at| at.elapsed() < MIN_REFETCH_INTERVAL) {
            return Err(Error::InvalidSessionJwt(JwtRejection::UnknownKey));
        }
        let response = client.sessions().jwks().await?;
        *last_fetch = Some(Instant::now());
        let keys = Arc::new(decoding_keys(&response));
        tracing::debug!(keys = keys.len(), "fetched the project's JWKS");
        *self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = keys;
        self.lookup(kid)
            .ok_or(Error::InvalidSessionJwt(JwtRejection::UnknownKey))
    }

    fn lookup(&self, kid: &str) -> Option<DecodingKey> {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(kid).cloned()
    }
}

/// The RSA signing keys of a JWK set by `kid`; keys of other types or uses are skipped.
fn decoding_keys(response: &GetJwksResponse) -> HashMap<String, DecodingKey> {
    response
        .keys
        .iter()
        .filter(|jwk| jwk.kty == "RSA" && (jwk.alg.is_empty() || jwk.alg == "RS256"))
        .filter_map(|jwk| {
            let key = DecodingKey::from_rsa_components(&jwk.n, &jwk.e).ok()?;
            Some((jwk.kid.clone(), key))
        })
        .collect()
}
