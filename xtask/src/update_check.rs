//! `cargo xtask update-check`: would the newest compatible versions of our dependencies
//! still build without a warning? Copies the workspace (tracked and new files, as `git`
//! lists them) to a scratch directory, runs `cargo update` there, then clippy with
//! `-D warnings` (deprecations included). The committed `Cargo.lock` is never touched, and
//! this is not part of `cargo xtask ci`, whose lock file stays fixed: run it before a
//! release or when a dependency announces deprecations.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the copy goes (replaced on every run).
fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join("stytch-totp-update-check")
}

/// Copies, updates and lints; fails with the first failing step.
pub fn run(root: &Path) -> Result<(), String> {
    let scratch = scratch_dir();
    copy_workspace(root, &scratch)?;
    println!("==> update-check: cargo update in {}", scratch.display());
    cargo(&scratch, &["update"])?;
    println!("==> update-check: clippy -D warnings with the updated lock file");
    cargo(&scratch, crate::ci::LINT_WORKSPACE)?;
    println!("==> update-check: passed with the newest compatible dependencies");
    Ok(())
}

/// The files `git` knows or would add (ignored ones, such as `target/`, left out).
fn copy_workspace(root: &Path, scratch: &Path) -> Result<(), String> {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run git ls-files: {e}"))?;
    if !listed.status.success() {
        return Err(format!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&listed.stderr)
        ));
    }
    if scratch.exists() {
        std::fs::remove_dir_all(scratch)
            .map_err(|e| format!("could not clear {}: {e}", scratch.display()))?;
    }
    let mut copied = 0;
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name);
        let from = root.join(&*name);
        if !from.is_file() {
            continue; // deleted in the work tree but still in the index
        }
        let to = scratch.join(&*name);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("could not create {}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &to).map_err(|e| format!("could not copy {name}: {e}"))?;
        copied += 1;
    }
    println!(
        "==> update-check: copied {copied} files to {}",
        scratch.display()
    );
    Ok(())
}

/// Runs cargo in `dir`. A `CARGO_TARGET_DIR` of the caller is reused (dependencies whose
/// version did not change are not rebuilt); otherwise the build goes below the copy.
fn cargo(dir: &Path, args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("could not run cargo {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}
