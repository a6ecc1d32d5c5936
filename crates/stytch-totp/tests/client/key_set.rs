//! The key set's lifetime, refetch limit and outage behaviour, and the verified-JWT cache,
//! on tokio's paused clock (JWT times follow it too) against JWK sets served by wiremock.

use std::time::Duration;

use serde_json::{json, Value};
use stytch_totp::{
    Checked, Client, Error, JwtRejection, Operation, KEY_SET_LIFETIME, MIN_REFETCH_INTERVAL,
    STALE_KEY_SET_LIMIT, UNKNOWN_KEY_CHECKS_PER_INTERVAL,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::sessions::{claims, jwks, sign, sign_with, KEY, KID};

const NEW_KID: &str = "jwk-test-rotated-in";

/// Moves tokio's clock (and so the JWTs' notion of now) forward. The clock runs again
/// afterwards, so wiremock's real I/O cannot make timeouts fire early.
async fn jump(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

/// The fixture key published under each of `kids`.
fn jwks_with(kids: &[&str]) -> Value {
    let mut set = jwks();
    let key = set["keys"][0].clone();
    set["keys"] = kids
        .iter()
        .map(|kid| {
            let mut key = key.clone();
            key["kid"] = json!(kid);
            key
        })
        .collect();
    set
}

fn jwks_path() -> String {
    Operation::SessionsGetJwks.path_with(&[PROJECT_ID])
}

/// Serves `set` for the next `times` fetches (mount in the order they should answer).
async fn serve_set(server: &MockServer, set: Value, times: u64) {
    Mock::given(method("GET"))
        .and(path(jwks_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(set))
        .up_to_n_times(times)
        .mount(server)
        .await;
}

async fn fetches(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path().contains("/jwks/"))
        .count()
}

/// Stytch's answer to `sessions.authenticate`, expected `times` times.
async fn stytch_accepts(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(Operation::SessionsAuthenticate.path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(example("AuthenticateSessionResponse", 0)),
        )
        .expect(times)
        .mount(server)
        .await;
}

/// A Stytch-shaped JWT under `kid` valid for `lifetime` seconds from now.
fn jwt(kid: &str, lifetime: i64) -> String {
    let mut claims = claims(0, PROJECT_ID);
    claims["exp"] = json!(claims["iat"].as_i64().unwrap() + lifetime);
    sign_with(KEY, kid, &claims)
}

async fn check(client: &Client, jwt: &str) -> Result<Checked, Error> {
    let verified = client.sessions().authenticate_jwt(jwt.to_owned()).await?;
    Ok(verified.checked)
}

fn locally(checked: Result<Checked, Error>) -> bool {
    matches!(checked, Ok(Checked::Locally))
}

#[tokio::test]
async fn an_expired_set_is_refreshed_with_one_fetch_for_many_callers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(jwks_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(jwks())
                .set_delay(Duration::from_millis(100)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&server);
    let token = jwt(KID, 3600);
    assert!(locally(check(&client, &token).await));
    jump(KEY_SET_LIFETIME - Duration::from_secs(1)).await;
    assert!(locally(check(&client, &token).await));
    assert_eq!(fetches(&server).await, 1, "still within the lifetime");

    jump(Duration::from_secs(2)).await;
    let checks: Vec<_> = (0..40)
        .map(|_| {
            let (client, token) = (client.clone(), token.clone());
            tokio::spawn(async move { check(&client, &token).await })
        })
        .collect();
    for handle in checks {
        assert!(locally(handle.await.unwrap()));
    }
    assert_eq!(
        fetches(&server).await,
        2,
        "one refresh shared by all callers"
    );
}

#[tokio::test]
async fn a_withdrawn_key_stops_verifying_after_the_lifetime() {
    let server = MockServer::start().await;
    serve_set(&server, jwks_with(&[KID, NEW_KID]), 1).await;
    serve_set(&server, jwks_with(&[NEW_KID]), 10).await;
    let client = client_for(&server);
    let old = jwt(KID, 3600);
    assert!(locally(check(&client, &old).await));
    jump(KEY_SET_LIFETIME - Duration::from_secs(1)).await;
    assert!(
        locally(check(&client, &old).await),
        "cached set, cached JWT"
    );

    jump(Duration::from_secs(2)).await;
    let refused = check(&client, &old).await.unwrap_err();
    assert!(
        matches!(refused, Error::InvalidSessionJwt(JwtRejection::UnknownKey)),
        "{refused:?}"
    );
    assert!(locally(check(&client, &jwt(NEW_KID, 300)).await));
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn a_key_published_after_the_last_fetch_is_accepted_at_once() {
    let server = MockServer::start().await;
    serve_set(&server, jwks_with(&[KID]), 1).await;
    serve_set(&server, jwks_with(&[KID, NEW_KID]), 10).await;
    stytch_accepts(&server, 1).await;
    let client = client_for(&server);
    assert!(locally(check(&client, &jwt(KID, 300)).await));

    // Within the refetch interval: Stytch is asked, and says the key is real...
    let rotated = jwt(NEW_KID, 300);
    assert!(matches!(
        check(&client, &rotated).await,
        Ok(Checked::Remotely(_))
    ));
    // ...so the set is fetched again at once, and the new key verifies locally.
    assert!(locally(check(&client, &rotated).await));
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn unknown_keys_are_refused_after_a_fresh_fetch_and_bounded_within_the_interval() {
    let server = MockServer::start().await;
    serve_set(&server, jwks_with(&[KID]), 100).await;
    Mock::given(method("POST"))
        .and(path(Operation::SessionsAuthenticate.path()))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(stytch_error(401, "unable_to_parse_session_jwt")),
        )
        .expect(u64::from(UNKNOWN_KEY_CHECKS_PER_INTERVAL))
        .mount(&server)
        .await;
    let client = client_for(&server);
    assert!(locally(check(&client, &jwt(KID, 300)).await));
    // Forged kids within the interval: a bounded number of checks with Stytch, then refusals.
    for n in 0..50 {
        let err = check(&client, &jwt(&format!("forged-{n}"), 300))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Api { status: 401, .. } | Error::InvalidSessionJwt(JwtRejection::UnknownKey)
            ),
            "{err:?}"
        );
    }
    // After the interval: one refetch, and the key is known not to be published.
    jump(MIN_REFETCH_INTERVAL).await;
    let err = check(&client, &jwt("forged-after", 300)).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidSessionJwt(JwtRejection::UnknownKey)),
        "{err:?}"
    );
    assert_eq!(fetches(&server).await, 2);
}

