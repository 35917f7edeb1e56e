//! Decode throughput: each generated payload through our decoders and, in the same run, through
//! three serde_json baselines.
//!
//! - `floor`: into `serde::de::IgnoredAny`, i.e. parsing and validating the JSON and nothing
//!   else. No decoder that reads the JSON can beat it by much; ratios are taken against it.
//! - `value`: into `serde_json::Value`.
//! - `plain`: into plain derived owned structs, the straightforward decode a careful user would
//!   write by hand for the same selection set.
//! - `typed` and `op_*`: our decoders (`pyxis_gql::decode` and the operations' own).
//!
//! As divan does by default, a decoded value is dropped after its timing; the `*_then_drop`
//! rows time the drop as well, which is what a caller that reads a page and lets it go pays.
//!
//! Run with `cargo bench --bench decode`; every figure is bytes of body per second.

use std::sync::LazyLock;

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use pyxis_gql::model::{ContainerImage, ContainerRepository};
use pyxis_gql::ops::{
    FindImagesByInstalledRpms, FindImagesByNames, FindImagesByNvrs, FindRepositories,
    GetRepositoryByRegistryPath,
};
use pyxis_gql::{Operation, PaginatedOperation, RegistryPath};
use serde::de::{DeserializeOwned, IgnoredAny};

mod baseline;
mod payload;

use baseline::plain;

fn main() {
    for (name, body) in [
        ("images_with_rpms", &*IMAGES_WITH_RPMS),
        ("images_without_rpms", &*IMAGES_WITHOUT_RPMS),
        ("repositories", &*REPOSITORIES),
        ("repository", &*REPOSITORY),
    ] {
        println!("payload {name}: {} bytes", body.body().len());
    }
    divan::main();
}

static IMAGES_WITH_RPMS: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::images_with_rpms()));
static IMAGES_WITHOUT_RPMS: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::images_without_rpms()));
static REPOSITORIES: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::repositories()));
static REPOSITORY: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::repository()));

/// Like [`run`], with the decoded value dropped inside the timing.
fn run_then_drop<T>(
    bencher: Bencher,
    response: &'static http::Response<Vec<u8>>,
    decode: impl Fn(&http::Response<Vec<u8>>) -> T + Sync,
) {
    bencher
        .counter(BytesCount::of_slice(response.body()))
        .bench(|| drop(decode(black_box(response))));
}

/// Runs `decode` on `response`, counting the body's bytes for throughput.
fn run<T>(
    bencher: Bencher,
    response: &'static http::Response<Vec<u8>>,
    decode: impl Fn(&http::Response<Vec<u8>>) -> T + Sync,
) {
    bencher
        .counter(BytesCount::of_slice(response.body()))
        .bench(|| decode(black_box(response)));
}

fn serde_json_into<T: DeserializeOwned>(response: &http::Response<Vec<u8>>) -> T {
    serde_json::from_slice(response.body()).expect("the payload decodes")
}

/// The 50-image `find_images` page with about 300 RPMs per image.
mod images_with_rpms {
    use super::*;

    fn body() -> &'static http::Response<Vec<u8>> {
        &IMAGES_WITH_RPMS
    }

    #[divan::bench]
    fn floor(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<IgnoredAny>);
    }

    #[divan::bench]
    fn value(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<serde_json::Value>);
    }

    #[divan::bench]
    fn plain(bencher: Bencher) {
        run(
            bencher,
            body(),
            serde_json_into::<plain::Response<plain::FindImages>>,
        );
    }

    /// `decode::page`: every RPM kept.
    #[divan::bench]
    fn typed(bencher: Bencher) {
        run(bencher, body(), |response| {
            pyxis_gql::decode::page::<ContainerImage, _>(response, "find_images").unwrap()
        });
    }

    #[divan::bench]
    fn plain_then_drop(bencher: Bencher) {
        run_then_drop(
            bencher,
            body(),
            serde_json_into::<plain::Response<plain::FindImages>>,
        );
    }

    #[divan::bench]
    fn typed_then_drop(bencher: Bencher) {
        run_then_drop(bencher, body(), |response| {
            pyxis_gql::decode::page::<ContainerImage, _>(response, "find_images").unwrap()
        });
    }

    /// `FindImagesByNvrs` with RPMs: the default page decoder of an operation.
    #[divan::bench]
    fn op_by_nvrs(bencher: Bencher) {
        let op = FindImagesByNvrs::new(["foo-1-1"], true);
        run(bencher, body(), |response| {
            op.decode_page(response).unwrap()
        });
    }

    /// `FindImagesByInstalledRpms`: only the two RPMs asked for are kept.
    #[divan::bench]
    fn op_by_installed_rpms(bencher: Bencher) {
        let op = FindImagesByInstalledRpms::new(["openssl-libs", "bash"]);
        run(bencher, body(), |response| {
            op.decode_page(response).unwrap()
        });
    }
}

