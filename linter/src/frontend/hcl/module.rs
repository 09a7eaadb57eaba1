//! Evaluating one module instance: variables, locals, resources and data sources (with `count`,
//! `for_each` and `dynamic` blocks), backends, local module calls and their outputs.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::Span;

use super::eval::{iter_items, EvalResult, Evaluator, Scope};
use super::loader::{local_source, ParsedFile, SourceFile, Tree};
use crate::finding::PathStep;
use crate::model::{Mode, Resource, Value};
use crate::source::ByteSpan;

/// Deepest module nesting evaluated (a module calling itself is a cycle, reported as such
/// before this). Deeper calls are noted as not checked.
pub const MAX_MODULE_DEPTH: usize = 32;
/// Most instances expanded from one resource's `count`/`for_each` or one `dynamic` block; the
/// rest are noted as not checked.
pub const MAX_INSTANCES: usize = 1024;
/// Most instances expanded from one module call's `count`/`for_each` (each instance evaluates
/// the whole module); the rest are noted as not checked.
pub const MAX_MODULE_INSTANCES: usize = 256;
/// Deepest expression nesting for which element spans are recorded.
const MAX_SPAN_DEPTH: usize = 6;

const RESOURCE_META_ATTRS: &[&str] = &["count", "for_each", "depends_on", "provider"];
const RESOURCE_META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];
const MODULE_META_ATTRS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Shared state of one root module's evaluation.
pub struct Ctx<'a> {
    /// Every parsed module directory.
    pub tree: &'a Tree,
    /// Resources emitted so far.
    pub out: RefCell<Vec<Resource>>,
    /// The root module's directory as displayed (`path.root` in every module).
    pub root_display: String,
    /// Variable defaults evaluated so far, shared by every root of the run.
    pub defaults: &'a Defaults,
    /// Each module directory's declarations, collected once for all its instances.
    pub decls: &'a DeclMap<'a>,
    /// What could not be checked and the errors found while evaluating (module cycles), once
    /// per place and reason (a module evaluated for many instances notes its gaps once), in
    /// the file they are in (for a JSON file, its generated text: see [`Note`]).
    pub notes: RefCell<Vec<Note>>,
    /// Keys of `notes` already recorded.
    pub seen: RefCell<HashSet<(usize, usize, String)>>,
}

/// An [`crate::model::Unchecked`] note, or an error (`error`), at `span` of `file`.
#[derive(Debug)]
pub struct Note {
    /// The file (for a JSON file, the generated native text).
    pub file: Arc<SourceFile>,
    /// Where in `file`.
    pub span: Range<usize>,
    /// Why it was not checked, or the error.
    pub reason: String,
    /// An error (a module cycle), not an unchecked part.
    pub error: bool,
}

impl Ctx<'_> {
    /// Records that `span` of `file` could not be checked, and why (once per place and reason).
    pub fn note(&self, file: &Arc<SourceFile>, span: Range<usize>, reason: String) {
        self.push(file, span, reason, false);
    }

    /// Records an error at `span` of `file` (once per place and message).
    fn error(&self, file: &Arc<SourceFile>, span: Range<usize>, message: String) {
        self.push(file, span, message, true);
    }

    fn push(&self, file: &Arc<SourceFile>, span: Range<usize>, reason: String, error: bool) {
        let key = (Arc::as_ptr(file) as usize, span.start, reason);
        if !self.seen.borrow_mut().insert(key.clone()) {
            return;
        }
        self.notes.borrow_mut().push(Note {
            file: Arc::clone(file),
            span,
            reason: key.2,
            error,
        });
    }
}

/// The declarations of every module directory of a root's tree, by directory.
pub struct DeclMap<'a>(HashMap<&'a Path, Rc<Decls<'a>>>);

impl<'a> DeclMap<'a> {
    /// The declarations of every directory of `tree`.
    pub fn new(tree: &'a Tree) -> DeclMap<'a> {
        DeclMap(
            tree.dirs
                .iter()
                .map(|(dir, files)| (dir.as_path(), Rc::new(collect(files))))
                .collect(),
        )
    }
}

/// Variable defaults by module directory and variable name: a default references nothing, so
/// every instance of a module, in every root module, gets the same value.
#[derive(Debug, Default)]
pub struct Defaults(Mutex<HashMap<(PathBuf, String), Arc<Value>>>);

impl Defaults {
    fn get(&self, dir: &Path, name: &str) -> Option<Arc<Value>> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(dir.to_path_buf(), name.to_string())).cloned()
    }

    fn put(&self, dir: &Path, name: &str, v: Arc<Value>) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert((dir.to_path_buf(), name.to_string()), v);
    }
}

