//! The async client: operations in, typed results out, over any [`Transport`].
//!
//! It adds what a single request cannot: retries with backoff, timeouts raced against the
//! transport's own timer, and crawls that fetch the remaining pages concurrently while still
//! yielding items in page order. It spawns nothing, so it runs on whatever executor polls it.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::TryFutureExt;
use futures_util::future::{Either, select};
use futures_util::stream::{self, FuturesOrdered, Stream, StreamExt, TryStreamExt};

use crate::chunks::{ChunkedOperation, merge_chunks};
use crate::config::Config;
use crate::decode::Page;
use crate::endpoint::Endpoint;
use crate::error::{Error, PaginationError, TimeoutScope};
use crate::model::{ContainerImage, ContainerRepository, RegistryPath};
use crate::operation::{Operation, PaginatedOperation};
use crate::ops;
use crate::options::ClientOptions;
use crate::pages::Pages;
use crate::retry::RetryDecision;
use crate::trace::{self, CallSpan};
use crate::transport::Transport;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A page number and what fetching it gave.
type PageAnswer<I> = (u32, Result<Page<I>, Error>);

/// A Pyxis client over the transport `T`.
///
/// Cheap to share: wrap it in an `Arc` or borrow it from many tasks; every method takes `&self`.
///
/// ```
/// # use pyxis_gql::{Client, ClientOptions, Endpoint, Transport, TransportError};
/// # use bytes::Bytes;
/// # struct Canned;
/// # #[async_trait::async_trait]
/// # impl Transport for Canned {
/// #     async fn send(&self, _: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
/// #         Ok(http::Response::new(Bytes::from_static(br#"{"data":{"get_repository_by_registry_path":{"data":{"repository":"ubi9/ubi"}}}}"#)))
/// #     }
/// #     async fn sleep(&self, _: std::time::Duration) {}
/// # }
/// # futures_executor::block_on(async {
/// let client = Client::new(Canned, Endpoint::default(), ClientOptions::default());
/// let path = "registry.access.redhat.com/ubi9/ubi".parse()?;
/// let repository = client.get_repository_by_registry_path(&path).await?;
/// assert_eq!(repository.unwrap().repository.as_deref(), Some("ubi9/ubi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Client<T> {
    transport: T,
    endpoint: Endpoint,
    options: ClientOptions,
    /// Varies retry jitter between requests.
    requests: AtomicU64,
}

impl<T: Transport> Client<T> {
    /// A client sending requests built for `endpoint` through `transport`, driven by `options`.
    pub fn new(transport: T, endpoint: Endpoint, options: ClientOptions) -> Self {
        Self {
            transport,
            endpoint,
            options,
            requests: AtomicU64::new(0),
        }
    }

