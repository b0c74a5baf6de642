//! The project stage: the files of a run are one program. Module names come from paths; the
//! import graph (read off import lines, before parsing) links the files that mention websockets
//! to the modules they import, so that a handler in a module that never mentions websockets is
//! checked too; the summaries of those modules go into an index that propagates facts across
//! modules until nothing changes (a few rounds at most).

pub mod index;
pub mod modules;
pub mod scan;
pub mod summary;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::semantic::{ExternalFacts, ModuleName, SemanticModel};

use crate::fix::GroupDecisions;

pub use scan::Scan;
pub use summary::Summary;

/// How many times the index re-derives facts (a handler's helper's helper is three hops).
const MAX_ROUNDS: usize = 4;
/// How far the import graph is followed from the files that mention websockets.
const MAX_DEPTH: usize = 3;

/// One file of the run, as the project stage sees it.
pub struct Input<'r> {
    pub path: &'r Path,
    /// What its text tells the graph, when it mentions websockets (and is UTF-8).
    pub seed: Option<&'r Scan>,
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
    /// The members' texts, by id: those the graph read itself, and those a workspace hands
    /// over ([`hand_over`](Self::hand_over)). A seed's text is the caller's (the graph is
    /// built from its [`Scan`]). A run's first look takes them ([`take_texts`](Self::take_texts))
    /// and drops each after its lint: a later round reads the file again.
    texts: Vec<Option<String>>,
    /// Files whose text names websockets and `path` (a handler that is only likely when no
    /// module calls `serve()`): kept apart from the text, which may be gone by then.
    mentions_path: HashSet<u32>,
    /// Files that are members or anchors of a group spanning files (from `facts`, computed
    /// once when they are set: every file asks).
    cross_file: HashSet<u32>,
    /// The members' module names, for the summaries.
    names: ModuleNames,
}

/// The module names of a project's members. A summary keeps only the names of other modules
/// that start with one of them (`pkg.helpers.open` for a member `pkg.helpers`): the index
/// locates a name by such a prefix, so any other name (`os.path.join`) can never tell it
/// anything, and keeping every call of the standard library made the summaries a third of the
/// peak memory over a big tree.
#[derive(Default)]
pub struct ModuleNames {
    modules: HashSet<Box<str>>,
    /// The packages above them (`pkg` for `pkg.helpers`), members or not.
    packages: HashSet<Box<str>>,
}

impl ModuleNames {
    pub fn new<'m>(modules: impl IntoIterator<Item = &'m str>) -> ModuleNames {
        let mut names = ModuleNames::default();
        for module in modules {
            for (dot, _) in module.match_indices('.') {
                names.packages.insert(Box::from(&module[..dot]));
            }
            names.modules.insert(Box::from(module));
        }
        names
    }

    /// Could the index locate `qualified` (`module.rest`, `module` a member)?
    pub fn may_locate(&self, qualified: &str) -> bool {
        qualified
            .match_indices('.')
            .any(|(dot, _)| self.modules.contains(&qualified[..dot]))
    }

    /// Could a name starting with `root` (`root` itself, or `root.rest`) be located? Only if
    /// `root` is a member, a package above one, or locatable itself: the test for the root of
    /// a reference before its qualified name is spelled out.
    pub fn may_extend(&self, root: &str) -> bool {
        self.modules.contains(root) || self.packages.contains(root) || self.may_locate(root)
    }
}

/// The packages above a module, outermost first (`a`, `a.b` for `a.b.c`; `a` for the package
/// `a.b` itself).
fn package_names(name: &ModuleName) -> impl Iterator<Item = String> + '_ {
    name.name
        .match_indices('.')
        .map(|(dot, _)| name.name[..dot].to_string())
}

/// What one file gets from the project.
#[derive(Clone, Copy)]
pub struct FileProject<'p> {
    pub id: u32,
    pub module: Option<&'p ModuleName>,
    pub facts: &'p ExternalFacts,
    pub decisions: &'p GroupDecisions,
    /// The first look: lint only, and leave the file's summary here.
    pub summaries: Option<&'p Mutex<Vec<Option<Summary>>>>,
    pub names: &'p ModuleNames,
}

