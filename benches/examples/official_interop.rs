//! The official `stytch` crate (11.1.0) against our emulator: the password sign-in and its
//! TOTP step-up, the whole TOTP flow and the sessions calls (authenticate by token and by
//! JWT, get, get_jwks, revoke) must work unchanged, and the session JWT must verify locally
//! against the JWKS the official client fetches, proving the emulator speaks Stytch's wire
//! format to any client.
//!
//! ```sh
//! cd benches && cargo run --release --features emulator --example official_interop
//! # or against a running `stytch-totp serve`, with the three variables it prints:
//! STYTCH_BASE_URL=... STYTCH_PROJECT_ID=... STYTCH_SECRET=... \
//!     cargo run --release --features emulator --example official_interop
//! ```

use std::time::SystemTime;

use stytch::client::{Client as HttpClient, Vertical};
use stytch::consumer::client::Client;
use stytch::consumer::{passwords, sessions, totps, users};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorHandle};

/// The emulator to talk to: `stytch-totp serve` when `STYTCH_BASE_URL` is set (with
/// `STYTCH_PROJECT_ID` and `STYTCH_SECRET`), else one started here.
struct Target {
    base_url: String,
    project_id: String,
    secret: String,
    _embedded: Option<EmulatorHandle>,
}

async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    if let Ok(base_url) = std::env::var("STYTCH_BASE_URL") {
        return Ok(Target {
            base_url,
            project_id: std::env::var("STYTCH_PROJECT_ID")?,
            secret: std::env::var("STYTCH_SECRET")?,
            _embedded: None,
        });
    }
    let emulator = Emulator::start().await?;
    Ok(Target {
        base_url: emulator.base_url().to_owned(),
        project_id: emulator.project_id().to_owned(),
        secret: emulator.secret().to_owned(),
        _embedded: Some(emulator),
    })
}

