//! Expression evaluator over `hcl-edit` syntax trees.
//!
//! Anything that cannot be known before apply evaluates to [`Value::Unknown`]; references to
//! resources and data sources evaluate to [`Value::Reference`]. Evaluation errors (a missing
//! key, a type mismatch) are [`EvalError`], which `try`/`can` catch and callers turn into
//! `Unknown`. The evaluator never panics and bounds its recursion depth.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use hcl::edit::expr::{BinaryOperator, Expression, TraversalOperator, UnaryOperator};
use hcl::edit::template::{Directive, Element, Template};
use hcl::edit::{Decorated, Span};

use super::functions;
use crate::model::{Reference, Value};
use crate::source::SourceFile;

/// Maximum nesting depth of expressions evaluated, counted across the evaluators a thread has
/// open at once: a local's value is evaluated by a new evaluator while the one that referenced it
/// waits, so a chain of 5,000 locals each naming the next would otherwise recurse 5,000 deep and
/// overflow the stack (found with `linter/tests/fuzz_regressions.rs`).
const MAX_DEPTH: usize = 128;

/// Largest file `file()`/`templatefile()` read (Terraform itself reads any size; a policy or a
/// user-data script is far smaller).
const MAX_FILE: u64 = 4 << 20;

/// Most directory entries `fileset()` walks before giving up (unknown).
const MAX_FILESET: usize = 10_000;

/// The literal at `idx` of a template's `elements` with whitespace removed where a neighbouring
/// marker says `~` (`${x ~}`, `%{~ endfor }`); `lead`/`trail`: the markers around the whole
/// template (a directive's body) strip its first/last literal.
fn stripped<'t>(
    elements: &[&Element],
    idx: usize,
    text: &'t str,
    lead: bool,
    trail: bool,
) -> &'t str {
    let after_strip = match idx.checked_sub(1).map(|i| elements[i]) {
        None => lead,
        Some(Element::Interpolation(i)) => i.strip.strip_end(),
        Some(Element::Directive(d)) => match d.as_ref() {
            Directive::If(x) => x.endif_expr.strip.strip_end(),
            Directive::For(x) => x.endfor_expr.strip.strip_end(),
        },
        Some(Element::Literal(_)) => false,
    };
    let before_strip = match elements.get(idx + 1) {
        None => trail,
        Some(Element::Interpolation(i)) => i.strip.strip_start(),
        Some(Element::Directive(d)) => match d.as_ref() {
            Directive::If(x) => x.if_expr.strip.strip_start(),
            Directive::For(x) => x.for_expr.strip.strip_start(),
        },
        Some(Element::Literal(_)) => false,
    };
    let text = if after_strip { text.trim_start() } else { text };
    if before_strip {
        text.trim_end()
    } else {
        text
    }
}

/// References replaced by their `${address.attr}` text, at any depth.
fn placeholder_references(v: Value) -> Value {
    match v {
        Value::Reference(r) => Value::String(format!("${{{r}}}")),
        Value::List(l) => Value::List(l.into_iter().map(placeholder_references).collect()),
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, v)| (k, placeholder_references(v)))
                .collect(),
        ),
        v => v,
    }
}

thread_local! {
    /// Why the built-in function being called could not be evaluated ([`cannot_evaluate`]),
    /// until the evaluator that called it notes it at the call.
    static CANNOT_EVALUATE: RefCell<Option<String>> = const { RefCell::new(None) };
    /// A built-in function's refusal (Terraform's error, in the function's words) on its way
    /// up to the evaluation that turns it into a note, when no `try`/`can` catches it.
    static REFUSED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// What a built-in function (`functions::call`) returns when it cannot evaluate this call
/// (an argument it does not support, a feature of a regular expression it does not
/// implement...): `Ok(Unknown)`, and the evaluator that made the call records `reason` as an
/// [`crate::model::Unchecked`] note at the call's file and line, counted in the summary. E.g.
/// `return cannot_evaluate(format!("regex(): lookbehind in `{pattern}` is not supported"))`.
///
/// A function that returns `Ok(Unknown)` on known arguments without saying why is noted too,
/// as "function `NAME` could not be evaluated here" (unless it is impure, like `timestamp`).
pub fn cannot_evaluate(reason: impl Into<String>) -> EvalResult {
    let reason = reason.into();
    CANNOT_EVALUATE.with(|c| *c.borrow_mut() = Some(reason));
    Ok(Value::Unknown)
}

/// An expression that cannot be evaluated (Terraform would report an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalError;

/// Result of evaluating an expression.
pub type EvalResult = Result<Value, EvalError>;

/// What names resolve to in the module being evaluated.
pub trait Scope {
    /// `var.NAME`.
    fn variable(&self, name: &str) -> Value;
    /// `local.NAME`.
    fn local(&self, name: &str) -> Value;
    /// `module.NAME.OUTPUT` (`None` output: the whole module object).
    fn module_output(&self, module: &str, output: Option<&str>) -> Value;
    /// Address prefix of the module, e.g. `module.net.` (empty for the root).
    fn module_prefix(&self) -> &str;
    /// `path.module`.
    fn module_dir(&self) -> &str;
    /// `path.root` (and `path.cwd`: Terraform runs in the root module's directory). A scope
    /// that does not know it answers with the module's directory, right for the root module.
    fn root_dir(&self) -> &str {
        self.module_dir()
    }
    /// Calls `f` on the value of `var.NAME` without copying it, when the scope keeps values
    /// (`var.rules[x][0]` on a large map then copies only the element); `None`: it does not,
    /// and the evaluator uses [`Scope::variable`].
    fn with_variable(
        &self,
        _name: &str,
        _f: &mut dyn FnMut(&Value) -> EvalResult,
    ) -> Option<EvalResult> {
        None
    }
    /// [`Scope::with_variable`] for `local.NAME`.
    fn with_local(
        &self,
        _name: &str,
        _f: &mut dyn FnMut(&Value) -> EvalResult,
    ) -> Option<EvalResult> {
        None
    }
    /// Records that `span` of `file` could not be evaluated (or only in part), and why: the
    /// notes sink of the evaluation ([`Evaluator::note`] calls it). A scope that keeps no
    /// notes (tfvars, tests) ignores it.
    fn unchecked(&self, _file: &Arc<SourceFile>, _span: Range<usize>, _reason: String) {}
}

/// A scope with nothing in it (for tfvars files).
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn variable(&self, _: &str) -> Value {
        Value::Unknown
    }
    fn local(&self, _: &str) -> Value {
        Value::Unknown
    }
    fn module_output(&self, _: &str, _: Option<&str>) -> Value {
        Value::Unknown
    }
    fn module_prefix(&self) -> &str {
        ""
    }
    fn module_dir(&self) -> &str {
        "."
    }
}

