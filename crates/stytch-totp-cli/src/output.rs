//! Printing API responses as JSON, with secret values hidden unless asked for.

use serde::Serialize;
use serde_json::Value;
use stytch_totp_models::{REDACTED, SECRET_FIELD_NAMES};

/// Prints `value` as pretty JSON (or one line with `raw`), redacting secrets unless
/// `show_secrets`.
pub fn print_json(value: &impl Serialize, raw: bool, show_secrets: bool) -> Result<(), String> {
    let mut json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    if !show_secrets {
        redact(&mut json);
    }
    let text = if raw {
        serde_json::to_string(&json)
    } else {
        serde_json::to_string_pretty(&json)
    };
    println!("{}", text.map_err(|e| e.to_string())?);
    Ok(())
}

/// Replaces the value of every secret field, at any depth, with `[REDACTED]`. Secrets are
/// strings or lists of strings: an object under a secret name (a user's `password`, which
/// holds only its id and `requires_reset`) is walked instead.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let secret_shaped = child.is_string() || child.is_array();
                if secret_shaped && SECRET_FIELD_NAMES.contains(&key.as_str()) {
                    *child = Value::String(REDACTED.into());
                } else {
                    redact(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let mut json = serde_json::json!({
            "totp_id": "totp-1", "secret": "ABC",
            "totps": [{"recovery_codes": ["a", "b"], "verified": true}],
            "user": {"password": {"password_id": "password-1", "requires_reset": false}},
            "request": {"password": "hunter2"},
        });
        redact(&mut json);
        assert_eq!(
            json,
            serde_json::json!({"totp_id": "totp-1", "secret": "[REDACTED]",
                "totps": [{"recovery_codes": "[REDACTED]", "verified": true}],
                "user": {"password": {"password_id": "password-1", "requires_reset": false}},
                "request": {"password": "[REDACTED]"}})
        );
    }
}

/// Whether log lines on stderr may carry ANSI colour: only on a terminal, and never when
/// `NO_COLOR` is set (<https://no-color.org>).
pub fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    colour_allowed(
        std::env::var_os("NO_COLOR").as_deref(),
        std::io::stderr().is_terminal(),
    )
}

fn colour_allowed(no_color: Option<&std::ffi::OsStr>, terminal: bool) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod colour_tests {
    use super::colour_allowed;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour_allowed(None, true));
        assert!(!colour_allowed(None, false), "a pipe gets no escape codes");
        assert!(!colour_allowed(Some("1".as_ref()), true));
        assert!(
            colour_allowed(Some("".as_ref()), true),
            "an empty NO_COLOR is unset"
        );
    }
}
