//! Safe defaults, checked over the wire on every runtime adapter against the embedded loopback
//! Pyxis.
//!
//! - **TLS verification is always on.** No option turns it off (`Config` has none, and the
//!   adapters build their TLS from it alone); `tests/adapters`
//!   (`an_untrusted_server_is_a_tls_error`, `a_missing_or_untrusted_client_certificate_is_a_tls_error`)
//!   shows an untrusted server and a refused client certificate failing on every adapter, so
//!   they are not repeated here. What is checked here: `http://` only with the explicitly named
//!   `allow_http(true)`, and an `https://` endpoint never falling back to plain HTTP.
//! - **Secrets stay secret.** The private key is handed over once, as bytes
//!   (`Identity::from_pem`), and `Debug`/`Display` of configs, identities, keys, clients,
//!   transports and every `Error` variant met over the wire never show the API key or any of
//!   the key's PEM.
//! - **User input only travels as GraphQL variables**, and filters match it literally.
//! - **Limits**: a deeply nested body is a typed `Error::Decode` (no stack overflow), and
//!   `Config::max_items` stops a crawl after its first page with `Error::TooManyItems`. The
//!   response size cap is covered by `tests/adapters` (`a_body_over_the_cap_is_refused_while_reading`)
//!   and by the 1 GiB rows of `tests/faults`.

#[path = "adapters/runtimes.rs"]
mod runtimes;

use std::error::Error as StdError;
use std::time::Duration;

use pyxis_gql::filter::escape_regex;
use pyxis_gql::ops::{
    FindImagesByInstalledRpms, FindImagesByRepository, FindLatestImagesByNameVersion,
    FindRepositories,
};
use pyxis_gql::{
    ApiKey, Client, Config, ConfigBuilder, ConfigError, Document, Error, Identity, Query,
    RegistryPath, RetryPolicy, TransportError,
};
use pyxis_loopback::{Fault, LoopbackPyxis};
use serde_json::Value;

use crate::runtimes::Runtime;

/// The API key every client here sends: it must never show up in any output.
const API_KEY: &str = "pyxis-secret-api-key-7f3a9c2e";

/// Instantiates every per-adapter test for one runtime.
macro_rules! security_for {
    ($module:ident, $runtime:ty) => {
        mod $module {
            #[test]
            fn allow_http_talks_to_a_plain_http_server() {
                super::allow_http_talks_to_a_plain_http_server::<$runtime>();
            }
            #[test]
            fn an_https_endpoint_never_falls_back_to_plain_http() {
                super::an_https_endpoint_never_falls_back_to_plain_http::<$runtime>();
            }
            #[test]
            fn the_private_key_is_read_once_from_memory() {
                super::the_private_key_is_read_once_from_memory::<$runtime>();
            }
            #[test]
            fn secrets_never_show_in_debug_or_display() {
                super::secrets_never_show_in_debug_or_display::<$runtime>();
            }
            #[test]
            fn user_input_only_travels_as_variables() {
                super::user_input_only_travels_as_variables::<$runtime>();
            }
            #[test]
            fn a_deeply_nested_body_is_a_decode_error() {
                super::a_deeply_nested_body_is_a_decode_error::<$runtime>();
            }
            #[test]
            fn max_items_stops_a_crawl_after_its_first_page() {
                super::max_items_stops_a_crawl_after_its_first_page::<$runtime>();
            }
        }
    };
}

security_for!(tokio, crate::runtimes::Tokio);
security_for!(smol, crate::runtimes::Smol);
security_for!(async_std, crate::runtimes::AsyncStd);

/// A config that trusts the server's CA, presents its client certificate and sends [`API_KEY`].
fn config<R: Runtime>(server: &LoopbackPyxis) -> ConfigBuilder {
    Config::builder()
        .endpoint(R::endpoint(server.url()))
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .api_key(ApiKey::new(API_KEY))
        .retry(RetryPolicy::never())
        .attempt_timeout(Duration::from_secs(20))
}

fn client_for<R: Runtime>(config: ConfigBuilder) -> Client<R::Transport> {
    let config = config.build().expect("a valid config");
    Client::from_config(
        R::transport(config.transport()).expect("a transport"),
        &config,
    )
}

fn some_repository(server: &LoopbackPyxis) -> RegistryPath {
    let first = &server.dataset().repositories[0];
    RegistryPath::new(
        first["registry"].as_str().expect("a registry"),
        first["repository"].as_str().expect("a repository"),
    )
}

