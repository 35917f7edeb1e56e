//! Filter builder output always coerces against the schema (path in `PYXIS_SCHEMA`), given field
//! names and operators the schema has.
//!
//! Random filters for `ContainerImageFilter` and `ContainerRepositoryFilter` are built with
//! `pyxis_gql::filter` only: a proptest-drawn stream of choices walks the schema's input types
//! (nested fields become dotted paths, `<list>_elemMatch` fields `Filter::elem_match`,
//! `<list>_size` fields `Filter::size`, operator types such as `StringFilter` conditions made of
//! `eq ne lt le gt ge in out all regex iregex`, combined with `and or nor not`), and every result
//! must coerce as the `filter` variable of `find_images` / `find_repositories`.

mod schema_file;

use schema_file::schema;

use std::cell::RefCell;
use std::collections::BTreeMap;

use apollo_compiler::ast::Type;
use apollo_compiler::executable::Operation;
use apollo_compiler::request::coerce_variable_values;
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use pyxis_gql::filter::{self, Condition, Filter};
use serde_json::{Value, json};

/// How deep filters nest (logic, nested fields and `_elemMatch` each add a level).
const MAX_DEPTH: usize = 4;

/// The operators of the filter language (each has its builder function in `pyxis_gql::filter`).
const OPERATORS: &[&str] = &[
    "eq", "ne", "lt", "le", "gt", "ge", "in", "out", "all", "regex", "iregex",
];

/// The logic fields of a filter type.
const LOGIC: &[&str] = &["and", "or", "nor", "not"];

/// A one-variable query taking `filter` of `filter_type` at `root`.
fn document(schema: &Valid<Schema>, root: &str, filter_type: &str) -> Valid<ExecutableDocument> {
    let text = format!("query Q($filter: {filter_type}) {{ {root}(filter: $filter) {{ total }} }}");
    ExecutableDocument::parse_and_validate(schema, text, "filter.graphql")
        .unwrap_or_else(|invalid| panic!("{root}: {}", invalid.errors))
}

/// Coerces `filter` as the `filter` variable of the one operation in `document`.
fn coerce(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    filter: &Filter,
) -> Result<(), String> {
    let operation: &Operation = document
        .operations
        .get(None)
        .expect("the document's one operation");
    let variables: JsonMap = match JsonValue::from(json!({ "filter": filter.to_value() })) {
        JsonValue::Object(map) => map,
        _ => unreachable!("an object"),
    };
    coerce_variable_values(schema, operation, &variables)
        .map(drop)
        .map_err(|error| error.message().to_string())
}

/// What a field of a filter type is, for the builder.
#[derive(Clone, Debug)]
enum Slot {
    /// An operator type (`StringFilter`, `IntFilter`, ...): a condition.
    Condition(String),
    /// `<list>_elemMatch`: filters over the element type.
    ElemMatch(String),
    /// `<list>_size`: a condition on the length.
    Size(String),
    /// A nested input object: its fields under a dotted path.
    Nested(String),
}

/// The schema's filter types, read once.
struct Catalog<'s> {
    schema: &'s Schema,
    /// Per input type, its fields other than logic and `NULL`-typed ones.
    fields: RefCell<BTreeMap<String, Vec<(String, Slot)>>>,
}

impl<'s> Catalog<'s> {
    fn new(schema: &'s Schema) -> Self {
        Self {
            schema,
            fields: RefCell::default(),
        }
    }

    fn input_fields(&self, ty: &str) -> Vec<(String, Type)> {
        let object = self
            .schema
            .get_input_object(ty)
            .unwrap_or_else(|| panic!("{ty} is not an input type"));
        object
            .fields
            .iter()
            .map(|(name, field)| (name.to_string(), field.ty.as_ref().clone()))
            .collect()
    }

    /// Whether `ty` is an operator type: every field an operator (or the list index filter),
    /// and at least one operator with a real type.
    fn is_operator_type(&self, ty: &str) -> bool {
        let fields = self.input_fields(ty);
        fields
            .iter()
            .all(|(name, _)| OPERATORS.contains(&name.as_str()) || name == "list_index_filter")
            && fields.iter().any(|(name, field_type)| {
                OPERATORS.contains(&name.as_str()) && field_type.inner_named_type() != "NULL"
            })
    }

