//! Statement-level edits: finding the suite a statement lives in, and replacing a run of
//! statements with a new block at the same indentation.

use ruff_python_ast::{ExceptHandler, Expr, ExprCall, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::diagnostic::Edit;

/// Every statement list directly inside `stmt` (bodies, branches, handlers, cases).
pub fn suites(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::FunctionDef(def) => vec![&def.body],
        Stmt::ClassDef(class) => vec![&class.body],
        Stmt::If(if_) => std::iter::once(&if_.body[..])
            .chain(if_.elif_else_clauses.iter().map(|c| &c.body[..]))
            .collect(),
        Stmt::For(for_) => vec![&for_.body, &for_.orelse],
        Stmt::While(while_) => vec![&while_.body, &while_.orelse],
        Stmt::With(with) => vec![&with.body],
        Stmt::Try(try_) => std::iter::once(&try_.body[..])
            .chain(try_.handlers.iter().map(|h| match h {
                ExceptHandler::ExceptHandler(h) => &h.body[..],
            }))
            .chain([&try_.orelse[..], &try_.finalbody[..]])
            .collect(),
        Stmt::Match(match_) => match_.cases.iter().map(|c| &c.body[..]).collect(),
        _ => Vec::new(),
    }
}

/// Does `name` occur as a whole word in `source` outside `except`? Strings and comments count
/// too: callers use it to prove a name is unused, and a false "used" only withholds a fix.
pub fn word_occurs_outside(source: &str, name: &str, except: TextRange) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    source.match_indices(name).any(|(at, _)| {
        let end = at + name.len();
        let before = source[..at].chars().next_back();
        let after = source[end..].chars().next();
        let inside = except.start().to_usize() <= at && end <= except.end().to_usize();
        !(before.is_some_and(is_word) || after.is_some_and(is_word) || inside)
    })
}

/// `range` widened to whole lines when nothing but whitespace shares them (for deleting a
/// statement with its line); else `range` itself.
pub fn line_range(source: &str, range: TextRange) -> TextRange {
    let start = range.start().to_usize();
    let end = range.end().to_usize();
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[end..]
        .find('\n')
        .map_or(source.len(), |i| end + i + 1);
    let alone =
        source[line_start..start].trim().is_empty() && source[end..line_end].trim().is_empty();
    if !alone {
        return range;
    }
    TextRange::new(
        ruff_text_size::TextSize::try_from(line_start).unwrap_or_default(),
        ruff_text_size::TextSize::try_from(line_end).unwrap_or_default(),
    )
}

/// Edits to a `from` import that replace the names at `replace` (indices into its aliases) with
/// `new` (the first one) and delete the other ones there, keeping the statement's layout.
/// `None` when a comment would be lost or the deletions touch.
pub fn merge_import_aliases(
    source: &str,
    import: &ruff_python_ast::StmtImportFrom,
    replace: &[usize],
    new: Option<&str>,
) -> Option<Vec<Edit>> {
    let names = &import.names;
    let mut edits = Vec::new();
    let mut deleted: Vec<TextRange> = Vec::new();
    for (n, &i) in replace.iter().enumerate() {
        if n == 0 {
            if let Some(new) = new {
                edits.push(Edit::replace(names[i].range(), new));
                continue;
            }
        }
        let range = match i.checked_sub(1) {
            Some(prev) => TextRange::new(names[prev].end(), names[i].end()),
            None => TextRange::new(names[i].start(), names.get(1)?.start()),
        };
        if source[range].contains('#')
            || deleted
                .iter()
                .any(|d| d.intersect(range).is_some_and(|x| !x.is_empty()))
        {
            return None;
        }
        deleted.push(range);
        edits.push(Edit::delete(range));
    }
    Some(edits)
}

/// The indentation of the line where `stmt` starts, when only whitespace precedes it there.
pub fn indentation<'s>(source: &'s str, stmt: &Stmt) -> Option<&'s str> {
    let start = stmt.start().to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &source[line_start..start];
    indent
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(indent)
}

