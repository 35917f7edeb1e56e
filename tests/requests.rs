//! The exact requests every operation sends: method, headers and the variables JSON.

mod common;

use common::{HOSTILE, all_requests};
use pyxis_gql::ops::{FindImagesByNvrs, FindRepositories, GetRepositoryByRegistryPath};
use pyxis_gql::{ApiKey, Config, Endpoint, Pages, Query, RegistryPath};
use serde_json::{Value, json};

fn by_id() -> Value {
    json!([{"field": "_id", "order": "ASC"}])
}

fn newest_first() -> Value {
    json!([{"field": "creation_date", "order": "DESC"}, {"field": "_id", "order": "DESC"}])
}

fn digest_filter(digest: &str) -> Value {
    json!({"or": [
        {"docker_image_digest": {"eq": digest}},
        {"repositories_elemMatch": {"and": [{"manifest_schema2_digest": {"eq": digest}}]}},
        {"repositories_elemMatch": {"and": [{"manifest_list_digest": {"eq": digest}}]}}
    ]})
}

fn page(filter: Value, page_size: u32) -> Value {
    json!({"filter": filter, "sort_by": by_id(), "page": 0, "page_size": page_size})
}

#[test]
fn every_operation_sends_exactly_these_variables() {
    let redhat = json!({"vendor_label": {"eq": "redhat"}});
    let expected: Vec<(&str, Value)> = vec![
        ("repos: default", page(json!({"and": [redhat]}), 200)),
        (
            "repos: every option",
            page(
                json!({"and": [
                    redhat,
                    {"published": {"eq": true}},
                    {"release_categories": {"in": ["Generally Available", "Tech Preview"]}},
                    {"auto_rebuild_tags": {"in": ["latest"]}},
                    {"repository": {"in": ["ubi9/ubi"]}}
                ]}),
                200,
            ),
        ),
        (
            "repos: unpublished, any vendor",
            page(json!({"and": [{"published": {"eq": false}}]}), 200),
        ),
        (
            "repos: hostile names",
            page(
                json!({"and": [redhat, {"repository": {"in": [HOSTILE]}}]}),
                200,
            ),
        ),
        (
            "repos by name",
            page(
                json!({"and": [{"repository": {"eq": "ubi9/ubi"}}, redhat]}),
                200,
            ),
        ),
        (
            "repos by paths: one",
            page(
                json!({"or": [{"and": [{"registry": {"eq": "registry.access.redhat.com"}}, {"repository": {"eq": "ubi9/ubi"}}]}]}),
                200,
            ),
        ),
        (
            "repos by paths: two",
            page(
                json!({"or": [
                    {"and": [{"registry": {"eq": "registry.access.redhat.com"}}, {"repository": {"eq": "ubi9/ubi"}}]},
                    {"and": [{"registry": {"eq": "quay.io"}}, {"repository": {"eq": "org/app"}}]}
                ]}),
                200,
            ),
        ),
        (
            "repo by path",
            json!({"registry": "registry.access.redhat.com", "repository": "ubi9/ubi"}),
        ),
        (
            "repo by path: hostile",
            json!({"registry": HOSTILE, "repository": HOSTILE}),
        ),
        (
            "images by nvr",
            json!({"nvr": "foo-1-1", "sort_by": by_id(), "page": 0, "page_size": 200}),
        ),
        (
            "images by nvr: rpms",
            json!({"nvr": "foo-1-1", "sort_by": by_id(), "page": 0, "page_size": 50}),
        ),
        (
            "images by nvrs",
            page(
                json!({"brew": {"build": {"in": ["foo-1-1", "bar-2-3"]}}}),
                200,
            ),
        ),
        (
            "images by nvrs: rpms",
            page(json!({"brew": {"build": {"in": ["foo-1-1"]}}}), 50),
        ),
        (
            "images by rpms: names only",
            page(
                json!({"and": [{"rpm_manifest": {"rpms": {"name": {"in": ["openssl", "bash"]}}}}]}),
                50,
            ),
        ),
        (
            "images by rpms: every option",
            page(
                json!({"and": [
                    {"repositories_elemMatch": {"and": [
                        {"published": {"eq": true}},
                        {"repository": {"in": ["ubi8/ubi"]}},
                        {"tags_elemMatch": {"and": [{"name": {"in": ["latest"]}}]}}
                    ]}},
                    {"content_sets": {"in": ["rhel-8-for-x86_64-baseos-rpms"]}},
                    {"rpm_manifest": {"rpms": {"name": {"in": ["openssl"]}}}}
                ]}),
                50,
            ),
        ),
        (
            "images by rpms: content sets",
            page(
                json!({"and": [{"content_sets": {"in": ["cs"]}}, {"rpm_manifest": {"rpms": {"name": {"in": ["openssl"]}}}}]}),
                50,
            ),
        ),
        (
            "images by names",
            page(
                json!({"and": [
                    {"brew": {"package": {"in": ["foo-container"]}}},
                    {"repositories_elemMatch": {"and": [{"published": {"eq": true}}]}}
                ]}),
                200,
            ),
        ),
        (
            "images by repository",
            page(
                json!({"repositories_elemMatch": {"and": [{"published": {"eq": true}}, {"repository": {"eq": "ubi9/ubi"}}]}}),
                200,
            ),
        ),
        (
            "images by repository: tags",
            page(
                json!({"repositories_elemMatch": {"and": [
                    {"published": {"eq": true}},
                    {"repository": {"eq": "ubi9/ubi"}},
                    {"tags_elemMatch": {"and": [{"name": {"in": ["latest", "9.4"]}}]}}
                ]}}),
                200,
            ),
        ),
        (
            "latest images: candidates",
            page(
                json!({"and": [{"brew": {"package": {"eq": "foo++"}}}, {"brew": {"build": {"regex": r"^foo\+\+-1\.0-.*"}}}]}),
                200,
            ),
        ),
        (
            "latest images: candidates, every option",
            page(
                json!({"and": [
                    {"brew": {"package": {"eq": "a.b"}}},
                    {"brew": {"build": {"regex": r"^a\.b-2\.3-.*"}}},
                    {"repositories_elemMatch": {"and": [{"published": {"eq": true}}]}},
                    {"content_sets": {"in": ["cs"]}}
                ]}),
                200,
            ),
        ),
        (
            "latest images: one build",
            page(
                json!({"and": [{"brew": {"package": {"eq": "foo++"}}}, {"brew": {"build": {"eq": "foo++-1.0-10"}}}]}),
                50,
            ),
        ),
        (
            "latest images: one build, every option, no RPMs",
            page(
                json!({"and": [
                    {"brew": {"package": {"eq": "a.b"}}},
                    {"brew": {"build": {"eq": "a.b-2.3-1"}}},
                    {"repositories_elemMatch": {"and": [{"published": {"eq": true}}]}},
                    {"content_sets": {"in": ["cs"]}}
                ]}),
                200,
            ),
        ),
        ("image by id", json!({"id": "5d0a00000000000000000001"})),
        ("repo by id", json!({"id": "5c8f00000000000000000001"})),
        (
            "images by digest",
            page(digest_filter("sha256:0123abcd"), 200),
        ),
        (
            "images by digest: hostile",
            page(digest_filter(HOSTILE), 200),
        ),
        (
            "image by manifest digest",
            json!({"registry": "registry.access.redhat.com", "repository": "ubi9/ubi",
                   "manifest_digest": "sha256:0123abcd"}),
        ),
        (
            "repo images",
            json!({"registry": "registry.access.redhat.com", "repository": "ubi9/ubi",
                   "sort_by": newest_first(), "page": 0, "page_size": 200}),
        ),
        (
            "repo images: hostile tag",
            json!({"registry": "registry.access.redhat.com", "repository": "ubi9/ubi",
                   "tag": HOSTILE, "sort_by": newest_first(), "page": 0, "page_size": 200}),
        ),
    ];
    let sent = all_requests();
    assert_eq!(sent.len(), expected.len(), "every case has its expectation");
    for (request, (case, variables)) in sent.iter().zip(&expected) {
        assert_eq!(request.case, *case);
        assert_eq!(request.variables, *variables, "{case}");
    }
}

