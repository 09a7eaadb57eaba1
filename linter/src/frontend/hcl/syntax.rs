//! Syntax that hcl-edit accepts but Terraform refuses, refused here too with a located parse
//! error: a number followed by `.` and digits (`cidr = 10.11.10.12/32`, an IP address or CIDR
//! written without quotes), which hcl-edit reads as legacy index steps into the number
//! `10.11`.

use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::structure::Body;
use hcl::edit::visit::{self, Visit};
use hcl::edit::Span;

use crate::model::LoadError;
use crate::source::SourceFile;

/// Deepest expression nesting walked (the parser accepts at most
/// [`super::loader::MAX_NESTING`] levels; this bounds the walk on its own).
const MAX_WALK_DEPTH: usize = 2 * super::loader::MAX_NESTING;

/// The first construct of `body` that Terraform would refuse, as a parse error.
pub fn check(file: &SourceFile, body: &Body) -> Result<(), LoadError> {
    let mut v = Checker {
        file,
        depth: 0,
        error: None,
    };
    v.visit_body(body);
    match v.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct Checker<'f> {
    file: &'f SourceFile,
    depth: usize,
    error: Option<LoadError>,
}

impl Checker<'_> {
    fn number_traversal(&mut self, t: &Traversal) {
        let Expression::Number(_) = &t.expr else {
            return;
        };
        let Some(TraversalOperator::LegacyIndex(_) | TraversalOperator::GetAttr(_)) =
            t.operators.first().map(|o| o.value())
        else {
            return;
        };
        let Some(span) = t.span() else { return };
        // The whole unquoted address as written (`10.11.10.12/32`, with its prefix length).
        let rest = self.file.source.get(span.start..).unwrap_or("");
        let len = rest
            .find(|c: char| !(c.is_ascii_hexdigit() || matches!(c, '.' | '/' | ':')))
            .unwrap_or(rest.len())
            .max(span.len().min(rest.len()));
        let text = rest.get(..len).unwrap_or("");
        self.error = Some(LoadError {
            location: self.file.location(span.start..span.start + text.len()),
            message: format!(
                "parse error: `{text}` is not a value Terraform accepts (a number followed by \
                 `.`); an IP address or CIDR block is a string: write \"{text}\""
            ),
        });
    }
}

impl Visit for Checker<'_> {
    fn visit_expr(&mut self, expr: &Expression) {
        if self.error.is_some() || self.depth >= MAX_WALK_DEPTH {
            return;
        }
        if let Expression::Traversal(t) = expr {
            self.number_traversal(t);
        }
        self.depth += 1;
        visit::visit_expr(self, expr);
        self.depth -= 1;
    }
}