/// An expression with the file it is written in.
type InFile<'a, T> = (&'a T, &'a Arc<SourceFile>);

struct Decls<'a> {
    variables: HashMap<&'a str, Option<InFile<'a, Expression>>>,
    locals: HashMap<&'a str, InFile<'a, Expression>>,
    outputs: Vec<(&'a str, InFile<'a, Expression>)>,
    /// Module calls in source order, and their index by name.
    modules: Vec<(&'a str, InFile<'a, Block>)>,
    module_index: HashMap<&'a str, usize>,
    blocks: Vec<(&'a Block, &'a Arc<SourceFile>)>,
    backends: Vec<(&'a Block, &'a Arc<SourceFile>)>,
}

fn collect(files: &[Arc<ParsedFile>]) -> Decls<'_> {
    let mut d = Decls {
        variables: HashMap::new(),
        locals: HashMap::new(),
        outputs: Vec::new(),
        modules: Vec::new(),
        module_index: HashMap::new(),
        blocks: Vec::new(),
        backends: Vec::new(),
    };
    for f in files {
        for block in f.body.blocks() {
            let label = block.labels.first().map(|l| l.as_str());
            match (block.ident.as_str(), label) {
                ("variable", Some(name)) => {
                    let default = block.body.get_attribute("default").map(|a| &a.value);
                    d.variables.insert(name, default.map(|e| (e, &f.file)));
                }
                ("locals", _) => {
                    for a in block.body.attributes() {
                        d.locals.insert(a.key.as_str(), (&a.value, &f.file));
                    }
                }
                ("output", Some(name)) => {
                    if let Some(v) = block.body.get_attribute("value") {
                        d.outputs.push((name, (&v.value, &f.file)));
                    }
                }
                ("module", Some(name)) => {
                    d.module_index.insert(name, d.modules.len());
                    d.modules.push((name, (block, &f.file)));
                }
                ("resource" | "data", Some(_)) => d.blocks.push((block, &f.file)),
                ("terraform", _) => {
                    for b in block.body.blocks() {
                        if b.ident.as_str() == "backend" && !b.labels.is_empty() {
                            d.backends.push((b, &f.file));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    d
}

/// One instance of a module being evaluated.
pub struct Instance<'a> {
    ctx: &'a Ctx<'a>,
    dir: PathBuf,
    dir_display: String,
    prefix: String,
    module_path: Vec<String>,
    inputs: HashMap<String, Value>,
    decls: Rc<Decls<'a>>,
    depth: usize,
    /// The module calls that led here, outermost first: (directory, `module.NAME` address).
    chain: Vec<(PathBuf, String)>,
    /// Locals evaluated so far (`None` while one is being evaluated: a cycle).
    local_cache: RefCell<HashMap<String, Option<Rc<Value>>>>,
    /// Variable defaults evaluated so far.
    default_cache: RefCell<HashMap<String, Arc<Value>>>,
    module_cache: RefCell<HashMap<String, Option<Value>>>,
}

impl<'a> Instance<'a> {
    /// An instance of the module in `dir` with `inputs` as its variable values.
    pub fn new(
        ctx: &'a Ctx<'a>,
        dir: &Path,
        prefix: String,
        module_path: Vec<String>,
        inputs: HashMap<String, Value>,
        depth: usize,
    ) -> Instance<'a> {
        let decls = ctx
            .decls
            .0
            .get(dir)
            .cloned()
            .unwrap_or_else(|| Rc::new(collect(&[])));
        Instance {
            ctx,
            dir: dir.to_path_buf(),
            dir_display: dir.display().to_string(),
            prefix,
            module_path,
            inputs,
            decls,
            depth,
            chain: Vec::new(),
            local_cache: RefCell::new(HashMap::new()),
            default_cache: RefCell::new(HashMap::new()),
            module_cache: RefCell::new(HashMap::new()),
        }
    }

    /// Evaluates every resource, data source, backend and module call; returns the outputs.
    pub fn run(&self) -> Value {
        for (block, file) in &self.decls.backends {
            let ty = block.labels.first().map(|l| l.as_str()).unwrap_or("");
            let mut ev = Evaluator::new(self).in_file(file);
            let mut spans = Vec::new();
            let attrs = eval_body(
                &block.body,
                &mut ev,
                &mut Vec::new(),
                &mut spans,
                file,
                false,
            );
            let mut r = Resource::new(Mode::Backend, ty, ty, attrs);
            r.address = format!("{}terraform.backend.{ty}", self.prefix);
            r.module_path = self.module_path.clone();
            r.location = block.span().map(|s| file.location(header(&file.source, s)));
            r.spans = spans;
            r.source = Some(Arc::clone(file));
            self.ctx.out.borrow_mut().push(r);
        }
        for (block, file) in &self.decls.blocks {
            self.emit_block(block, file);
        }
        for (name, _) in &self.decls.modules {
            self.module_outputs(name);
        }
        let mut outputs = BTreeMap::new();
        for (name, (expr, file)) in &self.decls.outputs {
            let v = Evaluator::new(self).in_file(file).eval_or_unknown(expr);
            outputs.insert(name.to_string(), v);
        }
        Value::Map(outputs)
    }

    fn emit_block(&self, block: &Block, file: &Arc<SourceFile>) {
        let mode = if block.ident.as_str() == "data" {
            Mode::Data
        } else {
            Mode::Managed
        };
        let (Some(ty), Some(name)) = (block.labels.first(), block.labels.get(1)) else {
            return;
        };
        let (ty, name) = (ty.as_str(), name.as_str());
        let base = match mode {
            Mode::Data => format!("{}data.{ty}.{name}", self.prefix),
            _ => format!("{}{ty}.{name}", self.prefix),
        };
        for (suffix, binding) in self.instances(block, file, MAX_INSTANCES) {
            let mut ev = Evaluator::new(self).in_file(file);
            if let Some((n, v)) = &binding {
                ev.push(n, v.clone());
            }
            let mut spans = Vec::new();
            let attrs = eval_body(
                &block.body,
                &mut ev,
                &mut Vec::new(),
                &mut spans,
                file,
                true,
            );
            let mut r = Resource::new(mode, ty, name, attrs);
            r.address = format!("{base}{suffix}");
            r.module_path = self.module_path.clone();
            r.location = block.span().map(|s| file.location(header(&file.source, s)));
            r.spans = spans;
            r.source = Some(Arc::clone(file));
            self.ctx.out.borrow_mut().push(r);
        }
    }

    /// Instance suffixes and the `count`/`each` binding of a block with `count` or `for_each`:
    /// at most `max`, the rest noted as not checked.
    fn instances(
        &self,
        block: &Block,
        file: &Arc<SourceFile>,
        max: usize,
    ) -> Vec<(String, Option<(&'static str, Value)>)> {
        let body = &block.body;
        let obj = |pairs: [(&str, Value); 2]| {
            Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        };
        let cut = |total: usize| {
            if total > max {
                let span = block.span().map(|sp| header(&file.source, sp));
                if let Some(span) = span {
                    self.ctx.note(
                        file,
                        span,
                        format!("only the first {max} of {total} instances are checked"),
                    );
                }
            }
        };
        if let Some(count) = body.get_attribute("count") {
            let v = Evaluator::new(self)
                .in_file(file)
                .eval_or_unknown(&count.value);
            return match v.as_i64() {
                Some(n) => {
                    let n = n.max(0) as usize;
                    cut(n);
                    (0..n.min(max))
                        .map(|i| {
                            let idx = Value::Number(i as f64);
                            (format!("[{i}]"), Some(("count", index_obj(idx))))
                        })
                        .collect()
                }
                None => vec![(String::new(), Some(("count", index_obj(Value::Unknown))))],
            };
        }
        if let Some(fe) = body.get_attribute("for_each") {
            let v = Evaluator::new(self)
                .in_file(file)
                .eval_or_unknown(&fe.value);
            let unknown = || {
                vec![(
                    String::new(),
                    Some((
                        "each",
                        obj([("key", Value::Unknown), ("value", Value::Unknown)]),
                    )),
                )]
            };
            return match &v {
                Value::Map(m) => {
                    cut(m.len());
                    m.iter()
                        .take(max)
                        .map(|(k, val)| {
                            (
                                format!("[{k:?}]"),
                                Some((
                                    "each",
                                    obj([
                                        ("key", Value::String(k.clone())),
                                        ("value", val.clone()),
                                    ]),
                                )),
                            )
                        })
                        .collect()
                }
                Value::List(l) => {
                    let mut out = Vec::new();
                    for item in l.iter().take(max) {
                        let Some(k) = item.to_template_string() else {
                            return unknown();
                        };
                        out.push((
                            format!("[{k:?}]"),
                            Some((
                                "each",
                                obj([("key", Value::String(k)), ("value", item.clone())]),
                            )),
                        ));
                    }
                    cut(l.len());
                    out
                }
                Value::Null => Vec::new(),
                _ => unknown(),
            };
        }
        vec![(String::new(), None)]
    }

    /// Evaluates module call `name` once (emitting its resources) and returns its outputs.
    fn module_outputs(&self, name: &str) -> Value {
        if let Some(state) = self.module_cache.borrow().get(name) {
            return state.clone().unwrap_or(Value::Unknown);
        }
        self.module_cache
            .borrow_mut()
            .insert(name.to_string(), None);
        let result = self.eval_module_call(name);
        self.module_cache
            .borrow_mut()
            .insert(name.to_string(), Some(result.clone()));
        result
    }

    fn eval_module_call(&self, name: &str) -> Value {
        let Some((_, (block, file))) = self
            .decls
            .module_index
            .get(name)
            .and_then(|&i| self.decls.modules.get(i))
        else {
            return Value::Unknown;
        };
        let source = match block.body.get_attribute("source").map(|a| &a.value) {
            Some(Expression::String(s)) => s.value().clone(),
            _ => return Value::Unknown,
        };
        let Some(dir) = local_source(&self.dir, &source) else {
            return Value::Unknown; // registry or remote module: not evaluated
        };
        let at = block
            .span()
            .map(|sp| header(&file.source, sp))
            .unwrap_or(0..0);
        // A module that calls itself, directly or through others: Terraform cannot expand it.
        if dir == self.dir || self.chain.iter().any(|(d, _)| *d == dir) {
            // The calls from the first instance of `dir` on, this one, and the call back.
            let mut names: Vec<String> = self
                .chain
                .iter()
                .skip_while(|(d, _)| *d != dir)
                .map(|(d, m)| format!("{m} ({})", d.display()))
                .collect();
            names.push(format!("{} ({})", self.here(), self.dir.display()));
            names.push(format!("{}module.{name} ({})", self.prefix, dir.display()));
            self.ctx.error(
                file,
                at,
                format!(
                    "module cycle: {} calls a module it is part of; not expanded",
                    names.join(" -> ")
                ),
            );
            return Value::Unknown;
        }
        if self.depth >= MAX_MODULE_DEPTH {
            self.ctx.note(
                file,
                at,
                format!(
                    "module `{name}` not evaluated: nested deeper than {MAX_MODULE_DEPTH} modules"
                ),
            );
            return Value::Unknown;
        }
        let instances = self.instances(block, file, MAX_MODULE_INSTANCES);
        let single = instances.len() == 1 && instances[0].0.is_empty();
        let mut last = Value::Unknown;
        for (suffix, binding) in instances {
            let mut ev = Evaluator::new(self).in_file(file);
            if let Some((n, v)) = &binding {
                ev.push(n, v.clone());
            }
            let mut inputs = HashMap::new();
            for a in block.body.attributes() {
                if MODULE_META_ATTRS.contains(&a.key.as_str()) {
                    continue;
                }
                inputs.insert(a.key.as_str().to_string(), ev.eval_or_unknown(&a.value));
            }
            let mut module_path = self.module_path.clone();
            module_path.push(format!("{name}{suffix}"));
            let mut child = Instance::new(
                self.ctx,
                &dir,
                format!("{}module.{name}{suffix}.", self.prefix),
                module_path,
                inputs,
                self.depth + 1,
            );
            child.chain = self.chain.clone();
            child.chain.push((self.dir.clone(), self.here()));
            last = child.run();
        }
        if single {
            last
        } else {
            Value::Unknown
        }
    }

    /// This instance's address (`module.a.module.b`), or `the root module`.
    fn here(&self) -> String {
        match self.prefix.strip_suffix('.') {
            Some(p) => p.to_string(),
            None => "the root module".to_string(),
        }
    }
}

impl Instance<'_> {
    /// The default of variable `name`, evaluated once per instance (`None`: no default).
    fn default_value(&self, name: &str) -> Option<Arc<Value>> {
        if let Some(v) = self.default_cache.borrow().get(name) {
            return Some(Arc::clone(v));
        }
        let Some(Some((default, file))) = self.decls.variables.get(name) else {
            return None;
        };
        let v = match self.ctx.defaults.get(&self.dir, name) {
            Some(v) => v,
            None => {
                let v = Arc::new(Evaluator::new(self).in_file(file).eval_or_unknown(default));
                self.ctx.defaults.put(&self.dir, name, Arc::clone(&v));
                v
            }
        };
        self.default_cache
            .borrow_mut()
            .insert(name.to_string(), Arc::clone(&v));
        Some(v)
    }

    /// Local `name`, evaluated once per instance (`None`: undeclared, or a cycle).
    fn local_value(&self, name: &str) -> Option<Rc<Value>> {
        if let Some(state) = self.local_cache.borrow().get(name) {
            return state.clone(); // None: a cycle
        }
        let (expr, file) = self.decls.locals.get(name)?;
        self.local_cache.borrow_mut().insert(name.to_string(), None);
        let v = Rc::new(Evaluator::new(self).in_file(file).eval_or_unknown(expr));
        self.local_cache
            .borrow_mut()
            .insert(name.to_string(), Some(Rc::clone(&v)));
        Some(v)
    }
}

impl Scope for Instance<'_> {
    fn variable(&self, name: &str) -> Value {
        if let Some(v) = self.inputs.get(name) {
            return v.clone();
        }
        self.default_value(name)
            .map(|v| (*v).clone())
            .unwrap_or(Value::Unknown)
    }

    fn local(&self, name: &str) -> Value {
        self.local_value(name)
            .map(|v| (*v).clone())
            .unwrap_or(Value::Unknown)
    }

    fn with_variable(
        &self,
        name: &str,
        f: &mut dyn FnMut(&Value) -> EvalResult,
    ) -> Option<EvalResult> {
        if let Some(v) = self.inputs.get(name) {
            return Some(f(v));
        }
        Some(match self.default_value(name) {
            Some(v) => f(&v),
            None => f(&Value::Unknown),
        })
    }

    fn with_local(
        &self,
        name: &str,
        f: &mut dyn FnMut(&Value) -> EvalResult,
    ) -> Option<EvalResult> {
        Some(match self.local_value(name) {
            Some(v) => f(&v),
            None => f(&Value::Unknown),
        })
    }

    fn module_output(&self, module: &str, output: Option<&str>) -> Value {
        let outputs = self.module_outputs(module);
        match output {
            Some(o) => match &outputs {
                Value::Map(m) => m.get(o).cloned().unwrap_or(Value::Unknown),
                _ => Value::Unknown,
            },
            None => outputs,
        }
    }

    fn module_prefix(&self) -> &str {
        &self.prefix
    }

    fn module_dir(&self) -> &str {
        &self.dir_display
    }

    fn root_dir(&self) -> &str {
        &self.ctx.root_display
    }

    fn unchecked(&self, file: &Arc<SourceFile>, span: Range<usize>, reason: String) {
        self.ctx.note(file, span, reason);
    }
}

/// The first line of a block's span (its header, e.g. `resource "aws_x" "y" {`).
fn header(source: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let text = source.get(span.clone()).unwrap_or("");
    let end = text.find('\n').map(|i| span.start + i).unwrap_or(span.end);
    let line = source.get(span.start..end).unwrap_or("");
    span.start..span.start + line.trim_end().len()
}

fn index_obj(v: Value) -> Value {
    Value::Map([("index".to_string(), v)].into_iter().collect())
}

/// Evaluates a block body into a map; nested blocks become lists of maps, `dynamic` blocks are
/// expanded. Records the span of every attribute, block and literal element under `path`.
pub fn eval_body(
    body: &Body,
    ev: &mut Evaluator<'_>,
    path: &mut Vec<PathStep>,
    spans: &mut Vec<(Vec<PathStep>, ByteSpan)>,
    file: &Arc<SourceFile>,
    top: bool,
) -> Value {
    let mut map: BTreeMap<String, Value> = BTreeMap::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                if top && RESOURCE_META_ATTRS.contains(&key) {
                    continue;
                }
                path.push(PathStep::Attribute(key.to_string()));
                record_spans(&a.value, path, spans, 0);
                path.pop();
                map.insert(key.to_string(), ev.eval_or_unknown(&a.value));
            }
            Structure::Block(b) => {
                let ident = b.ident.as_str();
                if top && RESOURCE_META_BLOCKS.contains(&ident) {
                    continue;
                }
                if ident == "dynamic" {
                    eval_dynamic(b, ev, path, spans, file, &mut map);
                    continue;
                }
                let idx = push_block(&mut map, ident, Value::Null);
                path.push(PathStep::Attribute(ident.to_string()));
                path.push(PathStep::Index(idx));
                if let Some(sp) = b.span() {
                    spans.push((path.clone(), ByteSpan::from(header(&file.source, sp))));
                }
                let v = eval_body(&b.body, ev, path, spans, file, false);
                path.pop();
                path.pop();
                set_block(&mut map, ident, idx, v);
            }
        }
    }
    Value::Map(map)
}

