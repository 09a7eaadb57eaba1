//! The Terraform-facing types the engine, the kinds and the composites speak: values that may be
//! null or unknown (`Value<T>`), attribute paths, diagnostics, schemas and the resource traits.
//!
//! This is the one seam between the plugin protocol's implementation and everything above it:
//! nothing outside this module and the protocol server names the implementing crate, so the
//! server can be replaced without any composite noticing.

pub use tf_provider::schema;
pub use tf_provider::value::{Value, ValueEmpty};
pub use tf_provider::{
    serve, AttributePath, DataSource, Diagnostics, DynamicDataSource, DynamicResource, Provider,
    Resource,
};
