//! Finding and parsing files: `.tf` and `.tf.json` sources grouped by directory (one directory
//! is one module), plus `terraform.tfvars`, `*.auto.tfvars` (and their `.json` forms) and
//! `--var-file`s.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use hcl::edit::expr::Expression;
use hcl::edit::structure::Body;
use rayon::prelude::*;

use super::json_config::{self, JsonOrigin};
use crate::model::LoadError;
pub use crate::source::SourceFile;

/// A parsed `.tf` file (or a JSON-syntax file, translated to native syntax).
#[derive(Debug)]
pub struct ParsedFile {
    /// Its text (for a JSON file, the generated native text, under the JSON file's name).
    pub file: Arc<SourceFile>,
    /// Its syntax tree, with spans into `file`.
    pub body: Body,
    /// For a JSON file: the file itself and the map from `file`'s offsets back to it.
    pub json: Option<Arc<JsonOrigin>>,
}

/// The parsed module directories one root module needs (its own and the local modules it
/// calls, transitively), plus its tfvars.
#[derive(Debug, Default)]
pub struct Tree {
    /// Parsed `.tf` files per (lexically normalized) directory, in file-name order.
    pub dirs: BTreeMap<PathBuf, Vec<Arc<ParsedFile>>>,
    /// `terraform.tfvars`, `*.auto.tfvars` (and `.json` forms) of the root, in load order.
    pub tfvars: Vec<Arc<ParsedFile>>,
    /// Files read from outside the walk (local modules elsewhere).
    pub extra_files: Vec<Arc<SourceFile>>,
    /// Files that could not be read or parsed.
    pub errors: Vec<LoadError>,
}

/// What the walk found: sources read (not parsed) and grouped by directory.
#[derive(Debug, Default)]
pub struct Walk {
    /// `.tf` sources per directory, in file-name order.
    pub dirs: BTreeMap<PathBuf, Vec<Arc<SourceFile>>>,
    /// `terraform.tfvars` and `*.auto.tfvars` per directory, in load order.
    pub tfvars: HashMap<PathBuf, Vec<Arc<SourceFile>>>,
    /// Directories to evaluate as root modules: those no other directory calls as a module.
    pub roots: Vec<PathBuf>,
    /// Every file read, by display path.
    pub files: BTreeMap<String, Arc<SourceFile>>,
    /// Files that could not be read.
    pub errors: Vec<LoadError>,
}

/// Lexically normalizes a path (resolves `.` and `..` without touching the file system).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn is_excluded(rel: &str, display: &str, exclude: &crate::config::Excludes) -> bool {
    exclude.is_match(rel) || exclude.is_match(display)
}

enum Kind {
    Tf,
    Tfvars,
}

fn kind_of(name: &str) -> Option<Kind> {
    let base = name.strip_suffix(".json").unwrap_or(name);
    if base.ends_with(".tf") {
        Some(Kind::Tf)
    } else if base == "terraform.tfvars" || base.ends_with(".auto.tfvars") {
        Some(Kind::Tfvars)
    } else {
        None
    }
}

/// Reads a file; an unreadable file becomes a [`LoadError`].
pub fn read_file(path: &Path, display: String) -> Result<Arc<SourceFile>, LoadError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Arc::new(SourceFile::new(
            display,
            String::from_utf8_lossy(&bytes).into_owned(),
        ))),
        Err(e) => Err(LoadError::io(display, "file", &e)),
    }
}

/// Reads a file and parses it ([`parse_source`]); a parse error becomes a [`LoadError`] with
/// its position.
pub fn parse_file(
    path: &Path,
    display: String,
) -> (Option<Arc<SourceFile>>, Result<ParsedFile, LoadError>) {
    match read_file(path, display) {
        Ok(file) => {
            let parsed = parse_source(&file);
            (Some(file), parsed)
        }
        Err(e) => (None, Err(e)),
    }
}

/// Parses an already-read source file: native syntax, or JSON syntax when the name ends in
/// `.json` (a configuration file for `.tf.json`, a variables file otherwise).
pub fn parse_source(file: &Arc<SourceFile>) -> Result<ParsedFile, LoadError> {
    if !json_config::is_json(&file.display) {
        return Ok(ParsedFile {
            file: Arc::clone(file),
            body: parse_native(file)?,
            json: None,
        });
    }
    let tfvars = !file.display.ends_with(".tf.json");
    let (text, map) = json_config::translate(file, tfvars)?;
    let origin = Arc::new(JsonOrigin {
        original: Arc::clone(file),
        map,
    });
    let generated = Arc::new(SourceFile::new(file.display.clone(), text));
    let body =
        parse_native(&generated).map_err(|e| origin.error(e.location.start_byte, e.message))?;
    Ok(ParsedFile {
        file: generated,
        body,
        json: Some(origin),
    })
}

