//! Stytch's rules, checked without HTTP: commands in, facts or refusals out, on a fixed clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Map;
use stytch_totp_models::{ExpirationMinutes, SessionDurationMinutes, UserName};

use super::commands::{
    NewTotp, NewUser, RecoveryCheck, RecoveryCodeInput, SessionArgs, SessionRef, TotpCheck,
    TotpCodeInput,
};
use super::sessions::FactorKind;
use super::{Ctx, Refusal, SignedIn, Store};
use crate::ids::Ids;
use crate::{totp, LockPolicy};

const T0: u64 = 1_700_000_000;

fn ctx_at(seconds: u64) -> Ctx {
    Ctx {
        now: UNIX_EPOCH + Duration::from_secs(seconds),
        ids: Ids::for_project("project-test-x"),
        lock_policy: LockPolicy {
            max_failed_attempts: 3,
            lock_duration: Duration::from_secs(3600),
        },
    }
}

fn no_session() -> SessionArgs {
    SessionArgs {
        existing: None,
        duration: None,
        custom_claims: Map::new(),
    }
}

fn new_session(minutes: i64) -> SessionArgs {
    SessionArgs {
        duration: Some(SessionDurationMinutes::new(minutes).unwrap()),
        ..no_session()
    }
}

fn step_up(token: &str) -> SessionArgs {
    SessionArgs {
        existing: Some(SessionRef::Token(token.to_owned())),
        ..no_session()
    }
}

/// A store with one user holding an unverified TOTP: (store, user id, base32 secret, codes).
fn user_with_totp(
    ctx: &Ctx,
    expiration_minutes: Option<i64>,
) -> (Store, String, String, Vec<String>) {
    let mut store = Store::default();
    let user = store
        .create_user(
            NewUser {
                email: Some("jane@example.com".into()),
                phone_number: None,
                external_id: None,
                name: UserName::default(),
                roles: Vec::new(),
                trusted_metadata: Map::new(),
                untrusted_metadata: Map::new(),
                pending: false,
            },
            ctx,
        )
        .unwrap();
    let user_id = user.record.user_id;
    let created = store
        .create_totp(
            &NewTotp {
                user_id: user_id.clone(),
                expiration: expiration_minutes.map(|m| ExpirationMinutes::new(m).unwrap()),
            },
            ctx,
        )
        .unwrap();
    let secret = totp::base32(&created.totp.secret);
    (store, user_id, secret, created.totp.recovery_codes)
}

fn code(secret: &str, at: SystemTime) -> TotpCodeInput {
    TotpCodeInput::Code(totp::code_at(secret, at).unwrap())
}

fn authenticate(
    store: &mut Store,
    user_id: &str,
    code: TotpCodeInput,
    session: SessionArgs,
    ctx: &Ctx,
) -> Result<SignedIn, Refusal> {
    store.authenticate_totp(
        &TotpCheck {
            user_id: user_id.to_owned(),
            code,
            session,
        },
        ctx,
    )
}

fn recover(
    store: &mut Store,
    user_id: &str,
    code: &str,
    session: SessionArgs,
    ctx: &Ctx,
) -> Result<SignedIn, Refusal> {
    store.recover(
        &RecoveryCheck {
            user_id: user_id.to_owned(),
            code: RecoveryCodeInput::Code(code.to_owned()),
            session,
        },
        ctx,
    )
}

#[test]
fn a_code_is_accepted_once_and_verifies_the_totp() {
    let ctx = ctx_at(T0);
    let (mut store, user_id, secret, _) = user_with_totp(&ctx, None);
    let signed_in = authenticate(
        &mut store,
        &user_id,
        code(&secret, ctx.now),
        no_session(),
        &ctx,
    )
    .unwrap();
    assert_eq!(signed_in.user.totp.as_ref().map(|t| t.1), Some(true));
    assert!(signed_in.session.is_none(), "no session asked for");
    let replay = authenticate(
        &mut store,
        &user_id,
        code(&secret, ctx.now),
        no_session(),
        &ctx,
    );
    assert_eq!(replay.err(), Some(Refusal::TotpCodeReplayed));
    // The previous step's code is older than the accepted one: refused too.
    let older = code(&secret, ctx.now - Duration::from_secs(30));
    let replay = authenticate(&mut store, &user_id, older, no_session(), &ctx);
    assert_eq!(replay.err(), Some(Refusal::TotpCodeReplayed));
    // The next step's code is fine.
    let later = ctx_at(T0 + 30);
    assert!(authenticate(
        &mut store,
        &user_id,
        code(&secret, later.now),
        no_session(),
        &later
    )
    .is_ok());
}

