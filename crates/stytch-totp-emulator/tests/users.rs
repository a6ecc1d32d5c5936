//! Users over HTTP: lookup by external id, percent-encoded paths, tolerated queries and
//! bodies, the create rules, and live-project ids.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use stytch_totp_emulator::Operation;
use stytch_totp_models::{CreateUserResponse, GetUserResponse};

#[tokio::test]
async fn users_by_external_id_percent_encoding_query_and_empty_json_bodies() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({
                "email": "ext@example.com",
                "external_id": "crm|42",
                "phone_number": "+12025550123",
                "trusted_metadata": { "tier": 1 },
                "roles": ["admin"],
            }),
        )
        .await;
    let created: CreateUserResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert!(created.phone_id.starts_with("phone-number-test-"));
    assert_eq!(created.user.roles, ["stytch_user", "admin"]);
    let user_id = created.user_id;

    // Percent-encoded path (encoded by hand: `path_with` would leave `-` alone), extra query
    // and a `{}` body.
    let encoded = user_id.replace('-', "%2D");
    let reply = api
        .call(
            Method::GET,
            &format!(
                "{}?user_id={user_id}",
                Operation::UsersGet.path().replace("{user_id}", &encoded)
            ),
            Some(json!({})),
        )
        .await;
    let got: GetUserResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(got.user_id, user_id);
    assert_eq!(got.external_id.as_deref(), Some("crm|42"));
    assert_eq!(got.trusted_metadata.unwrap()["tier"], 1);

    // external_id works on the TOTP endpoints and in paths.
    let reply = api
        .post(
            Operation::TotpsCreate.path(),
            json!({ "user_id": "crm|42" }),
        )
        .await;
    assert_eq!(reply.ok()["user_id"], user_id.as_str());
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    api.authenticate("crm|42", &code(&secret, emu.now()))
        .await
        .ok();
    let reply = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&["crm|42"]),
            None,
        )
        .await;
    assert_eq!(reply.ok()["user_id"], user_id.as_str());

    // Duplicates and bad values.
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "email": "EXT@example.com" }),
        )
        .await;
    assert_eq!(reply.error_type(), "duplicate_email");
    let reply = api
        .post(Operation::UsersCreate.path(), json!({ "email": "nope" }))
        .await;
    assert_eq!(reply.error_type(), "invalid_email");
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "external_id": "crm|42" }),
        )
        .await;
    assert_eq!(reply.error_type(), "duplicate_user_external_id");
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "phone_number": "555" }),
        )
        .await;
    assert_eq!(reply.error_type(), "invalid_phone_number");
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "create_user_as_pending": true }),
        )
        .await;
    assert_eq!(reply.ok()["status"], "pending");
    assert_eq!(reply.body["email_id"], "");

    let reply = api
        .call(
            Method::DELETE,
            &Operation::UsersDelete.path().replace("{user_id}", &encoded),
            Some(json!({})),
        )
        .await;
    assert_eq!(reply.ok()["user_id"], user_id.as_str());
}

#[tokio::test]
async fn live_projects_get_live_ids() {
    let config = stytch_totp_emulator::EmulatorConfig::default()
        .with_credentials("project-live-abc", "secret-live-xyz");
    let emu = stytch_totp_emulator::Emulator::start_with(config)
        .await
        .unwrap();
    let api = Api::new(&emu);
    let reply = api.post(Operation::UsersCreate.path(), json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["user_id"]
        .as_str()
        .unwrap()
        .starts_with("user-live-"));
    assert!(reply.body["request_id"]
        .as_str()
        .unwrap()
        .starts_with("request-id-live-"));
}
