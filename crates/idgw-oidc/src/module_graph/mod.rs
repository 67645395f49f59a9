//! A check of this crate's module imports (issue 14): the flows depend only downward.
//!
//! Every `crate::`, `super::` and module-alias path in `src/` (comments and literals left out)
//! is an edge from the file's module to the module it names. The check fails on any import
//! cycle, on a module of one flow ([`FLOWS`]) importing another flow's, on a flow importing the
//! endpoints above it ([`TOP`]), and on a common module importing a flow or the endpoints.

mod parse;

use parse::{expand, find_word, ident_char, inline_modules_flattened, segments, strip};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The flows: each imports common modules only, never another flow.
const FLOWS: &[&str] = &["ciba", "mc_si", "mc_di"];
/// The modules above the flows: the crate root, the HTTP layer and the endpoints' dispatch.
const TOP: &[&str] = &["crate", "http", "discovery", "endpoint", "background"];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// `lib.rs` is `crate`, `a/mod.rs` and `a.rs` are `a`, `a/b.rs` is `a::b`.
fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    if parts.is_empty() {
        "crate".into()
    } else {
        parts.join("::")
    }
}

/// The module a path names: its longest prefix that is a module, as an absolute path.
fn resolve(modules: &BTreeSet<String>, module: &str, path: &[String]) -> Option<String> {
    let parent = |m: &str| match m.rsplit_once("::") {
        Some((p, _)) => p.to_string(),
        None => "crate".to_string(),
    };
    let (mut base, rest) = match path.first().map(String::as_str) {
        Some("crate") => (vec![], &path[1..]),
        Some("self") => (vec![module.to_string()], &path[1..]),
        Some("super") => {
            let mut up = module.to_string();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                up = parent(&up);
                rest = &rest[1..];
            }
            (vec![up], rest)
        }
        Some(first) => {
            let child = format!("{module}::{first}");
            let child = child.trim_start_matches("crate::").to_string();
            if !modules.contains(&child) {
                return None; // another crate
            }
            (vec![module.to_string()], path)
        }
        None => return None,
    };
    base.retain(|b| b != "crate");
    let mut best = "crate".to_string();
    let mut current = base;
    if let Some(b) = current.first() {
        if modules.contains(b) {
            best = b.clone();
        }
    }
    for s in rest {
        current.push(s.clone());
        let candidate = current.join("::");
        if modules.contains(&candidate) {
            best = candidate;
        } else {
            break;
        }
    }
    Some(best)
}

/// The import graph of `files` (module name, source).
fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = Graph::new();
    for (module, source) in files {
        let code = inline_modules_flattened(&strip(source));
        let mut paths = Vec::new();
        // `use` trees.
        let mut rest = code.as_str();
        while let Some(k) = find_word(rest, "use") {
            let after = &rest[k + 3..];
            let end = after.find(';').unwrap_or(after.len());
            expand(&[], &after[..end], &mut paths);
            rest = &after[end..];
        }
        // Modules imported by name become prefixes of inline paths.
        let mut roots = vec!["crate".to_string(), "super".to_string()];
        // A module's own child modules are in scope by name.
        let prefix = if module == "crate" {
            String::new()
        } else {
            format!("{module}::")
        };
        roots.extend(modules.iter().filter_map(|m| {
            let child = m.strip_prefix(&prefix)?;
            (!child.contains("::") && m != module).then(|| child.to_string())
        }));
        for (path, alias) in &paths {
            if let Some(target) = resolve(&modules, module, path) {
                let names_module = |l: &String| target == *l || target.ends_with(&format!("::{l}"));
                if path.last().is_some_and(names_module) {
                    roots.push(
                        alias
                            .clone()
                            .unwrap_or_else(|| path.last().unwrap().clone()),
                    );
                }
            }
        }
        for root in &roots {
            let mut rest = code.as_str();
            while let Some(k) = find_word(rest, &format!("{root}::")) {
                let tail = &rest[k..];
                let end = tail
                    .find(|ch: char| !(ident_char(ch) || ch == ':'))
                    .unwrap_or(tail.len());
                if tail[..end].ends_with("::") {
                    // `crate::{a, b}`: a use tree, expanded above.
                    rest = &tail[end..];
                    continue;
                }
                let mut path = segments(&tail[..end]);
                if root != "crate" && root != "super" {
                    let imported = paths
                        .iter()
                        .find(|(p, a)| a.as_deref().or(p.last().map(String::as_str)) == Some(root));
                    if let Some((p, _)) = imported {
                        path.splice(0..1, p.iter().cloned());
                    }
                }
                paths.push((path, None));
                rest = &tail[end.max(1)..];
            }
        }
        let edges = graph.entry(module.clone()).or_default();
        for (path, _) in &paths {
            if let Some(target) = resolve(&modules, module, path) {
                if &target != module {
                    edges.insert(target);
                }
            }
        }
    }
    graph
}

