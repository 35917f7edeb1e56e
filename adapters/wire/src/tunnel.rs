//! The proxy tunnel.
//!
//! [`proxy_from_env`] turns a [`ProxyPolicy`] into the proxy to use, reading `HTTPS_PROXY` and
//! `NO_PROXY` from the process environment (the core reads no environment).
//! [`connect_request`] writes the `CONNECT` request and [`open`] drives the exchange on a
//! TCP stream already connected to the proxy: once it returns, the stream is a byte pipe to the
//! server, and the adapter runs TLS to the server over it exactly as over a direct connection.
//!
//! The proxy's answer is read with `httparse`; a 2xx opens the tunnel, anything else is
//! [`TransportError::ProxyRefused`] with its status.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use base64::Engine as _;
use futures_lite::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use pyxis_gql::{BoxError, Proxy, ProxyPolicy, TransportError};

/// The longest proxy answer head read before giving up.
const MAX_HEAD: usize = 8 * 1024;

/// The proxy `policy` selects, with the environment read from this process.
///
/// # Errors
///
/// [`TransportError::Config`] when the proxy variable holds no usable proxy URL (the error
/// names the variable and never quotes its value).
pub fn proxy_from_env(policy: &ProxyPolicy) -> Result<Option<Proxy>, TransportError> {
    policy
        .resolve(|name| std::env::var(name).ok())
        .map_err(|err| TransportError::Config(Box::new(err)))
}

/// The `CONNECT` request for `host:port`, with `Proxy-Authorization: Basic` when the proxy has
/// credentials. `host` may be an IPv6 address, with or without brackets.
///
/// ```
/// let proxy = pyxis_gql::Proxy::parse("http://alice:secret@proxy:3128").unwrap();
/// let request = pyxis_gql_wire::connect_request(&proxy, "pyxis.example", 443);
/// assert_eq!(
///     String::from_utf8(request).unwrap(),
///     "CONNECT pyxis.example:443 HTTP/1.1\r\nHost: pyxis.example:443\r\n\
///      Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n"
/// );
/// ```
pub fn connect_request(proxy: &Proxy, host: &str, port: u16) -> Vec<u8> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(credentials) = proxy.credentials() {
        let pair = format!("{}:{}", credentials.username(), credentials.password());
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        request.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// Asks the proxy at the other end of `stream` for a tunnel to `host:port` and reads its answer.
///
/// # Errors
///
/// [`TransportError::ProxyRefused`] with the status of a non-2xx answer;
/// [`TransportError::Connect`] when the proxy connection fails or closes before a whole answer,
/// or the answer is not HTTP. No error holds the credentials.
pub async fn open<S>(
    stream: &mut S,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let failed = |what: &'static str, source: Option<io::Error>| {
        TransportError::Connect(Box::new(TunnelError {
            what,
            proxy: proxy.authority(),
            source,
        }))
    };
    stream
        .write_all(&connect_request(proxy, host, port))
        .await
        .map_err(|err| failed("sending CONNECT to", Some(err)))?;
    stream
        .flush()
        .await
        .map_err(|err| failed("sending CONNECT to", Some(err)))?;
    let mut head = Vec::with_capacity(256);
    let mut chunk = [0u8; 512];
    loop {
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|err| failed("reading the CONNECT answer of", Some(err)))?;
        if read == 0 {
            return Err(failed("the connection closed before an answer from", None));
        }
        head.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&head) {
            Ok(httparse::Status::Complete(length)) => {
                let code = response.code.unwrap_or_default();
                if !(200..300).contains(&code) {
                    return Err(TransportError::ProxyRefused {
                        status: pyxis_gql::http::StatusCode::from_u16(code).ok(),
                    });
                }
                // The server speaks only after the client's TLS hello, so anything after the
                // head came from the proxy itself and would corrupt the TLS stream.
                if length != head.len() {
                    return Err(failed("unexpected bytes after the CONNECT answer of", None));
                }
                return Ok(());
            }
            Ok(httparse::Status::Partial) if head.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(failed("an over-long CONNECT answer from", None));
            }
            Err(_) => return Err(failed("a CONNECT answer that is not HTTP from", None)),
        }
    }
}

