//! One buffer checked with the project on disk as its context: `check --stdin-filename PATH`
//! and the language server's open documents. The project stages of [`run`](super::run)
//! (project → first look → index → groups across files) run once over the buffer's project,
//! with the buffers' texts in place of the disk's; an edited buffer then updates only its own
//! module's summary and propagates it, unless its imports changed (then the project is
//! rebuilt: the import graph may be different).
//!
//! A fix group that spans files cannot be applied to one buffer alone: the import switch in
//! `main.py` and the handler's signature in `handlers.py` change together or not at all. Such
//! groups are *held* (see [`GroupDecisions::held`]): their findings are reported, without a
//! fix, with the other files' members named; `wsmigrate check --fix` on the project applies
//! them together.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use ruff_python_ast::PySourceType;
use ruff_text_size::TextRange;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::file;
use super::members::{self, ReadBytes};
use super::{read_regular_file, Context, FileReport};
use crate::diagnostic::{FixGroup, GroupRole};
use crate::discover::{self, DiscoverOptions, Found};
use crate::fix::{self, GroupDecisions, Linted};
use crate::project::{self, scan, summary, FileProject, Project, Summary};
use crate::semantic::{ModuleName, SemanticModel};
use crate::source::{LineEnding, Locator};

/// The project of a tree on disk, some of whose files are replaced by buffers.
pub struct Workspace {
    /// Absolute.
    root: PathBuf,
    discover: DiscoverOptions,
    /// Buffers that replace the disk's text of their file (open documents, stdin).
    buffers: HashMap<PathBuf, Arc<str>>,
    project: Project,
    /// Each project file's summary from its first look: what propagation starts from.
    first: Vec<Option<Summary>>,
    /// What decides the import graph, for every file the project stage read.
    shapes: HashMap<PathBuf, Shape>,
    /// The project's module names.
    module_names: HashSet<String>,
    /// The findings of each fix group that spans files, by (anchor file, key).
    groups: HashMap<(u32, TextRange), Vec<Member>>,
}

/// What of a file decides whether and how it is linked into the project.
#[derive(Debug, PartialEq)]
struct Shape {
    mentions_websockets: bool,
    imports: Vec<String>,
}

/// A finding of a group spanning files, in the file where it is.
struct Member {
    file: u32,
    range: TextRange,
    code: &'static str,
    message: String,
    anchor: bool,
}

/// A finding in another file of the same fix group (for an editor's related information).
pub struct Related<'w> {
    /// Absolute.
    pub path: PathBuf,
    /// The text the index read for that file (to turn `range` into a position).
    pub text: &'w str,
    pub range: TextRange,
    pub code: &'static str,
    pub message: &'w str,
    /// The legacy import the group switches.
    pub anchor: bool,
}

/// Which open buffers an update may have changed the findings of.
#[derive(Debug, PartialEq)]
pub enum Changed {
    /// The project was rebuilt: any file of it.
    All,
    /// These files (absolute paths).
    Files(Vec<PathBuf>),
}

impl Workspace {
    /// The project under `root` (made absolute), with `buffers` replacing files' texts.
    pub fn load(
        root: &Path,
        discover: DiscoverOptions,
        buffers: HashMap<PathBuf, Arc<str>>,
        context: &Context,
    ) -> Workspace {
        let mut workspace = Workspace {
            root: absolute(root),
            discover,
            buffers: buffers.into_iter().map(|(p, t)| (normal(&p), t)).collect(),
            project: Project::default(),
            first: Vec::new(),
            shapes: HashMap::default(),
            module_names: HashSet::default(),
            groups: HashMap::default(),
        };
        workspace.build(context);
        workspace
    }

