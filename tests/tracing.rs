//! What the client tells a `tracing` subscriber: spans per call and per page, retries, the end
//! of a crawl, trace ids, and never a secret. Built with the `tracing` feature (the CLI turns it
//! on, so the workspace's tests build it).
#![cfg(feature = "tracing")]

use std::fmt::{Debug, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::block_on;
use pyxis_gql::bytes::Bytes;
use pyxis_gql::ops::FindRepositories;
use pyxis_gql::{ApiKey, Client, Config, Transport, TransportError};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const SECRET: &str = "s3cr3t-api-key";

/// Three pages of repositories; the first attempt at page 1 is a 503.
struct Pyxis(AtomicUsize);

#[async_trait::async_trait]
impl Transport for Pyxis {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let call = self.0.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        let page = body["variables"]["page"].as_u64().unwrap();
        let size = body["variables"]["page_size"].as_u64().unwrap();
        let (status, answer) = if page == 1 && call == 1 {
            (503, json!("busy"))
        } else {
            let items: Vec<Value> = (page * size..((page + 1) * size).min(5))
                .map(|i| json!({"_id": format!("r{i}"), "repository": format!("r{i}")}))
                .collect();
            (
                200,
                json!({"data": {"find_repositories": {"data": items, "page": page, "total": 5}}}),
            )
        };
        Ok(http::Response::builder()
            .status(status)
            .header("trace_id", format!("trace-{call}"))
            .body(Bytes::from(serde_json::to_vec(&answer).unwrap()))
            .unwrap())
    }

    async fn sleep(&self, duration: Duration) {
        if duration >= Duration::from_secs(60) {
            std::future::pending::<()>().await;
        }
    }
}

/// Every span, field record and event, as one line each.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let mut line = Fields(format!("span {}", attrs.metadata().name()));
        attrs.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let name = ctx.span(id).map_or("?", |span| span.name());
        let mut line = Fields(format!("record {name}"));
        values.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut line = Fields(format!("event {}", event.metadata().level()));
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
}

#[test]
fn calls_pages_retries_and_the_end_of_a_crawl_are_traced_without_secrets() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let config = Config::builder()
        .api_key(ApiKey::new(SECRET))
        .page_size(2)
        .build()
        .unwrap();
    let client = Client::from_config(Pyxis(AtomicUsize::new(0)), &config);
    let found = tracing::subscriber::with_default(subscriber, || {
        block_on(client.find_repositories(FindRepositories::new()))
    })
    .unwrap();
    assert_eq!(found.len(), 5);

    let lines = capture.0.lock().unwrap().clone();
    let has = |needle: &str| lines.iter().any(|line| line.contains(needle));
    assert!(
        has("span pyxis.call operation=FindRepositories"),
        "{lines:#?}"
    );
    for page in 0..3 {
        assert!(has(&format!("span pyxis.page page={page}")), "{lines:#?}");
    }
    assert!(has("record pyxis.page attempt=2"), "{lines:#?}");
    assert!(has("record pyxis.page trace_id=trace-"), "{lines:#?}");
    let retry = lines
        .iter()
        .find(|line| line.starts_with("event WARN") && line.contains("retrying"))
        .expect("a retry event");
    assert!(
        retry.contains("error.kind=http")
            && retry.contains("attempt=1")
            && retry.contains("wait_ms=200")
            && retry.contains("error.trace_id=trace-1"),
        "{retry}"
    );
    assert!(has("event INFO") && has("pages=3 items=5"), "{lines:#?}");
    assert!(
        lines.iter().all(|line| !line.contains(SECRET)),
        "no secret in any span or event: {lines:#?}"
    );
}
