//! `cargo xtask bench`: runs the criterion benchmarks in `benches/` (its own workspace),
//! counts allocations (in the bench binary) and instructions (callgrind, when valgrind is on
//! PATH) per call, measures what a user compiles before the first call (clean release build
//! and normal dependency tree of `benches/footprint/{ours,official}`; `BENCH_SKIP_FOOTPRINT=1`
//! skips the builds), and writes `docs/BENCHMARKS.md` with every figure, its 95% confidence
//! interval and the ratios measured in that one run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::files::{self, Mode};

/// Calls in flight per iteration of the `round_trip_concurrent*` benches.
pub const CONCURRENCY: u32 = 32;
/// Clients per iteration of the emulator throughput bench.
pub const EMULATOR_CLIENTS: u32 = 16;

const SEQUENTIAL: &str = "round_trip_sequential";
const CONCURRENT: &str = "round_trip_concurrent32";
const DECODE: &str = "decode_create_totp";
const CONSTRUCT: &str = "construct_client";
const EMULATOR: &str = "emulator_authenticate_16_clients";
/// The emulator bench on one and two runtime workers (`benches/benches/emulator.rs`).
const EMULATOR_THREADS: &str = "emulator_threads_16_clients";
/// Issue #22's targets for the emulator bench, and the figure before it.
const EMULATOR_TARGET_PER_SECOND: u32 = 2_000;
const EMULATOR_BEFORE_PER_SECOND: u32 = 287;
const EMULATOR_THREADS_TARGET: f64 = 1.5;
/// Issue #23's ceiling on our allocations per `totps.authenticate` (110 before it).
const ALLOCATIONS_LIMIT: f64 = 96.0;
/// The target for ours / bare reqwest (issue #11): the middleware stack's whole overhead.
const BARE_LIMIT: f64 = 1.08;

/// One contender of the round trips, as each part of the bench knows it.
#[derive(Debug, Clone, Copy)]
struct Contender {
    /// The bench's name (criterion ids, paired rounds, allocation counts).
    name: &'static str,
    /// The argument `benches/examples/profile.rs` takes.
    arg: &'static str,
    /// How the page calls it.
    label: &'static str,
}

/// The contenders, in the order the page lists them.
const CONTENDERS: [Contender; 3] = [
    Contender {
        name: "bare_reqwest",
        arg: "bare",
        label: "bare reqwest",
    },
    Contender {
        name: "ours",
        arg: "ours",
        label: "ours",
    },
    Contender {
        name: "official",
        arg: "official",
        label: "official",
    },
];

mod build_cost;
mod counts;
mod first_session;
mod jwt;
mod machine;
mod report;
mod stats;

pub use build_cost::*;
pub use counts::*;
pub use machine::*;
pub use report::*;
pub use stats::*;

/// What a user compiles before the first call, for one tiny program. Serialized into
/// [`BUILD_COST_RECORD`] with its fields in alphabetical order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footprint {
    /// Wall time of `cargo build --release` with an empty target directory.
    #[serde(rename = "build_secs", with = "seconds")]
    pub build: Duration,
    /// Crates compiled by the clean build (build dependencies included).
    pub compiled: usize,
    /// Distinct crates (name + version) in `cargo tree -e normal`, the program itself excluded.
    pub crates: usize,
    /// Which program (`ours`, `official`).
    pub name: String,
}

/// A [`Duration`] as fractional seconds in JSON.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

/// Distinct `name version` pairs in `cargo tree --prefix none` output, minus `root`.
pub fn count_crates(tree: &str, root: &str) -> usize {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .filter(|(name, _)| *name != root)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Sections of `docs/BENCHMARKS.md` measured by hand, appended after the generated page.
pub(crate) const HAND_MEASURED: &str = "BENCHMARKS-hand-measured.md";

/// Everything `docs/BENCHMARKS.md` shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Where the figures come from.
    pub machine: Machine,
    /// Criterion estimates, `group/bench` -> nanoseconds per iteration.
    pub results: BTreeMap<String, Estimate>,
    /// Paired rounds, comparison name -> per-round times (see `benches/src/paired.rs`).
    pub paired: BTreeMap<String, Paired>,
    /// Allocations per sequential call, if counted.
    pub allocations: Option<Allocations>,
    /// Instructions per sequential call, if callgrind ran.
    pub instructions: Option<Instructions>,
    /// Footprint of each tiny program.
    pub footprints: Vec<Footprint>,
    /// When the build times were measured, if not in this run (reused record).
    pub build_cost_measured: Option<String>,
    /// The first signed session of each fresh process, in ms (see `first_session`).
    pub first_session_ms: Vec<f64>,
    /// Why a part was skipped, if one was.
    pub notes: Vec<String>,
    /// Wall time of compiling and running the benches.
    pub bench_wall: Duration,
    /// Wall time of the whole `cargo xtask bench`.
    pub total_wall: Duration,
    /// `cpu` or `wall`: what the benches timed.
    pub clock: String,
}