    /// The project a file on stdin belongs to: the tree under its import root (the first
    /// directory above it without an `__init__.py`), the modules it can import by name.
    pub fn for_stdin(
        path: &Path,
        text: &str,
        discover: DiscoverOptions,
        context: &Context,
    ) -> Workspace {
        let path = absolute(path);
        let import_root = project::modules::module_name(&path, &[])
            .and_then(|name| project::modules::root(&path, &name))
            .or_else(|| path.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        let root = with_src_roots(import_root, &context.settings.src);
        let mut buffers = HashMap::default();
        buffers.insert(path, Arc::from(text));
        Workspace::load(&root, discover, buffers, context)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stages 1–5 of [`run`](super::run) over the root, the buffers read instead of the disk.
    fn build(&mut self, context: &Context) {
        // Walked as `check DIR` walks it, from a path relative to the working directory when
        // it is under it: excludes match path components, and the directories above the
        // project (`~/target/app`) must not exclude it.
        let walk = match normal(&self.root) {
            relative if relative.is_relative() => relative,
            _ if absolute(Path::new(".")) == self.root => PathBuf::from("."),
            absolute => absolute,
        };
        let found = discover::discover(&[walk], &self.discover).unwrap_or_default();
        let mut paths: Vec<PathBuf> = found
            .into_iter()
            .filter_map(|f| match f {
                Found::File(path) => Some(normal(&path)),
                Found::Error { .. } => None,
            })
            .collect();
        let on_disk: HashSet<PathBuf> = paths.iter().cloned().collect();
        paths.extend(
            self.buffers
                .keys()
                .filter(|p| absolute(p).starts_with(&self.root) && !on_disk.contains(*p))
                .cloned(),
        );
        let texts: Vec<Option<Arc<str>>> = paths
            .par_iter()
            .map(|path| {
                self.text_of(path).filter(|text| {
                    context.skip_prefilter || context.prefilter.may_match(text.as_bytes())
                })
            })
            .collect();
        let scans: Vec<Option<project::Scan>> = texts
            .par_iter()
            .map(|text| {
                let text = text.as_deref()?;
                let seed = context.prefilter.mentions_websockets(text.as_bytes());
                seed.then(|| project::Scan::of(text))
            })
            .collect();
        let inputs: Vec<project::Input> = paths
            .iter()
            .zip(&scans)
            .map(|(path, scan)| project::Input {
                path,
                seed: scan.as_ref(),
            })
            .collect();
        let buffers = &self.buffers;
        self.project = Project::build(&inputs, &context.settings.src, |path| {
            match buffers.get(path) {
                Some(text) => Some(text.as_bytes().to_vec()),
                None => read_regular_file(path).ok().map(|r| r.0),
            }
        });
        for (path, text) in paths.iter().zip(&texts) {
            if let (Some(id), Some(text)) = (self.project.id(path), text) {
                self.project.hand_over(id, text.to_string());
            }
        }
        self.shapes = paths
            .iter()
            .zip(&texts)
            .filter_map(|(path, text)| Some((path.clone(), text.as_deref()?)))
            .map(|(path, text)| {
                let shape = Shape::of(&path, text, None, context);
                (path, shape)
            })
            .collect();
        // Buffers too (an edited buffer is compared with its last shape: an open file that no
        // rule matches must not rebuild the project on each keystroke).
        for (path, text) in &self.buffers {
            if !self.shapes.contains_key(path) {
                let shape = Shape::of(path, text, None, context);
                self.shapes.insert(path.clone(), shape);
            }
        }
        self.module_names.clear();
        for path in &self.project.paths {
            let Some(file) = self.project.file(path) else {
                continue;
            };
            let text = self.project.text(file.id).unwrap_or_default();
            self.shapes
                .insert(path.clone(), Shape::of(path, text, file.module, context));
            if let Some(module) = file.module {
                self.module_names.insert(module.name.clone());
            }
        }
        self.first = (0..self.project.paths.len() as u32)
            .into_par_iter()
            .map(|id| self.first_summary(id))
            .collect();
        self.index(context);
    }

    /// The buffer's text, or the file's on disk.
    fn text_of(&self, path: &Path) -> Option<Arc<str>> {
        if let Some(text) = self.buffers.get(path) {
            return Some(text.clone());
        }
        let bytes = read_regular_file(path).ok()?.0;
        String::from_utf8(bytes).ok().map(Arc::from)
    }

    /// What the first look at a project file leaves for the index (as stage 4 does).
    fn first_summary(&self, id: u32) -> Option<Summary> {
        let path = &self.project.paths[id as usize];
        let text = self.project.text(id).unwrap_or_default();
        let parsed =
            ruff_python_parser::parse_unchecked_source(text, PySourceType::from(path.as_path()));
        let facts = Project::first_look_facts();
        let file = self.project.file(path)?;
        let model = SemanticModel::build_in(parsed.syntax(), file.module, Some(&facts));
        Some(summary::summarize(
            text,
            parsed.syntax(),
            &model,
            file.names,
        ))
    }

    /// Stages 4 and 5 from the first summaries: the facts across modules, then the groups
    /// that span files, decided and remembered member by member.
    fn index(&mut self, context: &Context) {
        self.groups.clear();
        if self.project.is_empty() {
            return;
        }
        // The workspace keeps every member's text (buffers and disk): nothing to read again.
        self.project.propagate(self.first.clone(), |_| None);
        if !self.project.has_cross_file_groups() {
            self.project.decisions = GroupDecisions::default();
            return;
        }
        let project = &self.project;
        let read = ReadBytes(
            project
                .paths
                .iter()
                .enumerate()
                .filter_map(|(id, p)| Some((p.as_path(), project.text(id as u32)?.as_bytes())))
                .collect(),
        );
        let linted = members::lint_group_files(project, &read, context);
        drop(read);
        let decisions = members::decide(&linted);
        for (id, _, _, diagnostics) in linted {
            for d in diagnostics {
                let Some(group) = d.group else { continue };
                self.groups
                    .entry((group.file.unwrap_or(id), group.key))
                    .or_default()
                    .push(Member {
                        file: id,
                        range: d.range,
                        code: d.rule.code,
                        message: d.message,
                        anchor: group.file.is_none() && group.role == GroupRole::Anchor,
                    });
            }
        }
        self.groups
            .retain(|_, members| members.iter().any(|m| m.file != members[0].file));
        self.project.decisions = decisions;
    }

    /// A buffer's new text (`Some`), or the buffer closed or the file changed on disk
    /// (`None`: the disk's text counts again). Updates the index: this module's summary, then
    /// propagation; the whole project when the file's imports changed.
    pub fn update(&mut self, path: &Path, text: Option<Arc<str>>, context: &Context) -> Changed {
        let path = normal(path);
        if !absolute(&path).starts_with(&self.root) {
            return Changed::Files(Vec::new());
        }
        match text {
            Some(text) => self.buffers.insert(path.clone(), text),
            None => self.buffers.remove(&path),
        };
        let Some(text) = self.text_of(&path) else {
            // Deleted (or unreadable): the graph loses a module.
            self.build(context);
            return Changed::All;
        };
        let id = self.project.id(&path);
        let module = id.and_then(|_| self.project.file(&path)?.module);
        let shape = Shape::of(&path, &text, module, context);
        let relinks = match self.shapes.get(&path) {
            Some(old) => *old != shape,
            None => {
                shape.mentions_websockets
                    || shape.imports.iter().any(|m| self.module_names.contains(m))
            }
        };
        self.shapes.insert(path.clone(), shape);
        if relinks {
            self.build(context);
            return Changed::All;
        }
        let Some(id) = id else {
            return Changed::Files(Vec::new());
        };
        let before = self.views();
        self.project.set_text(id, text.to_string());
        self.first[id as usize] = self.first_summary(id);
        self.index(context);
        let after = self.views();
        Changed::Files(
            before
                .into_iter()
                .zip(after)
                .zip(&self.project.paths)
                .filter(|((b, a), _)| b != a)
                .map(|(_, path)| absolute(path))
                .collect(),
        )
    }

    /// What each project file's lint depends on besides its own text.
    fn views(&self) -> Vec<(crate::semantic::ExternalFacts, Option<String>)> {
        (0..self.project.paths.len() as u32)
            .map(|id| {
                let file = self
                    .project
                    .file(&self.project.paths[id as usize])
                    .expect("a project path");
                (file.facts.clone(), self.held_reason(id))
            })
            .collect()
    }

    /// The file as the project sees it, with the groups it shares with other files held.
    fn in_context(&self, path: &Path) -> Option<(FileProject<'_>, GroupDecisions)> {
        let file = self.project.file(&normal(path))?;
        let mut decisions = self.project.decisions.clone();
        for (key, members) in &self.groups {
            if key.0 == file.id || members.iter().any(|m| m.file == file.id) {
                decisions
                    .held
                    .insert(*key, self.hold_note(file.id, members));
            }
        }
        Some((file, decisions))
    }

    /// Why a group cannot be fixed in one file: the members in the others.
    fn hold_note(&self, id: u32, members: &[Member]) -> String {
        let elsewhere: Vec<String> = members
            .iter()
            .filter(|m| m.file != id)
            .map(|m| {
                let text = self.project.text(m.file).unwrap_or_default();
                let row = Locator::new(text).location(m.range.start()).row;
                let path = &self.project.paths[m.file as usize];
                format!("{}:{row} ({})", path.display(), m.code)
            })
            .collect();
        format!(
            "not fixed here: the fix spans files and must be applied with {} in the same run; \
             run `wsmigrate check --fix` on the project to migrate them together",
            elsewhere.join(", ")
        )
    }

    /// The note every held group of a file gets (for change detection).
    fn held_reason(&self, id: u32) -> Option<String> {
        let mut notes: Vec<String> = self
            .groups
            .iter()
            .filter(|(key, members)| key.0 == id || members.iter().any(|m| m.file == id))
            .map(|(_, members)| self.hold_note(id, members))
            .collect();
        notes.sort();
        (!notes.is_empty()).then(|| notes.join("\n"))
    }

    /// Lints one buffer (its text may be newer than the index's) with the project as its
    /// context; a file outside the project is linted on its own, as [`super::lint_buffer`].
    pub fn lint(&self, path: &Path, text: &str, context: &Context) -> Linted {
        let Some((mut file, decisions)) = self.in_context(path) else {
            return file::lint_buffer(path, text, context);
        };
        file.decisions = &decisions;
        let ignored = context.settings.per_file_ignores.for_path(path);
        file::lint(
            text,
            PySourceType::from(path),
            context,
            &ignored,
            Some(file),
            false,
        )
    }

    /// Every fix the settings allow, to a fixed point, in this buffer only (held groups stay).
    pub fn fix(&self, path: &Path, text: &str, context: &Context) -> fix::FixResult {
        if self.project.id(&normal(path)).is_none() {
            return file::fix_buffer(path, text, context);
        }
        fix::fix_until_stable(
            text.to_string(),
            LineEnding::detect(text),
            context.settings.fix_applicability,
            |text: &str| self.lint(path, text, context),
        )
    }

    /// `check [--fix] --stdin-filename PATH`: the buffer's report (nothing is written; with
    /// fixes, the new text is the report's change).
    pub fn process(&self, path: &Path, bytes: Vec<u8>, context: &Context) -> FileReport {
        match self.in_context(path) {
            Some((mut file, decisions)) => {
                file.decisions = &decisions;
                file::process_bytes_in(path, bytes, None, context, Some(file), None)
            }
            None => file::process_bytes(path, bytes, None, context),
        }
    }

    /// The findings in other files of a finding's fix group.
    pub fn related(&self, path: &Path, group: FixGroup) -> Vec<Related<'_>> {
        let Some(id) = self.project.id(&normal(path)) else {
            return Vec::new();
        };
        let Some(members) = self.groups.get(&(group.file.unwrap_or(id), group.key)) else {
            return Vec::new();
        };
        members
            .iter()
            .filter(|m| m.file != id)
            .map(|m| Related {
                path: absolute(&self.project.paths[m.file as usize]),
                text: self.project.text(m.file).unwrap_or_default(),
                range: m.range,
                code: m.code,
                message: &m.message,
                anchor: m.anchor,
            })
            .collect()
    }

    /// Is the file part of the project (linked to others by imports)?
    pub fn contains(&self, path: &Path) -> bool {
        self.project.id(&normal(path)).is_some()
    }
}

impl Shape {
    fn of(path: &Path, text: &str, module: Option<&ModuleName>, context: &Context) -> Shape {
        let named;
        let module = match module {
            Some(module) => Some(module),
            None => {
                named = project::modules::module_name(path, &[]);
                named.as_ref()
            }
        };
        let mut imports = scan::imported_modules(text, module);
        imports.sort_unstable();
        imports.dedup();
        Shape {
            mentions_websockets: context.prefilter.mentions_websockets(text.as_bytes()),
            imports,
        }
    }
}

/// The one spelling of a path the index uses: `.` and `..` resolved lexically, relative to
/// the working directory when under it (as the paths of `check DIR`, which reports show),
/// absolute otherwise.
fn normal(path: &Path) -> PathBuf {
    let absolute = crate::config::logical_absolute(path);
    let cwd = crate::config::logical_absolute(Path::new("."));
    match absolute.strip_prefix(&cwd) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.to_path_buf(),
        _ => absolute,
    }
}

