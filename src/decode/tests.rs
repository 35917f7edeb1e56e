use std::sync::Arc;

use super::*;
use crate::model::{ContainerImage, ContainerRepository, Rpm, Text};
use serde_json::json;

fn response(status: u16, body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("trace_id", "abc123")
        .body(body.into())
        .unwrap()
}

fn json_response(value: serde_json::Value) -> http::Response<Vec<u8>> {
    response(200, serde_json::to_vec(&value).unwrap())
}

fn repos(value: serde_json::Value) -> Result<Page<ContainerRepository>, Error> {
    page(&json_response(value), "find_repositories")
}

#[test]
fn full_page_with_ragged_items_and_extra_fields() {
    let page = repos(json!({
        "extensions": {"cost": 3},
        "data": {
            "other_alias": {"data": [1, 2]},
            "find_repositories": {
                "page": 2, "page_size": 2, "total": 7, "error": null, "unknown": {"x": []},
                "data": [
                    {"repository": "ubi9/ubi", "registry": "registry.access.redhat.com",
                     "published": true, "release_categories": ["Generally Available"],
                     "auto_rebuild_tags": ["latest"], "vendor_label": "redhat"},
                    {"repository": null, "release_categories": null}
                ]
            }
        }
    }))
    .unwrap();
    assert_eq!(
        (page.page, page.page_size, page.total),
        (Some(2), Some(2), Some(7))
    );
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].auto_rebuild_tags, vec!["latest"]);
    assert_eq!(page.items[1], ContainerRepository::default());
}

#[test]
fn empty_and_null_pages_have_no_items() {
    for data in [json!([]), json!(null)] {
        let page = repos(json!({"data": {"find_repositories": {"data": data, "page": 0, "page_size": 50, "total": 0}}})).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.total, Some(0));
    }
    let bare = repos(json!({"data": {"find_repositories": {}}})).unwrap();
    assert_eq!((bare.items.len(), bare.total), (0, None));
}

#[test]
fn images_with_empty_objects_decode_and_null_items_are_reported() {
    let decode = |items| {
        page::<ContainerImage, _>(
            &json_response(json!({"data": {"find_images": {"data": items}}})),
            "find_images",
        )
    };
    let page =
        decode(json!([{"parsed_data": {}, "brew": null, "repositories": [{}], "edges": {}}, {}]))
            .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[1], ContainerImage::default());
    // A `null` inside the list is not an image: say where, never drop it.
    let error = decode(json!([{}, null])).unwrap_err();
    assert!(
        matches!(&error, Error::Decode { path, .. } if path == "data.find_images.data[1]"),
        "{error:?}"
    );
}

#[test]
fn http_errors_keep_status_excerpt_retry_after_and_trace_id() {
    let mut busy = response(503, "x".repeat(2000));
    busy.headers_mut()
        .insert("retry-after", "7".parse().unwrap());
    let error = repos_from(busy).unwrap_err();
    match &error {
        Error::Http {
            status,
            body_excerpt,
            retry_after,
            trace_id,
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(body_excerpt.chars().count(), EXCERPT_BYTES + 1);
            assert_eq!(*retry_after, Some(Duration::from_secs(7)));
            assert_eq!(trace_id.as_deref(), Some("abc123"));
        }
        other => panic!("{other:?}"),
    }
    assert!(error.is_transient());
    assert!(error.to_string().contains("trace_id abc123"));
    for (status, transient) in [
        (400, false),
        (401, false),
        (404, false),
        (422, false),
        (408, true),
        (500, true),
        (429, true),
        (502, true),
        (504, true),
    ] {
        assert_eq!(
            repos_from(response(status, "{}"))
                .unwrap_err()
                .is_transient(),
            transient,
            "{status}"
        );
    }
}

fn repos_from(response: http::Response<Vec<u8>>) -> Result<Page<ContainerRepository>, Error> {
    page(&response, "find_repositories")
}