/// The 200-image `find_images` page without RPMs.
mod images_without_rpms {
    use super::*;

    fn body() -> &'static http::Response<Vec<u8>> {
        &IMAGES_WITHOUT_RPMS
    }

    #[divan::bench]
    fn floor(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<IgnoredAny>);
    }

    #[divan::bench]
    fn value(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<serde_json::Value>);
    }

    #[divan::bench]
    fn plain(bencher: Bencher) {
        run(
            bencher,
            body(),
            serde_json_into::<plain::Response<plain::FindImages>>,
        );
    }

    #[divan::bench]
    fn typed(bencher: Bencher) {
        run(bencher, body(), |response| {
            pyxis_gql::decode::page::<ContainerImage, _>(response, "find_images").unwrap()
        });
    }

    #[divan::bench]
    fn op_by_names(bencher: Bencher) {
        let op = FindImagesByNames::new(["foo"]);
        run(bencher, body(), |response| {
            op.decode_page(response).unwrap()
        });
    }
}

/// The 200-repository `find_repositories` page.
mod repositories {
    use super::*;

    fn body() -> &'static http::Response<Vec<u8>> {
        &REPOSITORIES
    }

    #[divan::bench]
    fn floor(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<IgnoredAny>);
    }

    #[divan::bench]
    fn value(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<serde_json::Value>);
    }

    #[divan::bench]
    fn plain(bencher: Bencher) {
        run(
            bencher,
            body(),
            serde_json_into::<plain::Response<plain::FindRepositories>>,
        );
    }

    #[divan::bench]
    fn typed(bencher: Bencher) {
        run(bencher, body(), |response| {
            pyxis_gql::decode::page::<ContainerRepository, _>(response, "find_repositories")
                .unwrap()
        });
    }

    #[divan::bench]
    fn op_find_repositories(bencher: Bencher) {
        let op = FindRepositories::new();
        run(bencher, body(), |response| {
            op.decode_page(response).unwrap()
        });
    }
}

/// One `get_repository_by_registry_path` answer.
mod repository {
    use super::*;

    fn body() -> &'static http::Response<Vec<u8>> {
        &REPOSITORY
    }

    #[divan::bench]
    fn floor(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<IgnoredAny>);
    }

    #[divan::bench]
    fn value(bencher: Bencher) {
        run(bencher, body(), serde_json_into::<serde_json::Value>);
    }

    #[divan::bench]
    fn plain(bencher: Bencher) {
        run(
            bencher,
            body(),
            serde_json_into::<plain::Response<plain::GetRepository>>,
        );
    }

    #[divan::bench]
    fn typed(bencher: Bencher) {
        run(bencher, body(), |response| {
            pyxis_gql::decode::object::<ContainerRepository, _>(
                response,
                "get_repository_by_registry_path",
            )
            .unwrap()
        });
    }

    #[divan::bench]
    fn op_get_repository(bencher: Bencher) {
        let op = GetRepositoryByRegistryPath::new(RegistryPath::new(
            "registry.access.redhat.com",
            "ubi9/ubi",
        ));
        run(bencher, body(), |response| op.decode(response).unwrap());
    }
}
