//! Session JWT verification on the page: the paired rounds of `benches/benches/jwt.rs`
//! (ours fresh and repeated against aws-lc-rs's bare RSA-2048 verify, one and two threads)
//! and Stytch's Node and Python SDKs on the same JWT, which this module installs from the
//! package registries into a scratch folder before the bench runs.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::*;

/// Issue #19's targets: a fresh JWT in at most this many RSA-2048 verify times...
const FRESH_LIMIT: f64 = 1.5;
/// ...and a repeated one in at most this many microseconds.
const REPEATED_LIMIT_US: f64 = 3.0;

/// Installs `stytch` with npm and pip into `target/jwt-sdks/`; the environment the bench
/// needs to run them (`BENCH_NODE_PATH`, `BENCH_PYTHON`), and notes on what failed.
pub fn install_sdks(target: &Path) -> (Vec<(String, String)>, Vec<String>) {
    let dir = target.join("jwt-sdks");
    let (mut env, mut notes) = (Vec::new(), Vec::new());
    let node = dir.join("node");
    let npm = std::fs::create_dir_all(&node)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            run(Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--silent", "stytch"])
                .current_dir(&node))
        });
    match npm {
        Ok(()) => env.push((
            "BENCH_NODE_PATH".into(),
            node.join("node_modules").display().to_string(),
        )),
        Err(e) => notes.push(format!(
            "Stytch's Node SDK was not measured: npm install failed ({e})."
        )),
    }
    let venv = dir.join("venv");
    let python = venv.join("bin").join("python");
    let pip = run(Command::new("python3").arg("-m").arg("venv").arg(&venv)).and_then(|()| {
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "stytch"]))
    });
    match pip {
        Ok(()) => env.push(("BENCH_PYTHON".into(), python.display().to_string())),
        Err(e) => notes.push(format!(
            "Stytch's Python SDK was not measured: pip install failed ({e})."
        )),
    }
    (env, notes)
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// Median per call of `contender` in the comparison `name`.
fn median(report: &Report, name: &str, contender: &str) -> Option<Estimate> {
    median_ci(report.paired.get(name)?.get(contender)?)
}

fn cell(e: Option<Estimate>) -> String {
    e.map_or("—".into(), time_ci)
}

/// The page's section: figures, the SDKs beside them, and the targets with verdicts.
pub fn section(report: &Report) -> String {
    const ONE: &str = "jwt_verify_1_thread";
    const TWO: &str = "jwt_verify_2_threads";
    let mut w = String::new();
    if !report.paired.contains_key(ONE) {
        return "Not measured in this run (the bench needs `--features emulator`).\n".into();
    }
    w.push_str("| verification of one JWT | 1 thread | 2 threads at once (per verification) |\n|---|---|---|\n");
    for (contender, label) in [
        (
            "rsa2048_verify",
            "aws-lc-rs RSA-2048 verify alone (the limit)",
        ),
        ("ours_fresh", "ours, fresh (cache off: base64, RSA, claims)"),
        ("ours_repeated", "ours, repeated (the verified-JWT cache)"),
    ] {
        let _ = writeln!(
            w,
            "| {label} | {} | {} |",
            cell(median(report, ONE, contender)),
            cell(median(report, TWO, contender))
        );
    }
    let fresh = median(report, ONE, "ours_fresh");
    if let Some(sdks) = report.paired.get("jwt_verify_sdks") {
        for (name, rounds) in sdks {
            let label = name
                .replace("stytch_node_", "Stytch's Node SDK ")
                .replace("stytch_python_", "Stytch's Python SDK ");
            let sdk = median_ci(rounds);
            let versus = match (sdk, fresh) {
                (Some(sdk), Some(fresh)) => {
                    format!(" ({:.1}× ours fresh)", sdk.point / fresh.point)
                }
                _ => String::new(),
            };
            let _ = writeln!(
                w,
                "| {label}, `authenticate_jwt_local`{versus} | {} | — |",
                cell(sdk)
            );
        }
    } else {
        w.push_str("| Stytch's Node and Python SDKs | not measured (see the notes) | — |\n");
    }
    w.push_str("\n| target (issue #19) | measured | verdict |\n|---|---|---|\n");
    for (name, threads) in [(ONE, "1 thread"), (TWO, "2 threads")] {
        if let Some(ratio) = report
            .paired
            .get(name)
            .and_then(|p| paired_ratio(p, "ours_fresh", "rsa2048_verify"))
        {
            let _ = writeln!(
                w,
                "| fresh JWT ≤ {FRESH_LIMIT} × RSA-2048 verify, {threads} | {} | {} |",
                ratio_ci(ratio),
                verdict(ratio, FRESH_LIMIT)
            );
        }
        if let Some(repeated) = median(report, name, "ours_repeated") {
            let us = repeated.per(1e3);
            let _ = writeln!(
                w,
                "| repeated JWT ≤ {REPEATED_LIMIT_US} µs, {threads} | {} | {} |",
                time_ci(repeated),
                verdict(us, REPEATED_LIMIT_US)
            );
        }
    }
    w
}
