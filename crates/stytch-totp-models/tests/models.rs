//! The specs, their examples and the generated Rust types must agree with each other:
//! every example validates against its JSON Schema, decodes into its Rust type, and
//! re-serializes to JSON that still validates; every shape is pinned by an insta snapshot.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use stytch_totp_models::*;

#[path = "support/spec_files.rs"]
mod spec_files;

/// Every spec file by `$id`, and every definition's examples by definition name.
struct Specs {
    files: Vec<(String, Value)>,
    examples: BTreeMap<String, Vec<Value>>,
}

fn specs() -> Specs {
    let files = spec_files::spec_files();
    let examples = spec_files::definitions()
        .into_iter()
        .filter_map(|(name, def)| Some((name, def.get("examples")?.as_array()?.clone())))
        .collect();
    Specs { files, examples }
}

impl Specs {
    fn file_of(&self, definition: &str) -> &str {
        let (id, _) = self
            .files
            .iter()
            .find(|(_, doc)| doc["$defs"].get(definition).is_some())
            .unwrap_or_else(|| panic!("no spec defines {definition}"));
        id
    }

    fn validator(&self, definition: &str) -> jsonschema::Validator {
        let mut registry = jsonschema::Registry::new();
        for (id, doc) in &self.files {
            registry = registry.add(id.as_str(), doc.clone()).unwrap();
        }
        let registry = registry.prepare().unwrap();
        let schema = json!({"$ref": format!("{}#/$defs/{definition}", self.file_of(definition))});
        jsonschema::options()
            .with_registry(&registry)
            .build(&schema)
            .unwrap()
    }

    fn assert_valid(&self, definition: &str, instance: &Value) {
        let validator = self.validator(definition);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{definition} does not validate: {errors:#?}\n{instance:#}"
        );
    }
}

/// Decodes every example of `T`'s definition, checks the schema accepts both the example and
/// our re-serialization, and snapshots the re-serialized JSON.
fn round_trip<T: DeserializeOwned + Serialize>(specs: &Specs, definition: &str) -> usize {
    let examples = specs
        .examples
        .get(definition)
        .unwrap_or_else(|| panic!("{definition} has no examples"));
    for (index, example) in examples.iter().enumerate() {
        specs.assert_valid(definition, example);
        let decoded: T = serde_json::from_value(example.clone())
            .unwrap_or_else(|e| panic!("{definition} example {index} does not decode: {e}"));
        let again = serde_json::to_value(&decoded).unwrap();
        specs.assert_valid(definition, &again);
        insta::assert_json_snapshot!(format!("example_{definition}_{index}"), again);
    }
    examples.len()
}

#[test]
fn every_example_validates_decodes_and_round_trips() {
    let specs = specs();
    let mut covered = Vec::new();
    macro_rules! check {
        ($($ty:ident),* $(,)?) => {$(
            round_trip::<$ty>(&specs, stringify!($ty));
            covered.push(stringify!($ty).to_string());
        )*};
    }
    check!(
        CreateTotpRequest,
        CreateTotpResponse,
        AuthenticateTotpRequest,
        AuthenticateTotpResponse,
        TotpRecoveryCodesRequest,
        TotpRecoveryCodesResponse,
        RecoverTotpRequest,
        RecoverTotpResponse,
        CreateUserRequest,
        CreateUserResponse,
        GetUserResponse,
        DeleteUserResponse,
        DeleteTotpResponse,
        User,
        ErrorResponse,
        OAuthErrorResponse,
        AuthenticateSessionRequest,
        AuthenticateSessionResponse,
        RevokeSessionRequest,
        RevokeSessionResponse,
        GetSessionsResponse,
        GetJwksResponse,
        StytchSessionClaim,
        CreatePasswordRequest,
        CreatePasswordResponse,
        AuthenticatePasswordRequest,
        AuthenticatePasswordResponse,
        PasswordStrengthCheckRequest,
        PasswordStrengthCheckResponse,
    );
    let with_examples: Vec<&String> = specs
        .examples
        .keys()
        .filter(|name| !covered.contains(name) && name.as_str() != "ErrorType")
        .collect();
    assert!(
        with_examples.is_empty(),
        "examples without a round-trip check: {with_examples:?}"
    );
    for name in specs
        .files
        .iter()
        .flat_map(|(_, doc)| doc["$defs"].as_object().unwrap().keys())
    {
        if name.ends_with("Response") {
            assert!(
                specs.examples.contains_key(name),
                "response {name} has no example"
            );
        }
    }
}

const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";

fn secret(value: &str) -> Option<SecretString> {
    Some(SecretString::from(value))
}

