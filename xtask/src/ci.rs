//! `cargo xtask ci`: the full check, in the order that fails fastest.

use std::path::Path;
use std::process::Command;

/// Runs every step; stops at the first failure and names it.
pub fn run(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let steps: &[(&str, &[&str], &[(&str, &str)])] = &[
        ("format", &["fmt", "--all", "--", "--check"], &[]),
        (
            "lint",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        ("tests", &["test", "--workspace"], &[]),
        (
            "docs",
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
    ];
    for (index, (name, args, envs)) in steps.iter().enumerate() {
        if index == 2 {
            step("generated code is current");
            crate::codegen::check(root)?;
        }
        step(name);
        let status = Command::new(&cargo)
            .args(*args)
            .envs(envs.iter().copied())
            .current_dir(root)
            .status()
            .map_err(|e| format!("could not run cargo {}: {e}", args.join(" ")))?;
        if !status.success() {
            return Err(format!("step `{name}` failed: cargo {}", args.join(" ")));
        }
    }
    step("all checks passed");
    Ok(())
}

fn step(name: &str) {
    println!("==> xtask ci: {name}");
}
