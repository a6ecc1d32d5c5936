use super::*;
use std::path::PathBuf;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs against the trimmed copy vendored in the repository (`cargo xtask vendor-openapi`
/// refreshes it from a full copy), so every clone compares specs/ with Stytch's OpenAPI.
#[test]
fn specs_agree_with_stytch_openapi() {
    let openapi = root().join(crate::vendor::VENDORED);
    let differences = diff(&root(), &openapi).unwrap();
    assert!(
        differences.is_empty(),
        "unintended differences: {differences:#?}"
    );
}

#[test]
fn a_changed_type_and_a_dropped_property_are_reported() {
    let dir = std::env::temp_dir().join(format!("xtask-upstream-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::write(
        dir.join("specs/totps.json"),
        r#"{"$defs": {"CreateTotpRequest": {"type": "object", "required": ["user_id"],
            "properties": {"user_id": {"type": "integer"}}}}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("specs/operations.json"), r#"{"operations": []}"#).unwrap();
    let openapi = dir.join("openapi.yml");
    std::fs::write(
        &openapi,
        "components:\n  schemas:\n    api_totp_v1_CreateRequest:\n      type: object\n      required: [user_id]\n      properties:\n        user_id: {type: string}\n        expiration_minutes: {type: integer}\n",
    )
    .unwrap();
    let found = diff(&dir, &openapi).unwrap();
    let kinds: Vec<(String, Kind)> = found.iter().map(|d| (d.property.clone(), d.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("expiration_minutes".into(), Kind::MissingProperty),
            ("user_id".into(), Kind::Type)
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn only_a_timestamp_may_gain_the_date_time_format() {
    let timestamp = Some(TIMESTAMP_FORMAT);
    assert_eq!(format_difference("created_at", true, timestamp, None), None);
    assert_eq!(
        format_difference("status_code", false, Some("int32"), Some("int32")),
        None
    );
    let reported = [
        // a timestamp left a plain string: not every model would have the type
        format_difference("expires_at", true, None, None),
        // the format on something that is not a timestamp
        format_difference("user_id", true, timestamp, None),
        // a format upstream has and we dropped
        format_difference("status_code", false, None, Some("int32")),
        format_difference("score", false, Some("int64"), Some("int32")),
    ];
    for (i, difference) in reported.iter().enumerate() {
        assert!(difference.is_some(), "case {i} not reported");
    }
    assert!(reported[0].as_ref().unwrap().contains("date-time"));
}