/// `i` moved back to a character boundary of `s` (and to at most its length).
pub fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Deepest nesting of expressions, templates and blocks accepted in a file. Terraform has no
/// limit; hcl-edit's parser stops at 64 levels on its own, so a file nested deeper is parsed
/// again with this limit on a thread with [`DEEP_PARSE_STACK`] (the tree it builds is then
/// evaluated and dropped on an ordinary worker thread, which 256 levels leave ample room on).
pub const MAX_NESTING: usize = 256;

/// Stack of the thread that parses a file nested deeper than hcl-edit's default limit.
const DEEP_PARSE_STACK: usize = 64 << 20;

/// Parses native HCL syntax, refusing what Terraform refuses that hcl-edit accepts.
fn parse_native(file: &Arc<SourceFile>) -> Result<Body, LoadError> {
    let parse = |max_depth: usize| -> Result<Body, LoadError> {
        let body = hcl::edit::parser::parse_body_with_max_depth(&file.source, max_depth)
            .map_err(|e| parse_error(file, &e))?;
        super::syntax::check(file, &body)?;
        Ok(body)
    };
    match parse(hcl::edit::parser::DEFAULT_MAX_NESTING_DEPTH) {
        Err(e) if e.message.contains("nesting depth") => {
            std::thread::scope(|s| {
                std::thread::Builder::new()
                    .name("deep-parse".into())
                    .stack_size(DEEP_PARSE_STACK)
                    .spawn_scoped(s, || parse(MAX_NESTING))
                    .map_err(|io| LoadError {
                        message: format!(
                            "{} (a thread to parse it with {MAX_NESTING} levels could not start: {io})",
                            e.message
                        ),
                        location: e.location.clone(),
                    })?
                    .join()
                    // A panic in the parser is a bug; report it on the file rather than abort.
                    .unwrap_or_else(|_| Err(e.clone()))
            })
            .map_err(|deep| {
                if deep.message.contains("nesting depth") {
                    LoadError {
                        message: format!(
                            "parse error: nested deeper than {MAX_NESTING} levels (not linted)"
                        ),
                        location: deep.location,
                    }
                } else {
                    deep
                }
            })
        }
        other => other,
    }
}

/// A hcl-edit parse error at its position in `file`.
fn parse_error(file: &SourceFile, e: &hcl::edit::parser::Error) -> LoadError {
    let loc = e.location();
    // At the end of input hcl-edit reports the last byte, which may be inside a character.
    let offset = floor_char_boundary(&file.source, loc.offset());
    let mut location = file.location(offset..offset);
    location.line = loc.line();
    location.col = loc.column();
    location.end_line = loc.line();
    location.end_col = loc.column();
    LoadError {
        location,
        message: format!("parse error: {}", e.message()),
    }
}

