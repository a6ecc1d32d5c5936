//! Domain facts to API models: the emulator's state as the `stytch_totp_models` types
//! Stytch's responses are made of, and the claims of session JWTs. Called after the store's
//! lock is released.
//!
//! Plain struct literals: the compiler points here when a spec adds a field.

use std::time::SystemTime;

use stytch_totp_models::{
    Attributes, AuthenticationFactor, AuthenticatorAppFactor, EmailFactor, GetUserResponse, Jwk,
    RecoveryCodeFactor, Session, StytchSessionClaim, User, UserPassword, UserTotp,
};

use super::errors::ApiError;
use crate::clock::{timestamp, unix_seconds};
use crate::domain::sessions::{Factor, FactorKind, SessionView};
use crate::domain::UserView;
use crate::jwt::{self, Claims, JWT_LIFETIME_SECONDS};
use crate::SigningKey;

/// A user as Stytch shows it, with its TOTP and lock.
pub(crate) fn user(view: &UserView) -> User {
    let record = &view.record;
    let lock = view.lock;
    User {
        biometric_registrations: Vec::new(),
        created_at: Some(timestamp(record.created_at)),
        crypto_wallets: Vec::new(),
        emails: record.emails.clone(),
        external_id: record.external_id.clone(),
        is_locked: lock.is_some(),
        lock_created_at: lock.map(|l| timestamp(l.created_at)),
        lock_expires_at: lock.map(|l| timestamp(l.expires_at)),
        name: Some(record.name.clone()),
        password: record.password.as_ref().map(|p| UserPassword {
            password_id: p.password_id.clone(),
            requires_reset: false,
        }),
        phone_numbers: record.phone_numbers.clone(),
        providers: Vec::new(),
        roles: record.roles.clone(),
        status: record.status.clone(),
        totps: view
            .totp
            .iter()
            .map(|(totp_id, verified)| UserTotp {
                totp_id: totp_id.clone(),
                verified: *verified,
            })
            .collect(),
        trusted_metadata: Some(record.trusted_metadata.clone()),
        untrusted_metadata: Some(record.untrusted_metadata.clone()),
        user_id: record.user_id.clone(),
        webauthn_registrations: Vec::new(),
    }
}

/// [`UsersGet`](crate::Operation::UsersGet): the user's fields at top level, beside `request_id`.
pub(crate) fn get_user_response(user: User, request_id: &str) -> GetUserResponse {
    GetUserResponse {
        biometric_registrations: user.biometric_registrations,
        created_at: user.created_at,
        crypto_wallets: user.crypto_wallets,
        emails: user.emails,
        external_id: user.external_id,
        is_locked: user.is_locked,
        lock_created_at: user.lock_created_at,
        lock_expires_at: user.lock_expires_at,
        name: user.name,
        password: user.password,
        phone_numbers: user.phone_numbers,
        providers: user.providers,
        request_id: request_id.to_owned(),
        roles: user.roles,
        status: user.status,
        status_code: 200,
        totps: user.totps,
        trusted_metadata: user.trusted_metadata,
        untrusted_metadata: user.untrusted_metadata,
        user_id: user.user_id,
        webauthn_registrations: user.webauthn_registrations,
    }
}

/// A session factor as Stytch shows it.
fn authentication_factor(factor: &Factor) -> AuthenticationFactor {
    let mut rendered = match &factor.kind {
        FactorKind::Totp { totp_id } => {
            let mut rendered =
                self::factor("totp", "authenticator_app", factor.last_authenticated_at);
            rendered.authenticator_app_factor = Some(AuthenticatorAppFactor {
                totp_id: totp_id.clone(),
            });
            rendered
        }
        FactorKind::RecoveryCode { recovery_code_id } => {
            let mut rendered = self::factor(
                "recovery_codes",
                "recovery_code",
                factor.last_authenticated_at,
            );
            rendered.recovery_code_factor = Some(RecoveryCodeFactor {
                totp_recovery_code_id: recovery_code_id.clone(),
            });
            rendered
        }
        // Stytch's `password` / `knowledge`, naming the email signed in with.
        FactorKind::Password {
            email_id,
            email_address,
        } => {
            let mut rendered = self::factor("password", "knowledge", factor.last_authenticated_at);
            rendered.email_factor = Some(EmailFactor {
                email_address: email_address.clone(),
                email_id: email_id.clone(),
            });
            rendered
        }
    };
    rendered.created_at = Some(timestamp(factor.created_at));
    rendered
}

