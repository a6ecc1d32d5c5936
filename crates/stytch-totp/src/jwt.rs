//! Local verification of session JWTs: `client.sessions().authenticate_jwt(jwt)`.
//!
//! Stytch signs session JWTs with RS256 and publishes its keys at
//! [`SessionsGetJwks`](crate::Operation::SessionsGetJwks). Checking the signature and claims here costs no
//! request, which is how Stytch tells backends to use JWTs; a JWT past its `exp` (they last
//! five minutes) or older than a chosen `max_token_age` is checked with Stytch instead, which
//! also answers a fresh JWT. Stytch's Node and Python SDKs behave the same way.

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};
use stytch_totp_models::{AuthenticateSessionResponse, SecretString, Session, StytchSessionClaim};

use crate::{Client, Error};

/// Why a session JWT was refused without asking Stytch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtRejection {
    /// Not three base64url parts with JSON inside.
    #[error("it is not a well-formed JWT")]
    Malformed,
    /// Signed with another algorithm than RS256.
    #[error("it is not signed with RS256")]
    UnsupportedAlgorithm,
    /// The header names no key, or a key the project does not publish.
    #[error("it names a signing key the project does not publish")]
    UnknownKey,
    /// The signature does not match the key.
    #[error("its signature does not verify")]
    BadSignature,
    /// Issued for another project or by another issuer.
    #[error("it was issued by someone else (iss)")]
    WrongIssuer,
    /// Meant for another project.
    #[error("it is meant for another project (aud)")]
    WrongAudience,
    /// Its `nbf` lies in the future.
    #[error("it is not valid yet (nbf)")]
    NotYetValid,
    /// A required claim (`sub`, `iat`, `exp`, `nbf`, the session claim) is missing or malformed.
    #[error("a required claim is missing or malformed")]
    MissingClaims,
}

/// A session that was verified, with where it was checked.
#[derive(Debug, Clone)]
pub struct VerifiedSession {
    /// The user the session belongs to (the JWT's `sub`).
    pub user_id: String,
    /// The session: id, start, last access, expiry, authentication factors.
    pub session: StytchSessionClaim,
    /// The session's custom claims.
    pub custom_claims: Map<String, Value>,
    /// Whether the JWT was checked here or by Stytch.
    pub checked: Checked,
}

/// Where a session JWT was checked.
#[derive(Debug, Clone)]
pub enum Checked {
    /// Here, against the cached public keys: no request was made.
    Locally,
    /// By Stytch (`sessions.authenticate`), because the JWT was past its `exp` or older than
    /// `max_token_age`. The response carries a fresh `session_jwt` to hand back to the caller.
    Remotely(Box<AuthenticateSessionResponse>),
}

/// Local verification of a session JWT. Await it, or call [`AuthenticateJwt::send`].
///
/// ```no_run
/// # async fn check(client: stytch_totp::Client, jwt: String) -> Result<(), stytch_totp::Error> {
/// use std::time::Duration;
/// use stytch_totp::Checked;
/// let verified = client
///     .sessions()
///     .authenticate_jwt(jwt)
///     .max_token_age(Duration::from_secs(60))
///     .await?;
/// println!("user {} session {}", verified.user_id, verified.session.id);
/// if let Checked::Remotely(fresh) = &verified.checked {
///     let _new_jwt = fresh.session_jwt.expose_secret(); // set it as the caller's new cookie
/// }
/// # Ok(()) }
/// ```
#[must_use = "a verification does nothing until awaited"]
#[derive(Debug)]
pub struct AuthenticateJwt<'c> {
    client: &'c Client,
    jwt: SecretString,
    max_token_age: Option<Duration>,
    leeway: Duration,
    timeout: Option<Duration>,
}

/// Claims Stytch reserves; every other top-level claim is a custom claim.
const RESERVED_CLAIMS: [&str; 8] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    SESSION_CLAIM,
];

/// The claim holding the session.
pub const SESSION_CLAIM: &str = "https://stytch.com/session";

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    #[serde(rename = "https://stytch.com/session")]
    session: StytchSessionClaim,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// What the local check concluded.
enum Local {
    Valid(Box<Claims>),
    /// Valid signature, but expired or too old: ask Stytch.
    AskStytch,
}

impl<'c> AuthenticateJwt<'c> {
    pub(crate) fn new(client: &'c Client, jwt: SecretString) -> Self {
        Self {
            client,
            jwt,
            max_token_age: None,
            leeway: Duration::ZERO,
            timeout: None,
        }
    }