#[test]
fn failures_of_both_factors_count_toward_one_lock_and_a_success_resets_them() {
    let ctx = ctx_at(T0);
    let (mut store, user_id, secret, codes) = user_with_totp(&ctx, None);
    let wrong = || TotpCodeInput::Code("000000".into());
    // (The code for T0 is vanishingly unlikely to be 000000 in all three steps.)
    assert_eq!(
        authenticate(&mut store, &user_id, wrong(), no_session(), &ctx).err(),
        Some(Refusal::WrongTotpCode)
    );
    assert_eq!(
        recover(&mut store, &user_id, "aaaa-bbbb-cccc", no_session(), &ctx).err(),
        Some(Refusal::WrongRecoveryCode)
    );
    // A success resets the count: two more failures do not lock.
    assert!(recover(&mut store, &user_id, &codes[0], no_session(), &ctx).is_ok());
    assert!(authenticate(&mut store, &user_id, wrong(), no_session(), &ctx).is_err());
    assert!(recover(&mut store, &user_id, "aaaa-bbbb-cccc", no_session(), &ctx).is_err());
    assert!(store.get_user(&user_id, &ctx).unwrap().lock.is_none());
    // The third consecutive failure locks, for the policy's hour on the emulator clock.
    assert!(authenticate(&mut store, &user_id, wrong(), no_session(), &ctx).is_err());
    let until = ctx.now + Duration::from_secs(3600);
    let locked = authenticate(
        &mut store,
        &user_id,
        code(&secret, ctx.now),
        no_session(),
        &ctx,
    );
    assert_eq!(locked.err(), Some(Refusal::UserLocked(until)));
    assert_eq!(
        recover(&mut store, &user_id, &codes[1], no_session(), &ctx).err(),
        Some(Refusal::UserLocked(until))
    );
    let after = ctx_at(T0 + 3600);
    assert!(store.get_user(&user_id, &after).unwrap().lock.is_none());
    assert!(recover(&mut store, &user_id, &codes[1], no_session(), &after).is_ok());
}

#[test]
fn a_second_factor_steps_up_the_same_session() {
    let ctx = ctx_at(T0);
    let (mut store, user_id, secret, codes) = user_with_totp(&ctx, None);
    let first = recover(&mut store, &user_id, &codes[0], new_session(60), &ctx).unwrap();
    let session = first.session.unwrap();
    assert_eq!(session.record.factors.len(), 1);
    let later = ctx_at(T0 + 60);
    let second = authenticate(
        &mut store,
        &user_id,
        code(&secret, later.now),
        step_up(&session.record.token),
        &later,
    )
    .unwrap();
    let stepped = second.session.unwrap();
    assert_eq!(stepped.record.session_id, session.record.session_id);
    let kinds: Vec<_> = stepped.record.factors.iter().map(|f| &f.kind).collect();
    assert!(matches!(
        kinds[..],
        [FactorKind::RecoveryCode { .. }, FactorKind::Totp { .. }]
    ));
    assert_eq!(stepped.record.factors[1].last_authenticated_at, later.now);
    // Without a duration the session keeps its expiry; it was touched now.
    assert_eq!(stepped.record.expires_at, session.record.expires_at);
    assert_eq!(stepped.record.last_accessed_at, later.now);
    // Another user's session cannot be stepped up.
    let (mut other_store, other_user, other_secret, _) = user_with_totp(&ctx, None);
    let refused = authenticate(
        &mut other_store,
        &other_user,
        code(&other_secret, ctx.now),
        step_up(&session.record.token),
        &ctx,
    );
    assert_eq!(refused.err(), Some(Refusal::SessionNotFound));
}