thread_local! {
    /// How deep the evaluators of this thread are nested (see [`MAX_DEPTH`]).
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Evaluates expressions in a [`Scope`] with local bindings (`count`, `each`, for-variables).
pub struct Evaluator<'s> {
    scope: &'s dyn Scope,
    bindings: Vec<(String, Value)>,
    /// The file the expressions are in, where what cannot be evaluated is noted.
    file: Option<Arc<SourceFile>>,
    /// Whether the depth limit was noted already (once per evaluator).
    depth_noted: bool,
    /// How many `try`/`can` calls are evaluating their arguments: an error there is caught,
    /// not a gap.
    catching: usize,
}

impl<'s> Evaluator<'s> {
    /// An evaluator over `scope`.
    pub fn new(scope: &'s dyn Scope) -> Evaluator<'s> {
        Evaluator {
            scope,
            bindings: Vec::new(),
            file: None,
            depth_noted: false,
            catching: 0,
        }
    }

    /// The evaluator for expressions of `file`: what it cannot evaluate is noted there
    /// ([`Scope::unchecked`]). Without a file nothing is noted.
    pub fn in_file(mut self, file: &Arc<SourceFile>) -> Evaluator<'s> {
        self.file = Some(Arc::clone(file));
        self
    }

    /// Notes that `span` (of this evaluator's file) could not be evaluated, and why: the
    /// value there is unknown to the rules, and the run says so. No-op without a file or span.
    pub fn note(&self, span: Option<Range<usize>>, reason: impl Into<String>) {
        if let (Some(file), Some(span)) = (&self.file, span) {
            self.scope.unchecked(file, span, reason.into());
        }
    }

    /// Binds `name` (e.g. `count`, `each`, a dynamic block iterator) until [`Self::pop`].
    pub fn push(&mut self, name: &str, value: Value) {
        self.bindings.push((name.to_string(), value));
    }

    /// Removes the latest binding.
    pub fn pop(&mut self) {
        self.bindings.pop();
    }

    /// Evaluates `expr`, turning errors into `Unknown` (and noting them).
    pub fn eval_or_unknown(&mut self, expr: &Expression) -> Value {
        REFUSED.with(|r| r.borrow_mut().take());
        match self.eval(expr) {
            Ok(v) => v,
            Err(EvalError) => {
                let reason = REFUSED.with(|r| r.borrow_mut().take()).unwrap_or_else(|| {
                    "expression not evaluated: Terraform would report an error here (a missing \
                     attribute or key, a wrong type), or it uses what the linter does not model"
                        .to_string()
                });
                self.note(expr.span(), reason);
                Value::Unknown
            }
        }
    }

    /// Evaluates `expr`.
    pub fn eval(&mut self, expr: &Expression) -> EvalResult {
        let depth = DEPTH.get();
        if depth >= MAX_DEPTH {
            if !self.depth_noted {
                self.depth_noted = true;
                self.note(
                    expr.span(),
                    format!(
                        "expression not evaluated: nested deeper than {MAX_DEPTH} levels \
                         (counting the locals it goes through)"
                    ),
                );
            }
            return Ok(Value::Unknown);
        }
        DEPTH.set(depth + 1);
        let r = self.eval_inner(expr);
        DEPTH.set(depth);
        r
    }

