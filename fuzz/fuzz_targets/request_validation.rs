//! Any input to the request validators: they accept exactly what the rules allow, never panic,
//! and what they accept round-trips through serde unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stytch_totp_models::*;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let number = input
        .iter()
        .take(8)
        .fold(0i64, |n, b| n.wrapping_shl(8) | i64::from(*b));

    let valid_code = text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit());
    match TotpCode::new(text.as_ref()) {
        Ok(code) => {
            assert!(valid_code);
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<TotpCode>(&json).unwrap(), code);
        }
        Err(e) => {
            assert!(!valid_code);
            assert_eq!(e.field, "totp_code");
        }
    }
    if let Ok(id) = UserIdentifier::new(text.as_ref()) {
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<UserIdentifier>(&json).unwrap(), id);
    }
    let _ = RecoveryCode::new(text.as_ref());
    assert_eq!(
        ExpirationMinutes::new(number).is_ok(),
        (5..=1440).contains(&number)
    );
    assert_eq!(
        SessionDurationMinutes::new(number).is_ok(),
        (5..=527040).contains(&number)
    );
    // Whole requests from arbitrary JSON: Ok or Err, and Ok re-serializes to equal values.
    if let Ok(request) = serde_json::from_slice::<AuthenticateTotpRequest>(input) {
        let again: AuthenticateTotpRequest =
            serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
        assert_eq!(again, request);
    }
    if let Ok(request) = serde_json::from_slice::<CreateTotpRequest>(input) {
        let again: CreateTotpRequest =
            serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
        assert_eq!(again, request);
    }
});
