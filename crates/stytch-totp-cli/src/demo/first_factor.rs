//! The demo's first factor: sign up with an email and a password, then sign in with them,
//! which starts the session the TOTP code later steps up.

use stytch_totp::models::SecretString;
use stytch_totp::{Client, Operation};

use super::Steps;

/// The demo user's email address.
const EMAIL: &str = "jane.doe@example.com";
/// The demo user's password: strong enough for Stytch's default policy (zxcvbn score 3+).
const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

/// The signed-in user: its id and the token of the password session.
pub(super) struct SignedIn {
    pub(super) user_id: String,
    pub(super) session_token: SecretString,
}

pub(super) async fn run(
    steps: &mut Steps,
    client: &Client,
    show: bool,
) -> Result<SignedIn, String> {
    steps
        .call(
            Operation::PasswordsStrengthCheck.name(),
            client.passwords().strength_check(PASSWORD).email(EMAIL),
            |r| &r.request_id,
            |r| {
                let password = if show { PASSWORD } else { "the demo password" };
                format!(
                    "{password} scores {}/4 ({})",
                    r.score,
                    if r.valid_password {
                        "valid"
                    } else {
                        "too weak"
                    }
                )
            },
        )
        .await?;
    let created = steps
        .call(
            Operation::PasswordsCreate.name(),
            client.passwords().create(EMAIL, PASSWORD),
            |r| &r.request_id,
            |r| format!("user {} <{EMAIL}> with a password", r.user_id),
        )
        .await?;
    let signed_in = steps
        .call(
            Operation::PasswordsAuthenticate.name(),
            client
                .passwords()
                .authenticate(EMAIL, PASSWORD)
                .session_duration_minutes(60),
            |r| &r.request_id,
            |r| match &r.session {
                Some(session) => format!(
                    "signed in; session {} (factors: {})",
                    session.session_id,
                    session
                        .authentication_factors
                        .iter()
                        .map(|f| f.type_.as_str())
                        .collect::<Vec<_>>()
                        .join(" + ")
                ),
                None => "signed in (no session)".into(),
            },
        )
        .await?;
    Ok(SignedIn {
        user_id: created.user_id,
        session_token: signed_in.session_token,
    })
}
