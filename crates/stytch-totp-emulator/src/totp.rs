//! RFC 6238 through `totp-rs`: secrets, code checks, `otpauth://` URIs, QR codes and recovery
//! codes.
//!
//! Parameters are fixed to what Stytch and every authenticator app use: HMAC-SHA-1, 6 digits,
//! 30-second steps, codes of the previous, current and next step accepted.

use std::time::SystemTime;

use base64::Engine;
use rand::{Rng, RngCore};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::clock::unix_seconds;

/// Length of a step, in seconds.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Steps accepted on either side of the current one.
pub const SKEW_STEPS: u64 = 1;
/// Recovery codes created with each TOTP.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Secret size in bytes (160 bits, as RFC 4226 recommends); 32 base32 characters.
pub const SECRET_BYTES: usize = 20;

/// The prefix of every `qr_code` value, exactly as Stytch sends it (note the space).
pub const QR_CODE_PREFIX: &str = "data:image/png;base64, ";

/// The code an authenticator app shows at `at` for a base32 `secret` (as returned by
/// [`TotpsCreate`](crate::Operation::TotpsCreate)), or `None` if the secret is not valid base32 of at least 128 bits.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use stytch_totp_emulator::totp::code_at;
/// // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
/// let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
/// assert_eq!(code_at(secret, UNIX_EPOCH + Duration::from_secs(59)).as_deref(), Some("287082"));
/// ```
pub fn code_at(secret: &str, at: SystemTime) -> Option<String> {
    let bytes = Secret::Encoded(secret.trim().to_uppercase())
        .to_bytes()
        .ok()?;
    let totp = totp_for(bytes, None, String::new()).ok()?;
    Some(totp.generate(unix_seconds(at)))
}

/// A fresh random secret.
pub(crate) fn generate_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut secret);
    secret
}

/// Base32 (RFC 4648, no padding) of a secret.
pub(crate) fn base32(secret: &[u8]) -> String {
    totp_for(secret.to_vec(), None, String::new())
        .map(|t| t.get_secret_base32())
        .unwrap_or_default()
}

fn totp_for(
    secret: Vec<u8>,
    issuer: Option<String>,
    account: String,
) -> Result<TOTP, totp_rs::TotpUrlError> {
    // Skew 0: the caller checks each accepted step itself to learn which one matched.
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS,
        secret,
        issuer,
        account,
    )
}

/// How a code compares with the steps around `now` (see [`match_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepMatch {
    /// The code of this step, newer than the last accepted one.
    Fresh(u64),
    /// The code only of steps up to the last accepted one.
    Replayed,
    /// No step of the window has this code.
    NoMatch,
}

/// Compares `code` with the codes of the current step and `SKEW_STEPS` on either side,
/// oldest first, and takes the first step newer than `last_accepted`. Two steps of a window
/// can share a code (one chance in a million each), so a code that matches an already
/// accepted step and a newer one is the newer step's, not a replay. Comparison is
/// constant-time (`totp-rs`).
pub(crate) fn match_step(
    secret: &[u8],
    code: &str,
    now: SystemTime,
    last_accepted: Option<u64>,
) -> StepMatch {
    let Ok(totp) = totp_for(secret.to_vec(), None, String::new()) else {
        return StepMatch::NoMatch;
    };
    let current = unix_seconds(now) / STEP_SECONDS;
    let first = current.saturating_sub(SKEW_STEPS);
    let mut matched = StepMatch::NoMatch;
    for step in first..=current.saturating_add(SKEW_STEPS) {
        if totp.check(code, step.saturating_mul(STEP_SECONDS)) {
            if last_accepted.is_none_or(|last| step > last) {
                return StepMatch::Fresh(step);
            }
            matched = StepMatch::Replayed;
        }
    }
    matched
}

/// `otpauth` labels must not contain `:`.
fn label_part(value: &str) -> String {
    value.replace(':', "-")
}

/// `otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>` (URL-encoded).
#[cfg(test)]
fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    totp_for(
        secret.to_vec(),
        Some(label_part(issuer)),
        label_part(account),
    )
    .ok()
    .map(|t| t.get_url())
}

