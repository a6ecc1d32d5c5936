//! Capture: a layer that keeps every span (name, parent, fields as finally recorded) and
//! event.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

#[derive(Debug, Clone)]
pub struct SpanRecord {
    pub seq: u64,
    pub name: &'static str,
    pub parent: Option<u64>,
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct EventRecord {
    pub target: String,
    pub span: Option<u64>,
    pub fields: BTreeMap<String, String>,
}

#[derive(Default)]
pub struct Captured {
    pub spans: Vec<SpanRecord>,
    pub events: Vec<EventRecord>,
}

/// Span ids are reused once a span closes, so each span gets its own sequence number, kept in
/// the span's extensions.
#[derive(Clone, Copy)]
pub struct Seq(u64);

#[derive(Clone, Default)]
pub struct Capture {
    pub next: Arc<AtomicU64>,
    pub captured: Arc<Mutex<Captured>>,
}

pub struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

pub fn seq_of<S: Subscriber + for<'a> LookupSpan<'a>>(
    ctx: &Context<'_, S>,
    id: &Id,
) -> Option<u64> {
    ctx.span(id)
        .and_then(|span| span.extensions().get::<Seq>().map(|s| s.0))
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let span = ctx.span(id).expect("a new span is in the registry");
        let parent = span
            .parent()
            .and_then(|p| p.extensions().get::<Seq>().map(|s| s.0));
        span.extensions_mut().insert(Seq(seq));
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.captured.lock().unwrap().spans.push(SpanRecord {
            seq,
            name: attrs.metadata().name(),
            parent,
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(seq) = seq_of(&ctx, id) else { return };
        let mut captured = self.captured.lock().unwrap();
        let span = captured
            .spans
            .iter_mut()
            .find(|s| s.seq == seq)
            .expect("recorded span was captured");
        values.record(&mut Fields(&mut span.fields));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let span = ctx
            .event_span(event)
            .and_then(|s| s.extensions().get::<Seq>().map(|s| s.0));
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.captured.lock().unwrap().events.push(EventRecord {
            target: event.metadata().target().to_owned(),
            span,
            fields,
        });
    }
}

impl Capture {
    pub fn spans(&self) -> Vec<SpanRecord> {
        self.captured.lock().unwrap().spans.clone()
    }

    pub fn events(&self) -> Vec<EventRecord> {
        self.captured.lock().unwrap().events.clone()
    }

    pub fn named(&self, name: &str) -> Vec<SpanRecord> {
        self.spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect()
    }

    pub fn children(&self, parent: &SpanRecord) -> Vec<SpanRecord> {
        self.spans()
            .into_iter()
            .filter(|s| s.parent == Some(parent.seq))
            .collect()
    }

    pub fn parent(&self, span: &SpanRecord) -> Option<SpanRecord> {
        let parent = span.parent?;
        self.spans().into_iter().find(|s| s.seq == parent)
    }
}