/// A factor of this type and delivery method authenticated `now`, with no details yet.
fn factor(type_: &str, delivery_method: &str, now: SystemTime) -> AuthenticationFactor {
    let at = Some(timestamp(now));
    AuthenticationFactor {
        amazon_oauth_factor: None,
        apple_oauth_factor: None,
        authenticator_app_factor: None,
        biometric_factor: None,
        bitbucket_oauth_factor: None,
        coinbase_oauth_factor: None,
        created_at: at,
        crypto_wallet_factor: None,
        delivery_method: delivery_method.to_owned(),
        discord_oauth_factor: None,
        email_factor: None,
        embeddable_magic_link_factor: None,
        facebook_oauth_factor: None,
        figma_oauth_factor: None,
        git_lab_oauth_factor: None,
        github_oauth_exchange_factor: None,
        github_oauth_factor: None,
        google_oauth_exchange_factor: None,
        google_oauth_factor: None,
        hubspot_oauth_exchange_factor: None,
        hubspot_oauth_factor: None,
        impersonated_factor: None,
        instagram_oauth_factor: None,
        last_authenticated_at: at,
        linked_in_oauth_factor: None,
        microsoft_oauth_factor: None,
        oauth_access_token_exchange_factor: None,
        oidc_sso_factor: None,
        phone_number_factor: None,
        recovery_code_factor: None,
        salesforce_oauth_factor: None,
        saml_sso_factor: None,
        shopify_oauth_factor: None,
        slack_oauth_exchange_factor: None,
        slack_oauth_factor: None,
        snapchat_oauth_factor: None,
        spotify_oauth_factor: None,
        steam_oauth_factor: None,
        tik_tok_oauth_factor: None,
        trusted_auth_token_factor: None,
        twitch_oauth_factor: None,
        twitter_oauth_factor: None,
        type_: type_.to_owned(),
        updated_at: at,
        webauthn_factor: None,
        yahoo_oauth_factor: None,
    }
}

/// A session as Stytch shows it.
pub(crate) fn session(view: &SessionView) -> Session {
    let record = &view.record;
    let roles = view.roles.clone();
    Session {
        attributes: Some(Attributes {
            ip_address: Some(String::new()),
            user_agent: Some(String::new()),
        }),
        authentication_factors: record.factors.iter().map(authentication_factor).collect(),
        custom_claims: Some(record.custom_claims.clone()),
        expires_at: Some(timestamp(record.expires_at)),
        last_accessed_at: Some(timestamp(record.last_accessed_at)),
        roles,
        session_id: record.session_id.clone(),
        started_at: Some(timestamp(record.started_at)),
        user_id: record.user_id.clone(),
    }
}

/// The JWK of the public half of `key` (what Stytch's JWKS lists; no certificate chain).
pub(crate) fn jwk(key: &SigningKey) -> Jwk {
    Jwk {
        alg: "RS256".to_owned(),
        e: key.exponent().to_owned(),
        key_ops: vec!["verify".to_owned()],
        kid: key.key_id().to_owned(),
        kty: "RSA".to_owned(),
        n: key.modulus().to_owned(),
        use_: "sig".to_owned(),
        x5c: Vec::new(),
        // No certificate chain: an empty thumbprint, which the official SDKs still parse
        // (the Rust crate requires the field).
        x5t_s256: Some(String::new()),
    }
}

/// The session fields of a response: the session, its token and a JWT freshly signed.
pub(crate) struct SessionFields {
    pub(crate) session: Session,
    pub(crate) token: String,
    pub(crate) jwt: String,
}

/// Signs `view`'s JWT (outside the store's lock) and renders its session.
pub(crate) fn session_fields(
    view: &SessionView,
    key: &SigningKey,
    project_id: &str,
) -> Result<SessionFields, ApiError> {
    let session = session(view);
    let record = &view.record;
    let iat = unix_seconds(view.at);
    let claims = Claims {
        sub: record.user_id.clone(),
        iss: jwt::issuer(project_id),
        aud: vec![project_id.to_owned()],
        iat,
        nbf: iat,
        exp: iat.saturating_add(JWT_LIFETIME_SECONDS),
        session: StytchSessionClaim {
            id: record.session_id.clone(),
            started_at: timestamp(record.started_at),
            last_accessed_at: timestamp(record.last_accessed_at),
            expires_at: timestamp(record.expires_at),
            attributes: session.attributes.clone(),
            authentication_factors: session.authentication_factors.clone(),
            roles: session.roles.clone(),
        },
        custom: record.custom_claims.clone(),
    };
    let jwt = key
        .sign(&claims)
        .ok_or_else(|| ApiError::internal("The session JWT could not be signed."))?;
    Ok(SessionFields {
        session,
        token: record.token.clone(),
        jwt,
    })
}

/// A TOTP authenticate/recover body with `"session": null` when no session was asked for, as
/// in Stytch's documented example (the generated models leave a `None` session out).
#[derive(serde::Serialize)]
pub(crate) struct SignInBody<T> {
    #[serde(flatten)]
    pub(crate) body: T,
    #[serde(
        rename = "session",
        skip_serializing_if = "has_session",
        serialize_with = "null"
    )]
    pub(crate) no_session: bool,
}

fn has_session(no_session: &bool) -> bool {
    !*no_session
}

fn null<S: serde::Serializer>(_: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_none()
}
