//! `stytch-totp`: run the whole TOTP lifecycle offline (`demo`), serve the emulator, call the
//! API, and compute codes.
//!
//! ```sh
//! cargo run -p stytch-totp-cli -- demo            # embedded emulator, no credentials needed
//! cargo run -p stytch-totp-cli -- serve --addr 127.0.0.1:8787
//! cargo run -p stytch-totp-cli -- code --secret BTGNX5RKJRMQWQFRQKTG34JCF6XDRHZS
//! ```

mod api;
mod args;
mod code;
mod demo;
mod output;
mod password;
mod qr;
mod serve;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.verbose {
        tracing_subscriber::fmt()
            .with_env_filter("info,stytch_totp=debug")
            .with_writer(std::io::stderr)
            .with_ansi(output::colour_on_stderr())
            .init();
    }
    let result = match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Passwords(args) => api::passwords(args).await,
        Command::Totps(args) => api::totps(args).await,
        Command::Users(args) => api::users(args).await,
        Command::Sessions(args) => api::sessions(args).await,
        Command::Code(args) => code::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
