//! The modules of `src/` form layers: no top-level module reaches, through `crate::` paths,
//! back to one that depends on it (registry ← config ← settings ← rules ← pipeline ← cli).
//! `app` dispatches a command line to `cli` or `server`; the server resolves settings through
//! `cli`, so `cli` must not start the server itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the top-level modules its non-test code names as `crate::x`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut tops = BTreeSet::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.is_dir() || (name != "lib" && name != "main") {
            tops.insert(name);
        }
    }
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> =
        tops.iter().map(|t| (t.clone(), BTreeSet::new())).collect();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let top = first.trim_end_matches(".rs");
        if !tops.contains(top) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let mut names: Vec<&str> = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                names.extend(
                    group
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap()),
                );
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                names.push(&rest[..end]);
            }
        }
        for name in names {
            if name != top && tops.contains(name) {
                edges.get_mut(top).unwrap().insert(name.to_string());
            }
        }
    }
    edges
}

/// The modules `from` reaches.
fn reach(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(m) = stack.pop() {
        for next in &edges[&m] {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn top_level_modules_have_no_cycle() {
    let edges = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(edges["config"].contains("registry"), "the scan finds edges");
    let mut cycles = Vec::new();
    for (module, deps) in &edges {
        for dep in deps {
            if reach(&edges, dep).contains(module) {
                cycles.push(format!("{module} -> {dep} -> ... -> {module}"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between modules:\n{}",
        cycles.join("\n")
    );
    for lower in ["registry", "config", "settings"] {
        let reached = reach(&edges, lower);
        let above: Vec<&String> = reached
            .iter()
            .filter(|m| ["rules", "checker", "pipeline", "report", "cli"].contains(&m.as_str()))
            .collect();
        assert!(
            above.is_empty(),
            "{lower} depends on {above:?}, which sit above it"
        );
    }
}
