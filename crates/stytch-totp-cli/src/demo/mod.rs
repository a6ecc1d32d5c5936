//! `demo`: the whole two-factor flow through the real client, against the embedded emulator
//! by default or against Stytch with credentials: a user signs up and signs in with a
//! password (the first factor, which starts a session), enrols an authenticator app, and a
//! TOTP code steps up that same session; the session then lists both factors, its JWT is
//! verified locally, and it is revoked. Recovery codes and clean-up follow. Every step prints
//! operation, latency and Stytch's `request_id`.

use std::future::IntoFuture;
use std::time::{Instant, SystemTime};

use stytch_totp::{Client, Error, Operation};
use stytch_totp_emulator::{Emulator, EmulatorHandle};
use stytch_totp_models::{ErrorType, SecretString};

use crate::args::DemoArgs;
use crate::code::current_code;
use crate::qr;

mod first_factor;
mod sessions;

/// Numbered, timed steps.
pub(crate) struct Steps {
    next: usize,
}

impl Steps {
    /// Runs one API call, printing `N. operation  latency  request_id  summary`.
    pub(crate) async fn call<T>(
        &mut self,
        operation: &str,
        call: impl IntoFuture<Output = Result<T, Error>>,
        request_id: impl Fn(&T) -> &str,
        summary: impl Fn(&T) -> String,
    ) -> Result<T, String> {
        let started = Instant::now();
        let result = call.await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        self.next += 1;
        match result {
            Ok(value) => {
                println!(
                    "{:>2}. {operation:<26} {ms:>7.1} ms  {}  {}",
                    self.next,
                    request_id(&value),
                    summary(&value)
                );
                Ok(value)
            }
            Err(error) => {
                println!(
                    "{:>2}. {operation:<26} {ms:>7.1} ms  {}  FAILED",
                    self.next,
                    error.request_id().unwrap_or("-")
                );
                Err(format!("{operation} failed: {error}"))
            }
        }
    }

    /// A step that must fail with `expected`; anything else ends the demo.
    pub(crate) async fn refused<T>(
        &mut self,
        operation: &str,
        call: impl IntoFuture<Output = Result<T, Error>>,
        expected: ErrorType,
    ) -> Result<(), String> {
        let started = Instant::now();
        let result = call.await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        self.next += 1;
        match result {
            Err(error) if error.error_type() == Some(&expected) => {
                let status = error.status().unwrap_or_default();
                println!(
                    "{:>2}. {operation:<26} {ms:>7.1} ms  {}  refused as expected: HTTP {status} {expected}",
                    self.next,
                    error.request_id().unwrap_or("-"),
                );
                Ok(())
            }
            Err(error) => Err(format!("{operation}: expected {expected}, got: {error}")),
            Ok(_) => Err(format!(
                "{operation}: expected {expected}, but Stytch accepted it"
            )),
        }
    }

    pub(crate) fn note(&mut self, what: &str, detail: &str) {
        self.next += 1;
        println!("{:>2}. {what:<26} {:>10}  {detail}", self.next, "");
    }
}

fn hidden(value: &str, show: bool) -> String {
    if show {
        value.to_owned()
    } else {
        value
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { '*' } else { c })
            .collect()
    }
}

