//! `cargo xtask ci`: the full check, in the order that fails fastest: format, packaging
//! (metadata, `rust-version`, `cargo package`), clippy, generated code, tests (with
//! `CI=true`, so the browser test runs or fails, never skips), docs, the public API listings,
//! then the separate `benches/` workspace (its unit tests, the official `stytch` crate's
//! interop run against the emulator, `cargo check` of the bench binary) and `fuzz/`
//! (`cargo check`), so a change that breaks `cargo xtask bench`, the official crate's flows or
//! a fuzz target fails CI too.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

/// One cargo invocation of the check.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: Option<(&'static str, &'static str)>,
    /// Warnings cargo itself prints (not rustc's, which `-D warnings` covers) that fail the
    /// step even when cargo exits 0.
    fail_on: &'static [&'static str],
}

impl Step {
    /// `cargo <args>`, named `name` in the log.
    const fn new(name: &'static str, args: &'static [&'static str]) -> Self {
        Step {
            name,
            args,
            env: None,
            fail_on: &[],
        }
    }

    /// With one environment variable set for the cargo run.
    const fn with_env(self, key: &'static str, value: &'static str) -> Self {
        Step {
            env: Some((key, value)),
            ..self
        }
    }

    /// Failing when cargo prints any of `warnings`.
    const fn failing_on(self, warnings: &'static [&'static str]) -> Self {
        Step {
            fail_on: warnings,
            ..self
        }
    }
}

const FORMAT: Step = Step::new("format", &["fmt", "--all", "--", "--check"]);

/// Clippy over every crate and target of the root workspace, warnings denied: the lint step
/// here and `cargo xtask update-check`'s.
pub const LINT_WORKSPACE: &[&str] = &[
    "clippy",
    "--workspace",
    "--all-targets",
    "--",
    "-D",
    "warnings",
];

const BEFORE_CODEGEN: &[Step] = &[Step::new("lint", LINT_WORKSPACE)];

