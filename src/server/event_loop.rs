//! The connection loop: document notifications on the main thread, linting and requests on the
//! worker pool. Stale work is dropped rather than shown: messages already queued are handled
//! before any lint starts (a burst of `didChange` costs one lint), a document has at most one
//! lint in flight, and a result whose version is no longer the document's is thrown away.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crossbeam_channel::{select, unbounded, Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionParams, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    HoverParams, InitializeParams, MessageType, PublishDiagnosticsParams, Registration,
    RegistrationParams, ShowMessageParams, Uri,
};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::diagnostics::{Lint, Snapshot};
use super::documents::{uri_to_path, Document, Encoding, LineIndex};
use super::settings::{ClientOptions, SettingsCache};
use super::{actions, hover, panic_message};
use crate::pipeline::{Changed, Context, Mode, Workspace};

/// A request that panics on purpose, answered only when this variable is set: how the tests
/// check that a panic inside one request leaves the server running.
const DEBUG_PANIC_METHOD: &str = "wsmigrate/debugPanic";
const DEBUG_PANIC_ENV: &str = "WSMIGRATE_SERVER_DEBUG_PANIC";

/// Files whose change can change the settings of a document: configuration, and where the
/// target version comes from.
const SETTINGS_FILES: &[&str] = &[
    "**/pyproject.toml",
    "**/wsmigrate.toml",
    "**/requirements*.txt",
    "**/uv.lock",
    "**/poetry.lock",
];

struct LintDone {
    uri: Uri,
    lint: Arc<Lint>,
    published: Vec<lsp_types::Diagnostic>,
}

pub struct Server {
    connection: Connection,
    encoding: Encoding,
    documents: HashMap<Uri, Document>,
    settings: SettingsCache,
    options: Arc<ClientOptions>,
    /// The client can be asked to watch files for us.
    can_watch: bool,
    /// The last lint of each document whose diagnostics were published.
    lints: HashMap<Uri, Arc<Lint>>,
    /// Documents to lint as soon as the inbox is empty.
    dirty: HashSet<Uri>,
    in_flight: HashSet<Uri>,
    done_tx: Sender<LintDone>,
    done_rx: Receiver<LintDone>,
    /// Configuration problems already shown to the user.
    reported: HashSet<String>,
    /// The project index of the workspace folder, when the client named one.
    workspace: Option<Arc<RwLock<Workspace>>>,
    /// Documents whose latest text the index has not seen yet.
    unindexed: HashSet<Uri>,
}

enum Event {
    Message(Message),
    Done(LintDone),
}

