//! Finding and parsing files: `.tf` sources grouped by directory (one directory is one module),
//! plus `terraform.tfvars`, `*.auto.tfvars` and `--var-file`s.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use hcl::edit::expr::Expression;
use hcl::edit::structure::Body;
use rayon::prelude::*;

use super::span::LineIndex;
use crate::finding::SourceLocation;
use crate::model::LoadError;

/// The text of one file, kept for locations, snippets and suppression comments.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as displayed in findings.
    pub display: String,
    /// File contents.
    pub source: String,
    /// Line starts.
    pub lines: LineIndex,
}

impl SourceFile {
    /// A source file.
    pub fn new(display: String, source: String) -> SourceFile {
        let lines = LineIndex::new(&source);
        SourceFile {
            display,
            source,
            lines,
        }
    }

    /// The location of a byte range.
    pub fn location(&self, range: std::ops::Range<usize>) -> SourceLocation {
        self.lines.location(&self.display, &self.source, range)
    }
}

/// A parsed `.tf` file.
#[derive(Debug)]
pub struct ParsedFile {
    /// Its text.
    pub file: Arc<SourceFile>,
    /// Its syntax tree, with spans.
    pub body: Body,
}

/// Every module directory found, parsed.
#[derive(Debug, Default)]
pub struct Tree {
    /// Parsed `.tf` files per (lexically normalized) directory, in file-name order.
    pub dirs: BTreeMap<PathBuf, Vec<Arc<ParsedFile>>>,
    /// `terraform.tfvars` and `*.auto.tfvars` per directory, in load order.
    pub tfvars: HashMap<PathBuf, Vec<Arc<ParsedFile>>>,
    /// Directories to evaluate as root modules.
    pub roots: Vec<PathBuf>,
    /// Every file read (parsed or not), by display path.
    pub files: BTreeMap<String, Arc<SourceFile>>,
    /// Files that could not be read or parsed.
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

/// Matches `path` against a glob with `*` (within a component), `**` (any components) and `?`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn rec(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len()).any(|i| rec(rest, &s[i..]))
            }
            Some(b'*') => {
                for i in 0..=s.len() {
                    if rec(&p[1..], &s[i..]) {
                        return true;
                    }
                    if s.get(i) == Some(&b'/') {
                        break;
                    }
                }
                false
            }
            Some(b'?') => !s.is_empty() && s[0] != b'/' && rec(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && rec(&p[1..], &s[1..]),
        }
    }
    let pattern = pattern.trim_start_matches("./");
    let path = path.trim_start_matches("./");
    rec(pattern.as_bytes(), path.as_bytes())
        || path.starts_with(&format!("{}/", pattern.trim_end_matches('/')))
}

fn is_excluded(rel: &str, display: &str, exclude: &[String]) -> bool {
    exclude
        .iter()
        .any(|pat| glob_match(pat, rel) || glob_match(pat, display))
}

enum Kind {
    Tf,
    Tfvars,
    TfJson,
}

fn kind_of(name: &str) -> Option<Kind> {
    if name.ends_with(".tf.json") {
        Some(Kind::TfJson)
    } else if name.ends_with(".tf") {
        Some(Kind::Tf)
    } else if name == "terraform.tfvars" || name.ends_with(".auto.tfvars") {
        Some(Kind::Tfvars)
    } else {
        None
    }
}

/// Reads a file and parses it as HCL; a parse error becomes a [`LoadError`] with its position.
pub fn parse_file(
    path: &Path,
    display: String,
) -> (Option<Arc<SourceFile>>, Result<Body, LoadError>) {
    let source = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            let err = LoadError {
                location: SourceLocation {
                    file: display,
                    line: 1,
                    col: 1,
                    end_line: 1,
                    end_col: 1,
                    start_byte: 0,
                    end_byte: 0,
                },
                message: format!("cannot read file: {e}"),
            };
            return (None, Err(err));
        }
    };
    let file = Arc::new(SourceFile::new(display, source));
    let parsed = parse_source(&file);
    (Some(file), parsed)
}

/// Parses an already-read source file.
pub fn parse_source(file: &Arc<SourceFile>) -> Result<Body, LoadError> {
    hcl::edit::parser::parse_body(&file.source).map_err(|e| {
        let loc = e.location();
        let offset = loc.offset().min(file.source.len());
        let mut location = file.location(offset..offset);
        location.line = loc.line();
        location.col = loc.column();
        location.end_line = loc.line();
        location.end_col = loc.column();
        LoadError {
            location,
            message: format!("parse error: {}", e.message()),
        }
    })
}

