//! Every benchmark in one binary (one release link instead of four, which matters for
//! `cargo xtask bench` on a 2-core machine). First the paired ratio rounds (see
//! [`stytch_totp_benches::paired`]), written to `target/tmp/paired-ratios.json`, and the
//! allocations per call (see [`stytch_totp_benches::alloc`]), written to
//! `target/tmp/allocations.json`; then criterion's absolute figures. `cargo bench -- FILTER`
//! runs only matching criterion benches and skips the paired rounds and the counts;
//! `BENCH_PAIRED_ONLY=1` runs only the paired rounds and the counts; `BENCH_JWT_ONLY=1` only
//! the session JWT rounds, printed as JSON; `BENCH_ALLOCATIONS_ONLY=1` only the allocation
//! counts, printed as JSON (seconds instead of minutes, for working on them).

use std::path::Path;

use stytch_totp_benches::alloc::Counting;
use stytch_totp_benches::paired::Report;

mod construct;
mod decode;
#[cfg(feature = "emulator")]
mod emulator;
#[cfg(feature = "emulator")]
mod jwt;
mod round_trip;

/// Counts allocations only inside `alloc::count`; elsewhere it is the system allocator.
#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Sequential calls per contender whose allocations are counted.
const ALLOCATION_CALLS: u64 = 2_000;

fn main() {
    // cargo passes `--bench`; anything else that is not a flag is a criterion filter.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filtered = args.iter().any(|a| !a.starts_with('-'));
    let testing = args.iter().any(|a| a == "--test" || a == "--list");
    #[cfg(feature = "emulator")]
    if std::env::var("BENCH_JWT_ONLY").is_ok_and(|v| v == "1") {
        // Only the session JWT rounds, for working on them (not used by `cargo xtask bench`).
        let mut report = Report::default();
        jwt::paired(&mut report);
        println!(
            "{}",
            serde_json::to_string(&report).expect("report as JSON")
        );
        return;
    }
    if std::env::var("BENCH_ALLOCATIONS_ONLY").is_ok_and(|v| v == "1") {
        let allocations = round_trip::allocations(ALLOCATION_CALLS);
        println!(
            "{}",
            serde_json::to_string_pretty(&allocations).expect("allocations as JSON")
        );
        return;
    }
    if !filtered && !testing {
        let mut report = Report::default();
        round_trip::paired(&mut report);
        decode::paired(&mut report);
        #[cfg(feature = "emulator")]
        jwt::paired(&mut report);
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paired-ratios.json");
        let json = serde_json::to_vec_pretty(&report).expect("paired report as JSON");
        std::fs::write(&out, json).expect("write paired-ratios.json");
        println!("paired ratios written to {}", out.display());
        let allocations = round_trip::allocations(ALLOCATION_CALLS);
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("allocations.json");
        let json = serde_json::to_vec_pretty(&allocations).expect("allocations as JSON");
        std::fs::write(&out, json).expect("write allocations.json");
        println!("allocations per call written to {}", out.display());
        if std::env::var("BENCH_PAIRED_ONLY").is_ok_and(|v| v == "1") {
            return;
        }
    }
    round_trip::benches();
    decode::benches();
    construct::benches();
    #[cfg(feature = "emulator")]
    emulator::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
