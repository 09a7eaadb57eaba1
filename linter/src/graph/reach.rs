//! Transitive reachability from the internet node along every edge.

use std::collections::{HashMap, VecDeque};

use super::build::INTERNET;
use super::{Graph, Kind, Reach};

/// Marks each node [`Reach::Direct`] (an edge from the internet), [`Reach::Transitive`]
/// (reached through other nodes) or [`Reach::No`].
pub fn mark(graph: &mut Graph) {
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    for e in &graph.edges {
        if let (Some(&f), Some(&t)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
            next[f].push(t);
        }
    }
    // A load balancer is reached when one of its listeners is (drawn in its box, no edge).
    for (i, n) in graph.nodes.iter().enumerate() {
        if let (Kind::Listener, Some(lb)) = (n.kind, &n.cluster) {
            if let Some(&l) = index.get(lb.as_str()) {
                next[i].push(l);
            }
        }
    }
    let Some(&start) = index.get(INTERNET) else {
        return;
    };
    let mut reach = vec![Reach::No; graph.nodes.len()];
    let mut queue = VecDeque::new();
    for &t in &next[start] {
        if t != start && reach[t] == Reach::No {
            reach[t] = Reach::Direct;
            queue.push_back(t);
        }
    }
    while let Some(n) = queue.pop_front() {
        for &t in &next[n] {
            if t != start && reach[t] == Reach::No {
                reach[t] = Reach::Transitive;
                queue.push_back(t);
            }
        }
    }
    for (node, r) in graph.nodes.iter_mut().zip(reach) {
        node.reach = r;
    }
}
