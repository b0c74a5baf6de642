//! The project stage: the files of a run are one program. Module names come from paths; the
//! import graph (read off import lines, before parsing) links the files that mention websockets
//! to the modules they import, so that a handler in a module that never mentions websockets is
//! checked too; the summaries of those modules go into an index that propagates facts across
//! modules until nothing changes (a few rounds at most).

pub mod index;
pub mod modules;
pub mod scan;
pub mod summary;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::semantic::{ExternalFacts, ModuleName, SemanticModel};

use crate::fix::GroupDecisions;

/// How many times the index re-derives facts (a handler's helper's helper is three hops).
const MAX_ROUNDS: usize = 4;
/// How far the import graph is followed from the files that mention websockets.
const MAX_DEPTH: usize = 3;

/// One file of the run, as the project stage sees it.
pub struct Input<'r> {
    pub path: &'r Path,
    /// The file's bytes, when it mentions websockets.
    pub seed: Option<&'r [u8]>,
}

#[derive(Default)]
pub struct Project {
    /// Project files (those linked to others by imports), by id.
    pub paths: Vec<PathBuf>,
    ids: HashMap<PathBuf, u32>,
    modules: Vec<Option<ModuleName>>,
    facts: Vec<ExternalFacts>,
    /// Files that do not mention websockets but that the graph reaches.
    reached: HashSet<u32>,
    /// What the fix stage decided about groups that span files.
    pub decisions: GroupDecisions,
}

/// What one file gets from the project.
#[derive(Clone, Copy)]
pub struct FileProject<'p> {
    pub id: u32,
    pub module: Option<&'p ModuleName>,
    pub facts: &'p ExternalFacts,
    pub decisions: &'p GroupDecisions,
}