/// A password sign-up and sign-in start a session with the `password` factor; a TOTP code
/// sent with that session's token adds `totp` to the same session.
async fn password_step_up(stytch: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let email = format!("official-{}@example.com", std::process::id());
    let password = "plaid-Kettle-orbit-97-quasar".to_owned();
    let strength = stytch
        .passwords
        .strength_check(passwords::StrengthCheckRequest {
            password: password.clone(),
            email: Some(email.clone()),
        })
        .await?;
    println!(
        "passwords.strength_check ok  score {}, valid {}, policy {}",
        strength.score, strength.valid_password, strength.strength_policy
    );
    let created = stytch
        .passwords
        .create(passwords::CreateRequest {
            email: email.clone(),
            password: password.clone(),
            ..Default::default()
        })
        .await?;
    println!(
        "passwords.create      ok  {} ({}), password {}",
        created.user_id,
        created.email_id,
        created
            .user
            .password
            .as_ref()
            .map(|p| p.password_id.as_str())
            .unwrap_or("none")
    );
    let signed_in = stytch
        .passwords
        .authenticate(passwords::AuthenticateRequest {
            email: email.clone(),
            password: password.clone(),
            session_duration_minutes: Some(60),
            ..Default::default()
        })
        .await?;
    let first = signed_in.session.ok_or("no session from the password")?;
    let factor_types = |session: &stytch::consumer::sessions::Session| {
        session
            .authentication_factors
            .iter()
            .map(|f| serde_json::to_value(&f.type_).unwrap_or_default())
            .map(|v| v.as_str().unwrap_or("?").to_owned())
            .collect::<Vec<_>>()
    };
    println!(
        "passwords.authenticate ok  session {}, factors {:?}",
        first.session_id,
        factor_types(&first)
    );
    match stytch
        .passwords
        .authenticate(passwords::AuthenticateRequest {
            email: email.clone(),
            password: "not-the-password-at-all".into(),
            ..Default::default()
        })
        .await
    {
        Err(error) => println!("passwords.authenticate (wrong) refused as expected: {error}"),
        Ok(_) => return Err("a wrong password was accepted".into()),
    }

    let totp = stytch
        .totps
        .create(totps::CreateRequest {
            user_id: created.user_id.clone(),
            expiration_minutes: None,
        })
        .await?;
    let code = code_at(&totp.secret, SystemTime::now()).ok_or("bad secret")?;
    let stepped = stytch
        .totps
        .authenticate(totps::AuthenticateRequest {
            user_id: created.user_id.clone(),
            totp_code: code,
            session_token: Some(signed_in.session_token.clone()),
            ..Default::default()
        })
        .await?;
    let session = stepped.session.ok_or("no session after the step-up")?;
    println!(
        "totps.authenticate    ok  step-up: session {}, factors {:?}",
        session.session_id,
        factor_types(&session)
    );
    if session.session_id != first.session_id || factor_types(&session) != ["password", "totp"] {
        return Err("the TOTP code did not step up the password session".into());
    }
    let checked = stytch
        .sessions
        .authenticate(sessions::AuthenticateRequest {
            session_jwt: Some(stepped.session_jwt.clone()),
            ..Default::default()
        })
        .await?;
    println!(
        "sessions.authenticate ok  by the stepped-up JWT, factors {:?}",
        factor_types(&checked.session)
    );
    stytch
        .users
        .delete(users::DeleteRequest {
            user_id: created.user_id,
        })
        .await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = target().await?;
    let base = reqwest::Url::parse(&format!("{}/", target.base_url.trim_end_matches('/')))?;
    let http = HttpClient::new_with_base_url(
        &target.project_id,
        &target.secret,
        base,
        Vertical::Consumer,
    )?;
    let stytch = Client::new_with_http_client(http.clone(), http.clone());
    println!("official stytch 11.1.0 -> emulator at {}", target.base_url);
    password_step_up(&stytch).await?;

    let user = stytch
        .users
        .create(users::CreateRequest {
            email: Some(format!("official-totp-{}@example.com", std::process::id())),
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
        auth.session
            .as_ref()
            .map(|s| s.session_id.as_str())
            .unwrap_or_default()
    );

    let by_token = stytch
        .sessions
        .authenticate(sessions::AuthenticateRequest {
            session_token: Some(auth.session_token.clone()),
            session_custom_claims: Some(serde_json::json!({ "plan": "pro" })),
            ..Default::default()
        })
        .await?;
    println!(
        "sessions.authenticate ok  by token, {} factor(s), claims {}",
        by_token.session.authentication_factors.len(),
        by_token.session.custom_claims.clone().unwrap_or_default()
    );
    let by_jwt = stytch
        .sessions
        .authenticate(sessions::AuthenticateRequest {
            session_jwt: Some(by_token.session_jwt.clone()),
            session_duration_minutes: Some(120),
            ..Default::default()
        })
        .await?;
    println!(
        "sessions.authenticate ok  by JWT, expires {:?}",
        by_jwt.session.expires_at
    );

    let listed_sessions = stytch
        .sessions
        .get(sessions::GetRequest {
            user_id: user.user_id.clone(),
        })
        .await?;
    println!(
        "sessions.get          ok  {} active session(s)",
        listed_sessions.sessions.len()
    );

    let jwks = stytch
        .sessions
        .get_jwks(sessions::GetJWKSRequest {
            project_id: target.project_id.clone(),
        })
        .await?;
    println!(
        "sessions.get_jwks     ok  {} key(s), kid {}",
        jwks.keys.len(),
        jwks.keys
            .first()
            .map(|k| k.kid.as_str())
            .unwrap_or_default()
    );

    // Local verification as the official SDKs do it: the kid from the JWT header, the key
    // from the project's JWKS (fetched by the official client), RS256, iss and aud.
    let jwt = by_jwt.session_jwt.clone();
    let kid = jsonwebtoken::decode_header(&jwt)?.kid.ok_or("no kid")?;
    let jwk = http.fetch_jwk(&kid).await?;
    let key = jsonwebtoken::DecodingKey::from_rsa_components(&jwk.n, &jwk.e)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[&target.project_id]);
    validation.set_issuer(&[format!("stytch.com/{}", target.project_id)]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation)?.claims;
    println!(
        "local JWT check       ok  sub {}, session {}, plan {}",
        claims["sub"], claims["https://stytch.com/session"]["id"], claims["plan"]
    );

    let revoked = stytch
        .sessions
        .revoke(sessions::RevokeRequest {
            session_jwt: Some(jwt.clone()),
            ..Default::default()
        })
        .await?;
    println!("sessions.revoke       ok  {}", revoked.request_id);
    match stytch
        .sessions
        .authenticate(sessions::AuthenticateRequest {
            session_token: Some(auth.session_token.clone()),
            ..Default::default()
        })
        .await
    {
        Err(error) => println!("sessions.authenticate (revoked) refused as expected: {error}"),
        Ok(_) => return Err("a revoked session was accepted".into()),
    }

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
    println!(
        "the official crate ran the password + TOTP step-up, the whole TOTP and the sessions flow against the emulator"
    );
    Ok(())
}