    fn eval_inner(&mut self, expr: &Expression) -> EvalResult {
        Ok(match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().as_f64().unwrap_or(0.0)),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for e in a.iter() {
                    out.push(self.eval(e)?);
                }
                Value::List(out)
            }
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        hcl::edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                        hcl::edit::expr::ObjectKey::Expression(e) => {
                            // Quoted keys and `(var.x)` keys.
                            match self.eval(e)?.to_template_string() {
                                Some(s) => s,
                                None => return Ok(Value::Unknown),
                            }
                        }
                    };
                    out.insert(key, self.eval(v.expr())?);
                }
                Value::Map(out)
            }
            Expression::StringTemplate(t) => self.eval_template(t)?,
            Expression::HeredocTemplate(h) => {
                let v = self.eval_template(&h.template)?;
                match (v, h.indent()) {
                    (Value::String(s), Some(_)) => Value::String(dedent(&s)),
                    (v, _) => v,
                }
            }
            Expression::Parenthesis(p) => self.eval(p.inner())?,
            Expression::Variable(v) => self.eval_traversal(v, &[])?,
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(v) => self.eval_traversal(v, &t.operators)?,
                other => {
                    let base = self.eval(other)?;
                    self.apply_ops(base, &t.operators)?
                }
            },
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr)?,
                    Some(false) => self.eval(&c.false_expr)?,
                    None => {
                        // Unknown condition: the result is known only if both branches agree.
                        let t = self.eval(&c.true_expr);
                        let f = self.eval(&c.false_expr);
                        match (t, f) {
                            (Ok(t), Ok(f)) if t == f => t,
                            _ => Value::Unknown,
                        }
                    }
                }
            }
            Expression::FuncCall(f) => self.eval_call(f)?,
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr)?;
                match (u.operator.value(), v) {
                    (_, Value::Unknown | Value::Reference(_)) => Value::Unknown,
                    (UnaryOperator::Neg, v) => Value::Number(-v.as_f64().ok_or(EvalError)?),
                    (UnaryOperator::Not, v) => Value::Bool(!v.as_bool().ok_or(EvalError)?),
                }
            }
            Expression::BinaryOp(b) => {
                let op = *b.operator.value();
                let l = self.eval(&b.lhs_expr)?;
                // Short-circuit the logical operators on a known left side.
                match (op, l.as_bool()) {
                    (BinaryOperator::And, Some(false)) => return Ok(Value::Bool(false)),
                    (BinaryOperator::Or, Some(true)) => return Ok(Value::Bool(true)),
                    _ => {}
                }
                let r = self.eval(&b.rhs_expr)?;
                binary(op, &l, &r)?
            }
            Expression::ForExpr(f) => self.eval_for(f)?,
        })
    }

    fn eval_template(&mut self, t: &Template) -> EvalResult {
        let mut out = String::new();
        // A template that is a single interpolation yields the value itself (`"${var.x}"`).
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.eval(&i.expr);
        }
        let elements: Vec<&Element> = t.iter().collect();
        for (idx, el) in elements.iter().enumerate() {
            match el {
                Element::Literal(s) => {
                    out.push_str(stripped(&elements, idx, s.value(), false, false))
                }
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr)?;
                    match v.to_template_string() {
                        Some(s) => out.push_str(&s),
                        None if v.is_unknown() => return Ok(Value::Unknown),
                        None => return Err(EvalError),
                    }
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let c = self.eval(&ifd.if_expr.cond_expr)?;
                        let endif = ifd.endif_expr.strip.strip_start();
                        let body = match c.as_bool() {
                            Some(true) => Some((
                                &ifd.if_expr.template,
                                ifd.if_expr.strip.strip_end(),
                                ifd.else_expr
                                    .as_ref()
                                    .map_or(endif, |e| e.strip.strip_start()),
                            )),
                            Some(false) => ifd
                                .else_expr
                                .as_ref()
                                .map(|e| (&e.template, e.strip.strip_end(), endif)),
                            None => return Ok(Value::Unknown),
                        };
                        if let Some((tmpl, lead, trail)) = body {
                            match self.eval_template_str(tmpl, lead, trail)? {
                                Some(s) => out.push_str(&s),
                                None => return Ok(Value::Unknown),
                            }
                        }
                    }
                    Directive::For(ford) => {
                        let coll = self.eval(&ford.for_expr.collection_expr)?;
                        let Some(items) = iter_items(&coll) else {
                            return Ok(Value::Unknown);
                        };
                        for (k, v) in items {
                            let bound = bind_for(
                                self,
                                ford.for_expr.key_var.as_ref(),
                                &ford.for_expr.value_var,
                                k,
                                v,
                            );
                            let r = self.eval_template_str(
                                &ford.for_expr.template,
                                ford.for_expr.strip.strip_end(),
                                ford.endfor_expr.strip.strip_start(),
                            );
                            for _ in 0..bound {
                                self.pop();
                            }
                            match r? {
                                Some(s) => out.push_str(&s),
                                None => return Ok(Value::Unknown),
                            }
                        }
                    }
                },
            }
        }
        Ok(Value::String(out))
    }

    /// Renders a directive's body: always a string, even for a single interpolation. `lead`
    /// and `trail`: the directive's markers around the body strip whitespace (`~`).
    fn eval_template_str(
        &mut self,
        t: &Template,
        lead: bool,
        trail: bool,
    ) -> Result<Option<String>, EvalError> {
        let mut out = String::new();
        let elements: Vec<&Element> = t.iter().collect();
        for (idx, el) in elements.iter().enumerate() {
            match el {
                Element::Literal(s) => {
                    out.push_str(stripped(&elements, idx, s.value(), lead, trail))
                }
                Element::Interpolation(i) => match self.eval(&i.expr)?.to_template_string() {
                    Some(s) => out.push_str(&s),
                    None => return Ok(None),
                },
                Element::Directive(_) => {
                    let mut single = Template::default();
                    single.push((*el).clone());
                    match self.eval_template(&single)? {
                        Value::String(s) => out.push_str(&s),
                        _ => return Ok(None),
                    }
                }
            }
        }
        Ok(Some(out))
    }

    fn eval_traversal(
        &mut self,
        root: &Decorated<hcl::edit::Ident>,
        ops: &[Decorated<TraversalOperator>],
    ) -> EvalResult {
        let name = root.as_str();
        if let Some((_, v)) = self.bindings.iter().rev().find(|(n, _)| n == name) {
            let v = v.clone();
            return self.apply_ops(v, ops);
        }
        let attr = |i: usize| match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        match name {
            "var" => {
                let Some(n) = attr(0) else {
                    return Ok(Value::Unknown);
                };
                let scope = self.scope;
                if let Some(r) = scope.with_variable(&n, &mut |v| self.apply_ops_ref(v, &ops[1..]))
                {
                    return r;
                }
                let v = self.scope.variable(&n);
                self.apply_ops(v, &ops[1..])
            }
            "local" => {
                let Some(n) = attr(0) else {
                    return Ok(Value::Unknown);
                };
                let scope = self.scope;
                if let Some(r) = scope.with_local(&n, &mut |v| self.apply_ops_ref(v, &ops[1..])) {
                    return r;
                }
                let v = self.scope.local(&n);
                self.apply_ops(v, &ops[1..])
            }
            "module" => {
                let Some(m) = attr(0) else {
                    return Ok(Value::Unknown);
                };
                match attr(1) {
                    Some(out) => {
                        let v = self.scope.module_output(&m, Some(&out));
                        self.apply_ops(v, &ops[2..])
                    }
                    None => {
                        let v = self.scope.module_output(&m, None);
                        self.apply_ops(v, &ops[1..])
                    }
                }
            }
            "path" => match attr(0).as_deref() {
                Some("module") => Ok(Value::String(self.scope.module_dir().to_string())),
                Some("root") | Some("cwd") => Ok(Value::String(self.scope.root_dir().to_string())),
                _ => Ok(Value::Unknown),
            },
            "terraform" => match attr(0).as_deref() {
                Some("workspace") => Ok(Value::String("default".into())),
                _ => Ok(Value::Unknown),
            },
            "data" => {
                let (Some(ty), Some(n)) = (attr(0), attr(1)) else {
                    return Ok(Value::Unknown);
                };
                let prefix = format!("{}data.{ty}.{n}", self.scope.module_prefix());
                self.reference(prefix, &ops[2..])
            }
            "count" | "each" | "self" => Ok(Value::Unknown),
            ty if ty.contains('_') => {
                let Some(n) = attr(0) else {
                    return Ok(Value::Unknown);
                };
                let prefix = format!("{}{ty}.{n}", self.scope.module_prefix());
                self.reference(prefix, &ops[1..])
            }
            _ => Ok(Value::Unknown),
        }
    }

    /// Builds a reference to `address` followed by `ops` (an optional instance key, then attributes).
    fn reference(
        &mut self,
        mut address: String,
        ops: &[Decorated<TraversalOperator>],
    ) -> EvalResult {
        let mut rest = ops;
        if let Some(first) = rest.first() {
            match first.value() {
                TraversalOperator::Index(e) => {
                    match self.eval(e)? {
                        Value::Number(n) => {
                            address.push_str(&format!("[{}]", crate::model::format_number(n)))
                        }
                        Value::String(s) => address.push_str(&format!("[{s:?}]")),
                        _ => return Ok(Value::Unknown),
                    }
                    rest = &rest[1..];
                }
                TraversalOperator::LegacyIndex(i) => {
                    address.push_str(&format!("[{}]", i.value()));
                    rest = &rest[1..];
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    return Ok(Value::Unknown)
                }
                TraversalOperator::GetAttr(_) => {}
            }
        }
        let mut attribute = Vec::new();
        for op in rest {
            match op.value() {
                TraversalOperator::GetAttr(a) => attribute.push(a.as_str().to_string()),
                TraversalOperator::LegacyIndex(i) => attribute.push(i.value().to_string()),
                TraversalOperator::Index(e) => match self.eval(e)?.to_template_string() {
                    Some(s) => attribute.push(s),
                    None => return Ok(Value::Unknown),
                },
                _ => return Ok(Value::Unknown),
            }
        }
        Ok(Value::Reference(Reference { address, attribute }))
    }

    /// `keys(var.X)`, `length(var.X)` (or `local.X`) of a map or list read in place, without
    /// copying a large map into the call; `None` for anything else (the call is made as usual).
    fn keys_or_length_in_place(
        &mut self,
        name: &str,
        f: &hcl::edit::expr::FuncCall,
    ) -> Option<Value> {
        if !matches!(name, "keys" | "length") || f.args.len() != 1 {
            return None;
        }
        let Some(Expression::Traversal(t)) = f.args.iter().next() else {
            return None;
        };
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let root = root.as_str();
        if self.bindings.iter().any(|(b, _)| b == root) {
            return None;
        }
        let [op] = t.operators.as_slice() else {
            return None;
        };
        let TraversalOperator::GetAttr(attr) = op.value() else {
            return None;
        };
        let mut compute = |v: &Value| match (name, v) {
            ("keys", Value::Map(m)) => Ok(Value::List(
                m.keys().map(|k| Value::String(k.clone())).collect(),
            )),
            ("length", Value::Map(m)) => Ok(Value::Number(m.len() as f64)),
            ("length", Value::List(l)) => Ok(Value::Number(l.len() as f64)),
            _ => Err(EvalError),
        };
        let scope = self.scope;
        let result = match root {
            "var" => scope.with_variable(attr.as_str(), &mut compute),
            "local" => scope.with_local(attr.as_str(), &mut compute),
            _ => None,
        };
        result.and_then(Result::ok)
    }

    /// [`Self::apply_ops`] on a borrowed value: attribute and index steps into maps and lists
    /// are walked without copying what they skip; only the rest is cloned.
    fn apply_ops_ref(&mut self, v: &Value, ops: &[Decorated<TraversalOperator>]) -> EvalResult {
        let mut cur = v;
        for (i, op) in ops.iter().enumerate() {
            cur = match (op.value(), cur) {
                (TraversalOperator::GetAttr(a), Value::Map(m)) => {
                    m.get(a.as_str()).ok_or(EvalError)?
                }
                (TraversalOperator::Index(e), Value::Map(_) | Value::List(_)) => {
                    let key = self.eval(e)?;
                    match index_ref(cur, &key)? {
                        Some(next) => next,
                        None => return Ok(Value::Unknown),
                    }
                }
                (TraversalOperator::LegacyIndex(n), Value::List(_)) => {
                    match index_ref(cur, &Value::Number(*n.value() as f64))? {
                        Some(next) => next,
                        None => return Ok(Value::Unknown),
                    }
                }
                _ => return self.apply_ops(cur.clone(), &ops[i..]),
            };
        }
        Ok(cur.clone())
    }

    fn apply_ops(&mut self, mut v: Value, ops: &[Decorated<TraversalOperator>]) -> EvalResult {
        for (i, op) in ops.iter().enumerate() {
            v = match (op.value(), v) {
                (_, Value::Unknown) => return Ok(Value::Unknown),
                (TraversalOperator::GetAttr(a), Value::Reference(mut r)) => {
                    r.attribute.push(a.as_str().to_string());
                    Value::Reference(r)
                }
                (_, Value::Reference(_)) => return Ok(Value::Unknown),
                (TraversalOperator::GetAttr(a), Value::Map(mut m)) => {
                    m.remove(a.as_str()).ok_or(EvalError)?
                }
                (TraversalOperator::GetAttr(_), _) => return Err(EvalError),
                (TraversalOperator::Index(e), cur) => {
                    let key = self.eval(e)?;
                    index(cur, &key)?
                }
                (TraversalOperator::LegacyIndex(n), cur) => {
                    index(cur, &Value::Number(*n.value() as f64))?
                }
                (TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_), cur) => {
                    let items = match cur {
                        Value::List(l) => l,
                        Value::Null => Vec::new(),
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply_ops(item, &ops[i + 1..])?);
                    }
                    return Ok(Value::List(out));
                }
            };
        }
        Ok(v)
    }

    fn eval_call(&mut self, f: &hcl::edit::expr::FuncCall) -> EvalResult {
        let name = f.name.name.as_str();
        if !f.name.namespace.is_empty() {
            let full: Vec<&str> = f
                .name
                .namespace
                .iter()
                .map(|n| n.as_str())
                .chain([name])
                .collect();
            self.note(
                f.span(),
                format!(
                    "provider function `{}` not evaluated (the linter has no provider)",
                    full.join("::")
                ),
            );
            return Ok(Value::Unknown);
        }
        if let Some(v) = self.keys_or_length_in_place(name, f) {
            return Ok(v);
        }
        match name {
            "try" => {
                self.catching += 1;
                let mut result = Err(EvalError);
                for a in f.args.iter() {
                    if let Ok(v) = self.eval(a) {
                        result = Ok(v);
                        break;
                    }
                }
                self.catching -= 1;
                return result;
            }
            "can" => {
                let Some(a) = f.args.iter().next() else {
                    return Err(EvalError);
                };
                self.catching += 1;
                let result = self.eval(a);
                self.catching -= 1;
                return Ok(match result {
                    Ok(v) if v.contains_unknown() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            "file" | "filebase64" | "fileexists" | "templatefile" | "filemd5" | "filesha1"
            | "filesha256" | "filesha512" | "filebase64sha256" | "filebase64sha512" => {
                let mut args = Vec::with_capacity(f.args.len());
                for a in f.args.iter() {
                    args.push(self.eval(a)?);
                }
                return self.file_call(name, args, f.span());
            }
            "fileset" => {
                let mut args = Vec::with_capacity(f.args.len());
                for a in f.args.iter() {
                    args.push(self.eval(a)?);
                }
                return self.fileset(&args);
            }
            "templatestring" => return self.templatestring(f),
            _ => {}
        }
        let mut args = Vec::with_capacity(f.args.len());
        for a in f.args.iter() {
            args.push(self.eval(a)?);
        }
        if f.args.expand_final() {
            match args.pop() {
                Some(Value::List(l)) => args.extend(l),
                Some(Value::Null) | None => {}
                Some(_) => return Ok(Value::Unknown),
            }
        }
        // Whether every argument is known, looking at a bounded number of values (a call on a
        // large map must not cost a walk of it): `false` when not sure.
        let mut budget = KNOWN_CHECK_BUDGET;
        let known = args.iter().all(|a| surely_known(a, &mut budget));
        CANNOT_EVALUATE.with(|c| c.borrow_mut().take());
        let result = functions::call(name, args);
        let said = CANNOT_EVALUATE.with(|c| c.borrow_mut().take());
        match result {
            // Terraform would refuse the call: `try`/`can` catch that; anywhere else the value
            // is unknown and the run says why, in the function's own words.
            Err(refused) => {
                if self.catching == 0 {
                    REFUSED.with(|r| *r.borrow_mut() = Some(refused.to_string()));
                }
                Err(EvalError::from(refused))
            }
            Ok(value) => {
                match (said, &value) {
                    (Some(reason), _) => self.note(f.span(), reason),
                    (None, Value::Unknown) if known && !functions::is_impure(name) => {
                        let why = functions::why_unknown(name)
                            .map(|w| format!(": {w}"))
                            .unwrap_or_default();
                        self.note(
                            f.span(),
                            format!("function `{name}` could not be evaluated here{why}"),
                        );
                    }
                    _ => {}
                }
                Ok(value)
            }
        }
    }

    /// `templatestring(template, vars)`: the template is a string value (Terraform requires a
    /// reference to one, not a literal), rendered with only `vars` in scope.
    fn templatestring(&mut self, f: &hcl::edit::expr::FuncCall) -> EvalResult {
        let mut it = f.args.iter();
        let (Some(template), vars) = (it.next(), it.next()) else {
            return Err(EvalError);
        };
        if it.next().is_some()
            || matches!(
                template,
                Expression::String(_)
                    | Expression::StringTemplate(_)
                    | Expression::HeredocTemplate(_)
            )
        {
            // Terraform: the first argument must be a reference to a template string.
            return Err(EvalError);
        }
        let text = self.eval(template)?;
        let vars = match vars {
            Some(v) => self.eval(v)?,
            None => return Err(EvalError),
        };
        match (text, vars) {
            (t, v) if t.is_unknown() || v.is_unknown() => Ok(Value::Unknown),
            (Value::String(t), Value::Map(m)) => render_template(&t, m),
            _ => Err(EvalError),
        }
    }

    /// `fileset(path, pattern)`: the files under `path` (relative to it) matching the glob
    /// (`*` within a directory, `**` across them), sorted. A directory that cannot be read, or
    /// holds more than [`MAX_FILESET`] entries, is unknown.
    fn fileset(&mut self, args: &[Value]) -> EvalResult {
        let (dir, pattern) = match (args.first(), args.get(1), args.len()) {
            (Some(d), Some(p), 2) if d.is_unknown() || p.is_unknown() => return Ok(Value::Unknown),
            (Some(Value::String(d)), Some(Value::String(p)), 2) => (d, p),
            _ => return Err(EvalError),
        };
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|_| EvalError)?
            .compile_matcher();
        let base = self.resolve_path(dir);
        if !base.is_dir() {
            return Ok(Value::Unknown);
        }
        let mut out = Vec::new();
        for (seen, entry) in walkdir::WalkDir::new(&base)
            .min_depth(1)
            .into_iter()
            .enumerate()
        {
            let Ok(entry) = entry else {
                return Ok(Value::Unknown);
            };
            if seen >= MAX_FILESET {
                return Ok(Value::Unknown);
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&base) else {
                continue;
            };
            let Some(rel) = rel.to_str() else {
                continue;
            };
            if glob.is_match(rel) {
                out.push(rel.to_string());
            }
        }
        out.sort();
        Ok(Value::List(out.into_iter().map(Value::String).collect()))
    }

    /// `file`, `filebase64`, `fileexists`, `templatefile` and the file digests (`filemd5`,
    /// `filesha256`, `filebase64sha512`...), reading the file the way
    /// Terraform does: a relative path is relative to the root module's directory (where
    /// Terraform runs), and `path.module` / `path.root` evaluate to directories the linter can
    /// read from. A file that cannot be read (or is over [`MAX_FILE`]) is unknown, and noted at
    /// `span` (the call).
    fn file_call(
        &mut self,
        name: &str,
        args: Vec<Value>,
        span: Option<Range<usize>>,
    ) -> EvalResult {
        let path = match args.first() {
            Some(Value::String(p)) => self.resolve_path(p),
            Some(Value::Unknown | Value::Reference(_)) => return Ok(Value::Unknown),
            _ => return Err(EvalError),
        };
        if name == "fileexists" {
            return Ok(Value::Bool(path.is_file()));
        }
        let shown = path.display().to_string();
        let size = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) => {
                return self.unreadable(
                    span,
                    format!("{name}(\"{shown}\") not evaluated: cannot read the file ({e})"),
                )
            }
        };
        if size > MAX_FILE {
            self.note(
                span,
                format!(
                    "{name}(\"{shown}\") not evaluated: the file is larger than {} MiB",
                    MAX_FILE >> 20
                ),
            );
            return Ok(Value::Unknown);
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                return self.unreadable(
                    span,
                    format!("{name}(\"{shown}\") not evaluated: cannot read the file ({e})"),
                )
            }
        };
        if name == "filebase64" {
            use base64::Engine as _;
            return Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(bytes),
            ));
        }
        if let Some(digest) = functions::file_digest(name, &bytes) {
            return Ok(Value::String(digest));
        }
        // Terraform requires UTF-8 for `file` and `templatefile`.
        let Ok(text) = String::from_utf8(bytes) else {
            return self.unreadable(
                span,
                format!("{name}(\"{shown}\") not evaluated: the file is not UTF-8 text"),
            );
        };
        if name == "file" {
            return Ok(Value::String(text));
        }
        let vars = match args.get(1) {
            Some(Value::Map(m)) => m.clone(),
            Some(Value::Null) | None => BTreeMap::new(),
            Some(_) => return Ok(Value::Unknown),
        };
        let template = match hcl::edit::parser::parse_template(&text) {
            Ok(t) => t,
            Err(e) => {
                self.note(
                    span,
                    format!(
                        "templatefile(\"{shown}\") not evaluated: the template does not parse \
                         (line {}: {})",
                        e.location().line(),
                        e.message()
                    ),
                );
                return Ok(Value::Unknown);
            }
        };
        render_parsed(&template, vars)
    }

    /// A file that cannot be read: an error in Terraform, which a `try` or `can` around the
    /// call catches (as here); anywhere else the value is unknown and noted at `span`, so the
    /// rest of the attribute is still checked.
    fn unreadable(&mut self, span: Option<Range<usize>>, reason: String) -> EvalResult {
        if self.catching > 0 {
            return Err(EvalError);
        }
        self.note(span, reason);
        Ok(Value::Unknown)
    }

    fn resolve_path(&self, p: &str) -> std::path::PathBuf {
        let path = std::path::Path::new(p);
        let module = std::path::Path::new(self.scope.module_dir());
        let root = std::path::Path::new(self.scope.root_dir());
        let under =
            |dir: &std::path::Path| dir != std::path::Path::new(".") && path.starts_with(dir);
        if path.is_absolute() || under(module) || under(root) {
            path.to_path_buf()
        } else {
            root.join(path)
        }
    }

    fn eval_for(&mut self, f: &hcl::edit::expr::ForExpr) -> EvalResult {
        let coll = self.eval(&f.intro.collection_expr)?;
        let Some(items) = iter_items(&coll) else {
            return Ok(Value::Unknown);
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in items {
            let bound = bind_for(self, f.intro.key_var.as_ref(), &f.intro.value_var, k, v);
            let r = self.for_item(f);
            for _ in 0..bound {
                self.pop();
            }
            let Some((key, value)) = r? else { continue };
            match key {
                None => list.push(value),
                Some(Value::String(k)) if f.grouping => {
                    match map.entry(k).or_insert_with(|| Value::List(Vec::new())) {
                        Value::List(l) => l.push(value),
                        _ => return Err(EvalError),
                    }
                }
                Some(key) => match key.to_template_string() {
                    Some(k) => {
                        map.insert(k, value);
                    }
                    None => return Ok(Value::Unknown),
                },
            }
        }
        Ok(if f.key_expr.is_some() {
            Value::Map(map)
        } else {
            Value::List(list)
        })
    }

    #[allow(clippy::type_complexity)]
    fn for_item(
        &mut self,
        f: &hcl::edit::expr::ForExpr,
    ) -> Result<Option<(Option<Value>, Value)>, EvalError> {
        if let Some(c) = &f.cond {
            match self.eval(&c.expr)?.as_bool() {
                Some(true) => {}
                Some(false) => return Ok(None),
                None => return Err(EvalError),
            }
        }
        let key = match &f.key_expr {
            Some(k) => Some(self.eval(k)?),
            None => None,
        };
        let value = self.eval(&f.value_expr)?;
        Ok(Some((key, value)))
    }
}

