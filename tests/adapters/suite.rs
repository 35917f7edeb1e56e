//! The tests every adapter must pass, written once over [`Runtime`].

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pyxis_gql::model::{ContainerImage, ContainerRepository};
use pyxis_gql::ops::{
    FindImagesByInstalledRpms, FindImagesByRepository, FindLatestImagesByNameVersion,
    FindRepositories,
};
use pyxis_gql::{
    ApiKey, Backoff, Client, Config, ConfigBuilder, Error, Identity, RegistryPath, RetryPolicy,
    TimeoutScope, TransportError,
};
use pyxis_loopback::{BUSY_PACKAGE, Fault, LoopbackPyxis};
use serde_json::Value;

use crate::runtimes::Runtime;

/// A config that trusts the server's CA and presents its client certificate, with quick retries.
pub(crate) fn config<R: Runtime>(server: &LoopbackPyxis) -> ConfigBuilder {
    Config::builder()
        .endpoint(R::endpoint(server.url()))
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .database_timeout_backoff(Backoff::new(
                    Duration::from_millis(20),
                    Duration::from_millis(40),
                )),
        )
        .attempt_timeout(Duration::from_secs(30))
}

pub(crate) fn client<R: Runtime>(config: ConfigBuilder) -> Client<R::Transport> {
    let config = config.build().expect("a valid config");
    Client::from_config(
        R::transport(config.transport()).expect("a transport"),
        &config,
    )
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn repository_paths(found: &[ContainerRepository]) -> Vec<String> {
    found
        .iter()
        .map(|r| r.registry_path().expect("both parts").to_string())
        .collect()
}

fn dataset_paths<'a>(repositories: impl Iterator<Item = &'a Value>) -> Vec<String> {
    repositories
        .map(|r| {
            format!(
                "{}/{}",
                text(r, "/registry").unwrap(),
                text(r, "/repository").unwrap()
            )
        })
        .collect()
}

fn builds(found: &[ContainerImage]) -> Vec<String> {
    found
        .iter()
        .map(|i| i.nvr().expect("an NVR").to_owned())
        .collect()
}

fn dataset_builds<'a>(images: impl Iterator<Item = &'a Value>) -> Vec<String> {
    images
        .map(|i| text(i, "/brew/build").unwrap().to_owned())
        .collect()
}

fn is_redhat(repository: &Value) -> bool {
    repository["vendor_label"] == "redhat"
}

fn has_rpm(image: &Value, name: &str) -> bool {
    image
        .pointer("/rpm_manifest/rpms")
        .and_then(Value::as_array)
        .is_some_and(|rpms| rpms.iter().any(|r| r["name"] == name))
}

fn in_repository(image: &Value, check: impl Fn(&Value) -> bool) -> bool {
    image["repositories"]
        .as_array()
        .is_some_and(|repositories| repositories.iter().any(check))
}