    /// The builder-reachable fields of `ty`.
    fn slots(&self, ty: &str) -> Vec<(String, Slot)> {
        if let Some(slots) = self.fields.borrow().get(ty) {
            return slots.clone();
        }
        let mut slots = Vec::new();
        for (name, field_type) in self.input_fields(ty) {
            let named = field_type.inner_named_type().to_string();
            if LOGIC.contains(&name.as_str()) || named == "NULL" || field_type.is_list() {
                continue;
            }
            if !matches!(
                self.schema.types.get(named.as_str()),
                Some(ExtendedType::InputObject(_))
            ) {
                continue;
            }
            let slot = if let Some(list) = name.strip_suffix("_elemMatch") {
                let element = self
                    .input_fields(&named)
                    .into_iter()
                    .find(|(logic, _)| logic == "and")
                    .map(|(_, t)| t.inner_named_type().to_string())
                    .unwrap_or_else(|| panic!("{ty}.{name}: an elemMatch type without `and`"));
                (list.to_owned(), Slot::ElemMatch(element))
            } else if let Some(list) = name.strip_suffix("_size") {
                (list.to_owned(), Slot::Size(named))
            } else if self.is_operator_type(&named) {
                (name, Slot::Condition(named))
            } else {
                (name, Slot::Nested(named))
            };
            slots.push(slot);
        }
        assert!(!slots.is_empty(), "{ty} has no field the builder can use");
        self.fields
            .borrow_mut()
            .insert(ty.to_owned(), slots.clone());
        slots
    }
}

/// Builds filters from a stream of choices; an exhausted stream always picks the first option,
/// which ends every recursion.
struct Builder<'c, 's> {
    catalog: &'c Catalog<'s>,
    choices: std::vec::IntoIter<u32>,
}

impl Builder<'_, '_> {
    fn pick(&mut self, options: usize) -> usize {
        assert!(options > 0);
        self.choices.next().map_or(0, |c| c as usize % options)
    }

    /// A filter over the filter type `ty`: mostly one clause, else logic over more (rarely
    /// the empty filter, or logic over nothing, which is the empty filter too).
    fn filter(&mut self, ty: &str, depth: usize) -> Filter {
        if depth >= MAX_DEPTH {
            return self.clause(ty, None, depth);
        }
        match self.pick(16) {
            0..=7 => self.clause(ty, None, depth),
            8 => Filter::all(),
            kind => {
                let count = [1, 2, 3, 0][self.pick(4)];
                let parts: Vec<Filter> = (0..count).map(|_| self.filter(ty, depth + 1)).collect();
                match kind {
                    9 | 10 => Filter::and(parts),
                    11 | 12 => Filter::or(parts),
                    13 | 14 => Filter::nor(parts),
                    _ => Filter::not(self.filter(ty, depth + 1)),
                }
            }
        }
    }

    /// One field of `ty` (under `prefix`), as the builder writes it.
    fn clause(&mut self, ty: &str, prefix: Option<&str>, depth: usize) -> Filter {
        let mut slots = self.catalog.slots(ty);
        if depth >= MAX_DEPTH {
            // Stop nesting: keep the fields that end here, when there are some.
            let ending: Vec<_> = slots
                .iter()
                .filter(|(_, slot)| matches!(slot, Slot::Condition(_) | Slot::Size(_)))
                .cloned()
                .collect();
            if !ending.is_empty() {
                slots = ending;
            }
        }
        let (name, slot) = slots[self.pick(slots.len())].clone();
        let path = match prefix {
            Some(prefix) => format!("{prefix}.{name}"),
            None => name,
        };
        match slot {
            Slot::Condition(operator_type) => Filter::field(&path, self.condition(&operator_type)),
            Slot::Size(operator_type) => Filter::size(&path, self.condition(&operator_type)),
            Slot::ElemMatch(element) => {
                let count = [1, 2, 0][self.pick(3)];
                let inner: Vec<Filter> = (0..count)
                    .map(|_| self.filter(&element, depth + 1))
                    .collect();
                Filter::elem_match(&path, inner)
            }
            Slot::Nested(nested) => self.clause(&nested, Some(&path), depth + 1),
        }
    }

    /// One to three operators of the operator type `ty`, merged.
    fn condition(&mut self, ty: &str) -> Condition {
        let operators: Vec<(String, Type)> = self
            .catalog
            .input_fields(ty)
            .into_iter()
            .filter(|(name, t)| {
                OPERATORS.contains(&name.as_str()) && t.inner_named_type() != "NULL"
            })
            .collect();
        let count = 1 + self.pick(3);
        let mut condition = Condition::default();
        for _ in 0..count {
            let (operator, operand) = operators[self.pick(operators.len())].clone();
            condition = condition.and(self.operator(&operator, &operand));
        }
        condition
    }

