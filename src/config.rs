//! Configuration files: `[tool.wsmigrate]` in `pyproject.toml`, or a `wsmigrate.toml` (same
//! keys at the top level), found by walking up from the first path. Errors point at the key in
//! the file, rendered by miette, with the nearest valid key suggested.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde::Deserialize;
use toml::Spanned;

use crate::registry::{self, RuleMeta};

/// Output format (default: full on a terminal, concise otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// Source snippets with the offending span labelled, and help.
    Full,
    /// One line per finding.
    Concise,
    /// A JSON array of findings (see README, "JSON output").
    Json,
    /// One JSON object per line, same fields as `json`.
    JsonLines,
    /// GitHub Actions annotations (`::error file=...`).
    Github,
    /// SARIF 2.1.0.
    Sarif,
}

/// How WS001 rewrites `fail_connection()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailConnectionStyle {
    /// `await ws.close(code, reason)`: the public API (default).
    Close,
    /// `async with ws.send_context(): ws.protocol.fail(code, reason)`: keeps failing semantics,
    /// private API of the new implementation.
    ProtocolFail,
}

/// Every key wsmigrate reads, for suggestions.
pub const KEYS: &[&str] = &[
    "select",
    "ignore",
    "extend-select",
    "exclude",
    "extend-exclude",
    "per-file-ignores",
    "target-version",
    "fix",
    "unsafe-fixes",
    "output-format",
    "respect-gitignore",
    "fail-connection-style",
    "src",
];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Options {
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    pub extend_select: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Option<Vec<String>>,
    pub per_file_ignores: Option<BTreeMap<String, Vec<Spanned<String>>>>,
    pub target_version: Option<Spanned<String>>,
    pub fix: Option<bool>,
    pub unsafe_fixes: Option<bool>,
    pub output_format: Option<OutputFormat>,
    pub respect_gitignore: Option<bool>,
    pub fail_connection_style: Option<FailConnectionStyle>,
    /// Directories first-party module names are computed from, relative to the file.
    pub src: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    wsmigrate: Option<Options>,
}

/// The rules selectors may name (besides the tool codes): every rule, passed in by the caller
/// so that configuration sits below the rules it configures.
pub type Known<'a> = &'a [&'static RuleMeta];

/// A configuration file that was read, and what it says.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub options: Options,
}

impl Config {
    /// The directory relative paths in the file are relative to.
    pub fn root(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The `src` roots, absolute: the file's own entries, or ruff's default (`.` and `src`
    /// beside the file).
    pub fn src_roots(&self) -> Vec<PathBuf> {
        let root = logical_absolute(self.root());
        match &self.options.src {
            Some(list) => list
                .iter()
                .map(|d| lexical(&root.join(d.get_ref())))
                .collect(),
            None => default_src_roots(&root),
        }
    }

    pub fn strings(list: &Option<Vec<Spanned<String>>>) -> Option<Vec<String>> {
        list.as_ref()
            .map(|l| l.iter().map(|s| s.get_ref().clone()).collect())
    }
}

/// ruff's default `src`: the project directory and its `src/`.
pub fn default_src_roots(base: &Path) -> Vec<PathBuf> {
    vec![base.to_path_buf(), base.join("src")]
}

/// Finds the configuration for `start` (a file or directory): the nearest `wsmigrate.toml`, or
/// `pyproject.toml` with a `[tool.wsmigrate]` table, walking up.
pub fn discover(start: &Path, known: Known) -> Result<Option<Config>, String> {
    let absolute = logical_absolute(start);
    let first_dir = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    for dir in first_dir.into_iter().flat_map(Path::ancestors) {
        let own = dir.join("wsmigrate.toml");
        if own.is_file() {
            return load(&own, known).map(Some);
        }
        let pyproject = dir.join("pyproject.toml");
        if pyproject.is_file() {
            let text = read(&pyproject)?;
            // A TOML error anywhere in the file is an error, never "no table here".
            let table = parse_toml(&pyproject, &text)?;
            let has_tool_table = table
                .get("tool")
                .and_then(|tool| tool.get("wsmigrate"))
                .is_some();
            if has_tool_table {
                return parse(&pyproject, &text, known).map(Some);
            }
        }
    }
    Ok(None)
}

/// `path` made absolute against the logical working directory (`$PWD`, as the shell shows
/// it, when it is the same directory as the physical one): a tree reached through a
/// symlinked directory finds the configuration above the link.
/// `..` is resolved lexically, as `cd ..` does in a shell.
pub fn logical_absolute(path: &Path) -> PathBuf {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    if path.is_absolute() {
        return lexical(&absolute(path));
    }
    let logical = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|pwd| pwd.is_absolute() && same_file(pwd, Path::new(".")));
    match logical {
        Some(pwd) => lexical(&absolute(&pwd.join(path))),
        None => lexical(&absolute(path)),
    }
}

/// `a/b/../c/./d` → `a/c/d`, without looking at the file system.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// Parses a TOML file wsmigrate reads (a configuration or a `pyproject.toml` it looks into);
/// a syntax error is a miette report pointing at it.
pub fn parse_toml(path: &Path, text: &str) -> Result<toml::Table, String> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        render(
            path,
            text,
            e.span(),
            &first_line(e.message()),
            Some("fix the TOML syntax; wsmigrate does not guess around errors".into()),
        )
    })
}

