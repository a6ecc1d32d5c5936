//! A bounded cache of verified session JWTs, keyed by the whole token.
//!
//! A service sees the same JWT on many requests during its five minutes of life; a hit
//! skips the RSA verification and the claims parsing. An entry is answered only while it
//! would still pass the local check: before its `exp` and its `iat + max_token_age` (checked
//! on every hit, with that call's settings), and while its key is in a key set that may be
//! used without fetching. A token that fails anything is never cached, and only a
//! successful local verification inserts. quick_cache's S3-FIFO eviction keeps a flood of
//! one-off tokens from pushing out the ones seen on every request.

use std::sync::Arc;

use quick_cache::sync::Cache;

use super::token::Verified;

/// Default number of verified JWTs kept per client (about 10 MiB at most with Stytch-sized
/// JWTs: each entry holds the token and its claims).
pub const DEFAULT_VERIFIED_JWT_CACHE_CAPACITY: usize = 4096;

pub(crate) struct VerifiedCache {
    entries: Cache<Box<str>, Arc<Verified>>,
}

impl VerifiedCache {
    /// `None` for a capacity of zero: no cache.
    pub fn with_capacity(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            entries: Cache::new(capacity),
        })
    }

    pub fn get(&self, jwt: &str) -> Option<Arc<Verified>> {
        self.entries.get(jwt)
    }

    pub fn insert(&self, jwt: &str, verified: Arc<Verified>) {
        self.entries.insert(jwt.into(), verified);
    }

    pub fn remove(&self, jwt: &str) {
        self.entries.remove(jwt);
    }
}
