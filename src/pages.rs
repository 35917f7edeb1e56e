//! Pagination as a state machine: it hands out page requests, takes responses in any order, and
//! gives items back in page order.
//!
//! It knows the end rules Pyxis clients use: an empty page ends the list, so does a page shorter
//! than the page size, and so does reaching `total`. Once the first page has told the total, every
//! remaining page can be requested at once, so that a client fetches them concurrently. An
//! operation that leaves `total` out is crawled ahead of its answers instead: up to
//! `page_concurrency` pages are asked for before the first short page says where the list ends.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use serde::Serialize;

use crate::decode::Page;
use crate::endpoint::Endpoint;
use crate::error::{Error, PaginationError};
use crate::model::Sortable;
use crate::operation::{PaginatedOperation, SortBy, SortOrder};
use crate::options::ClientOptions;

/// A request for one page.
#[derive(Debug)]
#[non_exhaustive]
pub struct PageRequest {
    /// The 0-based page number; pass it back to [`Pages::feed`] with the response.
    pub page: u32,
    /// The HTTP request to send.
    pub request: http::Request<Bytes>,
}

/// The pagination state of one crawl of `O`.
///
/// ```
/// use pyxis_gql::{ClientOptions, Endpoint, Pages, ops::FindRepositories};
///
/// let options = ClientOptions::builder().page_size(2).build().unwrap();
/// let mut pages = Pages::new(FindRepositories::new(), &Endpoint::default(), &options);
/// let first = pages.next_request().unwrap().unwrap();
/// assert_eq!(first.page, 0);
/// assert!(pages.next_request().is_none(), "the total is not known yet");
///
/// let body = br#"{"data":{"find_repositories":{"data":[{},{}],"page":0,"page_size":2,"total":5}}}"#;
/// pages.feed(0, &http::Response::new(&body[..])).unwrap();
/// let rest: Vec<u32> = pages.remaining_requests().unwrap().iter().map(|r| r.page).collect();
/// assert_eq!(rest, [1, 2]);
/// assert_eq!(pages.pop_items().unwrap().len(), 2);
/// assert!(!pages.is_done());
/// ```
#[derive(Debug)]
#[must_use = "a crawl does nothing until its requests are sent and fed back"]
pub struct Pages<O: PaginatedOperation> {
    operation: O,
    endpoint: Endpoint,
    /// The operation's variables, built once per crawl; each request adds its page and sort.
    variables: O::Variables,
    page_size: u32,
    /// Pages handed out so far: always `0..issued`.
    issued: u32,
    /// Pages that may be in flight before the end of the list is known: 1 when the first page
    /// tells the total, the page concurrency when no page will.
    ahead: u32,
    /// Pages fed back so far.
    received: BTreeSet<u32>,
    /// The last page of the list, once an end rule has fired or the total is known.
    last_page: Option<u32>,
    total: Option<u64>,
    max_items: u64,
    items_received: u64,
    ready: BTreeMap<u32, Vec<O::Item>>,
    /// The first and last sort key of each page that arrived with keys.
    key_bounds: BTreeMap<u32, (Vec<String>, Vec<String>)>,
    next_out: u32,
}

impl<O: PaginatedOperation> Pages<O> {
    /// A crawl of `operation` against `endpoint`, with the page size and item cap `options`
    /// give it.
    pub fn new(operation: O, endpoint: &Endpoint, options: &ClientOptions) -> Self {
        let page_size = operation.page_size().resolve(options);
        let nothing = operation.matches_nothing();
        let ahead = if operation.selects_total() {
            1
        } else {
            u32::try_from(options.page_concurrency()).unwrap_or(u32::MAX)
        };
        let variables = operation.variables();
        Self {
            operation,
            endpoint: endpoint.clone(),
            variables,
            page_size,
            issued: 0,
            ahead,
            received: BTreeSet::new(),
            // An operation that matches nothing is finished before it starts.
            last_page: None,
            total: nothing.then_some(0),
            max_items: options.max_items(),
            items_received: 0,
            ready: BTreeMap::new(),
            key_bounds: BTreeMap::new(),
            next_out: if nothing { 1 } else { 0 },
        }
        .ended_if(nothing)
    }

    fn ended_if(mut self, ended: bool) -> Self {
        if ended {
            self.issued = 1;
            self.received.insert(0);
            self.last_page = Some(0);
        }
        self
    }

    /// The operation being crawled.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Items per page.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The total the server reported, once a page has arrived.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Pages that have arrived, in order.
    pub fn received_pages(&self) -> Vec<u32> {
        self.received.iter().copied().collect()
    }