/// Reads one named file (`--config PATH`).
pub fn load(path: &Path, known: Known) -> Result<Config, String> {
    let text = read(path)?;
    parse(path, &text, known)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "pyproject.toml")
}

pub fn parse(path: &Path, text: &str, known: Known) -> Result<Config, String> {
    let options = if is_pyproject(path) {
        toml::from_str::<PyProject>(text)
            .map(|p| p.tool.and_then(|t| t.wsmigrate).unwrap_or_default())
    } else {
        toml::from_str::<Options>(text)
    };
    let options = options.map_err(|e| {
        let message = e.message().to_string();
        let help = unknown_field(&message)
            .and_then(suggest)
            .map(|s| format!("did you mean `{s}`?"));
        render(path, text, e.span(), &first_line(&message), help)
    })?;
    validate(path, text, &options, known)?;
    Ok(Config {
        path: path.to_path_buf(),
        options,
    })
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").to_string()
}

/// `unknown field `selec`, expected one of ...` → `selec`.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(&rest[..rest.find('`')?])
}

/// The valid key closest to `key`, if it is close enough to be a typo.
pub fn suggest(key: &str) -> Option<&'static str> {
    let key = key.replace('_', "-");
    KEYS.iter()
        .map(|k| (distance(&key, k), *k))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Values serde cannot check: rule selectors, the target version, globs.
fn validate(path: &Path, text: &str, options: &Options, known: Known) -> Result<(), String> {
    let selectors = [&options.select, &options.ignore, &options.extend_select]
        .into_iter()
        .flatten()
        .flatten()
        .chain(
            options
                .per_file_ignores
                .iter()
                .flat_map(|m| m.values().flatten()),
        );
    for selector in selectors {
        let named = known
            .iter()
            .chain(registry::builtin::TOOL)
            .any(|m| registry::selector_matches(selector.get_ref(), m));
        if !named {
            return Err(render(
                path,
                text,
                Some(selector.span()),
                &format!("unknown rule selector `{}`", selector.get_ref()),
                Some(
                    "use a code (WS001), a prefix (WS0) or a rule name; see `wsmigrate rules`"
                        .into(),
                ),
            ));
        }
    }
    if let Some(version) = &options.target_version {
        if let Err(message) = registry::target_version(version.get_ref()) {
            return Err(render(path, text, Some(version.span()), &message, None));
        }
    }
    for root in options.src.iter().flatten() {
        let problem = if root.get_ref().trim().is_empty() {
            Some("an empty `src` entry names no directory".to_string())
        } else {
            let dir = path.parent().unwrap_or(Path::new(".")).join(root.get_ref());
            (dir.exists() && !dir.is_dir())
                .then(|| format!("`src` entry `{}` is not a directory", root.get_ref()))
        };
        if let Some(message) = problem {
            let help = "`src` lists directories, relative to this file (default: [\".\", \"src\"])";
            return Err(render(
                path,
                text,
                Some(root.span()),
                &message,
                Some(help.into()),
            ));
        }
    }
    for pattern in options.per_file_ignores.iter().flat_map(|m| m.keys()) {
        if let Err(e) = Glob::new(pattern) {
            return Err(format!(
                "{}: invalid per-file-ignores pattern `{pattern}`: {e}",
                path.display()
            ));
        }
    }
    Ok(())
}

