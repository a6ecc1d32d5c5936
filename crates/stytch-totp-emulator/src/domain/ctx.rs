//! [`Ctx`]: what every domain operation needs besides the store. Its own module so that the
//! rules' modules import it (and [`Refusal`](super::refusal::Refusal)) without importing the
//! domain's root, which imports them.

use std::time::SystemTime;

use crate::ids::Ids;
use crate::LockPolicy;

/// What every operation needs besides the store: the instant it runs at (the emulator
/// clock's), the id maker and the lock policy.
pub(crate) struct Ctx {
    pub(crate) now: SystemTime,
    pub(crate) ids: Ids,
    pub(crate) lock_policy: LockPolicy,
}
