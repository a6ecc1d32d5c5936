//! Spec -> Rust -> schema round trip (feature `schemars`): the schema derived from each
//! generated type has the same properties, the same required list and the same JSON types as
//! its definition in `specs/`, so the published shapes cannot drift from the source of truth.
#![cfg(feature = "schemars")]

use std::collections::{BTreeMap, BTreeSet};

use schemars::schema_for;
use serde_json::Value;
use stytch_totp_models::*;

#[path = "support/spec_files.rs"]
mod spec_files;

/// The JSON types a schema allows, `null` left out (optional and nullable are compared by the
/// required lists): references, `allOf`/`anyOf`/`oneOf` wrappers and type arrays unfolded.
fn kinds(schema: &Value, definitions: &dyn Fn(&str) -> Option<Value>) -> BTreeSet<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        let target = definitions(name).unwrap_or_else(|| panic!("unresolved {reference}"));
        return kinds(&target, definitions);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(parts) = schema[combinator].as_array() {
            return parts.iter().flat_map(|p| kinds(p, definitions)).collect();
        }
    }
    let mut out = BTreeSet::new();
    match &schema["type"] {
        Value::String(t) => {
            out.insert(t.clone());
        }
        Value::Array(types) => {
            out.extend(types.iter().filter_map(|t| t.as_str().map(String::from)))
        }
        _ if schema.get("properties").is_some() => {
            out.insert("object".into());
        }
        _ => {}
    }
    out.remove("null");
    out
}

fn names(value: &Value) -> BTreeSet<String> {
    match value {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn compare(name: &str, derived: Value, specs: &BTreeMap<String, Value>) {
    let spec = &specs[name];
    let derived_defs = derived["definitions"].clone();
    let from_spec = |n: &str| specs.get(n).cloned();
    let from_derived = |n: &str| derived_defs.get(n).cloned();
    assert_eq!(
        names(&derived["properties"]),
        names(&spec["properties"]),
        "{name}: property names"
    );
    assert_eq!(
        names(&derived["required"]),
        names(&spec["required"]),
        "{name}: required properties"
    );
    for (property, schema) in spec["properties"].as_object().into_iter().flatten() {
        assert_eq!(
            kinds(&derived["properties"][property], &from_derived),
            kinds(schema, &from_spec),
            "{name}.{property}: JSON type"
        );
    }
}

#[test]
fn derived_schemas_match_the_specs() {
    let specs = spec_files::definitions();
    let mut checked = 0;
    macro_rules! check {
        ($($ty:ident),* $(,)?) => {$(
            compare(stringify!($ty), serde_json::to_value(schema_for!($ty)).unwrap(), &specs);
            checked += 1;
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
        AuthenticateSessionRequest,
        AuthenticateSessionResponse,
        RevokeSessionRequest,
        RevokeSessionResponse,
        GetSessionsResponse,
        GetJwksResponse,
        User,
        Session,
        ErrorResponse,
        CreatePasswordRequest,
        CreatePasswordResponse,
        AuthenticatePasswordRequest,
        AuthenticatePasswordResponse,
        PasswordStrengthCheckRequest,
        PasswordStrengthCheckResponse,
    );
    assert_eq!(checked, 28);
}

#[test]
fn a_drifted_type_is_caught() {
    // The comparison itself must be able to fail: a type with another shape is refused.
    let specs = spec_files::definitions();
    let derived = serde_json::to_value(schema_for!(RevokeSessionResponse)).unwrap();
    let result = std::panic::catch_unwind(|| compare("CreateTotpRequest", derived, &specs));
    assert!(result.is_err());
}