#[test]
fn requests_serialize_without_unset_fields_and_match_their_schema() {
    let specs = specs();
    let user_id = || UserIdentifier::new(USER_ID).unwrap();
    let minimal_and_full: Vec<(&str, Value)> = vec![
        (
            "CreateTotpRequest",
            json!(CreateTotpRequest {
                user_id: user_id(),
                expiration_minutes: None
            }),
        ),
        (
            "CreateTotpRequest",
            json!(CreateTotpRequest {
                user_id: user_id(),
                expiration_minutes: Some(ExpirationMinutes::new(5).unwrap()),
            }),
        ),
        (
            "AuthenticateTotpRequest",
            json!(AuthenticateTotpRequest {
                user_id: user_id(),
                totp_code: TotpCode::new("123456").unwrap(),
                session_duration_minutes: None,
                session_token: None,
                session_jwt: None,
                session_custom_claims: Default::default(),
                telemetry_id: None,
            }),
        ),
        (
            "AuthenticateTotpRequest",
            json!(AuthenticateTotpRequest {
                user_id: user_id(),
                totp_code: TotpCode::new("000042").unwrap(),
                session_duration_minutes: Some(SessionDurationMinutes::new(527040).unwrap()),
                session_token: secret("session-token-value"),
                session_jwt: secret("session.jwt.value"),
                session_custom_claims: json!({"tier": "gold"}).as_object().unwrap().clone(),
                telemetry_id: Some("telemetry-1".into()),
            }),
        ),
        (
            "TotpRecoveryCodesRequest",
            json!(TotpRecoveryCodesRequest { user_id: user_id() }),
        ),
        (
            "RecoverTotpRequest",
            json!(RecoverTotpRequest {
                user_id: user_id(),
                recovery_code: RecoveryCode::new("ckss-2skx-ebow").unwrap(),
                session_duration_minutes: Some(SessionDurationMinutes::new(60).unwrap()),
                session_token: None,
                session_jwt: None,
                session_custom_claims: Default::default(),
                telemetry_id: None,
            }),
        ),
        ("CreateUserRequest", json!(CreateUserRequest::default())),
        (
            "CreateUserRequest",
            json!(CreateUserRequest {
                email: Some("jane.doe@example.com".into()),
                name: Some(UserName {
                    first_name: Some("Jane".into()),
                    middle_name: None,
                    last_name: Some("Doe".into()),
                }),
                external_id: Some("crm-42".into()),
                roles: vec!["admin".into()],
                ..Default::default()
            }),
        ),
    ];
    for (index, (definition, value)) in minimal_and_full.iter().enumerate() {
        specs.assert_valid(definition, value);
        assert!(
            !value.to_string().contains("null"),
            "{definition} sent an explicit null: {value}"
        );
        insta::assert_json_snapshot!(format!("request_{index}_{definition}"), value);
    }
}

#[test]
fn schema_rejects_what_the_rust_types_reject() {
    let specs = specs();
    for bad in [
        json!({"user_id": USER_ID, "expiration_minutes": 1441}),
        json!({"user_id": ""}),
    ] {
        assert!(
            !specs.validator("CreateTotpRequest").is_valid(&bad),
            "{bad}"
        );
        assert!(serde_json::from_value::<CreateTotpRequest>(bad).is_err());
    }
    let bad_code = json!({"user_id": USER_ID, "totp_code": "12345"});
    assert!(!specs
        .validator("AuthenticateTotpRequest")
        .is_valid(&bad_code));
    assert!(serde_json::from_value::<AuthenticateTotpRequest>(bad_code).is_err());
}

fn seed_example(specs: &Specs) -> Value {
    specs.examples["CreateTotpResponse"][0].clone()
}

/// The Create TOTP example in specs/ is Stytch's own documented response (a verbatim copy
/// of the team's seed in tests/fixtures/seed/, see SOURCE.md there), with the elided `user`
/// filled in.
#[test]
fn create_totp_example_is_the_seed_response() {
    let seed = include_str!("fixtures/seed/create-totp-response.txt");
    let example = seed_example(&specs());
    assert!(seed.contains("\"user\": {...},"), "the seed is verbatim");
    let json_text = seed.replace("\"user\": {...},", "\"user\": null");
    let seed_json: Value = serde_json::from_str(&json_text).unwrap();
    for (key, value) in seed_json.as_object().unwrap() {
        if key != "user" {
            assert_eq!(&example[key], value, "field {key} differs from the seed");
        }
    }
    assert!(example["user"]["user_id"] == seed_json["user_id"]);
}

#[test]
fn debug_output_never_shows_secrets() {
    let specs = specs();
    let create: CreateTotpResponse = serde_json::from_value(seed_example(&specs)).unwrap();
    let debug = format!("{create:?} {create:#?}");
    assert!(debug.contains("[REDACTED]"));
    assert!(!debug.contains(create.secret.expose_secret()));
    assert!(!debug.contains("iVBORw0KGgo"));
    for code in &create.recovery_codes {
        assert!(
            !debug.contains(code.expose_secret()),
            "recovery code leaked"
        );
    }
    assert!(
        debug.contains(&create.totp_id),
        "ids are not secrets and stay visible"
    );

    let auth: AuthenticateTotpResponse =
        serde_json::from_value(specs.examples["AuthenticateTotpResponse"][0].clone()).unwrap();
    let debug = format!("{auth:?}");
    assert!(!debug.contains(auth.session_token.expose_secret()));
    assert!(!debug.contains(auth.session_jwt.expose_secret()));

    let codes: TotpRecoveryCodesResponse =
        serde_json::from_value(specs.examples["TotpRecoveryCodesResponse"][0].clone()).unwrap();
    assert!(!format!("{codes:?}").contains("ckss-2skx-ebow"));
}

