//! The Terraform schema of a declared composite (the only place that speaks the protocol
//! library's schema types).

use std::collections::HashMap;

use crate::tf::schema::{
    Attribute, AttributeConstraint, AttributeType, Block as TfBlock, Description, NestedBlock,
    Schema,
};

use super::{Attr, Block, Declaration, Nesting, Presence, Type};

fn attribute_type(t: &Type) -> AttributeType {
    match t {
        Type::String => AttributeType::String,
        Type::Number => AttributeType::Number,
        Type::Bool => AttributeType::Bool,
        Type::List(inner) => AttributeType::List(Box::new(attribute_type(inner))),
        Type::Set(inner) => AttributeType::Set(Box::new(attribute_type(inner))),
        Type::Map(inner) => AttributeType::Map(Box::new(attribute_type(inner))),
        Type::Object(fields) => AttributeType::Object(
            fields
                .iter()
                .map(|(n, t)| (n.to_string(), attribute_type(t)))
                .collect(),
        ),
    }
}

fn attribute(a: &Attr) -> Attribute {
    let mut description = a.description.to_string();
    if let Some(d) = &a.default {
        description.push_str(&format!(" Default: {}.", d.describe()));
    }
    if a.replaces {
        description.push_str(" Changing it replaces the resource.");
    }
    Attribute {
        attr_type: attribute_type(&a.ty),
        description: Description::markdown(description),
        constraint: match a.presence {
            Presence::Required => AttributeConstraint::Required,
            Presence::Optional => AttributeConstraint::Optional,
            Presence::OptionalComputed => AttributeConstraint::OptionalComputed,
            Presence::Computed => AttributeConstraint::Computed,
        },
        sensitive: a.sensitive,
        deprecated: false,
        write_only: a.write_only,
    }
}

fn block(description: &str, attrs: &[Attr], blocks: HashMap<String, NestedBlock>) -> TfBlock {
    TfBlock {
        version: 1,
        attributes: attrs
            .iter()
            .map(|a| (a.name.to_string(), attribute(a)))
            .collect(),
        blocks,
        description: Description::markdown(description),
        deprecated: false,
    }
}

fn nested(b: &Block) -> NestedBlock {
    let inner = block(b.description, &b.attrs, HashMap::new());
    match b.nesting {
        Nesting::Single => NestedBlock::Single(inner),
        Nesting::Optional => NestedBlock::Optional(inner),
        Nesting::List => NestedBlock::List(inner),
    }
}

/// The resource schema: the declared attributes and blocks, plus the skeleton's `timeouts`.
pub fn schema(d: &Declaration) -> Schema {
    let mut blocks: HashMap<String, NestedBlock> = d
        .blocks
        .iter()
        .map(|b| (b.name.to_string(), nested(b)))
        .collect();
    blocks.insert(
        "timeouts".to_string(),
        crate::composite::timeouts::schema_block(),
    );
    Schema {
        version: d.version,
        block: block(d.description, &d.attrs, blocks),
    }
}
