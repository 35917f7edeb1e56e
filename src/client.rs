//! The async client: operations in, typed results out, over any [`Transport`].
//!
//! It adds what a single request cannot: retries with backoff, timeouts raced against the
//! transport's own timer, and crawls that fetch the remaining pages concurrently while still
//! yielding items in page order. It spawns nothing, so it runs on whatever executor polls it.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::future::{Either, select};
use futures_util::stream::{self, FuturesOrdered, Stream, StreamExt, TryStreamExt};

use crate::config::Config;
use crate::decode::Page;
use crate::error::Error;
use crate::model::{ContainerImage, ContainerRepository, RegistryPath};
use crate::operation::{Endpoint, Operation, PaginatedOperation};
use crate::ops;
use crate::pages::Pages;
use crate::retry::RetryDecision;
use crate::transport::Transport;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A page number and what fetching it gave.
type PageAnswer<I> = (u32, Result<Page<I>, Error>);

/// A Pyxis client over the transport `T`.
///
/// Cheap to share: wrap it in an `Arc` or borrow it from many tasks; every method takes `&self`.
///
/// ```
/// # use pyxis_gql::{Client, Config, Transport, TransportError};
/// # struct Canned;
/// # #[async_trait::async_trait]
/// # impl Transport for Canned {
/// #     async fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
/// #         Ok(http::Response::new(br#"{"data":{"get_repository_by_registry_path":{"data":{"repository":"ubi9/ubi"}}}}"#.to_vec()))
/// #     }
/// #     async fn sleep(&self, _: std::time::Duration) {}
/// # }
/// # futures_executor::block_on(async {
/// let client = Client::new(Canned, &Config::builder().build()?);
/// let path = "registry.access.redhat.com/ubi9/ubi".parse()?;
/// let repository = client.get_repository_by_registry_path(&path).await?;
/// assert_eq!(repository.unwrap().repository.as_deref(), Some("ubi9/ubi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Client<T> {
    transport: T,
    config: Config,
    endpoint: Endpoint,
    /// Varies retry jitter between requests.
    requests: AtomicU64,
}

impl<T: Transport> Client<T> {
    /// A client sending through `transport`, configured by `config`.
    pub fn new(transport: T, config: &Config) -> Self {
        Self {
            transport,
            endpoint: Endpoint::new(config),
            config: config.clone(),
            requests: AtomicU64::new(0),
        }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs a one-response operation, with retries, within the configured deadline.
    pub async fn execute<O: Operation + Sync>(&self, operation: &O) -> Result<O::Output, Error> {
        self.within_deadline(async {
            let request = self
                .endpoint
                .request(operation.document(), &operation.variables())?;
            self.send(&request, |response| {
                operation.decode(response, self.endpoint.max_body_bytes())
            })
            .await
        })
        .await
    }

    /// Every item of a paginated operation, in page order, within the configured deadline.
    ///
    /// The first page tells the total; the remaining pages are then fetched concurrently, up to
    /// [`Config::page_concurrency`] at a time. When a page fails for good, the error is
    /// [`Error::Incomplete`] naming the pages that did arrive and those that did not, so a
    /// partial list is never mistaken for the whole.
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
    /// error. Each request has the request timeout; the overall deadline applies to
    /// [`fetch_all`](Self::fetch_all) only, since a stream's pace is set by its reader.
    pub fn stream<'a, P>(
        &'a self,
        operation: P,
    ) -> impl Stream<Item = Result<P::Item, Error>> + Send + 'a
    where
        P: PaginatedOperation + Send + Sync + 'static,
        P::Item: Send + 'static,
    {
        let crawl = Crawl {
            pages: Pages::new(Arc::new(operation), &self.endpoint, &self.config),
            in_flight: FuturesOrdered::new(),
            failed: false,
        };
        stream::unfold(crawl, move |mut crawl| async move {
            let next = crawl.next_page(self).await?;
            Some((next, crawl))
        })
        .flat_map(|page| match page {
            Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
            Err(error) => stream::once(async { Err(error) }).right_stream(),
        })
    }

