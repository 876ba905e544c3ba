//! Pieces of JSON Schema that utoipa cannot derive from a Rust type alone, for
//! `#[schema(schema_with = …)]`: a string that is one of a table of names (the names a type
//! answers with, so the document cannot list a name the code does not have).

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// A string that is one of `names`.
pub fn one_of_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .build()
}
