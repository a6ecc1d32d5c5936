//! Creates a TOTP for a user against real Stytch (or any base URL).
//!
//! ```sh
//! STYTCH_PROJECT_ID=project-test-... STYTCH_SECRET=secret-test-... \
//!     cargo run -p stytch-totp --example create_totp -- user-test-...
//! ```
//! Set `STYTCH_BASE_URL` to point it at the emulator (`cargo run -p stytch-totp-cli -- serve`).

use stytch_totp::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: create_totp USER_ID")?;
    let client = Client::from_env()?;
    match client.totps().create(&user_id).expiration_minutes(60).await {
        Ok(totp) => {
            println!(
                "created {} for {} (request {})",
                totp.totp_id, totp.user_id, totp.request_id
            );
            println!(
                "{} recovery codes; secret and QR code withheld: {:?}",
                totp.recovery_codes.len(),
                totp.secret
            );
            Ok(())
        }
        Err(error) => {
            eprintln!("could not create a TOTP: {error}");
            if let Some(request_id) = error.request_id() {
                eprintln!("quote request_id {request_id} to Stytch support");
            }
            Err(error.into())
        }
    }
}
