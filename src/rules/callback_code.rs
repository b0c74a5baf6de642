//! Reading and rewriting the code of a callback given to `serve()`: which `serve()` calls a
//! function is given to, where a parameter is read, and the edits that drop a parameter or add a
//! statement at the top of a body. Shared by the WS3xx rules.

use ruff_python_ast::helpers::is_docstring_stmt;
use ruff_python_ast::{Expr, ExprCall, Keyword, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::checker::Checker;
use crate::diagnostic::{Edit, FixGroup, GroupRole};
use crate::semantic::connections::legacy_origin;
use crate::semantic::definitions::BoundKeywords;
use crate::semantic::definitions::ServeCall;
use crate::semantic::external::function_named;
use crate::semantic::{Callable, CallableRef, ClassKind, Implementation};

/// A `serve()` call and the callable it is given as `role` (handler, `process_request=`, ...).
pub struct ServedCallable<'a> {
    /// The `serve()` call, when it is in this file (`None`: in another module of the project).
    pub call: Option<&'a ExprCall>,
    pub implementation: Implementation,
    pub callable: CallableRef<'a>,
    /// For a legacy `serve()`: the group of the import that must switch with this callable.
    pub group: Option<FixGroup>,
    /// Where the `serve()` is when it is in another module (`app/main.py:12`).
    pub site: Option<&'a str>,
}

/// The `serve()` calls that receive `target` (a def or lambda, by range) as their handler.
pub fn serving_as_handler<'a>(checker: &Checker<'a>, target: TextRange) -> Vec<ServedCallable<'a>> {
    served(checker, target, None, |serve| serve.handler)
}

/// The `serve()` calls that receive `target` as the keyword argument `name`.
pub fn serving_as_keyword<'a>(
    checker: &Checker<'a>,
    target: TextRange,
    name: &str,
) -> Vec<ServedCallable<'a>> {
    // An entry for a handler passed through a parameter repeats its `serve()`'s keywords.
    served(checker, target, Some(name), |serve| {
        let call = serve.through.is_none().then_some(serve.call)?;
        keyword(call, name).map(|k| &k.value)
    })
}

fn served<'a>(
    checker: &Checker<'a>,
    target: TextRange,
    role: Option<&str>,
    argument: impl Fn(&'a ServeCall<'a>) -> Option<&'a Expr>,
) -> Vec<ServedCallable<'a>> {
    let model = checker.model;
    let index = checker.served_callables(role, argument);
    let mut found: Vec<ServedCallable<'a>> = index
        .get(&target)
        .into_iter()
        .flatten()
        .map(|&(i, callable)| {
            let serve = &model.definitions.serve_calls[i];
            ServedCallable {
                call: Some(serve.call),
                implementation: serve.implementation,
                callable,
                group: match serve.implementation {
                    Implementation::Legacy => {
                        legacy_origin(&model.imports, &serve.call.func).map(|key| FixGroup {
                            key,
                            role: GroupRole::Member,
                            file: None,
                        })
                    }
                    Implementation::New => None,
                },
                site: None,
            }
        })
        .collect();
    let Some(external) = model.external else {
        return found;
    };
    for s in &external.served {
        if s.keyword.as_deref() != role {
            continue;
        }
        let Some(def) = function_named(&model.bindings, &s.function) else {
            continue;
        };
        if def.range != target {
            continue;
        }
        // Named through its class from the other module (`Peers.on_connect`): unbound, the
        // receiver is among the positional arguments `partial` binds, if any.
        found.push(ServedCallable {
            call: None,
            implementation: s.implementation,
            callable: CallableRef {
                callable: Callable::Function(def),
                bound_positional: s.bound_positional,
                bound_keywords: BoundKeywords::Names(&s.bound_keywords),
            },
            group: s.group,
            site: Some(s.site.as_str()),
        });
    }
    found
}

pub fn keyword<'a>(call: &'a ExprCall, name: &str) -> Option<&'a Keyword> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
}

/// The fix group of a callback whose new signature only works once the legacy `serve` import
/// switches to the new implementation (in this file or in the module that serves it).
pub fn serve_group(served: &[ServedCallable]) -> Option<FixGroup> {
    served.iter().find_map(|s| s.group)
}

/// Is any `serve()` this callable is given to the new implementation?
pub fn any_new(served: &[ServedCallable]) -> bool {
    served
        .iter()
        .any(|s| s.implementation == Implementation::New)
}

/// How a name is used inside a function body or lambda.
#[derive(Debug, Default)]
pub struct NameUses {
    /// Every place the name is read.
    pub loads: Vec<TextRange>,
    /// Assigned or deleted somewhere, or rebound by a nested function's parameter.
    pub rebound: bool,
    /// `<name>.<attr>` reads: the attributes.
    pub attributes: Vec<String>,
}

/// The uses of the parameter `name` of `callable`, as the model resolves them: reads of that
/// parameter's binding (also from nested functions), and whether the body binds it again.
pub fn name_uses(checker: &Checker, callable: Callable, name: &str) -> NameUses {
    let bindings = &checker.model.bindings;
    let mut uses = NameUses::default();
    let Some(scope) = bindings.scope_of(callable.range()) else {
        return uses;
    };
    let ids = bindings.scope(scope).bindings_of(name);
    uses.rebound = ids.len() > 1;
    for (range, _, resolved) in bindings.reads_in(callable.range()) {
        if resolved.is_some_and(|id| ids.contains(&id)) {
            uses.loads.push(range);
            if let Some(attribute) = bindings.attribute_of_read(range) {
                uses.attributes.push(attribute.to_string());
            }
        }
    }
    uses.loads.sort_by_key(|r| r.start());
    uses
}

