//! The project's public signing keys, kept for [`KEY_SET_LIFETIME`] and shared by every clone
//! of a client.
//!
//! - **Lifetime.** A set older than [`KEY_SET_LIFETIME`] is fetched again before use, so a key
//!   Stytch withdraws stops verifying within that time. 300 s is what Stytch's Python SDK
//!   (PyJWKClient's `lifespan`) and the official Rust crate keep a set; Stytch's Node SDK
//!   (jose's remote key set) keeps it up to 10 minutes.
//! - **One fetch for everyone.** Callers that find the set expired, or a `kid` missing, wait
//!   for one shared fetch.
//! - **Refetch limit.** Fetches are at least [`MIN_REFETCH_INTERVAL`] apart, counting failed
//!   ones: whatever the traffic, an outage of the JWKS endpoint costs at most one fetch (with
//!   its retries) per interval, and JWTs naming unknown keys cannot multiply fetches.
//! - **Serving stale keys.** When a refresh fails, the last good set keeps serving for
//!   [`STALE_KEY_SET_LIMIT`] past its lifetime, with one WARN per outage; after that,
//!   verification fails closed ([`JwtRejection::KeySetUnavailable`] or the fetch's error).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use stytch_totp_models::GetJwksResponse;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::jwt::JwtRejection;
use crate::{Client, Error};

/// How long a fetched key set is used before it is fetched again.
pub const KEY_SET_LIFETIME: Duration = Duration::from_secs(300);

/// The shortest time between two fetches of the key set, failed ones included.
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// How long past [`KEY_SET_LIFETIME`] the last good set keeps serving while refreshes fail.
pub const STALE_KEY_SET_LIMIT: Duration = Duration::from_secs(15 * 60);

/// How many JWTs naming a key missing from a set fetched less than [`MIN_REFETCH_INTERVAL`]
/// ago are checked with Stytch per interval (the key may have been published since); further
/// ones are refused until the next fetch, so forged `kid`s cannot become a flood of calls.
pub const UNKNOWN_KEY_CHECKS_PER_INTERVAL: u32 = 8;

/// An RS256 public key, parsed once.
pub(crate) type PublicKey = Arc<ParsedPublicKey>;

/// What the key set says about a `kid`.
pub(crate) enum Lookup {
    /// Published: verify with this key.
    Found(PublicKey),
    /// Missing from a set fetched less than [`MIN_REFETCH_INTERVAL`] ago, so it may have been
    /// published since: ask Stytch.
    AskStytch,
}

/// A fetched set.
struct Published {
    keys: HashMap<String, PublicKey>,
    fetched_at: Instant,
}

/// Fetch bookkeeping, behind the lock that makes one task fetch for all.
#[derive(Default)]
struct Attempts {
    /// When the last fetch started, successful or not.
    last: Option<Instant>,
    /// Whether the last fetch failed.
    failing: bool,
    /// Whether this outage was logged at WARN already.
    warned: bool,
    /// Unknown-key checks with Stytch since the last fetch.
    unknown_key_checks: u32,
}

/// Cached keys, shared by every clone of a client.
#[derive(Default)]
pub(crate) struct KeySet {
    current: RwLock<Option<Arc<Published>>>,
    attempts: Mutex<Attempts>,
}