/// The source of `call` moved to a line indented by `new_indent`: its continuation lines move
/// by as much as the line it started on (unless it contains a triple-quoted string, whose content
/// must not change).
pub fn reindented(source: &str, call: &ExprCall, new_indent: usize) -> String {
    let text = &source[call.range()];
    let start = call.start().to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let old_indent = source[line_start..start]
        .chars()
        .take_while(|c| *c == ' ')
        .count();
    if text.contains("\"\"\"") || text.contains("\'\'\'") || old_indent == new_indent {
        return text.to_string();
    }
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 || line.trim().is_empty() {
                return line.trim_end_matches(' ').to_string();
            }
            let spaces = line.chars().take_while(|c| *c == ' ').count();
            let kept = (spaces + new_indent).saturating_sub(old_indent);
            format!("{}{}", " ".repeat(kept), &line[spaces..])
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The comments of `range` outside `inner` (each from `#` to the end of its line), for a
/// replacement of `range` that keeps `inner` but must not lose them. Only for ranges whose
/// text outside `inner` holds no string literal.
fn comments_outside(source: &str, range: TextRange, inner: TextRange) -> Vec<&str> {
    let mut comments = Vec::new();
    let mut at = range.start().to_usize();
    let end = range.end().to_usize();
    while let Some(offset) = source[at..end].find('#') {
        let hash = at + offset;
        if inner.start().to_usize() <= hash && hash < inner.end().to_usize() {
            at = inner.end().to_usize();
            continue;
        }
        let line_end = source[hash..]
            .find(['\n', '\r'])
            .map_or(source.len(), |i| hash + i);
        comments.push(source[hash..line_end].trim_end());
        at = line_end.min(end);
        if at == end {
            break;
        }
    }
    comments
}

/// `loop.run_until_complete(serve(...))` (or `start = serve(...)` then
/// `loop.run_until_complete(start)`) followed by `loop.run_forever()`, where `loop` is
/// `asyncio.get_event_loop()` itself or a name bound to it (or to `asyncio.new_event_loop()`,
/// optionally passed to `asyncio.set_event_loop()`) just before: replaced by
///
/// ```python
/// async def main():
///     async with serve(...):
///         await asyncio.get_running_loop().create_future()
///
/// asyncio.run(main())
/// ```
///
/// `index` is the statement of `suite` that contains `call`; `scope` the range of the function
/// whose body holds the suite (the whole file at module level). `None` when the statements have
/// another shape, or when a removed name (`start`, `loop`) is used elsewhere in `scope`.
/// Comments among the statements move above the new function.
pub fn serve_forever_main(
    source: &str,
    scope: TextRange,
    suite: &[Stmt],
    index: usize,
    call: &ExprCall,
) -> Option<Edit> {
    let mut removed_names: Vec<&str> = Vec::new();
    // The statement that runs the server until the handshake of `serve()` completes.
    let (run_index, run) = match &suite[index] {
        Stmt::Assign(assign) if assign.value.range() == call.range() => {
            let [Expr::Name(target)] = &assign.targets[..] else {
                return None;
            };
            removed_names.push(target.id.as_str());
            let run = method_call(suite.get(index + 1)?, "run_until_complete")?;
            match &run.1.arguments.args[..] {
                [Expr::Name(arg)] if arg.id == target.id => {}
                _ => return None,
            }
            (index + 1, run)
        }
        stmt => {
            let run = method_call(stmt, "run_until_complete")?;
            match &run.1.arguments.args[..] {
                [arg] if arg.range() == call.range() => {}
                _ => return None,
            }
            (index, run)
        }
    };
    let forever = method_call(suite.get(run_index + 1)?, "run_forever")?;
    if !forever.1.arguments.is_empty() || !run.1.arguments.keywords.is_empty() {
        return None;
    }
    let mut first = index;
    match (run.0, forever.0) {
        (Loop::GetEventLoop, Loop::GetEventLoop) => {}
        (Loop::Name(a), Loop::Name(b)) if a == b => {
            removed_names.push(a);
            first = loop_setup(suite, first, a)?;
        }
        _ => return None,
    }
    let last = run_index + 1;
    let range = TextRange::new(suite[first].start(), suite[last].end());
    let outside = |name: &str| word_occurs_outside(&source[scope], name, range - scope.start());
    if removed_names.iter().any(|name| outside(name)) {
        return None;
    }
    let main = ["main", "serve_main", "run_server"]
        .into_iter()
        .find(|name| !word_occurs_outside(source, name, TextRange::default()))?;
    let indent = indentation(source, &suite[first])?;
    let gap = if indent.is_empty() { "\n\n\n" } else { "\n\n" };
    let serve = reindented(source, call, indent.len() + 4);
    // PEP 8: two blank lines before a new top-level function.
    let lead = match first
        .checked_sub(1)
        .map(|p| &source[TextRange::new(suite[p].end(), range.start())])
    {
        Some(gap) if indent.is_empty() => {
            "\n".repeat(3usize.saturating_sub(gap.matches('\n').count()))
        }
        _ => String::new(),
    };
    let comments: String = comments_outside(source, range, call.range())
        .into_iter()
        .map(|c| format!("{c}\n{indent}"))
        .collect();
    Some(Edit::replace(
        range,
        format!(
            "{lead}{comments}async def {main}():\n{indent}    async with {serve}:\n{indent}        await \
             asyncio.get_running_loop().create_future(){gap}{indent}asyncio.run({main}())"
        ),
    ))
}

#[derive(Debug, PartialEq, Eq)]
enum Loop<'a> {
    /// `asyncio.get_event_loop()` written in place.
    GetEventLoop,
    /// A name.
    Name(&'a str),
}

/// `stmt` is the expression statement `LOOP.method(...)`.
fn method_call<'a>(stmt: &'a Stmt, method: &str) -> Option<(Loop<'a>, &'a ExprCall)> {
    let Stmt::Expr(stmt) = stmt else { return None };
    let Expr::Call(call) = &*stmt.value else {
        return None;
    };
    let Expr::Attribute(attr) = &*call.func else {
        return None;
    };
    if attr.attr.as_str() != method {
        return None;
    }
    let receiver = match &*attr.value {
        Expr::Name(name) => Loop::Name(name.id.as_str()),
        value if is_asyncio_call(value, &["get_event_loop"]) => Loop::GetEventLoop,
        _ => return None,
    };
    Some((receiver, call))
}