fn eval_dynamic(
    b: &Block,
    ev: &mut Evaluator<'_>,
    path: &mut Vec<PathStep>,
    spans: &mut Vec<(Vec<PathStep>, ByteSpan)>,
    file: &Arc<SourceFile>,
    map: &mut BTreeMap<String, Value>,
) {
    let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else {
        return;
    };
    let Some(content) = b.body.get_blocks("content").next() else {
        return;
    };
    let iterator = match b.body.get_attribute("iterator").map(|a| &a.value) {
        Some(Expression::Variable(v)) => v.as_str().to_string(),
        _ => label.clone(),
    };
    let for_each = b
        .body
        .get_attribute("for_each")
        .map(|a| ev.eval_or_unknown(&a.value))
        .unwrap_or(Value::Unknown);
    let items = iter_items(&for_each).unwrap_or_else(|| vec![(Value::Unknown, Value::Unknown)]);
    if items.len() > MAX_INSTANCES {
        ev.note(
            b.span().map(|sp| header(&file.source, sp)),
            format!(
                "only the first {MAX_INSTANCES} of {} `{label}` blocks are checked",
                items.len()
            ),
        );
    }
    for (k, v) in items.into_iter().take(MAX_INSTANCES) {
        let binding: BTreeMap<String, Value> = [("key".to_string(), k), ("value".to_string(), v)]
            .into_iter()
            .collect();
        ev.push(&iterator, Value::Map(binding));
        let idx = push_block(map, &label, Value::Null);
        path.push(PathStep::Attribute(label.clone()));
        path.push(PathStep::Index(idx));
        if let Some(sp) = b.span() {
            spans.push((path.clone(), ByteSpan::from(header(&file.source, sp))));
        }
        let val = eval_body(&content.body, ev, path, spans, file, false);
        path.pop();
        path.pop();
        ev.pop();
        set_block(map, &label, idx, val);
    }
}

