//! Attribute paths: where in a value a diagnostic points, or which attribute forces replacement.

use std::borrow::Cow;
use std::fmt;

use super::proto::tfplugin6 as pb;

/// One step of a path.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum AttributePathStep {
    /// An object attribute.
    Attribute(Cow<'static, str>),
    /// A map key.
    Key(Cow<'static, str>),
    /// A list index.
    Index(i64),
}

/// A path from the root of a value (empty: the whole value).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct AttributePath {
    /// The steps, outermost first.
    pub steps: Vec<AttributePathStep>,
}

impl AttributePath {
    /// The path to a top-level attribute.
    pub fn new<T: Into<Cow<'static, str>>>(name: T) -> Self {
        Self {
            steps: vec![AttributePathStep::Attribute(name.into())],
        }
    }
    /// The whole value.
    pub fn root() -> Self {
        Self::default()
    }
    /// Then the attribute `name`.
    pub fn attribute<T: Into<Cow<'static, str>>>(mut self, name: T) -> Self {
        self.add_attribute(name);
        self
    }
    /// Then the map key `key`.
    pub fn key<T: Into<Cow<'static, str>>>(mut self, key: T) -> Self {
        self.add_key(key);
        self
    }
    /// Then the list index `index`.
    pub fn index<T: Into<i64>>(mut self, index: T) -> Self {
        self.add_index(index);
        self
    }
    /// Append the attribute `name`.
    pub fn add_attribute<T: Into<Cow<'static, str>>>(&mut self, name: T) -> &mut Self {
        self.steps.push(AttributePathStep::Attribute(name.into()));
        self
    }
    /// Append the map key `key`.
    pub fn add_key<T: Into<Cow<'static, str>>>(&mut self, key: T) -> &mut Self {
        self.steps.push(AttributePathStep::Key(key.into()));
        self
    }
    /// Append the list index `index`.
    pub fn add_index<T: Into<i64>>(&mut self, index: T) -> &mut Self {
        self.steps.push(AttributePathStep::Index(index.into()));
        self
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                AttributePathStep::Attribute(a) if i == 0 => write!(f, "{a}")?,
                AttributePathStep::Attribute(a) => write!(f, ".{a}")?,
                AttributePathStep::Key(k) => write!(f, "[{k:?}]")?,
                AttributePathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl From<&AttributePath> for pb::AttributePath {
    fn from(p: &AttributePath) -> Self {
        use pb::attribute_path::step::Selector;
        pb::AttributePath {
            steps: p
                .steps
                .iter()
                .map(|s| pb::attribute_path::Step {
                    selector: Some(match s {
                        AttributePathStep::Attribute(a) => Selector::AttributeName(a.to_string()),
                        AttributePathStep::Key(k) => Selector::ElementKeyString(k.to_string()),
                        AttributePathStep::Index(n) => Selector::ElementKeyInt(*n),
                    }),
                })
                .collect(),
        }
    }
}