    /// Check JWTs issued longer ago than this with Stytch instead (a revoked session is then
    /// noticed within this time). Without it only `exp` (five minutes) limits a JWT's use.
    pub fn max_token_age(mut self, age: Duration) -> Self {
        self.max_token_age = Some(age);
        self
    }

    /// Clock tolerance for `exp` and `nbf` (default none, as Stytch's SDKs).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Verifies locally (fetching the project's keys once, and again when a JWT names an
    /// unknown key), falling back to Stytch as described on [`AuthenticateJwt`].
    pub async fn send(self) -> Result<VerifiedSession, Error> {
        let client = self.client;
        let local = verify_locally(client, &self.jwt, self.leeway, self.max_token_age).await?;
        match local {
            Local::Valid(claims) => {
                let claims = *claims;
                Ok(VerifiedSession {
                    user_id: claims.sub,
                    session: claims.session,
                    custom_claims: custom_claims(claims.rest),
                    checked: Checked::Locally,
                })
            }
            Local::AskStytch => {
                let mut request = client.sessions().authenticate().session_jwt(self.jwt);
                if let Some(timeout) = self.timeout {
                    request = request.timeout(timeout);
                }
                let response = request.send().await?;
                Ok(VerifiedSession {
                    user_id: response.session.user_id.clone(),
                    session: session_claim(&response.session),
                    custom_claims: response.session.custom_claims.clone().unwrap_or_default(),
                    checked: Checked::Remotely(Box::new(response)),
                })
            }
        }
    }
}
crate::call::call_builder!(AuthenticateJwt => VerifiedSession);

async fn verify_locally(
    client: &Client,
    jwt: &SecretString,
    leeway: Duration,
    max_token_age: Option<Duration>,
) -> Result<Local, Error> {
    let jwt = jwt.expose_secret();
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| reject(JwtRejection::Malformed))?;
    if header.alg != Algorithm::RS256 {
        return Err(reject(JwtRejection::UnsupportedAlgorithm));
    }
    let kid = header.kid.ok_or(reject(JwtRejection::UnknownKey))?;
    let key = client.jwks().key(client, &kid).await?;

    let project_id = client.project_id();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[project_id]);
    let base = client.base_url().as_str().trim_end_matches('/');
    validation.set_issuer(&[format!("stytch.com/{project_id}").as_str(), base]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = leeway.as_secs();

    let claims = match jsonwebtoken::decode::<Claims>(jwt, &key, &validation) {
        Ok(data) => Box::new(data.claims),
        // The signature was checked before the claims: an expired JWT is genuine.
        Err(e) if *e.kind() == ErrorKind::ExpiredSignature => return Ok(Local::AskStytch),
        Err(e) => return Err(reject(rejection(e.kind()))),
    };
    if let Some(max_age) = max_token_age {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        // `>=` as Stytch's SDKs: a zero age always asks Stytch, even within the JWT's second.
        if now.saturating_sub(claims.iat) >= max_age.as_secs() {
            return Ok(Local::AskStytch);
        }
    }
    Ok(Local::Valid(claims))
}

fn rejection(kind: &ErrorKind) -> JwtRejection {
    match kind {
        ErrorKind::InvalidSignature => JwtRejection::BadSignature,
        ErrorKind::InvalidIssuer => JwtRejection::WrongIssuer,
        ErrorKind::InvalidAudience => JwtRejection::WrongAudience,
        ErrorKind::ImmatureSignature => JwtRejection::NotYetValid,
        ErrorKind::InvalidAlgorithm => JwtRejection::UnsupportedAlgorithm,
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => JwtRejection::MissingClaims,
        _ => JwtRejection::Malformed,
    }
}

fn reject(rejection: JwtRejection) -> Error {
    Error::InvalidSessionJwt(rejection)
}

fn custom_claims(mut rest: Map<String, Value>) -> Map<String, Value> {
    for reserved in RESERVED_CLAIMS {
        rest.remove(reserved);
    }
    rest
}

/// The session as the JWT claim shapes it, from Stytch's Session object.
fn session_claim(session: &Session) -> StytchSessionClaim {
    StytchSessionClaim {
        id: session.session_id.clone(),
        started_at: session.started_at.clone().unwrap_or_default(),
        last_accessed_at: session.last_accessed_at.clone().unwrap_or_default(),
        expires_at: session.expires_at.clone().unwrap_or_default(),
        attributes: session.attributes.clone(),
        authentication_factors: session.authentication_factors.clone(),
        roles: session.roles.clone(),
    }
}
