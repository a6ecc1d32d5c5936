//! `totps ...` and `users ...`: one API call each, printed as JSON.

use stytch_totp::Client;
use stytch_totp_models::{CreateUserRequest, UserName};

use crate::args::{Connection, TotpsArgs, TotpsCall, UsersArgs, UsersCall};

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
        } => {
            let mut call = totps.authenticate(user_id, code);
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
            print(&call.await.map_err(failed)?)
        }
        TotpsCall::RecoveryCodes { user_id } => {
            print(&totps.recovery_codes(user_id).await.map_err(failed)?)
        }
        TotpsCall::Recover {
            user_id,
            recovery_code,
            session_duration_minutes,
        } => {
            let mut call = totps.recover(user_id, recovery_code);
            if let Some(minutes) = session_duration_minutes {
                call = call.session_duration_minutes(minutes);
            }
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
