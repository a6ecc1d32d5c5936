//! The record of clean-build times, re-measured only when its inputs change (an FNV-1a key).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::*;

/// Where the last measured clean-build times are kept (committed with the page).
pub const BUILD_COST_RECORD: &str = "docs/build-cost.json";

/// The last measured clean builds and what they depended on. Fields in alphabetical order,
/// as the committed record has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildCostRecord {
    /// UTC date of the measurement.
    pub date: String,
    /// [`build_cost_key`] when they were measured.
    pub key: String,
    /// One entry per program.
    pub programs: Vec<Footprint>,
}

impl BuildCostRecord {
    /// The record as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a record serializes") + "\n"
    }

    /// Reads a record written by [`Self::to_json`].
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("{BUILD_COST_RECORD}: {e}"))
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
