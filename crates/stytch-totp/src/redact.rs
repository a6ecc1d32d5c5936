//! Making response bodies safe to show in an error: secret values removed, length capped.

use stytch_totp_models::SECRET_FIELD_NAMES as SECRET_KEYS;

/// Longest snippet kept in a [`crate::Error::Decode`], in characters.
pub const SNIPPET_CHARS: usize = 200;

/// Replaces the value of every secret key with `[REDACTED]` (works on truncated or otherwise
/// broken JSON too, since that is exactly when a snippet is shown), then truncates.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = redact_secret_values(&text);
    if out.chars().count() > SNIPPET_CHARS {
        out = out.chars().take(SNIPPET_CHARS).collect::<String>() + "…";
    }
    out
}

fn redact_secret_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let after_quote = &rest[start + 1..];
        let Some(end) = after_quote.find('"') else {
            out.push_str(rest);
            return out;
        };
        let key = &after_quote[..end];
        out.push_str(&rest[..start + end + 2]);
        rest = &after_quote[end + 1..];
        if SECRET_KEYS.contains(&key) {
            let trimmed = rest.trim_start();
            if let Some(value) = trimmed.strip_prefix(':') {
                out.push_str(": \"[REDACTED]\"");
                rest = skip_value(value.trim_start());
            }
        }
    }
    out.push_str(rest);
    out
}

/// Skips one JSON value (string, array or scalar), tolerating a value cut off by truncation.
fn skip_value(value: &str) -> &str {
    let bytes = value.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    if depth == 0 {
                        return &value[i + 1..];
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return &value[i + 1..];
                }
            }
            b',' | b'}' | b']' if depth == 0 => return &value[i..],
            _ => {}
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_removed_even_from_truncated_json() {
        let body = br#"{"totp_id":"totp-1","secret":"BTGNX5RKJRMQ","recovery_codes":["ckss-2skx-ebow","spbc"#;
        let s = snippet(body);
        assert!(s.contains("totp-1"), "{s}");
        assert!(
            !s.contains("BTGNX5RKJRMQ") && !s.contains("ckss-2skx-ebow"),
            "{s}"
        );
        let body = br#"{"session_jwt": "eyJ.a\"b.c", "status_code": 200}"#;
        let s = snippet(body);
        assert_eq!(s, r#"{"session_jwt": "[REDACTED]", "status_code": 200}"#);
    }

    #[test]
    fn long_bodies_are_truncated_and_invalid_utf8_is_tolerated() {
        let html = format!("<html>{}</html>", "x".repeat(1000));
        let s = snippet(html.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(snippet(&[0xff, 0xfe, b'a']).ends_with('a'));
    }
}
