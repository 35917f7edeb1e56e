//! Pagination as a state machine: it hands out page requests, takes responses in any order, and
//! gives items back in page order.
//!
//! It knows the end rules Pyxis clients use: an empty page ends the list, so does a page shorter
//! than the page size, and so does reaching `total`. Once the first page has told the total, every
//! remaining page can be requested at once, so that a client fetches them concurrently.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::decode::Page;
use crate::error::Error;
use crate::operation::{Endpoint, PaginatedOperation};

/// A request for one page.
#[derive(Debug)]
#[non_exhaustive]
pub struct PageRequest {
    /// The 0-based page number; pass it back to [`Pages::feed`] with the response.
    pub page: u32,
    /// The HTTP request to send.
    pub request: http::Request<Vec<u8>>,
}

/// The pagination state of one crawl of `O`.
///
/// ```
/// use pyxis_gql::{Config, Endpoint, Pages, ops::FindRepositories};
///
/// let config = Config::builder().page_size(2).build().unwrap();
/// let mut pages = Pages::new(FindRepositories::new(), &Endpoint::new(&config), &config);
/// let first = pages.next_request().unwrap().unwrap();
/// assert_eq!(first.page, 0);
/// assert!(pages.next_request().is_none(), "the total is not known yet");
///
/// let body = br#"{"data":{"find_repositories":{"data":[{},{}],"page":0,"page_size":2,"total":5}}}"#;
/// pages.feed(0, &http::Response::new(body.to_vec())).unwrap();
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
    /// The operation's variables, built once per crawl; each request adds its page.
    variables: Map<String, Value>,
    page_size: u32,
    /// Pages handed out so far: always `0..issued`.
    issued: u32,
    /// Pages fed back so far.
    received: BTreeSet<u32>,
    /// The last page of the list, once an end rule has fired or the total is known.
    last_page: Option<u32>,
    total: Option<u64>,
    max_items: u64,
    items_received: u64,
    ready: BTreeMap<u32, Vec<O::Item>>,
    /// The first and last sort key of each page that arrived with keys.
    key_bounds: BTreeMap<u32, (String, String)>,
    next_out: u32,
}

