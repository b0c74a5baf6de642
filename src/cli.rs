//! The command line: argument definitions and the commands they run.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::Applicability;
use crate::discover::DiscoverOptions;
use crate::pipeline::{self, Context, Mode};
use crate::report::{self, OutputFormat, ReportOptions};
use crate::rules;
use crate::settings::{FailConnectionStyle, Selection, Settings};
use crate::{config, diff, docs, stdio, target};

/// Exit codes, as ruff's.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "wsmigrate",
    version,
    about = "Find and fix Python code written against the legacy asyncio API of websockets",
    long_about = "Find and fix Python code written against the legacy asyncio API of websockets, \
                  and migrate it to the implementation that is the default since websockets 14.0."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check files for legacy websockets usage, and optionally fix them.
    Check(Box<CheckArgs>),
    /// List every rule.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain {
        /// A rule code (WS001) or name (fail-connection).
        rule: String,
    },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
    /// Run a language server over stdin/stdout, for editors (see the README's "Editors").
    Server,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Apply safe fixes in place.
    #[arg(long)]
    pub fix: bool,
    /// Also apply fixes that may change behaviour (with --fix or --diff).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print unified diffs of what --fix would change; write nothing.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Output format (default: full on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    pub output_format: Option<OutputFormat>,
    /// Rules to enable instead of the defaults: codes, prefixes (WS0, WS4) or names.
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Rules to enable in addition to the selected ones.
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Rules to disable.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// The websockets version to migrate to (14.0 ... 17.0, or auto: the lowest version the
    /// project's websockets requirement allows) [default: auto].
    #[arg(long)]
    pub target_version: Option<String>,
    /// How WS001 rewrites fail_connection() [default: close].
    #[arg(long, value_enum)]
    pub fail_connection_style: Option<FailConnectionStyle>,
    /// Read the source from stdin (as with `-`; as ruff does) and report it under this name
    /// (configured as this path too).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Read this configuration file instead of discovering one.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Glob patterns to exclude, replacing the defaults (.git, .venv, build, ...); commas
    /// separate patterns, except inside `{...}`.
    #[arg(long)]
    pub exclude: Option<Vec<String>>,
    /// Glob patterns to exclude, in addition to the defaults.
    #[arg(long)]
    pub extend_exclude: Vec<String>,
    /// Check files that .gitignore would skip.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    /// Apply excludes to files named on the command line too.
    #[arg(long)]
    pub force_exclude: bool,
    /// Add `# noqa` directives for every remaining finding, instead of reporting it.
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    pub add_noqa: bool,
    /// Print a count of findings per rule.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when findings remain.
    #[arg(long)]
    pub exit_zero: bool,
    /// Exit 1 when --fix changed a file, even if nothing remains.
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,
    /// List the fixes that were applied.
    #[arg(long)]
    pub show_fixes: bool,
    /// Print findings only, no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Parse and check every file, even those that cannot contain a finding (for testing
    /// wsmigrate itself on large corpora).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: RulesFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    /// The table the README embeds.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => match check(*args) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("wsmigrate: error: {message}");
                EXIT_ERROR
            }
        },
        Command::Rules(args) => emit(docs::rules_text(args.output_format).as_bytes()),
        Command::Explain { rule } => match rules::by_code(&rule) {
            Some(meta) => emit(docs::explanation_text(meta).as_bytes()),
            None => {
                eprintln!("wsmigrate: error: unknown rule `{rule}` (see `wsmigrate rules`)");
                EXIT_ERROR
            }
        },
        Command::Server => crate::server::run(),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "wsmigrate", &mut script);
            emit(&script)
        }
    }
}

/// Prints a command's whole output; exit 0, or 2 when stdout cannot take it (full disk).
fn emit(bytes: &[u8]) -> u8 {
    match stdio::emit(bytes) {
        Ok(()) => EXIT_CLEAN,
        Err(message) => {
            eprintln!("wsmigrate: error: {message}");
            EXIT_ERROR
        }
    }
}

/// `--threads` above this many per core buys nothing and, far above, exhausts the machine.
const THREADS_PER_CORE: usize = 4;

