//! The span fields and log lines the crate docs promise, read back from a capturing
//! `tracing` layer: OpenTelemetry HTTP fields on each call's span, and the request id of an
//! error response logged at WARN.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use stytch_totp::Operation;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

type Fields = BTreeMap<String, String>;

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// Closed spans (name, fields) and events (level, fields), in order.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<(String, Fields)>>>,
    events: Arc<Mutex<Vec<(Level, Fields)>>>,
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(&mut Visitor(fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let level = *event.metadata().level();
        self.events
            .lock()
            .expect("not poisoned")
            .push((level, fields));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let fields = span
                .extensions()
                .get::<Fields>()
                .cloned()
                .unwrap_or_default();
            self.spans
                .lock()
                .expect("not poisoned")
                .push((span.name().to_owned(), fields));
        }
    }
}

/// Runs `calls` with a capturing subscriber as this thread's default.
async fn captured<F: std::future::Future<Output = ()>>(calls: F) -> Capture {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    calls.await;
    capture
}

fn span<'a>(capture: &'a [(String, Fields)], name: &str) -> &'a Fields {
    &capture
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no span {name}: {capture:#?}"))
        .1
}

#[tokio::test]
async fn each_call_span_carries_the_otel_http_fields() {
    let server = MockServer::start().await;
    let get = example("GetUserResponse", 0);
    let request_id = get["request_id"].as_str().expect("an id").to_owned();
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(get))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(example("CreateTotpResponse", 0)))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let capture = captured(async {
        client.users().get(USER_ID).await.expect("a user");
        client.totps().create(USER_ID).await.expect("a TOTP");
    })
    .await;
    let spans = capture.spans.lock().expect("not poisoned").clone();
    let port = server.address().port().to_string();

    let get = span(&spans, Operation::UsersGet.span_name());
    let expected = [
        ("http.request.method", "GET".to_owned()),
        (
            "url.full",
            format!(
                "{}{}",
                server.uri(),
                Operation::UsersGet.path_with(&[USER_ID])
            ),
        ),
        ("server.address", "127.0.0.1".to_owned()),
        ("server.port", port.clone()),
        ("http.response.status_code", "200".to_owned()),
        ("stytch.request_id", request_id),
        ("stytch.attempts", "1".to_owned()),
    ];
    for (field, value) in &expected {
        assert_eq!(get.get(*field), Some(value), "{field} in {get:#?}");
    }
    let create = span(&spans, Operation::TotpsCreate.span_name());
    assert_eq!(create["http.request.method"], "POST");
    assert_eq!(
        create["url.full"],
        format!("{}{}", server.uri(), Operation::TotpsCreate.path())
    );
    assert_eq!(create["server.port"], port);
}

#[tokio::test]
async fn an_error_response_logs_its_request_id_at_warn() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_json(stytch_error(404, "user_not_found")))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let capture = captured(async {
        client.users().get(USER_ID).await.expect_err("a 404");
    })
    .await;
    let events = capture.events.lock().expect("not poisoned").clone();
    let warned = events
        .iter()
        .find(|(_, fields)| fields.get("request_id").map(String::as_str) == Some(REQUEST_ID))
        .unwrap_or_else(|| panic!("no event carries the request id: {events:#?}"));
    assert_eq!(warned.0, Level::WARN, "{warned:?}");
    assert_eq!(warned.1["error_type"], "user_not_found");
    assert_eq!(warned.1["status"], "404");
    let spans = capture.spans.lock().expect("not poisoned").clone();
    let get = span(&spans, Operation::UsersGet.span_name());
    assert_eq!(get["stytch.request_id"], REQUEST_ID);
    assert_eq!(get["http.response.status_code"], "404");
}