/// Renders template `text` (`templatefile`, `templatestring`) with only `vars` in scope. A
/// reference stays readable as the `${address.attr}` placeholder, so a policy template that
/// names a bucket's ARN is still JSON the rules can check.
fn render_template(text: &str, vars: BTreeMap<String, Value>) -> EvalResult {
    let Ok(template) = hcl::edit::parser::parse_template(text) else {
        return Err(EvalError);
    };
    render_parsed(&template, vars)
}

/// Renders a parsed template with only `vars` in scope. A reference stays readable as the
/// `${address.attr}` placeholder, so a policy template that names a bucket's ARN is still JSON
/// the rules can check.
fn render_parsed(
    template: &hcl::edit::template::Template,
    vars: BTreeMap<String, Value>,
) -> EvalResult {
    let mut inner = Evaluator::new(&EmptyScope);
    for (k, v) in vars {
        inner.push(&k, placeholder_references(v));
    }
    inner.eval_template(template)
}

/// Binds for-expression variables; returns how many bindings were pushed.
fn bind_for(
    ev: &mut Evaluator<'_>,
    key_var: Option<&Decorated<hcl::edit::Ident>>,
    value_var: &Decorated<hcl::edit::Ident>,
    k: Value,
    v: Value,
) -> usize {
    match key_var {
        Some(kv) => {
            ev.push(kv.as_str(), k);
            ev.push(value_var.as_str(), v);
            2
        }
        None => {
            ev.push(value_var.as_str(), v);
            1
        }
    }
}

