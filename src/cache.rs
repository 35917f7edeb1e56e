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
//! Identical requests in flight at once are sent once: the request runs as a shared future that
//! every caller asking the same question awaits, and any of them drives it, so a caller that
//! stops polling holds no one up. It is cancelled once no caller awaits it. When it fails, one
//! caller gets the error and the others ask again.
//!
//! Each page of a crawl is a request of its own, kept and expiring on its own, so a crawl may
//! combine pages kept at different times; the crawl's own checks (a changed total, pages out of
//! order or overlapping) catch most changes in between. Keep the time to live short where that
//! matters, or leave paginated kinds out.
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
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::future::{self, BoxFuture, FutureExt as _};
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
    shared: Arc<Shared<T, C>>,
    options: CacheOptions,
}

/// What the requests in flight need after their callers are gone: they run as shared futures
/// that any caller waiting for them drives.
struct Shared<T, C> {
    inner: T,
    clock: C,
    state: Mutex<State>,
}

/// A request in flight, as every caller asking the same question awaits it: the answer, or
/// `None` when it failed (the error goes to one caller, through `error`).
type Flight = future::Shared<BoxFuture<'static, Option<Answer>>>;

struct InFlight {
    /// Weak, so that the request is dropped (and cancelled) once no caller awaits it.
    flight: future::WeakShared<BoxFuture<'static, Option<Answer>>>,
    /// Tells this flight from a later one for the same key.
    id: u64,
    error: Arc<Mutex<Option<TransportError>>>,
}

struct State {
    store: Store,
    in_flight: HashMap<Key, InFlight>,
    flights: u64,
    stats: CacheStats,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the state consistent, so a panic elsewhere leaves it usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Transport + 'static, C: Clock + 'static> CachedTransport<T, C> {
    /// `inner` with a cache configured by `options`, reading the time from `clock`.
    pub fn new(inner: T, options: CacheOptions, clock: C) -> Self {
        let store = Store::new(options.ttl(), options.max_bytes());
        Self {
            shared: Arc::new(Shared {
                inner,
                clock,
                state: Mutex::new(State {
                    store,
                    in_flight: HashMap::new(),
                    flights: 0,
                    stats: CacheStats::default(),
                }),
            }),
            options,
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.shared.inner
    }

    /// The cache's settings.
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }

    /// What the cache has done so far, and what it holds.
    pub fn stats(&self) -> CacheStats {
        let state = lock(&self.shared.state);
        CacheStats {
            entries: state.store.len(),
            bytes: state.store.bytes(),
            ..state.stats
        }
    }

    fn is_cached(&self, request: &Request<Bytes>) -> bool {
        request
            .extensions()
            .get::<OperationKind>()
            .is_some_and(|kind| self.options.caches(*kind))
    }

    /// The kept answer, the request in flight to join, or a new flight for `request`.
    fn step(&self, request: &Request<Bytes>) -> Step {
        let key = Key::of(request);
        let now = self.shared.clock.now();
        let mut state = lock(&self.shared.state);
        if let Some(answer) = state.store.get(&key, now) {
            state.stats.hits += 1;
            return Step::Hit(answer);
        }
        if let Some(in_flight) = state.in_flight.get(&key)
            && let Some(flight) = in_flight.flight.upgrade()
        {
            return Step::Join(flight, Arc::clone(&in_flight.error), false);
        }
        state.stats.misses += 1;
        state.flights += 1;
        let id = state.flights;
        let error = Arc::new(Mutex::new(None));
        let flight = fly(
            Arc::clone(&self.shared),
            key.clone(),
            id,
            copy(request),
            Arc::clone(&error),
        );
        // `fly` gives a future that was never polled, so it can always be downgraded.
        if let Some(weak) = flight.downgrade() {
            let in_flight = InFlight {
                flight: weak,
                id,
                error: Arc::clone(&error),
            };
            state.in_flight.insert(key, in_flight);
        }
        Step::Join(flight, error, true)
    }
}

/// What to do with a request of a cached kind.
enum Step {
    Hit(Answer),
    /// Await the flight; the flag says whether this caller started it.
    Join(Flight, Arc<Mutex<Option<TransportError>>>, bool),
}

/// The request as a future any caller can drive: it keeps a clean answer, and leaves the
/// in-flight map when it ends, fails, panics or is dropped.
fn fly<T: Transport + 'static, C: Clock + 'static>(
    shared: Arc<Shared<T, C>>,
    key: Key,
    id: u64,
    request: Request<Bytes>,
    error: Arc<Mutex<Option<TransportError>>>,
) -> Flight {
    async move {
        let mut landing = Landing {
            shared: &shared,
            key: Some(key),
            id,
        };
        match shared.inner.send(request).await {
            Ok(response) => {
                let answer = Answer::of(&response);
                let clean = is_clean(&response);
                let now = shared.clock.now();
                let mut state = lock(&shared.state);
                // Leaving the map and entering the store at once: a new caller finds one or
                // the other.
                if let Some(key) = landing.take(&mut state)
                    && clean
                {
                    let inserted = state.store.insert(key, answer.clone(), now);
                    state.stats.evicted += inserted.evicted as u64;
                }
                Some(answer)
            }
            Err(err) => {
                *lock(&error) = Some(err);
                None
            }
        }
    }
    .boxed()
    .shared()
}

/// Takes a flight out of the in-flight map when it ends in any way.
struct Landing<'a, T, C> {
    shared: &'a Shared<T, C>,
    key: Option<Key>,
    id: u64,
}

impl<T, C> Landing<'_, T, C> {
    /// The key, once the flight has left the map (unless a later flight took its place).
    fn take(&mut self, state: &mut State) -> Option<Key> {
        let key = self.key.take()?;
        if state.in_flight.get(&key).is_some_and(|f| f.id == self.id) {
            state.in_flight.remove(&key);
        }
        Some(key)
    }
}

impl<T, C> Drop for Landing<'_, T, C> {
    fn drop(&mut self) {
        if self.key.is_some() {
            let mut state = lock(&self.shared.state);
            self.take(&mut state);
        }
    }
}

#[async_trait]
impl<T: Transport + 'static, C: Clock + 'static> Transport for CachedTransport<T, C> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        if !self.is_cached(&request) {
            lock(&self.shared.state).stats.passed += 1;
            return self.shared.inner.send(request).await;
        }
        loop {
            let (flight, error, started) = match self.step(&request) {
                Step::Hit(answer) => return Ok(answer.to_response()),
                Step::Join(flight, error, started) => (flight, error, started),
            };
            if let Some(answer) = flight.await {
                if !started {
                    lock(&self.shared.state).stats.joined += 1;
                }
                return Ok(answer.to_response());
            }
            // The flight failed. Errors are not shared: one caller gets it, the others ask
            // again (and one of them starts the next flight).
            if let Some(err) = lock(&error).take() {
                return Err(err);
            }
        }
    }

    async fn sleep(&self, duration: Duration) {
        self.shared.inner.sleep(duration).await;
    }
}

/// A copy of a request, for the flight that outlives the caller's.
fn copy(request: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

impl<T, C> fmt::Debug for CachedTransport<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = lock(&self.shared.state).stats;
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
