//! The first factor's input rules: an email address and a password. One function per rule,
//! used by the client (refused before sending), the emulator (Stytch's 400s) and the CLI.

use crate::validated::invalid;
use crate::ValidationError;

/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// The shape of an email address: `local@domain.tld`, something before the `@`, a domain
/// with a dot inside it (not at either end), no second `@`, no whitespace or control
/// characters, at most [`MAX_EMAIL_LEN`] bytes. Stytch answers `invalid_email` for malformed
/// addresses without documenting its rule; this one refuses only what cannot be delivered to.
/// The client checks it before sending, the emulator answers `invalid_email` with it.
///
/// ```
/// use stytch_totp_models::check_email;
/// assert!(check_email("jane.doe@example.com").is_ok());
/// assert_eq!(
///     check_email("jane.doe").unwrap_err().to_string(),
///     "email must be an address like name@example.com"
/// );
/// ```
pub fn check_email(email: &str) -> Result<(), ValidationError> {
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    });
    let clean = !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if shaped && clean && email.len() <= MAX_EMAIL_LEN {
        Ok(())
    } else {
        Err(invalid("email", "must be an address like name@example.com"))
    }
}

/// A password must not be empty; any UTF-8 is allowed (spaces, emoji), as Stytch documents.
/// Strength is Stytch's to judge (`passwords.strength_check`), not a client-side rule. The
/// error never contains the password.
///
/// ```
/// use stytch_totp_models::check_password;
/// assert!(check_password("correct horse battery staple").is_ok());
/// assert_eq!(check_password("").unwrap_err().to_string(), "password must not be empty");
/// ```
pub fn check_password(password: &str) -> Result<(), ValidationError> {
    if password.is_empty() {
        Err(invalid("password", "must not be empty"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_one_at_a_dotted_domain_and_no_spaces() {
        for good in ["a@b.c", "jane.doe+mfa@example.co.uk", "ü@例え.jp"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL_LEN));
        for bad in [
            "",
            "@",
            "a@",
            "@b",
            "a@b@c",
            "a b@c",
            "a@b\n",
            "plain",
            long.as_str(),
        ] {
            assert_eq!(check_email(bad).unwrap_err().field, "email", "{bad:?}");
        }
    }

    #[test]
    fn a_password_may_be_anything_but_empty_and_errors_never_echo_it() {
        assert!(check_password(" ").is_ok());
        assert!(check_password("🔑 long enough").is_ok());
        let err = check_password("").unwrap_err();
        assert_eq!(err.field, "password");
    }
}
