//! One `totps.authenticate` call with our client.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = stytch_totp::Client::from_env()?;
    let answer = client
        .totps()
        .authenticate("user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6", "123456")
        .session_duration_minutes(60)
        .await?;
    println!("session for {}", answer.user_id);
    Ok(())
}