impl Server {
    pub fn new(connection: Connection, init: InitializeParams, encoding: Encoding) -> Server {
        let (done_tx, done_rx) = unbounded();
        let mut problems = Vec::new();
        let options = match ClientOptions::from_value(
            init.initialization_options.clone().unwrap_or_default(),
        ) {
            Ok(options) => options,
            Err(why) => {
                problems.push(why);
                ClientOptions::default()
            }
        };
        #[allow(deprecated)]
        let folder = init
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| uri_to_path(&f.uri))
            .or_else(|| init.root_uri.as_ref().map(uri_to_path))
            .filter(|p| p.is_absolute());
        let root = folder
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        let can_watch = init
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        let mut server = Server {
            connection,
            encoding,
            documents: HashMap::default(),
            settings: SettingsCache::new(options.clone(), root),
            options: Arc::new(options),
            can_watch,
            lints: HashMap::default(),
            dirty: HashSet::default(),
            in_flight: HashSet::default(),
            done_tx,
            done_rx,
            reported: HashSet::default(),
            workspace: None,
            unindexed: HashSet::default(),
        };
        for problem in problems {
            server.show(MessageType::ERROR, problem);
        }
        // Only a folder the client named is indexed: the working directory may be anything.
        if folder.is_some() {
            server.load_workspace();
        }
        server
    }

    /// Returns the exit status.
    pub fn run(mut self) -> Result<u8, String> {
        // `initialized` was consumed by the handshake (`initialize_finish`).
        self.watch_files();
        loop {
            let event = select! {
                recv(self.connection.receiver) -> message => match message {
                    Ok(message) => Event::Message(message),
                    // The client closed the stream without `exit`.
                    Err(_) => return Ok(1),
                },
                recv(self.done_rx) -> done => Event::Done(done.expect("the server holds a sender")),
            };
            match event {
                Event::Message(message) => {
                    if let Some(code) = self.handle(message)? {
                        return Ok(code);
                    }
                }
                Event::Done(done) => self.finish(done),
            }
            // Everything already queued first: a burst of edits is linted once, at its end.
            while let Ok(message) = self.connection.receiver.try_recv() {
                if let Some(code) = self.handle(message)? {
                    return Ok(code);
                }
            }
            self.schedule();
        }
    }

    fn handle(&mut self, message: Message) -> Result<Option<u8>, String> {
        match message {
            Message::Request(request) => {
                if self
                    .connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(Some(0));
                }
                self.request(request);
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    log!("exit without shutdown");
                    return Ok(Some(1));
                }
                let method = notification.method.clone();
                // A bug in handling one notification must not take the editor's server down.
                if let Err(panic) =
                    catch_unwind(AssertUnwindSafe(|| self.notification(notification)))
                {
                    log!("panic while handling {method}: {}", panic_message(&panic));
                }
            }
            // Answers to our own requests (watcher registration): nothing to do.
            Message::Response(response) => {
                if let Some(error) = response.error {
                    log!(
                        "the client refused request {}: {}",
                        response.id,
                        error.message
                    );
                }
            }
        }
        Ok(None)
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Some(p) = params::<DidOpenTextDocumentParams>(&n) {
                    let d = p.text_document;
                    self.dirty.insert(d.uri.clone());
                    self.unindexed.insert(d.uri.clone());
                    self.documents
                        .insert(d.uri.clone(), Document::new(&d.uri, d.version, d.text));
                }
            }
            "textDocument/didChange" => {
                if let Some(p) = params::<DidChangeTextDocumentParams>(&n) {
                    let uri = p.text_document.uri;
                    match self.documents.get_mut(&uri) {
                        Some(doc) => {
                            doc.apply_changes(
                                p.text_document.version,
                                p.content_changes,
                                self.encoding,
                            );
                            self.unindexed.insert(uri.clone());
                            self.dirty.insert(uri);
                        }
                        None => log!("change to a document that is not open: {}", uri.as_str()),
                    }
                }
            }
            // The index already has the buffer's text, which is now also the disk's.
            "textDocument/didSave" => {}
            "textDocument/didClose" => {
                if let Some(p) = params::<DidCloseTextDocumentParams>(&n) {
                    let uri = p.text_document.uri;
                    if let Some(doc) = self.documents.remove(&uri) {
                        // The file's text on disk counts again for the modules that use it.
                        self.reindex(&doc.path, None);
                    }
                    self.lints.remove(&uri);
                    self.dirty.remove(&uri);
                    self.unindexed.remove(&uri);
                    self.publish(uri, Vec::new(), None);
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Some(p) = params::<DidChangeWatchedFilesParams>(&n) {
                    let settings_changed = p.changes.iter().any(|c| {
                        let path = uri_to_path(&c.uri);
                        !matches!(
                            path.extension().and_then(|e| e.to_str()),
                            Some("py" | "pyi")
                        )
                    });
                    if settings_changed {
                        log!("configuration changed: settings reloaded");
                        self.settings.clear();
                        self.reported.clear();
                        self.reload_workspace();
                        self.relint_all();
                        return;
                    }
                    // A module changed on disk: the index takes it, unless the editor has it
                    // open (the buffer wins), and the modules depending on it are linted again.
                    let open: HashSet<PathBuf> =
                        self.documents.values().map(|d| d.path.clone()).collect();
                    for change in &p.changes {
                        let path = uri_to_path(&change.uri);
                        if !open.contains(&path) {
                            self.reindex(&path, None);
                        }
                    }
                }
            }
            "workspace/didChangeConfiguration" => {
                if let Some(p) = params::<DidChangeConfigurationParams>(&n) {
                    match ClientOptions::from_value(p.settings) {
                        // Clients send empty settings when they have none for us.
                        Ok(options) if options == ClientOptions::default() => {}
                        Ok(options) => {
                            self.options = Arc::new(options.clone());
                            self.settings = SettingsCache::new(options, self.settings.root.clone());
                            self.reported.clear();
                            self.reload_workspace();
                            self.relint_all();
                        }
                        Err(why) => self.show(MessageType::ERROR, why),
                    }
                }
            }
            // `$/cancelRequest` and the like: requests are answered quickly, nothing to cancel.
            other if other.starts_with("$/") => {}
            other => log!("ignored notification {other}"),
        }
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        let uri = params
            .get("textDocument")
            .and_then(|d| d.get("uri"))
            .and_then(|u| serde_json::from_value::<Uri>(u.clone()).ok());
        let known = matches!(
            method.as_str(),
            "textDocument/codeAction" | "textDocument/hover"
        ) || (method == DEBUG_PANIC_METHOD
            && std::env::var_os(DEBUG_PANIC_ENV).is_some());
        if !known {
            self.respond(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("wsmigrate does not handle {method}"),
            ));
            return;
        }
        let snapshot = uri.and_then(|uri| self.snapshot(&uri));
        let cached = snapshot.as_ref().and_then(|s| {
            self.lints
                .get(&s.uri)
                .filter(|l| l.version == s.version)
                .cloned()
        });
        let sender = self.connection.sender.clone();
        rayon::spawn(move || {
            let answer = catch_unwind(AssertUnwindSafe(|| {
                answer(&method, params, snapshot.as_ref(), cached)
            }));
            let response = match answer {
                Ok(Ok(value)) => Response::new_ok(id, value),
                Ok(Err(why)) => Response::new_err(id, ErrorCode::InvalidParams as i32, why),
                Err(panic) => {
                    let what = panic_message(&panic);
                    log!("panic while answering {method}: {what}");
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("internal error in wsmigrate while answering {method}: {what}"),
                    )
                }
            };
            let _ = sender.send(Message::Response(response));
        });
    }

    fn relint_all(&mut self) {
        self.dirty.extend(self.documents.keys().cloned());
    }

    /// Builds the index of the workspace folder, the open documents in place of their files.
    fn load_workspace(&mut self) {
        let root = self.settings.root.clone();
        let (settings, _) = self.settings.for_path(&root.join("__init__.py"));
        let context = Context::new(&settings, Mode::Check);
        let buffers = self
            .documents
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        let started = std::time::Instant::now();
        let options = self.settings.discover_options();
        let workspace = Workspace::load(&root, options, buffers, &context);
        log!(
            "indexed {} in {} ms",
            root.display(),
            started.elapsed().as_millis()
        );
        self.workspace = Some(Arc::new(RwLock::new(workspace)));
        self.unindexed.clear();
    }

    fn reload_workspace(&mut self) {
        if self.workspace.is_some() {
            self.load_workspace();
        }
    }

    /// A module's new text (a buffer's, or `None`: the disk's) into the index; the open
    /// documents whose findings it may change are linted again.
    fn reindex(&mut self, path: &std::path::Path, text: Option<Arc<str>>) {
        let Some(workspace) = self.workspace.clone() else {
            return;
        };
        let (settings, _) = self.settings.for_path(path);
        let context = Context::new(&settings, Mode::Check);
        let changed = workspace
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .update(path, text, &context);
        match changed {
            Changed::All => self.relint_all(),
            Changed::Files(paths) => {
                let paths: HashSet<PathBuf> = paths.into_iter().collect();
                let dependents = self
                    .documents
                    .iter()
                    .filter(|(_, d)| paths.contains(&d.path))
                    .map(|(uri, _)| uri.clone());
                self.dirty.extend(dependents);
            }
        }
    }

    /// Starts a lint for every dirty document that has none in flight.
    fn schedule(&mut self) {
        // First the index takes the edited buffers (once per burst of edits).
        let unindexed: Vec<Uri> = self.unindexed.drain().collect();
        for uri in unindexed {
            if let Some(doc) = self.documents.get(&uri) {
                let (path, text) = (doc.path.clone(), doc.text.clone());
                self.reindex(&path, Some(text));
            }
        }
        let ready: Vec<Uri> = self
            .dirty
            .iter()
            .filter(|u| !self.in_flight.contains(*u))
            .cloned()
            .collect();
        for uri in ready {
            self.dirty.remove(&uri);
            let Some(snapshot) = self.snapshot(&uri) else {
                continue;
            };
            self.in_flight.insert(uri.clone());
            let done = self.done_tx.clone();
            rayon::spawn(move || {
                let lint = snapshot.lint();
                let index = LineIndex::new(&snapshot.text);
                let published = snapshot.to_lsp(&index, &lint.diagnostics);
                let _ = done.send(LintDone {
                    uri,
                    lint: Arc::new(lint),
                    published,
                });
            });
        }
    }

    fn finish(&mut self, done: LintDone) {
        self.in_flight.remove(&done.uri);
        let current = self
            .documents
            .get(&done.uri)
            .is_some_and(|d| d.version == done.lint.version);
        // Otherwise the document changed (it is dirty again) or was closed.
        if current {
            let version = done.lint.version;
            self.lints.insert(done.uri.clone(), done.lint);
            self.publish(done.uri, done.published, Some(version));
        }
    }

    fn snapshot(&mut self, uri: &Uri) -> Option<Snapshot> {
        let doc = self.documents.get(uri)?;
        let (settings, problem) = self.settings.for_path(&doc.path);
        let excluded = self.settings.is_excluded(&doc.path);
        let snapshot = Snapshot {
            excluded,
            uri: uri.clone(),
            path: doc.path.clone(),
            version: doc.version,
            text: doc.text.clone(),
            settings,
            options: self.options.clone(),
            encoding: self.encoding,
            workspace: self.workspace.clone(),
        };
        if let Some(problem) = problem {
            self.show(MessageType::ERROR, problem);
        }
        Some(snapshot)
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        ));
    }

    /// A message in the editor, once per distinct problem until the settings change.
    fn show(&mut self, typ: MessageType, message: String) {
        log!("{message}");
        if self.reported.insert(message.clone()) {
            let params = ShowMessageParams {
                typ,
                message: format!("wsmigrate: {message}"),
            };
            self.send(Notification::new("window/showMessage".into(), params));
        }
    }

    /// Asks the client to tell us when configuration or Python files change.
    fn watch_files(&self) {
        if !self.can_watch {
            return;
        }
        let watchers: Vec<serde_json::Value> = SETTINGS_FILES
            .iter()
            .chain(&["**/*.py", "**/*.pyi"])
            .map(|glob| serde_json::json!({ "globPattern": glob }))
            .collect();
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "wsmigrate-watched-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: Some(serde_json::json!({ "watchers": watchers })),
            }],
        };
        let request = Request::new(
            RequestId::from("wsmigrate-watch".to_string()),
            "client/registerCapability".into(),
            params,
        );
        let _ = self.connection.sender.send(Message::Request(request));
    }

    fn send(&self, notification: Notification) {
        let _ = self
            .connection
            .sender
            .send(Message::Notification(notification));
    }

    fn respond(&self, response: Response) {
        let _ = self.connection.sender.send(Message::Response(response));
    }
}

