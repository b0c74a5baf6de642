//! WS101 `legacy-import`: imports of the legacy asyncio implementation (`websockets.legacy.*`,
//! the deprecated aliases in `websockets.client` / `websockets.server` / `websockets.auth` and at
//! the top level). They still run on 17.x, with a `DeprecationWarning`, until the legacy
//! implementation is removed. Upstream: docs/howto/upgrade.rst, "Update import paths".
//!
//! The import switch is the anchor of a fix group: every fix that only works on a new connection
//! (WS0xx attribute rewrites, WS102 class renames) is a member keyed by the same range, the one
//! `semantic::connections::legacy_origin()` gives the connections created through the import.

use ruff_python_ast::{Expr, Stmt, StmtImportFrom};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixGroup, GroupRole, Severity};
use crate::rules::legacy_names::{self, NameKind};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};
use crate::semantic::connections::legacy_origin;

pub struct LegacyImport;

pub(crate) static META: RuleMeta = RuleMeta {
    code: "WS101",
    name: "legacy-import",
    family: Family::ImportsAndNames,
    summary: "Import of the legacy asyncio implementation: switch to `websockets.asyncio.*`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Deprecation,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &[
        "legacy",
        "websockets.client",
        "websockets.server",
        "websockets.auth",
        "Protocol",
        "WebSocketServer",
        "basic_auth_protocol_factory",
    ],
    doc: include_str!("../../rules/WS101.md"),
};

impl Rule for LegacyImport {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::attributes(|_| true)
    }

    fn stmt(&self, checker: &Checker, stmt: &Stmt) {
        match stmt {
            Stmt::ImportFrom(import) => from_import(checker, import),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    if legacy_names::is_legacy_module(module) {
                        checker.report(
                            Diagnostic::new(
                                &META,
                                format!(
                                    "`import {module}` imports the legacy asyncio implementation \
                                     (deprecated since websockets 14.0)"
                                ),
                                alias.range(),
                            )
                            .with_help(
                                "remove it once its uses point to `websockets.asyncio.client` / \
                                 `websockets.asyncio.server` (each use is reported)",
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// Dotted references to legacy functions: `websockets.legacy.client.connect(...)`,
    /// `websockets.server.serve`. Class references belong to WS102.
    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Attribute(attr) = expr else { return };
        let Some(qualified) = checker.model.resolve(expr) else {
            return;
        };
        let Some(legacy) = legacy_names::lookup(&qualified) else {
            return;
        };
        if legacy.kind != NameKind::Function {
            return;
        }
        let key = legacy_origin(&checker.model.imports, expr).unwrap_or(attr.range);
        let text = checker.slice(attr.range);
        let mut diagnostic = Diagnostic::new(
            &META,
            format!("`{text}` is the legacy implementation (deprecated since websockets 14.0)"),
            attr.range,
        )
        .with_group(Some(FixGroup {
            key,
            role: GroupRole::Anchor,
            file: None,
        }));
        match legacy.home {
            Some(home) => {
                let fix = dotted_replacement(checker, expr, home);
                diagnostic = diagnostic.with_fix(Fix::unsafe_(
                    format!(
                        "Use `{}.{}` from the new implementation (check its other arguments and \
                         callbacks: the upgrade guide lists the differences)",
                        home.module, home.name
                    ),
                    fix,
                ));
            }
            None => {
                diagnostic.help = Some(no_home_help(legacy.name).to_string());
            }
        }
        checker.report(diagnostic);
    }
}

/// The edits that replace a dotted reference with the new name: `websockets.<name>` when the
/// reference starts at the `websockets` package and the top-level alias exists on the target,
/// else a `from` import.
pub(crate) fn dotted_replacement(
    checker: &Checker,
    expr: &Expr,
    home: legacy_names::NewHome,
) -> Vec<Edit> {
    let root = root_name(expr);
    let root_is_package = checker
        .model
        .imports
        .root_binding(expr)
        .is_some_and(|b| b.qualified == "websockets");
    let top_level = home
        .top_level_since
        .is_some_and(|v| v <= checker.settings.target.version);
    if let (Some(root), true, true) = (root, root_is_package, top_level) {
        return vec![Edit::replace(expr.range(), format!("{root}.{}", home.name))];
    }
    let importer = checker.importer();
    let imported = importer.from_import(home.module, home.name, expr.start());
    let mut edits = vec![Edit::replace(expr.range(), imported.local)];
    edits.extend(imported.edit);
    edits
}

fn root_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attr) => root_name(&attr.value),
        _ => None,
    }
}