/// `wsmigrate check`: validate the arguments, resolve the settings, then run one mode.
fn check(mut args: CheckArgs) -> Result<u8, String> {
    let input = validate_input(&mut args)?;
    let settings = resolve_settings(&mut args)?;
    let threads = start_workers(args.threads);
    let discover_options = DiscoverOptions {
        exclude: args.exclude.clone(),
        extend_exclude: args.extend_exclude.clone(),
        respect_gitignore: !args.no_respect_gitignore,
        force_exclude: args.force_exclude,
        threads,
    };
    let format = args
        .output_format
        .unwrap_or(if std::io::stdout().is_terminal() {
            OutputFormat::Full
        } else {
            OutputFormat::Concise
        });
    let context = run_context(&args, &settings, input, format);
    match input {
        Input::Stdin => check_stdin(&args, &settings, &discover_options, &context, format),
        Input::Paths if args.add_noqa => {
            Ok(add_noqa(&run_paths(&args, &discover_options, &context)?))
        }
        Input::Paths if args.diff => {
            diff_only(&args, &run_paths(&args, &discover_options, &context)?)
        }
        // Checking only and fixing differ in the pipeline's mode; both end in the report.
        Input::Paths => {
            let run = run_paths(&args, &discover_options, &context)?;
            report_run(&args, &settings, format, &run, None)
        }
    }
}

/// Where the source to check comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// The files and directories of `args.paths`.
    Paths,
    /// Standard input, reported (and configured) as `args.paths[0]`.
    Stdin,
}

/// Checks the paths and the stdin flags; with stdin, `args.paths` becomes the one name it is
/// reported under. Patterns of `--exclude` lists are split at commas here.
fn validate_input(args: &mut CheckArgs) -> Result<Input, String> {
    let split = |list: &[String]| -> Vec<String> {
        list.iter()
            .flat_map(|l| crate::discover::split_patterns(l))
            .collect()
    };
    args.exclude = args.exclude.as_deref().map(split);
    args.extend_exclude = split(&args.extend_exclude);
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    if dash && args.paths.len() > 1 {
        return Err("`-` (stdin) cannot be combined with other paths".into());
    }
    // Like ruff: `--stdin-filename` alone means stdin (editor plugins rely on it).
    if !dash && args.stdin_filename.is_none() {
        for path in &args.paths {
            if std::fs::symlink_metadata(path).is_err() {
                return Err(format!("path does not exist: {}", path.display()));
            }
        }
        return Ok(Input::Paths);
    }
    if !dash && args.paths != [PathBuf::from(".")] {
        for path in &args.paths {
            eprintln!(
                "wsmigrate: warning: ignoring `{}`: --stdin-filename reads standard input",
                path.display()
            );
        }
    }
    if args.diff {
        return Err("--diff does not read stdin; use --fix to get the fixed source".into());
    }
    args.paths = vec![args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"))];
    Ok(Input::Stdin)
}

/// Starts the worker pool for `--threads` (capped) and returns how many workers it has.
fn start_workers(requested: Option<usize>) -> usize {
    let max_threads = num_threads() * THREADS_PER_CORE;
    let threads = match requested.unwrap_or(0) {
        n if n > max_threads => {
            eprintln!(
                "wsmigrate: warning: --threads {n} is more than {THREADS_PER_CORE} per core; \
                 using {max_threads}"
            );
            max_threads
        }
        n => n,
    };
    // Zero threads means one per core. An error means a pool exists already: keep it.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(crate::WORKER_STACK)
        .build_global();
    if threads == 0 {
        num_threads()
    } else {
        threads
    }
}

/// What every file of the run shares: the settings, the mode, what the report needs kept.
fn run_context<'s>(
    args: &CheckArgs,
    settings: &'s Settings,
    input: Input,
    format: OutputFormat,
) -> Context<'s> {
    let mode = if args.fix && input == Input::Stdin {
        // Fixes are computed like --diff, and the new text goes to stdout, not to a file.
        Mode::Diff
    } else if args.fix {
        Mode::Fix
    } else if args.diff {
        Mode::Diff
    } else {
        Mode::Check
    };
    let mut context = Context::new(settings, mode);
    // Only the full format shows source snippets; keeping every flagged file's text until
    // the report would cost as much memory as the files themselves.
    context.keep_sources = format == OutputFormat::Full;
    context.skip_prefilter = args.no_prefilter;
    if !args.isolated {
        let first = args.paths.first().map_or(std::path::Path::new("."), |p| p);
        context.line_length = crate::fix::layout::project_line_length(first);
    }
    context
}

/// Runs the pipeline over `args.paths`.
fn run_paths(
    args: &CheckArgs,
    discover_options: &DiscoverOptions,
    context: &Context,
) -> Result<pipeline::RunReport, String> {
    let run = pipeline::run(&args.paths, discover_options, context)?;
    if run.files_seen == 0 {
        eprintln!("wsmigrate: warning: No Python files found under the given path(s)");
    }
    Ok(run)
}

