//! Request building: where requests go and the headers every request carries.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Uri};
use serde::Serialize;
use url::Url;

use crate::error::{ConfigError, Error};
use crate::operation::Document;
use crate::secret::ApiKey;

/// The public Pyxis GraphQL endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://catalog.redhat.com/api/containers/graphql/";

const DEFAULT_USER_AGENT: &str = concat!("pyxis-gql/", env!("CARGO_PKG_VERSION"));

/// Turns documents and variables into HTTP requests for one endpoint: the URL, the
/// `User-Agent` and the API key, each checked once when the endpoint is built.
///
/// `Debug` shows the URL and the user agent, never the key.
///
/// ```
/// use pyxis_gql::{Document, Endpoint};
///
/// let endpoint = Endpoint::builder().url("https://pyxis.example.com/graphql/").build().unwrap();
/// let document = Document::new("query Q { ping }", "Q", "ping");
/// let request = endpoint.request(&document, &serde_json::json!({})).unwrap();
/// assert_eq!(request.method(), http::Method::POST);
/// assert_eq!(request.uri(), "https://pyxis.example.com/graphql/");
/// assert_eq!(request.headers()["content-type"], "application/json");
/// assert_eq!(
///     std::str::from_utf8(request.body()).unwrap(),
///     r#"{"query":"query Q { ping }","variables":{},"operationName":"Q"}"#
/// );
/// assert!(Endpoint::builder().url("http://pyxis.example.com/").build().is_err());
/// assert!(Endpoint::builder().url("https://user:pw@pyxis.example.com/").build().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Endpoint {
    uri: Uri,
    user_agent: HeaderValue,
    api_key: Option<HeaderValue>,
}

impl Default for Endpoint {
    /// The public endpoint, this crate's user agent, no API key.
    fn default() -> Self {
        Self {
            uri: Uri::from_static(DEFAULT_ENDPOINT),
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            api_key: None,
        }
    }
}

impl Endpoint {
    /// A builder starting from the [defaults](Self::default).
    pub fn builder() -> EndpointBuilder {
        EndpointBuilder {
            url: DEFAULT_ENDPOINT.to_owned(),
            allow_http: false,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            api_key: None,
        }
    }

    /// The GraphQL endpoint URL.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// A POST request carrying `{query, variables, operationName}` as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when the variables do not serialize to JSON.
    pub fn request<V: Serialize + ?Sized>(
        &self,
        document: &Document,
        variables: &V,
    ) -> Result<Request<Bytes>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a, V: ?Sized> {
            query: &'a str,
            variables: &'a V,
            #[serde(skip_serializing_if = "str::is_empty")]
            operation_name: &'a str,
        }
        let body = serde_json::to_vec(&Body {
            query: document.text(),
            variables,
            operation_name: document.operation_name(),
        })
        .map_err(Error::Encode)?;
        let mut request = Request::new(Bytes::from(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let Some(key) = &self.api_key {
            headers.insert("x-api-key", key.clone());
        }
        Ok(request)
    }
}

/// Builds an [`Endpoint`]; see [`Endpoint::default`] for the defaults.
#[derive(Clone, Debug)]
#[must_use]
pub struct EndpointBuilder {
    url: String,
    allow_http: bool,
    user_agent: String,
    api_key: Option<ApiKey>,
}

impl EndpointBuilder {
    /// The GraphQL endpoint URL; `https://` unless [`allow_http`](Self::allow_http) is set.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Accepts a plain `http://` endpoint (for a local development server). Off by default.
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

    /// Checks the settings and builds the endpoint.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for a URL that does not parse, is not `https://` (or `http://` when
    /// allowed) or carries credentials, and for header values HTTP forbids.
    pub fn build(self) -> Result<Endpoint, ConfigError> {
        let url = Url::parse(&self.url).map_err(ConfigError::InvalidEndpoint)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ConfigError::CredentialsInEndpoint);
        }
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err(ConfigError::PlainHttpRefused),
            other => return Err(ConfigError::UnsupportedScheme(other.to_owned())),
        }
        // A URL the url crate accepts and serializes is a valid URI; say so if not, all the same.
        let uri = Uri::try_from(url.as_str()).map_err(|_| ConfigError::InvalidHeader("URL"))?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| ConfigError::InvalidHeader("User-Agent"))?;
        let api_key = match &self.api_key {
            None => None,
            Some(key) => {
                let mut value = HeaderValue::from_str(key.expose())
                    .map_err(|_| ConfigError::InvalidHeader("X-API-KEY"))?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(Endpoint {
            uri,
            user_agent,
            api_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(url: &str, allow_http: bool) -> Result<Endpoint, ConfigError> {
        Endpoint::builder().url(url).allow_http(allow_http).build()
    }

    #[test]
    fn plain_http_only_when_allowed_and_no_other_scheme_ever() {
        let http = "http://pyxis.example.com/graphql/";
        assert!(matches!(
            built(http, false),
            Err(ConfigError::PlainHttpRefused)
        ));
        assert_eq!(built(http, true).unwrap().uri().scheme_str(), Some("http"));
        let https = built("https://pyxis.example.com/graphql/", true).unwrap();
        assert_eq!(https.uri().scheme_str(), Some("https"));
        assert!(matches!(
            built("ftp://pyxis.example.com/", true),
            Err(ConfigError::UnsupportedScheme(scheme)) if scheme == "ftp"
        ));
        assert!(matches!(
            built("not a url", true),
            Err(ConfigError::InvalidEndpoint(_))
        ));
        for url in [
            "https://user@pyxis.example.com/",
            "https://:pw@pyxis.example.com/",
        ] {
            assert!(
                matches!(built(url, false), Err(ConfigError::CredentialsInEndpoint)),
                "{url}"
            );
        }
    }

    #[test]
    fn headers_are_checked_once_and_the_key_stays_hidden() {
        let endpoint = Endpoint::builder()
            .user_agent("rebuilder/2")
            .api_key(ApiKey::new("k-123"))
            .build()
            .unwrap();
        assert_eq!(endpoint.uri(), DEFAULT_ENDPOINT);
        assert_eq!(endpoint.user_agent(), "rebuilder/2");
        let request = endpoint
            .request(&Document::new("{ a }", "", "a"), &serde_json::json!({}))
            .unwrap();
        assert_eq!(request.headers()["x-api-key"], "k-123");
        assert!(request.headers()["x-api-key"].is_sensitive());
        assert_eq!(request.headers()["user-agent"], "rebuilder/2");
        // No operation name: the field is left out rather than sent empty.
        assert_eq!(&request.body()[..], br#"{"query":"{ a }","variables":{}}"#);
        assert!(!format!("{endpoint:?}").contains("k-123"));
        assert!(matches!(
            Endpoint::builder().user_agent("a\nb").build(),
            Err(ConfigError::InvalidHeader("User-Agent"))
        ));
        assert!(matches!(
            Endpoint::builder().api_key(ApiKey::new("k\n")).build(),
            Err(ConfigError::InvalidHeader("X-API-KEY"))
        ));
        let anonymous = Endpoint::default()
            .request(&Document::new("{ a }", "", "a"), &serde_json::json!({}))
            .unwrap();
        assert!(anonymous.headers().get("x-api-key").is_none());
        assert_eq!(anonymous.headers()["user-agent"], DEFAULT_USER_AGENT);
    }
}
