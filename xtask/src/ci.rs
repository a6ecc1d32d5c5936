//! `cargo xtask ci`: the full check, in the order that fails fastest.

use std::path::Path;
use std::process::Command;

/// One cargo invocation of the check.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: Option<(&'static str, &'static str)>,
}

const BEFORE_CODEGEN: &[Step] = &[
    Step {
        name: "format",
        args: &["fmt", "--all", "--", "--check"],
        env: None,
    },
    Step {
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
    },
];

const AFTER_CODEGEN: &[Step] = &[
    Step {
        name: "tests",
        args: &["test", "--workspace"],
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

/// Runs every step; stops at the first failure and names it.
pub fn run(root: &Path) -> Result<(), String> {
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
    println!("==> xtask ci: all checks passed");
    Ok(())
}

fn cargo(root: &Path, step: &Step) -> Result<(), String> {
    println!("==> xtask ci: {}", step.name);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(step.args).current_dir(root);
    if let Some((key, value)) = step.env {
        command.env(key, value);
    }
    let status = command
        .status()
        .map_err(|e| format!("could not run cargo {}: {e}", step.args.join(" ")))?;
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
