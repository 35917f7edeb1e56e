//! The pagination harness: a fuzzed script of requests, answers (honest, inconsistent, broken or
//! raw bytes, for any page, in any order, decoded by `feed` or beforehand for `feed_decoded`)
//! and item pops, run against [`Pages`] next to a model of what it must do.
//!
//! Checked while no answer has been refused for contradicting the others (after such an error a
//! client abandons the crawl, and the state machine makes no promise beyond not panicking):
//!
//! - requests go out numbered 0, 1, 2, ... and carry their page number and size as variables;
//!   before the total is known, `remaining_requests` hands out nothing;
//! - a page that was never requested, or was answered already, is refused with the error that
//!   says which, whatever its body;
//! - a page `feed` accepts decodes on its own, and the items come back out of `pop_items`
//!   exactly as decoded, in page order, whatever order the answers came in;
//! - once a total has been reported, never more items than the total have been accepted;
//! - `is_done()` means no further request, no item left behind and, when a total was
//!   reported, exactly `total` items handed out;
//! - the crawl never stalls (not done, nothing in flight, nothing to pop and no request to
//!   make), and when every remaining page is answered honestly it finishes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use arbitrary::Arbitrary;
use pyxis_gql::ops::{
    CustomPaginatedQuery, FindImagesByInstalledRpms, FindImagesByNvrs, FindRepositories,
};
use pyxis_gql::{
    ClientOptions, Endpoint, Error, PageRequest, PageSize, Pages, PaginatedOperation,
    PaginationError,
};
use serde_json::{Value, json};

use crate::exercise;

/// Most steps of the final honest drain.
const DRAIN_STEPS: usize = 5_000;

