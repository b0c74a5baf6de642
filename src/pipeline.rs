//! The whole check, top to bottom: discover → read and prefilter → project (module names, the
//! import graph, facts across modules) → fix groups across files → per file: parse → semantic
//! model → rules → fixes → (write) → messages. Each step is a function of its own module; this
//! file only wires them together and runs files in parallel. The per-file steps are in
//! [`file`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::discover::{self, DiscoverOptions, Found};
use crate::message::Message;
use crate::prefilter::{Prefilter, UnitNeedles};
use crate::project::{self, Project};
use crate::rules::{self, builtin, Rule};
use crate::settings::Settings;
use crate::timings::Timings;
use crate::write::Stamp;

mod file;
mod members;
mod workspace;

pub use workspace::{Changed, Related, Workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report only.
    Check,
    /// Apply fixes and write files.
    Fix,
    /// Compute fixes and show them as diffs; write nothing.
    Diff,
}

/// What happened to one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: Arc<PathBuf>,
    /// Remaining findings, plus (with `--fix`) the fixed ones marked `fixed`.
    pub messages: Vec<Message>,
    /// Original and new text, when fixes changed something and were not written (`--diff`,
    /// and `--fix` on stdin).
    pub change: Option<(String, String)>,
    /// Something went wrong inside wsmigrate (a panic, a dropped fix) or a fixed file could not
    /// be written: exit code 2, even with --exit-zero.
    pub internal_error: bool,
}

pub struct RunReport {
    pub files: Vec<FileReport>,
    pub files_seen: usize,
}

/// Everything a file needs that is the same for every file of a run.
pub struct Context<'s> {
    pub settings: &'s Settings,
    pub rules: Vec<&'static dyn Rule>,
    pub prefilter: Prefilter,
    /// Which top-level definitions the rules need even when they name nothing from websockets.
    pub unit_needles: UnitNeedles,
    pub mode: Mode,
    /// Keep each file's text in its messages (for reports that show source snippets).
    pub keep_sources: bool,
    /// Parse and check every file, even those no rule could match (corpus tests).
    pub skip_prefilter: bool,
    /// The project's line length: statements the fixes make longer are laid out to fit.
    pub line_length: usize,
    /// Writes the fixed files (`--fix`), sharing spare inodes between them.
    pub writer: crate::write::Writer,
}

