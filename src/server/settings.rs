//! Settings for each document: the editor's options (initialization options, or
//! `workspace/didChangeConfiguration`) on top of the workspace's `[tool.wsmigrate]` /
//! `wsmigrate.toml`, resolved exactly as `check --stdin-filename PATH` resolves them. The
//! editor's options win, as the command line does over the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use crate::cli;
use crate::discover::{DiscoverOptions, Excluder};
use crate::settings::Settings;

/// What the editor may set, in the names ruff's server uses where it has them.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptions {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub unsafe_fixes: Option<bool>,
    pub target_version: Option<String>,
    /// The documentation link of a diagnostic (`codeDescription`): `{code}` and `{name}` are
    /// replaced by the rule's. Without it diagnostics carry no link.
    pub docs_url: Option<String>,
    /// `select`, `extendSelect` and `ignore` may also come under `lint`, as ruff takes them.
    pub lint: Option<LintOptions>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LintOptions {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
}

impl ClientOptions {
    /// Reads the options either at the top level or under `settings` (ruff's
    /// `initializationOptions` shape) or `wsmigrate` (a `didChangeConfiguration` section).
    pub fn from_value(value: serde_json::Value) -> Result<ClientOptions, String> {
        let value = match value {
            serde_json::Value::Null => return Ok(ClientOptions::default()),
            serde_json::Value::Object(mut map) => {
                match map.remove("settings").or_else(|| map.remove("wsmigrate")) {
                    Some(inner) => inner,
                    None => serde_json::Value::Object(map),
                }
            }
            other => other,
        };
        let mut options: ClientOptions = serde_json::from_value(value)
            .map_err(|e| format!("invalid wsmigrate settings: {e}"))?;
        // ruff's server takes the rule selection under `lint`.
        if let Some(lint) = options.lint.take() {
            options.select = options.select.or(lint.select);
            options.extend_select = options.extend_select.or(lint.extend_select);
            options.ignore = options.ignore.or(lint.ignore);
        }
        Ok(options)
    }

    pub fn docs_link(&self, code: &str, name: &str) -> Option<String> {
        self.docs_url
            .as_ref()
            .map(|t| t.replace("{code}", code).replace("{name}", name))
    }
}

/// Settings by the directory of the documents they were resolved for (the configuration file
/// and the target version are found by walking up from it). Cleared when a configuration file
/// changes.
pub struct SettingsCache {
    pub options: ClientOptions,
    /// Where unsaved buffers (no path of their own) are configured from.
    pub root: PathBuf,
    by_dir: HashMap<PathBuf, Arc<Settings>>,
    /// How the workspace's files are found, from the configuration at the root (built once).
    files: Option<(DiscoverOptions, Arc<Excluder>)>,
}

impl SettingsCache {
    pub fn new(options: ClientOptions, root: PathBuf) -> SettingsCache {
        SettingsCache {
            options,
            root,
            by_dir: HashMap::default(),
            files: None,
        }
    }

    pub fn clear(&mut self) {
        self.by_dir.clear();
        self.files = None;
    }

    /// How the workspace's files are found: as `check .` run at the root finds them, with the
    /// configuration's `exclude`, `extend-exclude` and `respect-gitignore`.
    pub fn discover_options(&mut self) -> DiscoverOptions {
        self.files().0.clone()
    }

    /// Is `path` excluded by the configuration at the root (itself or a directory above it,
    /// below the root)? Such a document gets no diagnostics, as `check --force-exclude` gives
    /// it none.
    pub fn is_excluded(&mut self, path: &Path) -> bool {
        let root = self.root.clone();
        let Ok(relative) = path.strip_prefix(&root) else {
            return false;
        };
        let excluder = self.files().1.clone();
        relative
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .any(|p| excluder.is_excluded(&root.join(p)))
    }

