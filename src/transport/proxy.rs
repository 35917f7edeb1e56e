//! Where a transport's connections go: straight to the server, or through an HTTP proxy's
//! `CONNECT` tunnel.
//!
//! Everything here is a value: the environment is read by the adapters, which hand its variables
//! to [`ProxyPolicy::resolve`] through a lookup function, so the rules can be tested without
//! touching the process environment.

use std::fmt;
use std::net::IpAddr;

use http::Uri;
use percent_encoding::percent_decode_str;

use crate::error::ConfigError;

/// The variables [`ProxyPolicy::Environment`] reads, in order: the first one set to a non-empty
/// value wins.
pub const HTTPS_PROXY_VARIABLES: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];

/// The variables naming hosts that bypass an environment proxy, in order: the first one set wins.
pub const NO_PROXY_VARIABLES: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// How a transport picks its proxy.
///
/// Precedence: an explicit setting ([`Via`](Self::Via) or [`Direct`](Self::Direct)) wins over the
/// environment, which is read only under [`Environment`](Self::Environment), the default.
/// Proxies carry `https://` requests only; plain `http://` requests (allowed for testing) always
/// go straight to their server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyPolicy {
    /// Use the proxy named by `HTTPS_PROXY` (or `https_proxy`), except for the hosts listed in
    /// `NO_PROXY` (or `no_proxy`); connect directly when neither proxy variable is set.
    #[default]
    Environment,
    /// Connect directly, whatever the environment says.
    Direct,
    /// Use this proxy, except for the hosts of its own [`NoProxy`] list; the environment is not
    /// read at all.
    Via(Proxy),
}

impl ProxyPolicy {
    /// The proxy this policy selects, reading variables through `lookup` (an adapter passes
    /// `|name| std::env::var(name).ok()`).
    ///
    /// ```
    /// use pyxis_gql::ProxyPolicy;
    /// let env = |name: &str| match name {
    ///     "HTTPS_PROXY" => Some("http://proxy.corp:3128".to_owned()),
    ///     "NO_PROXY" => Some(".internal, 10.0.0.0/8".to_owned()),
    ///     _ => None,
    /// };
    /// let proxy = ProxyPolicy::Environment.resolve(env).unwrap().unwrap();
    /// assert_eq!(proxy.authority(), "proxy.corp:3128");
    /// assert!(proxy.applies_to(&"https://pyxis.example.com/graphql/".parse().unwrap()));
    /// assert!(!proxy.applies_to(&"https://db.internal/graphql/".parse().unwrap()));
    /// assert!(ProxyPolicy::Direct.resolve(env).unwrap().is_none());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidProxy`] naming the variable when the proxy variable holds no usable
    /// proxy URL; the message never quotes the value, which may hold a password.
    pub fn resolve(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxy>, ConfigError> {
        match self {
            Self::Direct => Ok(None),
            Self::Via(proxy) => Ok(Some(proxy.clone())),
            Self::Environment => {
                let first_set = |names: [&'static str; 2]| {
                    names.into_iter().find_map(|name| {
                        lookup(name)
                            .filter(|value| !value.trim().is_empty())
                            .map(|value| (name, value))
                    })
                };
                let Some((name, url)) = first_set(HTTPS_PROXY_VARIABLES) else {
                    return Ok(None);
                };
                let proxy = Proxy::parse_as(&url, name)?;
                let no_proxy = first_set(NO_PROXY_VARIABLES)
                    .map(|(_, list)| NoProxy::parse(&list))
                    .unwrap_or_default();
                Ok(Some(proxy.with_no_proxy(no_proxy)))
            }
        }
    }
}

/// An HTTP proxy reached over plain TCP, asked for `CONNECT` tunnels; TLS to the server runs end
/// to end inside the tunnel, client certificate included.
///
/// `Debug` shows the user name but never the password:
///
/// ```
/// let proxy = pyxis_gql::Proxy::parse("http://alice:s3cr3t@proxy.corp:3128").unwrap();
/// assert_eq!(proxy.authority(), "proxy.corp:3128");
/// assert_eq!(proxy.credentials().unwrap().password(), "s3cr3t");
/// assert!(!format!("{proxy:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    credentials: Option<ProxyCredentials>,
    no_proxy: NoProxy,
}

