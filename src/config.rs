//! Everything a client and its transport are built from, as plain values.

use std::time::Duration;

use url::Url;

use crate::retry::RetryPolicy;
use crate::secret::{ApiKey, Identity};

/// The public Pyxis GraphQL endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://catalog.redhat.com/api/containers/graphql/";

/// The largest page Pyxis serves.
pub const MAX_PAGE_SIZE: u32 = 500;

/// The default cap on a response body: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Settings shared by a [`Client`](crate::Client) and the transport under it.
///
/// Built once with [`Config::builder`]; an adapter reads the TLS, timeout and body-cap parts, the
/// client reads the rest. `Debug` never shows the API key or the private key.
///
/// ```
/// use std::time::Duration;
/// let config = pyxis_gql::Config::builder()
///     .endpoint("https://pyxis.example.com/graphql/")
///     .request_timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(config.endpoint().host_str(), Some("pyxis.example.com"));
/// assert!(pyxis_gql::Config::builder().endpoint("http://pyxis.example.com/").build().is_err());
/// assert!(pyxis_gql::Config::builder().endpoint("https://user:pw@pyxis.example.com/").build().is_err());
/// assert!(pyxis_gql::Config::builder().page_size(501).build().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    endpoint: Url,
    user_agent: String,
    api_key: Option<ApiKey>,
    identity: Option<Identity>,
    extra_root_certificates: Vec<Vec<u8>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    deadline: Option<Duration>,
    max_body_bytes: usize,
    retry: RetryPolicy,
    page_size: u32,
    small_page_size: u32,
    page_concurrency: usize,
    max_items: u64,
}

impl Config {
    /// A builder with the defaults: the public endpoint, 10 s connect and 60 s request timeouts,
    /// no overall deadline, a 64 MiB body cap, 3 attempts, pages of 200 (50 for RPM searches),
    /// 4 pages in flight, at most a million items per call.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The GraphQL endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }
    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// The key sent as `X-API-KEY`, if any.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }
    /// The client certificate and key, if any.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
    /// PEM bundles trusted in addition to the built-in roots.
    pub fn extra_root_certificates(&self) -> &[Vec<u8>] {
        &self.extra_root_certificates
    }
    /// Time allowed to open a connection (TCP and TLS).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// Time allowed for one attempt, from sending to the last body byte.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
    /// Time allowed for one whole call, retries and pages included.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }
    /// The largest response body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
    /// How failed attempts are retried.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }
    /// Items per page for ordinary crawls.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }
    /// Items per page for queries whose items are large (images with RPM manifests).
    pub fn small_page_size(&self) -> u32 {
        self.small_page_size
    }
    /// How many pages of one crawl may be in flight at once.
    pub fn page_concurrency(&self) -> usize {
        self.page_concurrency
    }
    /// The most items one call may return; a crawl whose total is larger fails at once.
    pub fn max_items(&self) -> u64 {
        self.max_items
    }
}

/// Builds a [`Config`]; see [`Config::builder`] for the defaults.
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    endpoint: String,
    allow_http: bool,
    user_agent: String,
    api_key: Option<ApiKey>,
    identity: Option<Identity>,
    extra_root_certificates: Vec<Vec<u8>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    deadline: Option<Duration>,
    max_body_bytes: usize,
    retry: RetryPolicy,
    page_size: u32,
    small_page_size: u32,
    page_concurrency: usize,
    max_items: u64,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            allow_http: false,
            user_agent: concat!("pyxis-gql/", env!("CARGO_PKG_VERSION")).to_owned(),
            api_key: None,
            identity: None,
            extra_root_certificates: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            deadline: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            retry: RetryPolicy::default(),
            page_size: 200,
            small_page_size: 50,
            page_concurrency: 4,
            max_items: 1_000_000,
        }
    }
}

