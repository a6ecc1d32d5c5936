//! One session JWT taken apart and checked: the RS256 signature with aws-lc-rs, then Stytch's
//! claims with serde and the rules below. Nothing from the payload is read before the
//! signature has verified.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::ParsedPublicKey;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value};
use stytch_totp_models::StytchSessionClaim;

use super::{JwtRejection, SESSION_CLAIM};

/// A JWT split into its parts, header read.
pub(crate) struct Token<'a> {
    /// `header.payload`: what the signature covers.
    signed: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// The key the header names.
    pub kid: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

impl<'a> Token<'a> {
    /// Splits `jwt` and reads its header: three base64url parts, RS256, a `kid`.
    pub fn parse(jwt: &'a str) -> Result<Self, JwtRejection> {
        let mut parts = jwt.splitn(3, '.');
        let (Some(header), Some(payload), Some(signature)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtRejection::Malformed);
        };
        if signature.contains('.') {
            return Err(JwtRejection::Malformed);
        }
        let header = B64.decode(header).map_err(|_| JwtRejection::Malformed)?;
        let header: Header =
            serde_json::from_slice(&header).map_err(|_| JwtRejection::Malformed)?;
        if header.alg != "RS256" {
            return Err(JwtRejection::UnsupportedAlgorithm);
        }
        let kid = header.kid.ok_or(JwtRejection::UnknownKey)?;
        Ok(Self {
            signed: &jwt[..jwt.len() - signature.len() - 1],
            payload,
            signature,
            kid,
        })
    }

    /// Checks the RS256 signature under `key`, then decodes the claims.
    pub fn verify(&self, key: &ParsedPublicKey) -> Result<Signed, JwtRejection> {
        let mut signature = [0u8; 1024];
        let length = B64
            .decode_slice(self.signature, &mut signature)
            .map_err(|_| JwtRejection::BadSignature)?;
        key.verify_sig(self.signed.as_bytes(), &signature[..length])
            .map_err(|_| JwtRejection::BadSignature)?;
        Ok(Signed(
            B64.decode(self.payload)
                .ok()
                .and_then(|payload| serde_json::from_slice(&payload).ok()),
        ))
    }
}

/// The claims of a JWT whose signature verified, `None` when they are not JSON of the
/// expected shape (only Stytch can have signed that, so Stytch is asked).
pub(crate) struct Signed(Option<Claims>);

/// The audience: one string or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, project_id: &str) -> bool {
        match self {
            Audience::One(aud) => aud == project_id,
            Audience::Many(auds) => auds.iter().any(|aud| aud == project_id),
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    aud: Option<Audience>,
    iss: Option<String>,
    sub: Option<String>,
    iat: Option<i64>,
    nbf: Option<i64>,
    exp: Option<i64>,
    #[serde(rename = "https://stytch.com/session")]
    session: Option<StytchSessionClaim>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// What the checks need to know.
pub(crate) struct Rules<'a> {
    pub project_id: &'a str,
    /// Accepted `iss` values.
    pub issuers: &'a [String],
    /// Now, in seconds since the epoch (see [`unix_now`]).
    pub now: i64,
    pub leeway: i64,
    pub max_token_age: Option<Duration>,
}

/// A JWT that passed every check.
pub(crate) struct Verified {
    pub user_id: String,
    pub session: StytchSessionClaim,
    pub custom_claims: Map<String, Value>,
    pub kid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The outcome of the claims checks on a JWT signed by one of the project's keys.
pub(crate) enum Verdict {
    Valid(Box<Verified>),
    /// Signed by Stytch but not acceptable here; Stytch may still accept it.
    AskStytch(&'static str),
    /// Only a forger (or another project's JWT) fails this way.
    Refuse(JwtRejection),
}

impl Signed {
    /// Applies Stytch's rules: `aud` names the project (else refused), then `iss`, `nbf`,
    /// `exp`, the age since `iat`, and the presence of `sub` and the session (else ask Stytch).
    pub fn check(self, rules: &Rules<'_>, kid: String) -> Verdict {
        let Some(claims) = self.0 else {
            return Verdict::AskStytch("its claims do not have the expected shape");
        };
        match &claims.aud {
            Some(aud) if !aud.contains(rules.project_id) => {
                return Verdict::Refuse(JwtRejection::WrongAudience)
            }
            Some(_) => {}
            None => return Verdict::AskStytch("it has no audience"),
        }
        if !claims
            .iss
            .as_ref()
            .is_some_and(|iss| rules.issuers.iter().any(|known| known == iss))
        {
            return Verdict::AskStytch("its issuer is not one configured here");
        }
        let (Some(iat), Some(nbf), Some(exp), Some(sub), Some(session)) = (
            claims.iat,
            claims.nbf,
            claims.exp,
            claims.sub,
            claims.session,
        ) else {
            return Verdict::AskStytch("a required claim is missing");
        };
        let verified = Verified {
            user_id: sub,
            session,
            custom_claims: custom_claims(claims.rest),
            kid,
            iat,
            nbf,
            exp,
        };
        match verified.usable(rules.now, rules.leeway, rules.max_token_age) {
            Ok(()) => Verdict::Valid(Box::new(verified)),
            Err(reason) => Verdict::AskStytch(reason),
        }
    }
}

impl Verified {
    /// The time rules, as Stytch's SDKs apply them: `nbf <= now + leeway`,
    /// `now < exp + leeway`, and `now - iat < max_token_age` (so a zero age always asks).
    pub fn usable(
        &self,
        now: i64,
        leeway: i64,
        max_token_age: Option<Duration>,
    ) -> Result<(), &'static str> {
        if self.nbf > now.saturating_add(leeway) {
            return Err("it is not valid yet (nbf)");
        }
        if now >= self.exp.saturating_add(leeway) {
            return Err("it has expired (exp)");
        }
        if let Some(age) = max_token_age {
            let age = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
            if now.saturating_sub(self.iat) >= age {
                return Err("it is older than max_token_age");
            }
        }
        Ok(())
    }
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

fn custom_claims(mut rest: Map<String, Value>) -> Map<String, Value> {
    for reserved in RESERVED_CLAIMS {
        rest.remove(reserved);
    }
    rest
}

/// Seconds since the epoch, following tokio's clock: when a test pauses and advances it
/// (`tokio::time::pause`, `advance`), JWT times move with it, like the key set's lifetime.
/// Without a paused clock this is the system clock.
pub(crate) fn unix_now() -> i64 {
    let ahead = tokio::time::Instant::now()
        .into_std()
        .saturating_duration_since(std::time::Instant::now());
    let now = SystemTime::now() + ahead;
    now.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
    })
}
