//! Records to API models: the emulator's state as the `stytch_totp_models` types Stytch's
//! responses are made of.
//!
//! Plain struct literals: the compiler points here when a spec adds a field.

use std::time::SystemTime;

use stytch_totp_models::{
    Attributes, AuthenticationFactor, AuthenticatorAppFactor, EmailFactor, GetUserResponse, Jwk,
    RecoveryCodeFactor, Session, User, UserPassword, UserTotp,
};

use crate::clock::rfc3339;
use crate::store::locks::Lock;
use crate::store::sessions::SessionRecord;
use crate::store::totps::TotpRecord;
use crate::store::users::UserRecord;
use crate::SigningKey;

/// A user as Stytch shows it, with its TOTP and lock.
pub(crate) fn user(record: &UserRecord, totp: Option<&TotpRecord>, lock: Option<Lock>) -> User {
    User {
        biometric_registrations: Vec::new(),
        created_at: Some(rfc3339(record.created_at)),
        crypto_wallets: Vec::new(),
        emails: record.emails.clone(),
        external_id: record.external_id.clone(),
        is_locked: lock.is_some(),
        lock_created_at: lock.map(|l| rfc3339(l.created_at)),
        lock_expires_at: lock.map(|l| rfc3339(l.expires_at)),
        name: Some(record.name.clone()),
        password: record.password.as_ref().map(|p| UserPassword {
            password_id: p.password_id.clone(),
            requires_reset: false,
        }),
        phone_numbers: record.phone_numbers.clone(),
        providers: Vec::new(),
        roles: record.roles.clone(),
        status: record.status.clone(),
        totps: totp
            .iter()
            .map(|t| UserTotp {
                totp_id: t.totp_id.clone(),
                verified: t.verified,
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

/// The session factor of a TOTP code.
pub(crate) fn totp_factor(totp_id: &str, now: SystemTime) -> AuthenticationFactor {
    let mut factor = factor("totp", "authenticator_app", now);
    factor.authenticator_app_factor = Some(AuthenticatorAppFactor {
        totp_id: totp_id.to_owned(),
    });
    factor
}

/// The session factor of a password: Stytch's `password` / `knowledge`, naming the email.
pub(crate) fn password_factor(
    email_id: &str,
    email_address: &str,
    now: SystemTime,
) -> AuthenticationFactor {
    let mut factor = factor("password", "knowledge", now);
    factor.email_factor = Some(EmailFactor {
        email_address: email_address.to_owned(),
        email_id: email_id.to_owned(),
    });
    factor
}

/// The session factor of a recovery code.
pub(crate) fn recovery_code_factor(
    recovery_code_id: &str,
    now: SystemTime,
) -> AuthenticationFactor {
    let mut factor = factor("recovery_codes", "recovery_code", now);
    factor.recovery_code_factor = Some(RecoveryCodeFactor {
        totp_recovery_code_id: recovery_code_id.to_owned(),
    });
    factor
}

/// A factor of this type and delivery method authenticated `now`, with no details yet.
fn factor(type_: &str, delivery_method: &str, now: SystemTime) -> AuthenticationFactor {
    let at = rfc3339(now);
    AuthenticationFactor {
        amazon_oauth_factor: None,
        apple_oauth_factor: None,
        authenticator_app_factor: None,
        biometric_factor: None,
        bitbucket_oauth_factor: None,
        coinbase_oauth_factor: None,
        created_at: Some(at.clone()),
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
        last_authenticated_at: Some(at.clone()),
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
        updated_at: Some(at.clone()),
        webauthn_factor: None,
        yahoo_oauth_factor: None,
    }
}

/// A session as Stytch shows it.
pub(crate) fn session(record: &SessionRecord, roles: Vec<String>) -> Session {
    Session {
        attributes: Some(Attributes {
            ip_address: Some(String::new()),
            user_agent: Some(String::new()),
        }),
        authentication_factors: record.factors.clone(),
        custom_claims: Some(record.custom_claims.clone()),
        expires_at: Some(rfc3339(record.expires_at)),
        last_accessed_at: Some(rfc3339(record.last_accessed_at)),
        roles,
        session_id: record.session_id.clone(),
        started_at: Some(rfc3339(record.started_at)),
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
