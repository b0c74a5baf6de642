//! Fix groups: a legacy import switch and every use that only works once it has switched apply
//! together or not at all. A group may span files (a handler here, its legacy `serve()` import
//! in another module): the project stage lints every file of such groups first and decides,
//! for each, whether all of it can be fixed; each file then settles its part accordingly.

use rustc_hash::FxHashMap as HashMap;

use ruff_text_size::TextRange;

use crate::diagnostic::{Applicability, Diagnostic, GroupRole, Related};

/// The project's decisions about groups that span files.
#[derive(Debug, Default, Clone)]
pub struct GroupDecisions {
    /// Not decided yet (the first lint of the project's files): uses in this file that depend
    /// on another file's import keep their fixes, so that the decision can see them.
    pub provisional: bool,
    /// `(file, key)`: groups whose members in other files cannot all be fixed, with each
    /// blocking use (`path:line: why`). The import in `file` must not switch.
    pub blocked: HashMap<(u32, TextRange), Vec<String>>,
    /// `(file, key)`: groups that can be fixed everywhere, with the least safe applicability
    /// of any of their fixes, in any file (they are applied together).
    pub viable: HashMap<(u32, TextRange), Applicability>,
    /// `(file, key)`: groups that span files of which only one file is being fixed (a buffer
    /// checked against the project on disk): none of their fixes apply, for the reason given.
    pub held: HashMap<(u32, TextRange), String>,
}

/// Uses tied to an import of this module that binds another module's websockets name (`from
/// .compat import connect`) are tied to that module's import instead (`origin`: the file and
/// statement there): their group spans the two files.
pub fn follow_aliases(
    diagnostics: &mut [Diagnostic],
    origin: impl Fn(TextRange) -> Option<(u32, TextRange)>,
) {
    for group in diagnostics.iter_mut().filter_map(|d| d.group.as_mut()) {
        if group.file.is_none() {
            if let Some((file, stmt)) = origin(group.key) {
                group.file = Some(file);
                group.key = stmt;
            }
        }
    }
}

/// [`settle_groups_in`] for a file on its own.
pub fn settle_groups(diagnostics: &mut [Diagnostic]) {
    settle_groups_in(diagnostics, None, &GroupDecisions::default());
}

/// Settles fix groups before anyone looks at fixes (the report as much as the engine): a group
/// without an anchor, or with a member that has no fix (here or, per `decisions`, in another
/// file), loses every fix, with a note saying what blocks it; otherwise every member takes the
/// least safe applicability in the group, since they are applied together or not at all.
/// `file` is this file's id in the project, if it is part of one.
pub fn settle_groups_in(
    diagnostics: &mut [Diagnostic],
    file: Option<u32>,
    decisions: &GroupDecisions,
) {
    let mut groups: HashMap<(Option<u32>, TextRange), Vec<usize>> = HashMap::default();
    for (i, d) in diagnostics.iter().enumerate() {
        if let Some(group) = d.group {
            groups.entry((group.file, group.key)).or_default().push(i);
        }
    }
    for ((group_file, key), members) in groups {
        if let Some(why) = group_file
            .or(file)
            .and_then(|f| decisions.held.get(&(f, key)))
        {
            block(diagnostics, &members, why.clone());
            continue;
        }
        if let Some(other) = group_file {
            // The anchor is in another file: the project decides.
            if decisions.provisional {
                continue;
            }
            if let Some(least) = decisions.viable.get(&(other, key)) {
                for &i in &members {
                    if let Some(fix) = diagnostics[i].fix.as_mut() {
                        fix.applicability = fix.applicability.min(*least);
                    }
                }
                continue;
            }
            block(
                diagnostics,
                &members,
                "not fixed: it needs the legacy `serve()` / `connect()` import of another module \
                 to switch to the new implementation, and that import is not being migrated with it"
                    .to_string(),
            );
            continue;
        }
        let anchor = members.iter().any(|&i| {
            diagnostics[i]
                .group
                .is_some_and(|g| g.role == GroupRole::Anchor)
        });
        let blocking = members
            .iter()
            .filter(|&&i| diagnostics[i].fix.is_none())
            .count();
        let elsewhere = file.and_then(|f| decisions.blocked.get(&(f, key)));
        if anchor && blocking == 0 && elsewhere.is_none() {
            let least = members
                .iter()
                .filter_map(|&i| diagnostics[i].fix.as_ref().map(|f| f.applicability))
                .min()
                .unwrap_or(Applicability::Safe);
            let across = file.and_then(|f| decisions.viable.get(&(f, key)).copied());
            let least = across.map_or(least, |a| a.min(least));
            for &i in &members {
                if let Some(fix) = diagnostics[i].fix.as_mut() {
                    fix.applicability = least;
                }
            }
            continue;
        }
        if !anchor {
            block(
                diagnostics,
                &members,
                "not fixed: it needs the legacy import to switch to the new implementation, and \
                 that import is not being migrated (is WS101 ignored?)"
                    .to_string(),
            );
            continue;
        }
        if let (0, Some(uses)) = (blocking, elsewhere) {
            block(
                diagnostics,
                &members,
                format!(
                    "not fixed: uses of this legacy import in other modules need manual \
                     migration first: {}",
                    uses.join("; ")
                ),
            );
            continue;
        }
        block_by_uses(diagnostics, &members);
    }
}