/// Most values [`surely_known`] looks at for one call's arguments.
const KNOWN_CHECK_BUDGET: usize = 256;

/// Whether `v` holds no unknown and no reference, looking at most at `budget` values (`false`
/// when it runs out).
fn surely_known(v: &Value, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match v {
        Value::Unknown | Value::Reference(_) => false,
        Value::List(l) => l.iter().all(|e| surely_known(e, budget)),
        Value::Map(m) => m.values().all(|e| surely_known(e, budget)),
        _ => true,
    }
}

/// (key, value) pairs of a collection: index/element for lists, key/value for maps.
pub fn iter_items(v: &Value) -> Option<Vec<(Value, Value)>> {
    match v {
        Value::List(l) => Some(
            l.iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                .collect(),
        ),
        Value::Map(m) => Some(
            m.iter()
                .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                .collect(),
        ),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// [`index`] without taking `cur` apart: `Ok(None)` when the key is unknown.
fn index_ref<'v>(cur: &'v Value, key: &Value) -> Result<Option<&'v Value>, EvalError> {
    match (cur, key) {
        (_, Value::Unknown | Value::Reference(_)) => Ok(None),
        (Value::List(l), k) => {
            let i = k.as_i64().ok_or(EvalError)?;
            if i < 0 {
                return Err(EvalError);
            }
            l.get(i as usize).map(Some).ok_or(EvalError)
        }
        (Value::Map(m), k) => {
            let k = k.to_template_string().ok_or(EvalError)?;
            m.get(&k).map(Some).ok_or(EvalError)
        }
        _ => Err(EvalError),
    }
}

