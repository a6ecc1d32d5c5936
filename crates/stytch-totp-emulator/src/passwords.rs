//! Passwords, as leaf helpers the HTTP side calls with no lock held (both are slow on
//! purpose or by nature): an Argon2id hash and its check, and the strength verdict of
//! Stytch's default policy (zxcvbn, a score of 3 or more passes).
//!
//! Where the emulator's verdict can differ from Stytch's:
//! * no breach detection: Stytch checks passwords against HaveIBeenPwned; the emulator
//!   answers `breached_password: false` and `breach_detection_on_create: false`;
//! * zxcvbn implementations and dictionaries differ slightly between Stytch's and the Rust
//!   port used here, so a password near a score boundary may score one apart;
//! * only the default `zxcvbn` policy is emulated, not the LUDS one (no `luds_requirements`);
//! * the email address (and its part before `@`) is given to zxcvbn as a user input, so a
//!   password made from it scores low, as Stytch documents for `strength_check` with an email.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use stytch_totp_models::{PasswordFeedback, SecretString};

/// The lowest zxcvbn score Stytch's default policy accepts.
pub const MIN_SCORE: u8 = 3;

/// A password stored as Stytch would keep it: only an Argon2id PHC string (salt and
/// parameters inside), never the password. `Debug` shows no part of the hash either.
#[derive(Clone)]
pub(crate) struct PasswordHashString(String);

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString([REDACTED])")
    }
}

/// Hashes with Argon2id (the `argon2` crate's defaults, OWASP's recommended parameters) and a
/// fresh random salt.
pub(crate) fn hash(password: &SecretString) -> Result<PasswordHashString, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| PasswordHashString(hash.to_string()))
        .map_err(|e| format!("the password could not be hashed: {e}"))
}

/// Whether `password` is the one `stored` was made from (constant-time comparison inside).
pub(crate) fn verify(password: &SecretString, stored: &PasswordHashString) -> bool {
    PasswordHash::new(&stored.0).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok()
    })
}

/// The strength verdict of one password.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Strength {
    /// zxcvbn's score, 0 to 4.
    pub(crate) score: u8,
    /// The score is at least [`MIN_SCORE`].
    pub(crate) valid: bool,
    /// zxcvbn's warning and suggestions (empty for a valid password, as Stytch sends them).
    pub(crate) feedback: PasswordFeedback,
}

/// Scores a password as Stytch's default policy does; `email` (if any) counts as a user input.
pub(crate) fn strength(password: &SecretString, email: Option<&str>) -> Strength {
    let mut inputs: Vec<&str> = Vec::new();
    if let Some(email) = email {
        inputs.push(email);
        if let Some((local, _)) = email.split_once('@') {
            inputs.push(local);
        }
    }
    let entropy = zxcvbn::zxcvbn(password.expose_secret(), &inputs);
    let score = u8::from(entropy.score());
    let valid = score >= MIN_SCORE;
    let (warning, suggestions) = match entropy.feedback() {
        Some(feedback) if !valid => (
            feedback
                .warning()
                .map(|w| w.to_string())
                .unwrap_or_default(),
            feedback
                .suggestions()
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        _ => (String::new(), Vec::new()),
    };
    Strength {
        score,
        valid,
        feedback: PasswordFeedback {
            warning,
            suggestions,
            luds_requirements: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_keeps_no_trace_of_it() {
        let password = SecretString::from("plaid-Kettle-orbit-97");
        let stored = hash(&password).unwrap();
        assert!(stored.0.starts_with("$argon2id$"));
        assert!(!stored.0.contains("plaid-Kettle-orbit-97"));
        assert!(verify(&password, &stored));
        assert!(!verify(
            &SecretString::from("plaid-Kettle-orbit-98"),
            &stored
        ));
        assert_ne!(
            stored.0,
            hash(&password).unwrap().0,
            "a fresh salt each time"
        );
        assert_eq!(format!("{stored:?}"), "PasswordHashString([REDACTED])");
        assert!(!verify(&password, &PasswordHashString("not a hash".into())));
    }

    #[test]
    fn common_passwords_fail_and_long_random_ones_pass() {
        let weak = strength(&SecretString::from("password1"), None);
        assert!(weak.score < MIN_SCORE && !weak.valid);
        assert!(!weak.feedback.warning.is_empty() || !weak.feedback.suggestions.is_empty());
        let strong = strength(&SecretString::from("plaid-Kettle-orbit-97-quasar"), None);
        assert!(strong.valid, "score {}", strong.score);
        assert_eq!(strong.feedback.warning, "");
        assert!(strong.feedback.suggestions.is_empty());
    }

    #[test]
    fn the_email_counts_against_a_password_made_from_it() {
        let password = SecretString::from("grace.hopper.1906");
        let alone = strength(&password, None);
        let with_email = strength(&password, Some("grace.hopper.1906@example.com"));
        assert!(
            with_email.score < alone.score.max(1),
            "{alone:?} {with_email:?}"
        );
    }
}
