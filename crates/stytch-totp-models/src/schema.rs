//! JSON Schemas of the hand-written types (feature `schemars`), so that every generated type
//! can derive `schemars::JsonSchema` and users can publish the shapes in their own API docs.
//! Each schema says what the matching definition in `specs/common.json` or `specs/errors.json`
//! says; `tests/schemas.rs` checks the derived schemas against the specs.

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, NumberValidation, Schema, SchemaObject, StringValidation};
use schemars::JsonSchema;

use crate::{
    ErrorType, ExpirationMinutes, RecoveryCode, SecretString, SessionDurationMinutes, TotpCode,
    TotpIdentifier, UserIdentifier,
};

fn string(min_length: Option<u32>, pattern: Option<&str>) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        string: Some(Box::new(StringValidation {
            min_length,
            pattern: pattern.map(str::to_owned),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}

fn integer(minimum: f64, maximum: f64) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("int32".into()),
        number: Some(Box::new(NumberValidation {
            minimum: Some(minimum),
            maximum: Some(maximum),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}

macro_rules! schema {
    ($($ty:ty => $schema:expr;)*) => {$(
        impl JsonSchema for $ty {
            fn schema_name() -> String {
                stringify!($ty).to_owned()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    )*};
}

schema! {
    SecretString => string(None, None);
    TotpCode => string(None, Some("^[0-9]{6}$"));
    RecoveryCode => string(Some(1), None);
    UserIdentifier => string(Some(1), None);
    TotpIdentifier => string(Some(1), None);
    ErrorType => string(None, None);
    ExpirationMinutes => integer(5.0, 1440.0);
    SessionDurationMinutes => integer(5.0, 527040.0);
}