/// A group blocked by uses in its own file: each blocking use is listed once, on the import
/// switch; the other members point there instead of repeating the sentence.
fn block_by_uses(diagnostics: &mut [Diagnostic], members: &[usize]) {
    let is_anchor = |d: &Diagnostic| d.group.is_some_and(|g| g.role == GroupRole::Anchor);
    let anchor_i = *members
        .iter()
        .find(|&&i| is_anchor(&diagnostics[i]))
        .expect("the caller checked that the group has an anchor");
    let blockers: Vec<Related> = members
        .iter()
        .filter(|&&i| i != anchor_i && diagnostics[i].fix.is_none())
        .map(|&i| Related {
            range: diagnostics[i].range,
            code: diagnostics[i].rule.code,
            message: diagnostics[i].message.clone(),
        })
        .collect();
    let n = blockers.len();
    let anchor_note = if n == 0 {
        "not fixed: the import itself needs manual migration; until then nothing tied to it is \
         rewritten"
            .to_string()
    } else {
        format!(
            "{n} use{} of this legacy import need{} manual migration before the import can \
             switch (listed below); until then nothing tied to it is rewritten",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        )
    };
    let pointer = Related {
        range: diagnostics[anchor_i].range,
        code: diagnostics[anchor_i].rule.code,
        message: "the import switch this waits for (it lists what blocks it)".to_string(),
    };
    for &i in members {
        if i == anchor_i {
            block_one(&mut diagnostics[i], &anchor_note);
            diagnostics[i].related.extend(blockers.iter().cloned());
        } else {
            let note = if diagnostics[i].fix.is_some() {
                "not fixed: it waits for its legacy import to switch, which is blocked"
            } else {
                "this use blocks its legacy import from switching"
            };
            block_one(&mut diagnostics[i], note);
            diagnostics[i].related.push(pointer.clone());
        }
    }
}

fn block(diagnostics: &mut [Diagnostic], members: &[usize], note: String) {
    for &i in members {
        block_one(&mut diagnostics[i], &note);
    }
}

fn block_one(d: &mut Diagnostic, note: &str) {
    d.fix = None;
    d.help = Some(match d.help.take() {
        Some(help) => format!("{help}\n{note}"),
        None => note.to_string(),
    });
}

/// One file's diagnostics from the provisional lint, for [`decide`].
pub struct Linted<'d> {
    pub file: u32,
    pub path: &'d str,
    pub diagnostics: &'d [Diagnostic],
    /// The 1-based line of an offset in the file.
    pub line: &'d dyn Fn(TextRange) -> usize,
}

/// Which groups that span files can be fixed everywhere, and how safely.
pub fn decide(files: &[Linted]) -> GroupDecisions {
    let mut anchors: HashMap<(u32, TextRange), Applicability> = HashMap::default();
    let mut external: HashMap<(u32, TextRange), Vec<Result<Applicability, String>>> =
        HashMap::default();
    for linted in files {
        for d in linted.diagnostics {
            let Some(group) = d.group else { continue };
            match (group.file, &d.fix) {
                (None, Some(fix)) if group.role == GroupRole::Anchor => {
                    anchors.insert((linted.file, group.key), fix.applicability);
                }
                (None, _) => {}
                (Some(other), fix) => {
                    let member = fix.as_ref().map(|f| f.applicability).ok_or_else(|| {
                        format!(
                            "{}:{}: {} has no fix",
                            linted.path,
                            (linted.line)(d.range),
                            d.rule.code
                        )
                    });
                    external.entry((other, group.key)).or_default().push(member);
                }
            }
        }
    }
    let mut decisions = GroupDecisions::default();
    for (group, members) in external {
        let blocking: Vec<String> = members.iter().filter_map(|m| m.clone().err()).collect();
        if !blocking.is_empty() {
            decisions.blocked.insert(group, blocking);
            continue;
        }
        if let Some(anchor) = anchors.get(&group) {
            let least = members
                .iter()
                .filter_map(|m| m.as_ref().ok().copied())
                .fold(*anchor, Applicability::min);
            decisions.viable.insert(group, least);
        }
    }
    decisions
}