fn has_tag(repository: &Value, tag: &str) -> bool {
    repository["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t["name"] == tag))
}

pub(crate) fn every_operation_returns_what_the_server_holds<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let data = server.dataset();
    let client = client::<R>(config::<R>(&server).page_size(50).small_page_size(20));
    R::block_on(async {
        // 1. All of the vendor's repositories: 405 of them, over nine pages.
        let found = client
            .find_repositories(FindRepositories::new())
            .await
            .unwrap();
        let expected = dataset_paths(data.repositories.iter().filter(|r| is_redhat(r)));
        assert!(expected.len() > 300);
        assert_eq!(repository_paths(&found), expected);
        let first = data.repositories.iter().find(|r| is_redhat(r)).unwrap();
        assert_eq!(found[0].published, first["published"].as_bool());
        assert_eq!(
            found[0].auto_rebuild_tags.len(),
            first["auto_rebuild_tags"].as_array().map_or(0, Vec::len)
        );

        let found = client
            .find_repositories(
                FindRepositories::new()
                    .published(true)
                    .release_categories(["Generally Available"]),
            )
            .await
            .unwrap();
        let expected = dataset_paths(data.repositories.iter().filter(|r| {
            is_redhat(r)
                && r["published"] == true
                && r["release_categories"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c == "Generally Available"))
        }));
        assert!(!expected.is_empty());
        assert_eq!(repository_paths(&found), expected);

        // 2. By repository name.
        let name = text(first, "/repository").unwrap();
        let found = client
            .find_repositories_by_repository_name(name)
            .await
            .unwrap();
        let expected = dataset_paths(
            data.repositories
                .iter()
                .filter(|r| is_redhat(r) && r["repository"] == name),
        );
        assert_eq!(repository_paths(&found), expected);

        // 3. By registry paths, one of which does not exist.
        let mut paths: Vec<RegistryPath> = dataset_paths(data.repositories.iter().step_by(97))
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        let wanted: BTreeSet<String> = paths.iter().map(ToString::to_string).collect();
        paths.push(RegistryPath::new("nowhere.example", "none"));
        let found = client
            .find_repositories_by_registry_paths(paths.clone())
            .await
            .unwrap();
        assert_eq!(
            repository_paths(&found)
                .into_iter()
                .collect::<BTreeSet<_>>(),
            wanted
        );

        // 4. One repository, or none.
        let got = client
            .get_repository_by_registry_path(&paths[0])
            .await
            .unwrap()
            .expect("present");
        assert_eq!(got.registry_path().as_ref(), Some(&paths[0]));
        assert_eq!(
            client
                .get_repository_by_registry_path(paths.last().unwrap())
                .await
                .unwrap(),
            None
        );

        // 5. By NVR, with RPMs: a build with images for several architectures.
        let nvr = data
            .images
            .iter()
            .map(|i| text(i, "/brew/build").unwrap())
            .find(|nvr| data.images_by_nvr(nvr).len() > 1)
            .unwrap();
        let found = client.find_images_by_nvr(nvr, true).await.unwrap();
        let expected = data.images_by_nvr(nvr);
        assert_eq!(found.len(), expected.len());
        for (image, stored) in found.iter().zip(&expected) {
            assert_eq!(image.nvr(), Some(nvr));
            assert_eq!(image.architecture.as_deref(), text(stored, "/architecture"));
            let stored_rpms = stored
                .pointer("/rpm_manifest/rpms")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            assert_eq!(image.rpms().len(), stored_rpms);
        }

        // 6. By several NVRs, without RPMs.
        let nvrs: Vec<&str> = data
            .images
            .iter()
            .step_by(41)
            .map(|i| text(i, "/brew/build").unwrap())
            .collect();
        let found = client
            .find_images_by_nvrs(nvrs.clone(), false)
            .await
            .unwrap();
        let expected = dataset_builds(
            data.images
                .iter()
                .filter(|i| nvrs.contains(&text(i, "/brew/build").unwrap())),
        );
        assert_eq!(builds(&found), expected);
        assert!(found.iter().all(|i| i.edges.is_none()), "no RPMs asked for");

        // 7. By installed RPM, in published repositories tagged `latest`: several small pages.
        let search = FindImagesByInstalledRpms::new(["openssl"])
            .published(true)
            .tags(["latest"]);
        let found = client.find_images_by_installed_rpms(search).await.unwrap();
        let expected = dataset_builds(data.images.iter().filter(|i| {
            has_rpm(i, "openssl")
                && in_repository(i, |r| r["published"] == true && has_tag(r, "latest"))
        }));
        assert!(expected.len() > 20, "more than one page of 20");
        assert_eq!(builds(&found), expected);
        for image in &found {
            let names: BTreeSet<_> = image.rpms().iter().map(|r| r.name().unwrap()).collect();
            assert_eq!(
                names,
                BTreeSet::from(["openssl"]),
                "only the RPMs asked for are kept"
            );
        }

        // 8. By package names: published images only.
        let names = pyxis_loopback::METACHAR_PACKAGES;
        let found = client.find_images_by_names(names).await.unwrap();
        let expected = dataset_builds(data.images.iter().filter(|i| {
            names.contains(&text(i, "/brew/package").unwrap())
                && in_repository(i, |r| r["published"] == true)
        }));
        assert!(!expected.is_empty());
        assert_eq!(builds(&found), expected);

        // 9. By repository and tag.
        let repository = text(&data.images[0], "/repositories/0/repository").unwrap();
        let found = client
            .find_images_by_repository(
                FindImagesByRepository::new(repository).auto_rebuild_tags(["latest"]),
            )
            .await
            .unwrap();
        let expected = dataset_builds(data.images.iter().filter(|i| {
            in_repository(i, |r| {
                r["published"] == true && r["repository"] == repository && has_tag(r, "latest")
            })
        }));
        assert_eq!(builds(&found), expected);
    });
}

