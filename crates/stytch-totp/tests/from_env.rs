//! `Client::from_env` and `ClientBuilder::from_env`: STYTCH_PROJECT_ID, STYTCH_SECRET and the
//! optional STYTCH_BASE_URL, empty variables counting as unset, explicit values winning.
//! One test in its own binary, because it changes the process environment.

use base64::Engine;
use stytch_totp::{Client, Operation, LIVE_BASE_URL, TEST_BASE_URL};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROJECT_ID: &str = "project-test-11111111-2222-3333-4444-555555555555";
const SECRET: &str = "secret-test-from-the-environment";
const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";

fn set(project_id: &str, secret: &str, base_url: Option<&str>) {
    std::env::set_var("STYTCH_PROJECT_ID", project_id);
    std::env::set_var("STYTCH_SECRET", secret);
    match base_url {
        Some(url) => std::env::set_var("STYTCH_BASE_URL", url),
        None => std::env::remove_var("STYTCH_BASE_URL"),
    }
}

#[tokio::test]
async fn from_env_reads_the_three_variables_and_ignores_empty_ones() {
    // The credentials from the environment are the ones sent.
    let server = MockServer::start().await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{PROJECT_ID}:{SECRET}"));
    let user = serde_json::json!({
        "status_code": 200, "request_id": "request-id-test-1", "user_id": USER_ID,
        "status": "active", "created_at": "2027-01-15T08:00:15Z"
    });
    Mock::given(method("GET"))
        .and(path(Operation::UsersGet.path_with(&[USER_ID])))
        .and(header("authorization", format!("Basic {basic}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user))
        .expect(1)
        .mount(&server)
        .await;
    set(PROJECT_ID, SECRET, Some(&server.uri()));
    let client = Client::from_env().expect("all three variables set");
    assert_eq!(client.project_id(), PROJECT_ID);
    assert_eq!(client.base_url().as_str(), format!("{}/", server.uri()));
    client
        .users()
        .get(USER_ID)
        .await
        .expect("the server accepts the environment's credentials");

    // An empty STYTCH_BASE_URL is unset: the project id picks the environment.
    set(PROJECT_ID, SECRET, Some(""));
    let client = Client::from_env().expect("the base URL is optional");
    assert_eq!(client.base_url().as_str(), TEST_BASE_URL);
    set("project-live-1", SECRET, None);
    assert_eq!(
        Client::from_env().expect("live").base_url().as_str(),
        LIVE_BASE_URL
    );

    // Empty credentials are missing credentials, with a message naming the variable.
    set(PROJECT_ID, "", None);
    let error = Client::from_env().expect_err("no secret").to_string();
    assert!(error.contains("STYTCH_SECRET"), "{error}");
    set("", SECRET, None);
    let error = Client::from_env().expect_err("no project id").to_string();
    assert!(error.contains("STYTCH_PROJECT_ID"), "{error}");

    // Values set on the builder win, before or after from_env.
    set(PROJECT_ID, SECRET, Some("https://env.example.com"));
    let client = Client::builder()
        .project_id("project-live-explicit")
        .from_env()
        .base_url("https://explicit.example.com")
        .build()
        .expect("explicit values and the environment's secret");
    assert_eq!(client.project_id(), "project-live-explicit");
    assert_eq!(client.base_url().as_str(), "https://explicit.example.com/");
    let client = Client::builder().from_env().build().expect("from env");
    assert_eq!(client.base_url().as_str(), "https://env.example.com/");

    for name in ["STYTCH_PROJECT_ID", "STYTCH_SECRET", "STYTCH_BASE_URL"] {
        std::env::remove_var(name);
    }
    let error = Client::from_env().expect_err("nothing set").to_string();
    assert!(error.contains("STYTCH_PROJECT_ID"), "{error}");
}