/// A request's result, computed on a worker thread.
fn answer(
    method: &str,
    params: serde_json::Value,
    snapshot: Option<&Snapshot>,
    cached: Option<Arc<Lint>>,
) -> Result<serde_json::Value, String> {
    if method == DEBUG_PANIC_METHOD {
        panic!("{DEBUG_PANIC_METHOD} was asked to panic");
    }
    let Some(snapshot) = snapshot else {
        // A document the client never opened: nothing to say about it.
        return Ok(serde_json::Value::Null);
    };
    let lint = cached.unwrap_or_else(|| Arc::new(snapshot.lint()));
    let bad = |e: serde_json::Error| format!("invalid {method} parameters: {e}");
    let value = match method {
        "textDocument/codeAction" => {
            let params: CodeActionParams = serde_json::from_value(params).map_err(bad)?;
            serde_json::to_value(actions::code_actions(snapshot, &lint.diagnostics, &params))
        }
        "textDocument/hover" => {
            let params: HoverParams = serde_json::from_value(params).map_err(bad)?;
            let at = params.text_document_position_params.position;
            serde_json::to_value(hover::hover(snapshot, &lint.diagnostics, at))
        }
        _ => unreachable!("only known methods get here"),
    };
    value.map_err(|e| e.to_string())
}

fn params<P: serde::de::DeserializeOwned>(n: &Notification) -> Option<P> {
    match serde_json::from_value(n.params.clone()) {
        Ok(p) => Some(p),
        Err(why) => {
            log!("invalid {} parameters: {why}", n.method);
            None
        }
    }
}
