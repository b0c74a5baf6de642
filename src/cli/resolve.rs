//! From the command line and the configuration file to the [`Settings`] of a check: the
//! file fills in what the command line leaves open. The language server resolves each
//! buffer's settings here too.

use std::path::Path;

use clap::Parser;

use super::{CheckArgs, Cli, Command};
use crate::diagnostic::Applicability;
use crate::registry::RuleMeta;
use crate::rules;
use crate::settings::{FailConnectionStyle, Selection, Settings};
use crate::{config, target};

/// The settings a check of `args.paths` runs with: the configuration file (given, or discovered
/// from the first path unless `--isolated`) fills in what the command line leaves open.
/// The language server resolves each buffer's settings with this too.
pub fn resolve_settings(args: &mut CheckArgs) -> Result<Settings, String> {
    let known: Vec<&'static RuleMeta> = rules::ALL.iter().map(|r| r.meta()).collect();
    let config = if args.isolated {
        None
    } else if let Some(path) = &args.config {
        Some(config::load(path, &known)?)
    } else {
        let first = args.paths.first().cloned().unwrap_or_else(|| ".".into());
        config::discover(&first, &known)?
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
        rules: selection.resolve(&known, target.version)?,
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
        // Without a file, relative to the working directory, as ruff's.
        src: match &config {
            Some(config) => config.src_roots(),
            None => config::default_src_roots(&config::logical_absolute(Path::new("."))),
        },
    };
    Ok(settings)
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
