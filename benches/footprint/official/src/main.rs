//! One `totps.authenticate` call with the official crate.

use stytch::consumer::totps::AuthenticateRequest;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let project_id = std::env::var("STYTCH_PROJECT_ID")?;
    let secret = std::env::var("STYTCH_SECRET")?;
    let client = stytch::consumer::client::Client::new(&project_id, &secret)?;
    let answer = client
        .totps
        .authenticate(AuthenticateRequest {
            user_id: "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6".to_owned(),
            totp_code: "123456".to_owned(),
            session_duration_minutes: Some(60),
            ..Default::default()
        })
        .await?;
    println!("session for {}", answer.user_id);
    Ok(())
}
