//! Project automation, run as `cargo xtask <command>`.
//!
//! * `codegen [--check]`: regenerate `crates/stytch-totp-models/src/generated.rs` from `specs/`,
//!   or (with `--check`) fail when the committed file is stale.
//! * `upstream-diff [PATH]`: list differences between `specs/` and Stytch's OpenAPI at `PATH`
//!   (default: the trimmed copy vendored in `vendor/stytch-openapi/`).
//! * `vendor-openapi [--check] [PATH]`: re-make that trimmed copy from a full copy of Stytch's
//!   OpenAPI (default `../shared/stytch-openapi/openapi.yml`), or check it is current.
//! * `bench`: run the benchmarks (separate `benches/` workspace) into `docs/BENCHMARKS.md`.
//! * `reliability`: re-measure the fault matrix into `docs/RELIABILITY.md`.
//! * `public-api [--check]`: list each library crate's public API into `docs/public-api/`, or
//!   (with `--check`) fail showing the diff when it changed.
//! * `package`: the packaging checks of `ci` alone (metadata, `rust-version`, `cargo package`).
//! * `ci`: the full check (fmt, packaging, clippy, codegen --check, tests, docs), exactly what
//!   `.ci/run` runs.
//!
//! Plain `std::env::args` parsing on purpose: the commands are few and fixed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::files::Mode;
use xtask::{bench, ci, codegen, package, public_api, reliability, upstream, vendor};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => codegen::write(&root),
        ["codegen", "--check"] => codegen::check(&root),
        ["upstream-diff"] => upstream::report(&root, &root.join(vendor::VENDORED)),
        ["upstream-diff", path] => upstream::report(&root, Path::new(path)),
        ["vendor-openapi"] => vendor::run(&root, &root.join(vendor::DEFAULT_FULL), false),
        ["vendor-openapi", "--check"] => vendor::run(&root, &root.join(vendor::DEFAULT_FULL), true),
        ["vendor-openapi", "--check", path] => vendor::run(&root, Path::new(path), true),
        ["vendor-openapi", path] => vendor::run(&root, Path::new(path), false),
        ["ci"] => ci::run(&root),
        ["package"] => package::check(&root),
        ["public-api"] => public_api::run(&root, Mode::Write),
        ["public-api", "--check"] => public_api::run(&root, Mode::Check),
        ["reliability"] => reliability::run(&root),
        ["bench"] => bench::run(&root, false),
        ["bench", "--build-cost"] => bench::run(&root, true),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str =
    "usage: cargo xtask <codegen [--check] | upstream-diff [PATH_TO_OPENAPI] | vendor-openapi [--check] [PATH] | reliability | bench [--build-cost] | public-api [--check] | package | ci>";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