impl Proxy {
    /// Parses a proxy URL: `http://[user[:password]@]host[:port][/]`, or `host[:port]` alone
    /// (taken as `http://`). The port defaults to 80; user name and password are
    /// percent-decoded and sent as `Proxy-Authorization: Basic`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidProxy`] for anything else: a scheme other than `http` (TLS to the
    /// proxy itself and SOCKS are not supported), a path, query or fragment, no host. The
    /// message never quotes the URL.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        Self::parse_as(url, "proxy")
    }

    fn parse_as(url: &str, setting: &'static str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidProxy {
            setting,
            reason: reason.to_owned(),
        };
        let url = url.trim();
        let parsed = if url.contains("://") {
            url::Url::parse(url)
        } else {
            url::Url::parse(&format!("http://{url}"))
        }
        .map_err(|err| invalid(&format!("not a URL ({err})")))?;
        match parsed.scheme() {
            "http" => {}
            "https" => {
                return Err(invalid(
                    "https:// proxies (TLS to the proxy itself) are not supported; use http://",
                ));
            }
            _ => return Err(invalid("only http:// proxies are supported")),
        }
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return Err(invalid("a proxy URL has no path or query"));
        }
        if parsed.fragment().is_some() {
            return Err(invalid("a proxy URL has no fragment"));
        }
        let host = match parsed.host() {
            Some(url::Host::Domain(name)) => name.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(invalid("no host")),
        };
        let decode = |part: &str| {
            percent_decode_str(part)
                .decode_utf8()
                .map(|text| text.into_owned())
                .map_err(|_| invalid("the credentials are not UTF-8 once percent-decoded"))
        };
        let credentials = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            (user, password) => Some(ProxyCredentials::new(
                decode(user)?,
                decode(password.unwrap_or_default())?,
            )),
        };
        Ok(Self {
            host,
            port: parsed.port_or_known_default().unwrap_or(80),
            credentials,
            no_proxy: NoProxy::default(),
        })
    }

    /// The same proxy, authenticating with `credentials` (replacing any from the URL).
    #[must_use]
    pub fn with_credentials(mut self, credentials: ProxyCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The same proxy, bypassed for the hosts `no_proxy` lists.
    #[must_use]
    pub fn with_no_proxy(mut self, no_proxy: NoProxy) -> Self {
        self.no_proxy = no_proxy;
        self
    }

    /// The proxy's host: a name, or an IP address without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port`, with an IPv6 address in brackets: what a TCP connect or a URL needs.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The credentials sent as `Proxy-Authorization`, if any.
    pub fn credentials(&self) -> Option<&ProxyCredentials> {
        self.credentials.as_ref()
    }

    /// The hosts reached directly, not through this proxy.
    pub fn no_proxy(&self) -> &NoProxy {
        &self.no_proxy
    }

    /// Whether a request to `uri` goes through this proxy: `https` requests whose host is not on
    /// the [`NoProxy`] list.
    pub fn applies_to(&self, uri: &Uri) -> bool {
        uri.scheme() == Some(&http::uri::Scheme::HTTPS)
            && uri.host().is_some_and(|host| !self.no_proxy.matches(host))
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.credentials)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy user name and password; `Debug` never shows the password, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyCredentials {
    username: String,
    password: String,
}

impl ProxyCredentials {
    /// Credentials for `Proxy-Authorization: Basic`.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, for the one place that must send it.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for ProxyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyCredentials")
            .field("username", &self.username)
            .field("password", &format_args!("[redacted]"))
            .finish()
    }
}

