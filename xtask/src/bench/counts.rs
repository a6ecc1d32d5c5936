//! Per-call counts that do not drift with the machine's load: allocations (the bench binary's
//! counting allocator, `benches/src/alloc.rs`) and instructions (callgrind on
//! `benches/examples/profile.rs`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{Contender, CONTENDERS};

/// Allocations per sequential call, as the bench binary wrote them
/// (`target/tmp/allocations.json`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Allocations {
    /// Calls counted per contender.
    pub calls: u64,
    /// Contender (`bare_reqwest`, `ours`, `official`) -> its figures.
    pub per_call: BTreeMap<String, PerCall>,
}

/// One contender's allocations per call.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub struct PerCall {
    /// Allocations (`alloc`, `alloc_zeroed`, `realloc`) per call.
    pub allocations: f64,
    /// Bytes those allocations asked for, per call.
    pub bytes: f64,
}

impl Allocations {
    /// Reads `allocations.json`.
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("allocations.json: {e}"))
    }
}

/// Calls of each callgrind run: the difference of the two counts is the cost of
/// `BIG - SMALL` calls, start-up and client construction cancelled out.
pub const CALLS: (u64, u64) = (200, 1_200);

/// Instructions per sequential call, from callgrind.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instructions {
    /// Contender -> instructions (callgrind's `Ir`) per call.
    pub per_call: BTreeMap<String, f64>,
}

/// Builds the `profile` example and runs each contender under callgrind at both call counts;
/// `Err` says why the section was skipped (no valgrind) or what failed.
pub fn instructions(benches: &Path, target: &Path) -> Result<Instructions, String> {
    let valgrind = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !valgrind.is_ok_and(|s| s.success()) {
        return Err("valgrind is not on PATH".into());
    }
    super::cargo(
        benches,
        target,
        &["build", "--release", "--example", "profile"],
    )?;
    let profile = target.join("release").join("examples").join("profile");
    let mut per_call = BTreeMap::new();
    for Contender { name, arg, .. } in CONTENDERS {
        let mut totals = [0u64; 2];
        for (total, calls) in totals.iter_mut().zip([CALLS.0, CALLS.1]) {
            let out = target
                .join("tmp")
                .join(format!("callgrind.{arg}.{calls}.out"));
            let run = Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", out.display()))
                .arg(&profile)
                .args([arg, &calls.to_string()])
                .stdout(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run valgrind: {e}"))?;
            if !run.status.success() {
                return Err(format!(
                    "callgrind of `profile {arg} {calls}` failed:\n{}",
                    String::from_utf8_lossy(&run.stderr)
                ));
            }
            let text = std::fs::read_to_string(&out)
                .map_err(|e| format!("cannot read {}: {e}", out.display()))?;
            *total = callgrind_total(&text)
                .ok_or_else(|| format!("{} has no summary or totals line", out.display()))?;
        }
        let calls = (CALLS.1 - CALLS.0) as f64;
        per_call.insert(
            name.to_owned(),
            totals[1].saturating_sub(totals[0]) as f64 / calls,
        );
        println!(
            "callgrind: {name}: {:.0} instructions per call",
            per_call[name]
        );
    }
    Ok(Instructions { per_call })
}

/// The event total of a callgrind output file: its `summary:` line, else `totals:` (the first
/// event, `Ir`, comes first).
pub fn callgrind_total(out: &str) -> Option<u64> {
    let total = |prefix: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    total("summary:").or_else(|| total("totals:"))
}