/// Runs everything and writes `docs/BENCHMARKS.md`; `force_build_cost` re-measures the clean
/// builds even when the record is current.
pub fn run(root: &Path, force_build_cost: bool) -> Result<(), String> {
    let started = Instant::now();
    let benches = root.join("benches");
    let target = benches.join("target");
    let mut notes = Vec::new();
    let mut machine = machine();

    // 1. Criterion and the paired rounds, from a clean slate so that every figure comes from
    // this run.
    let criterion_dir = target.join("criterion");
    let tmp = target.join("tmp");
    let (paired_file, allocations_file) =
        (tmp.join("paired-ratios.json"), tmp.join("allocations.json"));
    for stale in [
        criterion_dir.clone(),
        paired_file.clone(),
        allocations_file.clone(),
    ] {
        let removed = if stale.is_dir() {
            std::fs::remove_dir_all(&stale)
        } else {
            std::fs::remove_file(&stale)
        };
        if let Err(e) = removed.or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        }) {
            return Err(format!("cannot clear {}: {e}", stale.display()));
        }
    }
    let bench_started = Instant::now();
    let emulator = root.join("crates/stytch-totp-emulator/Cargo.toml").exists()
        && cargo(
            &benches,
            &target,
            &["bench", "--features", "emulator", "--no-run"],
        )
        .is_ok();
    if emulator {
        // Stytch's SDKs verify the bench's JWT beside ours (benches/benches/jwt.rs).
        let (sdk_env, sdk_notes) = jwt::install_sdks(&target);
        notes.extend(sdk_notes);
        cargo_with(
            &benches,
            &target,
            &["bench", "--features", "emulator"],
            &sdk_env,
        )?;
    } else {
        notes.push(
            "The emulator throughput bench was skipped: `stytch-totp-emulator` is missing or \
             `cargo bench --features emulator` did not build."
                .into(),
        );
        cargo(&benches, &target, &["bench"])?;
    }
    let bench_wall = bench_started.elapsed();

    // 2. Footprint. Crates are counted every run; the two clean release builds take ~6 of
    // this machine's minutes, so their times are re-measured only when something they depend
    // on changed (or with `--build-cost`), and otherwise reused from the committed record.
    let mut footprints = Vec::new();
    let mut build_cost_measured = None;
    let skip_footprint = std::env::var("BENCH_SKIP_FOOTPRINT").is_ok_and(|v| v == "1");
    if skip_footprint {
        notes.push("Footprint builds skipped (`BENCH_SKIP_FOOTPRINT=1`).".into());
    } else {
        let counted: Vec<(&str, usize)> = ["ours", "official"]
            .into_iter()
            .map(|name| count_footprint(&benches, name).map(|crates| (name, crates)))
            .collect::<Result<_, _>>()?;
        let key = build_cost_key(root, &machine)?;
        let record_path = root.join(BUILD_COST_RECORD);
        let record = std::fs::read_to_string(&record_path)
            .ok()
            .and_then(|json| BuildCostRecord::parse(&json).ok());
        match record {
            Some(record) if record.key == key && !force_build_cost => {
                for (name, crates) in &counted {
                    if let Some(measured) = record.programs.iter().find(|p| p.name == *name) {
                        footprints.push(Footprint {
                            crates: *crates,
                            ..measured.clone()
                        });
                    }
                }
                build_cost_measured = Some(record.date);
            }
            _ => {
                for (name, crates) in &counted {
                    match build_footprint(&benches, &target, name, *crates) {
                        Ok(footprint) => footprints.push(footprint),
                        Err(e) => notes.push(format!("Footprint of `{name}` not measured: {e}")),
                    }
                }
                if footprints.len() == counted.len() {
                    let record = BuildCostRecord {
                        key,
                        date: machine.date.clone(),
                        programs: footprints.clone(),
                    };
                    files::ensure_file_contents(&record_path, &record.to_json(), Mode::Write)?;
                }
            }
        }
    }

    let paired = match std::fs::read_to_string(&paired_file) {
        Ok(json) => parse_paired(&json)?,
        Err(e) => {
            notes.push(format!(
                "No paired ratios ({}: {e}); the targets use criterion's unpaired figures.",
                paired_file.display()
            ));
            BTreeMap::new()
        }
    };

    let allocations = match std::fs::read_to_string(&allocations_file) {
        Ok(json) => Some(Allocations::parse(&json)?),
        Err(e) => {
            notes.push(format!(
                "No allocation counts ({}: {e}).",
                allocations_file.display()
            ));
            None
        }
    };
    let instructions = match counts::instructions(&benches, &target) {
        Ok(instructions) => Some(instructions),
        Err(e) => {
            notes.push(format!("Instructions per call were not measured: {e}."));
            None
        }
    };

    let first_session_ms = if emulator {
        first_session::measure(root).unwrap_or_else(|e| {
            notes.push(format!("The first signed session was not measured: {e}."));
            Vec::new()
        })
    } else {
        Vec::new()
    };

    machine.load.1 = load_average();
    let report = Report {
        first_session_ms,
        machine,
        results: read_results(&criterion_dir)?,
        paired,
        allocations,
        instructions,
        footprints,
        build_cost_measured,
        notes,
        bench_wall,
        total_wall: started.elapsed(),
        clock: std::env::var("BENCH_CLOCK").unwrap_or_else(|_| "cpu".into()),
    };
    let docs = root.join("docs");
    std::fs::create_dir_all(&docs).map_err(|e| format!("cannot create docs/: {e}"))?;
    let out = docs.join("BENCHMARKS.md");
    // Hand-measured sections (build cost per TLS backend) live in their own file and are
    // appended as they are: this run does not measure them.
    let appendix = std::fs::read_to_string(docs.join(HAND_MEASURED)).unwrap_or_default();
    files::ensure_file_contents(&out, &(render(&report) + &appendix), Mode::Write)?;
    println!(
        "bench: {} criterion figures in {}",
        report.results.len(),
        minutes(report.total_wall)
    );
    Ok(())
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs `cargo ARGS` in `dir` with output shown, `target` as the target directory.
fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Result<(), String> {
    cargo_with(dir, target, args, &[])
}

