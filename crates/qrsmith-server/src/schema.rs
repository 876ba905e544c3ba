//! Pieces of JSON Schema that utoipa cannot derive from a Rust type alone, for
//! `#[schema(schema_with = …)]`: a string that is one of a table of names (the names a type
//! answers with, so the document cannot list a name the code does not have), and a reference
//! to a schema still written by hand.

use serde_json::Value;
use utoipa::openapi::schema::{Object, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::Ref;

/// A string that is one of `names`.
pub fn one_of_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .build()
}

/// A string that is one of `names`, or null (an `Option` that reads null as absent).
pub fn optional_name<'a>(names: impl IntoIterator<Item = &'a str>) -> Object {
    let values = names
        .into_iter()
        .map(Value::from)
        .chain([Value::Null])
        .collect::<Vec<_>>();
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .build()
}

/// The schema named `name`, or null.
pub fn optional_ref(name: &str) -> Schema {
    Schema::OneOf(
        OneOfBuilder::new()
            .item(Ref::from_schema_name(name))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build(),
    )
}