/// Hosts reached directly even when a proxy is set: the `NO_PROXY` list.
///
/// Entries are separated by commas (spaces around them are ignored): `*` matches every host; a
/// name matches itself and every name under it (`example.com`, `.example.com` and
/// `*.example.com` all match `example.com` and `pyxis.example.com`); an IP address matches
/// itself; `address/bits` matches a network. Names compare without regard to case; ports in
/// entries are not supported, and an entry that is none of these matches nothing.
///
/// ```
/// let list = pyxis_gql::NoProxy::parse("localhost, .corp.example, 10.0.0.0/8, ::1");
/// assert!(list.matches("LOCALHOST") && list.matches("pyxis.corp.example"));
/// assert!(list.matches("10.1.2.3") && list.matches("[::1]"));
/// assert!(!list.matches("example") && !list.matches("11.0.0.1"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    names: Vec<String>,
    networks: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    /// Parses a comma-separated list; see [`NoProxy`] for the entries it understands.
    pub fn parse(list: &str) -> Self {
        let mut parsed = Self::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                parsed.all = true;
            } else if let Some(network) = network(entry) {
                parsed.networks.push(network);
            } else {
                let name = entry.trim_start_matches("*.").trim_start_matches('.');
                parsed.names.push(normalize(name));
            }
        }
        parsed
    }

    /// Whether `host` (a name, or an IP address with or without brackets) is on the list.
    pub fn matches(&self, host: &str) -> bool {
        if self.all {
            return true;
        }
        let host = normalize(host);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self
                .networks
                .iter()
                .any(|&(network, bits)| in_network(ip, network, bits));
        }
        self.names.iter().any(|name| {
            !name.is_empty()
                && host
                    .strip_suffix(name.as_str())
                    .is_some_and(|head| head.is_empty() || head.ends_with('.'))
        })
    }
}

