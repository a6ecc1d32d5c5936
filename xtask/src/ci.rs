//! `cargo xtask ci`: the full check, in the order that fails fastest: format, packaging
//! (metadata, `rust-version`, `cargo package`), clippy, generated code, tests, docs, then
//! `cargo check` of the separate `benches/` and `fuzz/` workspaces, so a change that breaks
//! `cargo xtask bench` or a fuzz target fails CI too.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// One cargo invocation of the check.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: Option<(&'static str, &'static str)>,
}

const FORMAT: Step = Step {
    name: "format",
    args: &["fmt", "--all", "--", "--check"],
    env: None,
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
}];

const AFTER_CODEGEN: &[Step] = &[
    Step {
        name: "tests",
        args: &["test", "--workspace"],
        env: None,
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
    },
    Step {
        name: "docs",
        args: &["doc", "--workspace", "--no-deps"],
        env: Some(("RUSTDOCFLAGS", "-D warnings")),
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
        },
    ),
    (
        "fuzz",
        Step {
            name: "format fuzz/ (check)",
            args: FORMAT_CHECK,
            env: None,
        },
    ),
    (
        "benches",
        Step {
            name: "check benches/",
            args: &["check", "--all-targets", "--features", "emulator"],
            env: None,
        },
    ),
    (
        "fuzz",
        Step {
            name: "check fuzz/",
            args: &["check", "--all-targets"],
            env: None,
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
    let status = command
        .status()
        .map_err(|e| format!("could not run cargo {}: {e}", step.args.join(" ")))?;
    // Per-step times, so a CI log shows where the time budget goes.
    println!(
        "==> xtask ci: {} took {:.1} s",
        step.name,
        step_started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "step `{}` failed: cargo {}",
            step.name,
            step.args.join(" ")
        ))
    }
}