pub(crate) fn crawls_without_total_and_long_lists_in_chunks<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let data = server.dataset();
    let client = client::<R>(
        config::<R>(&server)
            .small_page_size(20)
            .page_concurrency(4)
            .chunk_size(20),
    );
    let sent = |since: usize| -> Vec<Value> {
        server.requests()[since..]
            .iter()
            .map(|request| request.json.clone().expect("a JSON body"))
            .collect()
    };
    R::block_on(async {
        // The installed-RPMs search asks for no total: pages are asked for ahead and the crawl
        // ends at the first short page, with every image, in `_id` order.
        let before = server.requests().len();
        let found = client
            .find_images_by_installed_rpms(FindImagesByInstalledRpms::new(["openssl"]))
            .await
            .unwrap();
        let expected = dataset_builds(data.images.iter().filter(|i| has_rpm(i, "openssl")));
        assert!(expected.len() > 100);
        assert_eq!(builds(&found), expected);
        let bodies = sent(before);
        assert!(
            bodies
                .iter()
                .all(|body| !body["query"].as_str().unwrap().contains("total"))
        );
        let needed = expected.len() / 20 + 1;
        assert!(
            (needed..needed + 4).contains(&bodies.len()),
            "{} requests for {needed} pages, at most 3 past the end",
            bodies.len()
        );

        // 45 NVRs (one of them twice) in chunks of 20: three queries, each image once.
        let mut nvrs: Vec<&str> = data
            .images
            .iter()
            .map(|i| text(i, "/brew/build").unwrap())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .take(45)
            .collect();
        nvrs.insert(30, nvrs[3]);
        let before = server.requests().len();
        let found = client
            .find_images_by_nvrs(nvrs.clone(), false)
            .await
            .unwrap();
        let mut expected = Vec::new();
        for chunk in nvrs.chunks(20) {
            expected.extend(dataset_builds(data.images.iter().filter(|i| {
                let build = text(i, "/brew/build").unwrap();
                chunk.contains(&build) && !(chunk != &nvrs[..20] && nvrs[..20].contains(&build))
            })));
        }
        assert_eq!(builds(&found), expected);
        let mut sizes: Vec<usize> = sent(before)
            .iter()
            .map(|body| {
                body["variables"]["filter"]["brew"]["build"]["in"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [6, 20, 20]);
    });
}

pub(crate) fn latest_images_are_the_highest_build_and_match_names_literally<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client::<R>(config::<R>(&server).page_size(5));
    R::block_on(async {
        let latest = |name: &str, version: &str| {
            client.find_latest_images_by_name_version(FindLatestImagesByNameVersion::new(
                name, version,
            ))
        };
        // Release 10 of 1.2 beats 9 (built later) and 2 (greater as text), on every
        // architecture it was built for, with RPM manifests.
        let before = server.request_count();
        let found = latest(BUSY_PACKAGE, "1.2").await.unwrap();
        let mut expected = dataset_builds(
            server
                .dataset()
                .images_by_nvr(&format!("{BUSY_PACKAGE}-1.2-10"))
                .into_iter(),
        );
        expected.sort();
        assert_eq!(builds(&found), expected);
        assert_eq!(found.len(), 3, "three architectures");
        assert!(found.iter().all(|image| !image.rpms().is_empty()));
        // 12 candidate images in pages of 5, then one page of the build's images.
        assert_eq!(server.request_count() - before, 4);

        // `a.b` must not match `axb`; `foo++` must match literally.
        let found = latest("a.b-container", "1.0").await.unwrap();
        assert_eq!(builds(&found), ["a.b-container-1.0-2"]);
        assert_eq!(
            builds(&latest("foo++-container", "2.0").await.unwrap()),
            ["foo++-container-2.0-3"]
        );
        assert!(
            latest("a.b-container", "1.").await.unwrap().is_empty(),
            "the version is literal too"
        );
    });
}

