//! Checks every built-in request against the public Pyxis schema (path in `PYXIS_SCHEMA`) with
//! apollo-compiler: documents validate, variables coerce, and the one known deviation
//! (`rpm_manifest` in `ContainerImageFilter`) is named, confined and checked both ways.

mod schema_file;

use schema_file::schema;

mod common;

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::executable::Operation;
use apollo_compiler::request::{RequestError, coerce_variable_values};
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use common::{HOSTILE, SentRequest, all_requests};
use serde_json::{Value, json};

/// The one input field the built-in requests use that the public schema lacks.
const DEVIATION_FIELD: &str = "rpm_manifest";

/// The input type the public schema leaves [`DEVIATION_FIELD`] out of.
const DEVIATION_TYPE: &str = "ContainerImageFilter";

/// The cases (by name prefix) that send the deviation: `FindImagesByInstalledRpms`.
const DEVIATION_CASES: &str = "images by rpms";

/// `document`'s text parsed and validated against `schema`, or the diagnostics' messages.
fn validate(
    schema: &Valid<Schema>,
    text: &str,
    path: &str,
) -> Result<Valid<ExecutableDocument>, Vec<String>> {
    ExecutableDocument::parse_and_validate(schema, text, path).map_err(|invalid| {
        invalid
            .errors
            .iter()
            .map(|diagnostic| diagnostic.error.to_string())
            .collect()
    })
}

/// The validated document of `request`, failing the test with every diagnostic if it is invalid.
fn document(schema: &Valid<Schema>, request: &SentRequest) -> Valid<ExecutableDocument> {
    validate(
        schema,
        request.document.text(),
        &format!("{}.graphql", request.case),
    )
    .unwrap_or_else(|errors| {
        panic!(
            "{}: the document does not validate: {errors:#?}\n{}",
            request.case,
            request.document.text()
        )
    })
}

/// The operation `request` names in `document`.
fn operation<'a>(document: &'a ExecutableDocument, request: &SentRequest) -> &'a Operation {
    let name = request.document.operation_name();
    assert!(
        !name.is_empty(),
        "{}: built-in operations are named",
        request.case
    );
    document
        .operations
        .get(Some(name))
        .unwrap_or_else(|error| panic!("{}: {}", request.case, error.message()))
}

/// JSON variables as apollo-compiler's `JsonMap`.
fn json_map(variables: &Value) -> JsonMap {
    match JsonValue::from(variables.clone()) {
        JsonValue::Object(map) => map,
        other => panic!("variables must be a JSON object, not {other}"),
    }
}

/// Coerces `variables` for `operation`, first checking that each of them is declared: coercion
/// alone ignores undeclared variables, which would hide a misspelt variable name.
fn coerce(
    schema: &Valid<Schema>,
    operation: &Operation,
    variables: &Value,
) -> Result<(), RequestError> {
    let declared: BTreeSet<&str> = operation
        .variables
        .iter()
        .map(|variable| variable.name.as_str())
        .collect();
    let sent = variables.as_object().expect("variables are a JSON object");
    for name in sent.keys() {
        assert!(
            declared.contains(name.as_str()),
            "variable ${name} is sent but not declared (declared: {declared:?})"
        );
    }
    coerce_variable_values(schema, operation, &json_map(variables)).map(drop)
}

/// How many object keys named `key` occur anywhere in `value`.
fn key_count(value: &Value, key: &str) -> usize {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| usize::from(k == key) + key_count(v, key))
            .sum(),
        Value::Array(items) => items.iter().map(|item| key_count(item, key)).sum(),
        _ => 0,
    }
}

