//! A composite seen as the plain `aws_*` resources it builds, so that `blueprint-lint`'s rules
//! (written for plain resources) check composites too, at `terraform plan` in the provider and
//! on `.tf` files and plan JSON in the CLI.
//!
//! An expansion is a pure function of the composite's configuration (in Terraform's encoding,
//! unknown values as unknown): it returns each plain resource with the attributes the rules read,
//! and, for each attribute, the path of the composite's attribute it came from, so a finding on
//! the plain resource is reported on the composite's own attribute.

use crate::value::{Generic, Path};

/// One plain resource a composite builds.
#[derive(Debug, Clone, PartialEq)]
pub struct Plain {
    /// Its Terraform type, one of the declaration's child kinds (`aws_security_group`).
    pub kind: &'static str,
    /// Its name under the composite (`security_group`): the linter addresses it as
    /// `blueprint_ml_host.api/aws_security_group.security_group`.
    pub name: &'static str,
    /// Its attributes, as the AWS provider would name them (an object value).
    pub attrs: Generic,
    /// Where its attributes come from: a path in `attrs` (prefix match) to the composite's
    /// attribute that set it. A finding on a path no entry covers is reported on the resource.
    pub origins: Vec<(Path, Path)>,
}

/// The expansion function of a composite.
pub type Expander = fn(&Generic) -> Vec<Plain>;

/// The expansion of a composite that nothing checks yet: no plain resources.
pub fn nothing(_config: &Generic) -> Vec<Plain> {
    Vec::new()
}
