//! Every built-in operation in every argument combination, as the requests they send.
#![allow(dead_code, unreachable_pub)]

use pyxis_gql::ops::*;
use pyxis_gql::{
    ClientOptions, Document, Endpoint, Operation, Pages, PaginatedOperation, RegistryPath,
};
use serde_json::Value;

/// One request an operation sends: its name in the table, its document and its variables.
pub struct SentRequest {
    pub case: &'static str,
    pub document: Document,
    pub variables: Value,
    pub body: Value,
}

fn first_page<P: PaginatedOperation>(case: &'static str, op: P) -> SentRequest {
    let document = op.document().clone();
    let mut pages = Pages::new(op, &Endpoint::default(), &ClientOptions::default());
    let request = pages
        .next_request()
        .expect("sends a request")
        .unwrap()
        .request;
    sent(case, document, &request)
}

fn single<O: Operation>(case: &'static str, op: O) -> SentRequest {
    let request = Endpoint::default()
        .request(op.document(), &op.variables())
        .unwrap();
    sent(case, op.document().clone(), &request)
}

fn sent(
    case: &'static str,
    document: Document,
    request: &http::Request<pyxis_gql::bytes::Bytes>,
) -> SentRequest {
    let body: Value = serde_json::from_slice(request.body()).unwrap();
    SentRequest {
        case,
        document,
        variables: body["variables"].clone(),
        body,
    }
}

/// Hostile text: quotes, braces, GraphQL syntax and regex metacharacters.
pub const HOSTILE: &str = r#"a"}) { __schema { types { name } } } #.*+?^$[](){}|\"#;

/// The first request of every operation in every argument combination.
pub fn all_requests() -> Vec<SentRequest> {
    let path = RegistryPath::new("registry.access.redhat.com", "ubi9/ubi");
    let other = RegistryPath::new("quay.io", "org/app");
    vec![
        first_page("repos: default", FindRepositories::new()),
        first_page(
            "repos: every option",
            FindRepositories::new()
                .published(true)
                .release_categories(["Generally Available", "Tech Preview"])
                .auto_rebuild_tags(["latest"])
                .names(["ubi9/ubi"]),
        ),
        first_page(
            "repos: unpublished, any vendor",
            FindRepositories::new().published(false).any_vendor(),
        ),
        first_page(
            "repos: hostile names",
            FindRepositories::new().names([HOSTILE]),
        ),
        first_page(
            "repos by name",
            FindRepositoriesByRepositoryName::new("ubi9/ubi"),
        ),
        first_page(
            "repos by paths: one",
            FindRepositoriesByRegistryPaths::new([path.clone()]),
        ),
        first_page(
            "repos by paths: two",
            FindRepositoriesByRegistryPaths::new([path.clone(), other]),
        ),
        single(
            "repo by path",
            GetRepositoryByRegistryPath::new(path.clone()),
        ),
        single(
            "repo by path: hostile",
            GetRepositoryByRegistryPath::new(RegistryPath::new(HOSTILE, HOSTILE)),
        ),
        first_page("images by nvr", FindImagesByNvr::new("foo-1-1", false)),
        first_page("images by nvr: rpms", FindImagesByNvr::new("foo-1-1", true)),
        first_page(
            "images by nvrs",
            FindImagesByNvrs::new(["foo-1-1", "bar-2-3"], false),
        ),
        first_page(
            "images by nvrs: rpms",
            FindImagesByNvrs::new(["foo-1-1"], true),
        ),
        first_page(
            "images by rpms: names only",
            FindImagesByInstalledRpms::new(["openssl", "bash"]),
        ),
        first_page(
            "images by rpms: every option",
            FindImagesByInstalledRpms::new(["openssl"])
                .content_sets(["rhel-8-for-x86_64-baseos-rpms"])
                .repositories(["ubi8/ubi"])
                .published(true)
                .tags(["latest"]),
        ),
        first_page(
            "images by rpms: content sets",
            FindImagesByInstalledRpms::new(["openssl"]).content_sets(["cs"]),
        ),
        first_page("images by names", FindImagesByNames::new(["foo-container"])),
        first_page(
            "images by repository",
            FindImagesByRepository::new("ubi9/ubi"),
        ),
        first_page(
            "images by repository: tags",
            FindImagesByRepository::new("ubi9/ubi").auto_rebuild_tags(["latest", "9.4"]),
        ),
        first_page(
            "latest images: candidates",
            FindLatestImagesByNameVersion::new("foo++", "1.0").candidates(),
        ),
        first_page(
            "latest images: candidates, every option",
            FindLatestImagesByNameVersion::new("a.b", "2.3")
                .published(true)
                .content_sets(["cs"])
                .candidates(),
        ),
        first_page(
            "latest images: one build",
            FindLatestImagesByNameVersion::new("foo++", "1.0").images_of("foo++-1.0-10"),
        ),
        first_page(
            "latest images: one build, every option, no RPMs",
            FindLatestImagesByNameVersion::new("a.b", "2.3")
                .published(true)
                .content_sets(["cs"])
                .include_rpms(false)
                .images_of("a.b-2.3-1"),
        ),
        single("image by id", GetImage::new("5d0a00000000000000000001")),
        single("repo by id", GetRepository::new("5c8f00000000000000000001")),
        first_page(
            "images by digest",
            FindImagesByDigest::new("sha256:0123abcd"),
        ),
        first_page(
            "images by digest: hostile",
            FindImagesByDigest::new(HOSTILE),
        ),
        single(
            "image by manifest digest",
            GetImageByManifestDigest::new(path.clone(), "sha256:0123abcd"),
        ),
        first_page("repo images", FindRepositoryImages::new(path.clone())),
        first_page(
            "repo images: hostile tag",
            FindRepositoryImages::new(path).tag(HOSTILE),
        ),
    ]
}