    /// A client over `transport` with the endpoint and client options of `config` (its
    /// transport options are for building `transport`).
    pub fn from_config(transport: T, config: &Config) -> Self {
        Self::new(
            transport,
            config.endpoint().clone(),
            config.client().clone(),
        )
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// How calls are driven.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Runs a one-response operation, with retries, within the configured deadline.
    ///
    /// # Errors
    ///
    /// The last attempt's [`Error`] once retries are spent or the error is not transient, or a
    /// [`TimeoutScope::Deadline`] timeout.
    pub async fn execute<O: Operation + Sync>(&self, operation: &O) -> Result<O::Output, Error> {
        let span = CallSpan::new(operation.document().operation_name());
        span.enter(self.within_deadline(async {
            let mut request = self
                .endpoint
                .request(operation.document(), &operation.variables())?;
            request.extensions_mut().insert(operation.kind());
            self.send(&request, |response| operation.decode(response))
                .await
        }))
        .await
    }

    /// Every item of a paginated operation, in page order, within the configured deadline.
    ///
    /// The first page tells the total; the remaining pages are then fetched concurrently, up to
    /// [`ClientOptions::page_concurrency`] at a time. When a page fails for good, the error is
    /// [`Error::Incomplete`] naming the pages that did arrive and those that did not, so a
    /// partial list is never mistaken for the whole.
    ///
    /// # Errors
    ///
    /// As [`execute`](Self::execute), for any page, and [`Error::Pagination`] when the pages
    /// contradict each other.
    pub async fn fetch_all<P>(&self, operation: P) -> Result<Vec<P::Item>, Error>
    where
        P: PaginatedOperation + Send + Sync + 'static,
        P::Item: Send + 'static,
    {
        self.within_deadline(self.stream(operation).try_collect())
            .await
    }

    /// The items of a paginated operation as a stream that yields as pages arrive, in page order.
    ///
    /// Pages are fetched as in [`fetch_all`](Self::fetch_all). The stream ends after the first
    /// error. Each attempt has the attempt timeout; the overall deadline applies to
    /// [`fetch_all`](Self::fetch_all) only, since a stream's pace is set by its reader.
    pub fn stream<'a, P>(
        &'a self,
        operation: P,
    ) -> impl Stream<Item = Result<P::Item, Error>> + Send + 'a
    where
        P: PaginatedOperation + Send + Sync + 'static,
        P::Item: Send + 'static,
    {
        let span = CallSpan::new(operation.document().operation_name());
        let crawl = Crawl {
            pages: Pages::new(Arc::new(operation), &self.endpoint, &self.options),
            in_flight: FuturesOrdered::new(),
            failed: false,
            items: 0,
        };
        stream::unfold(crawl, move |mut crawl| {
            let span = span.clone();
            async move {
                let next = span.enter(crawl.next_page(self)).await?;
                Some((next, crawl))
            }
        })
        .flat_map(|page| match page {
            Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
            Err(error) => stream::once(async { Err(error) }).right_stream(),
        })
    }

    /// Every item of an operation over a long list, asked for a chunk at a time
    /// ([`ClientOptions::chunk_size`] values per query), within the configured deadline.
    ///
    /// The chunks are crawled concurrently, at most [`ClientOptions::page_concurrency`] at
    /// once, and their items merged in chunk order with repeats (the same `_id`) removed; see
    /// [`merge_chunks`](crate::merge_chunks). A list that fits in one chunk is one crawl, as
    /// with [`fetch_all`](Self::fetch_all).
    ///
    /// # Errors
    ///
    /// As [`fetch_all`](Self::fetch_all); with more than one chunk, the first failure (in chunk
    /// order) as [`Error::Chunk`], naming the chunk.
    pub async fn fetch_chunked<P>(&self, operation: P) -> Result<Vec<P::Item>, Error>
    where
        P: ChunkedOperation + Send + Sync + 'static,
        P::Item: Send + 'static,
    {
        let mut chunks = operation.chunks(self.options.chunk_size());
        if chunks.len() == 1
            && let Some(only) = chunks.pop()
        {
            return self.fetch_all(only).await;
        }
        let count = chunks.len();
        let crawls = chunks.into_iter().enumerate().map(|(chunk, operation)| {
            self.stream(operation)
                .try_collect::<Vec<_>>()
                .map_err(move |source| Error::Chunk {
                    chunk,
                    chunks: count,
                    source: Box::new(source),
                })
        });
        self.within_deadline(async {
            let answers = stream::iter(crawls)
                .buffered(self.options.page_concurrency())
                .try_collect::<Vec<_>>()
                .await?;
            let merged = merge_chunks(answers);
            // Each chunk's crawl keeps under the cap; the call as a whole must too.
            let found = merged.len() as u64;
            if found > self.options.max_items() {
                return Err(Error::TooManyItems {
                    limit: self.options.max_items(),
                    found,
                });
            }
            Ok(merged)
        })
        .await
    }

