//! Executes a GraphQL request body against the dataset: resolves the
//! supported root fields into views that serialize like Pyxis responses.

use serde_json::{Map, Value, json};

use crate::dataset::Dataset;
use crate::filter::{Filter, kind};
use crate::project::{Answer, DocView, Envelope, Optional, PageView, Shape, SingleView};
use crate::query::{RootField, root_field};
use crate::sort::{page_of, parse_sort_by, sort_documents};

/// An HTTP status and serialized JSON body to answer with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            body: body.to_string().into_bytes(),
        }
    }
}

/// A request body parsed far enough to execute.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) query: String,
    pub(crate) variables: Map<String, Value>,
}

impl Request {
    /// Parses `{query, variables, operationName}`; the error is the reply a
    /// malformed body gets.
    pub(crate) fn parse(body: &[u8]) -> Result<Request, Reply> {
        let bad = |message: String| Reply::json(400, &errors_body(&message, None));
        let json: Value = serde_json::from_slice(body)
            .map_err(|e| bad(format!("request body is not valid JSON: {e}")))?;
        let query = json
            .get("query")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("request body has no `query` string".to_owned()))?
            .to_owned();
        let variables = match json.get("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => {
                return Err(bad(format!(
                    "`variables` must be an object, got {}",
                    kind(other)
                )));
            }
        };
        Ok(Request { query, variables })
    }
}

/// Answers a request body.
pub(crate) fn respond(dataset: &Dataset, body: &[u8]) -> Reply {
    let request = match Request::parse(body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let root = match root_field(&request.query) {
        Ok(r) => r,
        Err(e) => {
            return Reply::json(
                200,
                &errors_body(&format!("cannot read the query: {e}"), None),
            );
        }
    };
    let answer = match resolve(dataset, &root, &request) {
        Ok(a) => a,
        Err(e) => return Reply::json(200, &errors_body(&e, Some(&root.response_key))),
    };
    let envelope = Envelope {
        key: &root.response_key,
        answer,
    };
    match serde_json::to_vec(&envelope) {
        Ok(body) => Reply { status: 200, body },
        Err(e) => Reply::json(
            500,
            &errors_body(&format!("cannot serialize the answer: {e}"), None),
        ),
    }
}

/// A GraphQL error response; `path` names the failing root field.
pub(crate) fn errors_body(message: &str, path: Option<&str>) -> Value {
    let mut error = json!({ "message": message, "locations": [{ "line": 1, "column": 2 }] });
    if let Some(p) = path {
        error["path"] = json!([p]);
    }
    json!({ "data": null, "errors": [error] })
}

/// Resolves the root field.
fn resolve<'a>(
    dataset: &'a Dataset,
    root: &RootField,
    request: &Request,
) -> Result<Answer<'a>, String> {
    let args = Args::new(root, &request.variables)?;
    // Optional fields only when the query selects them, as a GraphQL server answers (the
    // document reader is a sketch: the field's name anywhere in the query counts).
    let selects = |field: &str| {
        request
            .query
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|token| token == field)
    };
    let optional = Optional::selected_by(selects);
    let image = Shape::Image {
        with_manifest: request.query.contains("rpm_manifest"),
        optional,
    };
    let repository_shape = Shape::Repository { optional };
    // Like a GraphQL server, `total` only when the query selects it (the document reader is
    // a sketch: any `total` token counts).
    let with_total = selects("total");
    match root.name.as_str() {
        "find_repositories" => {
            args.only(&["page", "page_size", "filter", "sort_by"])?;
            paginated(
                &dataset.repositories,
                &args,
                |_| true,
                repository_shape,
                with_total,
            )
        }
        "get_repository_by_registry_path" => {
            args.only(&["registry", "repository"])?;
            let registry = args.required_str("registry")?;
            let repository = args.required_str("repository")?;
            Ok(single(
                dataset.repository(registry, repository),
                repository_shape,
                || {
                    format!(
                        "Unable to find repository with registry {registry} and repository {repository}"
                    )
                },
            ))
        }
        "get_repository" => {
            args.only(&["id"])?;
            let id = args.required_str("id")?;
            Ok(single(
                by_id(&dataset.repositories, id),
                repository_shape,
                || format!("Unable to find repository with id {id}"),
            ))
        }
        "get_image" => {
            args.only(&["id"])?;
            let id = args.required_str("id")?;
            Ok(single(by_id(&dataset.images, id), image, || {
                format!("Unable to find image with id {id}")
            }))
        }
        "get_image_by_manifest_digest_registry_and_repository" => {
            args.only(&["registry", "repository", "manifest_digest"])?;
            let registry = args.required_str("registry")?;
            let repository = args.required_str("repository")?;
            let digest = args.required_str("manifest_digest")?;
            let found = dataset.images.iter().find(|image| {
                repository_entries(image, registry, repository).any(|entry| {
                    ["manifest_schema2_digest", "manifest_list_digest"]
                        .iter()
                        .any(|field| entry[*field].as_str() == Some(digest))
                })
            });
            Ok(single(found, image, || {
                format!(
                    "Unable to find image with manifest digest {digest} in {registry}/{repository}"
                )
            }))
        }
        "find_repository_images_by_registry_path"
        | "find_repository_images_by_registry_path_tag" => {
            let by_tag = root.name.ends_with("_tag");
            let common = [
                "registry",
                "repository",
                "page",
                "page_size",
                "filter",
                "sort_by",
            ];
            if by_tag {
                args.only(&[&common[..], &["tag"]].concat())?;
            } else {
                args.only(&common)?;
            }
            let registry = args.required_str("registry")?;
            let repository = args.required_str("repository")?;
            let tag = if by_tag {
                Some(args.required_str("tag")?)
            } else {
                None
            };
            let tagged = |entry: &Value| {
                tag.is_none_or(|tag| {
                    entry["tags"]
                        .as_array()
                        .is_some_and(|tags| tags.iter().any(|t| t["name"].as_str() == Some(tag)))
                })
            };
            paginated(
                &dataset.images,
                &args,
                |image| repository_entries(image, registry, repository).any(tagged),
                image,
                with_total,
            )
        }
        "find_images" => {
            args.only(&["page", "page_size", "filter", "sort_by"])?;
            paginated(&dataset.images, &args, |_| true, image, with_total)
        }
        "find_images_by_nvr" => {
            args.only(&["nvr", "page", "page_size", "filter", "sort_by"])?;
            let nvr = args.required_str("nvr")?;
            paginated(
                &dataset.images,
                &args,
                |d| d.pointer("/brew/build").and_then(Value::as_str) == Some(nvr),
                image,
                with_total,
            )
        }
        other => Err(format!(
            "Cannot query field \"{other}\" on type \"Query\" (the loopback server supports \
             find_repositories, get_repository_by_registry_path, get_repository, find_images, \
             find_images_by_nvr, get_image, get_image_by_manifest_digest_registry_and_repository, \
             find_repository_images_by_registry_path and find_repository_images_by_registry_path_tag)."
        )),
    }
}