// ---------------------------------------------------------------------------------------------
// http:// only when asked for by name

#[test]
fn plain_http_is_refused_unless_allowed_by_name() {
    let http = "http://pyxis.example.com/api/containers/graphql/";
    assert!(matches!(
        Config::builder().endpoint(http).build(),
        Err(ConfigError::PlainHttpRefused)
    ));
    let allowed = Config::builder()
        .endpoint(http)
        .allow_http(true)
        .build()
        .expect("allowed by name");
    assert_eq!(allowed.endpoint().uri().scheme_str(), Some("http"));
    // The default endpoint, and an https endpoint with allow_http, stay https.
    assert_eq!(
        Config::builder()
            .build()
            .unwrap()
            .endpoint()
            .uri()
            .scheme_str(),
        Some("https")
    );
    let https = Config::builder()
        .endpoint("https://pyxis.example.com/")
        .allow_http(true)
        .build()
        .unwrap();
    assert_eq!(https.endpoint().uri().scheme_str(), Some("https"));
    // allow_http(false) undoes an earlier allow_http(true).
    assert!(matches!(
        Config::builder()
            .endpoint(http)
            .allow_http(true)
            .allow_http(false)
            .build(),
        Err(ConfigError::PlainHttpRefused)
    ));
    // No other scheme, allowed or not.
    for other in ["ftp://pyxis.example.com/", "ws://pyxis.example.com/"] {
        assert!(matches!(
            Config::builder().endpoint(other).allow_http(true).build(),
            Err(ConfigError::UnsupportedScheme(_))
        ));
    }
}

fn allow_http_talks_to_a_plain_http_server<R: Runtime>() {
    let server = LoopbackPyxis::builder()
        .plain_http(true)
        .require_client_cert(false)
        .start();
    assert!(server.url().starts_with("http://"));
    let endpoint = R::endpoint(server.url());
    assert!(matches!(
        Config::builder().endpoint(endpoint.clone()).build(),
        Err(ConfigError::PlainHttpRefused)
    ));
    let client = client_for::<R>(
        Config::builder()
            .endpoint(endpoint)
            .allow_http(true)
            .page_size(100),
    );
    let path = some_repository(&server);
    R::block_on(async {
        let found = client.get_repository_by_registry_path(&path).await.unwrap();
        assert_eq!(found.and_then(|r| r.registry_path()), Some(path));
        let all = client
            .find_repositories(FindRepositories::new())
            .await
            .unwrap();
        assert_eq!(all.len(), 405);
    });
}