    fn files(&mut self) -> &(DiscoverOptions, Arc<Excluder>) {
        let root = self.root.clone();
        self.files.get_or_insert_with(|| {
            let mut args = cli::default_check_args(&root.join("__init__.py"));
            // A broken configuration is reported with the settings; the defaults find files.
            if cli::resolve_settings(&mut args).is_err() {
                args = cli::default_check_args(&root.join("__init__.py"));
            }
            let mut options = DiscoverOptions {
                exclude: args.exclude,
                extend_exclude: args.extend_exclude,
                respect_gitignore: !args.no_respect_gitignore,
                force_exclude: false,
                threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            };
            let excluder = Excluder::new(&options).unwrap_or_else(|_| {
                options.exclude = None;
                options.extend_exclude = Vec::new();
                Excluder::new(&options).expect("the default excludes are valid")
            });
            (options, Arc::new(excluder))
        })
    }

    /// The settings for a document at `path`, and, the first time a problem is met, what is
    /// wrong with the configuration (the document is then checked with fallback settings).
    pub fn for_path(&mut self, path: &Path) -> (Arc<Settings>, Option<String>) {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(settings) = self.by_dir.get(&dir) {
            return (settings.clone(), None);
        }
        let (settings, problem) = resolve(&path, &self.options);
        let settings = Arc::new(settings);
        self.by_dir.insert(dir, settings.clone());
        (settings, problem)
    }
}

fn resolve(path: &Path, options: &ClientOptions) -> (Settings, Option<String>) {
    let attempt = |options: &ClientOptions, isolated: bool| {
        let mut args = cli::default_check_args(path);
        args.isolated = isolated;
        if options.select.is_some() {
            args.select.clone_from(&options.select);
        }
        args.extend_select = options.extend_select.clone().unwrap_or_default();
        args.ignore = options.ignore.clone().unwrap_or_default();
        args.unsafe_fixes = options.unsafe_fixes.unwrap_or(false);
        args.target_version.clone_from(&options.target_version);
        cli::resolve_settings(&mut args)
    };
    match attempt(options, false) {
        Ok(settings) => (settings, None),
        Err(first) => match attempt(options, true) {
            Ok(settings) => (
                settings,
                Some(format!(
                    "{first}\n(the configuration file is ignored until it is fixed)"
                )),
            ),
            Err(second) => {
                let settings = attempt(&ClientOptions::default(), true)
                    .expect("the default settings always resolve");
                (
                    settings,
                    Some(format!(
                        "{second}\n(the editor's wsmigrate settings are ignored)"
                    )),
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_flat_or_nested() {
        let flat = serde_json::json!({"select": ["WS0"], "unsafeFixes": true});
        let nested = serde_json::json!({"settings": {"select": ["WS0"], "unsafeFixes": true}});
        let a = ClientOptions::from_value(flat).unwrap();
        assert_eq!(a, ClientOptions::from_value(nested).unwrap());
        assert_eq!(a.select.as_deref(), Some(&["WS0".to_string()][..]));
        let ruff_shape =
            serde_json::json!({"settings": {"lint": {"select": ["WS0"]}, "unsafeFixes": true}});
        assert_eq!(a, ClientOptions::from_value(ruff_shape).unwrap());
        assert!(ClientOptions::from_value(serde_json::json!({"select": 1})).is_err());
        assert_eq!(
            ClientOptions::from_value(serde_json::Value::Null).unwrap(),
            ClientOptions::default()
        );
    }

    #[test]
    fn a_bad_editor_selector_falls_back_to_defaults() {
        let options = ClientOptions {
            select: Some(vec!["XY9".into()]),
            ..Default::default()
        };
        let dir = std::env::temp_dir();
        let mut cache = SettingsCache::new(options, dir.clone());
        let (settings, problem) = cache.for_path(&dir.join("m.py"));
        assert!(problem.unwrap().contains("unknown rule selector `XY9`"));
        assert!(!settings.rules.is_empty());
    }
}