/// `try: from websockets.asyncio.client import connect` / `except ImportError: from
/// websockets.legacy.client import connect`: the legacy name is the fallback of a `try` import
/// that is not legacy, so it is the compatibility branch for old versions, not a use to migrate.
fn is_fallback_for_new(checker: &Checker, alias: &ruff_python_ast::Alias) -> bool {
    let bindings = &checker.model.bindings;
    let local = alias.asname.as_ref().unwrap_or(&alias.name);
    bindings
        .created_at(local.range)
        .and_then(|id| bindings.primary_of(id))
        .and_then(|primary| bindings.binding(primary).import())
        .is_some_and(|import| legacy_names::lookup(&import.qualified).is_none())
}

pub(crate) fn no_home_help(name: &str) -> &'static str {
    match name {
        "basic_auth_protocol_factory" | "BasicAuthWebSocketServerProtocol" => {
            "the new implementation has no equivalent: give `serve()` a \
             `process_request=websockets.asyncio.server.basic_auth(...)` instead"
        }
        "Connect" | "Serve" => {
            "the new implementation has no equivalent class: call `connect()` / `serve()`"
        }
        _ => "the new implementation has no equivalent",
    }
}

/// One name of a `from` import, after the switch.
pub(crate) struct Placed {
    pub(crate) module: String,
    pub(crate) text: String,
}

fn from_import(checker: &Checker, import: &StmtImportFrom) {
    let Some(module) = import.module.as_ref().map(|m| m.as_str()) else {
        return;
    };
    if import.level > 0 {
        return;
    }
    if import.names.iter().any(|a| a.name.as_str() == "*") {
        if legacy_names::is_legacy_module(module)
            || matches!(module, "websockets.client" | "websockets.server")
        {
            checker.report(Diagnostic::new(
                &META,
                format!(
                    "`from {module} import *` may import the legacy implementation; import the \
                     names you use from `websockets.asyncio.client` / `websockets.asyncio.server`"
                ),
                import.range,
            ));
        }
        return;
    }
    let target = checker.settings.target.version;
    let renames_enabled = checker
        .settings
        .is_enabled(&super::ws102_legacy_connection_class::META);
    let mut placed: Vec<Placed> = Vec::new();
    let mut moved: Vec<String> = Vec::new();
    let mut stuck: Vec<String> = Vec::new();
    let mut blocked: Option<String> = None;
    for alias in &import.names {
        let name = alias.name.as_str();
        let keep = || Placed {
            module: module.to_string(),
            text: checker.slice(alias.range()).to_string(),
        };
        let Some(legacy) = legacy_names::lookup(&format!("{module}.{name}")) else {
            placed.push(keep());
            continue;
        };
        if is_fallback_for_new(checker, alias) {
            // Runs only where the `try` import of the new name fails (websockets < 13).
            placed.push(keep());
            continue;
        }
        let Some(home) = legacy.home else {
            stuck.push(format!("`{name}` ({})", no_home_help(name)));
            placed.push(keep());
            // What it makes stays legacy, yet its uses belong to this statement's group, whose
            // fixes assume the new implementation (`Connect(uri, extra_headers=...)` would get
            // `additional_headers=`): the statement switches once they are migrated by hand.
            let local = alias.asname.as_ref().unwrap_or(&alias.name);
            let bindings = &checker.model.bindings;
            let used = bindings
                .created_at(local.range)
                .is_some_and(|id| bindings.references_to(id).next().is_some());
            if used && blocked.is_none() {
                blocked = Some(format!(
                    "`{name}` has no new home and stays legacy, with everything it makes: the \
                     names imported with it switch once its uses are migrated by hand"
                ));
            }
            continue;
        };
        let asname = alias.asname.as_ref().map(|a| a.as_str());
        if asname.is_none() && home.name != name {
            if !renames_enabled {
                blocked = Some(format!(
                    "`{name}` becomes `{}`: enable WS102 so that its uses are renamed too",
                    home.name
                ));
            } else if checker.model.bindings.uses_name(home.name) {
                blocked = Some(format!(
                    "`{name}` becomes `{}`, a name this file already uses: import it `as` \
                     another name first",
                    home.name
                ));
            }
        }
        let text = match asname {
            Some(a) if a != home.name => format!("{} as {a}", home.name),
            _ => home.name.to_string(),
        };
        let new_module =
            if module == "websockets" && home.top_level_since.is_some_and(|v| v <= target) {
                "websockets"
            } else {
                home.module
            };
        moved.push(format!("`{name}` → `{new_module}.{}`", home.name));
        placed.push(Placed {
            module: new_module.to_string(),
            text,
        });
    }
    if moved.is_empty() && stuck.is_empty() {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        &META,
        format!(
            "`from {module} import ...` imports the legacy asyncio implementation (deprecated \
             since websockets 14.0)"
        ),
        import.range,
    )
    .with_group(Some(FixGroup {
        key: import.range,
        role: GroupRole::Anchor,
        file: None,
    }));
    let mut help = Vec::new();
    if !moved.is_empty() {
        help.push(format!("new homes: {}", moved.join(", ")));
    }
    if !stuck.is_empty() {
        help.push(format!("no new home: {}", stuck.join("; ")));
    }
    if let Some(blocked) = &blocked {
        help.push(format!("not fixed automatically: {blocked}"));
    }
    diagnostic.help = Some(help.join("\n"));
    if blocked.is_none() && !moved.is_empty() {
        if let Some(edits) = rewrite(checker, import, &placed) {
            diagnostic = diagnostic.with_fix(Fix::unsafe_(
                "Import from the new implementation (check the arguments and callbacks of \
                 `connect()` / `serve()`: the upgrade guide lists the differences)",
                edits,
            ));
        }
    }
    checker.report(diagnostic);
}

