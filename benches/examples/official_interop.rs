//! The official `stytch` crate (11.1.0) against our emulator: the whole TOTP flow must work
//! unchanged, proving the emulator speaks Stytch's wire format to any client.
//!
//! ```sh
//! cd benches && cargo run --release --features emulator --example official_interop
//! ```

use std::time::SystemTime;

use stytch::client::{Client as HttpClient, Vertical};
use stytch::consumer::client::Client;
use stytch::consumer::{totps, users};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::Emulator;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let base = reqwest::Url::parse(&format!("{}/", emulator.base_url()))?;
    let http = HttpClient::new_with_base_url(
        emulator.project_id(),
        emulator.secret(),
        base,
        Vertical::Consumer,
    )?;
    let stytch = Client::new_with_http_client(http.clone(), http);
    println!(
        "official stytch 11.1.0 -> emulator at {}",
        emulator.base_url()
    );

    let user = stytch
        .users
        .create(users::CreateRequest {
            email: Some("official@example.com".into()),
            ..Default::default()
        })
        .await?;
    println!(
        "users.create          ok  {} ({})",
        user.user_id, user.request_id
    );

    let totp = stytch
        .totps
        .create(totps::CreateRequest {
            user_id: user.user_id.clone(),
            expiration_minutes: Some(30),
        })
        .await?;
    println!(
        "totps.create          ok  {} with {} recovery codes",
        totp.totp_id,
        totp.recovery_codes.len()
    );

    let code = code_at(&totp.secret, SystemTime::now()).ok_or("bad secret")?;
    let auth = stytch
        .totps
        .authenticate(totps::AuthenticateRequest {
            user_id: user.user_id.clone(),
            totp_code: code,
            session_duration_minutes: Some(60),
            ..Default::default()
        })
        .await?;
    println!(
        "totps.authenticate    ok  session {}",
        auth.session.map(|s| s.session_id).unwrap_or_default()
    );

    let listed = stytch
        .totps
        .recovery_codes(totps::RecoveryCodesRequest {
            user_id: user.user_id.clone(),
        })
        .await?;
    println!("totps.recovery_codes  ok  {} TOTP(s)", listed.totps.len());

    let recovered = stytch
        .totps
        .recover(totps::RecoverRequest {
            user_id: user.user_id.clone(),
            recovery_code: totp.recovery_codes[0].clone(),
            ..Default::default()
        })
        .await?;
    println!("totps.recover         ok  {}", recovered.request_id);

    let reuse = stytch
        .totps
        .recover(totps::RecoverRequest {
            user_id: user.user_id.clone(),
            recovery_code: totp.recovery_codes[0].clone(),
            ..Default::default()
        })
        .await;
    match reuse {
        Err(error) => println!("totps.recover (reuse) refused as expected: {error}"),
        Ok(_) => return Err("a spent recovery code was accepted".into()),
    }

    let fetched = stytch
        .users
        .get(users::GetRequest {
            user_id: user.user_id.clone(),
        })
        .await?;
    println!(
        "users.get             ok  {} TOTP(s), verified: {}",
        fetched.totps.len(),
        fetched.totps.iter().all(|t| t.verified)
    );

    let deleted = stytch
        .users
        .delete_totp(users::DeleteTOTPRequest {
            totp_id: totp.totp_id.clone(),
        })
        .await?;
    println!(
        "users.delete_totp     ok  {} TOTP(s) left",
        deleted.user.totps.len()
    );
    println!("the official crate ran the whole TOTP flow against the emulator");
    Ok(())
}