    /// Sends `request` until it succeeds, fails for good, or runs out of attempts. `decode` runs
    /// inside the loop because Pyxis reports some transient failures inside a 200 response.
    async fn send<R>(
        &self,
        request: &http::Request<Bytes>,
        decode: impl Fn(&http::Response<Bytes>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let salt = self.requests.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 1;
        loop {
            trace::attempt(attempt);
            let error = match self.attempt(copy_request(request)).await {
                Ok(response) => {
                    trace::answered(
                        response
                            .headers()
                            .get("trace_id")
                            .and_then(|id| id.to_str().ok()),
                    );
                    match decode(&response) {
                        Ok(value) => return Ok(value),
                        Err(error) => error,
                    }
                }
                Err(error) => error,
            };
            match self.options.retry().decide(attempt, &error, salt) {
                RetryDecision::RetryAfter(wait) => {
                    trace::retrying(&error, attempt, wait);
                    self.transport.sleep(wait).await;
                }
                RetryDecision::GiveUp => {
                    trace::giving_up(&error, attempt);
                    return Err(error);
                }
            }
            attempt += 1;
        }
    }

    /// One attempt, under the attempt timeout: the client's timer, the one owner of that limit
    /// whatever the transport.
    async fn attempt(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, Error> {
        let limit = self.options.attempt_timeout();
        race(self.transport.send(request), self.transport.sleep(limit))
            .await
            .map(|sent| sent.map_err(Error::from))
            .unwrap_or(Err(Error::Timeout {
                after: limit,
                scope: TimeoutScope::Attempt,
            }))
    }

    async fn within_deadline<R>(
        &self,
        call: impl Future<Output = Result<R, Error>>,
    ) -> Result<R, Error> {
        match self.options.deadline() {
            None => call.await,
            Some(limit) => {
                race(call, self.transport.sleep(limit))
                    .await
                    .unwrap_or(Err(Error::Timeout {
                        after: limit,
                        scope: TimeoutScope::Deadline,
                    }))
            }
        }
    }

    /// Repositories matching a [`FindRepositories`](ops::FindRepositories) search; a long list
    /// of names is asked for in chunks ([`fetch_chunked`](Self::fetch_chunked)).
    pub async fn find_repositories(
        &self,
        search: ops::FindRepositories,
    ) -> Result<Vec<ContainerRepository>, Error> {
        self.fetch_chunked(search).await
    }

    /// The vendor's repositories named `repository` (in any registry).
    pub async fn find_repositories_by_repository_name(
        &self,
        repository: &str,
    ) -> Result<Vec<ContainerRepository>, Error> {
        self.fetch_all(ops::FindRepositoriesByRepositoryName::new(repository))
            .await
    }

    /// The repositories at any of `paths`, asked for in chunks
    /// ([`fetch_chunked`](Self::fetch_chunked)).
    pub async fn find_repositories_by_registry_paths(
        &self,
        paths: impl IntoIterator<Item = RegistryPath>,
    ) -> Result<Vec<ContainerRepository>, Error> {
        self.fetch_chunked(ops::FindRepositoriesByRegistryPaths::new(paths))
            .await
    }

    /// The repository at `path`, or `None` when Pyxis has none.
    pub async fn get_repository_by_registry_path(
        &self,
        path: &RegistryPath,
    ) -> Result<Option<ContainerRepository>, Error> {
        self.execute(&ops::GetRepositoryByRegistryPath::new(path.clone()))
            .await
    }

    /// The images built from `nvr`, with RPM manifests when `include_rpms`.
    pub async fn find_images_by_nvr(
        &self,
        nvr: &str,
        include_rpms: bool,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(ops::FindImagesByNvr::new(nvr, include_rpms))
            .await
    }

    /// The images built from any of `nvrs`, asked for in chunks
    /// ([`fetch_chunked`](Self::fetch_chunked)).
    pub async fn find_images_by_nvrs<S: Into<String>>(
        &self,
        nvrs: impl IntoIterator<Item = S>,
        include_rpms: bool,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_chunked(ops::FindImagesByNvrs::new(nvrs, include_rpms))
            .await
    }

    /// The images shipping any of some RPMs, asked for in chunks; see
    /// [`FindImagesByInstalledRpms`](ops::FindImagesByInstalledRpms).
    pub async fn find_images_by_installed_rpms(
        &self,
        search: ops::FindImagesByInstalledRpms,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_chunked(search).await
    }

    /// The published images of the packages `names`, without RPMs, asked for in chunks.
    pub async fn find_images_by_names<S: Into<String>>(
        &self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_chunked(ops::FindImagesByNames::new(names)).await
    }

    /// The images published in a repository; see [`FindImagesByRepository`](ops::FindImagesByRepository).
    pub async fn find_images_by_repository(
        &self,
        search: ops::FindImagesByRepository,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(search).await
    }

    /// The images of the latest build of a package at a version (every architecture), or an
    /// empty list when it has none; see
    /// [`FindLatestImagesByNameVersion`](ops::FindLatestImagesByNameVersion) for how the build
    /// is picked.
    pub async fn find_latest_images_by_name_version(
        &self,
        search: ops::FindLatestImagesByNameVersion,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.within_deadline(async {
            let candidates: Vec<_> = self.stream(search.candidates()).try_collect().await?;
            match search.pick_latest(&candidates) {
                Some(build) => self.stream(search.images_of(&build)).try_collect().await,
                None => Ok(Vec::new()),
            }
        })
        .await
    }
}

/// One crawl in progress: its pagination state and the pages in flight, in page order.
struct Crawl<'a, P: PaginatedOperation> {
    pages: Pages<Arc<P>>,
    in_flight: FuturesOrdered<BoxFuture<'a, PageAnswer<P::Item>>>,
    failed: bool,
    /// Items handed out so far.
    items: u64,
}

impl<'a, P> Crawl<'a, P>
where
    P: PaginatedOperation + Send + Sync + 'static,
    P::Item: Send + 'static,
{
    /// The items of the next page, an error, or `None` at the end.
    async fn next_page<T: Transport>(
        &mut self,
        client: &'a Client<T>,
    ) -> Option<Result<Vec<P::Item>, Error>> {
        loop {
            if self.failed {
                return None;
            }
            if let Some(items) = self.pages.pop_items() {
                self.items += items.len() as u64;
                return Some(Ok(items));
            }
            if self.pages.is_done() {
                return self.check_pages_past_the_end().await;
            }
            while self.in_flight.len() < client.options.page_concurrency() {
                match self.pages.next_request() {
                    Some(Ok(page_request)) => {
                        let operation = Arc::clone(self.pages.operation());
                        let (page, request) = (page_request.page, page_request.request);
                        self.in_flight
                            .push_back(Box::pin(trace::page(page, async move {
                                let answer = client
                                    .send(&request, |response| operation.decode_page(response))
                                    .await;
                                (page, answer)
                            })));
                    }
                    Some(Err(error)) => return Some(Err(self.fail(error, None))),
                    None => break,
                }
            }
            let (page, answer) = match self.in_flight.next().await {
                Some(done) => done,
                None => {
                    let stuck = Error::Pagination(PaginationError::Stalled);
                    return Some(Err(self.fail(stuck, None)));
                }
            };
            if let Err(error) = answer.and_then(|answer| self.pages.feed_decoded(page, answer)) {
                return Some(Err(self.fail(error, Some(page))));
            }
        }
    }

    /// Reads the answers still in flight once the list has ended, sending nothing new: pages
    /// asked for ahead (a crawl without `total`) must be empty, or a page in the middle came
    /// back short and the list would silently lose items. A failure there changes nothing, as
    /// every page of the list has arrived.
    async fn check_pages_past_the_end(&mut self) -> Option<Result<Vec<P::Item>, Error>> {
        while let Some((page, answer)) = self.in_flight.next().await {
            if let Ok(answer) = answer
                && let Err(error) = self.pages.feed_decoded(page, answer)
            {
                return Some(Err(self.fail(error, Some(page))));
            }
        }
        trace::crawl_done(self.pages.received_pages().len(), self.items);
        None
    }

    fn fail(&mut self, error: Error, page: Option<u32>) -> Error {
        self.failed = true;
        self.in_flight = FuturesOrdered::new();
        let received = self.pages.received_pages();
        match page {
            Some(failed_page) if !received.is_empty() => Error::Incomplete {
                received,
                failed_page,
                missing: self.pages.missing_pages(),
                source: Box::new(error),
            },
            _ => error,
        }
    }
}

/// Runs `work` against `timer`: `Some(output)` if the work finished first.
async fn race<W: Future, D: Future>(work: W, timer: D) -> Option<W::Output> {
    match select(pin!(work), pin!(timer)).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// `http::Request` is not `Clone`; a retry needs the same request again (its body is shared,
/// not copied).
fn copy_request(request: &http::Request<Bytes>) -> http::Request<Bytes> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}
