//! `code`: the current code of a secret, computed like an authenticator app does.

use std::time::{SystemTime, UNIX_EPOCH};

use stytch_totp_emulator::totp::{code_at, STEP_SECONDS};

use crate::args::CodeArgs;

pub fn run(args: CodeArgs) -> Result<(), String> {
    let now = SystemTime::now();
    let code = current_code(&args.secret, now)?;
    let elapsed = now
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let left = STEP_SECONDS - elapsed % STEP_SECONDS;
    println!(
        "{code} (valid for {left} more second{})",
        if left == 1 { "" } else { "s" }
    );
    Ok(())
}

/// The code at `at`, or a message saying what is wrong with the secret.
pub fn current_code(secret: &str, at: SystemTime) -> Result<String, String> {
    code_at(secret, at).ok_or_else(|| {
        "the secret must be base32 (A-Z, 2-7) of at least 128 bits, e.g. the 32-character \
         `secret` returned when the TOTP was created"
            .to_string()
    })
}
