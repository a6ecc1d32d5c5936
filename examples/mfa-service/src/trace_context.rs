//! W3C Trace Context (`traceparent`) for incoming requests.
//!
//! The header is always parsed, and its ids are recorded on the request span as `trace_id` and
//! `parent_span_id`, so JSON logs correlate with the caller's trace even without OpenTelemetry.
//! A request without a valid `traceparent` gets a fresh random `trace_id` (with the
//! `opentelemetry-otlp` feature active: the trace id of the exported span), so all the lines of
//! one request still share an id. With the feature, the OpenTelemetry parent context is set too
//! (through the globally installed `TraceContextPropagator`), so exported spans join the
//! caller's trace.

use axum::http::HeaderMap;

/// The `traceparent` header name.
pub const TRACEPARENT: &str = "traceparent";

/// A valid `traceparent` header: `{version}-{trace-id}-{parent-id}-{trace-flags}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    /// 32 lowercase hex digits, not all zero.
    pub trace_id: String,
    /// The caller's span: 16 lowercase hex digits, not all zero.
    pub parent_span_id: String,
    /// The `sampled` trace flag.
    pub sampled: bool,
}

impl TraceParent {
    /// Parses a header value; `None` when it breaks the W3C rules (then the caller's context
    /// is ignored, as the specification says). Versions after `00` are accepted as long as the
    /// version-00 fields come first.
    ///
    /// ```
    /// use mfa_service::trace_context::TraceParent;
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    /// assert_eq!(tp.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    /// assert_eq!(tp.parent_span_id, "00f067aa0ba902b7");
    /// assert!(tp.sampled);
    /// assert!(TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let mut parts = value.splitn(5, '-');
        let (version, trace_id, parent_span_id, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let rest = parts.next();
        if !is_lower_hex(version, 2) || version == "ff" || (version == "00" && rest.is_some()) {
            return None;
        }
        if !is_lower_hex(trace_id, 32) || is_all_zero(trace_id) {
            return None;
        }
        if !is_lower_hex(parent_span_id, 16) || is_all_zero(parent_span_id) {
            return None;
        }
        if !is_lower_hex(flags, 2) {
            return None;
        }
        let flags = u8::from_str_radix(flags, 16).ok()?;
        Some(Self {
            trace_id: trace_id.to_owned(),
            parent_span_id: parent_span_id.to_owned(),
            sampled: flags & 1 == 1,
        })
    }

    /// The request's `traceparent`, if there is exactly one and it is valid.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let mut values = headers.get_all(TRACEPARENT).iter();
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        Self::parse(value.to_str().ok()?)
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_all_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
}

/// A fresh random trace id (32 lowercase hex digits), for requests that came without one.
pub fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Sets the OpenTelemetry parent of `span` from the request headers (through the global
/// propagator) and returns the span's OpenTelemetry trace id, if the OpenTelemetry layer is
/// installed.
#[cfg(feature = "opentelemetry-otlp")]
pub(crate) fn join_otel_trace(span: &tracing::Span, headers: &HeaderMap) -> Option<String> {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    struct Extractor<'a>(&'a HeaderMap);
    impl opentelemetry::propagation::Extractor for Extractor<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }

    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&Extractor(headers))
    });
    span.set_parent(parent).ok()?;
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// Without the `opentelemetry-otlp` feature there is no OpenTelemetry context to join.
#[cfg(not(feature = "opentelemetry-otlp"))]
pub(crate) fn join_otel_trace(_span: &tracing::Span, _headers: &HeaderMap) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_valid_headers_and_refuses_broken_ones() {
        let tp = TraceParent::parse(VALID).unwrap();
        assert_eq!(tp.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(
            !TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                .unwrap()
                .sampled
        );
        // A later version may append fields.
        assert!(TraceParent::parse(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
        )
        .is_some());
        for bad in [
            "",
            "garbage",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn exactly_one_header_counts() {
        let mut headers = HeaderMap::new();
        assert_eq!(TraceParent::from_headers(&headers), None);
        headers.insert(TRACEPARENT, HeaderValue::from_static(VALID));
        assert!(TraceParent::from_headers(&headers).is_some());
        headers.append(TRACEPARENT, HeaderValue::from_static(VALID));
        assert_eq!(TraceParent::from_headers(&headers), None);
    }

    #[test]
    fn fresh_trace_ids_are_w3c_shaped() {
        let id = new_trace_id();
        assert!(is_lower_hex(&id, 32) && !is_all_zero(&id), "{id}");
        assert_ne!(id, new_trace_id());
    }
}