/// `asyncio.f()` without arguments, for one of `names`.
fn is_asyncio_call(expr: &Expr, names: &[&str]) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Expr::Attribute(attr) = &*call.func else {
        return false;
    };
    matches!(&*attr.value, Expr::Name(m) if m.id.as_str() == "asyncio")
        && names.contains(&attr.attr.as_str())
        && call.arguments.is_empty()
}

/// The index of `loop = asyncio.get_event_loop()` (or `new_event_loop()`, optionally followed
/// by `asyncio.set_event_loop(loop)`) right before statement `first`.
fn loop_setup(suite: &[Stmt], first: usize, name: &str) -> Option<usize> {
    let mut at = first.checked_sub(1)?;
    if let Stmt::Expr(e) = &suite[at] {
        let Expr::Call(call) = &*e.value else {
            return None;
        };
        let is_set = matches!(&*call.func, Expr::Attribute(a)
            if a.attr.as_str() == "set_event_loop"
                && matches!(&*a.value, Expr::Name(m) if m.id.as_str() == "asyncio"))
            && matches!(&call.arguments.args[..], [Expr::Name(n)] if n.id.as_str() == name);
        if !is_set {
            return None;
        }
        at = at.checked_sub(1)?;
    }
    let Stmt::Assign(assign) = &suite[at] else {
        return None;
    };
    let [Expr::Name(target)] = &assign.targets[..] else {
        return None;
    };
    (target.id.as_str() == name
        && is_asyncio_call(&assign.value, &["get_event_loop", "new_event_loop"]))
    .then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(source: &str) -> Option<String> {
        let module = ruff_python_parser::parse_module(source)
            .unwrap()
            .into_syntax();
        let (index, call) = module.body.iter().enumerate().find_map(|(i, stmt)| {
            let value = match stmt {
                Stmt::Assign(a) => &*a.value,
                Stmt::Expr(e) => match &*e.value {
                    Expr::Call(c) => c.arguments.args.first()?,
                    _ => return None,
                },
                _ => return None,
            };
            match value {
                Expr::Call(c) if matches!(&*c.func, Expr::Name(n) if n.id.as_str() == "serve") => {
                    Some((i, c))
                }
                _ => None,
            }
        })?;
        let scope = TextRange::up_to(ruff_text_size::TextSize::of(source));
        let edit = serve_forever_main(source, scope, &module.body, index, call)?;
        let mut out = source.to_string();
        out.replace_range(edit.range.to_std_range(), &edit.content);
        Some(out)
    }

    #[test]
    fn assigned_then_run() {
        let got = rewrite(
            "import asyncio\ns = serve(h, 'x', 1)\nasyncio.get_event_loop().run_until_complete(s)\nasyncio.get_event_loop().run_forever()\n",
        );
        assert_eq!(
            got.as_deref(),
            Some(
                "import asyncio\n\n\nasync def main():\n    async with serve(h, 'x', 1):\n        await asyncio.get_running_loop().create_future()\n\n\nasyncio.run(main())\n"
            )
        );
    }

    #[test]
    fn loop_name_and_other_uses() {
        let src = "import asyncio\nloop = asyncio.new_event_loop()\nasyncio.set_event_loop(loop)\nloop.run_until_complete(serve(h))\nloop.run_forever()\n";
        assert!(rewrite(src)
            .unwrap()
            .starts_with("import asyncio\n\n\nasync def main():"));
        // `loop` used later: keep the statements.
        assert_eq!(rewrite(&format!("{src}loop.close()\n")), None);
        // `main` taken: another name.
        assert!(rewrite(&format!("{src}def main(): pass\n"))
            .unwrap()
            .contains("async def serve_main():"));
        // A comment in between moves above.
        assert!(
            rewrite("import asyncio\nasyncio.get_event_loop().run_until_complete(serve(h))\n# run\nasyncio.get_event_loop().run_forever()\n")
                .unwrap()
                .starts_with("import asyncio\n\n\n# run\nasync def main():")
        );
    }

    #[test]
    fn words() {
        assert!(word_occurs_outside(
            "a loop b",
            "loop",
            TextRange::default()
        ));
        assert!(!word_occurs_outside(
            "a loops b",
            "loop",
            TextRange::default()
        ));
    }
}