pub async fn run(args: DemoArgs) -> Result<(), String> {
    let has_credentials = std::env::var("STYTCH_PROJECT_ID").is_ok_and(|v| !v.is_empty())
        && std::env::var("STYTCH_SECRET").is_ok_and(|v| !v.is_empty());
    let live = args.live || has_credentials;
    let mut emulator: Option<EmulatorHandle> = None;
    let client = if live {
        let client = Client::builder()
            .from_env()
            .user_agent_suffix("stytch-totp-demo")
            .build()
            .map_err(|e| e.to_string())?;
        println!(
            "stytch-totp demo against Stytch at {} (project {})",
            client.base_url(),
            client.project_id()
        );
        client
    } else {
        let handle = Emulator::start()
            .await
            .map_err(|e| format!("could not start the emulator: {e}"))?;
        println!(
            "stytch-totp demo against the embedded emulator at {} (project {})",
            handle.base_url(),
            handle.project_id()
        );
        let client = Client::builder()
            .project_id(handle.project_id())
            .secret(handle.secret())
            .base_url(handle.base_url())
            .user_agent_suffix("stytch-totp-demo")
            .build()
            .map_err(|e| e.to_string())?;
        emulator = Some(handle);
        client
    };
    let show = args.show_secrets;
    let started = Instant::now();
    let mut steps = Steps { next: 0 };

    // The first factor: on the emulator a new user signs up and signs in with a password;
    // live, an existing user (without a password session: their TOTP code starts it).
    let (user_id, first_session) = match (&emulator, args.user_id) {
        (_, Some(user_id)) => (user_id, None),
        (Some(_), None) => {
            let signed_in = first_factor::run(&mut steps, &client, show).await?;
            (signed_in.user_id, Some(signed_in.session_token))
        }
        (None, None) => {
            return Err("running live: pass --user-id of an existing Stytch user".into())
        }
    };

    let totp = steps
        .call(
            Operation::TotpsCreate.name(),
            client.totps().create(&user_id).expiration_minutes(60),
            |r| &r.request_id,
            |r| {
                format!(
                    "totp {}, {} recovery codes",
                    r.totp_id,
                    r.recovery_codes.len()
                )
            },
        )
        .await?;
    let png = qr::png_bytes(totp.qr_code.expose_secret())?;
    let saved = qr::save(&png, args.qr_out.as_deref(), &totp.totp_id)?;
    let uri = qr::decode(&png)?;
    println!(
        "    Scan this with any authenticator app (PNG saved to {}):",
        saved.display()
    );
    for line in qr::render_terminal(&uri)?.lines() {
        println!("    {line}");
    }
    println!("    secret: {}", hidden(totp.secret.expose_secret(), show));

    let code = current_code(totp.secret.expose_secret(), SystemTime::now())?;
    steps.note(
        "current code",
        &format!(
            "{} computed from the secret (RFC 6238, 30 s steps)",
            hidden(&code, show)
        ),
    );

    // The second factor: the first code verifies the new TOTP and, with the password
    // session's token, adds `totp` to that same session (step-up).
    let step_up = first_session.as_ref().map(SecretString::expose_secret);
    let mut authenticate = client.totps().authenticate(&user_id, &code);
    authenticate = match step_up {
        Some(token) => authenticate.session_token(token),
        None => authenticate.session_duration_minutes(60),
    };
    let auth = steps
        .call(
            Operation::TotpsAuthenticate.name(),
            authenticate,
            |r| &r.request_id,
            |r| match &r.session {
                Some(session) => {
                    let factors: Vec<&str> = session
                        .authentication_factors
                        .iter()
                        .map(|f| f.type_.as_str())
                        .collect();
                    let how = if step_up.is_some() {
                        "stepped up session"
                    } else {
                        "new session"
                    };
                    format!(
                        "verified; {how} {}, factors: {}",
                        session.session_id,
                        factors.join(" + ")
                    )
                }
                None => "verified (no session)".into(),
            },
        )
        .await?;
    sessions::run(&mut steps, &client, &auth).await?;

    let listed = steps
        .call(
            Operation::TotpsRecoveryCodes.name(),
            client.totps().recovery_codes(&user_id),
            |r| &r.request_id,
            |r| {
                let codes: usize = r.totps.iter().map(|t| t.recovery_codes.len()).sum();
                format!("{} TOTP(s), {codes} unused recovery codes", r.totps.len())
            },
        )
        .await?;
    let recovery_code = listed
        .totps
        .iter()
        .find(|t| t.totp_id == totp.totp_id)
        .and_then(|t| t.recovery_codes.first())
        .ok_or("the new TOTP has no recovery codes")?
        .clone();

    steps
        .call(
            Operation::TotpsRecover.name(),
            client
                .totps()
                .recover(&user_id, recovery_code.expose_secret()),
            |r| &r.request_id,
            |_| {
                format!(
                    "recovered with {}",
                    hidden(recovery_code.expose_secret(), show)
                )
            },
        )
        .await?;
    steps
        .refused(
            "totps.recover (same code)",
            client
                .totps()
                .recover(&user_id, recovery_code.expose_secret()),
            ErrorType::UnableToAuthenticateRecoveryCode,
        )
        .await?;

    steps
        .call(
            Operation::UsersDeleteTotp.name(),
            client.users().delete_totp(&totp.totp_id),
            |r| &r.request_id,
            |r| format!("removed; user has {} TOTP(s)", r.user.totps.len()),
        )
        .await?;
    if emulator.is_some() {
        steps
            .call(
                Operation::UsersDelete.name(),
                client.users().delete(&user_id),
                |r| &r.request_id,
                |_| "removed".into(),
            )
            .await?;
    }
    println!(
        "Done: sign-in, step-up and the whole TOTP lifecycle ran in {:.0} ms.",
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let Some(handle) = emulator {
        handle.shutdown().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