fn index(cur: Value, key: &Value) -> EvalResult {
    match (cur, key) {
        (_, Value::Unknown | Value::Reference(_)) => Ok(Value::Unknown),
        (Value::List(mut l), k) => {
            let i = k.as_i64().ok_or(EvalError)?;
            if i < 0 || i as usize >= l.len() {
                return Err(EvalError);
            }
            Ok(l.swap_remove(i as usize))
        }
        (Value::Map(mut m), k) => {
            let k = k.to_template_string().ok_or(EvalError)?;
            m.remove(&k).ok_or(EvalError)
        }
        _ => Err(EvalError),
    }
}

fn binary(op: BinaryOperator, l: &Value, r: &Value) -> EvalResult {
    use BinaryOperator::*;
    if matches!(op, Eq | NotEq) {
        if l.contains_unknown() || r.contains_unknown() {
            return Ok(Value::Unknown);
        }
        let eq = match (l.as_f64(), r.as_f64(), l, r) {
            (Some(a), Some(b), Value::Number(_), Value::Number(_)) => a == b,
            _ => l == r,
        };
        return Ok(Value::Bool(if op == Eq { eq } else { !eq }));
    }
    if l.is_unknown() || r.is_unknown() {
        return Ok(Value::Unknown);
    }
    match op {
        And | Or => {
            let (a, b) = (l.as_bool().ok_or(EvalError)?, r.as_bool().ok_or(EvalError)?);
            Ok(Value::Bool(if op == And { a && b } else { a || b }))
        }
        _ => {
            let (a, b) = (l.as_f64().ok_or(EvalError)?, r.as_f64().ok_or(EvalError)?);
            Ok(match op {
                Plus => Value::Number(a + b),
                Minus => Value::Number(a - b),
                Mul => Value::Number(a * b),
                Div if b != 0.0 => Value::Number(a / b),
                Mod if b != 0.0 => Value::Number(a % b),
                Div | Mod => return Err(EvalError),
                Less => Value::Bool(a < b),
                LessEq => Value::Bool(a <= b),
                Greater => Value::Bool(a > b),
                GreaterEq => Value::Bool(a >= b),
                Eq | NotEq | And | Or => return Err(EvalError),
            })
        }
    }
}

