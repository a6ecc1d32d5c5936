//! Where the CLI's password comes from: `STYTCH_PASSWORD`, or a prompt on the terminal that
//! does not echo (rpassword). Never a flag: flags show in the process list and shell history.

use std::io::IsTerminal;

use stytch_totp_models::SecretString;

/// The environment variable a script sets instead of answering the prompt.
pub const PASSWORD_ENV: &str = "STYTCH_PASSWORD";

/// Whether the prompt asks a second time (when setting a password, a typo would lock the user
/// out of the account just made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Once,
    Twice,
}

/// The password from [`PASSWORD_ENV`], else from a prompt when stdin is a terminal.
pub fn read_password(confirm: Confirm) -> Result<SecretString, String> {
    if let Some(value) = std::env::var_os(PASSWORD_ENV) {
        let value = value
            .into_string()
            .map_err(|_| format!("{PASSWORD_ENV} is not valid UTF-8"))?;
        return Ok(SecretString::new(value));
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "no password: set {PASSWORD_ENV} or run in a terminal to be asked for it"
        ));
    }
    let prompt = |text: &str| {
        rpassword::prompt_password(text)
            .map(SecretString::new)
            .map_err(|e| format!("could not read the password from the terminal: {e}"))
    };
    let password = prompt("Password: ")?;
    if confirm == Confirm::Twice && prompt("Repeat the password: ")? != password {
        return Err("the two passwords differ".into());
    }
    Ok(password)
}