/// The source on stdin: reported like files; with `--fix`, the fixed source goes to stdout
/// and the report to stderr.
fn check_stdin(
    args: &CheckArgs,
    settings: &Settings,
    discover_options: &DiscoverOptions,
    context: &Context,
    format: OutputFormat,
) -> Result<u8, String> {
    let (run, source) = stdin_run(&args.paths[0], discover_options, context)?;
    if args.add_noqa {
        return Ok(add_noqa(&run));
    }
    let fixed = args.fix.then_some(source);
    report_run(args, settings, format, &run, fixed)
}

/// `--diff`: the diffs of what the fixes would change; exit 1 when there is one.
fn diff_only(args: &CheckArgs, run: &pipeline::RunReport) -> Result<u8, String> {
    let changed = match diff::print(run, use_color(args.color), args.unsafe_fixes) {
        Ok(changed) => changed,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            run.files.iter().any(|f| f.change.is_some())
        }
        Err(e) => return Err(stdio::cannot_write(&e)),
    };
    Ok(if run.files.iter().any(|f| f.internal_error) {
        EXIT_ERROR
    } else if changed {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Prints the findings of a check (or what remains after `--fix`) and decides the exit code.
/// `fixed_stdin`: with `--fix` on stdin, the source to write to stdout before the report.
fn report_run(
    args: &CheckArgs,
    settings: &Settings,
    format: OutputFormat,
    run: &pipeline::RunReport,
    fixed_stdin: Option<StdinSource>,
) -> Result<u8, String> {
    let options = ReportOptions {
        format,
        color: use_color(args.color),
        fixing: args.fix,
        unsafe_fixes: args.unsafe_fixes,
        show_fixes: args.show_fixes,
        statistics: args.statistics,
        quiet: args.quiet,
        target: format!(
            "target websockets {} ({})",
            settings.target.version, settings.target.reason
        ),
    };
    let printed = if let Some(source) = fixed_stdin {
        write_fixed_stdin(source)?;
        report::print_to(&mut std::io::stderr().lock(), run, &options)
    } else {
        report::print(run, &options)
    };
    let totals = match printed {
        Ok(totals) => totals,
        // The reader went away (`| head`): the exit code still tells what the run found.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            report::Totals::of(&report::sorted_messages(run))
        }
        Err(e) => return Err(stdio::cannot_write(&e)),
    };
    Ok(if run.files.iter().any(|f| f.internal_error) {
        EXIT_ERROR
    } else if args.exit_zero {
        EXIT_CLEAN
    } else if totals.remaining > 0 || (args.exit_non_zero_on_fix && totals.fixed > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    }
}

/// The settings a check of `args.paths` runs with: the configuration file (given, or discovered
/// from the first path unless `--isolated`) fills in what the command line leaves open.
/// The language server resolves each buffer's settings with this too.
pub fn resolve_settings(args: &mut CheckArgs) -> Result<Settings, String> {
    let config = if args.isolated {
        None
    } else if let Some(path) = &args.config {
        Some(config::load(path)?)
    } else {
        let first = args.paths.first().cloned().unwrap_or_else(|| ".".into());
        config::discover(&first)?
    };
    if let Some(config) = &config {
        apply_config(args, config);
    }
    let target = match args.target_version.as_deref() {
        None | Some("auto") => {
            let start = match &config {
                Some(config) => config.root().to_path_buf(),
                None => args.paths.first().cloned().unwrap_or_else(|| ".".into()),
            };
            target::auto(&start)?
        }
        Some(requested) => {
            let from_config = config
                .as_ref()
                .and_then(|c| c.options.target_version.as_ref())
                .is_some_and(|v| v.get_ref() == requested);
            let source = match &config {
                Some(c) if from_config => c.path.display().to_string(),
                _ => "--target-version".to_string(),
            };
            target::explicit(requested, &source)?
        }
    };
    let selection = Selection {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
    };
    let settings = Settings {
        rules: selection.resolve(target.version)?,
        target,
        fail_connection_style: args
            .fail_connection_style
            .unwrap_or(FailConnectionStyle::Close),
        fix_applicability: if args.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
        unused_noqa: selection.enables(&rules::builtin::UNUSED_NOQA),
        per_file_ignores: config::PerFileIgnores::new(config.as_ref()),
    };
    Ok(settings)
}

/// `--add-noqa`: one directive per line with findings, written like fixes (atomically, only
/// when the file is unchanged and still parses the same).
fn add_noqa(run: &pipeline::RunReport) -> u8 {
    let mut added = 0;
    let mut failed = false;
    for file in &run.files {
        let codes: Vec<(usize, &str)> = file
            .messages
            .iter()
            .filter(|m| m.rule.family != rules::Family::Tool)
            .map(|m| (m.noqa_row, m.rule.code))
            .collect();
        if codes.is_empty() {
            continue;
        }
        match crate::noqa::add_to_file(&file.path, codes) {
            Ok(result) => {
                added += result.rows;
                for row in result.skipped {
                    eprintln!(
                        "wsmigrate: {}:{row}: no noqa added: the line ends inside a multi-line \
                         string",
                        file.path.display()
                    );
                }
            }
            Err(why) => {
                failed = true;
                eprintln!("wsmigrate: {}: noqa not added: {why}", file.path.display());
            }
        }
    }
    let summary = format!(
        "Added {added} noqa directive{}.\n",
        if added == 1 { "" } else { "s" }
    );
    if let Err(message) = stdio::emit(summary.as_bytes()) {
        eprintln!("wsmigrate: error: {message}");
        failed = true;
    }
    if failed {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

/// What was read from stdin and, when fixes changed it, the new text.
struct StdinSource {
    original: Vec<u8>,
    new_text: Option<String>,
}

/// Checks the source on stdin as if it were the file `path`.
fn stdin_run(
    path: &std::path::Path,
    discover_options: &DiscoverOptions,
    context: &Context,
) -> Result<(pipeline::RunReport, StdinSource), String> {
    if let Some(problem) = stdio::stdin_problem() {
        return Err(format!("cannot read stdin: {problem}"));
    }
    let mut original = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut original)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    let excluded = discover_options.force_exclude
        && crate::discover::Excluder::new(discover_options)?.is_excluded_with_ancestors(path);
    let mut files = Vec::new();
    let mut new_text = None;
    // Excluded: nothing to report, and the source goes back unchanged.
    if !excluded {
        let report = pipeline::process_bytes(path, original.clone(), None, context);
        new_text = report.change.as_ref().map(|(_, new)| new.clone());
        files.push(report);
    }
    let run = pipeline::RunReport {
        files,
        files_seen: 1,
    };
    Ok((run, StdinSource { original, new_text }))
}

/// `--fix` on stdin: the fixed source (or the original, unchanged) on stdout.
fn write_fixed_stdin(source: StdinSource) -> Result<(), String> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let bytes = match source.new_text {
        Some(text) => {
            let mut out = Vec::with_capacity(text.len() + 3);
            if source.original.starts_with(BOM) {
                out.extend_from_slice(BOM);
            }
            out.extend_from_slice(text.as_bytes());
            out
        }
        None => source.original,
    };
    stdio::emit(&bytes)
}

/// The arguments of a plain `wsmigrate check PATH`: the defaults a buffer starts from.
pub fn default_check_args(path: &std::path::Path) -> CheckArgs {
    let cli = Cli::parse_from([
        std::ffi::OsStr::new("wsmigrate"),
        "check".as_ref(),
        "--".as_ref(),
        path.as_os_str(),
    ]);
    match cli.command {
        Command::Check(args) => *args,
        _ => unreachable!("parsed a check command"),
    }
}

/// Fills in what the command line left open from the configuration file. Lists given on the
/// command line replace the file's (`select`, `exclude`) or add to them (`extend-*`, `ignore`).
fn apply_config(args: &mut CheckArgs, config: &config::Config) {
    let o = &config.options;
    if args.select.is_none() {
        args.select = config::Config::strings(&o.select);
    }
    args.extend_select
        .extend(config::Config::strings(&o.extend_select).unwrap_or_default());
    args.ignore
        .extend(config::Config::strings(&o.ignore).unwrap_or_default());
    // Anchored patterns of the file (`./x`, `/x`) are anchored at the file's directory.
    let root = config::logical_absolute(config.root());
    let anchor = |p: &String| crate::discover::anchor_at(p, &root);
    if args.exclude.is_none() {
        args.exclude = o.exclude.as_ref().map(|l| l.iter().map(anchor).collect());
    }
    args.extend_exclude
        .extend(o.extend_exclude.iter().flatten().map(anchor));
    if args.target_version.is_none() {
        args.target_version = o.target_version.as_ref().map(|v| v.get_ref().clone());
    }
    if args.fail_connection_style.is_none() {
        args.fail_connection_style = o.fail_connection_style;
    }
    // `fix = true` in the file; `--diff` and `--add-noqa` still win, as they write nothing.
    args.fix |= o.fix == Some(true) && !args.diff && !args.add_noqa;
    args.unsafe_fixes |= o.unsafe_fixes == Some(true);
    if args.output_format.is_none() {
        args.output_format = o.output_format;
    }
    args.no_respect_gitignore |= o.respect_gitignore == Some(false);
}

fn num_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
