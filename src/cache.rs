//! A response cache as a [`Transport`] layer: answers kept for a time, bounded in bytes, for the
//! operation kinds asked for, with identical requests in flight sent once.
//!
//! [`CachedTransport`] wraps any transport. Each request the core builds names its
//! [`OperationKind`] in its extensions; requests of a kind the [`CacheOptions`] keep are looked
//! up by their exact bytes (method, URL, every header, body), others pass straight through.
//! Only clean answers are kept: HTTP 200 with no GraphQL `errors` and no Pyxis `error` object.
//! A transport error, an HTTP error, a GraphQL error, a Pyxis error (a "not found" included)
//! and an answer whose body does not parse are never kept.
//!
//! Time comes from a [`Clock`] the caller hands in: the core reads none, and tests pass a
//! virtual one.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use pyxis_gql::cache::{CacheOptions, CachedTransport};
//! # use pyxis_gql::{Transport, TransportError, bytes::Bytes};
//! # struct Network;
//! # #[async_trait::async_trait]
//! # impl Transport for Network {
//! #     async fn send(&self, _: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> { unimplemented!() }
//! #     async fn sleep(&self, _: Duration) {}
//! # }
//! # let transport = Network;
//! let options = CacheOptions::builder().rebuild_safe().ttl(Duration::from_secs(1200)).build()?;
//! let cached = CachedTransport::new(transport, options, Instant::now);
//! // let client = pyxis_gql::Client::from_config(cached, &config);
//! # let _ = cached;
//! # Ok::<(), pyxis_gql::ConfigError>(())
//! ```

mod options;
mod store;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures_channel::oneshot;
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use serde::de::IgnoredAny;

pub use options::{CacheOptions, CacheOptionsBuilder, DEFAULT_CACHE_BYTES, DEFAULT_CACHE_TTL};

use crate::operation::OperationKind;
use crate::transport::{Transport, TransportError};
use store::{Answer, Key, Store};

/// Where a [`CachedTransport`] reads the time: `Instant::now` in a program, a virtual clock in
/// tests. Any `Fn() -> Instant` is one.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Instant;
}

impl<F: Fn() -> Instant + Send + Sync> Clock for F {
    fn now(&self) -> Instant {
        self()
    }
}

/// What a [`CachedTransport`] has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests of a cached kind sent on (none kept, or expired).
    pub misses: u64,
    /// Requests that waited for an identical one already in flight and took its answer.
    pub joined: u64,
    /// Requests of kinds not cached, sent on untouched.
    pub passed: u64,
    /// Answers dropped to make room.
    pub evicted: u64,
    /// Answers kept now.
    pub entries: usize,
    /// Bytes kept now.
    pub bytes: usize,
}

/// A [`Transport`] that keeps answers; see the [module docs](self).
///
/// `Debug` shows the options and the statistics, never a request (keys hold the API key).
pub struct CachedTransport<T, C = fn() -> Instant> {
    inner: T,
    options: CacheOptions,
    clock: C,
    state: Mutex<State>,
}

struct State {
    store: Store,
    /// Requests being sent now, with the callers waiting for their answers.
    in_flight: HashMap<Key, Vec<oneshot::Sender<Answer>>>,
    stats: CacheStats,
}

impl<T: Transport, C: Clock> CachedTransport<T, C> {
    /// `inner` with a cache configured by `options`, reading the time from `clock`.
    pub fn new(inner: T, options: CacheOptions, clock: C) -> Self {
        let store = Store::new(options.ttl(), options.max_bytes());
        Self {
            inner,
            options,
            clock,
            state: Mutex::new(State {
                store,
                in_flight: HashMap::new(),
                stats: CacheStats::default(),
            }),
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The cache's settings.
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }

    /// What the cache has done so far, and what it holds.
    pub fn stats(&self) -> CacheStats {
        let state = self.lock();
        CacheStats {
            entries: state.store.len(),
            bytes: state.store.bytes(),
            ..state.stats
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent between statements, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_cached(&self, request: &Request<Bytes>) -> bool {
        request
            .extensions()
            .get::<OperationKind>()
            .is_some_and(|kind| self.options.caches(*kind))
    }

    /// Sends `request` as the one in flight for `key`, then hands the answer to the callers
    /// that waited for it and keeps it if it is clean.
    async fn lead(
        &self,
        key: Key,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, TransportError> {
        // Dropped with the future (a timeout, a cancelled call) or on an error: the waiters
        // then see their channel closed and ask again themselves.
        let mut lead = Lead {
            cache: self,
            key: Some(key),
        };
        let response = self.inner.send(request).await?;
        let Some(key) = lead.key.take() else {
            return Ok(response);
        };
        let answer = Answer::of(&response);
        let clean = is_clean(&response);
        let now = self.clock.now();
        let mut state = self.lock();
        let waiters = state.in_flight.remove(&key).unwrap_or_default();
        if clean {
            let inserted = state.store.insert(key, answer.clone(), now);
            state.stats.evicted += inserted.evicted as u64;
        }
        drop(state);
        for waiter in waiters {
            // A waiter that gave up is no loss.
            let _ = waiter.send(answer.clone());
        }
        Ok(response)
    }
}

/// The request in flight for a key; removes it from the in-flight map if dropped before the
/// answer arrived.
struct Lead<'a, T, C> {
    cache: &'a CachedTransport<T, C>,
    key: Option<Key>,
}

impl<T, C> Drop for Lead<'_, T, C> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut state = self
                .cache
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.in_flight.remove(&key);
        }
    }
}

