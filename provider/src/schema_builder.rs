//! Terse constructors for schema attributes and blocks.

use std::collections::HashMap;

use crate::tf::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};

/// Start an attribute of the given type; finish it with one of the constraint methods.
pub struct Attr {
    inner: Attribute,
}

impl Attr {
    /// An attribute of any type.
    pub fn of(attr_type: AttributeType, description: &str) -> Self {
        Self {
            inner: Attribute {
                attr_type,
                description: Description::markdown(description),
                constraint: AttributeConstraint::Optional,
                sensitive: false,
                deprecated: false,
                write_only: false,
            },
        }
    }
    /// A string attribute.
    pub fn string(description: &str) -> Self {
        Self::of(AttributeType::String, description)
    }
    /// A bool attribute.
    pub fn bool(description: &str) -> Self {
        Self::of(AttributeType::Bool, description)
    }
    /// A number attribute.
    pub fn number(description: &str) -> Self {
        Self::of(AttributeType::Number, description)
    }
    /// A list of strings.
    pub fn string_list(description: &str) -> Self {
        Self::of(
            AttributeType::List(Box::new(AttributeType::String)),
            description,
        )
    }
    /// A map of strings.
    pub fn string_map(description: &str) -> Self {
        Self::of(
            AttributeType::Map(Box::new(AttributeType::String)),
            description,
        )
    }
    /// Mark the value as sensitive: Terraform hides it in plans and output.
    pub fn sensitive(mut self) -> Self {
        self.inner.sensitive = true;
        self
    }
    /// Set by the user, required.
    pub fn required(mut self) -> Attribute {
        self.inner.constraint = AttributeConstraint::Required;
        self.inner
    }
    /// Set by the user, optional.
    pub fn optional(mut self) -> Attribute {
        self.inner.constraint = AttributeConstraint::Optional;
        self.inner
    }
    /// Optional, and computed by the provider when unset.
    pub fn optional_computed(mut self) -> Attribute {
        self.inner.constraint = AttributeConstraint::OptionalComputed;
        self.inner
    }
    /// Set only by the provider.
    pub fn computed(mut self) -> Attribute {
        self.inner.constraint = AttributeConstraint::Computed;
        self.inner
    }
}

/// A block from its attributes and nested blocks.
pub fn block(
    description: &str,
    attributes: impl IntoIterator<Item = (&'static str, Attribute)>,
    blocks: impl IntoIterator<Item = (&'static str, NestedBlock)>,
) -> Block {
    Block {
        version: 1,
        attributes: attributes
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<HashMap<_, _>>(),
        blocks: blocks
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<HashMap<_, _>>(),
        description: Description::markdown(description),
        deprecated: false,
    }
}
