//! What each operation needs (ids, codes, a session, prepared before any fault is queued)
//! and the one call the matrix makes of it.

use std::future::Future;
use std::pin::Pin;

use stytch_totp::{Client, Error, Operation};
use stytch_totp_emulator::EmulatorHandle;

/// The password of the matrix's password users (strong enough for Stytch's policy).
const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

/// Ids and codes an operation needs, prepared before any fault is queued.
pub(crate) struct Fixture {
    pub(crate) user_id: String,
    pub(crate) totp_id: String,
    pub(crate) totp_code: String,
    pub(crate) recovery_code: String,
    /// A live session's token (session operations only).
    pub(crate) session_token: String,
    /// The email of a user with [`PASSWORD`] (`passwords.authenticate`), or an unused one.
    pub(crate) email: String,
    pub(crate) project_id: String,
}

impl Fixture {
    pub(crate) fn placeholder() -> Self {
        Fixture {
            user_id: "user-test-00000000-0000-0000-0000-000000000001".into(),
            totp_id: "totp-test-00000000-0000-0000-0000-000000000001".into(),
            totp_code: "123456".into(),
            recovery_code: "abcd-efgh-ijkl".into(),
            session_token: "placeholder-session-token".into(),
            email: "new.user@example.com".into(),
            project_id: "project-test-x".into(),
        }
    }

    pub(crate) async fn prepare(emulator: &EmulatorHandle, client: &Client, op: Operation) -> Self {
        let user = client.users().create().await.unwrap();
        if op == Operation::PasswordsAuthenticate {
            let email = "has.password@example.com";
            client.passwords().create(email, PASSWORD).await.unwrap();
            return Fixture {
                user_id: user.user_id,
                email: email.into(),
                ..Fixture::placeholder()
            };
        }
        if [
            Operation::TotpsCreate,
            Operation::UsersCreate,
            Operation::PasswordsCreate,
            Operation::PasswordsStrengthCheck,
        ]
        .contains(&op)
        {
            return Fixture {
                user_id: user.user_id,
                ..Fixture::placeholder()
            };
        }
        let totp = client.totps().create(&user.user_id).await.unwrap();
        let code = stytch_totp_emulator::totp::code_at(totp.secret.expose_secret(), emulator.now())
            .unwrap();
        let session_token = if op.name().starts_with("sessions.") {
            let auth = client
                .totps()
                .authenticate(&user.user_id, &code)
                .session_duration_minutes(60)
                .await
                .unwrap();
            auth.session_token.expose_secret().to_owned()
        } else {
            Fixture::placeholder().session_token
        };
        Fixture {
            user_id: user.user_id,
            totp_id: totp.totp_id,
            totp_code: code,
            recovery_code: totp.recovery_codes[0].expose_secret().to_owned(),
            session_token,
            email: Fixture::placeholder().email,
            project_id: emulator.project_id().to_owned(),
        }
    }

    /// The raw request path of `op`, as the emulator counts it: its path parameters filled
    /// from this fixture.
    pub(crate) fn path(&self, op: Operation) -> String {
        let values: Vec<&str> = op
            .path_params()
            .iter()
            .map(|name| match *name {
                "user_id" => self.user_id.as_str(),
                "totp_id" => self.totp_id.as_str(),
                "project_id" => self.project_id.as_str(),
                other => panic!("the fixture has no value for the path parameter {other}"),
            })
            .collect();
        op.path_with(&values)
    }
}

pub(crate) fn call<'a>(
    client: &'a Client,
    op: Operation,
    f: &'a Fixture,
) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>> {
    match op {
        Operation::TotpsCreate => {
            Box::pin(async move { client.totps().create(&f.user_id).await.map(drop) })
        }
        Operation::TotpsAuthenticate => Box::pin(async move {
            client
                .totps()
                .authenticate(&f.user_id, &f.totp_code)
                .await
                .map(drop)
        }),
        Operation::TotpsRecoveryCodes => {
            Box::pin(async move { client.totps().recovery_codes(&f.user_id).await.map(drop) })
        }
        Operation::TotpsRecover => Box::pin(async move {
            client
                .totps()
                .recover(&f.user_id, &f.recovery_code)
                .await
                .map(drop)
        }),
        Operation::UsersCreate => Box::pin(async move { client.users().create().await.map(drop) }),
        Operation::UsersGet => {
            Box::pin(async move { client.users().get(&f.user_id).await.map(drop) })
        }
        Operation::UsersDelete => {
            Box::pin(async move { client.users().delete(&f.user_id).await.map(drop) })
        }
        Operation::UsersDeleteTotp => {
            Box::pin(async move { client.users().delete_totp(&f.totp_id).await.map(drop) })
        }
        Operation::PasswordsCreate => Box::pin(async move {
            let call = client.passwords().create(&f.email, PASSWORD);
            call.await.map(drop)
        }),
        Operation::PasswordsAuthenticate => Box::pin(async move {
            let call = client.passwords().authenticate(&f.email, PASSWORD);
            call.await.map(drop)
        }),
        Operation::PasswordsStrengthCheck => {
            Box::pin(async move { client.passwords().strength_check(PASSWORD).await.map(drop) })
        }
        Operation::SessionsAuthenticate => Box::pin(async move {
            let call = client.sessions().authenticate();
            call.session_token(f.session_token.as_str()).await.map(drop)
        }),
        Operation::SessionsRevoke => Box::pin(async move {
            let target = stytch_totp::RevokeTarget::SessionToken(f.session_token.as_str().into());
            client.sessions().revoke(target).await.map(drop)
        }),
        Operation::SessionsGet => {
            Box::pin(async move { client.sessions().get(&f.user_id).await.map(drop) })
        }
        Operation::SessionsGetJwks => {
            Box::pin(async move { client.sessions().jwks().await.map(drop) })
        }
    }
}