/// `variables` without the deviation: the one `filter.and` clause that is exactly
/// `{"rpm_manifest": {"rpms": {"name": {"in": [<strings>]}}}}`. `None` when the variables carry
/// no `rpm_manifest` at all; a test failure when they carry it in any other shape or place.
fn without_deviation(case: &str, variables: &Value) -> Option<Value> {
    if key_count(variables, DEVIATION_FIELD) == 0 {
        return None;
    }
    let mut stripped = variables.clone();
    let clauses = stripped["filter"]["and"]
        .as_array_mut()
        .unwrap_or_else(|| panic!("{case}: {DEVIATION_FIELD} outside a filter.and list"));
    let positions: Vec<usize> = clauses
        .iter()
        .enumerate()
        .filter(|(_, clause)| clause.get(DEVIATION_FIELD).is_some())
        .map(|(position, _)| position)
        .collect();
    assert_eq!(
        positions.len(),
        1,
        "{case}: exactly one filter.and clause holds {DEVIATION_FIELD}"
    );
    let clause = clauses.remove(positions[0]);
    let names = &clause[DEVIATION_FIELD]["rpms"]["name"]["in"];
    assert_eq!(
        clause,
        json!({ DEVIATION_FIELD: { "rpms": { "name": { "in": names } } } }),
        "{case}: the {DEVIATION_FIELD} clause has exactly the known shape"
    );
    assert!(
        names
            .as_array()
            .is_some_and(|names| !names.is_empty() && names.iter().all(Value::is_string)),
        "{case}: the {DEVIATION_FIELD} clause matches a non-empty list of RPM names"
    );
    assert_eq!(
        key_count(&stripped, DEVIATION_FIELD),
        0,
        "{case}: {DEVIATION_FIELD} occurs only in the one known clause"
    );
    Some(stripped)
}

/// Whether some string in `value` contains `needle`.
fn contains_text(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(text) => text.contains(needle),
        Value::Object(map) => map.values().any(|value| contains_text(value, needle)),
        Value::Array(items) => items.iter().any(|item| contains_text(item, needle)),
        _ => false,
    }
}

/// The request of `case`.
fn request(case: &str) -> SentRequest {
    all_requests()
        .into_iter()
        .find(|request| request.case == case)
        .unwrap_or_else(|| panic!("no case named {case:?}"))
}

#[test]
fn the_schema_validates() {
    let Some(schema) = schema("the_schema_validates") else {
        return;
    };
    let filter = schema
        .get_input_object(DEVIATION_TYPE)
        .unwrap_or_else(|| panic!("the schema defines input {DEVIATION_TYPE}"));
    assert!(
        !filter.fields.contains_key(DEVIATION_FIELD),
        "the schema now has {DEVIATION_TYPE}.{DEVIATION_FIELD}: the known deviation is gone, \
         so remove it from this file"
    );
}

#[test]
fn every_document_validates_with_its_operation_and_root_field() {
    let Some(schema) = schema("every_document_validates_with_its_operation_and_root_field") else {
        return;
    };
    for request in all_requests() {
        let document = document(&schema, &request);
        let operation = operation(&document, &request);
        assert!(
            operation.is_query(),
            "{}: built-in operations are queries",
            request.case
        );
        let roots: Vec<(&str, &str)> = operation
            .root_fields(&document)
            .map(|field| (field.name.as_str(), field.response_key().as_str()))
            .collect();
        let root = request.document.root_field();
        assert_eq!(
            roots,
            [(root, root)],
            "{}: the one root field, unaliased, is the one the answer is read from",
            request.case
        );
    }
}