/// The literal `source` of every `module` block in `files` that points to a local directory.
pub(crate) fn local_module_dirs(dir: &Path, files: &[Arc<ParsedFile>]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for f in files {
        for block in f.body.blocks() {
            if block.ident.as_str() != "module" {
                continue;
            }
            let source = block.body.attributes().find(|a| a.key.as_str() == "source");
            if let Some(Expression::String(s)) = source.map(|a| &a.value) {
                if let Some(p) = local_source(dir, s.value()) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// The directory a local module source points to (`./x`, `../x`), if it is local.
pub fn local_source(dir: &Path, source: &str) -> Option<PathBuf> {
    if source.starts_with("./") || source.starts_with("../") {
        Some(normalize(&dir.join(source)))
    } else {
        None
    }
}

/// Local module sources written in `source` (a fast textual scan, used only to decide which
/// walked directories are root modules; evaluation reads the parsed `module` blocks). Matches
/// `source = "..."` and, for JSON files, `"source": "..."` anywhere on a line.
pub(crate) fn scanned_module_sources(dir: &Path, text: &str) -> Vec<PathBuf> {
    let quoted = |rest: &str, sep: char| -> Option<String> {
        let rest = rest.trim_start().strip_prefix(sep)?;
        let rest = rest.trim_start().strip_prefix('"')?;
        rest.find('"').map(|end| rest[..end].to_string())
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let mut found: Vec<String> = Vec::new();
        if let Some(rest) = line.trim_start().strip_prefix("source") {
            found.extend(quoted(rest, '='));
        }
        let mut rest = line;
        while let Some(i) = rest.find("\"source\"") {
            rest = &rest[i + "\"source\"".len()..];
            found.extend(quoted(rest, ':'));
        }
        out.extend(found.iter().filter_map(|s| local_source(dir, s)));
    }
    out
}

/// Walks `paths` and reads every Terraform file found (in parallel), without parsing, and
/// decides the root modules.
pub fn walk(paths: &[PathBuf], exclude: &[String]) -> Result<Walk, std::io::Error> {
    let exclude = crate::config::Excludes::new(exclude)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let mut found: Vec<(PathBuf, String, Kind)> = Vec::new();
    let mut unreadable = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root)?;
        if meta.is_file() {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let kind = kind_of(&name).unwrap_or(Kind::Tf);
            found.push((root.clone(), root.display().to_string(), kind));
            continue;
        }
        // Symbolic links are followed (Terraform reads a linked `.tf` file or module directory
        // like any other); a link loop is reported as an error on the link.
        let walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && e.file_name()
                            .to_str()
                            .is_some_and(|n| n.starts_with('.') || n == "node_modules"))
            });
        for entry in walker {
            // An unreadable directory (or entry) is reported; the rest of the tree is linted.
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // A dangling link is an error only if Terraform would read it.
                    let dangling = e.path().is_some_and(|p| {
                        p.symlink_metadata()
                            .is_ok_and(|m| m.file_type().is_symlink())
                            && p.metadata().is_err()
                    });
                    let name = e
                        .path()
                        .and_then(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if dangling && kind_of(&name).is_none() {
                        continue;
                    }
                    let at = e.path().unwrap_or(root.as_path()).display().to_string();
                    match e.io_error() {
                        Some(io) => unreadable.push(LoadError::io(at, "directory", io)),
                        None => unreadable.push(LoadError::io(at, "entry", &e)),
                    }
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            // A name that is not UTF-8 is read too (as Terraform does), shown lossily.
            let name = entry.file_name().to_string_lossy();
            let Some(kind) = kind_of(&name) else { continue };
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .into_owned();
            let display = entry.path().display().to_string();
            if is_excluded(&rel, &display, &exclude) {
                continue;
            }
            found.push((entry.path().to_path_buf(), display, kind));
        }
    }

    let read: Vec<_> = found
        .par_iter()
        .map(|(path, display, kind)| (path, kind, read_file(path, display.clone())))
        .collect();

    let mut w = Walk {
        errors: unreadable,
        ..Walk::default()
    };
    for (path, kind, file) in read {
        let dir = normalize(path.parent().unwrap_or(Path::new(".")));
        match (kind, file) {
            (_, Err(e)) => w.errors.push(e),
            (Kind::Tfvars, Ok(f)) => {
                w.files.insert(f.display.clone(), f.clone());
                w.tfvars.entry(dir).or_default().push(f);
            }
            (_, Ok(f)) => {
                w.files.insert(f.display.clone(), f.clone());
                w.dirs.entry(dir).or_default().push(f);
            }
        }
    }
    // terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) in name order.
    for v in w.tfvars.values_mut() {
        v.sort_by_key(|f| (f.display.contains(".auto.tfvars"), f.display.clone()));
    }
    let mut called = BTreeSet::new();
    for (dir, files) in &w.dirs {
        for f in files {
            for target in scanned_module_sources(dir, &f.source) {
                if &target != dir {
                    called.insert(target);
                }
            }
        }
    }
    w.roots = w
        .dirs
        .keys()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    Ok(w)
}

/// Parses one directory's files: from the walk when it was walked, else from disk.
pub(crate) fn parse_dir(walk: &Walk, dir: &Path, tree: &mut Tree) -> Vec<Arc<ParsedFile>> {
    let sources: Vec<Arc<SourceFile>> = match walk.dirs.get(dir) {
        Some(files) => files.clone(),
        None => {
            // A module directory that cannot be listed (Terraform fails on it too) is reported.
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    let at = dir.display().to_string();
                    tree.errors.push(LoadError::io(at, "module directory", &e));
                    Vec::new()
                }
            };
            entries.sort();
            let mut out = Vec::new();
            for p in entries {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default();
                if !(name.ends_with(".tf") || name.ends_with(".tf.json")) {
                    continue;
                }
                match read_file(&p, p.display().to_string()) {
                    Ok(f) => {
                        tree.extra_files.push(f.clone());
                        out.push(f);
                    }
                    Err(e) => tree.errors.push(e),
                }
            }
            out
        }
    };
    let parsed: Vec<_> = sources.par_iter().map(parse_source).collect();
    let mut out = Vec::new();
    for r in parsed {
        match r {
            Ok(p) => out.push(Arc::new(p)),
            Err(e) => tree.errors.push(e),
        }
    }
    out
}

/// Parses what root module `root` needs: its directory, the local modules it calls
/// (transitively) and its tfvars.
pub fn root_tree(walk: &Walk, root: &Path) -> Tree {
    let mut tree = Tree::default();
    let mut queue = vec![root.to_path_buf()];
    while let Some(dir) = queue.pop() {
        if tree.dirs.contains_key(&dir) {
            continue;
        }
        let files = parse_dir(walk, &dir, &mut tree);
        for target in local_module_dirs(&dir, &files) {
            if !tree.dirs.contains_key(&target) {
                queue.push(target);
            }
        }
        tree.dirs.insert(dir, files);
    }
    for f in walk.tfvars.get(root).into_iter().flatten() {
        match parse_source(f) {
            Ok(p) => tree.tfvars.push(Arc::new(p)),
            Err(e) => tree.errors.push(e),
        }
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../a/../../b")),
            PathBuf::from("../../b")
        );
    }
}