#[test]
fn graphql_errors_keep_messages_paths_locations_and_partial_data() {
    let errors = json!([{"message": "boom", "locations": [{"line": 1, "column": 9}], "path": ["find_repositories", "data", 0]}]);
    let error = repos(json!({"errors": errors, "data": null})).unwrap_err();
    match &error {
        Error::GraphQl {
            errors,
            partial_data,
            trace_id,
        } => {
            assert_eq!(errors[0].message, "boom");
            assert_eq!(errors[0].locations[0].column, 9);
            assert_eq!(
                errors[0].path,
                vec![json!("find_repositories"), json!("data"), json!(0)]
            );
            assert_eq!(*partial_data, None);
            assert_eq!(trace_id.as_deref(), Some("abc123"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!error.is_transient());
    assert!(
        error
            .to_string()
            .contains("boom at find_repositories.data.0"),
        "{error}"
    );

    // Data first, errors after, data of the wrong shape: still reported as the GraphQL error.
    let partial = json!({"find_repositories": {"data": "garbage"}});
    let error = repos(json!({"data": partial, "errors": [{"message": "half"}]})).unwrap_err();
    match error {
        Error::GraphQl {
            errors,
            partial_data,
            ..
        } => {
            assert_eq!(errors[0].message, "half");
            assert_eq!(partial_data, Some(partial));
        }
        other => panic!("{other:?}"),
    }

    // Decodable partial data is kept too.
    let partial = json!({"find_repositories": {"data": [{"repository": "a"}]}});
    let error = repos(json!({"errors": [{"message": "m"}], "data": partial})).unwrap_err();
    assert!(matches!(error, Error::GraphQl { partial_data: Some(ref d), .. } if *d == partial));
}

#[test]
fn pyxis_errors_and_the_transient_mongodb_timeout() {
    let error = repos(json!({"data": {"find_repositories": {"data": null, "error": {"status": 500, "detail": "Unable to fetch data from MongoDB in time"}}}})).unwrap_err();
    assert!(error.is_transient());
    assert_eq!(error.trace_id(), Some("abc123"));
    let error = repos(
        json!({"data": {"find_repositories": {"error": {"status": 400, "detail": "bad filter"}}}}),
    )
    .unwrap_err();
    match &error {
        Error::Pyxis(PyxisError { status, detail, .. }) => {
            assert_eq!((*status, detail.as_str()), (Some(400), "bad filter"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!error.is_transient());
}

#[test]
fn single_objects_read_not_found_as_none() {
    let decode = |value| {
        object::<ContainerRepository, _>(&json_response(value), "get_repository_by_registry_path")
    };
    let found = decode(json!({"data": {"get_repository_by_registry_path": {"data": {"repository": "a"}, "error": null}}})).unwrap();
    assert_eq!(found.unwrap().repository.as_deref(), Some("a"));
    let missing = decode(
        json!({"data": {"get_repository_by_registry_path": {"data": null, "error": {"status": 404, "detail": "Not found"}}}}),
    );
    assert_eq!(missing.unwrap(), None);
    assert_eq!(
        decode(json!({"data": {"get_repository_by_registry_path": {"data": null}}})).unwrap(),
        None
    );
    assert!(matches!(
        decode(
            json!({"data": {"get_repository_by_registry_path": {"error": {"status": 403, "detail": "no"}}}})
        ),
        Err(Error::Pyxis(_))
    ));
}

#[test]
fn malformed_truncated_and_wrongly_typed_bodies_are_decode_errors_with_paths() {
    let bad = |body: &[u8]| repos_from(response(200, body.to_vec())).unwrap_err();

    let error = bad(b"{\"data\": {\"find_repositories\": {\"data\": [{\"repository\": 5}]}}}");
    assert!(
        matches!(&error, Error::Decode { path, .. } if path == "data.find_repositories.data[0].repository"),
        "{error:?}"
    );

    // What was expected, in words.
    let error = bad(br#"{"data": {"find_repositories": {"data": 5}}}"#);
    assert!(error.to_string().contains("expected a list"), "{error}");
    let images = crate::ops::FindImagesByNvrs::new(["x"], false);
    let error = crate::PaginatedOperation::decode_page(
        &images,
        &response(
            200,
            br#"{"data": {"find_images": {"data": ["a-1-1"]}}}"#.to_vec(),
        ),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("expected a container image"),
        "{error}"
    );
    // Nothing read at all: the path is the document's root.
    for body in [&b""[..], b"<html>", b"  ", b"{5}", b"{\"data\" 1}"] {
        assert!(
            matches!(bad(body), Error::Decode { ref path, .. } if path == "."),
            "{body:?}"
        );
    }

    let full = br#"{"data":{"find_repositories":{"data":[{"repository":"a"}],"total":1}}}"#;
    for cut in 0..full.len() {
        let error = bad(&full[..cut]);
        assert!(
            matches!(error, Error::Decode { .. }),
            "cut at {cut}: {error:?}"
        );
        if cut > 0 {
            assert!(error.is_truncated_body(), "cut at {cut}: {error:?}");
        }
    }

    let error = bad(br#"{"data": "a string"}"#);
    assert!(
        matches!(&error, Error::Decode { path, .. } if path == "data"),
        "{error:?}"
    );
    let error = bad(br#"{"data": {"find_repositories": {"data": {"not": "a list"}}}}"#);
    assert!(
        matches!(&error, Error::Decode { path, .. } if path == "data.find_repositories.data"),
        "{error:?}"
    );
    assert!(matches!(bad(br#"{"data": {}}"#), Error::Decode { .. }));
    assert!(matches!(bad(br#"{}"#), Error::Decode { .. }));
    assert!(matches!(bad(br#"[]"#), Error::Decode { .. }));
    assert!(matches!(
        bad(br#"{"data": {"find_repositories": {}}} trailing"#),
        Error::Decode { .. }
    ));
    assert!(
        matches!(bad(b"<html>502</html>"), Error::Decode { ref body_excerpt, .. } if body_excerpt == "<html>502</html>")
    );
    assert!(matches!(bad(b"\xff\xfe"), Error::Decode { .. }));
    assert!(
        !bad(b"<html>502</html>").is_truncated_body(),
        "malformed, not cut short"
    );
    let error = bad(b"");
    assert!(error.is_truncated_body() && !error.is_transient());
    assert_eq!(error.trace_id(), Some("abc123"));
}

#[test]
fn whole_data_decodes_a_callers_own_shape() {
    #[derive(Deserialize)]
    struct Mine {
        a: u8,
    }
    let mine: Mine = whole_data(&json_response(json!({"data": {"a": 4}}))).unwrap();
    assert_eq!(mine.a, 4);
}

#[test]
fn escaped_root_field_names_still_match() {
    let body = br#"{"data":{"find_\u0072epositories":{"data":[{"repository":"x"}]}}}"#;
    assert_eq!(
        repos_from(response(200, body.to_vec()))
            .unwrap()
            .items
            .len(),
        1
    );
}

/// A body big enough for the decode to share strings and RPMs (see `model::shared`).
fn big_image_page(rpms: serde_json::Value) -> http::Response<Vec<u8>> {
    let image = json!({
        "brew": {"build": "ubi9-container-9.4-1134", "package": "ubi9-container"},
        "parsed_data": {"labels": [{"name": "vendor", "value": "Red Hat, Inc."}]},
        "edges": {"rpm_manifest": {"data": {"image_id": "i", "rpms": rpms}}}
    });
    let images = vec![image; 40];
    json_response(json!({"data": {"find_images": {"data": images, "page": 0, "total": 40}}}))
}

fn shared(text: &Text) -> Arc<str> {
    Arc::from(text.clone())
}

#[test]
fn a_decode_keeps_one_copy_of_each_repeated_string() {
    let response = big_image_page(json!([
        {"name": "openssl-libs", "nvra": "openssl-libs-3.0.7-27.el9.x86_64",
         "srpm_name": "openssl", "srpm_nevra": "openssl-1:3.0.7-27.el9.src"},
        {"name": "esc\u{e9}ped \"quoted\" name", "nvra": null}
    ]));
    // Big enough for the sharing tables (8 KiB and up).
    assert!(response.body().len() >= 8 * 1024);
    let page = page::<ContainerImage, _>(&response, "find_images").unwrap();
    let (first, last) = (&page.items[0], &page.items[39]);
    assert_eq!(first, last);
    for (a, b) in first.rpms().iter().zip(last.rpms()) {
        assert!(a.ptr_eq(b), "{a:?} is not shared");
    }
    assert_eq!(first.rpms()[1].name(), Some("esc\u{e9}ped \"quoted\" name"));
    assert_eq!(first.label("vendor"), Some("Red Hat, Inc."));
    let vendor = |image: &ContainerImage| {
        let labels = &image.parsed_data.as_ref().unwrap().labels;
        shared(labels[0].value.as_ref().unwrap())
    };
    assert!(Arc::ptr_eq(&vendor(first), &vendor(last)));
}

#[test]
fn small_bodies_and_long_strings_are_not_shared() {
    // Under 8 KiB a decode uses no tables: equal values stay separate copies.
    let image = |label: &str| {
        json!({"brew": {"build": "a-1-1"}, "parsed_data": {"labels": [{"name": "l", "value": label}]},
               "edges": {"rpm_manifest": {"data": {"rpms": [{"name": "bash", "nvra": "bash-1-1.x86_64"}]}}}})
    };
    let small = json_response(
        json!({"data": {"find_images": {"data": [image("v"), image("v")], "page": 0, "total": 2}}}),
    );
    assert!(small.body().len() < 8 * 1024);
    let items = page::<ContainerImage, _>(&small, "find_images")
        .unwrap()
        .items;
    assert_eq!(items[0], items[1]);
    assert!(!items[0].rpms()[0].ptr_eq(&items[1].rpms()[0]));

    // In a large body, labels up to 256 bytes are shared and longer ones are not hashed.
    let label = |image: &ContainerImage| {
        shared(
            image.parsed_data.as_ref().unwrap().labels[0]
                .value
                .as_ref()
                .unwrap(),
        )
    };
    for (length, kept_once) in [(256, true), (257, false)] {
        let value = "x".repeat(length);
        let images: Vec<_> = (0..40).map(|_| image(&value)).collect();
        let large = json_response(
            json!({"data": {"find_images": {"data": images, "page": 0, "total": 40}}}),
        );
        assert!(large.body().len() >= 8 * 1024);
        let items = page::<ContainerImage, _>(&large, "find_images")
            .unwrap()
            .items;
        assert_eq!(
            Arc::ptr_eq(&label(&items[0]), &label(&items[39])),
            kept_once,
            "a label of {length} bytes"
        );
    }
}

/// The same body read by the plain derived impls, outside any decode and so without the
/// sharing cache.
fn images_without_the_cache(response: &http::Response<Vec<u8>>) -> Vec<ContainerImage> {
    #[derive(Deserialize)]
    struct Body {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        find_images: Items,
    }
    #[derive(Deserialize)]
    struct Items {
        data: Vec<ContainerImage>,
    }
    let body: Body = serde_json::from_slice(response.body()).unwrap();
    body.data.find_images.data
}

#[test]
fn the_sharing_cache_changes_memory_never_values() {
    let response = big_image_page(json!([
        {"name": "openssl-libs", "nvra": "openssl-libs-3.0.7-27.el9.x86_64",
         "srpm_name": "openssl", "srpm_nevra": "openssl-1:3.0.7-27.el9.src"},
        {"name": "openssl-libs", "nvra": "openssl-libs-3.0.7-27.el9.x86_64"},
        {"name": "esc\u{e9}ped", "nvra": null, "srpm_name": "", "extra": {"x": 1}},
        {"name": "openssl-libs", "nvra": "openssl-libs-3.0.7-27.el9.x86_64",
         "srpm_name": "openssl", "srpm_nevra": "openssl-1:3.0.7-27.el9.src"}
    ]));
    let cached = page::<ContainerImage, _>(&response, "find_images")
        .unwrap()
        .items;
    let plain = images_without_the_cache(&response);
    assert_eq!(cached, plain);
    assert_eq!(plain[0].rpms().len(), 4);
    // Only the cached decode shares: the plain one gives every RPM its own allocation.
    assert!(cached[0].rpms()[0].ptr_eq(&cached[39].rpms()[0]));
    assert!(!plain[0].rpms()[0].ptr_eq(&plain[39].rpms()[0]));
    assert!(!plain[0].rpms()[0].ptr_eq(&plain[0].rpms()[3]));
}

#[test]
fn rpms_are_shared_only_when_every_field_matches() {
    let base = json!({"name": "bash", "nvra": "bash-5.1.8-9.el9.x86_64",
                      "srpm_name": "bash", "srpm_nevra": "bash-0:5.1.8-9.el9.src"});
    let mut variants = vec![base.clone()];
    for field in ["name", "nvra", "srpm_name", "srpm_nevra"] {
        for value in [json!(null), json!(""), json!("bash-5.1.8-9.el9.x86_6")] {
            let mut rpm = base.clone();
            rpm[field] = value;
            variants.push(rpm);
        }
        let mut missing = base.clone();
        missing.as_object_mut().unwrap().remove(field);
        variants.push(missing);
    }
    // Field order, escapes and unknown fields do not make two equal RPMs different.
    variants.push(
        json!({"srpm_nevra": "bash-0:5.1.8-9.el9.src", "srpm_name": "bash",
                         "nvra": "bash-5.1.8-9.el9.x86_64", "name": "ESCAPED", "x": [1]}),
    );
    variants.push(base);
    let response = big_image_page(serde_json::Value::Array(variants.clone()));
    let body = String::from_utf8(response.body().clone()).unwrap();
    let response = http::Response::new(body.replace("ESCAPED", r"b\u0061sh").into_bytes());
    let escaped = variants.len() - 2;
    variants[escaped]["name"] = json!("bash");

    let page = page::<ContainerImage, _>(&response, "find_images").unwrap();
    for image in &page.items {
        let rpms = image.rpms();
        assert_eq!(rpms.len(), variants.len());
        for (rpm, expected) in rpms.iter().zip(&variants) {
            let expected: Rpm = serde_json::from_value(expected.clone()).unwrap();
            assert_eq!(*rpm, expected);
        }
        assert!(rpms[0].ptr_eq(&rpms[escaped]) && rpms[0].ptr_eq(rpms.last().unwrap()));
        let mut distinct: Vec<&Rpm> = Vec::new();
        for rpm in rpms {
            if !distinct.iter().any(|seen| seen.ptr_eq(rpm)) {
                distinct.push(rpm);
            }
        }
        // Null and missing read the same; every other variant is its own RPM.
        assert_eq!(distinct.len(), 1 + 4 * 3);
    }
    let (first, last) = (page.items[0].rpms(), page.items[39].rpms());
    assert!(first.iter().zip(last).all(|(a, b)| a.ptr_eq(b)));
}

#[test]
fn bodies_that_are_not_utf8_decode_as_before() {
    // Bad bytes in a value nobody reads are skipped...
    let mut body =
        br#"{"extensions":{"x":"?"},"data":{"find_repositories":{"data":[{"repository":"r"}]}}}"#
            .to_vec();
    let bad = body.iter().position(|&b| b == b'?').unwrap();
    body[bad] = 0xFF;
    let page = repos_from(response(200, body.clone())).unwrap();
    assert_eq!(page.items[0].repository.as_deref(), Some("r"));
    // ...and in a value that is read, they are a decode error with its path.
    let mut body = br#"{"data":{"find_repositories":{"data":[{"repository":"?"}]}}}"#.to_vec();
    let bad = body.iter().position(|&b| b == b'?').unwrap();
    body[bad] = 0xFF;
    let error = repos_from(response(200, body)).unwrap_err();
    assert!(
        matches!(&error, Error::Decode { path, .. } if path == "data.find_repositories.data[0].repository"),
        "{error:?}"
    );
}