const AFTER_CODEGEN: &[Step] = &[
    Step::new("tests", &["test", "--workspace"])
        // As on CI, wherever this runs: the browser test fails (saying what to install) instead of
        // skipping without Chromium, and insta fails on a changed snapshot instead of writing a
        // `.snap.new`.
        .with_env("CI", "true"),
    Step::new(
        "lint the models with every feature (schemars, secrecy)",
        &[
            "clippy",
            "-p",
            "stytch-totp-models",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    ),
    Step::new(
        "models with every feature: derived schemas match specs/, secrecy conversions",
        &[
            "test",
            "-p",
            "stytch-totp-models",
            "--all-features",
            "--test",
            "schemas",
            "--test",
            "models",
        ],
    ),
    // Every configuration the crates ship, beyond the default one the steps above build: the
    // client with each TLS backend and with none, the TLS round trip once per backend (the
    // test checks which backend served it), the example's OpenTelemetry export.
    Step::new(
        "lint the client with no TLS backend",
        &[
            "clippy",
            "-p",
            "stytch-totp",
            "--all-targets",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ],
    ),
    Step::new(
        "lint the client with native-tls",
        &[
            "clippy",
            "-p",
            "stytch-totp",
            "--all-targets",
            "--no-default-features",
            "--features",
            "native-tls",
            "--",
            "-D",
            "warnings",
        ],
    ),
    Step::new(
        "TLS end to end with native-tls",
        &[
            "test",
            "-p",
            "stytch-totp-e2e",
            "--test",
            "tls",
            "--features",
            "native-tls",
        ],
    ),
    Step::new(
        "lint mfa-service with opentelemetry-otlp",
        &[
            "clippy",
            "-p",
            "mfa-service",
            "--all-targets",
            "--features",
            "opentelemetry-otlp",
            "--",
            "-D",
            "warnings",
        ],
    ),
    Step::new("docs", &["doc", "--workspace", "--no-deps"])
        .with_env("RUSTDOCFLAGS", "-D warnings")
        // Two crates writing one page (a binary named like a library) is a cargo warning.
        .failing_on(&["output filename collision"]),
];

/// `cargo fmt --all` covers only the root workspace: the separate ones are checked apart.
const FORMAT_CHECK: &[&str] = &["fmt", "--all", "--", "--check"];

/// The separate workspaces (excluded from the root one), formatted and checked with every target: the
/// benches with the feature their emulator bench and interop example need; the fuzz targets
/// on stable, which builds them without `cargo fuzz` (only running them needs nightly flags).
const SEPARATE_WORKSPACES: &[(&str, Step)] = &[
    (
        "benches",
        Step::new("format benches/ (check)", FORMAT_CHECK),
    ),
    ("fuzz", Step::new("format fuzz/ (check)", FORMAT_CHECK)),
    (
        "benches",
        Step::new(
            "test benches/ (the measuring code's unit tests)",
            &["test", "--lib", "--features", "emulator"],
        ),
    ),
    (
        "benches",
        Step::new(
            "the official stytch crate runs its flows against the emulator",
            &[
                "run",
                "--quiet",
                "--features",
                "emulator",
                "--example",
                "official_interop",
            ],
        ),
    ),
    (
        "benches",
        Step::new(
            "check benches/ (the bench binary)",
            &["check", "--benches", "--features", "emulator"],
        ),
    ),
    (
        "fuzz",
        Step::new("check fuzz/", &["check", "--all-targets"]),
    ),
];

/// Runs every step; stops at the first failure and names it.
pub fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    cargo(root, &FORMAT)?;
    println!("==> xtask ci: package");
    let package = Instant::now();
    crate::package::check(root)?;
    println!(
        "==> xtask ci: package took {:.1} s",
        package.elapsed().as_secs_f64()
    );
    BEFORE_CODEGEN
        .iter()
        .try_for_each(|step| cargo(root, step))?;
    println!("==> xtask ci: generated code is current");
    crate::codegen::check(root)?;
    println!("==> xtask ci: upstream-diff against the vendored OpenAPI");
    crate::upstream::report(root, &root.join(crate::vendor::VENDORED))?;
    AFTER_CODEGEN
        .iter()
        .try_for_each(|step| cargo(root, step))?;
    println!("==> xtask ci: public API unchanged (docs/public-api/)");
    let public_api = Instant::now();
    crate::public_api::run(root, crate::files::Mode::Check)?;
    println!(
        "==> xtask ci: public API took {:.1} s",
        public_api.elapsed().as_secs_f64()
    );
    SEPARATE_WORKSPACES
        .iter()
        .try_for_each(|(dir, step)| cargo_in(root, Some(dir), step))?;
    println!(
        "==> xtask ci: all checks passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn cargo(root: &Path, step: &Step) -> Result<(), String> {
    cargo_in(root, None, step)
}

/// Runs `step` in the root workspace, or in the separate workspace `root/<separate>`.
fn cargo_in(root: &Path, separate: Option<&str>, step: &Step) -> Result<(), String> {
    println!("==> xtask ci: {}", step.name);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(step.args).current_dir(root);
    if let Some(dir) = separate {
        command.current_dir(root.join(dir));
        // One CARGO_TARGET_DIR shared with the root workspace (another Cargo.lock) would
        // rebuild dependencies back and forth: a separate workspace gets `<that dir>-<dir>`.
        if let Some(mut target) = std::env::var_os("CARGO_TARGET_DIR") {
            target.push(format!("-{dir}"));
            command.env("CARGO_TARGET_DIR", target);
        }
    }
    if let Some((key, value)) = step.env {
        command.env(key, value);
    }
    let step_started = Instant::now();
    let (status, refused) = run_watching_stderr(&mut command, step.fail_on)
        .map_err(|e| format!("could not run cargo {}: {e}", step.args.join(" ")))?;
    // Per-step times, so a CI log shows where the time budget goes.
    println!(
        "==> xtask ci: {} took {:.1} s",
        step.name,
        step_started.elapsed().as_secs_f64()
    );
    if let Some(warning) = refused {
        Err(format!(
            "step `{}` printed a warning CI refuses: {warning}",
            step.name
        ))
    } else if status.success() {
        Ok(())
    } else {
        Err(format!(
            "step `{}` failed: cargo {}",
            step.name,
            step.args.join(" ")
        ))
    }
}

/// Runs `command`, passing its stderr through, and returns the first of `fail_on` seen in it.
fn run_watching_stderr(
    command: &mut Command,
    fail_on: &[&'static str],
) -> std::io::Result<(ExitStatus, Option<&'static str>)> {
    if fail_on.is_empty() {
        return Ok((command.status()?, None));
    }
    let mut child = command.stderr(Stdio::piped()).spawn()?;
    let mut seen = None;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line?;
            eprintln!("{line}");
            seen = seen.or_else(|| fail_on.iter().copied().find(|w| line.contains(w)));
        }
    }
    Ok((child.wait()?, seen))
}