/// Removes the common leading whitespace of all non-empty lines (`<<-` heredocs).
fn dedent(s: &str) -> String {
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        out.push_str(line.get(indent..).unwrap_or(line.trim_start()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(src: &str) -> Value {
        let expr = hcl::edit::parser::parse_expr(src).expect("parses");
        Evaluator::new(&EmptyScope).eval_or_unknown(&expr)
    }

    #[test]
    fn literals_templates_and_operators() {
        assert_eq!(ev("1 + 2 * 3"), Value::Number(7.0));
        assert_eq!(ev(r#""a-${1 + 1}""#), Value::String("a-2".into()));
        assert_eq!(ev("true && !false"), Value::Bool(true));
        assert_eq!(ev("var.x"), Value::Unknown);
        assert_eq!(ev("var.x == 1 ? 2 : 2"), Value::Number(2.0));
        assert_eq!(ev("var.x == 1 ? 2 : 3"), Value::Unknown);
    }

    #[test]
    fn references_and_splats() {
        assert_eq!(
            ev("aws_security_group.alb.id"),
            Value::Reference(Reference {
                address: "aws_security_group.alb".into(),
                attribute: vec!["id".into()],
            })
        );
        assert_eq!(
            ev("aws_security_group.alb[0].id"),
            Value::Reference(Reference {
                address: "aws_security_group.alb[0]".into(),
                attribute: vec!["id".into()],
            })
        );
        assert_eq!(
            ev("[{a = 1}, {a = 2}][*].a"),
            Value::List(vec![Value::Number(1.0), Value::Number(2.0)])
        );
    }

    #[test]
    fn for_expressions_and_try() {
        assert_eq!(
            ev("[for x in [1, 2, 3] : x * 2 if x > 1]"),
            Value::List(vec![Value::Number(4.0), Value::Number(6.0)])
        );
        assert_eq!(
            ev(r#"{ for k, v in {a = 1} : k => v }"#).get("a"),
            &Value::Number(1.0)
        );
        assert_eq!(ev(r#"try({a = 1}.b, "x")"#), Value::String("x".into()));
        assert_eq!(ev(r#"can({a = 1}.b)"#), Value::Bool(false));
    }

    #[test]
    fn heredoc_and_directives() {
        let v = ev("<<-EOT\n    {\"a\": 1}\n    EOT");
        assert_eq!(v, Value::String("{\"a\": 1}\n".into()));
        assert_eq!(
            ev(r#""%{ for x in [1,2] }${x}%{ endfor }""#),
            Value::String("12".into())
        );
        assert_eq!(
            ev(r#""%{ if true }y%{ else }n%{ endif }""#),
            Value::String("y".into())
        );
    }
}
