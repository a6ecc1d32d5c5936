//! `cargo xtask reliability`: re-measures the fault matrix and rewrites its table in
//! docs/RELIABILITY.md (the test itself fails in CI when the committed table is stale).

use std::path::Path;
use std::process::Command;

/// Runs the fault-matrix test with `UPDATE_RELIABILITY=1`.
pub fn run(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "-p", "stytch-totp-e2e", "--test", "fault_matrix"])
        .env("UPDATE_RELIABILITY", "1")
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        println!("docs/RELIABILITY.md is current");
        Ok(())
    } else {
        Err("the fault matrix failed: see the test output above".into())
    }
}