    /// Pages of the list that have not arrived, in order: every page up to the last one once the
    /// total (or an end rule) has told it, otherwise the pages requested so far.
    pub fn missing_pages(&self) -> Vec<u32> {
        let end = self
            .last_page
            .map_or(self.issued, |last| last.saturating_add(1));
        (0..end)
            .filter(|page| !self.received.contains(page))
            .collect()
    }

    /// The next request that may be sent now, or `None` when the crawl must first hear back
    /// (the end of the list is unknown and enough pages are in flight) or needs no more pages.
    /// Every request it hands out up to the last page must be sent and its answer fed back, or
    /// the crawl never ends; requests past the last page, sent ahead before the end was known,
    /// may be dropped once [`is_done`](Self::is_done).
    #[must_use = "a request handed out and dropped stalls the crawl"]
    pub fn next_request(&mut self) -> Option<Result<PageRequest, Error>> {
        let page = self.issued;
        let may_issue = match (self.last_page, self.total) {
            (Some(last), _) => page <= last,
            // Until the end is known, at most `ahead` pages wait for their answers: one when
            // the first answer will tell the total, more when no answer will.
            (None, None) => self.issued - (self.received.len() as u32) < self.ahead,
            (None, Some(_)) => true,
        };
        if !may_issue {
            return None;
        }
        self.issued += 1;
        Some(self.request(page))
    }

    /// Every request still needed, once the total is known (empty before that, and when the
    /// crawl is complete).
    pub fn remaining_requests(&mut self) -> Result<Vec<PageRequest>, Error> {
        let mut requests = Vec::new();
        if self.total.is_some() {
            while let Some(request) = self.next_request() {
                requests.push(request?);
            }
        }
        Ok(requests)
    }