/// The import statement(s) that replace `import`: one per module, in order of appearance.
/// When every name ends up in one module, only the module and the changed names are edited, so
/// the statement keeps its layout (parentheses, one name per line, comments).
pub(crate) fn rewrite(
    checker: &Checker,
    import: &StmtImportFrom,
    placed: &[Placed],
) -> Option<Vec<Edit>> {
    if let Some(edits) = rewrite_in_place(checker, import, placed) {
        return Some(edits);
    }
    let original = checker.slice(import.range);
    if original.contains('#') {
        return None; // Comments inside a parenthesised import would be lost.
    }
    // The original module first: what stays keeps its place.
    let original_module = import.module.as_ref().map_or("", |m| m.as_str());
    let mut modules: Vec<&str> = Vec::new();
    if placed.iter().any(|p| p.module == original_module) {
        modules.push(original_module);
    }
    for p in placed {
        if !modules.contains(&p.module.as_str()) {
            modules.push(&p.module);
        }
    }
    let statements: Vec<String> = modules
        .iter()
        .map(|m| {
            let names: Vec<&str> = placed
                .iter()
                .filter(|p| p.module == *m)
                .map(|p| p.text.as_str())
                .collect();
            format!("from {m} import {}", names.join(", "))
        })
        .collect();
    let line_start = checker.source[..import.range.start().to_usize()]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    let indent = &checker.source[line_start..import.range.start().to_usize()];
    let rest = &checker.source[import.range.end().to_usize()..];
    let rest_of_line = rest.split(['\n', '\r']).next().unwrap_or("").trim_start();
    let alone = indent.chars().all(|c| c == ' ' || c == '\t')
        && (rest_of_line.is_empty() || rest_of_line.starts_with('#'));
    if statements.len() > 1 && !alone {
        return None;
    }
    Some(vec![Edit::replace(
        TextRange::new(import.range.start(), import.range.end()),
        statements.join(&format!("\n{indent}")),
    )])
}

/// All names go to one module: edit the module name and each changed name in place.
fn rewrite_in_place(
    checker: &Checker,
    import: &StmtImportFrom,
    placed: &[Placed],
) -> Option<Vec<Edit>> {
    let module = import.module.as_ref()?;
    let new_module = &placed.first()?.module;
    if placed.len() != import.names.len() || placed.iter().any(|p| p.module != *new_module) {
        return None;
    }
    if checker.slice(module.range) != module.as_str() {
        return None; // `from websockets . client import x`: unusual spelling.
    }
    let mut edits = Vec::new();
    if module.as_str() != new_module {
        edits.push(Edit::replace(module.range, new_module.clone()));
    }
    for (alias, p) in import.names.iter().zip(placed) {
        if checker.slice(alias.range()) != p.text {
            edits.push(Edit::replace(alias.range(), p.text.clone()));
        }
    }
    (!edits.is_empty()).then_some(edits)
}
