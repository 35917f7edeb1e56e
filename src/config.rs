//! The one-call path: a single builder whose settings go to the layer that owns each.

use std::time::Duration;

use crate::endpoint::{Endpoint, EndpointBuilder};
use crate::error::ConfigError;
use crate::options::{ClientOptions, ClientOptionsBuilder};
use crate::retry::RetryPolicy;
use crate::secret::{ApiKey, Identity};
use crate::transport::{Proxy, ProxyPolicy, TransportOptions, TransportOptionsBuilder};

/// An [`Endpoint`], [`TransportOptions`] and [`ClientOptions`], built together.
///
/// A convenience for callers who configure everything in one place: each setter of
/// [`ConfigBuilder`] goes to the layer that owns it, and each layer gets only its part (an
/// adapter's `client(&config)` builds the transport from [`transport`](Self::transport) and the
/// [`Client`](crate::Client) from the other two). `Debug` never shows the API key or the
/// private key.
///
/// ```
/// use std::time::Duration;
/// let config = pyxis_gql::Config::builder()
///     .endpoint("https://pyxis.example.com/graphql/")
///     .connect_timeout(Duration::from_secs(5))
///     .attempt_timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(config.endpoint().uri().host(), Some("pyxis.example.com"));
/// assert_eq!(config.transport().connect_timeout(), Duration::from_secs(5));
/// assert_eq!(config.client().attempt_timeout(), Duration::from_secs(30));
/// assert!(pyxis_gql::Config::builder().page_size(501).build().is_err());
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Config {
    endpoint: Endpoint,
    transport: TransportOptions,
    client: ClientOptions,
}

impl Config {
    /// A builder starting from every layer's defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            endpoint: Endpoint::builder(),
            transport: TransportOptions::builder(),
            client: ClientOptions::builder(),
        }
    }

    /// A config from its three parts.
    pub fn from_parts(
        endpoint: Endpoint,
        transport: TransportOptions,
        client: ClientOptions,
    ) -> Self {
        Self {
            endpoint,
            transport,
            client,
        }
    }

    /// Where requests go and the headers they carry.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// What the transport is built from.
    pub fn transport(&self) -> &TransportOptions {
        &self.transport
    }

    /// How the client drives its calls.
    pub fn client(&self) -> &ClientOptions {
        &self.client
    }

    /// The three parts.
    pub fn into_parts(self) -> (Endpoint, TransportOptions, ClientOptions) {
        (self.endpoint, self.transport, self.client)
    }
}

/// Builds a [`Config`]: every setter of [`EndpointBuilder`], [`TransportOptionsBuilder`] and
/// [`ClientOptionsBuilder`] in one place.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConfigBuilder {
    endpoint: EndpointBuilder,
    transport: TransportOptionsBuilder,
    client: ClientOptionsBuilder,
}

/// Setters that hand their value to one part's builder.
macro_rules! forward {
    ($part:ident: $( $(#[$doc:meta])* $name:ident => $target:ident($ty:ty) ),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.$part = self.$part.$target(value);
            self
        }
    )*};
}

impl ConfigBuilder {
    forward! { endpoint:
        /// [`EndpointBuilder::url`].
        endpoint => url(impl Into<String>),
        /// [`EndpointBuilder::allow_http`].
        allow_http => allow_http(bool),
        /// [`EndpointBuilder::user_agent`].
        user_agent => user_agent(impl Into<String>),
        /// [`EndpointBuilder::api_key`].
        api_key => api_key(ApiKey),
    }

    forward! { transport:
        /// [`TransportOptionsBuilder::identity`].
        identity => identity(Identity),
        /// [`TransportOptionsBuilder::add_root_certificate_pem`].
        add_root_certificate_pem => add_root_certificate_pem(impl Into<Vec<u8>>),
        /// [`TransportOptionsBuilder::connect_timeout`].
        connect_timeout => connect_timeout(Duration),
        /// [`TransportOptionsBuilder::max_body_bytes`].
        max_body_bytes => max_body_bytes(usize),
        /// [`TransportOptionsBuilder::compression`].
        compression => compression(bool),
    }

    forward! { client:
        /// [`ClientOptionsBuilder::retry`].
        retry => retry(RetryPolicy),
        /// [`ClientOptionsBuilder::attempt_timeout`].
        attempt_timeout => attempt_timeout(Duration),
        /// [`ClientOptionsBuilder::deadline`].
        deadline => deadline(Duration),
        /// [`ClientOptionsBuilder::page_size`].
        page_size => page_size(u32),
        /// [`ClientOptionsBuilder::small_page_size`].
        small_page_size => small_page_size(u32),
        /// [`ClientOptionsBuilder::page_concurrency`].
        page_concurrency => page_concurrency(usize),
        /// [`ClientOptionsBuilder::chunk_size`].
        chunk_size => chunk_size(usize),
        /// [`ClientOptionsBuilder::max_items`].
        max_items => max_items(u64),
    }

    forward! { transport:
        /// [`TransportOptionsBuilder::proxy`].
        proxy => proxy(Proxy),
        /// [`TransportOptionsBuilder::proxy_policy`]; [`ProxyPolicy::Direct`] connects directly
        /// whatever the environment says.
        proxy_policy => proxy_policy(ProxyPolicy),
    }

    /// Builds every part; the first part that refuses its settings says why.
    ///
    /// # Errors
    ///
    /// The [`ConfigError`] of the part that refused.
    pub fn build(self) -> Result<Config, ConfigError> {
        Ok(Config {
            endpoint: self.endpoint.build()?,
            transport: self.transport.build()?,
            client: self.client.build()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_reaches_the_layer_that_owns_it() {
        let config = Config::builder()
            .endpoint("https://pyxis.example.com/graphql/")
            .user_agent("rebuilder/2")
            .identity(Identity::from_pem(b"chain".to_vec(), b"key".to_vec()))
            .add_root_certificate_pem("ca")
            .connect_timeout(Duration::from_secs(3))
            .max_body_bytes(1024)
            .attempt_timeout(Duration::from_secs(4))
            .page_size(7)
            .build()
            .unwrap();
        assert_eq!(
            config.endpoint().uri(),
            "https://pyxis.example.com/graphql/"
        );
        assert_eq!(config.endpoint().user_agent(), "rebuilder/2");
        let transport = config.transport();
        assert_eq!(
            transport.identity().unwrap().certificate_chain_pem(),
            b"chain"
        );
        assert_eq!(transport.extra_root_certificates(), [b"ca".to_vec()]);
        assert_eq!(transport.connect_timeout(), Duration::from_secs(3));
        assert_eq!(transport.max_body_bytes(), 1024);
        assert_eq!(config.client().attempt_timeout(), Duration::from_secs(4));
        assert_eq!(config.client().page_size(), 7);

        let (endpoint, transport, client) = config.clone().into_parts();
        let again = Config::from_parts(endpoint, transport, client);
        assert_eq!(again.client(), config.client());
        assert_eq!(again.endpoint().uri(), config.endpoint().uri());
    }

    #[test]
    fn the_first_layer_to_refuse_says_why() {
        assert!(matches!(
            Config::builder().endpoint("http://x/").build(),
            Err(ConfigError::PlainHttpRefused)
        ));
        assert!(matches!(
            Config::builder().max_body_bytes(0).build(),
            Err(ConfigError::Zero(_))
        ));
        assert!(matches!(
            Config::builder().page_concurrency(0).build(),
            Err(ConfigError::Zero("page_concurrency"))
        ));
    }
}