#[test]
fn requests_are_json_posts_with_the_documented_headers() {
    let config = Config::builder()
        .endpoint("https://pyxis.example.com/graphql/")
        .user_agent("rebuilder/2.0")
        .api_key(ApiKey::new("k-123"))
        .build()
        .unwrap();
    let op = GetRepositoryByRegistryPath::new(RegistryPath::new("r", "p"));
    let request = config
        .endpoint()
        .request(op.document(), &op.variables())
        .unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri(), "https://pyxis.example.com/graphql/");
    let headers = request.headers();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["accept"], "application/json");
    assert_eq!(headers["user-agent"], "rebuilder/2.0");
    assert_eq!(headers["x-api-key"], "k-123");
    assert!(headers["x-api-key"].is_sensitive());
    assert!(
        !format!("{config:?}").contains("k-123"),
        "the key stays out of Debug"
    );

    let body: Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(
        body,
        json!({
            "query": "query GetRepositoryByRegistryPath($registry: String, $repository: String) { \
                      get_repository_by_registry_path(registry: $registry, repository: $repository) { \
                      error { status detail } data { _id repository registry published release_categories \
                      auto_rebuild_tags } } }",
            "variables": {"registry": "r", "repository": "p"},
            "operationName": "GetRepositoryByRegistryPath"
        })
    );

    let anonymous = Endpoint::default()
        .request(op.document(), &op.variables())
        .unwrap();
    assert!(anonymous.headers().get("x-api-key").is_none());
    assert!(
        anonymous.headers()["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("pyxis-gql/")
    );
}