/// The QR code of the `otpauth` URI as `data:image/png;base64, <base64 PNG>`.
pub(crate) fn qr_code(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    let totp = totp_for(
        secret.to_vec(),
        Some(label_part(issuer)),
        label_part(account),
    )
    .ok()?;
    let png = crate::qr::png(&totp.get_url())?;
    Some(format!(
        "{QR_CODE_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// One recovery code: `xxxx-xxxx-xxxx`, lowercase letters and digits.
pub(crate) fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let mut code = String::with_capacity(14);
    for group in 0..3 {
        if group > 0 {
            code.push('-');
        }
        for _ in 0..4 {
            code.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
        }
    }
    code
}

/// Whether `value` has the shape of a recovery code (case-insensitive).
pub(crate) fn looks_like_recovery_code(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 14
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 9 {
                *b == b'-'
            } else {
                b.is_ascii_alphanumeric()
            }
        })
}

/// Whether `value` has the shape of a TOTP code.
pub(crate) fn looks_like_totp_code(value: &str) -> bool {
    value.len() == DIGITS && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn secret_is_32_base32_chars() {
        let secret = generate_secret();
        let b32 = base32(&secret);
        assert_eq!(b32.len(), 32);
        assert!(b32
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
    }

    #[test]
    fn matches_previous_current_and_next_step_only() {
        let secret = generate_secret();
        let b32 = base32(&secret);
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_015);
        let step = 1_700_000_015 / 30;
        for delta in [-1i64, 0, 1] {
            let at = UNIX_EPOCH + Duration::from_secs(((step as i64 + delta) * 30) as u64);
            let code = code_at(&b32, at).unwrap();
            assert_eq!(
                match_step(&secret, &code, now, Some(step - 2)),
                StepMatch::Fresh((step as i64 + delta) as u64)
            );
        }
        for delta in [-2i64, 2] {
            let at = UNIX_EPOCH + Duration::from_secs(((step as i64 + delta) * 30) as u64);
            let code = code_at(&b32, at).unwrap();
            // A collision with an accepted step is possible but astronomically unlikely to
            // matter here: only assert when the codes differ.
            let accepted: Vec<_> = (step - 1..=step + 1)
                .map(|s| code_at(&b32, UNIX_EPOCH + Duration::from_secs(s * 30)).unwrap())
                .collect();
            if !accepted.contains(&code) {
                assert_eq!(match_step(&secret, &code, now, None), StepMatch::NoMatch);
            }
        }
        // Near the epoch nothing underflows: only steps 0 and 1 can match.
        let at_epoch = code_at(&b32, UNIX_EPOCH).unwrap();
        assert_eq!(
            match_step(&secret, &at_epoch, UNIX_EPOCH, None),
            StepMatch::Fresh(0)
        );
    }

    #[test]
    fn a_code_shared_by_an_accepted_step_and_a_newer_one_is_the_newer_ones() {
        // Found by search: under this secret steps 58273692 and 58273693 share a code.
        let secret = b"stytch-totp-collide!".to_vec();
        let b32 = base32(&secret);
        let (older, newer) = (58_273_692u64, 58_273_693u64);
        let at = |step: u64| UNIX_EPOCH + Duration::from_secs(step * 30);
        let code = code_at(&b32, at(newer)).unwrap();
        assert_eq!(code, "041278");
        assert_eq!(code_at(&b32, at(older)).unwrap(), code);

        let now = at(newer) + Duration::from_secs(5);
        assert_eq!(
            match_step(&secret, &code, now, Some(older)),
            StepMatch::Fresh(newer),
            "the newer step's code, not a replay of the older one"
        );
        assert_eq!(
            match_step(&secret, &code, now, None),
            StepMatch::Fresh(older)
        );
        assert_eq!(
            match_step(&secret, &code, now, Some(newer)),
            StepMatch::Replayed
        );
        assert_eq!(
            match_step(&secret, "000000", now, Some(older)),
            StepMatch::NoMatch
        );
    }

    #[test]
    fn uri_and_qr() {
        let secret = generate_secret();
        let uri = otpauth_uri(&secret, "Stytch TOTP Emulator", "jane:doe@example.com").unwrap();
        assert!(
            uri.starts_with(
                "otpauth://totp/Stytch%20TOTP%20Emulator:jane-doe%40example.com?secret="
            ),
            "{uri}"
        );
        assert!(uri.ends_with("&issuer=Stytch%20TOTP%20Emulator"), "{uri}");
        let qr = qr_code(&secret, "Stytch TOTP Emulator", "user-test-1").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(qr.strip_prefix(QR_CODE_PREFIX).unwrap())
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn recovery_code_shape() {
        for _ in 0..100 {
            let code = recovery_code();
            assert!(looks_like_recovery_code(&code), "{code}");
            assert!(code
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_lowercase() || b.is_ascii_digit()));
        }
        assert!(!looks_like_recovery_code("123456"));
        assert!(looks_like_totp_code("123456"));
        assert!(!looks_like_totp_code("12345a"));
    }
}
