//! The client's policy: retries, timeouts, page sizes, concurrency and the item cap.

use std::time::Duration;

use crate::error::ConfigError;
use crate::retry::RetryPolicy;

/// The largest page Pyxis serves.
pub const MAX_PAGE_SIZE: u32 = 500;

/// How a [`Client`](crate::Client) drives its calls.
///
/// ```
/// use std::time::Duration;
/// let options = pyxis_gql::ClientOptions::builder()
///     .attempt_timeout(Duration::from_secs(30))
///     .page_concurrency(8)
///     .build()
///     .unwrap();
/// assert_eq!(options.page_size(), 200);
/// assert!(pyxis_gql::ClientOptions::builder().page_size(501).build().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClientOptions {
    retry: RetryPolicy,
    attempt_timeout: Duration,
    deadline: Option<Duration>,
    page_size: u32,
    small_page_size: u32,
    page_concurrency: usize,
    chunk_size: usize,
    max_items: u64,
}

impl Default for ClientOptions {
    /// The default retry policy, 60 s per attempt, no overall deadline, pages of 200 (50 for
    /// images with RPM manifests), 4 pages in flight, lists asked for 20 values at a time, at
    /// most a million items per call.
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            attempt_timeout: Duration::from_secs(60),
            deadline: None,
            page_size: 200,
            small_page_size: 50,
            page_concurrency: 4,
            chunk_size: 20,
            max_items: 1_000_000,
        }
    }
}

impl ClientOptions {
    /// A builder starting from the [defaults](Self::default).
    pub fn builder() -> ClientOptionsBuilder {
        ClientOptionsBuilder(Self::default())
    }

    /// How failed attempts are retried.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Time allowed for one attempt, from sending the request to the last body byte; the
    /// client's timer, whatever the transport.
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// Time allowed for one whole call, retries and pages included.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Items per page for ordinary crawls.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Items per page for crawls whose items are large (images with RPM manifests).
    pub fn small_page_size(&self) -> u32 {
        self.small_page_size
    }

    /// How many pages of one crawl may be in flight at once.
    pub fn page_concurrency(&self) -> usize {
        self.page_concurrency
    }

    /// How many values of a list one query carries.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// The most items one call may return; a crawl whose total is larger fails at once.
    pub fn max_items(&self) -> u64 {
        self.max_items
    }
}

/// Builds [`ClientOptions`]; see [`ClientOptions::default`] for the defaults.
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientOptionsBuilder(ClientOptions);

impl ClientOptionsBuilder {
    /// How failed attempts are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.0.retry = policy;
        self
    }

    /// Time allowed for one attempt (at least 1 ms).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.0.attempt_timeout = timeout;
        self
    }

    /// Time allowed for a whole call, retries and pages included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.0.deadline = Some(deadline);
        self
    }

    /// Items per page for ordinary crawls (1 to [`MAX_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u32) -> Self {
        self.0.page_size = size;
        self
    }

    /// Items per page for RPM-manifest searches (1 to [`MAX_PAGE_SIZE`]).
    pub fn small_page_size(mut self, size: u32) -> Self {
        self.0.small_page_size = size;
        self
    }

    /// How many pages of one crawl may be in flight at once (at least 1).
    pub fn page_concurrency(mut self, pages: usize) -> Self {
        self.0.page_concurrency = pages;
        self
    }

    /// How many values of a long list (NVRs, names, RPM names, repositories, registry paths) one
    /// query carries (default 20, at least 1): a longer list is split into chunks crawled
    /// concurrently, since Pyxis times out on large `in` filters.
    pub fn chunk_size(mut self, values: usize) -> Self {
        self.0.chunk_size = values;
        self
    }

    /// The most items one call may return (default one million), so that a filter that matches
    /// far more than intended fails fast with [`Error::TooManyItems`](crate::Error::TooManyItems)
    /// instead of crawling the catalog.
    pub fn max_items(mut self, items: u64) -> Self {
        self.0.max_items = items;
        self
    }

    /// Checks the settings and builds the options.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for a page size of 0 or over [`MAX_PAGE_SIZE`], and for a zero
    /// concurrency or attempt timeout.
    pub fn build(self) -> Result<ClientOptions, ConfigError> {
        let options = self.0;
        check_page_size("page_size", options.page_size)?;
        check_page_size("small_page_size", options.small_page_size)?;
        if options.page_concurrency == 0 {
            return Err(ConfigError::Zero("page_concurrency"));
        }
        if options.chunk_size == 0 {
            return Err(ConfigError::Zero("chunk_size"));
        }
        if options.attempt_timeout.is_zero() {
            return Err(ConfigError::Zero("attempt_timeout"));
        }
        Ok(options)
    }
}

