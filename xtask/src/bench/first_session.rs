//! The first signed session of a freshly started process, as a test pays it: the emulator's
//! `first_session` example, built in debug like a test, run as several fresh processes (a
//! process pays its one-time costs once, so each run is one sample).

use std::path::Path;
use std::process::Command;

use super::{median_ci, Estimate, Report};

/// Fresh processes per `cargo xtask bench`.
pub(crate) const RUNS: usize = 9;
/// Issue #22's target for the first signed session, in milliseconds.
pub(crate) const TARGET_MS: f64 = 50.0;
/// The line of the example's output this reads.
const PREFIX: &str = "first totps.authenticate with a session: ";

/// Builds the example, runs it [`RUNS`] times and returns each run's first sign-in in ms.
pub(crate) fn measure(root: &Path) -> Result<Vec<f64>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let example = ["-p", "stytch-totp-emulator", "--example", "first_session"];
    let built = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--quiet"])
        .args(example)
        .status()
        .map_err(|e| format!("could not run cargo build: {e}"))?;
    if !built.success() {
        return Err("the first_session example did not build".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug/examples/first_session");
    (0..RUNS)
        .map(|_| {
            let out = Command::new(&binary)
                .output()
                .map_err(|e| format!("could not run {}: {e}", binary.display()))?;
            if !out.status.success() {
                return Err(format!("{} failed", binary.display()));
            }
            parse(&String::from_utf8_lossy(&out.stdout))
                .ok_or_else(|| format!("no line starting {PREFIX:?} in its output"))
        })
        .collect()
}

/// The milliseconds of the example's first sign-in line.
pub(crate) fn parse(output: &str) -> Option<f64> {
    output
        .lines()
        .find_map(|line| line.strip_prefix(PREFIX))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|ms| ms.parse().ok())
}

/// The page's paragraph, empty when nothing was measured.
pub(crate) fn section(report: &Report) -> String {
    let Some(Estimate {
        point,
        lower,
        upper,
    }) = median_ci(&report.first_session_ms)
    else {
        return String::new();
    };
    let (min, max) = report
        .first_session_ms
        .iter()
        .fold((f64::INFINITY, 0f64), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    format!(
        "\n\nFirst signed session of a freshly started process, as a debug-built test pays it \
         (`cargo run -p stytch-totp-emulator --example first_session`, {} fresh processes): \
         the first `totps.authenticate` with a session took a median {point:.1} ms ({lower:.1} \
         – {upper:.1} ms; all runs {min:.1} – {max:.1} ms). Before issue #22: 132 to 186 ms \
         (RSA-2048 key generation at run time; the README's demo showed 942 ms). Target: \
         under {TARGET_MS:.0} ms (median): {}.",
        report.first_session_ms.len(),
        if point < TARGET_MS {
            "met"
        } else {
            "**not met**"
        }
    )
}