/// A single-object answer: the document, or Pyxis's 404 error object.
fn single<'a>(
    found: Option<&'a Value>,
    shape: Shape,
    not_found: impl FnOnce() -> String,
) -> Answer<'a> {
    Answer::Single(match found {
        Some(doc) => SingleView {
            doc: Some(DocView { doc, shape }),
            error: None,
        },
        None => SingleView {
            doc: None,
            error: Some(json!({ "status": 404, "detail": not_found() })),
        },
    })
}

/// The document whose `_id` is `id`.
fn by_id<'a>(docs: &'a [Value], id: &str) -> Option<&'a Value> {
    docs.iter().find(|doc| doc["_id"].as_str() == Some(id))
}

/// An image's entries for the repository at `registry`/`repository`.
fn repository_entries<'a>(
    image: &'a Value,
    registry: &'a str,
    repository: &'a str,
) -> impl Iterator<Item = &'a Value> + 'a {
    image["repositories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |entry| {
            entry["registry"].as_str() == Some(registry)
                && entry["repository"].as_str() == Some(repository)
        })
}

struct Args<'a> {
    field: &'a str,
    values: Vec<(String, Value)>,
}

impl<'a> Args<'a> {
    fn new(root: &'a RootField, variables: &Map<String, Value>) -> Result<Self, String> {
        let values = root.resolve_args(variables);
        for (i, (name, _)) in values.iter().enumerate() {
            if values[..i].iter().any(|(n, _)| n == name) {
                return Err(format!("There can be only one argument named \"{name}\"."));
            }
        }
        Ok(Args {
            field: &root.name,
            values,
        })
    }

    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .values
            .iter()
            .find(|(n, _)| !allowed.contains(&n.as_str()))
        {
            Some((n, _)) => Err(format!(
                "Unknown argument \"{n}\" on field \"Query.{}\".",
                self.field
            )),
            None => Ok(()),
        }
    }

    fn get(&self, name: &str) -> &Value {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&Value::Null, |(_, v)| v)
    }

    fn required_str(&self, name: &str) -> Result<&str, String> {
        match self.get(name) {
            Value::String(s) => Ok(s),
            Value::Null => Err(format!("argument `{name}` of `{}` is required", self.field)),
            other => Err(format!(
                "argument `{name}` must be a string, got {}",
                kind(other)
            )),
        }
    }

    fn count(&self, name: &str, default: usize) -> Result<usize, String> {
        match self.get(name) {
            Value::Null => Ok(default),
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("argument `{name}` must be a non-negative Int, got {n}")),
            other => Err(format!(
                "argument `{name}` must be an Int, got {}",
                kind(other)
            )),
        }
    }
}

