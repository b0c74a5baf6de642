//! The calls, references and hand-ons of a module that name other modules of the project: one
//! walk of the whole file (other modules' facts need the counter-evidence of every call).

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{Expr, ModModule};
use ruff_text_size::{Ranged, TextRange};

use super::{elsewhere, sorted_unique, top_level_name, CallRef, PassRef, PatchRef, Summary};
use crate::project::ModuleNames;
use crate::semantic::definitions::BoundKeywords;
use crate::semantic::imports::is_websockets;
use crate::semantic::patches;
use crate::semantic::{BindingKind, Callable, ScopeId, SemanticModel};

/// Fills the summary's calls, call targets, passes, local others, handed-on names, callees,
/// references and patches of legacy classes.
pub(super) fn collect<'a>(
    text: &str,
    module: &'a ModModule,
    model: &SemanticModel<'a>,
    names: &ModuleNames,
    summary: &mut Summary,
) {
    let mut calls = Calls {
        model,
        module,
        names,
        passes: Vec::new(),
        local_others: Vec::new(),
        handed: Vec::new(),
        callee: None,
        chain_part: None,
        out: Vec::new(),
        seen: rustc_hash::FxHashSet::default(),
        targets: Vec::new(),
        target_ids: rustc_hash::FxHashMap::default(),
        callees: Vec::new(),
        references: Vec::new(),
        typing: false,
        patches: Vec::new(),
    };
    calls.visit_body(&module.body);
    calls.out.shrink_to_fit();
    calls.targets.shrink_to_fit();
    calls.passes.shrink_to_fit();
    summary.calls = calls.out;
    summary.call_targets = calls.targets;
    summary.passes = calls.passes;
    summary.local_others = sorted_unique(calls.local_others);
    summary.handed = sorted_unique(calls.handed);
    summary.callees = sorted_unique(calls.callees);
    summary.references = sorted_unique(calls.references);
    summary.legacy_patches = calls
        .patches
        .into_iter()
        .map(|p| PatchRef {
            line: crate::source::line_of(text, p.range.start()),
            patched: p.patched,
            class: p.class,
            member: p.member,
        })
        .collect();
}

struct Calls<'m, 'a> {
    model: &'m SemanticModel<'a>,
    module: &'a ModModule,
    names: &'m ModuleNames,
    passes: Vec<PassRef>,
    local_others: Vec<(String, usize)>,
    handed: Vec<String>,
    /// The callee of the call being walked (its range).
    callee: Option<TextRange>,
    /// The object of the attribute being walked (its range).
    chain_part: Option<TextRange>,
    /// Each argument once: the index merges repeats into the same fact.
    out: Vec<CallRef>,
    seen: rustc_hash::FxHashSet<CallRef>,
    targets: Vec<String>,
    target_ids: rustc_hash::FxHashMap<String, u32>,
    callees: Vec<String>,
    references: Vec<String>,
    /// Inside an annotation: a string there is a type.
    typing: bool,
    /// Stores to a member of a legacy class.
    patches: Vec<patches::LegacyPatch>,
}

impl<'a> Calls<'_, 'a> {
    /// A name or attribute chain naming something of another module.
    fn refer(&mut self, expr: &Expr) {
        let qualified = self.elsewhere(expr);
        self.references.extend(qualified);
    }

    /// What a name or attribute chain names in another module of the project, qualified.
    fn elsewhere(&self, expr: &Expr) -> Option<String> {
        self.model
            .imports
            .resolve_rooted(expr, |root| self.names.may_extend(root))
            .filter(|q| self.located(q))
    }

    /// A name of another module the index can locate.
    fn located(&self, qualified: &str) -> bool {
        !is_websockets(qualified) && !qualified.starts_with('.') && self.names.may_locate(qualified)
    }

    /// The top-level function or class of this module a callee names.
    fn local_callee(&self, func: &Expr) -> Option<&'a str> {
        let Expr::Name(name) = func else { return None };
        let binding = self.model.binding_of(name)?;
        let top = binding.scope == ScopeId::MODULE
            && matches!(
                binding.kind,
                BindingKind::Function(_) | BindingKind::Class(_)
            );
        top.then_some(binding.name)
    }

    /// The functions `call` (of `target`, a function of another module) is given.
    fn passes(&mut self, target: &str, call: &'a ruff_python_ast::ExprCall) {
        let positional = call
            .arguments
            .args
            .iter()
            .take_while(|a| !a.is_starred_expr())
            .enumerate()
            .map(|(i, a)| (Some(i), None, a));
        let keywords = call.arguments.keywords.iter().filter_map(|k| {
            let name = k.arg.as_ref()?.to_string();
            Some((None, Some(name), &k.value))
        });
        for (position, keyword, argument) in positional.chain(keywords) {
            if !matches!(argument, Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_)) {
                continue;
            }
            let passed = match self.model.resolve_callable(argument) {
                Some(local) => {
                    let Callable::Function(def) = local.callable else {
                        continue;
                    };
                    let Some(name) = top_level_name(self.module, def) else {
                        continue;
                    };
                    let keywords = match local.bound_keywords {
                        BoundKeywords::Keywords(keywords) => keywords
                            .iter()
                            .filter_map(|k| k.arg.as_ref().map(|a| a.to_string()))
                            .collect(),
                        BoundKeywords::Names(names) => names.to_vec(),
                    };
                    (name, true, local.bound_positional, keywords)
                }
                None => match elsewhere(self.model, argument, 3) {
                    Some((qualified, positional, keywords)) => {
                        (qualified, false, positional, keywords)
                    }
                    None => continue,
                },
            };
            let (function, local, bound_positional, bound_keywords) = passed;
            self.passes.push(PassRef {
                target: target.to_string(),
                position,
                keyword,
                function,
                local,
                bound_positional,
                bound_keywords,
            });
        }
    }

    /// The names of a string annotation (`"Client"`, `"Optional[pkg.Client]"`).
    fn refer_in_string(&mut self, text: &str) {
        if let Ok(parsed) = ruff_python_parser::parse_expression(text) {
            Names(self).visit_expr(&parsed.syntax().body);
        }
    }
}