/// A miette report for a span of the configuration file, as one string.
fn render(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
    help: Option<String>,
) -> String {
    let mut diagnostic = MietteDiagnostic::new(format!(
        "invalid configuration in {}: {message}",
        path.display()
    ));
    if let Some(span) = span {
        diagnostic = diagnostic.with_label(LabeledSpan::at(span, "here"));
    }
    if let Some(help) = help {
        diagnostic = diagnostic.with_help(help);
    }
    let report = miette::Report::new(diagnostic).with_source_code(NamedSource::new(
        path.display().to_string(),
        text.to_string(),
    ));
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        return message.to_string();
    }
    out
}

/// `per-file-ignores`: globs relative to the configuration's directory, or file names.
#[derive(Debug, Clone, Default)]
pub struct PerFileIgnores {
    root: PathBuf,
    entries: Vec<(GlobMatcher, Vec<String>)>,
}

impl PerFileIgnores {
    pub fn new(config: Option<&Config>) -> PerFileIgnores {
        let Some(config) = config else {
            return PerFileIgnores::default();
        };
        let entries = config
            .options
            .per_file_ignores
            .iter()
            .flatten()
            .filter_map(|(pattern, codes)| {
                let glob = Glob::new(pattern).ok()?.compile_matcher();
                Some((glob, codes.iter().map(|c| c.get_ref().clone()).collect()))
            })
            .collect();
        PerFileIgnores {
            root: std::path::absolute(config.root()).unwrap_or_default(),
            entries,
        }
    }

    /// The selectors ignored for `path`.
    pub fn for_path(&self, path: &Path) -> Vec<String> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = absolute.strip_prefix(&self.root).unwrap_or(&absolute);
        let name = path.file_name().map(Path::new);
        self.entries
            .iter()
            .filter(|(glob, _)| glob.is_match(relative) || name.is_some_and(|n| glob.is_match(n)))
            .flat_map(|(_, codes)| codes.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<&'static RuleMeta> {
        crate::rules::ALL.iter().map(|r| r.meta()).collect()
    }

    #[test]
    fn suggests_the_nearest_key() {
        assert_eq!(suggest("selec"), Some("select"));
        assert_eq!(suggest("extend_select"), Some("extend-select"));
        assert_eq!(suggest("unsafe-fix"), Some("unsafe-fixes"));
        assert_eq!(suggest("completely-different"), None);
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let text = "[tool.wsmigrate]\nselec = [\"WS001\"]\n";
        let err = parse(Path::new("pyproject.toml"), text, &known()).unwrap_err();
        assert!(err.contains("unknown field `selec`"), "{err}");
        assert!(err.contains("did you mean `select`?"), "{err}");
        assert!(err.contains("2 │ selec"), "{err}");
    }

    #[test]
    fn reads_keys() {
        let text = "select = [\"WS0\"]\nfix = true\noutput-format = \"json\"\n\
                    [per-file-ignores]\n\"tests/*.py\" = [\"WS001\"]\n";
        let config = parse(Path::new("wsmigrate.toml"), text, &known()).unwrap();
        assert_eq!(Config::strings(&config.options.select).unwrap(), ["WS0"]);
        assert_eq!(config.options.output_format, Some(OutputFormat::Json));
        let bad = parse(
            Path::new("wsmigrate.toml"),
            "select = [\"XY1\"]\n",
            &known(),
        )
        .unwrap_err();
        assert!(bad.contains("unknown rule selector `XY1`"), "{bad}");
    }
}
