//! Diagnostics: the errors and warnings an RPC returns to Terraform.

use std::borrow::Cow;

use super::attribute_path::AttributePath;
use super::proto::tfplugin6 as pb;

/// One error or warning.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Diagnostic {
    /// One line.
    pub summary: String,
    /// The explanation (may be empty).
    pub detail: String,
    /// Where in the configuration (empty: the whole resource).
    pub attribute: AttributePath,
}

impl Diagnostic {
    /// A diagnostic on `attribute`.
    pub fn new<S: Into<Cow<'static, str>>, D: Into<Cow<'static, str>>>(
        summary: S,
        detail: D,
        attribute: AttributePath,
    ) -> Self {
        Self {
            summary: summary.into().into_owned(),
            detail: detail.into().into_owned(),
            attribute,
        }
    }
}

/// The errors and warnings collected while answering one RPC.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Diagnostics {
    /// Errors: Terraform stops the operation.
    pub errors: Vec<Diagnostic>,
    /// Warnings: shown, the operation goes on.
    pub warnings: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Add an error.
    pub fn add_error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }
    /// Add a warning.
    pub fn add_warning(&mut self, d: Diagnostic) {
        self.warnings.push(d);
    }
    /// An error on `attribute`.
    pub fn error<S: Into<Cow<'static, str>>, D: Into<Cow<'static, str>>>(
        &mut self,
        summary: S,
        detail: D,
        attribute: AttributePath,
    ) {
        self.add_error(Diagnostic::new(summary, detail, attribute));
    }
    /// An error on the whole resource.
    pub fn root_error<S: Into<Cow<'static, str>>, D: Into<Cow<'static, str>>>(
        &mut self,
        summary: S,
        detail: D,
    ) {
        self.error(summary, detail, AttributePath::root());
    }
    /// An error without detail on the whole resource.
    pub fn root_error_short<S: Into<Cow<'static, str>>>(&mut self, summary: S) {
        self.root_error(summary, "");
    }
    /// A warning on `attribute`.
    pub fn warning<S: Into<Cow<'static, str>>, D: Into<Cow<'static, str>>>(
        &mut self,
        summary: S,
        detail: D,
        attribute: AttributePath,
    ) {
        self.add_warning(Diagnostic::new(summary, detail, attribute));
    }
    /// A warning on the whole resource.
    pub fn root_warning<S: Into<Cow<'static, str>>, D: Into<Cow<'static, str>>>(
        &mut self,
        summary: S,
        detail: D,
    ) {
        self.warning(summary, detail, AttributePath::root());
    }
    /// Move every diagnostic of `other` into this one.
    pub fn add_diagnostics(&mut self, mut other: Diagnostics) {
        self.errors.append(&mut other.errors);
        self.warnings.append(&mut other.warnings);
    }
    /// Whether an error was reported.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn to_pb(d: &Diagnostic, severity: pb::diagnostic::Severity) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: (!d.attribute.steps.is_empty()).then(|| (&d.attribute).into()),
    }
}

impl From<Diagnostics> for Vec<pb::Diagnostic> {
    fn from(d: Diagnostics) -> Self {
        d.errors
            .iter()
            .map(|e| to_pb(e, pb::diagnostic::Severity::Error))
            .chain(
                d.warnings
                    .iter()
                    .map(|w| to_pb(w, pb::diagnostic::Severity::Warning)),
            )
            .collect()
    }
}