/// [`cargo`] with more environment variables.
fn cargo_with(
    dir: &Path,
    target: &Path,
    args: &[&str],
    env: &[(String, String)],
) -> Result<(), String> {
    let status = Command::new(cargo_bin())
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`cargo {}` in {} failed ({status})",
            args.join(" "),
            dir.display()
        ))
    }
}

/// Crates in the normal dependency tree of `benches/footprint/NAME` (this also brings its
/// `Cargo.lock` up to date, which the build-cost key reads).
fn count_footprint(benches: &Path, name: &str) -> Result<usize, String> {
    let manifest = benches.join("footprint").join(name).join("Cargo.toml");
    let tree = Command::new(cargo_bin())
        .args([
            "tree",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !tree.status.success() {
        return Err(format!("`cargo tree` failed for {}", manifest.display()));
    }
    Ok(count_crates(
        &String::from_utf8_lossy(&tree.stdout),
        &format!("footprint-{name}"),
    ))
}

/// Times a clean `cargo build --release` of `benches/footprint/NAME` in an empty directory.
fn build_footprint(
    benches: &Path,
    target: &Path,
    name: &str,
    crates: usize,
) -> Result<Footprint, String> {
    let manifest = benches.join("footprint").join(name).join("Cargo.toml");
    let build_dir: PathBuf = target.join(format!("footprint-{name}"));
    let _ = std::fs::remove_dir_all(&build_dir);
    println!("footprint: clean `cargo build --release` of benches/footprint/{name} ...");
    let started = Instant::now();
    let build = Command::new(cargo_bin())
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &build_dir)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo build: {e}"))?;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(&build_dir);
    let log = String::from_utf8_lossy(&build.stderr);
    if !build.status.success() {
        // The error lines only: the whole log would swamp the page's notes.
        let errors: Vec<&str> = log
            .lines()
            .filter(|line| line.starts_with("error") || line.contains("fatal error"))
            .take(5)
            .collect();
        return Err(format!(
            "`cargo build --release` failed: {}",
            errors.join(" / ")
        ));
    }
    let compiled = log
        .lines()
        .filter(|line| line.trim_start().starts_with("Compiling "))
        .count();
    println!("footprint: {name}: {crates} crates, built in {elapsed:.1?}");
    Ok(Footprint {
        name: name.into(),
        crates,
        compiled,
        build: elapsed,
    })
}

#[cfg(test)]
mod tests;
