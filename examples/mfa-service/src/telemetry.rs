//! Logs and spans: JSON lines on stdout, request spans, and (feature `opentelemetry-otlp`) an
//! OTLP/HTTP span exporter.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::field::Empty;
use tracing::{Span, Subscriber};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::trace_context::{new_trace_id, TraceParent};

/// The log filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info";

/// The JSON log layer the service installs, writing to `writer`: one JSON object per line with
/// the event's fields flattened at top level, the current span (`span`) and every enclosing
/// span (`spans`) with their fields, and one line when each span closes (`"message":"close"`,
/// with `time.busy`/`time.idle`), so each span's final fields (`stytch.request_id`,
/// `stytch.attempts`, `http.response.status_code`, ...) are logged once.
pub fn json_layer<S, W>(writer: W) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(writer)
}

/// Keeps what must be flushed at exit (the OpenTelemetry exporter, when installed).
#[derive(Debug, Default)]
#[must_use = "dropping the guard does not flush spans: call shutdown() at exit"]
pub struct TelemetryGuard {
    #[cfg(feature = "opentelemetry-otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Flushes and stops the span exporter, if any.
    pub async fn shutdown(self) {
        #[cfg(feature = "opentelemetry-otlp")]
        if let Some(provider) = self.provider {
            // The batch processor blocks while it flushes: keep that off the async workers.
            let result = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if let Ok(Err(error)) = result {
                tracing::warn!(%error, "the OpenTelemetry exporter did not shut down cleanly");
            }
        }
    }
}

/// Installs the global subscriber: `RUST_LOG` (default [`DEFAULT_FILTER`]), JSON logs on
/// stdout ([`json_layer`]) and, when built with the `opentelemetry-otlp` feature and
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set, an OTLP/HTTP (protobuf) span exporter for service
/// `OTEL_SERVICE_NAME` (default `mfa-service`) plus the W3C `TraceContextPropagator`.
///
/// # Errors
/// If a global subscriber is already installed, or the exporter cannot be built.
pub fn init() -> Result<TelemetryGuard, Box<dyn std::error::Error + Send + Sync>> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    #[cfg(feature = "opentelemetry-otlp")]
    let (otel_layer, guard) = otel::layer()?;
    #[cfg(not(feature = "opentelemetry-otlp"))]
    let (otel_layer, guard) = (
        None::<tracing_subscriber::layer::Identity>,
        TelemetryGuard {},
    );
    tracing_subscriber::registry()
        .with(filter)
        .with(json_layer(std::io::stdout))
        .with(otel_layer)
        .try_init()?;
    #[cfg(feature = "opentelemetry-otlp")]
    if guard.provider.is_some() {
        tracing::info!(
            endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_default(),
            "exporting spans over OTLP/HTTP"
        );
    }
    Ok(guard)
}

#[cfg(feature = "opentelemetry-otlp")]
mod otel {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use opentelemetry_sdk::Resource;
    use tracing::Subscriber;
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::Layer;

    use super::TelemetryGuard;

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    /// The OpenTelemetry layer, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub(super) fn layer<S>() -> Result<(Option<impl Layer<S>>, TelemetryGuard), BoxError>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        // The propagator is installed either way: extracting a parent is harmless without
        // an exporter.
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let endpoint_set =
            std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").is_ok_and(|v| !v.trim().is_empty());
        if !endpoint_set {
            return Ok((None, TelemetryGuard { provider: None }));
        }
        // Endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables;
        // the HTTP transport appends /v1/traces to the endpoint.
        // The exporter builds its own reqwest client: with the SDK's default TLS backend
        // (reqwest's rustls with aws-lc-rs) it needs no process-wide provider first.
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        let service_name =
            std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "mfa-service".to_owned());
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name(service_name).build())
            .build();
        let tracer = provider.tracer("mfa-service");
        let layer = tracing_opentelemetry::layer().with_tracer(tracer);
        Ok((
            Some(layer),
            TelemetryGuard {
                provider: Some(provider),
            },
        ))
    }
}

/// The request-span layer [`crate::router`] applies: [`RequestSpan`] and [`RecordResponse`].
pub type RequestTraceLayer = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    (),
    RecordResponse,
    (),
    (),
    (),
>;

/// Builds the [`RequestTraceLayer`].
pub fn trace_layer() -> RequestTraceLayer {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(RecordResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// Makes the span of an incoming request: `http.request` with `otel.name` = `"{method}
/// {route}"` (the matched route template, `unmatched` for 404s), `http.route`,
/// `http.request.method`, `url.path`, `trace_id` and `parent_span_id` (see
/// [`crate::trace_context`]), and `http.response.status_code` once answered.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str);
        let method = request.method().as_str();
        let span = tracing::info_span!(
            "http.request",
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = method,
            http.route = route,
            url.path = request.uri().path(),
            http.response.status_code = Empty,
            trace_id = Empty,
            parent_span_id = Empty,
        );
        let parent = TraceParent::from_headers(request.headers());
        let otel_trace_id = crate::trace_context::join_otel_trace(&span, request.headers());
        match parent {
            Some(parent) => {
                span.record("trace_id", parent.trace_id.as_str());
                span.record("parent_span_id", parent.parent_span_id.as_str());
            }
            None => {
                let trace_id = otel_trace_id.unwrap_or_else(new_trace_id);
                span.record("trace_id", trace_id.as_str());
            }
        }
        span
    }
}

/// Records the status on the request span and logs one access line (`"request finished"`,
/// INFO) with status and latency.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordResponse;

impl<B> OnResponse<B> for RecordResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status();
        span.record("http.response.status_code", status.as_u16());
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
        tracing::info!(
            http.response.status_code = status.as_u16(),
            latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            "request finished"
        );
    }
}