#[test]
fn user_text_never_reaches_the_query_text() {
    for request in all_requests() {
        assert_eq!(
            request.body["query"],
            request.document.text(),
            "{}",
            request.case
        );
        assert!(
            !request.document.text().contains(HOSTILE),
            "{}",
            request.case
        );
        assert!(!request.document.text().contains('"'), "{}", request.case);
    }
    let hostile = all_requests()
        .into_iter()
        .find(|r| r.case == "repos: hostile names")
        .unwrap();
    assert_eq!(
        hostile.variables["filter"]["and"][1]["repository"]["in"][0],
        HOSTILE
    );
}

#[test]
fn the_query_text_is_built_once_per_operation() {
    let a = FindRepositories::new().published(true);
    let b = FindRepositories::new().names(["x"]);
    assert!(
        std::ptr::eq(a.document(), b.document()),
        "one static document, shared"
    );
    assert_eq!(a.document().root_field(), "find_repositories");
}

#[test]
fn later_pages_only_change_the_page_variable() {
    let config = Config::builder().page_size(2).build().unwrap();
    let mut pages = Pages::new(
        FindImagesByNvrs::new(["a-1-1"], false),
        config.endpoint(),
        config.client(),
    );
    let first = pages.next_request().unwrap().unwrap();
    let answer = br#"{"data":{"find_images":{"data":[{},{}],"page":0,"page_size":2,"total":5}}}"#;
    pages
        .feed(0, &http::Response::new(answer.to_vec()))
        .unwrap();
    let rest = pages.remaining_requests().unwrap();
    let first: Value = serde_json::from_slice(first.request.body()).unwrap();
    for (n, request) in rest.iter().enumerate() {
        let mut body: Value = serde_json::from_slice(request.request.body()).unwrap();
        assert_eq!(body["variables"]["page"], n + 1);
        body["variables"]["page"] = json!(0);
        assert_eq!(body, first);
    }
}