#[test]
fn responses_tolerate_unknown_fields_and_live_omissions_but_not_missing_ids() {
    let mut user = json!({"user_id": USER_ID, "status": "active", "brand_new_field": {"x": 1},
        "name": null, "trusted_metadata": null});
    let decoded: User = serde_json::from_value(user.clone()).unwrap();
    assert!(!decoded.is_locked);
    assert!(decoded.roles.is_empty() && decoded.emails.is_empty());
    // Arrays are always written back, as Stytch writes them.
    let again = serde_json::to_value(&decoded).unwrap();
    assert_eq!(again["phone_numbers"], json!([]));

    user.as_object_mut().unwrap().remove("user_id");
    let err = serde_json::from_value::<User>(user)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `user_id`"), "{err}");

    let factor = json!({"type": "passkey_v9", "delivery_method": "carrier_pigeon"});
    let decoded: AuthenticationFactor = serde_json::from_value(factor).unwrap();
    assert_eq!(decoded.type_, "passkey_v9");

    let mut create = seed_example(&specs());
    create.as_object_mut().unwrap().remove("secret");
    let err = serde_json::from_value::<CreateTotpResponse>(create)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `secret`"), "{err}");
}

/// `SECRET_FIELD_NAMES` is exactly the set of properties the specs type as secrets.
#[test]
fn secret_field_names_match_the_specs() {
    const SECRET_DEFS: [&str; 3] = ["SecretString", "TotpCode", "RecoveryCode"];
    let is_secret_ref = |schema: &Value| {
        let reference = schema
            .get("$ref")
            .and_then(Value::as_str)
            .unwrap_or_default();
        SECRET_DEFS
            .iter()
            .any(|d| reference.ends_with(&format!("/{d}")))
    };
    let mut found = std::collections::BTreeSet::new();
    for (_, doc) in specs().files {
        for def in doc["$defs"].as_object().unwrap().values() {
            let Some(props) = def.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (name, schema) in props {
                if is_secret_ref(schema) || schema.get("items").is_some_and(is_secret_ref) {
                    found.insert(name.as_str().to_owned());
                }
            }
        }
    }
    let listed: std::collections::BTreeSet<String> =
        SECRET_FIELD_NAMES.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, listed);
}

mod round_trip_properties {
    use super::*;
    use proptest::prelude::*;

    fn session_fields() -> impl Strategy<Value = (Option<i64>, Option<String>, Option<String>)> {
        (
            prop::option::of(5i64..=527040),
            prop::option::of("[a-zA-Z0-9_-]{1,40}"),
            prop::option::of("[a-zA-Z0-9_.-]{1,60}"),
        )
    }

    fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
        request: &T,
    ) -> Result<(), TestCaseError> {
        let json = serde_json::to_string(request).unwrap();
        let back: T = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, request);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
        Ok(())
    }

    proptest! {
        /// Every valid request survives serde unchanged.
        #[test]
        fn valid_requests_round_trip(
            user in "[a-zA-Z0-9-]{1,48}",
            minutes in prop::option::of(5i64..=1440),
            code in "[0-9]{6}",
            recovery in "[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}",
            (duration, token, jwt) in session_fields(),
        ) {
            let user_id = UserIdentifier::new(user.clone()).unwrap();
            check(&CreateTotpRequest {
                user_id: user_id.clone(),
                expiration_minutes: minutes.map(|m| ExpirationMinutes::new(m).unwrap()),
            })?;
            check(&AuthenticateTotpRequest {
                user_id: user_id.clone(),
                totp_code: TotpCode::new(code).unwrap(),
                session_duration_minutes: duration.map(|d| SessionDurationMinutes::new(d).unwrap()),
                session_token: token.clone().map(SecretString::from),
                session_jwt: jwt.clone().map(SecretString::from),
                session_custom_claims: Default::default(),
                telemetry_id: None,
            })?;
            check(&RecoverTotpRequest {
                user_id: user_id.clone(),
                recovery_code: RecoveryCode::new(recovery).unwrap(),
                session_duration_minutes: duration.map(|d| SessionDurationMinutes::new(d).unwrap()),
                session_token: token.map(SecretString::from),
                session_jwt: jwt.map(SecretString::from),
                session_custom_claims: Default::default(),
                telemetry_id: None,
            })?;
            check(&TotpRecoveryCodesRequest { user_id })?;
        }

        /// Out-of-range values are refused with the field's name, whatever the value.
        #[test]
        fn out_of_range_minutes_are_refused(minutes in prop_oneof![i64::MIN..5, 1441i64..=i64::MAX]) {
            let err = ExpirationMinutes::new(minutes).unwrap_err();
            prop_assert_eq!(err.field, "expiration_minutes");
        }

        /// Only exactly six ASCII digits are a TOTP code.
        #[test]
        fn totp_code_validation_matches_the_rule(code in ".{0,8}") {
            let valid = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(TotpCode::new(code.clone()).is_ok(), valid);
        }
    }
}