/// What to do with a request of a cached kind.
enum Step {
    Hit(Response<Bytes>),
    Wait(oneshot::Receiver<Answer>),
    Lead(Key),
}

#[async_trait]
impl<T: Transport, C: Clock> Transport for CachedTransport<T, C> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        if !self.is_cached(&request) {
            self.lock().stats.passed += 1;
            return self.inner.send(request).await;
        }
        loop {
            let key = Key::of(&request);
            let step = {
                let now = self.clock.now();
                let mut state = self.lock();
                if let Some(answer) = state.store.get(&key, now) {
                    state.stats.hits += 1;
                    Step::Hit(answer.to_response())
                } else {
                    match state.in_flight.entry(key) {
                        Entry::Occupied(mut waiting) => {
                            let (sender, receiver) = oneshot::channel();
                            waiting.get_mut().push(sender);
                            Step::Wait(receiver)
                        }
                        Entry::Vacant(vacant) => {
                            let key = vacant.key().clone();
                            vacant.insert(Vec::new());
                            state.stats.misses += 1;
                            Step::Lead(key)
                        }
                    }
                }
            };
            match step {
                Step::Hit(response) => return Ok(response),
                Step::Lead(key) => return self.lead(key, request).await,
                Step::Wait(receiver) => {
                    if let Ok(answer) = receiver.await {
                        self.lock().stats.joined += 1;
                        return Ok(answer.to_response());
                    }
                    // The request in flight failed or was dropped: errors are not shared, so
                    // ask again (one of the waiters leads the next attempt).
                }
            }
        }
    }

    async fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration).await;
    }
}

impl<T, C> fmt::Debug for CachedTransport<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self
            .state
            .lock()
            .map(|state| state.stats)
            .unwrap_or_else(|poisoned| poisoned.into_inner().stats);
        f.debug_struct("CachedTransport")
            .field("options", &self.options)
            .field("stats", &stats)
            .finish_non_exhaustive()
    }
}

/// Whether a response may be kept: HTTP 200, JSON, no GraphQL `errors`, and no root field
/// carrying a Pyxis `error`.
fn is_clean(response: &Response<Bytes>) -> bool {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        errors: Option<Vec<IgnoredAny>>,
        #[serde(default)]
        data: Option<HashMap<String, Option<Root>>>,
    }
    #[derive(Deserialize)]
    struct Root {
        #[serde(default)]
        error: Option<IgnoredAny>,
    }
    if response.status() != StatusCode::OK {
        return false;
    }
    match serde_json::from_slice::<Body>(response.body()) {
        Ok(body) => {
            body.errors.is_none_or(|errors| errors.is_empty())
                && body.data.is_some_and(|data| {
                    data.values()
                        .all(|root| root.as_ref().is_none_or(|root| root.error.is_none()))
                })
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &'static str) -> Response<Bytes> {
        let mut response = Response::new(Bytes::from_static(body.as_bytes()));
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        response
    }

    #[test]
    fn only_clean_answers_are_kept() {
        assert!(is_clean(&response(
            200,
            r#"{"data": {"find_images": {"error": null, "data": []}}}"#
        )));
        assert!(is_clean(&response(
            200,
            r#"{"data": {"get_image": null}, "errors": []}"#
        )));
        for dirty in [
            r#"{"data": {"get_image": {"error": {"status": 404}, "data": null}}}"#,
            r#"{"data": null, "errors": [{"message": "boom"}]}"#,
            r#"{"data": {"a": {"data": 1}}, "errors": [{"message": "partial"}]}"#,
            r#"{"errors": []}"#,
            r#"{"data": {"a": 7}}"#,
            r#"{"data": {"a": {}"#,
            "not json",
        ] {
            assert!(!is_clean(&response(200, dirty)), "{dirty}");
        }
        assert!(!is_clean(&response(503, r#"{"data": {"a": {}}}"#)));
    }
}