impl Project {
    pub fn file(&self, path: &Path) -> Option<FileProject<'_>> {
        let id = *self.ids.get(path)?;
        Some(FileProject {
            id,
            module: self.modules[id as usize].as_ref(),
            facts: &self.facts[id as usize],
            decisions: &self.decisions,
            summaries: None,
            names: &self.names,
        })
    }

    /// The id of a project file.
    pub fn id(&self, path: &Path) -> Option<u32> {
        self.ids.get(path).copied()
    }

    /// The text the index read for a project file (a buffer's, when it replaced the disk's), or
    /// `None` once the first look has dropped it.
    pub fn text(&self, id: u32) -> Option<&str> {
        self.texts[id as usize].as_deref()
    }

    /// Moves a seed member's text in (a workspace, which holds its buffers' texts anyway). A
    /// text the project read itself is kept.
    pub fn hand_over(&mut self, id: u32, text: String) {
        if self.texts[id as usize].is_none() {
            self.set_text(id, text);
        }
    }

    /// Takes the members' texts out, for the first look (which drops each after its lint).
    pub fn take_texts(&mut self) -> Vec<Option<String>> {
        let n = self.texts.len();
        std::mem::replace(&mut self.texts, vec![None; n])
    }

    /// A new text for a project file (an edited buffer): the next [`propagate`](Self::propagate)
    /// re-reads it. The import graph is not re-derived: the caller rebuilds the project when
    /// the file's imports change.
    pub fn set_text(&mut self, id: u32, text: String) {
        match scan::mentions_path(&text) {
            true => self.mentions_path.insert(id),
            false => self.mentions_path.remove(&id),
        };
        self.texts[id as usize] = Some(text);
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

    /// The number of member modules.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Does some use in one file depend on the legacy import of another?
    pub fn has_cross_file_groups(&self) -> bool {
        !self.cross_file.is_empty()
    }

    /// Builds the index over `inputs`. `src`: the roots module names are computed from (the
    /// `src` setting); `read` gives the text of a file that is not a seed.
    /// Only the seeds, the files their imports name, and the files of the seeds' own packages
    /// are looked at (named, read, scanned): a tree of unrelated files costs nothing here.
    pub fn build(
        inputs: &[Input],
        src: &[PathBuf],
        read: impl Fn(&Path) -> Option<Vec<u8>> + Sync,
    ) -> Project {
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
            // Most paths are normal already (parsing their components was a tenth of a run
            // over a tree that is mostly not about websockets).
            if modules::is_normal(&absolute) {
                absolute
            } else {
                absolute.components().collect()
            }
        };
        let paths: Vec<PathBuf> = inputs.iter().map(|i| normal(i.path)).collect();
        let by_path: modules::FilesByPath = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (modules::path_key(p), i))
            .collect();
        let src: Vec<PathBuf> = src.iter().map(|p| normal(p)).collect();
        let mut namer = modules::Namer::new(&src);
        let mut names: HashMap<usize, Option<ModuleName>> = HashMap::default();
        // The graph's files: a seed's scan is the caller's; a file read here keeps its text.
        let mut scans: HashMap<usize, Cow<Scan>> = HashMap::default();
        let mut texts: HashMap<usize, String> = HashMap::default();
        let read_scanned = |i: usize| -> Option<(Scan, String)> {
            let text = String::from_utf8(read(inputs[i].path)?).ok()?;
            Some((Scan::of(&text), text))
        };
        let mut frontier: Vec<usize> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            if let Some(scan) = input.seed {
                scans.insert(i, Cow::Borrowed(scan));
                frontier.push(i);
            }
        }
        let mut linked: HashSet<usize> = HashSet::default();
        let mut mentions_only: HashSet<usize> = HashSet::default();
        // Forward: the modules the graph's files import, looked up as files under their root.
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for &i in &frontier {
                names.entry(i).or_insert_with(|| namer.name(&paths[i]));
            }
            let scanned: Vec<(usize, Vec<String>)> = frontier
                .par_iter()
                .filter_map(|&i| Some((i, scans.get(&i)?.modules(names[&i].as_ref()))))
                .collect();
            for (i, imported) in scanned {
                // A file that mentions websockets without importing it (a docstring) hands
                // nothing to websockets: its imports are not followed (it is looked at as
                // the files that never mention websockets are, below).
                let imports_websockets = imported
                    .iter()
                    .any(|m| m == "websockets" || m.starts_with("websockets."));
                if inputs[i].seed.is_some() && !imports_websockets {
                    mentions_only.insert(i);
                    continue;
                }
                let Some(name) = names[&i].as_ref() else {
                    continue;
                };
                let roots = modules::search_roots(&paths[i], name, &mut namer, &src);
                // Importing a module runs its packages' `__init__` first: one that may patch
                // a legacy class changes this module's `connect()` (`semantic::patches`).
                let patching_packages: Vec<String> = package_names(name)
                    .filter(|package| {
                        modules::find(&roots, package, &by_path).is_some_and(|t| {
                            inputs[t].seed.is_some() && scans.get(&t).is_some_and(|s| s.may_patch)
                        })
                    })
                    .collect();
                for module in imported.into_iter().chain(patching_packages) {
                    let Some(target) = modules::find(&roots, &module, &by_path) else {
                        continue;
                    };
                    if target == i {
                        continue;
                    }
                    linked.insert(i);
                    if linked.insert(target) && !scans.contains_key(&target) {
                        next.push(target);
                    }
                }
            }
            for &target in &next {
                if let Some((scan, text)) = read_scanned(target) {
                    scans.insert(target, Cow::Owned(scan));
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
        // A module that never mentions websockets reaches a connection through its imports
        // only by what a seed defines: instance attributes of a class (`self.ws = ...`, or
        // annotated in a class body), a function returning a connection, a subclass of a
        // websockets class, or a function serving the handler it is given (`def run(handler):
        // serve(handler, ...)`). Look around seeds that may define one: in their packages, and
        // the scripts beside a package (`main.py` next to `app/`, a `__main__.py`).
        // Only then can an importer hand a function of a third module to a seed's `serve()`.
        // A seed that imports names from websockets may also be where its importers get them
        // (`from .compat import connect`).
        let serving_seeds = scans
            .iter()
            .any(|(i, scan)| inputs[*i].seed.is_some() && scan.serves_parameter);
        let homes: Vec<(PathBuf, PathBuf)> = scans
            .iter()
            .filter(|(i, scan)| {
                inputs[**i].seed.is_some()
                    && (scan.may_define_connection
                        || scan.serves_parameter
                        || scan.binds_websockets_names)
            })
            .map(|(i, _)| i)
            .filter_map(|i| {
                let name = names.get(i)?.as_ref()?;
                Some((
                    modules::home(&paths[*i], name)?,
                    modules::root(&paths[*i], name)?,
                ))
            })
            .collect();
        // By the bytes of the (normalized) paths: every file's ancestors are looked up.
        let beside: HashSet<&[u8]> = homes
            .iter()
            .filter(|(home, root)| home != root)
            .map(|(_, root)| modules::path_key(root))
            .collect();
        let homes: HashSet<&[u8]> = homes
            .iter()
            .map(|(home, _)| modules::path_key(home))
            .collect();
        let graph: HashSet<usize> = scans.keys().copied().collect();
        let candidates: Vec<usize> = (0..inputs.len())
            .filter(|i| {
                (!graph.contains(i) && inputs[*i].seed.is_none()) || mentions_only.contains(i)
            })
            .filter(|i| {
                // A file that names websockets without importing it may use the websockets
                // module a graph module imports (`from .compat import websockets`, then
                // `websockets.connect(...)`), wherever it is. Such files are few.
                if mentions_only.contains(i) {
                    return true;
                }
                let path = &paths[*i];
                let mut ancestors = modules::ancestor_keys(path);
                ancestors
                    .next()
                    .is_some_and(|parent| beside.contains(parent) || homes.contains(parent))
                    || ancestors.any(|a| homes.contains(a))
            })
            .collect();
        for i in candidates {
            // A seed's scan stays borrowed.
            let (scan, text) = match scans.get(&i) {
                Some(scan) => (scan.clone(), None),
                None => match read_scanned(i) {
                    Some((scan, text)) => (Cow::Owned(scan), Some(text)),
                    None => continue,
                },
            };
            let name = namer.name(&paths[i]);
            let Some(roots) = name
                .as_ref()
                .map(|n| modules::search_roots(&paths[i], n, &mut namer, &src))
            else {
                continue;
            };
            let (targets, others): (Vec<usize>, Vec<usize>) = scan
                .modules(name.as_ref())
                .iter()
                .filter_map(|m| modules::find(&roots, m, &by_path))
                .filter(|t| *t != i)
                .partition(|t| graph.contains(t));
            if !targets.is_empty() {
                linked.insert(i);
                linked.extend(targets);
                names.insert(i, name);
                scans.insert(i, scan);
                texts.extend(text.map(|text| (i, text)));
                // What it imports besides: the functions it hands to the graph's modules
                // (`server.run(handlers.echo)`) may live there.
                for other in others.into_iter().filter(|_| serving_seeds) {
                    if scans.contains_key(&other) || inputs[other].seed.is_some() {
                        continue;
                    }
                    if let Some((scan, text)) = read_scanned(other) {
                        linked.insert(other);
                        scans.insert(other, Cow::Owned(scan));
                        texts.insert(other, text);
                    }
                }
            }
        }
        let mut members: Vec<usize> = linked
            .into_iter()
            .filter(|i| scans.contains_key(i))
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
        project.names = ModuleNames::new(project.modules.iter().flatten().map(|m| m.name.as_str()));
        project.facts = vec![ExternalFacts::default(); members.len()];
        project.texts = vec![None; members.len()];
        for (id, i) in members.iter().enumerate() {
            // A seed's text is the caller's: the first look reads it, unless it is handed over.
            match texts.remove(i) {
                Some(text) => project.set_text(id as u32, text),
                None if scans.get(i).is_some_and(|scan| scan.mentions_path) => {
                    project.mentions_path.insert(id as u32);
                }
                None => {}
            }
        }
        project
    }

    /// The index over the summaries of the first look (each file linted on its own), then
    /// more rounds to a fixed point, re-reading only the modules whose facts changed.
    /// Returns how many modules each round after the first summarized again.
    /// `reread`: the text of a member the first look dropped (read from its file again).
    pub fn propagate(
        &mut self,
        first: Vec<Option<Summary>>,
        reread: impl Fn(&Path) -> Option<String> + Sync,
    ) -> Vec<usize> {
        let sites: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
        let modules: HashMap<&str, u32> = self
            .modules
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((m.as_ref()?.name.as_str(), i as u32)))
            .collect();
        let mut summaries = first;
        let mut facts = vec![ExternalFacts::default(); self.paths.len()];
        let mut rounds = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let index = index::Index {
                modules: modules.clone(),
                summaries: &summaries,
            };
            let next = index.facts(&sites);
            let changed: Vec<usize> = (0..next.len())
                .filter(|i| !next[*i].same_for_summary(&facts[*i]))
                .collect();
            facts = next;
            if changed.is_empty() {
                break;
            }
            rounds.push(changed.len());
            let again: Vec<(usize, Option<Summary>)> = changed
                .par_iter()
                .map(|&i| {
                    let read;
                    let text = match self.text(i as u32) {
                        Some(text) => text,
                        None => {
                            read = reread(&self.paths[i]).unwrap_or_default();
                            read.as_str()
                        }
                    };
                    let parsed = ruff_python_parser::parse_module(text).ok();
                    let summary = parsed.map(|parsed| {
                        let module = parsed.syntax();
                        let model = SemanticModel::build_in(
                            module,
                            self.modules[i].as_ref(),
                            Some(&facts[i]),
                        );
                        summary::summarize(text, module, &model, &self.names)
                    });
                    (i, summary)
                })
                .collect();
            for (i, summary) in again {
                summaries[i] = summary;
            }
        }
        self.facts = facts;
        self.cross_file = self.cross_file_groups();
        rounds
    }

    /// What the first look assumes: nothing from other modules, except that some module may
    /// call `serve()` (so no handler is reported as only likely before the index knows).
    pub fn first_look_facts() -> ExternalFacts {
        ExternalFacts {
            serve_elsewhere: true,
            ..ExternalFacts::default()
        }
    }

    /// Does the final check of this file need anything the first look did not have: facts
    /// from other modules, a group that spans files, or (no `serve()` anywhere after all) a
    /// function that may be a handler only likely (`(websocket, path)`)?
    pub fn learns_something(&self, path: &Path) -> bool {
        let Some(file) = self.file(path) else {
            return false;
        };
        !file.facts.is_empty()
            || self.in_cross_file_group(file.id)
            || (!file.facts.serve_elsewhere && self.mentions_path.contains(&file.id))
    }

    /// The files that are members or anchors of a group spanning files: a file whose facts
    /// depend on another file's legacy import, and that file.
    fn cross_file_groups(&self) -> HashSet<u32> {
        let mut files = HashSet::default();
        for (id, facts) in self.facts.iter().enumerate() {
            let origins: Vec<u32> = facts.origin_files().collect();
            if !origins.is_empty() {
                files.insert(id as u32);
                files.extend(origins);
            }
        }
        files
    }

    /// Is the file a member or the anchor of a group that spans files?
    pub fn in_cross_file_group(&self, id: u32) -> bool {
        self.cross_file.contains(&id)
    }

    /// The files [`in_cross_file_group`](Self::in_cross_file_group), in id order.
    pub fn group_files(&self) -> Vec<&Path> {
        let mut ids: Vec<u32> = self.cross_file.iter().copied().collect();
        ids.sort_unstable();
        ids.into_iter()
            .map(|id| self.paths[id as usize].as_path())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::ModuleNames;

    #[test]
    fn module_names_tell_which_names_the_index_may_locate() {
        let names = ModuleNames::new(["pkg.helpers", "app"]);
        // (name, may_locate, may_extend): a name under a member; a member itself and a
        // package above one (roots that names under them may start from); the standard
        // library and names beside the members.
        let cases = [
            ("pkg.helpers.open", true, true),
            ("pkg.helpers.Client.open", true, true),
            ("app.main", true, true),
            ("pkg.helpers", false, true),
            ("pkg", false, true),
            ("pkg.other", false, false),
            ("pk", false, false),
            ("os", false, false),
            ("os.path.join", false, false),
        ];
        for (name, locate, extend) in cases {
            assert_eq!(names.may_locate(name), locate, "{name}");
            assert_eq!(names.may_extend(name), extend, "{name}");
        }
    }
}
