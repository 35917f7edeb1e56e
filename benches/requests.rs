//! Request building: the time to turn each built-in operation into its first `http::Request`
//! (variables, the JSON body, the headers).
//!
//! Paginated operations are measured through `Pages::next_request` on a fresh crawl (the crawl's
//! set-up is not timed), `FindLatestImagesByNameVersion` by its first step (the candidates'
//! crawl); `GetRepositoryByRegistryPath`, answered by one response, through `Endpoint::request`. Arguments are typical sizes, plus a
//! few large lists.
//!
//! Run with `cargo bench --bench requests`.

use divan::{Bencher, black_box};
use pyxis_gql::ops::{
    FindImagesByInstalledRpms, FindImagesByNames, FindImagesByNvr, FindImagesByNvrs,
    FindImagesByRepository, FindLatestImagesByNameVersion, FindRepositories,
    FindRepositoriesByRegistryPaths, FindRepositoriesByRepositoryName, GetRepositoryByRegistryPath,
};
use pyxis_gql::{ClientOptions, Endpoint, Operation, Pages, PaginatedOperation, RegistryPath};

fn main() {
    divan::main();
}

/// Times the first page request of a fresh crawl of `operation`.
fn first_page<O: PaginatedOperation + Clone>(bencher: Bencher, operation: O) {
    let (endpoint, options) = (Endpoint::default(), ClientOptions::default());
    bencher
        .with_inputs(|| Pages::new(operation.clone(), &endpoint, &options))
        .bench_local_values(|mut pages| {
            pages
                .next_request()
                .expect("a fresh crawl has a first page")
                .expect("the request builds")
        });
}

/// Times `Endpoint::request` for a single-response operation.
fn single<O: Operation>(bencher: Bencher, operation: O) {
    let endpoint = Endpoint::default();
    bencher.bench_local(|| {
        let operation = black_box(&operation);
        endpoint
            .request(operation.document(), &operation.variables())
            .expect("the request builds")
    });
}

fn nvrs(count: usize) -> Vec<String> {
    (0..count)
        .map(|index| format!("ubi9-python-311-container-1.{index}-{}", 100 + index))
        .collect()
}

#[divan::bench]
fn find_images_by_nvr(bencher: Bencher) {
    first_page(
        bencher,
        FindImagesByNvr::new("ubi9-container-9.4-1134", true),
    );
}

#[divan::bench(args = [1, 20, 200])]
fn find_images_by_nvrs(bencher: Bencher, count: usize) {
    first_page(bencher, FindImagesByNvrs::new(nvrs(count), false));
}

#[divan::bench]
fn find_images_by_installed_rpms(bencher: Bencher) {
    let operation = FindImagesByInstalledRpms::new(["openssl", "openssl-libs", "glibc"])
        .content_sets([
            "rhel-9-for-x86_64-baseos-rpms",
            "rhel-9-for-x86_64-appstream-rpms",
        ])
        .published(true)
        .tags(["latest"]);
    first_page(bencher, operation);
}

#[divan::bench]
fn find_images_by_names(bencher: Bencher) {
    first_page(
        bencher,
        FindImagesByNames::new(["ubi9-container", "ubi9-minimal-container"]),
    );
}

#[divan::bench]
fn find_images_by_repository(bencher: Bencher) {
    first_page(
        bencher,
        FindImagesByRepository::new("ubi9/ubi").auto_rebuild_tags(["latest", "9.4"]),
    );
}

#[divan::bench]
fn find_latest_images_by_name_version(bencher: Bencher) {
    first_page(
        bencher,
        FindLatestImagesByNameVersion::new("ubi9-container", "9.4")
            .published(true)
            .content_sets(["rhel-9-for-x86_64-baseos-rpms"])
            .candidates(),
    );
}

#[divan::bench]
fn find_repositories(bencher: Bencher) {
    first_page(
        bencher,
        FindRepositories::new()
            .published(true)
            .release_categories(["Generally Available", "Tech Preview"])
            .auto_rebuild_tags(["latest"]),
    );
}

#[divan::bench]
fn find_repositories_by_repository_name(bencher: Bencher) {
    first_page(bencher, FindRepositoriesByRepositoryName::new("ubi9/ubi"));
}

#[divan::bench(args = [1, 20, 200])]
fn find_repositories_by_registry_paths(bencher: Bencher, count: usize) {
    let paths = (0..count)
        .map(|index| RegistryPath::new("registry.access.redhat.com", format!("ubi9/app-{index}")));
    first_page(bencher, FindRepositoriesByRegistryPaths::new(paths));
}

#[divan::bench]
fn get_repository_by_registry_path(bencher: Bencher) {
    single(
        bencher,
        GetRepositoryByRegistryPath::new(RegistryPath::new(
            "registry.access.redhat.com",
            "ubi9/ubi",
        )),
    );
}
