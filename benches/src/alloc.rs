//! Allocations per call: a global allocator that counts, only while asked to.
//!
//! Timings on a shared machine drift; allocation counts do not, and they are one of the
//! targets (ours ≤ official per call). A binary opts in with
//! `#[global_allocator] static A: Counting = Counting;`. Outside [`count`] the allocator costs
//! one thread-local read per call, so the timed benches in the same binary are not disturbed.
//! Counts are per thread (the thread running [`count`]; the benches run server and client on
//! one thread). Conventions as dhat's: a `realloc` counts as an allocation of its new size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;

use serde::Serialize;

/// The system allocator, counting allocations and bytes while [`count`] runs.
pub struct Counting;

thread_local! {
    // Const-initialised and without destructors, so the allocator may touch them at any time.
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note(size: usize) {
    if ON.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.set(ALLOCATIONS.get() + 1);
        BYTES.set(BYTES.get() + size as u64);
    }
}

// SAFETY: every call is passed on unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's guarantees for `layout` are System's preconditions.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, i.e. from System, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as in `dealloc`; `new_size` is the caller's valid size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and bytes allocated, per call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PerCall {
    /// Allocations (`alloc`, `alloc_zeroed`, `realloc`) per call.
    pub allocations: f64,
    /// Bytes those allocations asked for, per call.
    pub bytes: f64,
}

/// Allocations per call of each contender, written as JSON for `cargo xtask bench`.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Calls counted per contender (after a warm-up).
    pub calls: u64,
    /// Contender name -> its allocations per call.
    pub per_call: BTreeMap<String, PerCall>,
}

/// Runs `calls` calls through `run` (which makes that many calls) and returns what they
/// allocated per call. Only meaningful in a binary whose global allocator is [`Counting`];
/// elsewhere it reports zero.
pub fn count(calls: u64, run: impl FnOnce(u64)) -> PerCall {
    ALLOCATIONS.set(0);
    BYTES.set(0);
    ON.set(true);
    run(calls);
    ON.set(false);
    let calls = calls.max(1) as f64;
    PerCall {
        allocations: ALLOCATIONS.get() as f64 / calls,
        bytes: BYTES.get() as f64 / calls,
    }
}

#[cfg(test)]
mod tests {
    use std::hint::black_box;

    use super::*;

    #[global_allocator]
    static COUNTING: Counting = Counting;

    #[test]
    fn counts_what_the_calls_allocate_and_nothing_outside() {
        let outside = vec![0u8; 10];
        let counted = count(4, |calls| {
            for _ in 0..calls {
                let mut v: Vec<u8> = black_box(Vec::with_capacity(100));
                v.reserve_exact(200); // a realloc to 200 bytes
                black_box(v);
            }
        });
        assert_eq!(
            counted,
            PerCall {
                allocations: 2.0,
                bytes: 300.0
            }
        );
        black_box(outside);
        let nothing = count(1, |_| {});
        assert_eq!(nothing, PerCall::default());
    }

    /// Allocations made decoding `json` as `T` once.
    fn decoding<T: serde::de::DeserializeOwned>(json: &str) -> f64 {
        count(1, |_| {
            black_box(serde_json::from_slice::<T>(json.as_bytes()).unwrap());
        })
        .allocations
    }

    /// Typed timestamps (`chrono::DateTime<Utc>`) decode without allocating: a session's six
    /// times cost nothing, where each was a `String`.
    #[test]
    fn typed_timestamps_decode_without_allocating() {
        use serde_json::{json, Value};
        use stytch_totp_models::chrono::{DateTime, Utc};
        use stytch_totp_models::Session;

        assert_eq!(decoding::<DateTime<Utc>>(r#""2021-12-29T12:33:09Z""#), 0.0);
        assert_eq!(
            decoding::<Option<DateTime<Utc>>>(r#""2021-12-29T12:33:09.123456Z""#),
            0.0
        );

        fn without_times(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    map.retain(|key, _| !key.ends_with("_at"));
                    map.values_mut().for_each(without_times);
                }
                Value::Array(items) => items.iter_mut().for_each(without_times),
                _ => {}
            }
        }
        let timed = json!({
            "session_id": "session-test-1", "user_id": "user-test-1", "roles": ["stytch_user"],
            "started_at": "2026-03-02T16:45:12Z", "last_accessed_at": "2026-03-02T16:50:03Z",
            "expires_at": "2026-03-02T17:50:03Z",
            "authentication_factors": [{
                "type": "totp", "delivery_method": "authenticator_app",
                "last_authenticated_at": "2026-03-02T16:45:12Z",
                "created_at": "2026-03-02T16:45:12Z", "updated_at": "2026-03-02T16:45:12Z",
                "authenticator_app_factor": {"totp_id": "totp-test-1"}
            }],
        });
        let mut untimed = timed.clone();
        without_times(&mut untimed);
        let with = decoding::<Session>(&timed.to_string());
        let without = decoding::<Session>(&untimed.to_string());
        assert!(without > 0.0, "the strings and lists of a session allocate");
        assert_eq!(
            with,
            without,
            "six timestamps cost {} allocations",
            with - without
        );
    }
}
