//! Spec -> Rust -> schema round trip (feature `schemars`): the schema derived from each
//! generated type matches its definition in `specs/`, all the way down: property names, the
//! required list, JSON types, nullability of required properties, array items, map values and
//! every nested or referenced definition. Every definition of `specs/` must be reached from the
//! listed types, so a new spec type without a check fails here too.
#![cfg(feature = "schemars")]

use std::collections::{BTreeMap, BTreeSet};

use schemars::schema_for;
use serde_json::Value;
use stytch_totp_models::*;

#[path = "support/spec_files.rs"]
mod spec_files;

/// One side of the comparison: a schema document's definitions, by name.
struct Side<'a> {
    definitions: &'a dyn Fn(&str) -> Option<Value>,
}

impl Side<'_> {
    /// The schema itself, a `$ref` followed (with the definition's name), and `allOf`/`anyOf`/
    /// `oneOf` wrappers with one part besides `null` (what schemars writes around a documented
    /// or optional reference) unfolded.
    fn resolve(&self, schema: &Value) -> (Option<String>, Value) {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
            let target =
                (self.definitions)(&name).unwrap_or_else(|| panic!("unresolved {reference}"));
            let (_, resolved) = self.resolve(&target);
            return (Some(name), resolved);
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            let parts = schema[combinator]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut not_null = parts.iter().filter(|p| p["type"] != "null");
            if let (Some(only), None) = (not_null.next(), not_null.next()) {
                return self.resolve(only);
            }
        }
        (None, schema.clone())
    }

    /// The JSON types a schema allows, `null` included: references followed, combinators'
    /// parts joined.
    fn kinds(&self, schema: &Value) -> BTreeSet<String> {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap_or_default();
            let target =
                (self.definitions)(name).unwrap_or_else(|| panic!("unresolved {reference}"));
            return self.kinds(&target);
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            if let Some(parts) = schema[combinator].as_array() {
                return parts.iter().flat_map(|p| self.kinds(p)).collect();
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
        if schema["nullable"] == Value::Bool(true) {
            out.insert("null".into());
        }
        out
    }
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

/// Walks a derived schema and its spec side by side.
struct Walk<'a> {
    derived: Side<'a>,
    spec: Side<'a>,
    /// Spec definitions compared so far (each once: the specs have recursive references).
    reached: BTreeSet<String>,
}

impl Walk<'_> {
    /// Compares `derived` with `spec` at `path`; `required` says whether the property is
    /// required, where `null` must agree (an optional property is an `Option` whatever the
    /// spec's nullability, so there only the other types are compared).
    fn compare(&mut self, path: &str, derived: &Value, spec: &Value, required: bool) {
        let (_, derived_resolved) = self.derived.resolve(derived);
        let (spec_name, spec_resolved) = self.spec.resolve(spec);
        let mut derived_kinds = self.derived.kinds(derived);
        let mut spec_kinds = self.spec.kinds(spec);
        if !required {
            derived_kinds.remove("null");
            spec_kinds.remove("null");
        }
        assert_eq!(derived_kinds, spec_kinds, "{path}: JSON type");
        if let Some(name) = spec_name {
            if !self.reached.insert(name) {
                return;
            }
        }
        if spec_resolved.get("properties").is_some() {
            let path = format!("{path}{{}}");
            self.compare_object(&path, &derived_resolved, &spec_resolved);
        }
        if let Some(items) = spec_resolved.get("items") {
            let derived_items = derived_resolved.get("items").unwrap_or(&Value::Null);
            self.compare(&format!("{path}[]"), derived_items, items, true);
        }
        if let Some(values @ Value::Object(_)) = spec_resolved.get("additionalProperties") {
            let derived_values = derived_resolved
                .get("additionalProperties")
                .unwrap_or(&Value::Null);
            self.compare(&format!("{path}{{*}}"), derived_values, values, true);
        }
        if let Some(values) = spec_resolved.get("enum") {
            assert_eq!(
                names(derived_resolved.get("enum").unwrap_or(&Value::Null)),
                names(values),
                "{path}: enum values"
            );
        }
    }

    fn compare_object(&mut self, path: &str, derived: &Value, spec: &Value) {
        assert_eq!(
            names(&derived["properties"]),
            names(&spec["properties"]),
            "{path}: property names"
        );
        let required = names(&spec["required"]);
        assert_eq!(
            names(&derived["required"]),
            required,
            "{path}: required properties"
        );
        for (property, schema) in spec["properties"].as_object().into_iter().flatten() {
            self.compare(
                &format!("{path}.{property}"),
                &derived["properties"][property],
                schema,
                required.contains(property),
            );
        }
    }
}