#[test]
fn every_request_coerces_except_the_named_rpm_manifest_deviation() {
    let Some(schema) = schema("every_request_coerces_except_the_named_rpm_manifest_deviation")
    else {
        return;
    };
    let mut deviating = 0;
    for request in all_requests() {
        let document = document(&schema, &request);
        let operation = operation(&document, &request);
        let case = request.case;
        match without_deviation(case, &request.variables) {
            None => {
                if let Err(error) = coerce(&schema, operation, &request.variables) {
                    panic!(
                        "{case}: the variables do not coerce: {}\n{:#}",
                        error.message(),
                        request.variables
                    );
                }
            }
            Some(stripped) => {
                deviating += 1;
                let error = coerce(&schema, operation, &request.variables).expect_err(&format!(
                    "{case}: {DEVIATION_FIELD} coerced, so the schema has it: drop the deviation"
                ));
                let message = error.message().to_string();
                println!("{case}: expected deviation: {message}");
                assert!(
                    message.contains(&format!(" {DEVIATION_FIELD} "))
                        && message.contains(DEVIATION_TYPE),
                    "{case}: the coercion error is about {DEVIATION_TYPE}.{DEVIATION_FIELD}, \
                     not something else: {message}"
                );
                let graphql = error.to_graphql_error(&document.sources);
                assert!(
                    !graphql
                        .extensions
                        .contains_key("APOLLO_SUSPECTED_VALIDATION_BUG"),
                    "{case}: a value error, not a suspected validation bug: {message}"
                );
                if let Err(error) = coerce(&schema, operation, &stripped) {
                    panic!(
                        "{case}: without {DEVIATION_FIELD} the variables still do not coerce: \
                         {}\n{stripped:#}",
                        error.message()
                    );
                }
            }
        }
    }
    assert!(deviating > 0, "the deviation check ran on some request");
}

#[test]
fn the_rpm_manifest_deviation_is_exactly_the_images_by_rpms_cases() {
    let requests = all_requests();
    let deviating: BTreeSet<&str> = requests
        .iter()
        .filter(|request| without_deviation(request.case, &request.variables).is_some())
        .map(|request| request.case)
        .collect();
    let expected: BTreeSet<&str> = requests
        .iter()
        .map(|request| request.case)
        .filter(|case| case.starts_with(DEVIATION_CASES))
        .collect();
    assert!(!expected.is_empty(), "some cases are {DEVIATION_CASES:?}");
    assert_eq!(deviating, expected);
}

#[test]
fn the_checks_can_fail() {
    let Some(schema) = schema("the_checks_can_fail") else {
        return;
    };
    let repositories = request("repos: default");
    assert_eq!(repositories.document.operation_name(), "FindRepositories");
    let document = document(&schema, &repositories);
    let operation = operation(&document, &repositories);

    let misspelt = json!({ "filter": { "vendor_lable": { "eq": "x" } } });
    let error = coerce(&schema, operation, &misspelt)
        .expect_err("a misspelt filter field does not coerce")
        .message()
        .to_string();
    assert!(error.contains("vendor_lable"), "{error}");

    let wrong_type = json!({ "page": "0" });
    let error = coerce(&schema, operation, &wrong_type)
        .expect_err("a string page does not coerce")
        .message()
        .to_string();
    assert!(error.contains("page"), "{error}");

    let text = repositories.document.text();
    assert!(text.contains("data { "), "{text}");
    let unknown = text.replacen("data { ", "data { no_such_field ", 1);
    let errors = validate(&schema, &unknown, "unknown-field.graphql")
        .expect_err("a query with an unknown field does not validate");
    assert!(
        errors.iter().any(|error| error.contains("no_such_field")),
        "{errors:#?}"
    );
}

#[test]
fn bodies_carry_the_document_and_keep_values_in_variables() {
    let requests = all_requests();
    let mut texts: BTreeMap<&str, &str> = BTreeMap::new();
    for request in &requests {
        let case = request.case;
        let text = request.document.text();
        let name = request.document.operation_name();
        let body = request.body.as_object().expect("the body is a JSON object");
        let keys: BTreeSet<&str> = body.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["operationName", "query", "variables"]),
            "{case}"
        );
        assert_eq!(body["query"], text, "{case}");
        assert_eq!(body["operationName"], name, "{case}");
        assert_eq!(body["variables"], request.variables, "{case}");
        assert!(!text.contains('"'), "{case}: quotes in the query: {text}");
        assert_eq!(
            *texts.entry(name).or_insert(text),
            text,
            "{case}: operation {name} always sends the same text"
        );

        for outside in [text, name] {
            assert!(
                !outside.contains(HOSTILE) && !outside.contains("__schema"),
                "{case}: the hostile text leaks out of the variables: {outside}"
            );
        }
        assert_eq!(
            contains_text(&request.variables, HOSTILE),
            case.contains("hostile"),
            "{case}: the hostile cases, and only they, carry the hostile text as a value"
        );
    }
}