    fn operator(&mut self, operator: &str, operand: &Type) -> Condition {
        if operand.is_list() {
            let count = self.pick(4);
            let item = operand.item_type().clone();
            let values: Vec<Value> = (0..count).map(|_| self.value(&item)).collect();
            return match operator {
                "in" => filter::in_(values),
                "out" => filter::out(values),
                "all" => filter::all(values),
                other => panic!("list operand for `{other}`"),
            };
        }
        let value = self.value(operand);
        match operator {
            "eq" => filter::eq(value),
            "ne" => filter::ne(value),
            "lt" => filter::lt(value),
            "le" => filter::le(value),
            "gt" => filter::gt(value),
            "ge" => filter::ge(value),
            "regex" | "iregex" => {
                let pattern = match value {
                    Value::String(text) => text,
                    other => panic!("`{operator}` takes a string, the schema says {other}"),
                };
                if operator == "regex" {
                    filter::regex(pattern)
                } else {
                    filter::iregex(pattern)
                }
            }
            other => panic!("single operand for `{other}`"),
        }
    }

    /// A value of the named type `ty`.
    fn value(&mut self, ty: &Type) -> Value {
        let named = ty.inner_named_type().as_str();
        let choice = self.choices.next().unwrap_or(0);
        match self.catalog.schema.types.get(named) {
            Some(ExtendedType::Enum(enumeration)) => {
                let values: Vec<&str> = enumeration.values.keys().map(|v| v.as_str()).collect();
                json!(values[choice as usize % values.len()])
            }
            _ => match named {
                "Int" => json!(choice as i32),
                "Float" => json!(f64::from(choice) / 7.0),
                "Boolean" => json!(choice.is_multiple_of(2)),
                "Int64" => json!(i64::from(choice) << 20),
                // Strings and every custom string-like scalar; hostile text included.
                _ => json!(
                    [
                        "",
                        "foo-1-1",
                        r#""}) { __schema { types { name } } }"#,
                        r"^a.*(b|c)+\d{2,}$",
                        "2024-01-01T00:00:00+00:00",
                        "\u{0}\u{7f}é☃",
                    ][choice as usize % 6]
                ),
            },
        }
    }
}

fn check_every_filter_coerces(test: &str, root: &str, filter_type: &str) {
    let Some(schema) = schema(test) else {
        return;
    };
    let document = document(&schema, root, filter_type);
    let catalog = Catalog::new(&schema);
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    let strategy = proptest::collection::vec(any::<u32>(), 0..200);
    let result = runner.run(&strategy, |choices| {
        let filter = Builder {
            catalog: &catalog,
            choices: choices.into_iter(),
        }
        .filter(filter_type, 0);
        coerce(&schema, &document, &filter).map_err(|message| {
            TestCaseError::fail(format!(
                "{message}\nfilter: {}",
                serde_json::to_string(&filter).unwrap()
            ))
        })
    });
    if let Err(failure) = result {
        panic!("{test}: a built filter does not coerce as {filter_type}: {failure}");
    }
}

#[test]
fn every_built_image_filter_coerces() {
    check_every_filter_coerces(
        "every_built_image_filter_coerces",
        "find_images",
        "ContainerImageFilter",
    );
}

#[test]
fn every_built_repository_filter_coerces() {
    check_every_filter_coerces(
        "every_built_repository_filter_coerces",
        "find_repositories",
        "ContainerRepositoryFilter",
    );
}

/// The property has teeth: a wrong field name, or an operator the field's type lacks, fails.
#[test]
fn wrong_names_do_not_coerce() {
    let Some(schema) = schema("wrong_names_do_not_coerce") else {
        return;
    };
    let document = document(&schema, "find_repositories", "ContainerRepositoryFilter");
    let good = Filter::and([
        Filter::field("published", filter::eq(true)),
        Filter::elem_match(
            "content_stream_grades",
            [Filter::field("tag", filter::eq("latest"))],
        ),
    ]);
    coerce(&schema, &document, &good).expect("a filter the schema has");
    for bad in [
        Filter::field("no_such_field", filter::eq("x")),
        Filter::field("published", filter::regex("x")),
        Filter::field("display_data.no_such_field", filter::eq("x")),
        Filter::size("published", filter::eq(1)),
        Filter::elem_match("repository", [Filter::field("x", filter::eq(1))]),
    ] {
        assert!(
            coerce(&schema, &document, &bad).is_err(),
            "coerced: {}",
            serde_json::to_string(&bad).unwrap()
        );
    }
}
