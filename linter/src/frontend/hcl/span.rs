//! Byte offsets to line/column positions.

use std::ops::Range;

use crate::finding::SourceLocation;

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