/// Visits the names of a string annotation (their ranges are not the file's).
struct Names<'c, 'm, 'a>(&'c mut Calls<'m, 'a>);

impl<'b> Visitor<'b> for Names<'_, '_, '_> {
    fn visit_expr(&mut self, expr: &'b Expr) {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_)) {
            self.0.refer(expr);
        }
        walk_expr(self, expr);
    }
}

impl<'a> Visitor<'a> for Calls<'_, 'a> {
    fn visit_annotation(&mut self, expr: &'a Expr) {
        let outer = std::mem::replace(&mut self.typing, true);
        self.visit_expr(expr);
        self.typing = outer;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(_) | Expr::Attribute(_) => {
                if self.model.imports.unimported_chain(expr) {
                    return; // No part of it names another module.
                }
                self.patches
                    .extend(patches::patch_of(&self.model.imports, expr));
                let part = self.chain_part == Some(expr.range());
                if let Expr::Attribute(attr) = expr {
                    // `a.b` in `a.b.c` is part of a name read, not a read of its own.
                    self.chain_part = Some(attr.value.range());
                }
                if let Some(qualified) = self.elsewhere(expr) {
                    if !self.typing && !part && self.callee != Some(expr.range()) {
                        self.handed.push(qualified.clone());
                    }
                    self.references.push(qualified);
                }
            }
            Expr::StringLiteral(string) if self.typing => {
                self.refer_in_string(string.value.to_str())
            }
            _ => {}
        }
        if let Expr::Call(call) = expr {
            let resolved = self.model.resolve_any(&call.func);
            // `typing.cast("Client", x)`: the model reads the string as a type.
            let cast = matches!(
                resolved.as_deref(),
                Some("typing.cast" | "typing_extensions.cast")
            );
            if let (true, Some(Expr::StringLiteral(string))) = (cast, call.arguments.args.first()) {
                self.refer_in_string(string.value.to_str());
            }
            let callee = self.model.callee_elsewhere(&call.func);
            if let Some(callee) = callee.filter(|c| self.names.may_locate(c)) {
                self.passes(&callee, call);
                self.callees.push(callee);
            }
            let target = resolved.filter(|q| self.located(q));
            if let Some(name) = self.local_callee(&call.func) {
                for (index, argument) in call.arguments.args.iter().enumerate() {
                    if argument.is_starred_expr() {
                        break;
                    }
                    if self.model.connection(argument, &[]).is_none() {
                        self.local_others.push((name.to_string(), index));
                    }
                }
            }
            if let Some(target) = target.filter(|_| !call.arguments.args.is_empty()) {
                let target = match self.target_ids.get(&target) {
                    Some(id) => *id,
                    None => {
                        let id = self.targets.len() as u32;
                        self.targets.push(target.clone());
                        self.target_ids.insert(target, id);
                        id
                    }
                };
                for (index, argument) in call.arguments.args.iter().enumerate() {
                    if argument.is_starred_expr() {
                        break;
                    }
                    let call = CallRef {
                        target,
                        index: index as u32,
                        connection: self.model.connection(argument, &[]),
                    };
                    if self.seen.insert(call.clone()) {
                        self.out.push(call);
                    }
                }
            }
            self.callee = Some(call.func.range());
        }
        walk_expr(self, expr);
    }
}
