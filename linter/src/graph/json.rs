//! The graph as JSON: `{"nodes": [...], "edges": [...]}`.

use super::Graph;

/// Pretty-printed JSON of `graph`.
pub fn render(graph: &Graph) -> String {
    let mut s =
        serde_json::to_string_pretty(graph).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