    /// Sends `request` until it succeeds, fails for good, or runs out of attempts. `decode` runs
    /// inside the loop because Pyxis reports some transient failures inside a 200 response.
    async fn send<R>(
        &self,
        request: &http::Request<Vec<u8>>,
        decode: impl Fn(&http::Response<Vec<u8>>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let salt = self.requests.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 1;
        loop {
            let error = match self.attempt(copy_request(request)).await {
                Ok(response) => match decode(&response) {
                    Ok(value) => return Ok(value),
                    Err(error) => error,
                },
                Err(error) => error,
            };
            match self.config.retry().decide(attempt, &error, salt) {
                RetryDecision::RetryAfter(wait) => self.transport.sleep(wait).await,
                RetryDecision::GiveUp => return Err(error),
            }
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let limit = self.config.request_timeout();
        race(self.transport.send(request), self.transport.sleep(limit))
            .await
            .map(|sent| sent.map_err(Error::from))
            .unwrap_or(Err(Error::Timeout {
                after: limit,
                scope: "request",
            }))
    }

    async fn within_deadline<R>(
        &self,
        call: impl Future<Output = Result<R, Error>>,
    ) -> Result<R, Error> {
        match self.config.deadline() {
            None => call.await,
            Some(limit) => {
                race(call, self.transport.sleep(limit))
                    .await
                    .unwrap_or(Err(Error::Timeout {
                        after: limit,
                        scope: "deadline",
                    }))
            }
        }
    }

    /// Repositories matching a [`FindRepositories`](ops::FindRepositories) search.
    pub async fn find_repositories(
        &self,
        search: ops::FindRepositories,
    ) -> Result<Vec<ContainerRepository>, Error> {
        self.fetch_all(search).await
    }

    /// The vendor's repositories named `repository` (in any registry).
    pub async fn find_repositories_by_repository_name(
        &self,
        repository: &str,
    ) -> Result<Vec<ContainerRepository>, Error> {
        self.fetch_all(ops::FindRepositoriesByRepositoryName::new(repository))
            .await
    }

    /// The repositories at any of `paths`, in one crawl.
    pub async fn find_repositories_by_registry_paths(
        &self,
        paths: impl IntoIterator<Item = RegistryPath>,
    ) -> Result<Vec<ContainerRepository>, Error> {
        self.fetch_all(ops::FindRepositoriesByRegistryPaths::new(paths))
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

    /// The images built from any of `nvrs`, in one crawl.
    pub async fn find_images_by_nvrs<S: Into<String>>(
        &self,
        nvrs: impl IntoIterator<Item = S>,
        include_rpms: bool,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(ops::FindImagesByNvrs::new(nvrs, include_rpms))
            .await
    }

    /// The images shipping any of some RPMs; see [`FindImagesByInstalledRpms`](ops::FindImagesByInstalledRpms).
    pub async fn find_images_by_installed_rpms(
        &self,
        search: ops::FindImagesByInstalledRpms,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(search).await
    }

    /// The published images of the packages `names`, without RPMs.
    pub async fn find_images_by_names<S: Into<String>>(
        &self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(ops::FindImagesByNames::new(names)).await
    }

    /// The images published in a repository; see [`FindImagesByRepository`](ops::FindImagesByRepository).
    pub async fn find_images_by_repository(
        &self,
        search: ops::FindImagesByRepository,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(search).await
    }

    /// The newest images of a package at a version, newest first; see
    /// [`FindLatestImagesByNameVersion`](ops::FindLatestImagesByNameVersion).
    pub async fn find_latest_images_by_name_version(
        &self,
        search: ops::FindLatestImagesByNameVersion,
    ) -> Result<Vec<ContainerImage>, Error> {
        self.execute(&search).await
    }
}

/// One crawl in progress: its pagination state and the pages in flight, in page order.
struct Crawl<'a, P: PaginatedOperation> {
    pages: Pages<Arc<P>>,
    in_flight: FuturesOrdered<BoxFuture<'a, PageAnswer<P::Item>>>,
    failed: bool,
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
                return Some(Ok(items));
            }
            if self.pages.is_done() {
                return None;
            }
            while self.in_flight.len() < client.config.page_concurrency() {
                match self.pages.next_request() {
                    Some(Ok(page_request)) => {
                        let operation = Arc::clone(self.pages.operation());
                        let (page, request) = (page_request.page, page_request.request);
                        self.in_flight.push_back(Box::pin(async move {
                            let answer = client
                                .send(&request, |response| {
                                    operation
                                        .decode_page(response, client.endpoint.max_body_bytes())
                                })
                                .await;
                            (page, answer)
                        }));
                    }
                    Some(Err(error)) => return Some(Err(self.fail(error, None))),
                    None => break,
                }
            }
            let (page, answer) = match self.in_flight.next().await {
                Some(done) => done,
                None => {
                    let stuck = Error::Pagination("the crawl stopped before its last page".into());
                    return Some(Err(self.fail(stuck, None)));
                }
            };
            if let Err(error) = answer.and_then(|answer| self.pages.feed_decoded(page, answer)) {
                return Some(Err(self.fail(error, Some(page))));
            }
        }
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

/// `http::Request` is not `Clone`; a retry needs the same request again.
fn copy_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}
