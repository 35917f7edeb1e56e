//! The kept answers: a map from request to response with a time to live, bounded in bytes,
//! least recently used out. Pure: the time is an argument.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri, Version};

/// What makes two requests the same question: method, URL, every header, and the body.
///
/// Every header counts because any may change the answer (the API key does); none is ever
/// printed, so `Debug` is not derived.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    method: Method,
    uri: Uri,
    headers: Vec<(String, Vec<u8>)>,
    body: Bytes,
}

impl Key {
    pub(super) fn of(request: &Request<Bytes>) -> Self {
        let mut headers: Vec<(String, Vec<u8>)> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        // Header order does not change the answer, so it does not split the key.
        headers.sort();
        Self {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers,
            body: request.body().clone(),
        }
    }

    fn size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.len() + value.len())
            .sum();
        self.uri.to_string().len() + headers + self.body.len()
    }
}

/// A response as kept: rebuilt for each hit (a `Response` is not `Clone`), sharing the body.
#[derive(Clone, Debug)]
pub(super) struct Answer {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    pub(super) fn of(response: &Response<Bytes>) -> Self {
        Self {
            status: response.status(),
            version: response.version(),
            headers: response.headers().clone(),
            body: response.body().clone(),
        }
    }

    pub(super) fn to_response(&self) -> Response<Bytes> {
        let mut response = Response::new(self.body.clone());
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers.clone();
        response
    }

    fn size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        headers + self.body.len()
    }
}

/// Bookkeeping per entry (maps, keys, timestamps), counted so that many small answers cannot
/// outgrow the cap unseen.
const ENTRY_OVERHEAD: usize = 128;

struct Entry {
    answer: Answer,
    /// `None` when the time to live reaches past what `Instant` can hold: never.
    expires: Option<Instant>,
    size: usize,
    /// Its place in `recency`.
    used: u64,
}

/// The kept answers and their order of use.
pub(super) struct Store {
    ttl: Duration,
    max_bytes: usize,
    entries: HashMap<Arc<Key>, Entry>,
    /// Entries by last use, oldest first.
    recency: BTreeMap<u64, Arc<Key>>,
    clock: u64,
    bytes: usize,
}

/// What a [`Store::insert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Inserted {
    /// Whether the answer was kept (one larger than the whole cache is not).
    pub(super) kept: bool,
    /// Older answers dropped to make room.
    pub(super) evicted: usize,
}

impl Store {
    pub(super) fn new(ttl: Duration, max_bytes: usize) -> Self {
        Self {
            ttl,
            max_bytes,
            entries: HashMap::new(),
            recency: BTreeMap::new(),
            clock: 0,
            bytes: 0,
        }
    }

    /// The answer kept for `key`, if it has not expired at `now`; a hit counts as a use.
    pub(super) fn get(&mut self, key: &Key, now: Instant) -> Option<Answer> {
        let entry = self.entries.get(key)?;
        if entry.expires.is_some_and(|expires| now >= expires) {
            self.remove(key);
            return None;
        }
        let (shared, _) = self.entries.get_key_value(key)?;
        let shared = Arc::clone(shared);
        self.clock += 1;
        let used = self.clock;
        let entry = self.entries.get_mut(key)?;
        self.recency.remove(&entry.used);
        entry.used = used;
        self.recency.insert(used, shared);
        Some(entry.answer.clone())
    }

