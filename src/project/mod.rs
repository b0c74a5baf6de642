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
    /// The file's bytes, when it passed the prefilter (it mentions websockets).
    pub seed: Option<&'r [u8]>,
    /// Otherwise, its import lines.
    pub imports: &'r [String],
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
    pub fn build(inputs: &[Input], read: impl Fn(&Path) -> Option<Vec<u8>> + Sync) -> Project {
        if inputs.len() < 2 || !inputs.iter().any(|i| i.seed.is_some()) {
            return Project::default();
        }
        let names: Vec<Option<ModuleName>> = inputs
            .par_iter()
            .map(|i| modules::module_name(i.path, &[]))
            .collect();
        let mut by_module: HashMap<&str, usize> = HashMap::default();
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = name {
                by_module.entry(name.name.as_str()).or_insert(i);
            }
        }
        // The graph, from the seeds outwards.
        let mut texts: HashMap<usize, String> = HashMap::default();
        let mut frontier: Vec<usize> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            if let Some(text) = input.seed.and_then(|b| std::str::from_utf8(b).ok()) {
                texts.insert(i, text.to_string());
                frontier.push(i);
            }
        }
        let mut linked: HashSet<usize> = HashSet::default();
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for &i in &frontier {
                let Some(text) = texts.get(&i) else { continue };
                for module in scan::imported_modules(text, names[i].as_ref()) {
                    let Some(&target) = by_module.get(module.as_str()) else {
                        continue;
                    };
                    if target == i {
                        continue;
                    }
                    linked.insert(i);
                    if linked.insert(target) || !texts.contains_key(&target) {
                        next.push(target);
                    }
                }
            }
            for &target in &next {
                if let std::collections::hash_map::Entry::Vacant(slot) = texts.entry(target) {
                    if let Some(text) =
                        read(inputs[target].path).and_then(|bytes| String::from_utf8(bytes).ok())
                    {
                        slot.insert(text);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        // Files that do not mention websockets but import a module of the graph (a module that
        // imports a client class, say).
        let graph: HashSet<usize> = texts.keys().copied().collect();
        for (i, input) in inputs.iter().enumerate() {
            if input.seed.is_some() || input.imports.is_empty() || graph.contains(&i) {
                continue;
            }
            let lines = input.imports.join("\n");
            let imports_graph = scan::imported_modules(&lines, names[i].as_ref())
                .iter()
                .filter_map(|m| by_module.get(m.as_str()))
                .any(|target| *target != i && graph.contains(target));
            if imports_graph {
                if let Some(text) = read(input.path).and_then(|b| String::from_utf8(b).ok()) {
                    texts.insert(i, text);
                    linked.insert(i);
                    for module in scan::imported_modules(&lines, names[i].as_ref()) {
                        if let Some(&target) = by_module.get(module.as_str()) {
                            if graph.contains(&target) && target != i {
                                linked.insert(target);
                            }
                        }
                    }
                }
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
            project.modules.push(names[i].clone());
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