/// Is `name` read or bound anywhere inside the callable (a new parameter would clash)?
pub fn mentions(checker: &Checker, callable: Callable, name: &str) -> bool {
    let bindings = &checker.model.bindings;
    let range = callable.range();
    bindings.reads_in(range).any(|(_, n, _)| n == name)
        || bindings
            .all()
            .any(|(_, b)| b.name == name && range.contains_range(b.range))
}

/// Deletes the parameter at `range` (with its annotation and default) and one comma, keeping the
/// rest of the list as written: `(ws, path)`, `(ws, path, *, room)`, one parameter per line.
pub fn remove_parameter(source: &str, range: TextRange) -> Option<Edit> {
    let start = range.start().to_usize();
    let end = range.end().to_usize();
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let after = &source[end..];
    let rest_of_line = after.split_once('\n').map_or(after, |(line, _)| line);
    let rest = rest_of_line.trim_start();
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    // Alone on its line (a comment after it is about the parameter): drop the line.
    if source[line_start..start].trim().is_empty() && (rest.is_empty() || rest.starts_with('#')) {
        let line_end = (end + rest_of_line.len() + 1).min(source.len());
        return Some(Edit::delete(text_range(line_start, line_end)));
    }
    // Followed by a comma on the same line: delete `path, `.
    let trimmed = after.trim_start_matches([' ', '\t']);
    if let Some(after_comma) = trimmed.strip_prefix(',') {
        if !after_comma
            .trim_start_matches([' ', '\t'])
            .starts_with(['\n', '\r', '#'])
        {
            let spaces = after_comma.len() - after_comma.trim_start_matches([' ', '\t']).len();
            let delete_end = source.len() - after_comma.len() + spaces;
            return Some(Edit::delete(text_range(start, delete_end)));
        }
    }
    // Last in the list: delete `, path` back to the preceding comma.
    let before = source[..start].trim_end();
    if before.ends_with(',') && !after.trim_start().starts_with(',') {
        return Some(Edit::delete(text_range(before.len() - 1, end)));
    }
    None
}

/// Inserts `statement` as the first statement of `body`, after a docstring, with the body's
/// indentation (or `; `-joined when the body shares the line of the `def`).
pub fn insert_first_statement(source: &str, body: &[Stmt], statement: &str) -> Option<Edit> {
    let first = body.iter().find(|s| !is_docstring_stmt(s))?;
    let at = first.start().to_usize();
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &source[line_start..at];
    let is_first_on_line = indent.chars().all(|c| c == ' ' || c == '\t');
    let is_after_docstring = body.first().is_some_and(|s| s.range() != first.range());
    if !is_first_on_line {
        if is_after_docstring {
            return None; // `def f(): "doc"; body`: rare enough to leave to a human.
        }
        return Some(Edit::insert(first.start(), format!("{statement}; ")));
    }
    Some(Edit::insert(
        first.start(),
        format!("{statement}\n{indent}"),
    ))
}

fn text_range(start: usize, end: usize) -> TextRange {
    TextRange::new(
        TextSize::try_from(start).unwrap_or_default(),
        TextSize::try_from(end).unwrap_or_default(),
    )
}

/// Calls of the function `def` anywhere in the module (through a name that resolves to it, or
/// `x.name` for a method) that pass at least `positional` positional arguments, or the keyword
/// `keyword`: then the function is also used as a plain function.
pub fn called_directly<'n>(
    checker: &Checker,
    def: &'n ruff_python_ast::StmtFunctionDef,
    method: bool,
    positional: usize,
    keyword: &'n str,
) -> bool {
    let binding = checker.model.bindings.created_at(def.name.range);
    checker.calls_named(def.name.as_str()).iter().any(|call| {
        let named = match (&*call.func, binding) {
            (Expr::Attribute(_), _) => method,
            (func, Some(id)) => !method && checker.model.bindings.reads_binding(func, id),
            _ => false,
        };
        named
            && (call.arguments.args.len() >= positional
                || call.arguments.args.iter().any(Expr::is_starred_expr)
                || call.arguments.find_keyword(keyword).is_some())
    })
}

/// The `serve()` call `expr` is, if it is one.
pub fn serve_call<'a>(checker: &Checker<'a>, expr: &Expr) -> Option<&'a ServeCall<'a>> {
    let Expr::Call(call) = expr else { return None };
    checker.serve_call_at(call.range())
}

/// Does the call pass `**kwargs`, which may hide any keyword?
pub fn has_double_star(call: &ExprCall) -> bool {
    call.arguments.keywords.iter().any(|k| k.arg.is_none())
}

/// The class a `create_protocol=` / `klass=` argument names (of this file, of another module
/// of the project, or a `type[X]` parameter), with the methods it defines (its own and those
/// of its module's base classes), when it derives from a legacy protocol class.
pub fn legacy_protocol_class<'a>(
    checker: &Checker<'a>,
    serve: &ServeCall<'a>,
) -> Option<(&'a Keyword, &'a str, Vec<String>)> {
    let call = serve.call;
    let argument = keyword(call, "create_protocol").or_else(|| keyword(call, "klass"))?;
    let class = checker.model.websockets_class(&argument.value)?;
    let legacy = class.implementation == Implementation::Legacy
        && matches!(class.kind, ClassKind::Connection(_));
    legacy.then(|| {
        (
            argument,
            checker.slice(argument.value.range()),
            class.methods,
        )
    })
}