/// Filters, sorts and slices `docs` into a `*PaginatedResponse`.
fn paginated<'a>(
    docs: &'a [Value],
    args: &Args<'_>,
    scope: impl Fn(&Value) -> bool,
    shape: Shape,
    with_total: bool,
) -> Result<Answer<'a>, String> {
    let page = args.count("page", 0)?;
    let page_size = args.count("page_size", 50)?;
    let filter = Filter::compile(args.get("filter"))?;
    let sort = parse_sort_by(args.get("sort_by"))?;
    let mut matched: Vec<&Value> = docs
        .iter()
        .filter(|d| scope(d) && filter.matches(d))
        .collect();
    sort_documents(&mut matched, &sort);
    Ok(Answer::Page(PageView {
        items: page_of(&matched, page, page_size),
        shape,
        page,
        page_size,
        total: with_total.then_some(matched.len()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DatasetSpec;

    fn dataset() -> Dataset {
        Dataset::generate(&DatasetSpec {
            repositories: 40,
            images: 90,
            rpms_per_image: 20,
        })
    }

    /// Status and parsed body.
    struct Out {
        status: u16,
        body: Value,
    }

    fn parse(r: Reply) -> Out {
        let body = serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}"));
        Out {
            status: r.status,
            body,
        }
    }

    fn call(d: &Dataset, query: &str, variables: Value) -> Out {
        let body = json!({ "query": query, "variables": variables, "operationName": null });
        parse(respond(d, body.to_string().as_bytes()))
    }

    const FIND_IMAGES: &str = "query($page: Int, $page_size: Int, $filter: ContainerImageFilter, $sort_by: [SortBy]) { find_images(page: $page, page_size: $page_size, filter: $filter, sort_by: $sort_by) { data { _id } error { status detail } page page_size total } }";

    #[test]
    fn find_images_pages_through_everything() {
        let d = dataset();
        let mut seen = Vec::new();
        for page in 0..3 {
            let r = call(&d, FIND_IMAGES, json!({ "page": page, "page_size": 40 }));
            assert_eq!(r.status, 200);
            let resp = &r.body["data"]["find_images"];
            assert_eq!(resp["total"], 90);
            assert_eq!(resp["page"], page);
            assert_eq!(resp["page_size"], 40);
            assert_eq!(resp["error"], Value::Null);
            seen.extend(resp["data"].as_array().cloned().unwrap_or_default());
        }
        let ids: Vec<&Value> = seen.iter().map(|i| &i["_id"]).collect();
        let expected: Vec<&Value> = d.images.iter().map(|i| &i["_id"]).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn total_only_when_selected() {
        let d = dataset();
        let with = call(
            &d,
            "{ find_images { total page data { _id } } }",
            json!(null),
        );
        assert_eq!(with.body["data"]["find_images"]["total"], 90);
        let without = call(&d, "{ find_images { page data { _id } } }", json!(null));
        assert!(without.body["data"]["find_images"].get("total").is_none());
    }

    #[test]
    fn defaults_are_page_zero_of_fifty() {
        let d = dataset();
        let r = call(
            &d,
            "{ find_images { total page page_size data { _id } } }",
            json!(null),
        );
        let resp = &r.body["data"]["find_images"];
        assert_eq!(resp["page"], 0);
        assert_eq!(resp["page_size"], 50);
        assert_eq!(resp["data"].as_array().map(Vec::len), Some(50));
    }

    #[test]
    fn filter_sort_and_projection() {
        let d = dataset();
        let r = call(
            &d,
            FIND_IMAGES,
            json!({
                "filter": { "brew": { "package": { "eq": "busy-container" } } },
                "sort_by": [{ "field": "creation_date", "order": "DESC" }],
            }),
        );
        let resp = &r.body["data"]["find_images"];
        assert_eq!(resp["total"], 15);
        let first = &resp["data"][0];
        assert_eq!(first["brew"]["build"], "busy-container-1.10-2");
        assert!(first.get("edges").is_none());
        assert!(first.get("rpm_manifest").is_none());
        assert!(first.get("image_id").is_none());
        assert!(first.get("parent_brew_build").is_some());
    }

    #[test]
    fn manifest_only_when_asked_for() {
        let d = dataset();
        let q = "query($nvr: String) { find_images_by_nvr(nvr: $nvr) { data { _id edges { rpm_manifest { data { image_id rpms { name nvra srpm_name srpm_nevra } } } } } total } }";
        let r = call(&d, q, json!({ "nvr": "foo++-container-2.0-1" }));
        let resp = &r.body["data"]["find_images_by_nvr"];
        assert_eq!(resp["total"], 1);
        let img = &resp["data"][0];
        let manifest = &img["edges"]["rpm_manifest"]["data"];
        assert_eq!(manifest["image_id"], img["_id"]);
        assert_eq!(manifest["rpms"].as_array().map(Vec::len), Some(20));
        assert!(manifest["rpms"][0]["srpm_nevra"].is_string());
    }

    #[test]
    fn repository_lookup_and_not_found() {
        let d = dataset();
        let q = "query($registry: String, $repository: String) { get_repository_by_registry_path(registry: $registry, repository: $repository) { data { _id registry repository } error { status detail } } }";
        let repo = &d.repositories[3];
        let r = call(
            &d,
            q,
            json!({ "registry": repo["registry"], "repository": repo["repository"] }),
        );
        let resp = &r.body["data"]["get_repository_by_registry_path"];
        assert_eq!(resp["data"]["_id"], repo["_id"]);
        assert_eq!(resp["error"], Value::Null);
        let r = call(
            &d,
            q,
            json!({ "registry": "quay.io", "repository": "no/such" }),
        );
        let resp = &r.body["data"]["get_repository_by_registry_path"];
        assert_eq!(resp["data"], Value::Null);
        assert_eq!(resp["error"]["status"], 404);
    }

    #[test]
    fn find_repositories_keeps_ragged_fields_as_null() {
        let d = dataset();
        let q = "query($filter: ContainerRepositoryFilter) { find_repositories(filter: $filter, page_size: 100) { data { _id auto_rebuild_tags release_categories } total } }";
        let r = call(
            &d,
            q,
            json!({ "filter": { "_id": { "eq": d.repositories[6]["_id"] } } }),
        );
        let resp = &r.body["data"]["find_repositories"];
        assert_eq!(resp["total"], 1);
        assert_eq!(resp["data"][0]["auto_rebuild_tags"], Value::Null);
        assert_eq!(resp["data"][0]["release_categories"], json!(["Deprecated"]));
    }

    #[test]
    fn errors_are_graphql_errors() {
        let d = dataset();
        let r = parse(respond(&d, b"{not json"));
        assert_eq!(r.status, 400);
        assert!(r.body["errors"][0]["message"].is_string());
        let r = parse(respond(&d, br#"{"variables": {}}"#));
        assert_eq!(r.status, 400);
        let r = call(&d, "{ find_containers { total } }", json!({}));
        assert_eq!(r.status, 200);
        assert_eq!(r.body["data"], Value::Null);
        assert_eq!(r.body["errors"][0]["path"], json!(["find_containers"]));
        let r = call(
            &d,
            FIND_IMAGES,
            json!({ "filter": { "brew": { "build": { "like": "x" } } } }),
        );
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("like"))
        );
        let r = call(&d, FIND_IMAGES, json!({ "page": -1 }));
        assert!(r.body["errors"].is_array());
        let r = call(&d, "{ find_images(bogus: 1) { total } }", json!({}));
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("bogus"))
        );
    }

    #[test]
    fn aliases_name_the_response_key() {
        let d = dataset();
        let r = call(
            &d,
            "{ imgs: find_images(page_size: 1) { total } }",
            json!({}),
        );
        assert_eq!(r.body["data"]["imgs"]["total"], 90);
    }
}
