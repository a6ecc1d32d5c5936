//! `cargo xtask bench`: runs the criterion benchmarks in `benches/` (its own workspace),
//! measures what a user compiles before the first call (clean release build and normal
//! dependency tree of `benches/footprint/{ours,official}`; `BENCH_SKIP_FOOTPRINT=1` skips the
//! builds), and writes `docs/BENCHMARKS.md`
//! with every figure, its 95% confidence interval and the ratios measured in that one run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Calls in flight per iteration of the `round_trip_concurrent*` benches.
pub const CONCURRENCY: u32 = 32;
/// Clients per iteration of the emulator throughput bench.
pub const EMULATOR_CLIENTS: u32 = 16;

const SEQUENTIAL: &str = "round_trip_sequential";
const CONCURRENT: &str = "round_trip_concurrent32";
const DECODE: &str = "decode_create_totp";
const CONSTRUCT: &str = "construct_client";
const EMULATOR: &str = "emulator_authenticate_16_clients";

/// A criterion estimate in nanoseconds: point and 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub point: f64,
    /// Lower bound of the confidence interval.
    pub lower: f64,
    /// Upper bound of the confidence interval.
    pub upper: f64,
}

impl Estimate {
    /// This estimate divided by `by` (e.g. per call of a batch).
    pub fn per(self, by: f64) -> Self {
        Self {
            point: self.point / by,
            lower: self.lower / by,
            upper: self.upper / by,
        }
    }

    /// `self / other`, with the widest interval the two intervals allow.
    pub fn ratio(self, other: Self) -> Self {
        Self {
            point: self.point / other.point,
            lower: self.lower / other.upper,
            upper: self.upper / other.lower,
        }
    }
}

/// Reads criterion's `estimates.json`: the slope (what criterion prints for linear sampling)
/// when present, else the mean.
pub fn parse_estimates(json: &str) -> Result<Estimate, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("estimates.json is not JSON: {e}"))?;
    let pick = |name: &str| value.get(name).filter(|v| !v.is_null());
    let chosen = pick("slope")
        .or_else(|| pick("mean"))
        .ok_or("estimates.json has neither slope nor mean")?;
    let number = |v: &Value| v.as_f64().ok_or("estimates.json: not a number".to_string());
    let interval = &chosen["confidence_interval"];
    Ok(Estimate {
        point: number(&chosen["point_estimate"])?,
        lower: number(&interval["lower_bound"])?,
        upper: number(&interval["upper_bound"])?,
    })
}

/// Every `<group>/<bench>/new/estimates.json` under criterion's directory, keyed
/// `group/bench`.
pub fn read_results(criterion_dir: &Path) -> Result<BTreeMap<String, Estimate>, String> {
    let mut results = BTreeMap::new();
    let groups = std::fs::read_dir(criterion_dir)
        .map_err(|e| format!("no criterion results in {}: {e}", criterion_dir.display()))?;
    for group in groups.flatten() {
        let Ok(benches) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for bench in benches.flatten() {
            let file = bench.path().join("new").join("estimates.json");
            let Ok(json) = std::fs::read_to_string(&file) else {
                continue;
            };
            let key = format!(
                "{}/{}",
                group.file_name().to_string_lossy(),
                bench.file_name().to_string_lossy()
            );
            let estimate =
                parse_estimates(&json).map_err(|e| format!("{}: {e}", file.display()))?;
            results.insert(key, estimate);
        }
    }
    Ok(results)
}

/// Per-round, per-call times of one paired comparison: contender -> nanoseconds per round.
pub type Paired = BTreeMap<String, Vec<f64>>;

