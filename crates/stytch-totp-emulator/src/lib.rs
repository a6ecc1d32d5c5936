//! A local, in-memory emulator of Stytch's TOTP, password, user and session API, for tests
//! and offline development.
//!
//! It implements the API for real: RFC 6238 codes (HMAC-SHA-1, 6 digits, 30-second steps,
//! the previous and next step accepted, a code never accepted twice), real QR code PNGs that
//! any authenticator app can scan, ten single-use recovery codes per TOTP, expiry of unverified
//! TOTPs, user locks after repeated failures, sessions with signed JWTs, HTTP Basic auth and
//! Stytch-shaped errors. Every response body is one of the [`stytch_totp_models`] types;
//! request bodies are checked once, field by field, so each broken rule answers with Stytch's
//! error type. On top it offers [fault injection](faults) and
//! [counters](Stats) for testing clients.
//!
//! ```
//! use stytch_totp_emulator::{Emulator, Operation};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start().await?;
//! let http = reqwest::Client::new();
//! let user: serde_json::Value = http
//!     .post(format!("{}{}", emulator.base_url(), Operation::UsersCreate.path()))
//!     .basic_auth(emulator.project_id(), Some(emulator.secret()))
//!     .json(&serde_json::json!({ "email": "jane@example.com" }))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(user["status_code"], 200);
//! assert!(user["user_id"].as_str().unwrap().starts_with("user-test-"));
//! emulator.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! [`Emulator::start_tls`] serves HTTPS instead, with a CA made at start (see [`LocalCa`]):
//! for clients that insist on `https://`, such as Stytch's Node and Python SDKs.
//!
//! # Endpoints
//!
//! Exactly the operations of [`Operation::ALL`], each at its [`Operation::path`] with its
//! [`Operation::method`]: the table on [`Operation`] lists them, generated like the routes
//! from `specs/operations.json`. Only [`SessionsGetJwks`](Operation::SessionsGetJwks) needs no
//! credentials ([`Operation::sends_credentials`]).
//!
//! `user_id` may be a user's `external_id` everywhere. Path ids may be percent-encoded; a
//! `?user_id=` query and a `{}` body on `GET`/`DELETE` are accepted and ignored.
//!
//! # Behaviour worth knowing
//!
//! * **Ids** are `user-test-<uuid>`, `totp-test-<uuid>`, `request-id-test-<uuid>`,
//!   `session-test-<uuid>`, `email-test-<uuid>`, `phone-number-test-<uuid>`,
//!   `password-test-<uuid>` and
//!   `totp-recovery-code-test-<uuid>`; `-live-` instead of `-test-` when the project id starts
//!   with `project-live-`.
//! * **QR codes**: `qr_code` is `data:image/png;base64, <base64 PNG>` (with the space after the
//!   comma, as Stytch sends it) of `otpauth://totp/<issuer>:<label>?secret=<secret>&issuer=<issuer>`.
//!   The issuer is [`EmulatorConfig::issuer`] (default `Stytch TOTP Emulator`); the label is
//!   the user's first email address, or the `user_id` if the user has none. `:` in either is
//!   replaced by `-`. The secret is 20 random bytes as 32 base32 characters.
//! * **One TOTP per user**: creating one while a *verified* TOTP exists answers 400
//!   `active_totp_exists`; creating one while an *unverified* TOTP exists (expired or not)
//!   replaces it, its secret and recovery codes (the emulator does not answer
//!   `pending_totp_exists`, see [Stytch's answers](#stytchs-answers-checked)). An unverified TOTP expires after `expiration_minutes` (default
//!   1440): authenticate and recover then answer 400 `expired_totp`.
//! * **Codes**: a code of the current, previous or next step is accepted; a code of a step
//!   not newer than the last accepted one answers 400 `totp_code_already_authenticated` (a
//!   code two steps of the window share counts as the newer step's); a wrong code 401 `unable_to_authenticate_totp`; a non-6-digit code 400 `invalid_totp_code`,
//!   or 400 `recovery_code_used_as_totp_code` if it is one of the user's recovery codes.
//! * **Recovery codes** (`xxxx-xxxx-xxxx`, lowercase letters and digits, compared
//!   case-insensitively) are single use: a used or unknown one answers 401
//!   `unable_to_authenticate_recovery_code`; six digits answer 400
//!   `totp_code_used_as_recovery_code`; any other shape 400 `invalid_recovery_code`; a user
//!   without a TOTP 404 `recovery_codes_not_found`. A successful recover also verifies an
//!   unverified TOTP.
//! * **Passwords** (the first factor): `passwords.create` makes a user with an email and a
//!   password, stored only as an Argon2id hash (salted PHC string, the `argon2` crate's
//!   default parameters); the user shows `password: {password_id, requires_reset: false}`.
//!   A taken email answers 400 `duplicate_email` (case-insensitive), a malformed one 400
//!   `invalid_email`, a password zxcvbn scores below 3 (Stytch's default policy) 400
//!   `weak_password`. `passwords.authenticate` answers 404 `email_not_found` for an unknown
//!   email and 401 `unauthorized_credentials` for a wrong password or a user without one*;
//!   a failure counts toward the lock below. `passwords.strength_check` answers zxcvbn's
//!   score (0-4), `valid_password` (score >= 3) and its warning and suggestions. Where the
//!   verdict can differ from Stytch's: no HaveIBeenPwned breach detection
//!   (`breached_password` and `breach_detection_on_create` are always `false`), the Rust
//!   zxcvbn port may score a password near a boundary one apart from Stytch's, only the
//!   default zxcvbn policy is emulated (no LUDS), and the email (and its local part) counts
//!   as a zxcvbn user input. Hashing and checking run on the blocking pool, not under the
//!   store's lock. The session factor is `{type: "password", delivery_method: "knowledge",
//!   email_factor: {email_id, email_address}}`.
//! * **Locks**: after [`LockPolicy::max_failed_attempts`] (10) consecutive failures (wrong
//!   passwords, wrong, replayed or misplaced codes and recovery codes; not malformed ones)
//!   the user is locked for
//!   [`LockPolicy::lock_duration`] (1 hour): `is_locked`, `lock_created_at` and
//!   `lock_expires_at` show on the user and password and TOTP authenticate and recover
//!   answer 429 `user_lock_limit_reached`. A success resets the count.
//! * **Sessions**: without `session_duration_minutes`, `session_token` or `session_jwt`,
//!   TOTP authenticate/recover responses carry `session_token: ""`, `session_jwt: ""` and
//!   `session: null`. With a duration a session is created; with an existing token or JWT (at most
//!   one of them) that session gains the factor (and is extended by the duration if given):
//!   the step-up of a password session by a TOTP or recovery code keeps the `session_id` and
//!   the token, and lists the factors in the order they were first used, each with its own
//!   `last_authenticated_at` (a factor used again is refreshed in place). A revoked or
//!   expired session answers 404 `session_not_found`, another user's 400 `user_id_mismatch`*.
//!   See [Sessions](#sessions).
//! * **Errors**: see [Errors](#errors).
//! * **Timestamps** are RFC 3339 UTC with second precision (`2021-12-29T12:33:09Z`), read
//!   from the injectable [`Clock`] and rendered through the models' timestamp type
//!   ([`timestamp`]; [`rfc3339`] gives the same text).
//! * **Logging**: each request is logged with `tracing` at DEBUG (method, path, status,
//!   request id); never bodies, secrets or codes.
//!
//! # Sessions
//!
//! `session_token` is 44 random base64url characters. `session_jwt` is an RS256 JWT signed
//! with the emulator's [`SigningKey`] (one per process, made when the crate was built, or pinned with
//! [`EmulatorConfig::with_signing_key`], until a [rotation](#key-rotation)); its header names
//! the key's `kid` ([`Emulator::key_id`]) and [`SessionsGetJwks`](crate::Operation::SessionsGetJwks)
//! ([`EmulatorHandle::jwks_url`]) serves the public keys as a JWK set (`kty` RSA, `use` sig,
//! `alg` RS256, `kid`, `n`, `e`, `key_ops` `["verify"]`; `x5c` empty and `x5tS256` `""`: no
//! certificate), so any JWT library can verify the JWTs from that URL alone. Keys are 2048-bit,
//! like Stytch's ([`SigningKey::BITS`]). Claims: `sub` (user id), `iss` (`stytch.com/<project_id>`), `aud`
//! (`[project_id]`), `iat`, `nbf`, `exp` (`iat` + 5 minutes, whatever the session's length),
//! `https://stytch.com/session` (`id`, `started_at`, `last_accessed_at`, `expires_at`,
//! `attributes`, `authentication_factors`, `roles`) and the custom claims at top level. TOTP factors are `{type: "totp", delivery_method:
//! "authenticator_app", authenticator_app_factor: {totp_id}}`; recovery factors `{type:
//! "recovery_codes", delivery_method: "recovery_code", recovery_code_factor:
//! {totp_recovery_code_id}}`.
//!
//! The default key is made when the crate is compiled (`build.rs`: random, fresh for each
//! build, so each user's differs; never in the repository, never logged) rather than on first
//! use: generating an RSA-2048 key takes a tenth of a second on average and several times
//! that at worst, which every test process would pay again. Its first signature also waits
//! for aws-lc to seed its random generator (RSA blinding) from CPU jitter entropy, tens of
//! milliseconds once per process: the first emulator built in a process starts that on a
//! background thread, so it overlaps the test's own set-up. A key made at run time (a
//! [rotation](#key-rotation), [`SigningKey::generate`]) pays generation as before.
//!
//! `sessions.authenticate` takes exactly one of `session_token` / `session_jwt`, answers a
//! fresh JWT every time (also for a JWT past its `exp` whose signature is valid and whose
//! session is alive), extends the session to now + `session_duration_minutes` if given, and
//! merges `session_custom_claims` as Stytch documents (a value replaces, `null` deletes,
//! objects merge key by key). A session expires at `expires_at` on the emulator [`Clock`];
//! revoked or expired sessions are gone (`session_not_found`). `sessions.get` lists the
//! user's live sessions.
//!
//! # Errors
//!
//! Every error is an [`stytch_totp_models::ErrorResponse`] body with `error_url:
//! https://stytch.com/docs/api-reference/consumer/api/errors/<status>#<error_type>`. All the emulator can send, with
//! Stytch's names (`*`: Stytch names the type but does not document its status or when it is
//! used for this case; the emulator's choice):
//!
//! | status | `error_type` | when |
//! |---|---|---|
//! | 400 | `bad_request` | malformed JSON, a non-object body, a missing or mistyped field, a non-JSON `Content-Type`, an `external_id` outside Stytch's rule* |
//! | 413 | `bad_request`* | a body over [`EmulatorConfig::max_body_bytes`] (64 KiB) |
//! | 401 | `unauthorized_credentials` | bad or missing Basic auth on any `/v1` path but the JWKS |
//! | 404 | `route_not_found` | no such path |
//! | 405 | `method_not_allowed` | a known path with another method |
//! | 400 | `invalid_user_id` / `invalid_totp_id` / `invalid_project_id`* | a blank id |
//! | 404 | `user_not_found` / `totp_not_found` | no such user / TOTP |
//! | 404 | `project_not_found`* | the JWKS of another project id |
//! | 400 | `invalid_email` / `invalid_phone_number` | malformed email / not E.164 |
//! | 400 | `duplicate_email` / `duplicate_phone_number` / `duplicate_user_external_id` | already used by a user |
//! | 400 | `weak_password` | `passwords.create` with a password zxcvbn scores below 3 |
//! | 404 | `email_not_found` | `passwords.authenticate` for an email no user has |
//! | 401 | `unauthorized_credentials` | a wrong password (or a user without one*) |
//! | 400 | `active_totp_exists` | creating a TOTP while a verified one exists |
//! | 400 | `invalid_expiration` / `invalid_session_duration_minutes` | out of range |
//! | 400 | `expired_totp` | the unverified TOTP expired |
//! | 400 | `invalid_totp_code` / `recovery_code_used_as_totp_code` | see Codes above |
//! | 401 | `unable_to_authenticate_totp` | a wrong code |
//! | 400 | `totp_code_already_authenticated` | a replayed code |
//! | 400 | `invalid_recovery_code` / `totp_code_used_as_recovery_code` | see Recovery codes above |
//! | 401 | `unable_to_authenticate_recovery_code` | a used or unknown recovery code |
//! | 404 | `recovery_codes_not_found` | recover for a user without a TOTP |
//! | 429 | `user_lock_limit_reached` | the user is locked |
//! | 400 | `too_many_session_arguments` / `no_session_arguments` | both / neither of `session_token`, `session_jwt` |
//! | 400 | `too_many_session_revoke_arguments` / `no_session_revoke_arguments` | more than one / none of `session_id`, `session_token`, `session_jwt` |
//! | 400 | `unable_to_parse_session_jwt`* | a JWT that does not parse, or not signed by this emulator for this project |
//! | 404 | `session_not_found` | an unknown, revoked or expired session |
//! | 400 | `user_id_mismatch`* | a TOTP call naming another user's session |
//! | 400 | `custom_claims_too_large` | the session's claims would exceed 4 KB |
//! | 400 | `reserved_claims_in_custom_claims`* | a custom claim under `https://stytch.com/` (the registered claims `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti` are ignored, see [Stytch's answers](#stytchs-answers-checked)) |
//! | 404 | `totps_not_found_for_user`* | `recovery_codes` for a user without a TOTP |
//! | 500 | `internal_server_error` | a QR code or JWT could not be made (not expected) |
//! | any | by status | an injected [`Fault::Status`]: 401 `unauthorized_credentials`, 404 `route_not_found`, 405 `method_not_allowed`, 429 `too_many_requests`, 5xx `internal_server_error`, else `bad_request` |
//!
//! # Stytch's answers checked
//!
//! Where the emulator's answer was settled against Stytch's own material, and where Stytch
//! leaves the choice open:
//!
//! * **Error URLs** are on Stytch's current docs path, `https://stytch.com/docs/api-reference/consumer/api/errors/<status>#<error_type>`,
//!   as in the examples of Stytch's error reference pages (`/docs/api-reference/consumer/api/errors/400`).
//!   Stytch's OpenAPI examples and older responses seen in the wild still show the older
//!   `https://stytch.com/docs/api/errors/<status>`; clients should not parse the URL.
//! * **Reserved claims** in `session_custom_claims` (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`,
//!   `jti`) are dropped, not refused: Stytch's OpenAPI says of `session_custom_claims` that
//!   "custom claims made with reserved claims ... will be ignored". Claims under
//!   `https://stytch.com/` (where Stytch keeps the session) are refused with 400
//!   `reserved_claims_in_custom_claims`, a type in Stytch's SDKs' error lists; Stytch does not
//!   document when it sends it.
//! * **`"session": null`** in a TOTP authenticate/recover without a session: Stytch's
//!   documented response example for that case sends it (with empty `session_token` and
//!   `session_jwt`).
//! * **`totps_not_found_for_user`** (404) answers `recovery_codes` for a user without a TOTP.
//!   Stytch lists the type in its SDKs' error lists but documents neither its status nor the call
//!   that sends it; the name and the call that lists a user's TOTPs are the emulator's match.
//!   `recover` for such a user keeps `recovery_codes_not_found`.
//! * **`pending_totp_exists`** is in the same lists, undocumented too. The emulator keeps
//!   replacing an unverified TOTP on `totps.create` (Stytch's docs say only that an unverified
//!   TOTP becomes unusable after `expiration_minutes`), so a user who abandoned an enrolment
//!   can start again without waiting for it to expire, and a client whose first create's
//!   answer was lost can simply create again; a client must not rely on either answer.
//!   Pinned by the domain test `an_unverified_totp_is_replaced_and_only_a_verified_one_refuses_a_new_one`
//!   and `tests/lifecycle.rs`.
//!
//! [`UsersCreate`](crate::Operation::UsersCreate) accepts a body with neither `email` nor `phone_number`: Stytch's OpenAPI
//! requires neither.
//!
//! # Admin API
//!
//! Served next to the API (so only where the emulator listens, loopback by default), without
//! auth, never faulted and not counted in [`Stats`]:
//!
//! | HTTP | what |
//! |---|---|
//! | `GET /_emulator/health` | `{"status": "ok"}` |
//! | `POST /_emulator/faults` | queue a [`FaultSpec`] (JSON, see [`faults`]) |
//! | `GET` / `DELETE /_emulator/faults` | list / clear queued faults |
//! | `GET` / `DELETE /_emulator/stats` | [`Stats`] as JSON / reset them |
//! | `GET /_emulator/clock`, `POST /_emulator/clock {"advance_seconds": n}` | read / advance the clock |
//! | `POST /_emulator/keys/rotate` with `{}` or `{"grace_period_seconds": n}` | [rotate the signing key](Emulator::rotate_signing_key); answers `{"kid": new, "previous_kid": old, "previous_withdrawn_at": RFC 3339}` |
//! | `GET /_emulator/keys` | `{"keys": [{"kid", "state": "signing"}, {"kid", "state": "published", "withdrawn_at"}, ...]}`: the signing key, then the keys rotated out and still published |
//!
//! # Key rotation
//!
//! [`Emulator::rotate_signing_key`] (or `POST /_emulator/keys/rotate`) makes a new RSA-2048
//! key sign every JWT from then on. The previous key stays in the JWKS, and JWTs it signed
//! still pass the emulator's own checks (`sessions.authenticate`, session JWTs given to TOTP
//! calls), for the grace period on the emulator [`Clock`]
//! ([`EmulatorConfig::with_signing_key_grace_period`], default
//! [`DEFAULT_SIGNING_KEY_GRACE_PERIOD`], 10 minutes; `grace_period_seconds` overrides it for
//! one rotation); then it is withdrawn: gone from the JWKS, its JWTs answered
//! `unable_to_parse_session_jwt` like any JWT the emulator cannot verify. Stytch does not
//! document its own grace period. Each emulator rotates its own keys: one sharing the
//! process's default key with others stops using it, the others keep it.

// One direction of imports, top to bottom: the public face (this file, `server`), the HTTP
// side (`http`), the shared state (`state`), Stytch's rules (`domain`), leaf helpers.
mod server;

mod http;

mod state;

mod domain;

mod clock;
mod config;
pub mod faults;
mod ids;
mod jwt;
mod keys;
mod passwords;
#[cfg(test)]
mod probe;
pub mod qr;
mod stats;
mod tls;
pub mod totp;

pub use clock::{rfc3339, timestamp, Clock};
pub use config::{
    EmulatorConfig, LockPolicy, DEFAULT_ADDR, DEFAULT_ISSUER, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT,
    DEFAULT_PROJECT_ID, DEFAULT_SECRET, DEFAULT_SIGNING_KEY_GRACE_PERIOD,
};
pub use faults::{Fault, FaultSpec};
pub use jwt::{InvalidKey, SigningKey};
pub use server::{router, serve, Emulator, EmulatorHandle};
pub use stats::Stats;
/// The operation table of the models crate: the emulator serves exactly these.
pub use stytch_totp_models::Operation;
pub use tls::{LocalCa, TlsHandshake, TlsListener};

/// This crate's README, whose Rust snippets are compiled (and run, where they need no
/// credentials) as doctests so that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
