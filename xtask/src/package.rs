//! `cargo xtask ci`'s packaging step: the publishable crates have real metadata, pinned
//! requirements and a backed `rust-version`, and `cargo package` accepts them.
//!
//! Publishable means `publish` is not `false` in the manifest, so the list follows the
//! manifests. `cargo package --no-verify` checks the manifests, the file lists and that every
//! dependency (siblings included, through cargo's workspace packaging) resolves from a
//! registry; the full verify (building each `.crate` on its own, ~3.5 min warm here) is left
//! to a release.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Metadata fields every publishable crate must set (crates.io shows them).
const REQUIRED_FIELDS: &[&str] = &["description", "license", "readme", "keywords", "categories"];

/// Runs the checks, then `cargo package` for the publishable crates.
pub fn check(root: &Path) -> Result<(), String> {
    let workspace = metadata(root, true)?;
    let publishable = publishable(&workspace);
    if publishable.is_empty() {
        return Err("no publishable crate found".into());
    }
    let mut problems = manifest_problems(&workspace);
    problems.extend(license_file_problems(&workspace));
    problems.extend(msrv_problems(&workspace, &metadata(root, false)?));
    if !problems.is_empty() {
        return Err(format!("packaging: {}", problems.join("; ")));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["package", "--no-verify", "--allow-dirty", "--quiet"])
        .current_dir(root);
    for name in &publishable {
        command.args(["-p", name]);
    }
    let status = command
        .status()
        .map_err(|e| format!("could not run cargo package: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo package failed for {}",
            publishable.join(", ")
        ));
    }
    println!("==> xtask ci: packaged {}", publishable.join(", "));
    Ok(())
}

/// Publishable crates without a `LICENSE` file beside their manifest (`license = "MIT"` names
/// the terms; the file, packaged with the crate, carries the copyright notice MIT requires).
fn license_file_problems(workspace: &Value) -> Vec<String> {
    packages(workspace)
        .filter(|p| p["publish"].is_null())
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            let manifest = Path::new(p["manifest_path"].as_str()?);
            let license = manifest.parent()?.join("LICENSE");
            (!license.is_file()).then(|| format!("{name}: no LICENSE file"))
        })
        .collect()
}

fn metadata(root: &Path, no_deps: bool) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["metadata", "--format-version", "1"])
        .current_dir(root);
    if no_deps {
        command.arg("--no-deps");
    }
    let output = command
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

fn packages(metadata: &Value) -> impl Iterator<Item = &Value> {
    metadata["packages"].as_array().into_iter().flatten()
}

/// Names of the workspace's crates whose manifest does not say `publish = false`.
pub fn publishable(workspace: &Value) -> Vec<String> {
    packages(workspace)
        .filter(|p| p["publish"].is_null())
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// Missing metadata and placeholder values of publishable crates, and `*` requirements in
/// any workspace crate.
pub fn manifest_problems(workspace: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for package in packages(workspace) {
        let name = package["name"].as_str().unwrap_or("?");
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            if dependency["req"] == "*" {
                problems.push(format!(
                    "{name}: dependency {} has the requirement \"*\"",
                    dependency["name"]
                ));
            }
        }
        if !package["publish"].is_null() {
            continue;
        }
        for field in REQUIRED_FIELDS {
            let value = &package[*field];
            let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if empty {
                problems.push(format!("{name}: no `{field}`"));
            }
        }
        let has_lib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.contains(&"lib".into()))
            });
        if has_lib && package["documentation"].is_null() {
            problems.push(format!("{name}: no `documentation`"));
        }
        for field in ["repository", "homepage", "documentation"] {
            if package[field]
                .as_str()
                .is_some_and(|url| url.contains("example.") || !url.starts_with("https://"))
            {
                problems.push(format!("{name}: placeholder `{field}`"));
            }
        }
    }
    problems
}

/// The workspace's `rust-version` must be at least every locked dependency's: that is what
/// backs it (clippy's `incompatible_msrv` lint checks our own use of std against it).
pub fn msrv_problems(workspace: &Value, full: &Value) -> Vec<String> {
    let members: Vec<&str> = packages(workspace)
        .filter_map(|p| p["name"].as_str())
        .collect();
    let newest = packages(full)
        .filter(|p| !members.contains(&p["name"].as_str().unwrap_or("")))
        .filter_map(|p| Some((version(p["rust_version"].as_str()?)?, p["name"].as_str()?)))
        .max();
    let Some((needed, by)) = newest else {
        return Vec::new();
    };
    packages(workspace)
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            match p["rust_version"].as_str().and_then(version) {
                Some(ours) if ours >= needed => None,
                Some(_) | None => Some(format!(
                    "{name}: rust-version must be at least {}.{} (needed by {by})",
                    needed.0, needed.1
                )),
            }
        })
        .collect()
}

/// `1.89` or `1.89.0` as (major, minor); patch versions do not matter for a toolchain here.
fn version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lib(name: &str, extra: Value) -> Value {
        let mut package = json!({
            "name": name, "publish": null, "rust_version": "1.89",
            "description": "d", "license": "MIT", "readme": "README.md",
            "keywords": ["k"], "categories": ["c"], "documentation": "https://docs.rs/x",
            "targets": [{"kind": ["lib"]}], "dependencies": [{"name": "serde", "req": "^1"}],
        });
        for (key, value) in extra.as_object().unwrap() {
            package[key] = value.clone();
        }
        package
    }

    #[test]
    fn complete_metadata_passes_and_gaps_are_named() {
        let good = json!({"packages": [lib("a", json!({})), lib("x", json!({"publish": [], "readme": null}))]});
        assert_eq!(publishable(&good), ["a"]);
        assert!(manifest_problems(&good).is_empty());

        let bad = json!({"packages": [lib("a", json!({
            "keywords": [], "documentation": null,
            "repository": "https://example.invalid/a",
            "dependencies": [{"name": "syn", "req": "*"}],
        }))]});
        let problems = manifest_problems(&bad).join("\n");
        for expected in [
            "no `keywords`",
            "no `documentation`",
            "placeholder `repository`",
            "\"syn\" has the requirement \"*\"",
        ] {
            assert!(problems.contains(expected), "{expected} in {problems}");
        }
    }

    #[test]
    fn rust_version_must_cover_the_newest_dependency() {
        let workspace = json!({"packages": [lib("a", json!({}))]});
        let full = |dep: &str| json!({"packages": [lib("a", json!({})), {"name": "uuid", "rust_version": dep}, {"name": "old", "rust_version": null}]});
        assert!(msrv_problems(&workspace, &full("1.89.0")).is_empty());
        let problems = msrv_problems(&workspace, &full("1.90"));
        assert_eq!(
            problems,
            ["a: rust-version must be at least 1.90 (needed by uuid)"]
        );
    }
}
