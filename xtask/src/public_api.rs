//! `cargo xtask public-api [--check]`: the public API of each library crate, one item a line,
//! committed under `docs/public-api/`, so that any change to it is a reviewed diff.
//!
//! The listing comes from rustdoc's JSON output read by the `public-api` crate (the library
//! behind `cargo public-api`). rustdoc emits JSON only behind `-Z unstable-options`; on the
//! stable toolchain that needs `RUSTC_BOOTSTRAP=1`, set for that one rustdoc call and its own
//! target directory, so it never touches the normal build: the build scripts of proc-macro2,
//! anyhow and thiserror rerun when `RUSTC_BOOTSTRAP` changes, and sharing the normal target
//! directory would rebuild nearly every crate there after each listing. `public-api` is pinned to the
//! release that reads the JSON format of the current stable rustdoc ([`FORMAT_VERSION`]); a
//! toolchain that writes another format fails with a message saying so, not a wrong listing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::files::{ensure_file_contents, Mode};

/// The library crates whose API is pinned: (package, library target name).
pub const CRATES: &[(&str, &str)] = &[
    ("stytch-totp-models", "stytch_totp_models"),
    ("stytch-totp", "stytch_totp"),
    ("stytch-totp-emulator", "stytch_totp_emulator"),
    ("stytch-totp-axum", "stytch_totp_axum"),
];

/// The rustdoc JSON format the pinned `public-api` release reads.
pub const FORMAT_VERSION: u64 = 57;

/// Where the listings live, relative to the workspace root.
pub const DIR: &str = "docs/public-api";

/// Writes (or with `mode == Check`, verifies) every crate's listing.
pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    let mut stale = Vec::new();
    for (package, lib) in CRATES {
        let listing = listing(root, package, lib)?;
        let path = root.join(DIR).join(format!("{package}.txt"));
        if mode == Mode::Check {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            let diff = diff(&committed, &listing);
            if !diff.is_empty() {
                println!("public API of {package} changed (- committed, + now):\n{diff}");
                stale.push(*package);
            }
        }
        if mode == Mode::Write {
            std::fs::create_dir_all(root.join(DIR)).map_err(|e| format!("{DIR}: {e}"))?;
        }
        if mode == Mode::Write || !stale.contains(package) {
            ensure_file_contents(&path, &listing, mode)?;
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the public API of {} changed: review the diff above, then run `cargo xtask public-api` and commit {DIR}/",
            stale.join(", ")
        ))
    }
}

/// The sorted public items of one crate, one a line.
fn listing(root: &Path, package: &str, lib: &str) -> Result<String, String> {
    let json = rustdoc_json(root, package, lib)?;
    check_format(&json)?;
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .omit_auto_trait_impls(true)
        .omit_auto_derived_impls(true)
        .build()
        .map_err(|e| format!("reading the public API of {package}: {e}"))?;
    let mut out = String::new();
    for item in api.items() {
        out.push_str(&item.to_string());
        out.push('\n');
    }
    Ok(out)
}

/// Builds rustdoc JSON for `package`'s library into a target directory of its own.
fn rustdoc_json(root: &Path, package: &str, lib: &str) -> Result<PathBuf, String> {
    let target = target_dir(root).join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["rustdoc", "--quiet", "-p", package, "--lib", "--"])
        .args(["-Z", "unstable-options", "--output-format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| format!("could not run cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc (JSON) failed for {package}"));
    }
    Ok(target.join("doc").join(format!("{lib}.json")))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Fails with an actionable message when rustdoc wrote a format the pinned reader cannot read.
fn check_format(json: &Path) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Header {
        format_version: u64,
    }
    let text = std::fs::read_to_string(json).map_err(|e| format!("{}: {e}", json.display()))?;
    let header: Header =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
    if header.format_version == FORMAT_VERSION {
        Ok(())
    } else {
        Err(format!(
            "rustdoc wrote JSON format {}, the pinned `public-api` reads format {FORMAT_VERSION}: \
             move `public-api` in xtask/Cargo.toml to the release for the new format",
            header.format_version
        ))
    }
}

/// Lines only in `old` (`-`) and only in `new` (`+`), in sorted order.
fn diff(old: &str, new: &str) -> String {
    let old: BTreeSet<&str> = old.lines().collect();
    let new: BTreeSet<&str> = new.lines().collect();
    let removed = old.difference(&new).map(|line| format!("- {line}\n"));
    let added = new.difference(&old).map(|line| format!("+ {line}\n"));
    removed.chain(added).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_removed_then_added_lines() {
        let old = "pub fn a()\npub fn b()\n";
        let new = "pub fn a()\npub fn c()\n";
        assert_eq!(diff(old, new), "- pub fn b()\n+ pub fn c()\n");
        assert_eq!(diff(old, old), "");
    }
}