/// Reads the paired rounds the bench binary wrote (`target/tmp/paired-ratios.json`):
/// comparison name -> its per-round times.
pub fn parse_paired(json: &str) -> Result<BTreeMap<String, Paired>, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("paired-ratios.json is not JSON: {e}"))?;
    let comparisons = value["comparisons"]
        .as_object()
        .ok_or("paired-ratios.json has no comparisons")?;
    let mut out = BTreeMap::new();
    for (name, comparison) in comparisons {
        let per_call = comparison["per_call_ns"]
            .as_object()
            .ok_or_else(|| format!("comparison {name} has no per_call_ns"))?;
        let mut paired = Paired::new();
        for (contender, rounds) in per_call {
            let rounds = rounds
                .as_array()
                .ok_or_else(|| format!("{name}/{contender}: not a list"))?
                .iter()
                .map(|v| {
                    v.as_f64()
                        .ok_or_else(|| format!("{name}/{contender}: not a number"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            paired.insert(contender.clone(), rounds);
        }
        out.insert(name.clone(), paired);
    }
    Ok(out)
}

/// The median of `values` with a distribution-free 95% interval: the order statistics at
/// ranks n/2 ∓ 1.96·√n/2 (binomial approximation), clamped to the sample.
pub fn median_ci(values: &[f64]) -> Option<Estimate> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mid = n / 2;
    let point = if n % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    };
    let half = 1.96 * (n as f64).sqrt() / 2.0;
    let lower = ((n as f64 / 2.0 - half).floor() as usize)
        .saturating_sub(1)
        .min(n - 1);
    let upper = ((n as f64 / 2.0 + half).ceil() as usize).clamp(1, n) - 1;
    Some(Estimate {
        point,
        lower: sorted[lower],
        upper: sorted[upper],
    })
}

/// The ratio `a / b` of two contenders of a paired comparison: the median of the per-round
/// ratios, each taken between batches run milliseconds apart.
pub fn paired_ratio(paired: &Paired, a: &str, b: &str) -> Option<Estimate> {
    let (a, b) = (paired.get(a)?, paired.get(b)?);
    let ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(_, b)| **b > 0.0)
        .map(|(a, b)| a / b)
        .collect();
    median_ci(&ratios)
}

/// What a user compiles before the first call, for one tiny program.
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    /// Which program (`ours`, `official`).
    pub name: String,
    /// Distinct crates (name + version) in `cargo tree -e normal`, the program itself excluded.
    pub crates: usize,
    /// Crates compiled by the clean build (build dependencies included).
    pub compiled: usize,
    /// Wall time of `cargo build --release` with an empty target directory.
    pub build: Duration,
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

/// The machine and toolchain the figures come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Machine {
    /// Logical CPUs.
    pub nproc: usize,
    /// `model name` from `/proc/cpuinfo`.
    pub cpu: String,
    /// `rustc -V`.
    pub rustc: String,
    /// Kernel release.
    pub kernel: String,
    /// 1-minute load average before and after the run.
    pub load: (String, String),
    /// UTC date of the run (`YYYY-MM-DD`).
    pub date: String,
}

/// Sections of `docs/BENCHMARKS.md` measured by hand, appended after the generated page.
const HAND_MEASURED: &str = "BENCHMARKS-hand-measured.md";