fn an_https_endpoint_never_falls_back_to_plain_http<R: Runtime>() {
    let server = LoopbackPyxis::builder()
        .plain_http(true)
        .require_client_cert(false)
        .start();
    let https = R::endpoint(server.url().replacen("http://", "https://", 1));
    let client = client_for::<R>(Config::builder().endpoint(https));
    let error = R::block_on(client.get_repository_by_registry_path(&some_repository(&server)))
        .expect_err("a TLS client cannot talk to a plain HTTP server");
    assert!(
        matches!(error, Error::Transport(TransportError::Tls(_))),
        "{error:?}"
    );
    assert_eq!(
        server.request_count(),
        0,
        "no request went out in the clear"
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// The base64 lines of a PEM private key.
fn key_body(pem: &str) -> Vec<String> {
    let lines: Vec<String> = pem
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("-----"))
        .map(str::to_owned)
        .collect();
    assert!(!lines.is_empty(), "a PEM key has a body");
    lines
}

/// Asserts that `shown` holds neither the API key nor any line of the keys' PEM.
fn assert_no_secret(what: &str, shown: &str, keys: &[Vec<String>]) {
    assert!(
        !shown.contains(API_KEY),
        "{what} shows the API key: {shown}"
    );
    assert!(
        !shown.contains("PRIVATE KEY"),
        "{what} shows a PEM key: {shown}"
    );
    for line in keys.iter().flatten() {
        // Any 16 characters of a key line would be a leak; check a few windows of each line.
        let windows = line.len().saturating_sub(16).max(1);
        for start in (0..windows).step_by(8) {
            let end = (start + 16).min(line.len());
            assert!(
                !shown.contains(&line[start..end]),
                "{what} shows key material: {shown}"
            );
        }
    }
}

/// Checks `Debug`, `Display` and every source's `Display` of an error.
fn assert_error_keeps_secrets(what: &str, error: &(dyn StdError + 'static), keys: &[Vec<String>]) {
    assert_no_secret(&format!("{what} (Debug)"), &format!("{error:?}"), keys);
    let mut next = Some(error);
    let mut depth = 0;
    while let Some(error) = next {
        assert_no_secret(
            &format!("{what} (Display, source {depth})"),
            &error.to_string(),
            keys,
        );
        next = error.source();
        depth += 1;
    }
}

fn the_private_key_is_read_once_from_memory<R: Runtime>() {
    let server = LoopbackPyxis::start();
    // The key comes from a file the caller reads once; the transport only ever sees the bytes.
    let dir = std::env::temp_dir().join(format!(
        "pyxis-security-{}-{}",
        std::process::id(),
        std::any::type_name::<R>()
            .rsplit("::")
            .next()
            .unwrap_or("runtime")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("client.key");
    std::fs::write(&key_file, server.client_key_pem()).unwrap();
    let key = std::fs::read(&key_file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let client = client_for::<R>(
        config::<R>(&server).identity(Identity::from_pem(server.client_cert_pem().into(), key)),
    );
    let path = some_repository(&server);
    R::block_on(async {
        assert!(
            client
                .get_repository_by_registry_path(&path)
                .await
                .unwrap()
                .is_some()
        );
        // Dropping the connection forces a second handshake, long after the file is gone.
        server.push_fault(Fault::ConnectionReset);
        assert!(client.get_repository_by_registry_path(&path).await.is_err());
        assert!(
            client
                .get_repository_by_registry_path(&path)
                .await
                .unwrap()
                .is_some()
        );
    });
    assert!(
        server.connection_count() >= 2,
        "a second TLS handshake happened"
    );
}

fn secrets_never_show_in_debug_or_display<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let (untrusted_cert, untrusted_key) = LoopbackPyxis::untrusted_client_identity();
    let keys = [key_body(&server.client_key_pem()), key_body(&untrusted_key)];
    let path = some_repository(&server);

    // Configuration values and the client over each transport.
    let builder = config::<R>(&server);
    assert_no_secret("ConfigBuilder", &format!("{builder:?}"), &keys);
    let built = builder.clone().build().unwrap();
    assert_no_secret("Config", &format!("{built:?}"), &keys);
    let identity = built.transport().identity().expect("an identity");
    assert_no_secret("Identity", &format!("{identity:?}"), &keys);
    assert_no_secret("ApiKey", &format!("{:?}", ApiKey::new(API_KEY)), &keys);
    let client = client_for::<R>(builder.clone());
    assert_no_secret("Client", &format!("{client:?}"), &keys);
    assert_no_secret("Client", &format!("{client:#?}"), &keys);
    assert_no_secret("Transport", &format!("{:?}", client.transport()), &keys);

    // A key that is not a valid header value is refused without being quoted.
    let refused = Config::builder()
        .api_key(ApiKey::new(format!("{API_KEY}\n")))
        .build()
        .expect_err("a newline is not a header value");
    assert_error_keeps_secrets("ConfigError", &refused, &keys);

    // Every Error variant, as the client meets it.
    let mut seen = Vec::new();
    let mut check = |what: &str, error: Error| {
        assert_error_keeps_secrets(what, &error, &keys);
        seen.push(format!("{what}: {}", variant(&error)));
    };
    let one = |fault: Fault| {
        server.push_fault(fault);
        R::block_on(client.get_repository_by_registry_path(&path)).expect_err("a fault")
    };
    check(
        "HTTP status",
        one(Fault::Status {
            code: 500,
            retry_after: None,
        }),
    );
    check(
        "GraphQL errors",
        one(Fault::GraphQlErrors {
            with_partial_data: true,
        }),
    );
    check("Pyxis error", one(Fault::MongoTimeout));
    check("decoding", one(Fault::MalformedJson));
    check("body cap", one(Fault::HugeBody { bytes: 1 << 30 }));
    check("connection closed", one(Fault::ConnectionReset));
    let crawl = |builder: ConfigBuilder, page: u64, fault: Option<Fault>| {
        if let Some(fault) = fault {
            server.push_fault_for_page("find_repositories", page, fault);
        }
        // One page at a time: a failed crawl then leaves no request in flight that could reach
        // the server late and take the fault queued for the next crawl.
        let client = client_for::<R>(builder.page_size(100).page_concurrency(1));
        R::block_on(client.find_repositories(FindRepositories::new())).expect_err("a failed crawl")
    };
    check(
        "pagination",
        crawl(
            config::<R>(&server),
            1,
            Some(Fault::ChangedTotal { delta: -1 }),
        ),
    );
    check(
        "incomplete crawl",
        crawl(
            config::<R>(&server),
            2,
            Some(Fault::Status {
                code: 400,
                retry_after: None,
            }),
        ),
    );
    check(
        "too many items",
        crawl(config::<R>(&server).max_items(10), 0, None),
    );
    let impatient =
        client_for::<R>(config::<R>(&server).attempt_timeout(Duration::from_millis(300)));
    server.push_fault(Fault::NoAnswer);
    check(
        "timeout",
        R::block_on(impatient.get_repository_by_registry_path(&path)).unwrap_err(),
    );
    // TLS: a server this client does not trust.
    let untrusting = client_for::<R>(
        Config::builder()
            .endpoint(R::endpoint(server.url()))
            .identity(Identity::from_pem(
                server.client_cert_pem().into(),
                server.client_key_pem().into(),
            ))
            .api_key(ApiKey::new(API_KEY)),
    );
    check(
        "TLS",
        R::block_on(untrusting.get_repository_by_registry_path(&path)).unwrap_err(),
    );
    // Connect: nothing listens on the port.
    let closed = {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        listener.local_addr().unwrap().port()
    };
    let nowhere = client_for::<R>(
        config::<R>(&server)
            .endpoint(R::endpoint(format!(
                "https://127.0.0.1:{closed}/api/containers/graphql/"
            )))
            .retry(RetryPolicy::never()),
    );
    check(
        "connect",
        R::block_on(nowhere.get_repository_by_registry_path(&path)).unwrap_err(),
    );
    // Transport configuration: unusable keys, including a valid key that does not match the
    // certificate and PEM whose body is the API key itself.
    let garbage =
        format!("-----BEGIN PRIVATE KEY-----\n{API_KEY}{API_KEY}\n-----END PRIVATE KEY-----\n");
    let not_base64 =
        format!("-----BEGIN PRIVATE KEY-----\n{API_KEY} !!!\n-----END PRIVATE KEY-----\n");
    for (what, cert, key) in [
        (
            "mismatched key",
            server.client_cert_pem(),
            untrusted_key.clone(),
        ),
        ("key PEM of the API key", untrusted_cert.clone(), garbage),
        (
            "key PEM that is not base64",
            untrusted_cert.clone(),
            not_base64,
        ),
    ] {
        let config = config::<R>(&server)
            .identity(Identity::from_pem(cert.into(), key.into()))
            .build()
            .unwrap();
        match R::transport(config.transport()) {
            Err(error) => check(what, Error::from(error)),
            // A key rustls accepts at setup fails at the handshake instead.
            Ok(transport) => {
                let client = Client::from_config(transport, &config);
                assert_no_secret(what, &format!("{client:?}"), &keys);
                check(
                    what,
                    R::block_on(client.get_repository_by_registry_path(&path)).unwrap_err(),
                );
            }
        }
    }
    // The one variant no response can produce.
    let encode = serde_json::from_str::<u8>("x").unwrap_err();
    check("encoding", Error::Encode(encode));
    eprintln!("variants checked: {seen:#?}");
}

/// The variant's name, and the transport error's.
fn variant(error: &Error) -> String {
    let debug = format!("{error:?}");
    let name = debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("?")
        .to_owned();
    match error {
        Error::Transport(inner) => {
            let inner = format!("{inner:?}");
            format!(
                "{name}({})",
                inner.split(['(', ' ', '{']).next().unwrap_or("?")
            )
        }
        _ => name,
    }
}

// ---------------------------------------------------------------------------------------------
// User input only as variables

/// Strings a caller might pass, on purpose or not.
fn hostile_strings() -> Vec<(&'static str, String)> {
    let megabyte: String = r#"x"}) { __schema { types { name } } } .*+?^$[](){}|\#"#
        .chars()
        .cycle()
        .take(1 << 20)
        .collect();
    vec![
        ("quotes", r#"ubi9/ubi" "#.to_owned()),
        ("braces", "}{}{".to_owned()),
        (
            "query injection",
            r#"") { __schema { types { name } } } query X { find_images(filter: {"#.to_owned(),
        ),
        ("variable syntax", "$filter".to_owned()),
        ("regex: match all", ".*".to_owned()),
        (
            "regex: anchors and classes",
            "^[a-z].+(ubi|rhel)?$".to_owned(),
        ),
        ("regex: inline flag", "(?i)UBI9/UBI".to_owned()),
        ("escapes", "back\\slash \u{0} \n \t \u{2028} é".to_owned()),
        ("1 MiB", megabyte),
    ]
}

/// Whether `value` holds the string `text` anywhere.
fn holds(value: &Value, text: &str) -> bool {
    match value {
        Value::String(s) => s == text,
        Value::Array(items) => items.iter().any(|item| holds(item, text)),
        Value::Object(map) => map.values().any(|item| holds(item, text)),
        _ => false,
    }
}

/// Runs one operation and checks every request it sent: the query text is the operation's
/// constant document, byte for byte, and the hostile text travels unchanged in the variables.
fn check_sent(
    server: &LoopbackPyxis,
    what: &str,
    document: &Document,
    hostile: &str,
    found: usize,
) {
    let seen = server.requests();
    server.clear_requests();
    assert!(!seen.is_empty(), "{what}: nothing sent");
    for request in &seen {
        let body = request.json.as_ref().expect("a JSON body");
        assert_eq!(
            body["query"].as_str(),
            Some(document.text()),
            "{what}: the query text is the constant document"
        );
        assert_eq!(
            body["operationName"].as_str(),
            Some(document.operation_name()),
            "{what}"
        );
        assert!(
            holds(&body["variables"], hostile),
            "{what}: the text travels unchanged in the variables"
        );
    }
    assert_eq!(found, 0, "{what}: a hostile name matches nothing");
}

fn user_input_only_travels_as_variables<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client_for::<R>(config::<R>(&server).max_body_bytes(64 << 20));
    for (case, s) in hostile_strings() {
        let s = s.as_str();
        let what = |op: &str| format!("{case} / {op}");
        R::block_on(async {
            let op = FindRepositories::new()
                .names([s])
                .release_categories([s])
                .auto_rebuild_tags([s]);
            let document = op.document().clone();
            let found = client.find_repositories(op).await.unwrap();
            check_sent(
                &server,
                &what("find_repositories"),
                &document,
                s,
                found.len(),
            );

            let found = client
                .find_repositories_by_repository_name(s)
                .await
                .unwrap();
            check_sent(
                &server,
                &what("find_repositories_by_repository_name"),
                FindRepositories::new().document(),
                s,
                found.len(),
            );

            let found = client
                .find_repositories_by_registry_paths([RegistryPath::new(s, s)])
                .await
                .unwrap();
            check_sent(
                &server,
                &what("find_repositories_by_registry_paths"),
                FindRepositories::new().document(),
                s,
                found.len(),
            );

            let op = pyxis_gql::ops::GetRepositoryByRegistryPath::new(RegistryPath::new(s, s));
            let found = client
                .get_repository_by_registry_path(&RegistryPath::new(s, s))
                .await
                .unwrap();
            check_sent(
                &server,
                &what("get_repository_by_registry_path"),
                Query::document(&op),
                s,
                usize::from(found.is_some()),
            );

            for rpms in [false, true] {
                let op = pyxis_gql::ops::FindImagesByNvr::new(s, rpms);
                let found = client.find_images_by_nvr(s, rpms).await.unwrap();
                check_sent(
                    &server,
                    &what(&format!("find_images_by_nvr, rpms {rpms}")),
                    op.document(),
                    s,
                    found.len(),
                );

                let op = pyxis_gql::ops::FindImagesByNvrs::new([s], rpms);
                let found = client.find_images_by_nvrs([s], rpms).await.unwrap();
                check_sent(
                    &server,
                    &what(&format!("find_images_by_nvrs, rpms {rpms}")),
                    op.document(),
                    s,
                    found.len(),
                );
            }

            let op = FindImagesByInstalledRpms::new([s])
                .content_sets([s])
                .repositories([s])
                .tags([s]);
            let document = op.document().clone();
            let found = client.find_images_by_installed_rpms(op).await.unwrap();
            check_sent(
                &server,
                &what("find_images_by_installed_rpms"),
                &document,
                s,
                found.len(),
            );

            let op = pyxis_gql::ops::FindImagesByNames::new([s]);
            let found = client.find_images_by_names([s]).await.unwrap();
            check_sent(
                &server,
                &what("find_images_by_names"),
                op.document(),
                s,
                found.len(),
            );

            let op = FindImagesByRepository::new(s).auto_rebuild_tags([s]);
            let document = op.document().clone();
            let found = client.find_images_by_repository(op).await.unwrap();
            check_sent(
                &server,
                &what("find_images_by_repository"),
                &document,
                s,
                found.len(),
            );

            // The name is sent as is (an `eq`), and inside the build pattern escaped. Nothing
            // matches, so the candidates' crawl is all that is sent.
            let op = FindLatestImagesByNameVersion::new(s, s).content_sets([s]);
            let document = op.candidates().document().clone();
            let pattern = format!("^{}-{}-.*", escape_regex(s), escape_regex(s));
            let found = match client.find_latest_images_by_name_version(op).await {
                Ok(found) => found.len(),
                // The loopback, like MongoDB, refuses a pattern over 32 764 bytes: an error,
                // never a match-everything.
                Err(Error::GraphQl { errors, .. })
                    if pattern.len() > 32 << 10
                        && errors.iter().all(|e| e.message.contains("too long")) =>
                {
                    0
                }
                Err(error) => panic!("{case}: latest images: {:.300}", error.to_string()),
            };
            let seen = server.requests();
            assert!(
                seen.iter().all(|request| request
                    .json
                    .as_ref()
                    .is_some_and(|body| holds(&body["variables"], &pattern))),
                "{case}: the build pattern is the escaped text"
            );
            check_sent(
                &server,
                &what("find_latest_images_by_name_version"),
                &document,
                s,
                found,
            );
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Limits

fn a_deeply_nested_body_is_a_decode_error<R: Runtime>() {
    let server = LoopbackPyxis::start();
    // Two million bracket pairs: far past any recursion a parser could survive on a 2 MiB stack.
    let client = client_for::<R>(config::<R>(&server).max_body_bytes(16 << 20));
    let path = some_repository(&server);
    for in_errors in [false, true] {
        server.push_fault(Fault::DeepNesting {
            depth: 2_000_000,
            in_errors,
        });
        let error = R::block_on(client.get_repository_by_registry_path(&path)).unwrap_err();
        assert!(
            matches!(error, Error::Decode { .. }),
            "in_errors {in_errors}: {error:?}"
        );
        server.push_fault_for_page(
            "find_repositories",
            0,
            Fault::DeepNesting {
                depth: 2_000_000,
                in_errors,
            },
        );
        let error = R::block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
        assert!(
            matches!(error, Error::Decode { .. }),
            "in_errors {in_errors}: {error:?}"
        );
    }
}

fn max_items_stops_a_crawl_after_its_first_page<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client_for::<R>(config::<R>(&server).max_items(10).page_size(50));
    let error = R::block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(
            error,
            Error::TooManyItems {
                limit: 10,
                found: 405
            }
        ),
        "{error:?}"
    );
    let pages: Vec<Value> = server
        .requests()
        .iter()
        .map(|request| request.json.as_ref().unwrap()["variables"]["page"].clone())
        .collect();
    assert_eq!(pages, [Value::from(0)], "only the first page was asked for");

    // The stream stops as early, with nothing before the error.
    server.clear_requests();
    let items: Vec<_> = R::block_on(futures_util::StreamExt::collect::<Vec<_>>(
        client.stream(FindRepositories::new()),
    ));
    assert!(
        matches!(items[..], [Err(Error::TooManyItems { .. })]),
        "{items:?}"
    );
    assert_eq!(server.requests().len(), 1);

    // Exactly at the limit is fine; one below is not.
    let at_limit = client_for::<R>(config::<R>(&server).max_items(405).page_size(50));
    assert_eq!(
        R::block_on(at_limit.find_repositories(FindRepositories::new()))
            .unwrap()
            .len(),
        405
    );
    let below = client_for::<R>(config::<R>(&server).max_items(404).page_size(50));
    assert!(matches!(
        R::block_on(below.find_repositories(FindRepositories::new())),
        Err(Error::TooManyItems {
            limit: 404,
            found: 405
        })
    ));
}
