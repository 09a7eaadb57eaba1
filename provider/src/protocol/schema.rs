//! Schemas: what the provider declares for itself, its resources and data sources, and their
//! encoding as the protocol's `Schema` message.

use std::collections::HashMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::proto::tfplugin6 as pb;

/// How a description is written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum StringKind {
    /// Plain text.
    #[default]
    Plain,
    /// Markdown.
    Markdown,
}

/// A description and how it is written.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Description {
    /// Plain or Markdown.
    pub kind: StringKind,
    /// The text.
    pub content: String,
}

impl Description {
    /// A plain-text description.
    pub fn plain<T: ToString>(content: T) -> Self {
        Self {
            kind: StringKind::Plain,
            content: content.to_string(),
        }
    }
    /// A Markdown description.
    pub fn markdown<T: ToString>(content: T) -> Self {
        Self {
            kind: StringKind::Markdown,
            content: content.to_string(),
        }
    }
}

impl From<StringKind> for pb::StringKind {
    fn from(k: StringKind) -> Self {
        match k {
            StringKind::Plain => pb::StringKind::Plain,
            StringKind::Markdown => pb::StringKind::Markdown,
        }
    }
}

/// A nested block and how many times it may appear.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NestedBlock {
    /// Exactly one.
    Single(Block),
    /// Any number, in order.
    List(Block),
    /// Any number, unordered.
    Set(Block),
    /// Labelled instances.
    Map(Block),
    /// One, whose attributes may all be left out.
    Group(Block),
    /// Zero or one (a list of at most one element on the wire).
    Optional(Block),
}

/// A block: attributes and nested blocks.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Block {
    /// The block's schema version (informational).
    pub version: i64,
    /// Attributes by name.
    pub attributes: HashMap<String, Attribute>,
    /// Nested blocks by name.
    pub blocks: HashMap<String, NestedBlock>,
    /// What the block is.
    pub description: Description,
    /// Deprecated.
    pub deprecated: bool,
}

/// An attribute's type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AttributeType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`.
    List(Box<AttributeType>),
    /// `set(T)`.
    Set(Box<AttributeType>),
    /// `map(T)`.
    Map(Box<AttributeType>),
    /// `object({...})`.
    Object(HashMap<String, AttributeType>),
    /// `tuple([...])`.
    Tuple(Vec<AttributeType>),
    /// `dynamic`: any type.
    Any,
}

/// Terraform's JSON type syntax: `"string"`, `["list","string"]`, `["object",{"a":"bool"}]`.
impl Serialize for AttributeType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Fields<'a>(&'a HashMap<String, AttributeType>);
        impl Serialize for Fields<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // Sorted, so the schema bytes are the same from run to run.
                let mut names: Vec<&String> = self.0.keys().collect();
                names.sort();
                let mut map = s.serialize_map(Some(names.len()))?;
                for n in names {
                    map.serialize_entry(n, &self.0[n])?;
                }
                map.end()
            }
        }
        match self {
            Self::String => s.serialize_str("string"),
            Self::Number => s.serialize_str("number"),
            Self::Bool => s.serialize_str("bool"),
            Self::Any => s.serialize_str("dynamic"),
            Self::List(t) => ("list", t).serialize(s),
            Self::Set(t) => ("set", t).serialize(s),
            Self::Map(t) => ("map", t).serialize(s),
            Self::Object(f) => ("object", Fields(f)).serialize(s),
            Self::Tuple(t) => ("tuple", t).serialize(s),
        }
    }
}

impl AttributeType {
    /// The JSON type syntax, as the protocol carries it.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing strings, tuples and string-keyed maps to JSON cannot fail.
        serde_json::to_vec(self).unwrap_or_else(|_| b"\"dynamic\"".to_vec())
    }
}

/// Who sets an attribute.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AttributeConstraint {
    /// Only the provider.
    Computed,
    /// The user, optionally.
    Optional,
    /// The user, or the provider when the user does not.
    OptionalComputed,
    /// The user, always.
    Required,
}

/// An attribute.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Attribute {
    /// Its type.
    pub attr_type: AttributeType,
    /// What it is.
    pub description: Description,
    /// Who sets it.
    pub constraint: AttributeConstraint,
    /// Hidden in plans and output.
    pub sensitive: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// Sent at plan and apply, never stored (protocol 6.8, Terraform 1.11): always null in state.
    pub write_only: bool,
}

/// A schema: a version and the top-level block.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Schema {
    /// The state's schema version (UpgradeResourceState receives older ones).
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

fn sorted<V>(m: &HashMap<String, V>) -> Vec<(&String, &V)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

impl From<&Block> for pb::schema::Block {
    fn from(b: &Block) -> Self {
        use pb::schema::nested_block::NestingMode;
        pb::schema::Block {
            version: b.version,
            attributes: sorted(&b.attributes)
                .into_iter()
                .map(|(name, a)| pb::schema::Attribute {
                    name: name.clone(),
                    r#type: a.attr_type.to_json(),
                    nested_type: None,
                    description: a.description.content.clone(),
                    required: a.constraint == AttributeConstraint::Required,
                    optional: matches!(
                        a.constraint,
                        AttributeConstraint::Optional | AttributeConstraint::OptionalComputed
                    ),
                    computed: matches!(
                        a.constraint,
                        AttributeConstraint::Computed | AttributeConstraint::OptionalComputed
                    ),
                    sensitive: a.sensitive,
                    description_kind: pb::StringKind::from(a.description.kind) as i32,
                    deprecated: a.deprecated,
                    write_only: a.write_only,
                })
                .collect(),
            block_types: sorted(&b.blocks)
                .into_iter()
                .map(|(name, nb)| {
                    let (mode, inner, min, max) = match nb {
                        NestedBlock::Single(b) => (NestingMode::Single, b, 1, 1),
                        NestedBlock::List(b) => (NestingMode::List, b, 0, 0),
                        NestedBlock::Set(b) => (NestingMode::Set, b, 0, 0),
                        NestedBlock::Map(b) => (NestingMode::Map, b, 0, 0),
                        NestedBlock::Group(b) => (NestingMode::Group, b, 0, 0),
                        NestedBlock::Optional(b) => (NestingMode::List, b, 0, 1),
                    };
                    pb::schema::NestedBlock {
                        type_name: name.clone(),
                        block: Some(inner.into()),
                        nesting: mode as i32,
                        min_items: min,
                        max_items: max,
                    }
                })
                .collect(),
            description: b.description.content.clone(),
            description_kind: pb::StringKind::from(b.description.kind) as i32,
            deprecated: b.deprecated,
        }
    }
}

impl From<&Schema> for pb::Schema {
    fn from(s: &Schema) -> Self {
        pb::Schema {
            version: s.version,
            block: Some((&s.block).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_type_syntax() {
        let t = AttributeType::List(Box::new(AttributeType::Object(HashMap::from([
            ("b".to_string(), AttributeType::Bool),
            (
                "a".to_string(),
                AttributeType::Map(Box::new(AttributeType::String)),
            ),
        ]))));
        assert_eq!(
            String::from_utf8(t.to_json()).unwrap(),
            r#"["list",["object",{"a":["map","string"],"b":"bool"}]]"#
        );
    }
}