/// Lower case, without IPv6 brackets or a trailing root dot.
fn normalize(host: &str) -> String {
    let host = host.strip_prefix('[').unwrap_or(host);
    let host = host.strip_suffix(']').unwrap_or(host);
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// An IP address (as a full-length network) or an `address/bits` network.
fn network(entry: &str) -> Option<(IpAddr, u8)> {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => (address, Some(bits.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let ip = normalize(address).parse::<IpAddr>().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((ip, bits))
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    let prefix = |bytes: &[u8], other: &[u8]| {
        let whole = usize::from(bits / 8);
        let rest = bits % 8;
        bytes[..whole] == other[..whole]
            && (rest == 0 || {
                let mask = 0xffu8 << (8 - rest);
                bytes[whole] & mask == other[whole] & mask
            })
    };
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => prefix(&ip.octets(), &network.octets()),
        (IpAddr::V6(ip), IpAddr::V6(network)) => prefix(&ip.octets(), &network.octets()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn urls_parse_with_defaults_and_decoded_credentials() {
        let proxy = Proxy::parse("http://us%40er:p%3Ass@Proxy.Corp:3128/").unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.corp", 3128));
        let credentials = proxy.credentials().unwrap();
        assert_eq!(
            (credentials.username(), credentials.password()),
            ("us@er", "p:ss")
        );
        let bare = Proxy::parse("10.0.0.1").unwrap();
        assert_eq!(
            (bare.authority(), bare.credentials()),
            ("10.0.0.1:80".to_owned(), None)
        );
        assert_eq!(
            Proxy::parse("http://[::1]:8080").unwrap().authority(),
            "[::1]:8080"
        );
        let user_only = Proxy::parse("http://alice@proxy:1").unwrap();
        assert_eq!(user_only.credentials().unwrap().password(), "");
    }

    #[test]
    fn unusable_urls_are_refused_without_quoting_them() {
        for url in [
            "https://alice:pw-secret@proxy:3128",
            "socks5://alice:pw-secret@proxy:1080",
            "http://alice:pw-secret@proxy:3128/path",
            "http://alice:pw-secret@proxy:3128/?q",
            "http://alice:pw-secret@:3128",
            "http://alice:pw-secret@proxy:99999",
        ] {
            let err = Proxy::parse(url).unwrap_err();
            assert!(matches!(
                err,
                ConfigError::InvalidProxy {
                    setting: "proxy",
                    ..
                }
            ));
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("pw-secret"), "{shown}");
        }
    }

    #[test]
    fn environment_is_read_in_order_and_explicit_settings_win() {
        let vars = [
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("no_proxy", "pyxis.example"),
        ];
        let found = ProxyPolicy::Environment
            .resolve(env(&vars))
            .unwrap()
            .unwrap();
        assert_eq!(found.authority(), "upper:1");
        assert!(!found.applies_to(&uri("https://pyxis.example/graphql/")));
        let lower = [("HTTPS_PROXY", " "), ("https_proxy", "lower:2")];
        let found = ProxyPolicy::Environment
            .resolve(env(&lower))
            .unwrap()
            .unwrap();
        assert_eq!(found.authority(), "lower:2");
        assert!(found.applies_to(&uri("https://pyxis.example/graphql/")));
        assert_eq!(ProxyPolicy::Environment.resolve(env(&[])).unwrap(), None);
        assert_eq!(ProxyPolicy::Direct.resolve(env(&vars)).unwrap(), None);
        let explicit = Proxy::parse("http://mine:3").unwrap();
        let chosen = ProxyPolicy::Via(explicit.clone())
            .resolve(env(&vars))
            .unwrap();
        assert_eq!(chosen, Some(explicit));
        assert!(chosen.unwrap().applies_to(&uri("https://pyxis.example/")));
    }

    #[test]
    fn a_bad_environment_value_names_its_variable_not_its_value() {
        let vars = [("https_proxy", "ftp://bob:pw-secret@proxy")];
        let err = ProxyPolicy::Environment.resolve(env(&vars)).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains("https_proxy") && !shown.contains("pw-secret"),
            "{shown}"
        );
    }

    #[test]
    fn only_https_requests_go_through_the_proxy() {
        let proxy = Proxy::parse("proxy:3128").unwrap();
        assert!(proxy.applies_to(&uri("https://pyxis.example/graphql/")));
        assert!(!proxy.applies_to(&uri("http://pyxis.example/graphql/")));
        assert!(!proxy.applies_to(&uri("/graphql/")));
    }

    #[test]
    fn no_proxy_matches_names_suffixes_addresses_and_networks() {
        let list = NoProxy::parse(
            " example.com ,*.corp, .internal., 192.168.0.0/16, fe80::/10, 10.0.0.7, bad/99, ",
        );
        for host in [
            "example.com",
            "Pyxis.Example.com.",
            "a.corp",
            "corp",
            "x.internal",
            "192.168.4.5",
            "[fe80::1]",
            "10.0.0.7",
        ] {
            assert!(list.matches(host), "{host}");
        }
        for host in [
            "notexample.com",
            "example.org",
            "10.0.0.8",
            "193.168.0.1",
            "[fe00::1]",
            "bad",
        ] {
            assert!(!list.matches(host), "{host}");
        }
        assert!(NoProxy::parse("*").matches("anything"));
        assert!(!NoProxy::parse("").matches("anything"));
        assert!(NoProxy::parse("0.0.0.0/0").matches("8.8.8.8"));
        assert!(NoProxy::parse("10.0.0.0/7").matches("11.255.0.1"));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let proxy = Proxy::parse("http://alice:pw-secret@proxy:3128")
            .unwrap()
            .with_credentials(ProxyCredentials::new("bob", "other-secret"));
        let policy = ProxyPolicy::Via(proxy);
        let shown = format!("{policy:?} {policy:#?}");
        assert!(
            shown.contains("bob") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn transport_options_keep_the_setting_and_never_show_the_password() {
        use crate::TransportOptions;
        let proxy = Proxy::parse("http://alice:pw-secret@proxy:3128").unwrap();
        let builder = TransportOptions::builder().proxy(proxy.clone());
        assert!(!format!("{builder:?}").contains("pw-secret"));
        let options = builder.build().unwrap();
        assert_eq!(options.proxy(), &ProxyPolicy::Via(proxy));
        assert!(!format!("{options:?} {options:#?}").contains("pw-secret"));
        let direct = TransportOptions::builder().without_proxy().build().unwrap();
        assert_eq!(direct.proxy(), &ProxyPolicy::Direct);
        let default = TransportOptions::default();
        assert_eq!(default.proxy(), &ProxyPolicy::Environment);
        let back = TransportOptions::builder()
            .without_proxy()
            .proxy_policy(ProxyPolicy::Environment)
            .build()
            .unwrap();
        assert_eq!(back.proxy(), &ProxyPolicy::Environment);
    }
}