/// Everything `docs/BENCHMARKS.md` shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Where the figures come from.
    pub machine: Machine,
    /// Criterion estimates, `group/bench` -> nanoseconds per iteration.
    pub results: BTreeMap<String, Estimate>,
    /// Paired rounds, comparison name -> per-round times (see `benches/src/paired.rs`).
    pub paired: BTreeMap<String, Paired>,
    /// Footprint of each tiny program.
    pub footprints: Vec<Footprint>,
    /// When the build times were measured, if not in this run (reused record).
    pub build_cost_measured: Option<String>,
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
    for stale in [
        criterion_dir.clone(),
        target.join("tmp").join("paired-ratios.json"),
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
        cargo(&benches, &target, &["bench", "--features", "emulator"])?;
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
                    std::fs::write(&record_path, record.to_json())
                        .map_err(|e| format!("cannot write {}: {e}", record_path.display()))?;
                }
            }
        }
    }

    let paired_file = target.join("tmp").join("paired-ratios.json");
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

    machine.load.1 = load_average();
    let report = Report {
        machine,
        results: read_results(&criterion_dir)?,
        paired,
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
    std::fs::write(&out, render(&report) + &appendix)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "wrote {} ({} figures) in {}",
        out.display(),
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
    let status = Command::new(cargo_bin())
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
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
        return Err(format!("`cargo build --release` failed:\n{log}"));
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

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
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
struct Fnv1a(u64);

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

fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    Machine {
        nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu,
        rustc,
        kernel,
        load: (load_average(), String::new()),
        date: utc_date(SystemTime::now()),
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// `YYYY-MM-DD` in UTC (civil-from-days, no date crate).
pub fn utc_date(time: SystemTime) -> String {
    let days = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    format!("{}m{:02}s", secs / 60, secs % 60)
}

/// A time in nanoseconds with a readable unit.
fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn time_ci(e: Estimate) -> String {
    format!("{} ({} – {})", time(e.point), time(e.lower), time(e.upper))
}

fn ratio_ci(r: Estimate) -> String {
    format!("{:.3} ({:.3} – {:.3})", r.point, r.lower, r.upper)
}

/// Whether a ratio meets `ratio <= limit`, and how sure the run is of it.
fn verdict(r: Estimate, limit: f64) -> &'static str {
    if r.upper <= limit {
        "met"
    } else if r.point <= limit {
        "met (point estimate; interval crosses the limit)"
    } else if r.lower <= limit {
        "missed (point estimate; interval crosses the limit)"
    } else {
        "**missed**"
    }
}

/// The markdown page.
pub fn render(report: &Report) -> String {
    let r = &report.results;
    let get = |group: &str, bench: &str| r.get(&format!("{group}/{bench}")).copied();
    let per_call = |group: &str, bench: &str| {
        get(group, bench).map(|e| {
            if group == CONCURRENT {
                e.per(f64::from(CONCURRENCY))
            } else {
                e
            }
        })
    };
    let m = &report.machine;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "Generated by `cargo xtask bench` on {}; do not edit by hand. Every timing below comes \
         from that one run on one machine (the clean-build times may come from an earlier run, \
         see their section). The targets use the paired ratios (see [Paired \
         ratios](#paired-ratios)); the tables per bench are criterion estimates, with their 95% \
         confidence interval in parentheses.\n",
        m.date
    );
    let _ = writeln!(w, "| machine | |\n|---|---|");
    let _ = writeln!(w, "| CPU | {} |", m.cpu);
    let _ = writeln!(w, "| logical CPUs (nproc) | {} |", m.nproc);
    let _ = writeln!(w, "| rustc | {} |", m.rustc);
    let _ = writeln!(w, "| kernel | {} |", m.kernel);
    let _ = writeln!(
        w,
        "| 1-min load average, start / end | {} / {} |",
        m.load.0, m.load.1
    );
    let _ = writeln!(
        w,
        "| clock | {} |",
        if report.clock == "wall" {
            "wall time"
        } else {
            "CPU time of the bench thread (`CLOCK_THREAD_CPUTIME_ID`)"
        }
    );
    let _ = writeln!(
        w,
        "| wall time of `cargo xtask bench` | {} (compiling + running the benches: {}) |\n",
        minutes(report.total_wall),
        minutes(report.bench_wall)
    );

    // Targets first: the question the page answers. Ratios come from the paired rounds when
    // the run has them (see "Paired ratios"), else from criterion's separate figures.
    let paired = |group: &str, a: &str, b: &str| {
        report.paired.get(group).and_then(|p| paired_ratio(p, a, b))
    };
    let unpaired = |group: &str, a: &str, b: &str| match (per_call(group, a), per_call(group, b)) {
        (Some(a), Some(b)) => Some(a.ratio(b)),
        _ => None,
    };
    let best = |group: &str, a: &str, b: &str| paired(group, a, b).or(unpaired(group, a, b));
    let _ = writeln!(w, "## Targets\n");
    let _ = writeln!(
        w,
        "Ratios are medians of paired rounds with their 95% interval (see [Paired \
         ratios](#paired-ratios)).\n"
    );
    let _ = writeln!(w, "| target | measured | verdict |\n|---|---|---|");
    let target = |w: &mut String, what: &str, ratio: Option<Estimate>, limit: f64| match ratio {
        Some(ratio) => {
            let _ = writeln!(
                w,
                "| {what} | {} | {} |",
                ratio_ci(ratio),
                verdict(ratio, limit)
            );
        }
        None => {
            let _ = writeln!(w, "| {what} | not measured | – |");
        }
    };
    for (group, label) in [(SEQUENTIAL, "sequential"), (CONCURRENT, "32 concurrent")] {
        target(
            w,
            &format!("round trip, {label}: ours / bare reqwest ≤ 1.05"),
            best(group, "ours", "bare_reqwest"),
            1.05,
        );
        target(
            w,
            &format!("round trip, {label}: ours / official ≤ 1.00"),
            best(group, "ours", "official"),
            1.0,
        );
    }
    target(
        w,
        "decode `CreateTotpResponse`: ours / official ≤ 1.00",
        best(DECODE, "ours", "official"),
        1.0,
    );
    let footprint = |name: &str| report.footprints.iter().find(|f| f.name == name);
    match (footprint("ours"), footprint("official")) {
        (Some(ours), Some(official)) => {
            let met = if ours.crates < official.crates {
                "met"
            } else {
                "**missed**"
            };
            let _ = writeln!(
                w,
                "| dependency crates: ours < official | {} vs {} | {met} |",
                ours.crates, official.crates
            );
        }
        _ => {
            let _ = writeln!(
                w,
                "| dependency crates: ours < official | not measured | – |"
            );
        }
    }
    let _ = writeln!(w);

    // Round trips.
    let _ = writeln!(w, "## `totps.authenticate` round trip\n");
    let _ = writeln!(
        w,
        "Against a minimal in-process hyper server answering every request with the same \
         canned body (`AuthenticateTotpResponse` example of `specs/totps.json`: full user and \
         session, ~1.8 KB); server and client on one current-thread tokio runtime. Time per \
         call: the canned server's share is included and is the same for every contender. \
         *bare reqwest*: `POST` + Basic auth + JSON body, then `serde_json` into our \
         `AuthenticateTotpResponse`. *ours*: `client.totps().authenticate(..)\
         .session_duration_minutes(60)` through the full middleware stack (tracing, retry, \
         request id, body limit; no tracing subscriber installed). *official*: `stytch` \
         11.1.0, `client.totps.authenticate(..)`.\n"
    );
    let _ = writeln!(
        w,
        "| mode | bare reqwest | ours | official | ours / bare | ours / official | official / bare |\n|---|---|---|---|---|---|---|"
    );
    for (group, label) in [
        (SEQUENTIAL, "sequential".to_string()),
        (
            CONCURRENT,
            format!("{CONCURRENCY} concurrent tasks (per call)"),
        ),
    ] {
        let cell = |bench: &str| per_call(group, bench).map_or("–".into(), time_ci);
        let ratio = |a: &str, b: &str| match (per_call(group, a), per_call(group, b)) {
            (Some(a), Some(b)) => ratio_ci(a.ratio(b)),
            _ => "–".into(),
        };
        let _ = writeln!(
            w,
            "| {label} | {} | {} | {} | {} | {} | {} |",
            cell("bare_reqwest"),
            cell("ours"),
            cell("official"),
            ratio("ours", "bare_reqwest"),
            ratio("ours", "official"),
            ratio("official", "bare_reqwest"),
        );
    }
    for (group, label) in [(SEQUENTIAL, "sequential"), (CONCURRENT, "32 concurrent")] {
        if let Some(e) = per_call(group, "ours") {
            let _ = write!(
                w,
                "{}Ours, {label}: {:.0} calls/s on one thread.",
                if group == SEQUENTIAL { "\n" } else { " " },
                1e9 / e.point
            );
        }
    }
    let _ = writeln!(w, "\n");

    // Decode.
    let _ = writeln!(w, "## Decoding `CreateTotpResponse`\n");
    let _ = writeln!(
        w,
        "`serde_json::from_slice` of a `totps.create` answer with a full user and a QR code of \
         real size (~3.3 KB), value dropped inside the timed loop (ours zeroizes its secrets on \
         drop).\n"
    );
    let _ = writeln!(w, "| model | time | / official |\n|---|---|---|");
    for (bench, label) in [
        ("ours", "ours (`stytch_totp_models::CreateTotpResponse`)"),
        (
            "official",
            "official (`stytch::consumer::totps::CreateResponse`)",
        ),
        ("serde_json_value", "`serde_json::Value`"),
    ] {
        let ratio = match (get(DECODE, bench), get(DECODE, "official")) {
            (Some(a), Some(b)) => ratio_ci(a.ratio(b)),
            _ => "–".into(),
        };
        let _ = writeln!(
            w,
            "| {label} | {} | {ratio} |",
            get(DECODE, bench).map_or("–".into(), time_ci)
        );
    }
    let _ = writeln!(w);

    // Construction.
    let _ = writeln!(w, "## Building a client\n");
    let _ = writeln!(
        w,
        "Ours: `Client::builder().project_id(..).secret(..).build()`. Official: \
         `stytch::consumer::client::Client::new(..)` (it builds two reqwest clients, one for \
         its fraud API). Bare: `reqwest::Client::new()`. Building a reqwest client with rustls \
         loads the system's root certificates, which dominates all three.\n"
    );
    let _ = writeln!(w, "| client | time | / bare reqwest |\n|---|---|---|");
    for (bench, label) in [
        ("bare_reqwest", "bare reqwest"),
        ("ours", "ours"),
        ("official", "official"),
    ] {
        let ratio = match (get(CONSTRUCT, bench), get(CONSTRUCT, "bare_reqwest")) {
            (Some(a), Some(b)) => ratio_ci(a.ratio(b)),
            _ => "–".into(),
        };
        let _ = writeln!(
            w,
            "| {label} | {} | {ratio} |",
            get(CONSTRUCT, bench).map_or("–".into(), time_ci)
        );
    }
    let _ = writeln!(w);

    // Emulator.
    let _ = writeln!(w, "## Emulator throughput\n");
    match get(EMULATOR, "ours") {
        Some(e) => {
            let per_call = e.per(f64::from(EMULATOR_CLIENTS));
            let _ = writeln!(
                w,
                "{EMULATOR_CLIENTS} concurrent clients (each its own `Client` and user) call \
                 `totps.authenticate` with a session against the in-process \
                 `stytch_totp_emulator` (real TOTP check, session and JWT), emulator and \
                 clients on one current-thread runtime; the emulator clock moves one 30 s step \
                 per round so every code is fresh.\n"
            );
            let _ = writeln!(
                w,
                "| per round of {EMULATOR_CLIENTS} calls | per call | calls/s |\n|---|---|---|"
            );
            let _ = writeln!(
                w,
                "| {} | {} | {:.0} ({:.0} – {:.0}) |\n",
                time_ci(e),
                time_ci(per_call),
                1e9 / per_call.point,
                1e9 / per_call.upper,
                1e9 / per_call.lower
            );
        }
        None => {
            let _ = writeln!(w, "Not measured in this run (see notes).\n");
        }
    }

    // Footprint.
    let _ = writeln!(w, "## Before the first call: build cost\n");
    let _ = writeln!(
        w,
        "Tiny programs making one `totps.authenticate` call (`benches/footprint/ours`, \
         `benches/footprint/official`, each with tokio `macros` + `rt-multi-thread`). Crates: \
         distinct name + version in `cargo tree -e normal`, the program itself excluded. Build: \
         `cargo build --release` into an empty target directory (registry sources already \
         downloaded), one program after the other.\n"
    );
    match &report.build_cost_measured {
        Some(date) => {
            let _ = writeln!(
                w,
                "Crates were counted in this run. The two clean builds take about six of this \
                 machine's minutes, so their times were measured on {date} and reused from \
                 `{BUILD_COST_RECORD}`: its key covers the toolchain, the CPU, both programs \
                 and lock files, the workspace manifest and our client's and models' sources, \
                 and `cargo xtask bench` measures again whenever any of them changes \
                 (`cargo xtask bench --build-cost` forces it).\n"
            );
        }
        None if !report.footprints.is_empty() => {
            let _ = writeln!(
                w,
                "Crates counted and builds timed in this run (record: `{BUILD_COST_RECORD}`).\n"
            );
        }
        None => {}
    }
    let _ = writeln!(
        w,
        "| program | crates (normal deps) | crates compiled | clean release build |\n|---|---|---|---|"
    );
    for f in &report.footprints {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {:.1} s |",
            f.name,
            f.crates,
            f.compiled,
            f.build.as_secs_f64()
        );
    }
    if let (Some(ours), Some(official)) = (footprint("ours"), footprint("official")) {
        let _ = writeln!(
            w,
            "\nOurs / official: {} / {} crates, build time ratio {:.2}.",
            ours.crates,
            official.crates,
            ours.build.as_secs_f64() / official.build.as_secs_f64()
        );
    }
    let _ = writeln!(w);

    if !report.notes.is_empty() {
        let _ = writeln!(w, "## Notes\n");
        for note in &report.notes {
            let _ = writeln!(w, "- {note}");
        }
        let _ = writeln!(w);
    }

    // Paired ratios.
    let _ = writeln!(w, "## Paired ratios\n");
    let _ = writeln!(
        w,
        "This machine's speed drifts by tens of percent within minutes, so criterion's figures \
         above, taken one contender after another over a few seconds each, can compare \
         contenders in different conditions. The bench binary therefore also runs paired \
         rounds (`benches/src/paired.rs`): each round runs every contender for one batch of \
         ~10 ms, in an order that rotates from round to round, and the ratio is taken within \
         the round. Shown: the median per-call time, and the median of the per-round ratios \
         with a distribution-free 95% interval.\n"
    );
    if report.paired.is_empty() {
        let _ = writeln!(w, "Not measured in this run.\n");
    }
    for (group, contenders) in &report.paired {
        let names: Vec<&String> = contenders.keys().collect();
        let rounds = contenders.values().map(Vec::len).min().unwrap_or(0);
        let _ = writeln!(w, "**{group}** ({rounds} rounds)\n");
        let _ = writeln!(w, "| contender | median per call | / {} |", names[0]);
        let _ = writeln!(w, "|---|---|---|");
        for name in &names {
            let median = median_ci(&contenders[*name]).map_or("–".into(), time_ci);
            let ratio = paired_ratio(contenders, name, names[0]).map_or("–".into(), ratio_ci);
            let _ = writeln!(w, "| {name} | {median} | {ratio} |");
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## Method\n");
    let _ = writeln!(
        w,
        "- `cargo xtask bench` runs `cargo bench` in `benches/` (its own workspace and \
         `Cargo.lock`; one bench binary), reads the paired rounds from \
         `benches/target/tmp/paired-ratios.json` and criterion's \
         `benches/target/criterion/*/*/new/estimates.json` (slope for linear sampling, else \
         mean), counts the footprint crates and times their clean builds when \
         `{BUILD_COST_RECORD}` is out of date. Criterion settings are in the bench sources (1 s \
         warm-up, 3–4 s measurement).\n\
         - Paired rounds: 100 (sequential), 60 (32 concurrent) and 150 (decode) rounds; a \
         median's interval is the pair of order statistics at ranks n/2 ∓ 1.96·√n/2.\n\
         - The benches time the CPU of the one thread running server and client \
         (`BENCH_CLOCK=wall` for wall time). That excludes time spent waiting for other \
         processes, but their cache and memory traffic still moves the figures: on a busy \
         machine (see the load average above) trust only ratios whose interval stays clear of \
         the limit, and cross-check with instruction counts (below).\n\
         - A criterion ratio's interval divides the low end of one interval by the high end of \
         the other (and the reverse), so it is conservative.\n\
         - Instruction counts for a closer look: `cargo build --release --example profile` in \
         `benches/`, then `valgrind --tool=callgrind target/release/examples/profile ours 1000`."
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATES: &str = r#"{
        "mean": {"confidence_interval": {"confidence_level": 0.95, "lower_bound": 90.0, "upper_bound": 110.0}, "point_estimate": 100.0, "standard_error": 1.0},
        "median": {"confidence_interval": {"confidence_level": 0.95, "lower_bound": 1.0, "upper_bound": 2.0}, "point_estimate": 1.5, "standard_error": 1.0},
        "slope": null
    }"#;

    #[test]
    fn estimates_use_the_slope_when_present_else_the_mean() {
        let mean = parse_estimates(ESTIMATES).unwrap();
        assert_eq!(
            mean,
            Estimate {
                point: 100.0,
                lower: 90.0,
                upper: 110.0
            }
        );
        let with_slope = ESTIMATES.replace(
            r#""slope": null"#,
            r#""slope": {"confidence_interval": {"lower_bound": 40.0, "upper_bound": 60.0}, "point_estimate": 50.0}"#,
        );
        assert_eq!(parse_estimates(&with_slope).unwrap().point, 50.0);
        assert!(parse_estimates("{}").is_err());
    }

    #[test]
    fn ratios_take_the_widest_interval() {
        let a = Estimate {
            point: 110.0,
            lower: 100.0,
            upper: 120.0,
        };
        let b = Estimate {
            point: 100.0,
            lower: 95.0,
            upper: 105.0,
        };
        let r = a.ratio(b);
        assert!((r.point - 1.1).abs() < 1e-9);
        assert!((r.lower - 100.0 / 105.0).abs() < 1e-9);
        assert!((r.upper - 120.0 / 95.0).abs() < 1e-9);
        assert_eq!(
            verdict(r, 1.05),
            "missed (point estimate; interval crosses the limit)"
        );
        assert_eq!(
            verdict(b.ratio(a), 1.0),
            "met (point estimate; interval crosses the limit)"
        );
    }

    #[test]
    fn crates_are_counted_once_per_name_and_version() {
        let tree = "footprint-ours v0.0.0 (/x/benches/footprint/ours)\n\
                    stytch-totp v0.1.0 (/x/crates/stytch-totp)\n\
                    serde v1.0.228\n\
                    serde v1.0.228 (*)\n\
                    serde_derive v1.0.228 (proc-macro)\n\
                    rand v0.8.5\n\
                    rand v0.9.0\n\n";
        assert_eq!(count_crates(tree, "footprint-ours"), 5);
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01");
        assert_eq!(
            utc_date(UNIX_EPOCH + Duration::from_secs(1_709_337_600)),
            "2024-03-02"
        );
    }

    #[test]
    fn the_page_shows_figures_intervals_ratios_and_verdicts() {
        let e = |point: f64| Estimate {
            point,
            lower: point * 0.98,
            upper: point * 1.02,
        };
        let mut results = BTreeMap::new();
        for (group, scale) in [(SEQUENTIAL, 1.0), (CONCURRENT, 32.0)] {
            results.insert(format!("{group}/bare_reqwest"), e(50_000.0 * scale));
            results.insert(format!("{group}/ours"), e(52_000.0 * scale));
            results.insert(format!("{group}/official"), e(60_000.0 * scale));
        }
        results.insert(format!("{DECODE}/ours"), e(4_000.0));
        results.insert(format!("{DECODE}/official"), e(4_500.0));
        results.insert(format!("{DECODE}/serde_json_value"), e(7_000.0));
        results.insert(format!("{CONSTRUCT}/ours"), e(4_000_000.0));
        let report = Report {
            machine: Machine {
                nproc: 2,
                cpu: "Test CPU @ 2.0GHz".into(),
                rustc: "rustc 1.95.0".into(),
                ..Machine::default()
            },
            results,
            footprints: vec![
                Footprint {
                    name: "ours".into(),
                    crates: 90,
                    compiled: 120,
                    build: Duration::from_secs(60),
                },
                Footprint {
                    name: "official".into(),
                    crates: 100,
                    compiled: 130,
                    build: Duration::from_secs(80),
                },
            ],
            notes: vec!["a note".into()],
            ..Report::default()
        };
        let page = render(&report);
        assert!(page.contains("Test CPU @ 2.0GHz"), "{page}");
        assert!(page.contains("| logical CPUs (nproc) | 2 |"), "{page}");
        assert!(
            page.contains("| sequential | 50.00 µs (49.00 µs – 51.00 µs) | 52.00 µs"),
            "{page}"
        );
        // The concurrent batch is shown per call.
        assert!(
            page.contains("32 concurrent tasks (per call) | 50.00 µs"),
            "{page}"
        );
        assert!(
            page.contains("| round trip, sequential: ours / bare reqwest ≤ 1.05 | 1.040 (0.999 – 1.082) | met (point estimate; interval crosses the limit) |"),
            "{page}"
        );
        assert!(page.contains("ours / official ≤ 1.00 | 0.867"), "{page}");
        assert!(
            page.contains("| dependency crates: ours < official | 90 vs 100 | met |"),
            "{page}"
        );
        assert!(page.contains("| ours | 90 | 120 | 60.0 s |"), "{page}");
        assert!(page.contains("Not measured in this run"), "{page}");
        assert!(page.contains("- a note"), "{page}");
        assert!(page.contains("| official | – | – |"), "{page}");
    }

    #[test]
    fn medians_come_with_an_order_statistic_interval() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let m = median_ci(&values).unwrap();
        assert_eq!((m.point, m.lower, m.upper), (50.5, 40.0, 60.0));
        let m = median_ci(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(m.point, 2.0);
        assert!(m.lower <= m.point && m.point <= m.upper);
        assert_eq!(median_ci(&[]), None);
    }

    #[test]
    fn paired_ratios_divide_round_by_round() {
        // The machine got twice as slow halfway: each round's ratio is still exactly 2.
        let mut paired = Paired::new();
        paired.insert("ours".into(), vec![2.0, 2.0, 4.0, 4.0]);
        paired.insert("base".into(), vec![1.0, 1.0, 2.0, 2.0]);
        let r = paired_ratio(&paired, "ours", "base").unwrap();
        assert_eq!((r.point, r.lower, r.upper), (2.0, 2.0, 2.0));
        assert_eq!(paired_ratio(&paired, "ours", "missing"), None);
        let json = r#"{"comparisons":{"decode":{"calls_per_unit":1,"per_call_ns":{"a":[1.0,2.0],"b":[2.0,4.0]}}}}"#;
        let parsed = parse_paired(json).unwrap();
        assert_eq!(parsed["decode"]["b"], vec![2.0, 4.0]);
        assert!(parse_paired("{}").is_err());
    }

    #[test]
    fn targets_use_the_paired_ratios_when_present() {
        let mut paired = Paired::new();
        paired.insert("bare_reqwest".into(), vec![100.0; 9]);
        paired.insert("ours".into(), vec![102.0; 9]);
        paired.insert("official".into(), vec![110.0; 9]);
        let mut report = Report::default();
        report.paired.insert(SEQUENTIAL.into(), paired);
        let page = render(&report);
        assert!(
            page.contains("| round trip, sequential: ours / bare reqwest ≤ 1.05 | 1.020 (1.020 – 1.020) | met |"),
            "{page}"
        );
        assert!(
            page.contains("**round_trip_sequential** (9 rounds)"),
            "{page}"
        );
        assert!(
            page.contains("| ours | 102 ns (102 ns – 102 ns) | 1.020"),
            "{page}"
        );
    }

    #[test]
    fn the_build_cost_record_round_trips_and_its_key_follows_the_sources() {
        let record = BuildCostRecord {
            key: "00ff".into(),
            date: "2026-11-27".into(),
            programs: vec![Footprint {
                name: "ours".into(),
                crates: 110,
                compiled: 119,
                build: Duration::from_millis(150_800),
            }],
        };
        assert_eq!(BuildCostRecord::parse(&record.to_json()).unwrap(), record);

        let root = std::env::temp_dir().join(format!("xtask-key-{}", std::process::id()));
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("Cargo.toml", "[workspace]");
        for name in ["ours", "official"] {
            for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
                write(&format!("benches/footprint/{name}/{file}"), name);
            }
        }
        for krate in ["stytch-totp", "stytch-totp-models"] {
            write(&format!("crates/{krate}/Cargo.toml"), krate);
            write(&format!("crates/{krate}/src/lib.rs"), "//! lib");
        }
        let machine = Machine::default();
        let before = build_cost_key(&root, &machine).unwrap();
        assert_eq!(build_cost_key(&root, &machine).unwrap(), before);
        write("crates/stytch-totp/src/lib.rs", "//! changed");
        let after = build_cost_key(&root, &machine).unwrap();
        let _ = std::fs::remove_dir_all(&root);
        assert_ne!(before, after);
    }
}
