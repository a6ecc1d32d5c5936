//! `passwords ...`, `totps ...`, `users ...` and `sessions ...`: one API call each, printed as
//! JSON.

use std::time::Duration;

use stytch_totp::{Checked, Client};
use stytch_totp_models::{CreateUserRequest, UserName};

use crate::args::{
    Connection, PasswordsArgs, PasswordsCall, SessionsArgs, SessionsCall, StepUp, TotpsArgs,
    TotpsCall, UsersArgs, UsersCall,
};
use crate::password::{read_password, Confirm};

fn client(connection: &Connection) -> Result<Client, String> {
    let mut builder = Client::builder();
    if let Some(url) = &connection.base_url {
        builder = builder.base_url(url);
    }
    if let Some(project_id) = &connection.project_id {
        builder = builder.project_id(project_id);
    }
    if let Some(secret) = &connection.secret {
        builder = builder.secret(secret.as_str());
    }
    if let Some(path) = &connection.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| format!("could not read --ca-cert {}: {e}", path.display()))?;
        builder = builder.add_root_certificate_pem(pem);
    }
    builder
        .user_agent_suffix("stytch-totp-cli")
        .build()
        .map_err(|e| e.to_string())
}

/// Reports an SDK error with its request id, so it can be quoted to Stytch.
fn failed(error: stytch_totp::Error) -> String {
    match error.request_id() {
        Some(request_id) => format!("{error}\n(request_id {request_id})"),
        None => error.to_string(),
    }
}

/// Applies `--session-token` / `--session-jwt` to a builder that has the session setters.
macro_rules! step_up_setters {
    ($call:ident, $step_up:expr) => {
        let StepUp {
            session_token,
            session_jwt,
        } = $step_up;
        if let Some(token) = session_token {
            $call = $call.session_token(token);
        }
        if let Some(jwt) = session_jwt {
            $call = $call.session_jwt(jwt);
        }
    };
}

pub async fn passwords(args: PasswordsArgs) -> Result<(), String> {
    let c = &args.connection;
    let client = client(c)?;
    let passwords = client.passwords();
    let print = |v: &dyn erased::Printable| v.print(c.json, c.show_secrets);
    match args.call {
        PasswordsCall::Create {
            email,
            session_duration_minutes,
        } => {
            let mut call = passwords.create(email, read_password(Confirm::Twice)?);
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
            print(&call.await.map_err(failed)?)
        }
        PasswordsCall::Authenticate {
            email,
            session_duration_minutes,
            step_up,
        } => {
            let mut call = passwords.authenticate(email, read_password(Confirm::Once)?);
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
            step_up_setters!(call, step_up);
            print(&call.await.map_err(failed)?)
        }
        PasswordsCall::StrengthCheck { email } => {
            let mut call = passwords.strength_check(read_password(Confirm::Once)?);
            if let Some(email) = email {
                call = call.email(email);
            }
            print(&call.await.map_err(failed)?)
        }
    }
}

pub async fn totps(args: TotpsArgs) -> Result<(), String> {
    let c = &args.connection;
    let client = client(c)?;
    let totps = client.totps();
    let print = |v: &dyn erased::Printable| v.print(c.json, c.show_secrets);
    match args.call {
        TotpsCall::Create {
            user_id,
            expiration_minutes,
        } => {
            let mut call = totps.create(user_id);
            if let Some(minutes) = expiration_minutes {
                call = call.expiration_minutes(minutes);
            }
            print(&call.await.map_err(failed)?)
        }
        TotpsCall::Authenticate {
            user_id,
            code,
            session_duration_minutes,
            step_up,
        } => {
            let mut call = totps.authenticate(user_id, code);
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
            step_up_setters!(call, step_up);
            print(&call.await.map_err(failed)?)
        }
        TotpsCall::RecoveryCodes { user_id } => {
            print(&totps.recovery_codes(user_id).await.map_err(failed)?)
        }
        TotpsCall::Recover {
            user_id,
            recovery_code,
            session_duration_minutes,
            step_up,
        } => {
            let mut call = totps.recover(user_id, recovery_code);
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
            step_up_setters!(call, step_up);
            print(&call.await.map_err(failed)?)
        }
    }
}

pub async fn users(args: UsersArgs) -> Result<(), String> {
    let c = &args.connection;
    let client = client(c)?;
    let users = client.users();
    let print = |v: &dyn erased::Printable| v.print(c.json, c.show_secrets);
    match args.call {
        UsersCall::Create {
            email,
            first_name,
            last_name,
        } => {
            let name = (first_name.is_some() || last_name.is_some()).then_some(UserName {
                first_name,
                last_name,
                middle_name: None,
            });
            let request = CreateUserRequest {
                email,
                name,
                ..Default::default()
            };
            print(&users.create(request).await.map_err(failed)?)
        }
        UsersCall::Get { user_id } => print(&users.get(user_id).await.map_err(failed)?),
        UsersCall::Delete { user_id } => print(&users.delete(user_id).await.map_err(failed)?),
        UsersCall::DeleteTotp { totp_id } => {
            print(&users.delete_totp(totp_id).await.map_err(failed)?)
        }
    }
}

pub async fn sessions(args: SessionsArgs) -> Result<(), String> {
    let c = &args.connection;
    let client = client(c)?;
    let sessions = client.sessions();
    let print = |v: &dyn erased::Printable| v.print(c.json, c.show_secrets);
    match args.call {
        SessionsCall::Authenticate {
            credential,
            local: true,
            max_token_age,
            ..
        } => {
            let jwt = credential.session_jwt.unwrap_or_default();
            let mut call = sessions.authenticate_jwt(jwt);
            if let Some(seconds) = max_token_age {
                call = call.max_token_age(Duration::from_secs(seconds));
            }
            let verified = call.await.map_err(failed)?;
            let (checked, fresh) = match &verified.checked {
                Checked::Locally => ("locally", None),
                Checked::Remotely(response) => ("by Stytch", Some(response)),
            };
            print(&serde_json::json!({
                "checked": checked,
                "user_id": verified.user_id,
                "session": verified.session,
                "custom_claims": verified.custom_claims,
                "session_jwt": fresh.map(|r| r.session_jwt.expose_secret()),
            }))
        }
        SessionsCall::Authenticate {
            credential,
            session_duration_minutes,
            ..
        } => {
            let mut call = sessions.authenticate();
            if let Some(token) = credential.session_token {
                call = call.session_token(token);
            }
            if let Some(jwt) = credential.session_jwt {
                call = call.session_jwt(jwt);
            }
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
            print(&call.await.map_err(failed)?)
        }
        SessionsCall::Revoke {
            session_id,
            session_token,
            session_jwt,
        } => {
            let mut call = sessions.revoke();
            if let Some(id) = session_id {
                call = call.session_id(id);
            }
            if let Some(token) = session_token {
                call = call.session_token(token);
            }
            if let Some(jwt) = session_jwt {
                call = call.session_jwt(jwt);
            }
            print(&call.await.map_err(failed)?)
        }
        SessionsCall::Get { user_id } => print(&sessions.get(user_id).await.map_err(failed)?),
        SessionsCall::Jwks => print(&sessions.jwks().await.map_err(failed)?),
    }
}

/// Lets one closure print any response type.
mod erased {
    pub trait Printable {
        fn print(&self, raw: bool, show_secrets: bool) -> Result<(), String>;
    }

    impl<T: serde::Serialize> Printable for T {
        fn print(&self, raw: bool, show_secrets: bool) -> Result<(), String> {
            crate::output::print_json(self, raw, show_secrets)
        }
    }
}