impl ConfigBuilder {
    /// The GraphQL endpoint URL; `https://` unless [`allow_http`](Self::allow_http) is set.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = url.into();
        self
    }
    /// Accepts a plain `http://` endpoint (for a local proxy or a test server). Off by default.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }
    /// The `User-Agent` header value.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
    /// The key sent as `X-API-KEY` on every request.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }
    /// The client certificate and key presented to the server.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }
    /// Trusts the certificates in this PEM bundle in addition to the built-in roots.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certificates.push(pem.into());
        self
    }
    /// Time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Time allowed for one attempt.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
    /// Time allowed for a whole call, retries and pages included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
    /// The largest response body accepted.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
    /// How failed attempts are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Items per page for ordinary crawls (1 to [`MAX_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }
    /// Items per page for RPM-manifest searches.
    pub fn small_page_size(mut self, size: u32) -> Self {
        self.small_page_size = size;
        self
    }
    /// How many pages of one crawl may be in flight at once (at least 1).
    pub fn page_concurrency(mut self, pages: usize) -> Self {
        self.page_concurrency = pages;
        self
    }

    /// The most items one call may return (default one million), so that a filter that matches
    /// far more than intended fails fast with [`Error::TooManyItems`](crate::Error::TooManyItems)
    /// instead of crawling the catalog.
    pub fn max_items(mut self, items: u64) -> Self {
        self.max_items = items;
        self
    }

    /// Checks the settings and builds the config.
    pub fn build(self) -> Result<Config, ConfigError> {
        let endpoint = Url::parse(&self.endpoint).map_err(ConfigError::InvalidEndpoint)?;
        if !endpoint.username().is_empty() || endpoint.password().is_some() {
            return Err(ConfigError::CredentialsInEndpoint);
        }
        match endpoint.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err(ConfigError::PlainHttpRefused),
            other => return Err(ConfigError::UnsupportedScheme(other.to_owned())),
        }
        if http::HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(ConfigError::InvalidHeader("User-Agent"));
        }
        if let Some(key) = &self.api_key
            && http::HeaderValue::from_str(key.expose()).is_err()
        {
            return Err(ConfigError::InvalidHeader("X-API-KEY"));
        }
        for (name, size) in [
            ("page_size", self.page_size),
            ("small_page_size", self.small_page_size),
        ] {
            if size == 0 {
                return Err(ConfigError::Zero(name));
            }
            if size > MAX_PAGE_SIZE {
                return Err(ConfigError::PageSizeTooLarge(name, size));
            }
        }
        if self.page_concurrency == 0 {
            return Err(ConfigError::Zero("page_concurrency"));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError::Zero("max_body_bytes"));
        }
        Ok(Config {
            endpoint,
            user_agent: self.user_agent,
            api_key: self.api_key,
            identity: self.identity,
            extra_root_certificates: self.extra_root_certificates,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            deadline: self.deadline,
            max_body_bytes: self.max_body_bytes,
            retry: self.retry,
            page_size: self.page_size,
            small_page_size: self.small_page_size,
            page_concurrency: self.page_concurrency,
            max_items: self.max_items,
        })
    }
}

/// Why a [`ConfigBuilder`] refused its settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The endpoint is not a URL.
    #[error("invalid endpoint URL")]
    InvalidEndpoint(#[source] url::ParseError),
    /// The endpoint is `http://` and plain HTTP was not allowed.
    #[error("refusing a plain http:// endpoint; use https:// or allow_http(true)")]
    PlainHttpRefused,
    /// The endpoint is neither `https://` nor `http://`.
    #[error("unsupported endpoint scheme {0:?}")]
    UnsupportedScheme(String),
    /// A header value holds characters HTTP forbids.
    #[error("the {0} value is not a valid HTTP header value")]
    InvalidHeader(&'static str),
    /// The endpoint URL carries a user name or password, which would travel in logs and error
    /// messages; use an identity or an API key instead.
    #[error("the endpoint URL must not carry credentials; use a client certificate or an API key")]
    CredentialsInEndpoint,
    /// A page size is larger than the [`MAX_PAGE_SIZE`] Pyxis serves.
    #[error("{0} is {1}, more than the {MAX_PAGE_SIZE} Pyxis serves")]
    PageSizeTooLarge(&'static str, u32),
    /// A size or count that must be positive is zero.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}