fn check_page_size(name: &'static str, size: u32) -> Result<u32, ConfigError> {
    match size {
        0 => Err(ConfigError::Zero(name)),
        _ if size > MAX_PAGE_SIZE => Err(ConfigError::PageSizeTooLarge {
            setting: name,
            size,
            max: MAX_PAGE_SIZE,
        }),
        _ => Ok(size),
    }
}

/// Which page size a crawl uses: one of the two the [`ClientOptions`] set, or a fixed size of
/// its own, checked against [`MAX_PAGE_SIZE`] like the others.
///
/// ```
/// use pyxis_gql::{ClientOptions, PageSize};
/// let options = ClientOptions::default();
/// assert_eq!(PageSize::SMALL.resolve(&options), 50);
/// assert_eq!(PageSize::fixed(7).unwrap().resolve(&options), 7);
/// assert!(PageSize::fixed(0).is_err() && PageSize::fixed(501).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(Choice);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    Default,
    Small,
    Fixed(u32),
}

impl PageSize {
    /// [`ClientOptions::page_size`] (200 by default).
    pub const DEFAULT: Self = Self(Choice::Default);
    /// [`ClientOptions::small_page_size`] (50 by default), for large items.
    pub const SMALL: Self = Self(Choice::Small);

    /// Exactly `items` per page.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for 0 or more than [`MAX_PAGE_SIZE`].
    pub fn fixed(items: u32) -> Result<Self, ConfigError> {
        check_page_size("page size", items).map(|items| Self(Choice::Fixed(items)))
    }

    /// The number of items per page under `options`.
    pub fn resolve(self, options: &ClientOptions) -> u32 {
        match self.0 {
            Choice::Default => options.page_size(),
            Choice::Small => options.small_page_size(),
            Choice::Fixed(items) => items,
        }
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_run_from_one_to_the_pyxis_maximum() {
        let built = |size| ClientOptions::builder().page_size(size).build();
        assert_eq!(built(1).unwrap().page_size(), 1);
        assert_eq!(built(MAX_PAGE_SIZE).unwrap().page_size(), MAX_PAGE_SIZE);
        assert!(matches!(built(0), Err(ConfigError::Zero("page_size"))));
        assert!(matches!(
            built(MAX_PAGE_SIZE + 1),
            Err(ConfigError::PageSizeTooLarge {
                setting: "page_size",
                size: 501,
                max: 500
            })
        ));
        let small = |size| ClientOptions::builder().small_page_size(size).build();
        assert_eq!(
            small(MAX_PAGE_SIZE).unwrap().small_page_size(),
            MAX_PAGE_SIZE
        );
        assert!(matches!(
            small(MAX_PAGE_SIZE + 1),
            Err(ConfigError::PageSizeTooLarge {
                setting: "small_page_size",
                ..
            })
        ));
        assert_eq!(
            PageSize::fixed(MAX_PAGE_SIZE)
                .unwrap()
                .resolve(&ClientOptions::default()),
            500
        );
        assert!(PageSize::fixed(MAX_PAGE_SIZE + 1).is_err());
        assert_eq!(PageSize::default(), PageSize::DEFAULT);
    }

    #[test]
    fn every_setting_is_kept_and_zeroes_are_refused() {
        let options = ClientOptions::builder()
            .retry(RetryPolicy::never())
            .attempt_timeout(Duration::from_secs(7))
            .deadline(Duration::from_secs(9))
            .page_size(30)
            .small_page_size(10)
            .page_concurrency(3)
            .chunk_size(7)
            .max_items(99)
            .build()
            .unwrap();
        assert_eq!(*options.retry(), RetryPolicy::never());
        assert_eq!(options.attempt_timeout(), Duration::from_secs(7));
        assert_eq!(options.deadline(), Some(Duration::from_secs(9)));
        assert_eq!(PageSize::DEFAULT.resolve(&options), 30);
        assert_eq!(PageSize::SMALL.resolve(&options), 10);
        assert_eq!(options.page_concurrency(), 3);
        assert_eq!(options.max_items(), 99);
        assert_eq!(options.chunk_size(), 7);
        let defaults = ClientOptions::default();
        assert_eq!(defaults.chunk_size(), 20);
        assert_eq!(defaults.deadline(), None);
        assert_eq!(defaults.page_size(), 200);
        assert_eq!(defaults.small_page_size(), 50);
        assert!(matches!(
            ClientOptions::builder().page_concurrency(0).build(),
            Err(ConfigError::Zero("page_concurrency"))
        ));
        assert!(matches!(
            ClientOptions::builder().chunk_size(0).build(),
            Err(ConfigError::Zero("chunk_size"))
        ));
        assert!(matches!(
            ClientOptions::builder()
                .attempt_timeout(Duration::ZERO)
                .build(),
            Err(ConfigError::Zero("attempt_timeout"))
        ));
    }
}