    /// Keeps `answer` for `key` from `now` for the time to live, dropping the least recently
    /// used answers until it fits.
    pub(super) fn insert(&mut self, key: Key, answer: Answer, now: Instant) -> Inserted {
        self.remove(&key);
        let size = key.size() + answer.size() + ENTRY_OVERHEAD;
        if size > self.max_bytes {
            return Inserted {
                kept: false,
                evicted: 0,
            };
        }
        if self.bytes + size > self.max_bytes {
            // Expired answers go before live ones, however recently used.
            let expired: Vec<Arc<Key>> = self
                .entries
                .iter()
                .filter(|(_, entry)| entry.expires.is_some_and(|expires| now >= expires))
                .map(|(key, _)| Arc::clone(key))
                .collect();
            for key in expired {
                self.remove(&key);
            }
        }
        let mut evicted = 0;
        while self.bytes + size > self.max_bytes {
            let Some((_, oldest)) = self.recency.pop_first() else {
                break;
            };
            if let Some(entry) = self.entries.remove(&oldest) {
                self.bytes -= entry.size;
                evicted += 1;
            }
        }
        self.clock += 1;
        let key = Arc::new(key);
        self.recency.insert(self.clock, Arc::clone(&key));
        self.bytes += size;
        let expires = now.checked_add(self.ttl);
        self.entries.insert(
            key,
            Entry {
                answer,
                expires,
                size,
                used: self.clock,
            },
        );
        Inserted {
            kept: true,
            evicted,
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some(entry) = self.entries.remove(key) {
            self.recency.remove(&entry.used);
            self.bytes -= entry.size;
        }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &'static str) -> Request<Bytes> {
        Request::post("https://pyxis.test/graphql")
            .header("x-api-key", "k")
            .body(Bytes::from_static(body.as_bytes()))
            .unwrap()
    }

    fn answer(body: &str) -> Answer {
        Answer::of(&Response::new(Bytes::from(body.to_owned())))
    }

    fn body_of(answer: Option<Answer>) -> Option<Bytes> {
        answer.map(|answer| answer.to_response().into_body())
    }

    #[test]
    fn keys_differ_by_body_and_header_but_not_header_order() {
        let a = Request::post("https://p/")
            .header("a", "1")
            .header("b", "2")
            .body(Bytes::from_static(b"q"))
            .unwrap();
        let b = Request::post("https://p/")
            .header("b", "2")
            .header("a", "1")
            .body(Bytes::from_static(b"q"))
            .unwrap();
        assert!(Key::of(&a) == Key::of(&b));
        let other_key = Request::post("https://p/")
            .header("a", "1")
            .header("b", "3")
            .body(Bytes::from_static(b"q"))
            .unwrap();
        assert!(Key::of(&a) != Key::of(&other_key));
        assert!(Key::of(&request("x")) != Key::of(&request("y")));
    }

    #[test]
    fn answers_expire_after_their_time_to_live() {
        let start = Instant::now();
        let mut store = Store::new(Duration::from_secs(60), 1 << 20);
        store.insert(Key::of(&request("q")), answer("a"), start);
        let key = Key::of(&request("q"));
        let at = |secs| start + Duration::from_secs(secs);
        assert_eq!(body_of(store.get(&key, at(59))), Some(Bytes::from("a")));
        assert_eq!(body_of(store.get(&key, at(60))), None);
        assert_eq!((store.len(), store.bytes()), (0, 0));
    }

    #[test]
    fn the_least_recently_used_answer_goes_first() {
        let now = Instant::now();
        let big = "x".repeat(1000);
        let one = Key::of(&request("one")).size() + big.len() + ENTRY_OVERHEAD;
        let mut store = Store::new(Duration::from_secs(60), 2 * one + 10);
        store.insert(Key::of(&request("one")), answer(&big), now);
        store.insert(Key::of(&request("two")), answer(&big), now);
        assert!(store.get(&Key::of(&request("one")), now).is_some());
        let inserted = store.insert(Key::of(&request("tri")), answer(&big), now);
        assert_eq!(
            inserted,
            Inserted {
                kept: true,
                evicted: 1
            }
        );
        assert!(store.get(&Key::of(&request("two")), now).is_none());
        assert!(store.get(&Key::of(&request("one")), now).is_some());
        assert!(store.get(&Key::of(&request("tri")), now).is_some());
        assert_eq!(store.bytes(), 2 * one);
        assert!(store.bytes() <= 2 * one + 10);
    }

    #[test]
    fn expired_answers_make_room_before_live_ones() {
        let start = Instant::now();
        let big = "x".repeat(1000);
        let one = Key::of(&request("one")).size() + big.len() + ENTRY_OVERHEAD;
        let mut store = Store::new(Duration::from_secs(60), 2 * one + 10);
        store.insert(Key::of(&request("one")), answer(&big), start);
        let later = start + Duration::from_secs(30);
        store.insert(Key::of(&request("two")), answer(&big), later);
        // "one" was used last, but has expired by the time "tri" arrives: it goes, "two" stays.
        assert!(store.get(&Key::of(&request("one")), later).is_some());
        let at = start + Duration::from_secs(61);
        let inserted = store.insert(Key::of(&request("tri")), answer(&big), at);
        assert_eq!(inserted.evicted, 0, "an expired answer is not an eviction");
        assert!(store.get(&Key::of(&request("two")), at).is_some());
        assert!(store.get(&Key::of(&request("tri")), at).is_some());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn a_time_to_live_past_what_instant_holds_never_expires() {
        let now = Instant::now();
        let mut store = Store::new(Duration::MAX, 1 << 20);
        store.insert(Key::of(&request("q")), answer("a"), now);
        let far = now + Duration::from_secs(100 * 365 * 86_400);
        assert!(store.get(&Key::of(&request("q")), far).is_some());
    }

    #[test]
    fn an_answer_larger_than_the_cache_is_not_kept() {
        let now = Instant::now();
        let mut store = Store::new(Duration::from_secs(60), 400);
        assert!(
            store
                .insert(Key::of(&request("a")), answer("small"), now)
                .kept
        );
        let huge = "x".repeat(1000);
        let inserted = store.insert(Key::of(&request("b")), answer(&huge), now);
        assert!(!inserted.kept);
        assert_eq!(store.len(), 1, "a refused answer evicts nothing");
    }

    #[test]
    fn answering_a_key_again_replaces_it() {
        let now = Instant::now();
        let mut store = Store::new(Duration::from_secs(60), 1 << 20);
        store.insert(Key::of(&request("q")), answer("old"), now);
        let bytes = store.bytes();
        store.insert(Key::of(&request("q")), answer("new"), now);
        assert_eq!(store.len(), 1);
        assert_eq!(store.bytes(), bytes);
        let kept = store.get(&Key::of(&request("q")), now);
        assert_eq!(body_of(kept), Some(Bytes::from("new")));
    }
}
