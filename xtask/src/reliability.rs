//! `cargo xtask reliability`: re-measures the fault matrix and writes its table into
//! docs/RELIABILITY.md through [`files::ensure_file_contents`], the one writer of the
//! project's generated files. The test renders the page (it alone knows the table and its
//! markers) to a file under target/; without that request it fails when the committed table
//! is stale, which is CI's check.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::files::{self, Mode};

/// The page that shows the fault matrix.
pub const PAGE: &str = "docs/RELIABILITY.md";

/// Runs the fault-matrix test, asking it for the page, then writes the page.
pub fn run(root: &Path) -> Result<(), String> {
    let out = target_dir(root).join("tmp").join("RELIABILITY.md");
    std::fs::create_dir_all(out.parent().expect("tmp has a parent"))
        .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let _ = std::fs::remove_file(&out);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "-p", "stytch-totp-e2e", "--test", "fault_matrix"])
        .env("RELIABILITY_PAGE_OUT", &out)
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err("the fault matrix failed: see the test output above".into());
    }
    let page = std::fs::read_to_string(&out)
        .map_err(|e| format!("the fault matrix wrote no page to {}: {e}", out.display()))?;
    files::ensure_file_contents(&root.join(PAGE), &page, Mode::Write)
}

/// Where cargo builds this workspace (`CARGO_TARGET_DIR` is relative to `root`, the children's
/// working directory).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |dir| root.join(dir))
}
