//! Why a set of options was refused when it was built.

/// Why an options builder ([`EndpointBuilder`](crate::EndpointBuilder),
/// [`TransportOptionsBuilder`](crate::TransportOptionsBuilder),
/// [`ClientOptionsBuilder`](crate::ClientOptionsBuilder) or [`ConfigBuilder`](crate::ConfigBuilder))
/// refused its settings. Nothing falls back to a default in silence.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The endpoint is not a URL.
    #[error("invalid endpoint URL")]
    InvalidEndpoint(#[source] url::ParseError),
    /// The endpoint is `http://` and plain HTTP was not allowed.
    #[error("refusing a plain http:// endpoint; use https:// or allow plain HTTP explicitly")]
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
    /// A page size is larger than the [`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) Pyxis serves.
    #[error("{setting} is {size}, more than the {max} Pyxis serves")]
    PageSizeTooLarge {
        /// Which setting.
        setting: &'static str,
        /// The size asked for.
        size: u32,
        /// The largest page Pyxis serves.
        max: u32,
    },
    /// A proxy URL (set explicitly, or by the environment variable `setting` names) is unusable.
    /// `reason` never quotes the URL, which may hold a password.
    #[error("unusable proxy in {setting}: {reason}")]
    InvalidProxy {
        /// `proxy` for an explicit setting, or the environment variable read.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A size, count or duration that must be positive is zero.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}