fn in_group(module: &str, group: &str) -> bool {
    module == group || module.starts_with(&format!("{group}::"))
}

fn flow_of(module: &str) -> Option<&'static str> {
    FLOWS.iter().copied().find(|f| in_group(module, f))
}

fn is_top(module: &str) -> bool {
    TOP.iter().any(|t| in_group(module, t))
}

/// Every rule broken by `graph`, described.
fn violations(graph: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    for (from, targets) in graph {
        for to in targets {
            let (flow_from, flow_to) = (flow_of(from), flow_of(to));
            if is_top(from) {
                continue;
            }
            if is_top(to) {
                found.push(format!("{from} imports {to}, which is above it"));
            } else if flow_to.is_some() && flow_from != flow_to {
                let what = flow_from.map_or("a common module", |_| "another flow");
                found.push(format!("{from} ({what}) imports the flow module {to}"));
            }
        }
    }
    found.extend(
        cycles(graph)
            .into_iter()
            .map(|c| format!("cycle: {}", c.join(" -> "))),
    );
    found
}

/// One cycle through each strongly connected group of modules (depth-first search).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(k) = stack.iter().position(|s| s == node) {
            let mut cycle = stack[k..].to_vec();
            cycle.push(node.to_string());
            found.push(cycle);
            return;
        }
        if !done.insert(node.to_string()) {
            return;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, stack, done, found);
        }
        stack.pop();
    }
    let (mut done, mut found) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("under src");
            if relative.starts_with("module_graph") {
                continue; // its tests hold sample sources
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            out.push((module_of(relative), text));
        }
    }
}

fn crate_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    files
}

#[test]
fn flows_depend_only_downward() {
    let files = crate_files();
    assert!(files.len() > 30, "found only {} modules", files.len());
    let graph = graph(&files);
    let found = violations(&graph);
    let shown: Vec<String> = graph
        .iter()
        .map(|(m, t)| {
            format!(
                "{m} -> {}",
                t.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    // `cargo test -p idgw-oidc --lib module_graph -- --nocapture` shows it.
    println!("{}", shown.join("\n"));
    assert!(
        found.is_empty(),
        "{}\n\ngraph:\n{}",
        found.join("\n"),
        shown.join("\n")
    );
}

#[test]
fn the_check_sees_cycles_cross_flow_and_upward_imports() {
    let file = |m: &str, s: &str| (m.to_string(), s.to_string());
    let files = vec![
        file("crate", "pub mod a; pub use op::Op; fn f() { a::b(); }"),
        file("op", "use crate::a::X;"),
        file(
            "a",
            "use crate::{b::{self, Y}, Op};\n// use crate::mc_di; in a comment\n",
        ),
        file("b", "fn f() { crate::a::g(); let s = \"crate::mc_si\"; }"),
        file("ciba", "use super::mc_si::request as r;"),
        file("mc_si", "pub mod request;"),
        file("mc_si::request", "fn f() { r::x(); super::super::a::h(); }"),
        file("mc_di", "use crate::endpoint;"),
        file("endpoint", "use crate::ciba;"),
        file(
            "transaction",
            "fn f() { let c = '\"'; crate::b::y(); } mod t { use super::*; }",
        ),
        file("c", "use crate::mc_si; fn f() { mc_si::request::x(); }"),
        file("c::d", ""),
        file("c::e", "fn f() { super::d::g(); }"),
    ];
    let g = graph(&files);
    assert_eq!(g["a"], ["b", "crate"].map(String::from).into());
    assert_eq!(
        g["b"],
        ["a"].map(String::from).into(),
        "strings and comments are no imports"
    );
    assert_eq!(g["c"], ["mc_si", "mc_si::request"].map(String::from).into());
    assert_eq!(g["c::e"], ["c::d"].map(String::from).into());
    assert_eq!(
        g["crate"],
        ["a", "op"].map(String::from).into(),
        "children are in scope"
    );
    assert_eq!(g["transaction"], ["b"].map(String::from).into());
    let found = violations(&g).join("\n");
    assert!(found.contains("cycle: a -> b -> a"), "{found}");
    assert!(
        found.contains("a imports crate, which is above it"),
        "{found}"
    );
    assert!(
        found.contains("ciba (another flow) imports the flow module mc_si::request"),
        "{found}"
    );
    assert!(
        found.contains("mc_di imports endpoint, which is above it"),
        "{found}"
    );
    assert!(
        found.contains("c (a common module) imports the flow module mc_si"),
        "{found}"
    );
    assert!(!found.contains("endpoint imports"), "{found}");
}