/// Appends a placeholder block under `name`, returning its index.
fn push_block(map: &mut BTreeMap<String, Value>, name: &str, v: Value) -> usize {
    let entry = map
        .entry(name.to_string())
        .or_insert_with(|| Value::List(Vec::new()));
    if !matches!(entry, Value::List(_)) {
        *entry = Value::List(Vec::new());
    }
    match entry {
        Value::List(l) => {
            l.push(v);
            l.len() - 1
        }
        _ => 0,
    }
}

fn set_block(map: &mut BTreeMap<String, Value>, name: &str, idx: usize, v: Value) {
    if let Some(Value::List(l)) = map.get_mut(name) {
        if let Some(slot) = l.get_mut(idx) {
            *slot = v;
        }
    }
}

fn record_spans(
    expr: &Expression,
    path: &mut Vec<PathStep>,
    spans: &mut Vec<(Vec<PathStep>, ByteSpan)>,
    depth: usize,
) {
    if let Some(sp) = expr.span() {
        spans.push((path.clone(), ByteSpan::from(sp)));
    }
    if depth >= MAX_SPAN_DEPTH {
        return;
    }
    match expr {
        Expression::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                path.push(PathStep::Index(i));
                record_spans(e, path, spans, depth + 1);
                path.pop();
            }
        }
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                let key = match k {
                    hcl::edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                    hcl::edit::expr::ObjectKey::Expression(Expression::String(s)) => {
                        s.value().clone()
                    }
                    _ => continue,
                };
                path.push(PathStep::Attribute(key));
                record_spans(v.expr(), path, spans, depth + 1);
                path.pop();
            }
        }
        Expression::FuncCall(f) if f.name.name.as_str() == "jsonencode" => {
            if let Some(arg) = f.args.iter().next() {
                record_spans(arg, path, spans, depth + 1);
            }
        }
        // `"${expr}"` is `expr` itself (the only way to write an expression in `.tf.json`):
        // its elements get their own spans; the path itself keeps the whole string's, which
        // was recorded first and wins the tie in `Resource::location_of`.
        Expression::StringTemplate(t) => {
            let mut elements = t.iter();
            if let (Some(hcl::edit::template::Element::Interpolation(i)), None) =
                (elements.next(), elements.next())
            {
                record_spans(&i.expr, path, spans, depth + 1);
            }
        }
        _ => {}
    }
}