impl Project {
    pub fn file(&self, path: &Path) -> Option<FileProject<'_>> {
        let id = *self.ids.get(path)?;
        Some(FileProject {
            id,
            module: self.modules[id as usize].as_ref(),
            facts: &self.facts[id as usize],
            decisions: &self.decisions,
        })
    }

    /// Must this file be checked although it never mentions websockets?
    pub fn is_reached(&self, path: &Path) -> bool {
        self.ids
            .get(path)
            .is_some_and(|id| self.reached.contains(id))
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Does some use in one file depend on the legacy import of another?
    pub fn has_cross_file_groups(&self) -> bool {
        self.facts.iter().any(|f| {
            f.served.iter().any(|s| s.group.is_some())
                || f.parameters
                    .iter()
                    .any(|p| p.connection.origin_file.is_some())
                || f.class_attributes
                    .iter()
                    .any(|(_, _, c)| c.origin_file.is_some())
        })
    }

    /// Builds the index over `inputs`. `read` gives the text of a file that is not a seed.
    /// Only the seeds, the files their imports name, and the files of the seeds' own packages
    /// are looked at (named, read, scanned): a tree of unrelated files costs nothing here.
    pub fn build(inputs: &[Input], read: impl Fn(&Path) -> Option<Vec<u8>> + Sync) -> Project {
        if inputs.len() < 2 || !inputs.iter().any(|i| i.seed.is_some()) {
            return Project::default();
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        let normal = |p: &Path| -> PathBuf {
            let absolute = if p.is_absolute() {
                p.to_path_buf()
            } else {
                cwd.join(p)
            };
            absolute.components().collect()
        };
        let paths: Vec<PathBuf> = inputs.iter().map(|i| normal(i.path)).collect();
        let by_path: HashMap<&Path, usize> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_path(), i))
            .collect();
        let mut namer = modules::Namer::default();
        let mut names: HashMap<usize, Option<ModuleName>> = HashMap::default();
        let mut texts: HashMap<usize, String> = HashMap::default();
        let mut frontier: Vec<usize> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            if let Some(text) = input.seed.and_then(|b| std::str::from_utf8(b).ok()) {
                texts.insert(i, text.to_string());
                frontier.push(i);
            }
        }
        let mut linked: HashSet<usize> = HashSet::default();
        // Forward: the modules the graph's files import, looked up as files under their root.
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for &i in &frontier {
                let name = names
                    .entry(i)
                    .or_insert_with(|| namer.name(&paths[i]))
                    .clone();
                let Some(text) = texts.get(&i) else { continue };
                let Some(root) = name.as_ref().and_then(|n| modules::root(&paths[i], n)) else {
                    continue;
                };
                for module in scan::imported_modules(text, name.as_ref()) {
                    let Some(target) = modules::file_of(&root, &module, &by_path) else {
                        continue;
                    };
                    if target == i {
                        continue;
                    }
                    linked.insert(i);
                    if linked.insert(target) && !texts.contains_key(&target) {
                        next.push(target);
                    }
                }
            }
            for &target in &next {
                if let Some(text) =
                    read(inputs[target].path).and_then(|bytes| String::from_utf8(bytes).ok())
                {
                    texts.insert(target, text);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        // Backward: files of the seeds' packages (or directories) that do not mention
        // websockets but import a module of the graph (a module using a client class).
        let homes: HashSet<PathBuf> = texts
            .keys()
            .filter(|i| inputs[**i].seed.is_some())
            .filter_map(|i| {
                let name = names.get(i)?.as_ref()?;
                modules::home(&paths[*i], name)
            })
            .collect();
        let graph: HashSet<usize> = texts.keys().copied().collect();
        let candidates: Vec<usize> = (0..inputs.len())
            .filter(|i| !graph.contains(i) && inputs[*i].seed.is_none())
            .filter(|i| paths[*i].ancestors().skip(1).any(|a| homes.contains(a)))
            .collect();
        for i in candidates {
            let Some(text) = read(inputs[i].path).and_then(|b| String::from_utf8(b).ok()) else {
                continue;
            };
            let name = namer.name(&paths[i]);
            let Some(root) = name.as_ref().and_then(|n| modules::root(&paths[i], n)) else {
                continue;
            };
            let targets: Vec<usize> = scan::imported_modules(&text, name.as_ref())
                .iter()
                .filter_map(|m| modules::file_of(&root, m, &by_path))
                .filter(|t| *t != i && graph.contains(t))
                .collect();
            if !targets.is_empty() {
                linked.insert(i);
                linked.extend(targets);
                names.insert(i, name);
                texts.insert(i, text);
            }
        }
        let mut members: Vec<usize> = linked
            .into_iter()
            .filter(|i| texts.contains_key(i))
            .collect();
        members.sort_unstable();
        if members.is_empty() {
            return Project::default();
        }
        let mut project = Project::default();
        for (id, &i) in members.iter().enumerate() {
            project.paths.push(inputs[i].path.to_path_buf());
            project.ids.insert(inputs[i].path.to_path_buf(), id as u32);
            let name = match names.get(&i) {
                Some(name) => name.clone(),
                None => namer.name(&paths[i]),
            };
            project.modules.push(name);
            if inputs[i].seed.is_none() {
                project.reached.insert(id as u32);
            }
        }
        let member_texts: Vec<&str> = members.iter().map(|i| texts[i].as_str()).collect();
        project.facts = propagate(&project, &member_texts);
        project
    }
}

/// Summaries to a fixed point: each round rebuilds the models with the facts of the last.
fn propagate(project: &Project, texts: &[&str]) -> Vec<ExternalFacts> {
    let parsed: Vec<_> = texts
        .par_iter()
        .map(|text| ruff_python_parser::parse_module(text).ok())
        .collect();
    let sites: Vec<String> = project
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let modules: HashMap<&str, u32> = project
        .modules
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((m.as_ref()?.name.as_str(), i as u32)))
        .collect();
    let mut facts = vec![ExternalFacts::default(); texts.len()];
    for _ in 0..MAX_ROUNDS {
        let summaries: Vec<_> = parsed
            .par_iter()
            .enumerate()
            .map(|(i, parsed)| {
                let parsed = parsed.as_ref()?;
                let module = parsed.syntax();
                let model =
                    SemanticModel::build_in(module, project.modules[i].as_ref(), Some(&facts[i]));
                Some(summary::summarize(texts[i], module, &model))
            })
            .collect();
        let index = index::Index {
            modules: modules.clone(),
            summaries: &summaries,
        };
        let next = index.facts(&sites);
        if next == facts {
            break;
        }
        facts = next;
    }
    facts
}