fn tls_failure(error: &Error) -> bool {
    matches!(error, Error::Transport(TransportError::Tls(_)))
}

pub(crate) fn a_missing_or_untrusted_client_certificate_is_a_tls_error<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let path = RegistryPath::new("registry.access.redhat.com", "none");
    let (cert, key) = LoopbackPyxis::untrusted_client_identity();
    let without = Config::builder()
        .endpoint(R::endpoint(server.url()))
        .add_root_certificate_pem(server.ca_pem());
    let untrusted = without
        .clone()
        .identity(Identity::from_pem(cert.into(), key.into()));
    for (case, builder) in [
        ("no certificate", without),
        ("untrusted certificate", untrusted),
    ] {
        let client = client::<R>(builder);
        let error = R::block_on(client.get_repository_by_registry_path(&path)).unwrap_err();
        assert!(tls_failure(&error), "{case}: {error:?}");
        assert!(
            !error.is_transient(),
            "{case}: a refused certificate is not retried"
        );
    }
    assert_eq!(server.request_count(), 0, "no request got through");
}

pub(crate) fn an_untrusted_server_is_a_tls_error<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client::<R>(
        Config::builder()
            .endpoint(R::endpoint(server.url()))
            .identity(Identity::from_pem(
                server.client_cert_pem().into(),
                server.client_key_pem().into(),
            )),
    );
    let path = RegistryPath::new("r", "p");
    let error = R::block_on(client.get_repository_by_registry_path(&path)).unwrap_err();
    assert!(tls_failure(&error), "{error:?}");
    assert_eq!(server.request_count(), 0);
}

pub(crate) fn connections_are_reused<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client::<R>(config::<R>(&server));
    let paths: Vec<RegistryPath> = dataset_paths(server.dataset().repositories.iter().take(40))
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    R::block_on(async {
        for path in &paths {
            assert!(
                client
                    .get_repository_by_registry_path(path)
                    .await
                    .unwrap()
                    .is_some()
            );
        }
    });
    assert_eq!(server.request_count(), 40);
    assert!(
        server.connection_count() <= 2,
        "40 requests over {} connections",
        server.connection_count()
    );
}

pub(crate) fn transient_faults_are_retried_and_succeed<R: Runtime>() {
    let cases = [
        ("MongoDB timeout", Fault::MongoTimeout),
        (
            "HTTP 503",
            Fault::Status {
                code: 503,
                retry_after: None,
            },
        ),
        (
            "HTTP 429 with Retry-After",
            Fault::Status {
                code: 429,
                retry_after: Some(1),
            },
        ),
        ("connection reset", Fault::ConnectionReset),
        ("truncated body", Fault::TruncatedBody),
    ];
    let server = LoopbackPyxis::start();
    let client = client::<R>(config::<R>(&server));
    let path: RegistryPath = dataset_paths(server.dataset().repositories.iter().take(1))[0]
        .parse()
        .unwrap();
    for (case, fault) in cases {
        let before = server.request_count();
        server.push_fault(fault);
        let found = R::block_on(client.get_repository_by_registry_path(&path));
        assert_eq!(
            found
                .unwrap_or_else(|e| panic!("{case}: {e:?}"))
                .unwrap()
                .registry_path(),
            Some(path.clone())
        );
        assert_eq!(
            server.request_count() - before,
            2,
            "{case}: one failure, one retry"
        );
    }
}