impl KeySet {
    /// The key named `kid`, fetching the set when it is expired or lacks `kid` (within the
    /// refetch limit).
    pub async fn key(&self, client: &Client, kid: &str) -> Result<Lookup, Error> {
        let seen = self.current();
        if let Some(set) = &seen {
            if fresh(set, Instant::now()) {
                if let Some(key) = set.keys.get(kid) {
                    return Ok(Lookup::Found(key.clone()));
                }
            }
        }
        let mut attempts = self.attempts.lock().await;
        let now = Instant::now();
        let current = self.current();
        // Another task fetched while this one waited: its answer is as good as a new fetch.
        let refreshed = match (&seen, &current) {
            (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
            (None, Some(_)) => true,
            _ => false,
        };
        if let Some(set) = current.as_ref().filter(|set| fresh(set, now)) {
            if let Some(key) = set.keys.get(kid) {
                return Ok(Lookup::Found(key.clone()));
            }
            if refreshed {
                return Err(reject(JwtRejection::UnknownKey));
            }
        }
        let may_fetch = attempts
            .last
            .is_none_or(|last| now.duration_since(last) >= MIN_REFETCH_INTERVAL);
        if may_fetch {
            attempts.last = Some(now);
            match client.sessions().jwks().await {
                Ok(response) => {
                    let set = Arc::new(Published {
                        keys: public_keys(&response),
                        fetched_at: Instant::now(),
                    });
                    tracing::debug!(keys = set.keys.len(), "fetched the project's JWKS");
                    if attempts.failing {
                        tracing::info!("the project's JWKS can be fetched again");
                    }
                    *attempts = Attempts {
                        last: attempts.last,
                        ..Attempts::default()
                    };
                    *self
                        .current
                        .write()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(set.clone());
                    return match set.keys.get(kid) {
                        Some(key) => Ok(Lookup::Found(key.clone())),
                        None => Err(reject(JwtRejection::UnknownKey)),
                    };
                }
                Err(error) => {
                    attempts.failing = true;
                    return serve_stale(&mut attempts, current.as_deref(), kid, now).ok_or(error);
                }
            }
        }
        // Within the refetch limit.
        match current.as_deref() {
            Some(set) if fresh(set, now) && !attempts.failing => {
                if attempts.unknown_key_checks < UNKNOWN_KEY_CHECKS_PER_INTERVAL {
                    attempts.unknown_key_checks += 1;
                    Ok(Lookup::AskStytch)
                } else {
                    Err(reject(JwtRejection::UnknownKey))
                }
            }
            set => serve_stale(&mut attempts, set, kid, now)
                .ok_or(reject(JwtRejection::KeySetUnavailable)),
        }
    }

    /// Whether `kid` is in a set that may still be used without fetching: a verified JWT
    /// cached under it may be answered from the cache.
    pub fn still_published(&self, kid: &str) -> bool {
        let current = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        current
            .as_deref()
            .is_some_and(|set| fresh(set, Instant::now()) && set.keys.contains_key(kid))
    }

    /// Stytch accepted a JWT naming a key this set lacks: the key was published since the
    /// last fetch, so the next lookup may fetch at once (only Stytch can cause this, so the
    /// refetch limit is not needed against it).
    pub async fn key_was_published(&self) {
        self.attempts.lock().await.last = None;
    }

    fn current(&self) -> Option<Arc<Published>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

fn fresh(set: &Published, now: Instant) -> bool {
    now.duration_since(set.fetched_at) < KEY_SET_LIFETIME
}

/// The key from the last good set while it is within [`STALE_KEY_SET_LIMIT`] of its lifetime's
/// end, logging the outage once.
fn serve_stale(
    attempts: &mut Attempts,
    set: Option<&Published>,
    kid: &str,
    now: Instant,
) -> Option<Lookup> {
    let set = set.filter(|set| {
        now.duration_since(set.fetched_at) < KEY_SET_LIFETIME + STALE_KEY_SET_LIMIT
    })?;
    if !attempts.warned && !fresh(set, now) {
        attempts.warned = true;
        tracing::warn!(
            age_s = now.duration_since(set.fetched_at).as_secs(),
            limit_s = (KEY_SET_LIFETIME + STALE_KEY_SET_LIMIT).as_secs(),
            "could not refresh the project's JWKS: verifying with the last good set until it \
             is too old, then refusing"
        );
    }
    set.keys.get(kid).cloned().map(Lookup::Found)
}

fn reject(rejection: JwtRejection) -> Error {
    Error::InvalidSessionJwt(rejection)
}

/// The RSA signing keys of a JWK set by `kid`; keys of other types, uses or sizes are skipped.
fn public_keys(response: &GetJwksResponse) -> HashMap<String, PublicKey> {
    let b64 = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    response
        .keys
        .iter()
        .filter(|jwk| jwk.kty == "RSA" && (jwk.alg.is_empty() || jwk.alg == "RS256"))
        .filter_map(|jwk| {
            let n = b64.decode(jwk.n.trim_end_matches('=')).ok()?;
            let e = b64.decode(jwk.e.trim_end_matches('=')).ok()?;
            let key = RsaPublicKeyComponents { n: &n, e: &e }
                .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                .ok()?;
            Some((jwk.kid.clone(), Arc::new(key)))
        })
        .collect()
}