impl<'s> Context<'s> {
    pub fn new(settings: &'s Settings, mode: Mode) -> Context<'s> {
        let rules: Vec<&'static dyn Rule> = rules::ALL
            .iter()
            .copied()
            .filter(|r| settings.is_enabled(r.meta()))
            .collect();
        Context {
            prefilter: Prefilter::new(&settings.rules),
            unit_needles: UnitNeedles::new(rules.iter().map(|r| r.unit_needles())),
            settings,
            rules,
            mode,
            keep_sources: true,
            skip_prefilter: false,
            line_length: crate::fix::layout::DEFAULT_LINE_LENGTH,
            writer: crate::write::Writer::default(),
        }
    }
}

pub fn run(
    paths: &[PathBuf],
    discover_options: &DiscoverOptions,
    context: &Context,
) -> Result<RunReport, String> {
    let mut timings = Timings::from_env();
    // 1. Discover.
    let found = timings.time("discover", || discover::discover(paths, discover_options))?;
    let files_seen = found.len();
    // 2. Read, and keep the bytes of the files some rule could match.
    let read: Vec<Read> = timings.time("read", || {
        found
            .into_par_iter()
            .map(|found| read_and_prefilter(found, context))
            .collect()
    });
    // 3. The project: the files linked by imports to those that mention websockets, and what
    //    each module learns from the others.
    let inputs: Vec<project::Input> = read
        .iter()
        .filter_map(|r| match r {
            Read::Seed { path, scan, .. } => Some(project::Input {
                path,
                seed: Some(scan),
            }),
            // Read without the prefilter (`--no-prefilter`), yet never mentions websockets.
            Read::Candidate { path, .. } | Read::Skipped { path } => {
                Some(project::Input { path, seed: None })
            }
            Read::Member { .. } | Read::Failed(_) => None,
        })
        .collect();
    let mut project = timings.time("project", || {
        Project::build(&inputs, &context.settings.src, |path| {
            read_regular_file(path).ok().map(|r| r.0)
        })
    });
    drop(inputs);
    let read: Vec<Read> = read
        .into_iter()
        .map(|read| match read {
            Read::Seed { path, .. } | Read::Candidate { path, .. }
                if project.id(&path).is_some() =>
            {
                Read::Member { path }
            }
            read => read,
        })
        .collect();
    // 4. First look: lint the project's files on their own; their summaries seed the index,
    //    which propagates facts across modules to a fixed point.
    let mut first_look: HashMap<PathBuf, members::Looked> = HashMap::default();
    if !project.is_empty() {
        let texts = project.take_texts();
        let looked = timings.time("first-look", || {
            members::first_look(&project, texts, context)
        });
        let rounds = timings.time("propagate", || {
            project.propagate(looked.summaries, |path| {
                String::from_utf8(read_regular_file(path).ok()?.0).ok()
            })
        });
        first_look = looked.reports;
        timings.count("project-files", || project.len());
        for n in rounds {
            timings.count("summarized-again", || n);
        }
        timings.count("cross-file-group-files", || project.group_files().len());
        timings.count("learn-from-project", || {
            first_look
                .keys()
                .filter(|p| project.learns_something(p))
                .count()
        });
    }
    // 5. Fix groups that span files: lint their files once, decide each group everywhere.
    if project.has_cross_file_groups() {
        project.decisions = timings.time("groups", || {
            // The members' texts went with the first look: they are read again.
            members::decide_groups(&project, &members::ReadBytes::default(), context)
        });
    }
    // 6. Each file, with what the project knows about it. A file the project taught nothing
    //    keeps its first look: its report when only checking, else its lint as the fix loop's
    //    first pass.
    let read: Vec<(Read, Option<members::Looked>)> = read
        .into_iter()
        .map(|read| {
            let looked = match &read {
                Read::Candidate { path, .. }
                | Read::Seed { path, .. }
                | Read::Member { path, .. }
                | Read::Skipped { path } => first_look
                    .remove(path)
                    .filter(|_| !project.learns_something(path)),
                Read::Failed(_) => None,
            };
            (read, looked)
        })
        .collect();
    let relint = timings.counter();
    let process = |read: Read, looked: Option<members::Looked>| match (read, looked) {
        // Not a member of the project (those are `Member`s): nothing to learn.
        (Read::Candidate { path, bytes, stamp }, _) => {
            file::process_bytes_in(&path, bytes, Some(stamp), context, None, None)
        }
        (Read::Seed { path, .. }, _) => file::process_path(&path, context),
        (Read::Member { path }, looked) => relint.time(looked.is_none(), || {
            members::process_member(&path, context, project.file(&path), looked)
        }),
        (Read::Skipped { path }, looked) if project.is_reached(&path) => {
            members::process_member(&path, context, project.file(&path), looked)
        }
        (Read::Skipped { path }, _) => FileReport::empty(Arc::new(path)),
        (Read::Failed(report), _) => report,
    };
    let files = timings.time("files", || {
        read.into_par_iter()
            .map(|(read, looked)| match (read, looked) {
                // Compacted by the first look.
                (_, Some(members::Looked::Report(report))) => report,
                (read, looked) => {
                    let mut report = process(read, looked);
                    report.compact();
                    report
                }
            })
            .filter(|report| !report.messages.is_empty() || report.change.is_some())
            .collect()
    });
    // Every file is written: the spare inodes go.
    context.writer.release();
    // Files linted again because the project taught them something.
    timings.add("relint", relint);
    timings.print();
    Ok(RunReport { files, files_seen })
}

/// A discovered file after stage 2.
enum Read {
    /// It may hold findings: its bytes and stamp.
    Candidate {
        path: PathBuf,
        bytes: Vec<u8>,
        stamp: Stamp,
    },
    /// A candidate that mentions websockets (in UTF-8): what the project needs of its text
    /// is read off, and the bytes are not kept (a run never holds every candidate's text at
    /// once): the file's own stage reads it again.
    Seed {
        path: PathBuf,
        scan: project::Scan,
    },
    /// A candidate that is a member of the project: its first look read it, its own stage
    /// reads it again.
    Member {
        path: PathBuf,
    },
    /// No rule can match it on its own (the project may still reach it).
    Skipped {
        path: PathBuf,
    },
    Failed(FileReport),
}

fn read_and_prefilter(found: Found, context: &Context) -> Read {
    let path = match found {
        Found::File(path) => path,
        Found::Error { path, message } => return Read::Failed(file_error_report(&path, message)),
    };
    match read_regular_file(&path) {
        Ok((bytes, stamp)) if context.skip_prefilter || context.prefilter.may_match(&bytes) => {
            let seed = context.prefilter.mentions_websockets(&bytes);
            match seed.then(|| std::str::from_utf8(&bytes).ok()).flatten() {
                Some(text) => Read::Seed {
                    scan: project::Scan::of(text),
                    path,
                },
                None => Read::Candidate { path, bytes, stamp },
            }
        }
        Ok(_) => Read::Skipped { path },
        Err(message) => Read::Failed(io_error_report(&path, message)),
    }
}

impl FileReport {
    /// Copies the messages into new allocations. A report outlives its file, whose parse,
    /// model and rules allocated its strings among their own: once those are freed, the
    /// copies fill the holes they leave instead of pinning their pages (heaptrack: the peak
    /// heap of `check` of all-relevant is about half its RSS; this copy of the reports and of
    /// the first look's lints and summaries took the peak RSS from 180-187 to 164-169 MB).
    fn compact(&mut self) {
        self.messages = self.messages.clone();
    }

    fn empty(path: Arc<PathBuf>) -> FileReport {
        FileReport {
            path,
            messages: Vec::new(),
            change: None,
            internal_error: false,
        }
    }
}

pub use file::{fix_buffer, lint_buffer, process_bytes, process_path};

fn read_regular_file(path: &Path) -> Result<(Vec<u8>, Stamp), String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // One open and one fstat per file (the mostly-irrelevant tree is mostly this): O_NONBLOCK so
    // that opening a FIFO does not wait for a writer, and the type is checked on the handle.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a directory".to_string()
        } else {
            "not a regular file".to_string()
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    // Through `Take`: `File::read_to_end` would fstat and seek the file again for a size hint.
    (&file)
        .take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok((bytes, Stamp::of(&meta)))
}

fn io_error_report(path: &Path, message: String) -> FileReport {
    file_error_report(path, format!("cannot read file: {message}"))
}

fn file_error_report(path: &Path, message: String) -> FileReport {
    let path = Arc::new(path.to_path_buf());
    FileReport {
        messages: vec![Message::file_level(
            &builtin::IO_ERROR,
            message,
            &path,
            crate::source::Location { row: 1, column: 1 },
        )],
        path,
        change: None,
        internal_error: false,
    }
}
