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

/// Replaces the value of every secret field, at any depth, with `[REDACTED]`.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if SECRET_FIELD_NAMES.contains(&key.as_str()) {
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
        });
        redact(&mut json);
        assert_eq!(
            json,
            serde_json::json!({"totp_id": "totp-1", "secret": "[REDACTED]",
                "totps": [{"recovery_codes": "[REDACTED]", "verified": true}]})
        );
    }
}
