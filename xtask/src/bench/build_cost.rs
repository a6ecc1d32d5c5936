//! The record of clean-build times, re-measured only when its inputs change (an FNV-1a key).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::*;

/// Where the last measured clean-build times are kept (committed with the page).
pub const BUILD_COST_RECORD: &str = "docs/build-cost.json";

/// The last measured clean builds and what they depended on.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildCostRecord {
    /// [`build_cost_key`] when they were measured.
    pub key: String,
    /// UTC date of the measurement.
    pub date: String,
    /// One entry per program.
    pub programs: Vec<Footprint>,
}

impl BuildCostRecord {
    /// The record as JSON.
    pub fn to_json(&self) -> String {
        let programs: Vec<Value> = self
            .programs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "crates": p.crates,
                    "compiled": p.compiled,
                    "build_secs": p.build.as_secs_f64(),
                })
            })
            .collect();
        let value = serde_json::json!({ "key": self.key, "date": self.date, "programs": programs });
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }

    /// Reads a record written by [`Self::to_json`].
    pub fn parse(json: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let text = |v: &Value, what: &str| {
            v[what]
                .as_str()
                .map(str::to_owned)
                .ok_or(format!("no {what}"))
        };
        let number = |v: &Value, what: &str| v[what].as_f64().ok_or(format!("no {what}"));
        let programs = value["programs"]
            .as_array()
            .ok_or("no programs")?
            .iter()
            .map(|p| {
                Ok(Footprint {
                    name: text(p, "name")?,
                    crates: number(p, "crates")? as usize,
                    compiled: number(p, "compiled")? as usize,
                    build: Duration::from_secs_f64(number(p, "build_secs")?.max(0.0)),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self {
            key: text(&value, "key")?,
            date: text(&value, "date")?,
            programs,
        })
    }
}

/// A digest of everything the clean-build times depend on: toolchain, CPU, both footprint
/// programs with their lock files, the workspace manifest, and our client's and models'
/// manifests and sources. Any change makes `cargo xtask bench` measure again.
pub fn build_cost_key(root: &Path, machine: &Machine) -> Result<String, String> {
    let mut files = vec![root.join("Cargo.toml")];
    for name in ["ours", "official"] {
        let dir = root.join("benches/footprint").join(name);
        files.extend([
            dir.join("Cargo.toml"),
            dir.join("Cargo.lock"),
            dir.join("src/main.rs"),
        ]);
    }
    for krate in ["crates/stytch-totp", "crates/stytch-totp-models"] {
        files.push(root.join(krate).join("Cargo.toml"));
        collect_files(&root.join(krate).join("src"), &mut files)?;
    }
    files.sort();
    let mut hash = Fnv1a::default();
    hash.write(machine.rustc.as_bytes());
    hash.write(machine.cpu.as_bytes());
    hash.write(&machine.nproc.to_le_bytes());
    for file in &files {
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let relative = file.strip_prefix(root).unwrap_or(file);
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&bytes);
    }
    Ok(format!("{:016x}", hash.0))
}

pub(crate) fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// FNV-1a, 64 bits: a stable digest without another dependency (not for security).
pub(crate) struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
}
