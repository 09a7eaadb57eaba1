//! Source text: files with their line index, and compact byte spans.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::finding::SourceLocation;

/// The text of one file, kept for locations, snippets and suppression comments.
pub struct SourceFile {
    /// Path as displayed in findings.
    pub display: String,
    /// File contents.
    pub source: String,
    /// Line starts.
    pub lines: LineIndex,
}

impl SourceFile {
    /// A source file. A UTF-8 byte order mark at the start is not part of the text (Terraform
    /// skips it too); offsets count from after it.
    pub fn new(display: String, source: String) -> SourceFile {
        let source = match source.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => source,
        };
        let lines = LineIndex::new(&source);
        SourceFile {
            display,
            source,
            lines,
        }
    }

    /// The location of a byte range.
    pub fn location(&self, range: Range<usize>) -> SourceLocation {
        self.lines.location(&self.display, &self.source, range)
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("display", &self.display)
            .field("len", &self.source.len())
            .finish()
    }
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        self.display == other.display && self.source == other.source
    }
}

/// A byte range in a source file, kept small (locations are computed only for findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteSpan {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl From<Range<usize>> for ByteSpan {
    fn from(r: Range<usize>) -> ByteSpan {
        let clamp = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        ByteSpan {
            start: clamp(r.start),
            end: clamp(r.end),
        }
    }
}

impl ByteSpan {
    /// As a `usize` range.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Line starts of one file, to turn byte ranges into [`SourceLocation`]s.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `source`.
    pub fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(source.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = source
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// The location of `range` in `file`.
    pub fn location(&self, file: &str, source: &str, range: Range<usize>) -> SourceLocation {
        let (line, col) = self.line_col(source, range.start);
        let (end_line, end_col) = self.line_col(source, range.end.max(range.start));
        SourceLocation {
            file: file.to_string(),
            line,
            col,
            end_line,
            end_col,
            start_byte: range.start,
            end_byte: range.end.max(range.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let src = "ab\ncdé\nf";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 0), (1, 1));
        assert_eq!(idx.line_col(src, 3), (2, 1));
        assert_eq!(idx.line_col(src, 7), (2, 4));
        assert_eq!(idx.line_col(src, 100), (3, 2));
    }
}
