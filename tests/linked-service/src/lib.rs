//! A user's service, as small as it gets: it checks Stytch session JWTs with the SDK, reads
//! its own tokens' headers with jsonwebtoken (built with the `aws_lc_rs` provider, as another
//! crate of the user's tree might choose), and sends webhooks with a plain
//! `reqwest::Client::new()`. Nothing here installs a crypto provider: the test in
//! `tests/linked.rs` proves that nothing panics and every call succeeds that way, in a process
//! without the emulator (which once installed a provider for every test that started it).
//!
//! ```no_run
//! # async fn run(stytch: stytch_totp::Client, jwt: String) -> Result<(), Box<dyn std::error::Error>> {
//! let service = stytch_totp_linked_service::Service::new(stytch);
//! let user = service.user_of(&jwt).await?;
//! service.notify("https://hooks.example.com/login", &user).await?;
//! # Ok(()) }
//! ```

use stytch_totp::{Checked, Client};

/// The service's dependencies, built at start-up.
pub struct Service {
    stytch: Client,
    webhooks: reqwest::Client,
}

/// What a request handler learns from a session JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The Stytch user id.
    pub id: String,
    /// The signing key the JWT names (read with jsonwebtoken).
    pub kid: Option<String>,
    /// Whether Stytch was asked (the JWT was expired or too old).
    pub asked_stytch: bool,
}

impl Service {
    /// The service's clients; the webhook client is built with no setup at all.
    pub fn new(stytch: Client) -> Self {
        Self {
            stytch,
            webhooks: reqwest::Client::new(),
        }
    }

    /// The user a session JWT belongs to.
    pub async fn user_of(&self, jwt: &str) -> Result<User, Box<dyn std::error::Error>> {
        let kid = jsonwebtoken::decode_header(jwt)?.kid;
        let verified = self.stytch.sessions().authenticate_jwt(jwt).await?;
        Ok(User {
            id: verified.user_id,
            kid,
            asked_stytch: matches!(verified.checked, Checked::Remotely(_)),
        })
    }

    /// Posts a login event to a webhook.
    pub async fn notify(&self, url: &str, user: &User) -> Result<(), reqwest::Error> {
        self.webhooks
            .post(url)
            .body(serde_json::json!({ "user_id": user.id }).to_string())
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}
