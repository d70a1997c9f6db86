//! The module graph has no cycles: every `crate::`, `super::` and `self::` path in `src/` (tests
//! left out) names the module it uses, and following those edges never leads back. A cycle is
//! reported with its modules in order, e.g. `auth::pages -> components::password -> auth::pages`.

use std::collections::{BTreeMap, BTreeSet};

/// `src/auth/pages.rs` -> `auth::pages`; `src/auth/mod.rs` -> `auth`; `src/lib.rs` -> ``.
fn module_of(rel: &str) -> String {
    let path = rel.trim_start_matches("src/").trim_end_matches(".rs");
    let parts: Vec<&str> = path.split('/').filter(|p| *p != "mod").collect();
    if parts == ["lib"] || parts == ["main"] { String::new() } else { parts.join("::") }
}

/// The paths a file uses, each as `(kind, rest)`: `crate::a::b` -> ("crate", "a::b").
fn paths(text: &str) -> Vec<(&'static str, String)> {
    let mut found = vec![];
    let bytes = text.as_bytes();
    for kind in ["crate", "super", "self"] {
        let needle = format!("{kind}::");
        let mut from = 0;
        while let Some(i) = text[from..].find(&needle) {
            let start = from + i;
            from = start + needle.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let rest: String =
                text[from..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
            found.push((kind, rest.trim_end_matches(':').to_string()));
            // `use crate::{a::b, c}`: each item of the group.
            if text[from..].starts_with('{')
                && let Some(end) = text[from..].find('}')
            {
                for item in text[from + 1..from + end].split(',') {
                    let item: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    if !item.is_empty() {
                        found.push((kind, item));
                    }
                }
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files: Vec<(String, String)> =
        crate::source_files().into_iter().filter(|(rel, _)| rel.ends_with(".rs")).collect();
    let modules: BTreeSet<String> = files.iter().map(|(rel, _)| module_of(rel)).collect();
    let resolve = |path: &str| -> Option<String> {
        let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        (1..=parts.len()).rev().map(|n| parts[..n].join("::")).find(|m| modules.contains(m))
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in &files {
        let me = module_of(rel);
        // Unit tests may use anything.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        let mine: Vec<&str> = if me.is_empty() { vec![] } else { me.split("::").collect() };
        for (kind, rest) in paths(code) {
            // `self` is this file's module (a folder's `mod.rs` included), `super` its parent.
            let base: Vec<&str> = match kind {
                "crate" => vec![],
                "self" => mine.clone(),
                _ => mine[..mine.len().saturating_sub(1)].to_vec(),
            };
            let full = base.iter().copied().chain(rest.split("::")).collect::<Vec<_>>().join("::");
            if let Some(target) = resolve(&full)
                && target != me
            {
                edges.entry(me.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// A cycle through `edges`, as the modules in order with the first repeated at the end.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|m| visit(m, edges, &mut vec![], &mut done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_graph_has_no_cycles() {
        let edges = graph();
        assert!(
            edges.get("settings::api").is_some_and(|e| e.contains("server::ctx")),
            "the scan finds edges: {edges:?}"
        );
        if let Some(cycle) = find_cycle(&edges) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }

    #[test]
    fn a_cycle_is_found_and_named() {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        edges.entry("a".into()).or_default().insert("b".into());
        edges.entry("b".into()).or_default().insert("c".into());
        edges.entry("c".into()).or_default().insert("a".into());
        assert_eq!(find_cycle(&edges).unwrap().join(" -> "), "a -> b -> c -> a");
        edges.get_mut("c").unwrap().clear();
        assert_eq!(find_cycle(&edges), None);
    }
}