/// The literal `source` of every `module` block in `files` that points to a local directory.
fn local_module_dirs(dir: &Path, files: &[Arc<ParsedFile>]) -> Vec<PathBuf> {
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

/// Walks `paths`, parses every Terraform file found (in parallel) and decides the root modules.
pub fn load_tree(paths: &[PathBuf], exclude: &[String]) -> Result<Tree, std::io::Error> {
    let mut tf_files: Vec<(PathBuf, String, Kind)> = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root)?;
        if meta.is_file() {
            let name = root.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let kind = kind_of(name).unwrap_or(Kind::Tf);
            tf_files.push((root.clone(), root.display().to_string(), kind));
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && e.file_name()
                            .to_str()
                            .is_some_and(|n| n.starts_with('.') || n == "node_modules"))
            });
        for entry in walker {
            let entry = entry.map_err(std::io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Some(name) = entry.file_name().to_str() else {
                continue;
            };
            let Some(kind) = kind_of(name) else { continue };
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .into_owned();
            let display = entry.path().display().to_string();
            if is_excluded(&rel, &display, exclude) {
                continue;
            }
            tf_files.push((entry.path().to_path_buf(), display, kind));
        }
    }

    let parsed: Vec<_> = tf_files
        .par_iter()
        .map(|(path, display, kind)| match kind {
            Kind::TfJson => (path, kind, None, Err(None)),
            _ => {
                let (file, body) = parse_file(path, display.clone());
                (path, kind, file, body.map_err(Some))
            }
        })
        .collect();

    let mut tree = Tree::default();
    let mut walked_dirs = BTreeSet::new();
    for (path, kind, file, body) in parsed {
        let dir = normalize(path.parent().unwrap_or(Path::new(".")));
        if let Some(f) = &file {
            tree.files.insert(f.display.clone(), f.clone());
        }
        match (kind, file, body) {
            (_, _, Err(Some(e))) => {
                walked_dirs.insert(dir);
                tree.errors.push(e);
            }
            (Kind::TfJson, _, _) => {}
            (Kind::Tf, Some(file), Ok(body)) => {
                walked_dirs.insert(dir.clone());
                tree.dirs
                    .entry(dir)
                    .or_default()
                    .push(Arc::new(ParsedFile { file, body }));
            }
            (Kind::Tfvars, Some(file), Ok(body)) => {
                tree.tfvars
                    .entry(dir)
                    .or_default()
                    .push(Arc::new(ParsedFile { file, body }));
            }
            _ => {}
        }
    }
    // terraform.tfvars first, then *.auto.tfvars in name order.
    for v in tree.tfvars.values_mut() {
        v.sort_by_key(|f| {
            let auto = f.file.display.ends_with(".auto.tfvars");
            (auto, f.file.display.clone())
        });
    }

    // Load local modules called from outside the walked tree, transitively.
    let mut called: BTreeSet<PathBuf> = BTreeSet::new();
    let mut queue: Vec<PathBuf> = tree.dirs.keys().cloned().collect();
    let mut seen: BTreeSet<PathBuf> = queue.iter().cloned().collect();
    while let Some(dir) = queue.pop() {
        let files = tree.dirs.get(&dir).cloned().unwrap_or_default();
        for target in local_module_dirs(&dir, &files) {
            if target != dir {
                called.insert(target.clone());
            }
            if !seen.insert(target.clone()) {
                continue;
            }
            let mut loaded = Vec::new();
            if let Ok(rd) = std::fs::read_dir(&target) {
                let mut entries: Vec<PathBuf> =
                    rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for p in entries {
                    if p.extension().and_then(|e| e.to_str()) != Some("tf") {
                        continue;
                    }
                    let (file, body) = parse_file(&p, p.display().to_string());
                    if let Some(f) = &file {
                        tree.files.insert(f.display.clone(), f.clone());
                    }
                    match (file, body) {
                        (Some(file), Ok(body)) => loaded.push(Arc::new(ParsedFile { file, body })),
                        (_, Err(e)) => tree.errors.push(e),
                        _ => {}
                    }
                }
            }
            tree.dirs.insert(target.clone(), loaded);
            queue.push(target);
        }
    }
    tree.roots = walked_dirs
        .into_iter()
        .filter(|d| !called.contains(d) && tree.dirs.contains_key(d))
        .collect();
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("legacy/**", "legacy/a/b.tf"));
        assert!(glob_match("**/*.tf", "a/b/c.tf"));
        assert!(glob_match("*.tf", "main.tf"));
        assert!(!glob_match("*.tf", "a/main.tf"));
        assert!(glob_match("legacy", "legacy/main.tf"));
        assert!(!glob_match("legacy", "legacy2/main.tf"));
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../a/../../b")),
            PathBuf::from("../../b")
        );
    }
}
