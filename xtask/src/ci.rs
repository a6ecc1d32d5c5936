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

const FORMAT: Step = Step {
    name: "format",
    args: &["fmt", "--all", "--", "--check"],
    env: None,
    fail_on: &[],
};

const BEFORE_CODEGEN: &[Step] = &[Step {
    name: "lint",
    args: &[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    env: None,
    fail_on: &[],
}];

const AFTER_CODEGEN: &[Step] = &[
    Step {
        name: "tests",
        args: &["test", "--workspace"],
        // As on CI, wherever this runs: the browser test fails (saying what to install)
        // instead of skipping without Chromium, and insta fails on a changed snapshot
        // instead of writing a `.snap.new`.
        env: Some(("CI", "true")),
        fail_on: &[],
    },
    Step {
        name: "lint the models with the schemars feature",
        args: &[
            "clippy",
            "-p",
            "stytch-totp-models",
            "--all-targets",
            "--features",
            "schemars",
            "--",
            "-D",
            "warnings",
        ],
        env: None,
        fail_on: &[],
    },
    Step {
        name: "schemas derived from the models match specs/ (feature schemars)",
        args: &[
            "test",
            "-p",
            "stytch-totp-models",
            "--features",
            "schemars",
            "--test",
            "schemas",
        ],
        env: None,
        fail_on: &[],
    },
    Step {
        name: "docs",
        args: &["doc", "--workspace", "--no-deps"],
        env: Some(("RUSTDOCFLAGS", "-D warnings")),
        // Two crates writing one page (a binary named like a library) is a cargo warning.
        fail_on: &["output filename collision"],
    },
];

/// `cargo fmt --all` covers only the root workspace: the separate ones are checked apart.
const FORMAT_CHECK: &[&str] = &["fmt", "--all", "--", "--check"];

/// The separate workspaces (excluded from the root one), formatted and checked with every target: the
/// benches with the feature their emulator bench and interop example need; the fuzz targets
/// on stable, which builds them without `cargo fuzz` (only running them needs nightly flags).
const SEPARATE_WORKSPACES: &[(&str, Step)] = &[
    (
        "benches",
        Step {
            name: "format benches/ (check)",
            args: FORMAT_CHECK,
            env: None,
            fail_on: &[],
        },
    ),
    (
        "fuzz",
        Step {
            name: "format fuzz/ (check)",
            args: FORMAT_CHECK,
            env: None,
            fail_on: &[],
        },
    ),
    (
        "benches",
        Step {
            name: "test benches/ (the measuring code's unit tests)",
            args: &["test", "--lib", "--features", "emulator"],
            env: None,
            fail_on: &[],
        },
    ),
    (
        "benches",
        Step {
            name: "the official stytch crate runs its flows against the emulator",
            args: &[
                "run",
                "--quiet",
                "--features",
                "emulator",
                "--example",
                "official_interop",
            ],
            env: None,
            fail_on: &[],
        },
    ),
    (
        "benches",
        Step {
            name: "check benches/ (the bench binary)",
            args: &["check", "--benches", "--features", "emulator"],
            env: None,
            fail_on: &[],
        },
    ),
    (
        "fuzz",
        Step {
            name: "check fuzz/",
            args: &["check", "--all-targets"],
            env: None,
            fail_on: &[],
        },
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
