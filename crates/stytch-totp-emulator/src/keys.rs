//! One emulator's session-signing keys: the key that signs, and the keys rotated out that stay
//! published until their withdrawal on the emulator clock.
//!
//! Each emulator has its own ring: rotating one emulator's key never changes another's, even
//! when both started with the process's shared default key. Keys are made before the ring's
//! lock is taken; the lock covers swapping `Arc`s only.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::clock::add;
use crate::SigningKey;

/// The signing key and the rotated-out keys still published.
pub(crate) struct KeyRing {
    /// The key to start with; `None`: the process's shared default.
    configured: Option<SigningKey>,
    inner: Mutex<Ring>,
}

#[derive(Default)]
struct Ring {
    /// Set on first use (so an emulator that never signs never reads the default key).
    signing: Option<SigningKey>,
    retired: Vec<RetiredKey>,
}

/// A key rotated out: published (in the JWKS, and accepted by the emulator's own JWT checks)
/// until `withdrawn_at`.
#[derive(Clone, Debug)]
pub(crate) struct RetiredKey {
    pub(crate) key: SigningKey,
    pub(crate) withdrawn_at: SystemTime,
}

/// What a rotation did.
#[derive(Clone, Debug)]
pub(crate) struct Rotation {
    pub(crate) kid: String,
    pub(crate) previous_kid: String,
    pub(crate) previous_withdrawn_at: SystemTime,
}

impl KeyRing {
    pub(crate) fn new(configured: Option<SigningKey>) -> Self {
        Self {
            configured,
            inner: Mutex::default(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Ring, &dyn Fn() -> SigningKey) -> T) -> T {
        let mut ring = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let initial = || {
            self.configured
                .clone()
                .unwrap_or_else(SigningKey::process_default)
        };
        f(&mut ring, &initial)
    }

    /// The key that signs JWTs now.
    pub(crate) fn signing(&self) -> SigningKey {
        self.with(|ring, initial| ring.signing.get_or_insert_with(initial).clone())
    }

    /// The signing key, then the retired keys not yet withdrawn at `now`, oldest first.
    pub(crate) fn published(&self, now: SystemTime) -> (SigningKey, Vec<RetiredKey>) {
        self.with(|ring, initial| {
            ring.retired.retain(|r| r.withdrawn_at > now);
            (
                ring.signing.get_or_insert_with(initial).clone(),
                ring.retired.clone(),
            )
        })
    }

    /// The published key named `kid` at `now`.
    pub(crate) fn published_key(&self, kid: &str, now: SystemTime) -> Option<SigningKey> {
        let (signing, retired) = self.published(now);
        std::iter::once(signing)
            .chain(retired.into_iter().map(|r| r.key))
            .find(|k| k.key_id() == kid)
    }

    /// Makes `next` the signing key; the previous one stays published for `grace` after
    /// `now`. Keys rotated out earlier keep their own withdrawal times.
    pub(crate) fn rotate(&self, next: SigningKey, grace: Duration, now: SystemTime) -> Rotation {
        self.with(|ring, initial| {
            let previous = ring.signing.take().unwrap_or_else(initial);
            let withdrawn_at = add(now, grace);
            ring.retired.retain(|r| r.withdrawn_at > now);
            let rotation = Rotation {
                kid: next.key_id().to_owned(),
                previous_kid: previous.key_id().to_owned(),
                previous_withdrawn_at: withdrawn_at,
            };
            ring.retired.push(RetiredKey {
                key: previous,
                withdrawn_at,
            });
            ring.signing = Some(next);
            rotation
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_key_stays_published_for_the_grace_period_then_is_withdrawn() {
        let first = SigningKey::generate();
        let ring = KeyRing::new(Some(first.clone()));
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(ring.signing().key_id(), first.key_id());

        let next = SigningKey::generate();
        let rotation = ring.rotate(next.clone(), Duration::from_secs(60), t0);
        assert_eq!(rotation.kid, next.key_id());
        assert_eq!(rotation.previous_kid, first.key_id());
        assert_eq!(rotation.previous_withdrawn_at, t0 + Duration::from_secs(60));
        assert_eq!(ring.signing().key_id(), next.key_id());

        let during = t0 + Duration::from_secs(59);
        let (signing, retired) = ring.published(during);
        assert_eq!(signing.key_id(), next.key_id());
        assert_eq!(retired.len(), 1);
        assert!(ring.published_key(first.key_id(), during).is_some());
        assert!(ring.published_key(next.key_id(), during).is_some());

        let after = t0 + Duration::from_secs(60);
        assert!(ring.published(after).1.is_empty());
        assert!(ring.published_key(first.key_id(), after).is_none());
        assert!(ring.published_key(next.key_id(), after).is_some());
        assert!(ring.published_key("jwk-unknown", during).is_none());
    }

    #[test]
    fn two_rotations_keep_both_previous_keys_until_their_own_withdrawal() {
        let ring = KeyRing::new(Some(SigningKey::generate()));
        let first = ring.signing();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        ring.rotate(SigningKey::generate(), Duration::from_secs(100), t0);
        let second = ring.signing();
        ring.rotate(
            SigningKey::generate(),
            Duration::from_secs(10),
            t0 + Duration::from_secs(50),
        );
        let (_, retired) = ring.published(t0 + Duration::from_secs(55));
        let kids: Vec<&str> = retired.iter().map(|r| r.key.key_id()).collect();
        assert_eq!(kids, [first.key_id(), second.key_id()]);
        let (_, retired) = ring.published(t0 + Duration::from_secs(61));
        let kids: Vec<&str> = retired.iter().map(|r| r.key.key_id()).collect();
        assert_eq!(kids, [first.key_id()]);
        assert!(ring.published(t0 + Duration::from_secs(100)).1.is_empty());
    }

    #[test]
    fn rotation_is_per_ring_even_from_the_shared_default_key() {
        let a = KeyRing::new(None);
        let b = KeyRing::new(None);
        assert_eq!(a.signing().key_id(), b.signing().key_id());
        a.rotate(SigningKey::generate(), Duration::ZERO, SystemTime::now());
        assert_ne!(a.signing().key_id(), b.signing().key_id());
        assert_eq!(b.signing().key_id(), SigningKey::process_default().key_id());
    }
}