/// A path of the index as an absolute path (for URIs).
fn absolute(path: &Path) -> PathBuf {
    crate::config::logical_absolute(path)
}

/// A buffer under a `src` root imports modules of the other roots by name: its project is
/// the tree that holds them all. Only roots that hold no other root count (not the project
/// directory of the default `[".", "src"]`, which would walk the whole tree for one buffer).
fn with_src_roots(import_root: PathBuf, src: &[PathBuf]) -> PathBuf {
    let roots = project::modules::namespace_roots(src);
    if !roots.iter().any(|r| import_root.starts_with(r)) {
        return import_root;
    }
    let mut common = import_root;
    for root in roots.iter().filter(|r| r.is_dir()) {
        while !root.starts_with(&common) {
            match common.parent() {
                Some(parent) => common = parent.to_path_buf(),
                None => return common,
            }
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = "from websockets.legacy.server import serve\n\nfrom . import handlers\n\n\
                        async def main():\n    await serve(handlers.echo, 'localhost', 8765)\n";
    const HANDLERS: &str = "async def echo(websocket, path):\n    print(websocket.open)\n";

    fn codes(linted: &Linted) -> Vec<&'static str> {
        linted.diagnostics.iter().map(|d| d.rule.code).collect()
    }

    #[test]
    fn an_edit_updates_the_module_and_its_dependents_without_a_rebuild() {
        let dir = std::env::temp_dir().join(format!("wsmigrate-workspace-{}", std::process::id()));
        let chat = dir.join("chat");
        std::fs::create_dir_all(&chat).unwrap();
        std::fs::write(chat.join("__init__.py"), "").unwrap();
        std::fs::write(chat.join("main.py"), MAIN).unwrap();
        std::fs::write(chat.join("handlers.py"), HANDLERS).unwrap();
        let mut args = crate::cli::default_check_args(&dir);
        args.isolated = true;
        args.target_version = Some("17.0".into());
        let settings = crate::cli::resolve_settings(&mut args).unwrap();
        let context = Context::new(&settings, super::super::Mode::Check);
        let options = DiscoverOptions {
            exclude: None,
            extend_exclude: Vec::new(),
            respect_gitignore: false,
            force_exclude: false,
            threads: 1,
        };
        let mut workspace = Workspace::load(&dir, options, HashMap::default(), &context);
        let handlers = chat.join("handlers.py");
        let main = chat.join("main.py");
        assert!(workspace.contains(&handlers));
        let linted = workspace.lint(&handlers, HANDLERS, &context);
        assert!(codes(&linted).contains(&"WS301"), "{:?}", codes(&linted));
        let ws301 = linted.diagnostics.iter().find(|d| d.rule.code == "WS301");
        let group = ws301.and_then(|d| d.group).expect("a group spanning files");
        let related = workspace.related(&handlers, group);
        assert_eq!(related.len(), 1);
        assert!(related[0].anchor && related[0].path.ends_with("chat/main.py"));

        // main.py's buffer stops serving the handler: an update of main.py's summary, and
        // handlers.py is named as changed.
        let other = MAIN.replace("serve(handlers.echo,", "serve(print,");
        let changed = workspace.update(&main, Some(Arc::from(other.as_str())), &context);
        let Changed::Files(files) = changed else {
            panic!("the imports did not change: no rebuild expected")
        };
        assert!(
            files.iter().any(|f| f.ends_with("chat/handlers.py")),
            "{files:?}"
        );
        let linted = workspace.lint(&handlers, HANDLERS, &context);
        assert!(!codes(&linted).contains(&"WS301"), "{:?}", codes(&linted));
        // A new import changes the graph: the project is rebuilt.
        let imports = format!("import os\n{other}");
        let changed = workspace.update(&main, Some(Arc::from(imports.as_str())), &context);
        assert_eq!(changed, Changed::All);
        // Closing the buffer: the disk's main.py serves the handler again.
        workspace.update(&main, None, &context);
        let linted = workspace.lint(&handlers, HANDLERS, &context);
        assert!(codes(&linted).contains(&"WS301"), "{:?}", codes(&linted));
        std::fs::remove_dir_all(&dir).ok();
    }
}