pub(crate) fn non_transient_faults_are_not_retried<R: Runtime>() {
    type Check = fn(&Error) -> bool;
    let cases: [(&str, Fault, Check); 5] = [
        (
            "GraphQL errors",
            Fault::GraphQlErrors {
                with_partial_data: false,
            },
            |e| matches!(e, Error::GraphQl { .. }),
        ),
        (
            "GraphQL errors with data",
            Fault::GraphQlErrors {
                with_partial_data: true,
            },
            |e| {
                matches!(
                    e,
                    Error::GraphQl {
                        partial_data: Some(_),
                        ..
                    }
                )
            },
        ),
        ("malformed JSON", Fault::MalformedJson, |e| {
            matches!(e, Error::Decode { .. })
        }),
        (
            "data of the wrong type",
            Fault::WrongType,
            |e| matches!(e, Error::Decode { path, .. } if path == "data"),
        ),
        (
            "HTTP 400",
            Fault::Status {
                code: 400,
                retry_after: None,
            },
            |e| matches!(e, Error::Http { status, trace_id: Some(_), .. } if status.as_u16() == 400),
        ),
    ];
    let server = LoopbackPyxis::start();
    let client = client::<R>(config::<R>(&server));
    let path = RegistryPath::new("r", "p");
    for (case, fault, check) in cases {
        let before = server.request_count();
        server.push_fault(fault);
        let error = R::block_on(client.get_repository_by_registry_path(&path)).unwrap_err();
        assert!(check(&error), "{case}: {error:?}");
        assert_eq!(server.request_count() - before, 1, "{case}: sent once");
    }
}

pub(crate) fn a_slow_response_times_out<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client::<R>(
        config::<R>(&server)
            .attempt_timeout(Duration::from_millis(300))
            .retry(RetryPolicy::never()),
    );
    server.push_fault(Fault::Slow(Duration::from_secs(5)));
    let error = R::block_on(client.get_repository_by_registry_path(&RegistryPath::new("r", "p")))
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                scope: TimeoutScope::Attempt,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
}

pub(crate) fn a_body_over_the_cap_is_refused_while_reading<R: Runtime>() {
    let server = LoopbackPyxis::start();
    // A reader that buffered the whole gigabyte would run into the deadline instead.
    let client = client::<R>(
        config::<R>(&server)
            .max_body_bytes(1 << 20)
            .deadline(Duration::from_secs(60))
            .retry(RetryPolicy::never()),
    );
    server.push_fault(Fault::HugeBody { bytes: 1 << 30 });
    let error = R::block_on(client.get_repository_by_registry_path(&RegistryPath::new("r", "p")))
        .unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit, .. } if limit == 1 << 20),
        "{error:?}"
    );
}

pub(crate) fn concurrent_lookups_overlap_their_latency<R: Runtime>() {
    let server = LoopbackPyxis::builder()
        .latency(Duration::from_millis(200))
        .start();
    let client = client::<R>(config::<R>(&server));
    let paths: Vec<RegistryPath> = dataset_paths(server.dataset().repositories.iter().take(24))
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    let started = Instant::now();
    let found: Vec<_> = R::block_on(
        pyxis_gql::as_completed(
            paths
                .iter()
                .map(|p| client.get_repository_by_registry_path(p)),
            24,
        )
        .filter_map(|found| async move { found.unwrap() })
        .collect(),
    );
    let elapsed = started.elapsed();
    assert_eq!(found.len(), 24);
    // Sequential would take 24 × 200 ms; a generous bound keeps a noisy machine green.
    assert!(
        elapsed < Duration::from_millis(12 * 200),
        "24 lookups took {elapsed:?}"
    );
}

pub(crate) fn the_api_key_and_user_agent_reach_the_server<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let client = client::<R>(
        config::<R>(&server)
            .api_key(ApiKey::new("key-0123"))
            .user_agent("suite/1"),
    );
    R::block_on(client.get_repository_by_registry_path(&RegistryPath::new("r", "p"))).unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers["x-api-key"], "key-0123");
    assert_eq!(seen[0].headers["user-agent"], "suite/1");
    assert_eq!(seen[0].headers["content-type"], "application/json");
    assert!(
        !format!("{client:?}").contains("key-0123"),
        "the key stays out of Debug"
    );
}