/// Compares the schema derived for type `name` with its spec definition; returns the spec
/// definitions reached (itself included).
fn compare(name: &str, derived: Value, specs: &BTreeMap<String, Value>) -> BTreeSet<String> {
    let derived_defs = derived["definitions"].clone();
    let from_spec = |n: &str| specs.get(n).cloned();
    let from_derived = |n: &str| derived_defs.get(n).cloned();
    let mut walk = Walk {
        derived: Side {
            definitions: &from_derived,
        },
        spec: Side {
            definitions: &from_spec,
        },
        reached: BTreeSet::new(),
    };
    let spec_ref = serde_json::json!({ "$ref": format!("#/$defs/{name}") });
    walk.compare(name, &derived, &spec_ref, true);
    walk.reached
}

#[test]
fn derived_schemas_match_the_specs() {
    let specs = spec_files::definitions();
    let mut checked = 0;
    let mut reached = BTreeSet::new();
    macro_rules! check {
        ($($ty:ident),* $(,)?) => {$(
            let derived = serde_json::to_value(schema_for!($ty)).unwrap();
            reached.extend(compare(stringify!($ty), derived, &specs));
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
        StytchSessionClaim,
        TotpIdentifier,
        User,
        Session,
        ErrorResponse,
        OAuthErrorResponse,
        CreatePasswordRequest,
        CreatePasswordResponse,
        AuthenticatePasswordRequest,
        AuthenticatePasswordResponse,
        PasswordStrengthCheckRequest,
        PasswordStrengthCheckResponse,
    );
    assert_eq!(checked, 31);
    let unreached: Vec<_> = specs
        .keys()
        .filter(|name| !reached.contains(*name))
        .collect();
    assert!(
        unreached.is_empty(),
        "spec definitions no listed type reaches (add their type to the list): {unreached:?}"
    );
}

#[test]
fn a_drifted_type_is_caught() {
    // The comparison itself must be able to fail: a type with another shape is refused.
    let specs = spec_files::definitions();
    let derived = serde_json::to_value(schema_for!(RevokeSessionResponse)).unwrap();
    let result = std::panic::catch_unwind(|| compare("CreateTotpRequest", derived, &specs));
    assert!(result.is_err());
}

/// A drift deep inside a response (a nested definition's property type, a required
/// property's nullability, an array's item type) is caught, not only at the top level.
#[test]
fn a_nested_drift_is_caught() {
    let derived = serde_json::to_value(schema_for!(AuthenticateTotpResponse)).unwrap();
    type Mutation = fn(&mut BTreeMap<String, Value>);
    let mutations: [(&str, Mutation); 3] = [
        ("factor type", |specs| {
            specs.get_mut("AuthenticationFactor").unwrap()["properties"]["type"] =
                serde_json::json!({ "type": "integer" });
        }),
        ("nullability", |specs| {
            specs.get_mut("Session").unwrap()["properties"]["session_id"] =
                serde_json::json!({ "type": ["string", "null"] });
        }),
        ("array items", |specs| {
            specs.get_mut("Session").unwrap()["properties"]["authentication_factors"]["items"] =
                serde_json::json!({ "type": "string" });
        }),
    ];
    compare(
        "AuthenticateTotpResponse",
        derived.clone(),
        &spec_files::definitions(),
    );
    for (what, mutate) in mutations {
        let mut specs = spec_files::definitions();
        mutate(&mut specs);
        let derived = derived.clone();
        let result = std::panic::catch_unwind(move || {
            compare("AuthenticateTotpResponse", derived, &specs);
        });
        assert!(result.is_err(), "a drift of the {what} went unnoticed");
    }
}
