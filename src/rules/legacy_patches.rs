//! The legacy `connect()` / `serve()` of a program that patches a legacy class they make
//! (`semantic::patches`): the patch changes every one of them, here or in another module, so
//! each legacy entry-point import (and dotted reference) gets a report-only finding in its
//! group, naming the patch. Switching it to the new implementation would drop the patch.
//! WS108 does this for patches of `Connect`, WS305 for patches of the connection classes.

use ruff_python_ast::{Expr, StmtImportFrom};
use ruff_text_size::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, FixGroup, GroupRole, Severity};
use crate::rules::RuleMeta;
use crate::semantic::patches::{self, Entry, LegacyPatch, Patched};

/// The patches of this file, each with its line.
struct LocalPatches(Vec<(LegacyPatch, usize)>);

/// What a rule reports about patches: its own, and what to do instead.
pub struct Concern {
    pub meta: &'static RuleMeta,
    /// The patches this rule speaks for.
    pub patches: fn(Patched) -> bool,
    pub help: &'static str,
}

/// The legacy entry points a `from` import binds.
pub fn import(checker: &Checker, import: &StmtImportFrom, concern: &Concern) {
    for alias in &import.names {
        let local = alias.asname.as_ref().unwrap_or(&alias.name);
        let bindings = &checker.model.bindings;
        let entry = bindings
            .created_at(local.range)
            .and_then(|id| bindings.binding(id).import())
            .and_then(|import| patches::entry_point(&import.qualified));
        if let Some(entry) = entry {
            report(checker, concern, entry, alias.range(), import.range);
        }
    }
}

/// A dotted reference to a legacy entry point (`websockets.legacy.client.connect`), the whole
/// chain: a group of its own.
pub fn reference(checker: &Checker, expr: &Expr, concern: &Concern) {
    let Expr::Attribute(attr) = expr else { return };
    if !matches!(
        attr.attr.as_str(),
        "connect" | "unix_connect" | "serve" | "unix_serve"
    ) || !attr.ctx.is_load()
    {
        return;
    }
    let entry = checker
        .model
        .resolve(expr)
        .and_then(|q| patches::entry_point(&q));
    if let Some(entry) = entry {
        report(checker, concern, entry, attr.range, attr.range);
    }
}

/// `range` makes legacy objects (`entry`) of group `key`: report it if a patch that `concern`
/// speaks for changes them, in this file through another import, or in another module.
fn report(checker: &Checker, concern: &Concern, entry: Entry, range: TextRange, key: TextRange) {
    let wanted = |patched: Patched| (concern.patches)(patched) && patched.reaches(entry);
    let local = checker.per_file(|| {
        if !patches::may_patch_in(checker.source, &checker.model.imports) {
            // No line stores to such a class: no need to walk the file.
            return LocalPatches(Vec::new());
        }
        LocalPatches(
            patches::legacy_patches(&checker.module.body, &checker.model.imports)
                .into_iter()
                .map(|p| {
                    let line = crate::source::line_of(checker.source, p.range.start());
                    (p, line)
                })
                .collect(),
        )
    });
    let mut sites: Vec<String> = local
        .0
        .iter()
        .filter(|(p, _)| wanted(p.patched) && p.origin != Some(key))
        .map(|(p, line)| format!("`{}.{}` at line {line}", p.class, p.member))
        .collect();
    if let Some(external) = checker.model.external {
        sites.extend(
            external
                .legacy_patches
                .iter()
                .filter(|p| wanted(p.patched))
                .map(|p| format!("`{}.{}` at {}", p.class, p.member, p.site)),
        );
    }
    if sites.is_empty() {
        return;
    }
    let more = sites.len().saturating_sub(3);
    sites.truncate(3);
    let mut listed = sites.join(", ");
    if more > 0 {
        listed.push_str(&format!(" and {more} more"));
    }
    let text = checker.slice(range);
    let made = match entry {
        Entry::Connect => "connect",
        Entry::Serve => "serve",
    };
    checker.report(
        Diagnostic::new(
            concern.meta,
            format!(
                "`{text}` makes legacy objects that this program patches ({listed}); the new \
                 `{made}` would run without the patch, so the switch of this import (WS101) \
                 waits until the patch is migrated by hand"
            ),
            range,
        )
        .with_severity(Severity::Deprecation)
        .with_help(concern.help)
        .with_group(Some(FixGroup {
            key,
            role: GroupRole::Member,
            file: None,
        })),
    );
}
