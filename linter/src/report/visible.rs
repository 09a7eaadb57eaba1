//! Text made safe for a terminal: control characters (NUL, BEL, ESC...) and bidirectional
//! overrides become `\u{..}` escapes, so a binary file named `.tf` or a source line with an ANSI
//! sequence shows what it holds instead of ringing, clearing or recolouring the terminal.

/// Whether `c` is shown escaped: C0/C1 controls except tab and line ends, and the Unicode
/// bidirectional embeddings, overrides and isolates (they reorder what the reader sees).
fn hidden(c: char, next: Option<char>) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => next != Some('\n'),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => c.is_control(),
    }
}

/// Where each byte offset of a text landed once escaped ([`escape_with_offsets`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offsets {
    /// Original byte offset of each escaped character, in order.
    starts: Vec<usize>,
    /// Bytes added by the escapes up to and including the same index of `starts`.
    added: Vec<usize>,
}

impl Offsets {
    /// The offset in the escaped text of byte `original` of the input (a character boundary
    /// there maps to a character boundary here).
    pub fn offset(&self, original: usize) -> usize {
        let k = self.starts.partition_point(|&s| s < original);
        original + if k == 0 { 0 } else { self.added[k - 1] }
    }
}

/// `s` with its hidden characters escaped, and where its byte offsets landed (the maps stay
/// empty when nothing is escaped).
pub fn escape_with_offsets(s: &str) -> (String, Offsets) {
    let mut text = String::with_capacity(s.len());
    let mut offsets = Offsets::default();
    let mut extra = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if hidden(c, next) {
            let before = text.len();
            text.extend(c.escape_unicode());
            extra += text.len() - before - c.len_utf8();
            offsets.starts.push(i);
            offsets.added.push(extra);
        } else {
            text.push(c);
        }
    }
    (text, offsets)
}

/// `s` with its hidden characters escaped.
pub fn escape(s: &str) -> String {
    escape_with_offsets(s).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_offsets_follow() {
        let s = "a\0b\x07c = \x1b[31m\r\nd\te\u{202e}f";
        let (text, v) = escape_with_offsets(s);
        assert_eq!(text, "a\\u{0}b\\u{7}c = \\u{1b}[31m\r\nd\te\\u{202e}f");
        assert_eq!(v.offset(0), 0);
        assert_eq!(v.offset(1), 1); // the NUL starts where it started
        assert_eq!(v.offset(2), 1 + 5); // `b` after `\u{0}` (5 bytes for 1)
        assert_eq!(&text[v.offset(4)..v.offset(5)], "c");
        let f = s.find('f').expect("f");
        assert_eq!(&text[v.offset(f)..], "f");
        assert_eq!(v.offset(s.len()), text.len());
    }

    #[test]
    fn plain_text_is_unchanged() {
        let s = "resource \"a\" \"b\" {\r\n  x = \"é\"\t# ok\n}\n";
        let (text, v) = escape_with_offsets(s);
        assert_eq!(text, s);
        assert_eq!(v.offset(7), 7);
        assert!(v.starts.is_empty());
        assert_eq!(escape("lone\rreturn"), "lone\\u{d}return");
    }
}
