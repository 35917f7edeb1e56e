//! Memory: how many allocations, and how many bytes, decoding each payload takes.
//!
//! divan's own `AllocProfiler` wraps the system allocator for this binary (a global allocator is
//! per binary, hence a bench of its own: its bookkeeping would slow the timings in `decode`).
//! It needs no `unsafe` here, so the workspace's `forbid(unsafe_code)` holds.
//!
//! Read the `alloc` rows (count and bytes per decode; `grow` rows are `Vec`s and maps growing
//! in place or by moving) against the body sizes printed first: the target is at most 1.0x the
//! body in bytes allocated (`alloc` + `grow`) for the 50-image page with RPMs.
//!
//! Run with `cargo bench --bench alloc`.

use std::sync::LazyLock;

use divan::counter::BytesCount;
use divan::{AllocProfiler, Bencher, black_box};
use pyxis_gql::PaginatedOperation;
use pyxis_gql::model::{ContainerImage, ContainerRepository};
use pyxis_gql::ops::FindImagesByInstalledRpms;

mod baseline;
mod payload;

use baseline::plain;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

static IMAGES_WITH_RPMS: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::images_with_rpms()));
static IMAGES_WITHOUT_RPMS: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::images_without_rpms()));
static REPOSITORIES: LazyLock<http::Response<Vec<u8>>> =
    LazyLock::new(|| http::Response::new(payload::repositories()));

fn main() {
    for (name, body) in [
        ("images_with_rpms", &*IMAGES_WITH_RPMS),
        ("images_without_rpms", &*IMAGES_WITHOUT_RPMS),
        ("repositories", &*REPOSITORIES),
    ] {
        println!("payload {name}: {} bytes", body.body().len());
    }
    divan::main();
}

/// Runs `decode` a few times; allocation counts are the same on every run.
fn run<T>(
    bencher: Bencher,
    response: &'static http::Response<Vec<u8>>,
    decode: impl Fn(&http::Response<Vec<u8>>) -> T + Sync,
) {
    bencher
        .counter(BytesCount::of_slice(response.body()))
        .bench(|| decode(black_box(response)));
}

fn value(response: &http::Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(response.body()).expect("the payload decodes")
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_with_rpms_typed(bencher: Bencher) {
    run(bencher, &IMAGES_WITH_RPMS, |response| {
        pyxis_gql::decode::page::<ContainerImage, _>(response, "find_images").unwrap()
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_with_rpms_by_installed_rpms(bencher: Bencher) {
    let op = FindImagesByInstalledRpms::new(["openssl-libs", "bash"]);
    run(bencher, &IMAGES_WITH_RPMS, |response| {
        op.decode_page(response).unwrap()
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_with_rpms_plain(bencher: Bencher) {
    run(bencher, &IMAGES_WITH_RPMS, |response| {
        serde_json::from_slice::<plain::Response<plain::FindImages>>(response.body())
            .expect("the payload decodes")
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_with_rpms_value(bencher: Bencher) {
    run(bencher, &IMAGES_WITH_RPMS, value);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_without_rpms_typed(bencher: Bencher) {
    run(bencher, &IMAGES_WITHOUT_RPMS, |response| {
        pyxis_gql::decode::page::<ContainerImage, _>(response, "find_images").unwrap()
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn images_without_rpms_plain(bencher: Bencher) {
    run(bencher, &IMAGES_WITHOUT_RPMS, |response| {
        serde_json::from_slice::<plain::Response<plain::FindImages>>(response.body())
            .expect("the payload decodes")
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn repositories_typed(bencher: Bencher) {
    run(bencher, &REPOSITORIES, |response| {
        pyxis_gql::decode::page::<ContainerRepository, _>(response, "find_repositories").unwrap()
    });
}