/// One fuzzed crawl.
#[derive(Arbitrary, Debug)]
pub struct Script {
    operation: OperationKind,
    /// Items per page: `page_size % 8 + 1`.
    page_size: u8,
    /// How many items the honest server holds: `world % 128`.
    world: u16,
    /// The per-call item cap, if not the default.
    max_items: Option<u16>,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum OperationKind {
    /// A caller's own paginated query, items as plain JSON.
    Custom,
    /// `FindRepositories`, typed repository items.
    Repositories,
    /// `FindImagesByInstalledRpms`, whose `decode_page` filters each image's RPMs.
    ImagesByRpms,
    /// `FindImagesByNvrs` with no NVRs: finished before it starts.
    MatchesNothing,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Next,
    Remaining,
    Pop,
    /// Answers one of the pages in flight (`slot` modulo their number).
    Answer {
        slot: u8,
        body: Body,
        decoded: bool,
    },
    /// Answers page `page % (issued + 2)`: maybe in flight, answered already, or never asked.
    AnswerAny {
        page: u32,
        body: Body,
        decoded: bool,
    },
}

#[derive(Arbitrary, Debug)]
enum Body {
    /// What a consistent server holding `world` items answers.
    Honest { with_total: bool },
    /// A page with chosen figures.
    Page {
        count: u8,
        total: Option<u16>,
        served: Served,
        page_size: Option<u8>,
    },
    /// An honest body with one byte replaced.
    Mutated { at: u16, byte: u8 },
    /// An honest body cut short.
    Truncated { at: u16 },
    /// The Pyxis `error` object (`mongo`: the MongoDB timeout).
    PyxisError { status: Option<i16>, mongo: bool },
    /// GraphQL `errors` and no data.
    GraphQlErrors,
    /// An honest body under another HTTP status.
    Status(u16),
    /// `{"data": null}`.
    NullData,
    /// Anything.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Served {
    Asked,
    Absent,
    Other(u32),
}

/// Runs one script.
pub fn run(script: Script) {
    let size = u32::from(script.page_size % 8) + 1;
    let mut options = ClientOptions::builder()
        .page_size(size)
        .small_page_size(size);
    if let Some(max) = script.max_items {
        options = options.max_items(u64::from(max));
    }
    let options = options.build().expect("valid options");
    let endpoint = Endpoint::default();
    let world = u64::from(script.world % 128);
    match script.operation {
        OperationKind::Custom => {
            let operation = CustomPaginatedQuery::<Value>::new(
                "query ($page: Int, $page_size: Int) { find_vendors(page: $page, \
                 page_size: $page_size) { page page_size total data { label } } }",
                "find_vendors",
            )
            .page_size(PageSize::fixed(size).expect("1 to 8 items"));
            let item = |page: u32, k: u32| json!({"page": page, "k": k});
            Harness::new(Pages::new(operation, &endpoint, &options), world, item).run(script.steps)
        }
        OperationKind::Repositories => {
            let item = |page: u32, k: u32| json!({"repository": format!("ns/{page}-{k}")});
            let pages = Pages::new(FindRepositories::new(), &endpoint, &options);
            Harness::new(pages, world, item).run(script.steps)
        }
        OperationKind::ImagesByRpms => {
            let item = |page: u32, k: u32| {
                json!({
                    "brew": {"build": format!("pkg-{page}-{k}")},
                    "edges": {"rpm_manifest": {"data": {"rpms": [
                        {"name": "openssl"}, {"name": format!("other-{k}")}, {"name": null}
                    ]}}}
                })
            };
            let operation = FindImagesByInstalledRpms::new(["openssl"]);
            Harness::new(Pages::new(operation, &endpoint, &options), world, item).run(script.steps)
        }
        OperationKind::MatchesNothing => {
            let operation = FindImagesByNvrs::new(Vec::<String>::new(), false);
            let item = |page: u32, k: u32| json!({"brew": {"build": format!("{page}-{k}")}});
            Harness::new(Pages::new(operation, &endpoint, &options), world, item).run(script.steps)
        }
    }
}

struct Harness<O: PaginatedOperation> {
    pages: Pages<O>,
    size: u32,
    world: u64,
    item: fn(u32, u32) -> Value,
    /// Set once an answer was refused for contradicting the others.
    poisoned: bool,
    /// Requests handed out: always pages `0..issued`.
    issued: u32,
    in_flight: Vec<u32>,
    received: BTreeSet<u32>,
    /// Accepted pages whose items have not been popped yet, as decoded independently.
    waiting: BTreeMap<u32, Vec<O::Item>>,
    next_pop: u32,
    popped: u64,
}

impl<O> Harness<O>
where
    O: PaginatedOperation,
    O::Item: Clone + PartialEq + Debug,
{
    fn new(pages: Pages<O>, world: u64, item: fn(u32, u32) -> Value) -> Self {
        // An operation that matches nothing starts with page 0 answered and taken.
        let received: BTreeSet<u32> = pages.received_pages().into_iter().collect();
        let start = received.len() as u32;
        Self {
            size: pages.page_size(),
            pages,
            world,
            item,
            poisoned: false,
            issued: start,
            in_flight: Vec::new(),
            received,
            waiting: BTreeMap::new(),
            next_pop: start,
            popped: 0,
        }
    }

    fn run(mut self, steps: Vec<Step>) {
        for step in steps {
            match step {
                Step::Next => self.next(),
                Step::Remaining => self.remaining(),
                Step::Pop => self.pop(),
                Step::Answer {
                    slot,
                    body,
                    decoded,
                } => {
                    if !self.in_flight.is_empty() {
                        let page = self.in_flight[usize::from(slot) % self.in_flight.len()];
                        self.answer(page, &body, decoded);
                    }
                }
                Step::AnswerAny {
                    page,
                    body,
                    decoded,
                } => {
                    let page = page % (self.issued.saturating_add(2));
                    self.answer(page, &body, decoded);
                }
            }
            self.check();
        }
        self.drain();
    }

    /// Checks a request the state machine handed out.
    fn issued_request(&mut self, request: PageRequest) {
        if self.poisoned {
            return;
        }
        assert_eq!(request.page, self.issued, "requests go out in page order");
        let body: Value =
            serde_json::from_slice(request.request.body()).expect("a request body is JSON");
        assert_eq!(body["variables"]["page"], json!(request.page));
        assert_eq!(body["variables"]["page_size"], json!(self.size));
        self.issued += 1;
        self.in_flight.push(request.page);
    }

    fn next(&mut self) {
        match self.pages.next_request() {
            Some(Ok(request)) => self.issued_request(request),
            Some(Err(error)) => {
                exercise(&error);
                self.poisoned = true;
            }
            None => self.assert_not_stalled(),
        }
    }

    fn remaining(&mut self) {
        let total_known = self.pages.total().is_some();
        match self.pages.remaining_requests() {
            Ok(requests) => {
                assert!(
                    total_known || requests.is_empty() || self.poisoned,
                    "remaining_requests before the total is known"
                );
                for request in requests {
                    self.issued_request(request);
                }
            }
            Err(error) => {
                exercise(&error);
                self.poisoned = true;
            }
        }
    }

    fn pop(&mut self) {
        let items = self.pages.pop_items();
        if self.poisoned {
            return;
        }
        match items {
            Some(items) => {
                let expected = self.waiting.remove(&self.next_pop).unwrap_or_else(|| {
                    panic!("pop_items gave page {} before it arrived", self.next_pop)
                });
                assert_eq!(items, expected, "page {} out of order", self.next_pop);
                self.next_pop += 1;
                self.popped += items.len() as u64;
            }
            None => assert!(
                !self.waiting.contains_key(&self.next_pop),
                "page {} arrived but pop_items held it back",
                self.next_pop
            ),
        }
    }

    fn answer(&mut self, page: u32, body: &Body, decoded: bool) {
        let response = self.response(page, body);
        let operation = self.pages.operation();
        let independent = operation.decode_page(&response);
        let result = if decoded {
            match &independent {
                // A client stops at an answer that does not decode; nothing reaches the crawl.
                Err(error) => return exercise(error),
                Ok(decoded) => self.pages.feed_decoded(page, decoded.clone()),
            }
        } else {
            self.pages.feed(page, &response)
        };
        if self.poisoned {
            if let Err(error) = &result {
                exercise(error);
            }
            return;
        }
        let expected = page < self.issued && !self.received.contains(&page);
        match result {
            Ok(()) => {
                assert!(
                    expected,
                    "page {page} accepted but never asked, or answered twice"
                );
                let decoded = independent.expect("an accepted page decodes");
                self.received.insert(page);
                self.in_flight.retain(|&p| p != page);
                self.waiting.insert(page, decoded.items);
            }
            Err(error) => {
                exercise(&error);
                if !expected {
                    let refusal = if page < self.issued {
                        PaginationError::AnsweredTwice { page }
                    } else {
                        PaginationError::NeverRequested { page }
                    };
                    assert!(
                        matches!(&error, Error::Pagination(said) if *said == refusal),
                        "page {page}, never asked or answered twice: {error:?}"
                    );
                } else if independent.is_ok() {
                    assert!(
                        matches!(error, Error::Pagination(_) | Error::TooManyItems { .. }),
                        "page {page} decodes, so only the crawl may refuse it: {error:?}"
                    );
                    self.poisoned = true;
                }
                // A page that does not decode leaves the crawl as it was.
            }
        }
    }

    /// The invariants that hold after every step.
    fn check(&mut self) {
        if self.poisoned {
            let _ = self.pages.is_done();
            return;
        }
        let received: BTreeSet<u32> = self.pages.received_pages().into_iter().collect();
        assert_eq!(received, self.received, "received pages");
        let accepted = self.popped + self.waiting.values().map(|v| v.len() as u64).sum::<u64>();
        if let Some(total) = self.pages.total() {
            assert!(
                accepted <= total,
                "{accepted} items accepted, but the total is {total}"
            );
        }
        if self.pages.is_done() {
            assert!(
                self.waiting.values().all(Vec::is_empty),
                "done with items left behind: {:?}",
                self.waiting.keys()
            );
            if let Some(total) = self.pages.total() {
                assert_eq!(self.popped, total, "done, with the total reported");
            }
            assert!(
                self.pages.next_request().is_none(),
                "a request after is_done()"
            );
            let more = self
                .pages
                .remaining_requests()
                .expect("no request, no error");
            assert!(more.is_empty(), "remaining requests after is_done()");
        }
    }

    /// Not done, nothing in flight, nothing to pop: a request must be possible.
    fn assert_not_stalled(&self) {
        if self.poisoned || self.pages.is_done() {
            return;
        }
        assert!(
            !self.in_flight.is_empty() || self.waiting.contains_key(&self.next_pop),
            "stalled: not done, nothing in flight or to pop, and no request to make \
             (issued {}, received {:?})",
            self.issued,
            self.received
        );
    }

    /// Answers every remaining page honestly: the crawl must finish, or refuse an honest page
    /// that contradicts an earlier fuzzed one.
    fn drain(mut self) {
        for _ in 0..DRAIN_STEPS {
            if self.poisoned {
                return;
            }
            self.pop();
            self.check();
            if self.pages.is_done() {
                return;
            }
            if let Some(&page) = self.in_flight.iter().min() {
                self.answer(page, &Body::Honest { with_total: true }, false);
            } else {
                self.next();
            }
        }
        assert!(
            self.poisoned || self.pages.is_done(),
            "not done after {DRAIN_STEPS} honest steps"
        );
    }

    fn honest_count(&self, page: u32) -> u32 {
        let before = u64::from(page) * u64::from(self.size);
        self.world.saturating_sub(before).min(u64::from(self.size)) as u32
    }

    fn page_body(
        &self,
        page: u32,
        count: u32,
        total: Option<u64>,
        served: Option<u32>,
        size: u32,
    ) -> Vec<u8> {
        let items: Vec<Value> = (0..count).map(|k| (self.item)(page, k)).collect();
        let mut wrapper = json!({"error": null, "page_size": size, "total": total, "data": items});
        if let Some(served) = served {
            wrapper["page"] = json!(served);
        }
        let root = self.pages.operation().document().root_field();
        serde_json::to_vec(&json!({"data": {root: wrapper}})).expect("plain JSON")
    }

    fn honest(&self, page: u32, with_total: bool) -> Vec<u8> {
        let total = with_total.then_some(self.world);
        self.page_body(page, self.honest_count(page), total, Some(page), self.size)
    }

    fn response(&self, page: u32, body: &Body) -> http::Response<Vec<u8>> {
        let mut status = http::StatusCode::OK;
        let bytes = match body {
            Body::Honest { with_total } => self.honest(page, *with_total),
            Body::Page {
                count,
                total,
                served,
                page_size,
            } => {
                let count = u32::from(*count) % (self.size + 2);
                let served = match served {
                    Served::Asked => Some(page),
                    Served::Absent => None,
                    Served::Other(other) => Some(*other),
                };
                let size = page_size.map_or(self.size, u32::from);
                self.page_body(page, count, total.map(u64::from), served, size)
            }
            Body::Mutated { at, byte } => {
                let mut bytes = self.honest(page, true);
                let at = usize::from(*at) % bytes.len();
                bytes[at] = *byte;
                bytes
            }
            Body::Truncated { at } => {
                let mut bytes = self.honest(page, true);
                bytes.truncate(usize::from(*at) % bytes.len());
                bytes
            }
            Body::PyxisError { status, mongo } => {
                let detail = if *mongo {
                    "Unable to fetch data from MongoDB in time"
                } else {
                    "boom"
                };
                let root = self.pages.operation().document().root_field();
                serde_json::to_vec(&json!({"data": {root: {
                    "error": {"status": status, "detail": detail},
                    "data": null, "page": page, "page_size": self.size, "total": null
                }}}))
                .expect("plain JSON")
            }
            Body::GraphQlErrors => {
                br#"{"errors":[{"message":"boom","path":["x"]}],"data":null}"#.to_vec()
            }
            Body::Status(code) => {
                status = http::StatusCode::from_u16(*code).unwrap_or(http::StatusCode::BAD_GATEWAY);
                self.honest(page, true)
            }
            Body::NullData => br#"{"data":null}"#.to_vec(),
            Body::Raw(bytes) => bytes.clone(),
        };
        let mut response = http::Response::new(bytes);
        *response.status_mut() = status;
        response
    }
}