#[test]
fn unverified_totps_and_sessions_expire_on_the_emulator_clock() {
    let ctx = ctx_at(T0);
    let (mut store, user_id, secret, codes) = user_with_totp(&ctx, Some(5));
    let expired = ctx_at(T0 + 5 * 60);
    assert_eq!(
        authenticate(
            &mut store,
            &user_id,
            code(&secret, expired.now),
            no_session(),
            &expired
        )
        .err(),
        Some(Refusal::ExpiredTotp)
    );
    assert_eq!(
        recover(&mut store, &user_id, &codes[0], no_session(), &expired).err(),
        Some(Refusal::ExpiredTotp)
    );
    // Verified in time, a TOTP no longer expires; a five-minute session does.
    let (mut store, user_id, secret, _) = user_with_totp(&ctx, Some(5));
    let signed_in = authenticate(
        &mut store,
        &user_id,
        code(&secret, ctx.now),
        new_session(5),
        &ctx,
    )
    .unwrap();
    let token = signed_in.session.unwrap().record.token;
    let later = ctx_at(T0 + 5 * 60);
    assert!(authenticate(
        &mut store,
        &user_id,
        code(&secret, later.now),
        no_session(),
        &later
    )
    .is_ok());
    assert_eq!(store.get_sessions(&user_id, &later).unwrap().len(), 0);
    let gone = authenticate(
        &mut store,
        &user_id,
        code(&secret, later.now + Duration::from_secs(30)),
        step_up(&token),
        &ctx_at(T0 + 5 * 60 + 30),
    );
    assert_eq!(gone.err(), Some(Refusal::SessionNotFound));
}

#[test]
fn a_jwt_that_did_not_verify_is_refused_in_its_turn() {
    let ctx = ctx_at(T0);
    let (mut store, user_id, secret, _) = user_with_totp(&ctx, None);
    let args = SessionArgs {
        existing: Some(SessionRef::Jwt(None)),
        ..no_session()
    };
    assert_eq!(
        authenticate(&mut store, &user_id, code(&secret, ctx.now), args, &ctx).err(),
        Some(Refusal::UnparsableSessionJwt)
    );
    // Checked after the user: an unknown user is still user_not_found.
    let args = SessionArgs {
        existing: Some(SessionRef::Jwt(None)),
        ..no_session()
    };
    assert_eq!(
        authenticate(
            &mut store,
            "user-test-nobody",
            code(&secret, ctx.now),
            args,
            &ctx
        )
        .err(),
        Some(Refusal::UserNotFound)
    );
}

/// The emulator's choice where Stytch documents none (see the crate docs, "Stytch's answers
/// checked"): `totps.create` replaces an unverified TOTP, expired or not, rather than
/// answering `pending_totp_exists`, so an abandoned enrolment can start again; only a
/// verified TOTP refuses a new one (`active_totp_exists`).
#[test]
fn an_unverified_totp_is_replaced_and_only_a_verified_one_refuses_a_new_one() {
    let ctx = ctx_at(T0);
    let (mut store, user_id, old_secret, _) = user_with_totp(&ctx, None);
    let new_totp = NewTotp {
        user_id: user_id.clone(),
        expiration: None,
    };
    let replaced = store.create_totp(&new_totp, &ctx).unwrap();
    let new_id = replaced.totp.totp_id.clone();
    assert_eq!(replaced.user.totp, Some((new_id.clone(), false)));
    let new_secret = totp::base32(&replaced.totp.secret);
    assert_ne!(new_secret, old_secret);

    let signed_in = authenticate(
        &mut store,
        &user_id,
        code(&new_secret, ctx.now),
        no_session(),
        &ctx,
    )
    .unwrap();
    assert_eq!(signed_in.credential_id, new_id);
    assert_eq!(
        store.create_totp(&new_totp, &ctx).err(),
        Some(Refusal::ActiveTotpExists)
    );
}
