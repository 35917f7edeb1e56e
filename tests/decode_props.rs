//! Any bytes in, a value or a typed error out: never a panic, and never a shorter success.

use proptest::prelude::*;
use pyxis_gql::model::{ContainerImage, ContainerRepository};
use pyxis_gql::ops::{
    FindImagesByInstalledRpms, FindLatestImagesByNameVersion, GetRepositoryByRegistryPath,
};
use pyxis_gql::{Error, Operation, PaginatedOperation, RegistryPath, decode};
use serde_json::{Value, json};

fn response(body: Vec<u8>) -> http::Response<Vec<u8>> {
    http::Response::new(body)
}

/// Runs every decoder of the crate over one body; each must return, not panic.
fn decode_everything(body: &[u8]) -> Vec<Result<(), Error>> {
    let response = response(body.to_vec());
    let rpms = FindImagesByInstalledRpms::new(["openssl"]);
    vec![
        decode::page::<ContainerRepository, _>(&response, "find_repositories").map(drop),
        decode::page::<ContainerImage, _>(&response, "find_images").map(drop),
        decode::object::<ContainerRepository, _>(&response, "get_repository_by_registry_path")
            .map(drop),
        decode::whole_data::<Value, _>(&response).map(drop),
        rpms.decode_page(&response).map(drop),
        GetRepositoryByRegistryPath::new(RegistryPath::new("r", "p"))
            .decode(&response)
            .map(drop),
        FindLatestImagesByNameVersion::new("n", "v")
            .candidates()
            .decode_page(&response)
            .map(drop),
    ]
}

fn image(i: usize) -> Value {
    json!({
        "architecture": if i.is_multiple_of(3) { Value::Null } else { json!("amd64") },
        "brew": {"build": format!("pkg-{i}-1.0-1"), "package": format!("pkg-{i}")},
        "content_sets": ["cs-a", "cs-b"],
        "parent_brew_build": null,
        "parsed_data": if i.is_multiple_of(2) { json!({}) } else { json!({"labels": [{"name": "version", "value": "1.0"}]}) },
        "repositories": [{"registry": "reg", "repository": "ns/repo", "published": true, "tags": [{"name": "latest"}]}],
        "edges": {"rpm_manifest": {"data": {"image_id": "id", "rpms": [{"name": "openssl", "nvra": "openssl-3-1.x86_64", "srpm_name": "openssl", "srpm_nevra": "openssl-1:3-1.src"}]}}}
    })
}

fn valid_bodies() -> Vec<Vec<u8>> {
    let images: Vec<Value> = (0..3).map(image).collect();
    [
        json!({"data": {"find_images": {"data": images, "page": 0, "page_size": 50, "total": 3, "error": null}}}),
        json!({"data": {"find_repositories": {"data": [{"repository": "a/b", "registry": "r", "published": true, "release_categories": ["GA"], "auto_rebuild_tags": ["latest"]}], "page": 0, "page_size": 50, "total": 1}}}),
        json!({"data": {"get_repository_by_registry_path": {"data": {"repository": "a/b"}, "error": null}}}),
        json!({"errors": [{"message": "m", "locations": [{"line": 1, "column": 2}], "path": ["find_images"]}], "data": null}),
    ]
    .iter()
    .map(|v| serde_json::to_vec(v).unwrap())
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        for result in decode_everything(&body) {
            prop_assert!(result.is_err(), "random bytes are not a Pyxis answer");
        }
    }

    #[test]
    fn mutated_bodies_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut body = valid_bodies()[which].clone();
        for (at, byte) in edits {
            let i = at.index(body.len());
            body[i] = byte;
        }
        let _ = decode_everything(&body);
    }

    #[test]
    fn json_shaped_noise_never_panics(value in json_value()) {
        let _ = decode_everything(&serde_json::to_vec(&json!({"data": {"find_images": {"data": [value.clone()], "total": 1}}})).unwrap());
        let _ = decode_everything(&serde_json::to_vec(&json!({"data": value})).unwrap());
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z_]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("brew".to_owned()),
                    Just("edges".to_owned()),
                    Just("rpms".to_owned()),
                    Just("data".to_owned()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn every_truncation_of_a_valid_body_is_an_error() {
    for body in valid_bodies() {
        let whole = decode_everything(&body);
        let has_errors = body.windows(8).any(|w| w == b"\"errors\"");
        assert!(
            whole.iter().any(Result::is_ok) != has_errors,
            "the whole body decodes somewhere"
        );
        for cut in 0..body.len() {
            for result in decode_everything(&body[..cut]) {
                let error = result.expect_err("a cut body never decodes");
                assert!(
                    matches!(error, Error::Decode { .. }),
                    "cut at {cut}: {error:?}"
                );
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let depth = 100_000;
    let body = format!("{{\"data\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
    for result in decode_everything(body.as_bytes()) {
        assert!(matches!(result, Err(Error::Decode { .. })));
    }
}