    fn request(&self, page: u32) -> Result<PageRequest, Error> {
        #[derive(Serialize)]
        struct PageVariables<'a, V> {
            #[serde(flatten)]
            common: &'a V,
            #[serde(skip_serializing_if = "<[SortBy]>::is_empty")]
            sort_by: &'a [SortBy],
            page: u32,
            page_size: u32,
        }
        let variables = PageVariables {
            common: &self.variables,
            sort_by: self.operation.sort_by(),
            page,
            page_size: self.page_size,
        };
        let mut request = self
            .endpoint
            .request(self.operation.document(), &variables)?;
        request.extensions_mut().insert(self.operation.kind());
        Ok(PageRequest { page, request })
    }

    /// Takes the response to the request for `page`. Responses may come in any order.
    ///
    /// # Errors
    ///
    /// The page's own error, or [`Error::Pagination`] when the page contradicts the others (a
    /// different total, a page answered twice, a short page in the middle), since going on could
    /// silently drop or repeat items.
    pub fn feed<B: AsRef<[u8]>>(
        &mut self,
        page: u32,
        response: &http::Response<B>,
    ) -> Result<(), Error> {
        self.check_expected(page)?;
        let answer = self.operation.decode_page(response)?;
        self.feed_decoded(page, answer)
    }

    fn check_expected(&self, page: u32) -> Result<(), PaginationError> {
        if page >= self.issued {
            return Err(PaginationError::NeverRequested { page });
        }
        if self.received.contains(&page) {
            return Err(PaginationError::AnsweredTwice { page });
        }
        Ok(())
    }

    /// Takes page `page` already decoded (by [`PaginatedOperation::decode_page`], or by the
    /// caller's own decoder into a [`Page::new`]), for callers that decode where they receive,
    /// e.g. inside a retry loop.
    ///
    /// # Errors
    ///
    /// As [`feed`](Self::feed), for the checks across pages.
    pub fn feed_decoded(&mut self, page: u32, answer: Page<O::Item>) -> Result<(), Error> {
        self.check_expected(page)?;
        if let Some(served) = answer.page
            && served != page
        {
            return Err(PaginationError::WrongPage {
                asked: page,
                served,
            }
            .into());
        }
        let count = answer.items.len() as u64;
        let size = u64::from(self.page_size);
        if count > size {
            return Err(PaginationError::OverfullPage {
                page,
                count,
                page_size: self.page_size,
            }
            .into());
        }
        match (self.total, answer.total) {
            (Some(before), Some(now)) if before != now => {
                return Err(PaginationError::TotalChanged { page, before, now }.into());
            }
            (None, Some(now)) => {
                // A total first told after some pages must still cover what they held.
                let held = self.items_received + count;
                if now < held {
                    return Err(PaginationError::LateTotalTooSmall {
                        page,
                        total: now,
                        held,
                    }
                    .into());
                }
                self.total = Some(now);
                let last = u32::try_from(now.div_ceil(size).saturating_sub(1)).unwrap_or(u32::MAX);
                self.end_at(last);
            }
            _ => {}
        }
        let found = self.total.unwrap_or(0).max(self.items_received + count);
        if found > self.max_items {
            return Err(Error::TooManyItems {
                limit: self.max_items,
                found,
            });
        }
        if let Some(total) = self.total {
            let before = u64::from(page) * size;
            let expected = total.saturating_sub(before).min(size);
            if count != expected {
                return Err(PaginationError::CountDisagreesWithTotal {
                    page,
                    count,
                    total,
                    expected,
                }
                .into());
            }
        }
        if count == 0 {
            // An empty page ends the list; page 0 then is the (empty) last page.
            self.end_at(page.saturating_sub(1));
        } else if count < size {
            self.end_at(page);
        }
        if let Some(last) = self.last_page {
            if page > last && count > 0 {
                return Err(PaginationError::ItemsAfterEnd { page, last }.into());
            }
            // A page fetched ahead may have arrived before the page that ends the list: a gap
            // in the middle must fail, never pass as a shorter list.
            if let Some((&later, _)) = self
                .ready
                .range(last.saturating_add(1)..)
                .find(|(_, items)| !items.is_empty())
            {
                return Err(PaginationError::ItemsAfterEnd { page: later, last }.into());
            }
        }
        self.check_order(page, &answer.items)?;
        self.received.insert(page);
        self.items_received += count;
        self.ready.insert(page, answer.items);
        Ok(())
    }

    /// With a sort order, a page's items must follow it and lie strictly between its
    /// neighbours': a page repeated under another page's number fails here instead of passing as
    /// data. A page with an item that lacks a sort field is not checked.
    fn check_order(&mut self, page: u32, items: &[O::Item]) -> Result<(), PaginationError> {
        let order = self.operation.sort_by();
        if order.is_empty() {
            return Ok(());
        }
        let keys: Option<Vec<Vec<&str>>> = items
            .iter()
            .map(|item| {
                order
                    .iter()
                    .map(|key| item.sort_field(key.field()))
                    .collect()
            })
            .collect();
        let Some(keys) = keys.filter(|keys| !keys.is_empty()) else {
            return Ok(());
        };
        if keys
            .windows(2)
            .any(|pair| compare(order, &pair[0], &pair[1]) != Ordering::Less)
        {
            return Err(PaginationError::OutOfOrder { page });
        }
        let (first, last) = (&keys[0], &keys[keys.len() - 1]);
        let before = page.checked_sub(1).and_then(|p| self.key_bounds.get(&p));
        let after = page.checked_add(1).and_then(|p| self.key_bounds.get(&p));
        let overlaps_before = before.is_some_and(|(_, end)| compare(order, end, first).is_ge());
        let overlaps_after = after.is_some_and(|(start, _)| compare(order, last, start).is_ge());
        if overlaps_before || overlaps_after {
            let other = if overlaps_before { page - 1 } else { page + 1 };
            return Err(PaginationError::Overlap { page, other });
        }
        let owned = |key: &Vec<&str>| key.iter().map(|part| (*part).to_owned()).collect();
        self.key_bounds.insert(page, (owned(first), owned(last)));
        Ok(())
    }

    fn end_at(&mut self, last: u32) {
        self.last_page = Some(self.last_page.map_or(last, |known| known.min(last)));
    }

    /// The items of the next page in order, once it has arrived.
    #[must_use = "items popped and dropped are lost to the caller"]
    pub fn pop_items(&mut self) -> Option<Vec<O::Item>> {
        let items = self.ready.remove(&self.next_out)?;
        self.next_out += 1;
        Some(items)
    }

    /// Whether every page has arrived and every item has been taken.
    pub fn is_done(&self) -> bool {
        match self.last_page {
            Some(last) => {
                self.next_out > last && (0..=last).all(|page| self.received.contains(&page))
            }
            None => false,
        }
    }
}

/// How two sort keys compare under `order`: field by field, each in its direction.
fn compare<A: AsRef<str>, B: AsRef<str>>(order: &[SortBy], a: &[A], b: &[B]) -> Ordering {
    for ((key, a), b) in order.iter().zip(a).zip(b) {
        let by_field = a.as_ref().cmp(b.as_ref());
        let by_field = match key.order() {
            SortOrder::Ascending => by_field,
            SortOrder::Descending => by_field.reverse(),
        };
        if by_field.is_ne() {
            return by_field;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests;