/// A tunnel that could not be opened: what went wrong, and with which proxy (host and port
/// only, never its credentials).
#[derive(Debug)]
struct TunnelError {
    what: &'static str,
    proxy: String,
    source: Option<io::Error>,
}

impl fmt::Display for TunnelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} proxy {}", self.what, self.proxy)
    }
}

impl StdError for TunnelError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|err| err as &(dyn StdError + 'static))
    }
}

/// An error for a failed TCP connect to `proxy`, naming it (never its credentials).
pub fn proxy_connect_error(proxy: &Proxy, source: io::Error) -> BoxError {
    Box::new(TunnelError {
        what: "connecting to",
        proxy: proxy.authority(),
        source: Some(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::block_on;
    use futures_lite::io::Cursor;

    /// A proxy's side of the exchange: what it answers, and what it was sent.
    struct Scripted {
        answer: Cursor<Vec<u8>>,
        sent: Vec<u8>,
    }

    impl AsyncRead for Scripted {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<io::Result<usize>> {
            // A few bytes at a time, so that every head arrives in pieces.
            let len = buf.len().min(7);
            std::pin::Pin::new(&mut self.answer).poll_read(cx, &mut buf[..len])
        }
    }

    impl AsyncWrite for Scripted {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<io::Result<usize>> {
            self.sent.extend_from_slice(buf);
            std::task::Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    fn exchange(answer: &str) -> (Result<(), TransportError>, String) {
        let proxy = Proxy::parse("http://bob:pw-secret@proxy:3128").unwrap();
        let mut stream = Scripted {
            answer: Cursor::new(answer.as_bytes().to_vec()),
            sent: Vec::new(),
        };
        let result = block_on(open(&mut stream, &proxy, "[::1]", 8443));
        (result, String::from_utf8(stream.sent).unwrap())
    }

    fn shown(err: &TransportError) -> String {
        let mut text = format!("{err} {err:?}");
        let mut next = err.source();
        while let Some(err) = next {
            text.push_str(&format!(" {err} {err:?}"));
            next = err.source();
        }
        text
    }

    #[test]
    fn a_2xx_answer_opens_the_tunnel() {
        let (result, sent) = exchange("HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n");
        result.unwrap();
        assert!(
            sent.starts_with("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"),
            "{sent}"
        );
        assert!(sent.contains("Proxy-Authorization: Basic Ym9iOnB3LXNlY3JldA==\r\n\r\n"));
        exchange("HTTP/1.0 204 OK\r\n\r\n").0.unwrap();
    }

    #[test]
    fn refusals_are_typed_with_their_status() {
        for (answer, code) in [
            (
                "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                407,
            ),
            ("HTTP/1.1 403 Forbidden\r\n\r\nbody", 403),
            ("HTTP/1.1 502 Bad Gateway\r\n\r\n", 502),
        ] {
            match exchange(answer).0 {
                Err(TransportError::ProxyRefused {
                    status: Some(status),
                }) => {
                    assert_eq!(status.as_u16(), code);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn broken_answers_are_connect_errors_without_credentials() {
        for answer in [
            "",
            "HTTP/1.1 200 OK\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\nextra",
        ] {
            let err = exchange(answer).0.unwrap_err();
            assert!(
                matches!(err, TransportError::Connect(_)),
                "{answer:?}: {err:?}"
            );
            let text = shown(&err);
            assert!(
                text.contains("proxy:3128") && !text.contains("pw-secret"),
                "{text}"
            );
        }
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n", "a".repeat(MAX_HEAD));
        assert!(shown(&exchange(&long).0.unwrap_err()).contains("over-long"));
    }

    #[test]
    fn no_credentials_no_authorization_header() {
        let proxy = Proxy::parse("proxy:3128").unwrap();
        let request = String::from_utf8(connect_request(&proxy, "pyxis.example", 443)).unwrap();
        assert!(!request.contains("Proxy-Authorization"), "{request}");
        assert!(proxy_from_env(&ProxyPolicy::Direct).unwrap().is_none());
    }
}
