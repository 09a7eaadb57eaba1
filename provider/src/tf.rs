//! The Terraform-facing types the engine, the kinds and the composites speak: values that may be
//! null or unknown (`Value<T>`), attribute paths, diagnostics, schemas and the resource traits.
//!
//! This is the one seam between the plugin protocol's implementation (the project's own server,
//! `crate::protocol`) and everything above it: nothing else names the protocol module's insides.

pub use crate::protocol::attribute_path::{AttributePath, AttributePathStep};
pub use crate::protocol::diagnostics::{Diagnostic, Diagnostics};
pub use crate::protocol::schema;
pub use crate::protocol::serve;
pub use crate::protocol::traits::{
    DataSource, DynamicDataSource, DynamicEphemeralResource, DynamicResource, EphemeralResource,
    Provider, Resource,
};
pub use crate::protocol::value::{StructEmpty, Value, ValueEmpty};