impl<O: PaginatedOperation> Pages<O> {
    /// A crawl of `operation` against `endpoint`, with the page size `config` gives it.
    pub fn new(operation: O, endpoint: &Endpoint, config: &Config) -> Self {
        let page_size = operation.page_size().resolve(config);
        let nothing = operation.matches_nothing();
        let mut variables = operation.variables();
        // The crawl owns these two.
        variables.remove("page");
        variables.remove("page_size");
        Self {
            operation,
            endpoint: endpoint.clone(),
            variables,
            page_size,
            issued: 0,
            received: BTreeSet::new(),
            // An operation that matches nothing is finished before it starts.
            last_page: None,
            total: nothing.then_some(0),
            max_items: config.max_items(),
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
    /// (the total is unknown and a page is in flight) or needs no more pages.
    pub fn next_request(&mut self) -> Option<Result<PageRequest, Error>> {
        let page = self.issued;
        let may_issue = match (self.last_page, self.total) {
            (Some(last), _) => page <= last,
            // Without a total, pages go one at a time: each answer decides whether one follows.
            (None, None) => self.received.len() as u32 == self.issued,
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
        struct PageVariables<'a> {
            #[serde(flatten)]
            common: &'a Map<String, Value>,
            page: u32,
            page_size: u32,
        }
        let variables = PageVariables {
            common: &self.variables,
            page,
            page_size: self.page_size,
        };
        let request = self
            .endpoint
            .request(self.operation.document(), &variables)?;
        Ok(PageRequest { page, request })
    }

    /// Takes the response to the request for `page`. Responses may come in any order.
    ///
    /// Fails with the page's own error, or with [`Error::Pagination`] when the page contradicts
    /// the others (a different total, a page answered twice, a short page in the middle), since
    /// going on could silently drop or repeat items.
    pub fn feed(&mut self, page: u32, response: &http::Response<Vec<u8>>) -> Result<(), Error> {
        if page >= self.issued {
            return Err(Error::Pagination(format!(
                "page {page} was never requested"
            )));
        }
        if self.received.contains(&page) {
            return Err(Error::Pagination(format!("page {page} was answered twice")));
        }
        let answer = self
            .operation
            .decode_page(response, self.endpoint.max_body_bytes())?;
        self.feed_decoded(page, answer)
    }

    /// Takes page `page` already decoded (by [`PaginatedOperation::decode_page`]), for callers
    /// that decode where they receive, e.g. inside a retry loop.
    pub fn feed_decoded(&mut self, page: u32, answer: Page<O::Item>) -> Result<(), Error> {
        if page >= self.issued {
            return Err(Error::Pagination(format!(
                "page {page} was never requested"
            )));
        }
        if self.received.contains(&page) {
            return Err(Error::Pagination(format!("page {page} was answered twice")));
        }
        if let Some(served) = answer.page
            && served != page
        {
            return Err(Error::Pagination(format!(
                "asked for page {page}, got page {served}"
            )));
        }
        let count = answer.items.len() as u64;
        let size = u64::from(self.page_size);
        if count > size {
            return Err(Error::Pagination(format!(
                "page {page} holds {count} items, more than the page size {size}"
            )));
        }
        match (self.total, answer.total) {
            (Some(known), Some(now)) if known != now => {
                return Err(Error::Pagination(format!(
                    "the total changed from {known} to {now} at page {page}: the data changed during the crawl"
                )));
            }
            (None, Some(now)) => {
                // A total first told after some pages must still cover what they held.
                let held = self.items_received + count;
                if now < held {
                    return Err(Error::Pagination(format!(
                        "page {page} reports a total of {now}, but the pages so far held {held} items"
                    )));
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
                return Err(Error::Pagination(format!(
                    "page {page} holds {count} items where the total {total} means {expected}"
                )));
            }
        }
        if count == 0 {
            // An empty page ends the list; page 0 then is the (empty) last page.
            self.end_at(page.saturating_sub(1));
        } else if count < size {
            self.end_at(page);
        }
        if let Some(last) = self.last_page
            && page > last
            && count > 0
        {
            return Err(Error::Pagination(format!(
                "page {page} has items after the list ended at page {last}"
            )));
        }
        self.check_order(page, &answer.items)?;
        self.received.insert(page);
        self.items_received += count;
        self.ready.insert(page, answer.items);
        Ok(())
    }

    /// With sort keys, a page's items must be in order and lie strictly between its neighbours':
    /// a page repeated under another page's number fails here instead of passing as data.
    fn check_order(&mut self, page: u32, items: &[O::Item]) -> Result<(), Error> {
        let keys: Option<Vec<&str>> = items
            .iter()
            .map(|item| self.operation.sort_key(item))
            .collect();
        let Some(keys) = keys.filter(|keys| !keys.is_empty()) else {
            return Ok(());
        };
        if keys.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(Error::Pagination(format!(
                "page {page} is not in sort order"
            )));
        }
        let (first, last) = (keys[0], keys[keys.len() - 1]);
        let before = page.checked_sub(1).and_then(|p| self.key_bounds.get(&p));
        let after = self.key_bounds.get(&(page + 1));
        let overlaps_before = before.is_some_and(|(_, end)| end.as_str() >= first);
        let overlaps_after = after.is_some_and(|(start, _)| start.as_str() <= last);
        if overlaps_before || overlaps_after {
            let other = if overlaps_before { page - 1 } else { page + 1 };
            return Err(Error::Pagination(format!(
                "page {page} overlaps page {other}: the server repeated items or they moved during the crawl"
            )));
        }
        self.key_bounds
            .insert(page, (first.to_owned(), last.to_owned()));
        Ok(())
    }

    fn end_at(&mut self, last: u32) {
        self.last_page = Some(self.last_page.map_or(last, |known| known.min(last)));
    }

    /// The items of the next page in order, once it has arrived.
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

#[cfg(test)]
mod tests;