#[tokio::test]
async fn an_outage_costs_a_bounded_number_of_fetches_then_fails_closed() {
    let server = MockServer::start().await;
    serve_set(&server, jwks_with(&[KID]), 1).await;
    Mock::given(method("GET"))
        .and(path(jwks_path()))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(stytch_error(503, "internal_server_error")),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let genuine = jwt(KID, 24 * 3600);
    assert!(locally(check(&client, &genuine).await));
    let (captured, _guard) = Captured::install(
        tracing::Level::WARN,
        tracing_subscriber::fmt::format::FmtSpan::NONE,
    );

    // The outage starts when the set expires; traffic goes on, with many unknown kids.
    let step = Duration::from_secs(10);
    let outage = KEY_SET_LIFETIME + STALE_KEY_SET_LIMIT;
    let mut elapsed = Duration::ZERO;
    let mut unknown = 0;
    while elapsed < outage - step {
        jump(step).await;
        elapsed += step;
        if elapsed > KEY_SET_LIFETIME {
            assert!(
                locally(check(&client, &genuine).await),
                "the last good set serves at {elapsed:?}"
            );
        }
        for _ in 0..5 {
            if elapsed <= KEY_SET_LIFETIME {
                break;
            }
            unknown += 1;
            assert!(check(&client, &jwt(&format!("unknown-{unknown}"), 300))
                .await
                .is_err());
        }
    }
    jump(2 * step).await;
    elapsed += 2 * step;
    let closed = check(&client, &genuine).await.unwrap_err();
    assert!(
        matches!(
            closed,
            Error::InvalidSessionJwt(JwtRejection::KeySetUnavailable)
                | Error::Api { status: 503, .. }
        ),
        "fails closed after the stale limit: {closed:?}"
    );

    // One fetch per interval at most, each with its retries (503 is retried for reads; the
    // tests' client retries 3 times, see `fast_retries`).
    let per_fetch = 1 + 3;
    let intervals = (elapsed.as_secs() / MIN_REFETCH_INTERVAL.as_secs()) as usize + 1;
    let made = fetches(&server).await;
    assert!(
        made <= 1 + intervals * per_fetch,
        "{made} JWKS requests for {unknown} unknown-key JWTs over {elapsed:?}"
    );
    let posts = server.received_requests().await.unwrap().len() - made;
    assert_eq!(posts, 0, "no Stytch checks during the outage");
    let warnings = captured
        .text()
        .matches("could not refresh the project's JWKS")
        .count();
    assert_eq!(warnings, 1, "one WARN per outage:\n{}", captured.text());
}

#[tokio::test]
async fn the_cache_never_answers_past_exp_or_max_token_age() {
    let server = MockServer::start().await;
    serve_set(&server, jwks_with(&[KID]), 10).await;
    stytch_accepts(&server, 2).await;
    let client = client_for(&server);
    let token = sign(&claims(0, PROJECT_ID)); // exp = iat + 300
    assert!(locally(check(&client, &token).await));

    jump(Duration::from_secs(61)).await;
    let young = |age| {
        client
            .sessions()
            .authenticate_jwt(token.clone())
            .max_token_age(Duration::from_secs(age))
    };
    assert!(matches!(
        young(60).await.unwrap().checked,
        Checked::Remotely(_)
    ));
    assert!(matches!(
        young(120).await.unwrap().checked,
        Checked::Locally
    ));
    assert!(locally(check(&client, &token).await));

    jump(Duration::from_secs(300 - 61)).await; // now == exp
    assert!(matches!(
        check(&client, &token).await,
        Ok(Checked::Remotely(_))
    ));
}

#[tokio::test]
async fn without_a_cache_every_check_verifies_and_answers_the_same() {
    let server = MockServer::start().await;
    serve_set(&server, jwks_with(&[KID]), 2).await;
    let cached = client_for(&server);
    let uncached = Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .verified_jwt_cache_capacity(0)
        .build()
        .unwrap();
    let token = jwt(KID, 300);
    for client in [&cached, &cached, &uncached, &uncached] {
        let verified = client
            .sessions()
            .authenticate_jwt(token.clone())
            .await
            .unwrap();
        assert!(matches!(verified.checked, Checked::Locally));
        assert_eq!(verified.user_id, USER_ID);
        assert_eq!(verified.custom_claims["tier"], "gold");
    }
}
