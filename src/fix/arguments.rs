//! Edits on the argument list of a call: rename a keyword, remove an argument, add one. They
//! touch only the bytes that must change, so comments, quotes, indentation and trailing commas
//! around them stay as they were.

use ruff_python_ast::{Arguments, Keyword};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::diagnostic::Edit;

/// Does the call unpack a mapping (`**kwargs`) that could hide any keyword?
pub fn has_kwargs_unpack(arguments: &Arguments) -> bool {
    arguments.keywords.iter().any(|k| k.arg.is_none())
}

/// Replace the keyword's name only: `timeout=5` → `close_timeout=5`.
pub fn rename_keyword(keyword: &Keyword, new_name: &str) -> Option<Edit> {
    let arg = keyword.arg.as_ref()?;
    Some(Edit::replace(arg.range(), new_name))
}

/// Rename the key of a dict entry that a call unpacks (`**{"old": v}`): replace the plain
/// string literal at `key` (`"x"` or `'x'`, no prefix, no escapes, no implicit concatenation) by
/// `new`, keeping its quotes; or the keyword name of a `dict(old=...)` call.
pub fn rename_string_key(source: &str, key: TextRange, new: &str) -> Option<Edit> {
    let text = &source[key];
    if text.chars().all(|c| c.is_alphanumeric() || c == '_') {
        // `dict(old=...)`: a keyword name.
        return Some(Edit::replace(key, new.to_string()));
    }
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    if inner.contains(['"', '\'', '\\']) {
        return None;
    }
    Some(Edit::replace(key, format!("{quote}{new}{quote}")))
}

/// Remove the argument at `range` (a positional argument or a keyword) with its separating
/// comma. An argument alone on its line(s) takes its line with it, trailing comment included.
/// `None` when the surrounding text is too unusual to edit with confidence.
pub fn remove_argument(source: &str, arguments: &Arguments, range: TextRange) -> Option<Edit> {
    let ranges: Vec<TextRange> = arguments.iter_source_order().map(|a| a.range()).collect();
    let index = ranges.iter().position(|r| *r == range)?;
    if ranges.len() == 1 {
        return Some(Edit::delete(arguments.inner_range()));
    }
    if let Some(lines) = own_lines(source, range) {
        return Some(Edit::delete(lines));
    }
    if let Some(next) = ranges.get(index + 1) {
        // `f(a, x=1, b)` → `f(a, b)`: the argument, its comma and the space before `b`.
        let between = &source[range.end().to_usize()..next.start().to_usize()];
        if between.trim_start().starts_with(',') && !between.contains('#') {
            return Some(Edit::delete(TextRange::new(range.start(), next.start())));
        }
        return None;
    }
    // The last argument: delete from the comma before it.
    let before = &source[..range.start().to_usize()];
    let trimmed = before.trim_end();
    if !trimmed.ends_with(',') {
        return None;
    }
    let comma = TextSize::try_from(trimmed.len() - 1).ok()?;
    Some(Edit::delete(TextRange::new(comma, range.end())))
}

/// Add `text` (e.g. `process_response=f`) as the last argument, after the existing ones (or
/// inside empty parentheses).
pub fn append_argument(arguments: &Arguments, text: &str) -> Edit {
    match arguments.iter_source_order().last() {
        None => Edit::insert(arguments.inner_range().start(), text.to_string()),
        Some(last) => Edit::insert(last.end(), format!(", {text}")),
    }
}

/// [`append_argument`], aware of the one-argument-per-line layout with a trailing comma:
/// there, `text` gets its own line at the indentation of the last argument. `None` when the
/// call has no parentheses to insert into.
pub fn append_argument_in(source: &str, arguments: &Arguments, text: &str) -> Option<Edit> {
    // A call recovered from a syntax error may lack its parentheses.
    let written = source.get(arguments.range().to_std_range())?;
    if written.len() < 2 || !written.starts_with('(') || !written.ends_with(')') {
        return None;
    }
    if let Some(last) = arguments.iter_source_order().last() {
        let inner_end = arguments.inner_range().end();
        if last.end() > inner_end {
            return None;
        }
        let gap = &source[TextRange::new(last.end(), inner_end)];
        let line_start = source[..last.start().to_usize()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let indent = &source[line_start..last.start().to_usize()];
        if gap.trim_start().starts_with(',')
            && gap.contains('\n')
            && indent.chars().all(|c| c == ' ' || c == '\t')
        {
            let comma = last.end()
                + TextSize::try_from(gap.find(',').unwrap_or(0) + 1)
                    .ok()
                    .unwrap_or_default();
            return Some(Edit::insert(comma, format!("\n{indent}{text},")));
        }
    }
    Some(append_argument(arguments, text))
}

/// When the argument at `range` starts its line and nothing but a comma and a comment follows
/// it up to the end of its line: the whole lines it spans, newline included.
fn own_lines(source: &str, range: TextRange) -> Option<TextRange> {
    let start = range.start().to_usize();
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if !source[line_start..start]
        .chars()
        .all(|c| c == ' ' || c == '\t')
        || line_start == 0
    {
        return None;
    }
    let rest = &source[range.end().to_usize()..];
    let line_len = rest.find(['\n', '\r'])?;
    let tail = rest[..line_len].trim_start();
    let tail = tail.strip_prefix(',').unwrap_or(tail).trim_start();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    let newline_len = if rest[line_len..].starts_with("\r\n") {
        2
    } else {
        1
    };
    let end = range.end().to_usize() + line_len + newline_len;
    Some(TextRange::new(
        TextSize::try_from(line_start).ok()?,
        TextSize::try_from(end).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_ast::Expr;
    use ruff_python_parser::parse_expression;

    /// Applies `edit_for(call arguments)` to `source` (one call expression).
    fn edit(source: &str, name: &str, remove: bool) -> Option<String> {
        let parsed = parse_expression(source).unwrap();
        let Expr::Call(call) = &*parsed.syntax().body else {
            panic!("not a call")
        };
        let keyword = call.arguments.find_keyword(name).unwrap();
        let edit = if remove {
            remove_argument(source, &call.arguments, keyword.range())?
        } else {
            rename_keyword(keyword, "close_timeout")?
        };
        let mut out = source.to_string();
        out.replace_range(
            edit.range.start().to_usize()..edit.range.end().to_usize(),
            &edit.content,
        );
        Some(out)
    }

    #[test]
    fn renames_only_the_identifier() {
        assert_eq!(
            edit("connect(uri, timeout = 5)", "timeout", false).as_deref(),
            Some("connect(uri, close_timeout = 5)")
        );
    }

    #[test]
    fn removes_on_one_line() {
        let cases = [
            ("f(a, loop=l, b=1)", "f(a, b=1)"),
            ("f(a, loop=l)", "f(a)"),
            ("f(a, loop=l,)", "f(a,)"),
            ("f(loop=l)", "f()"),
            ("f(loop=l, b=1)", "f(b=1)"),
            ("f(a, loop=(l), **kw)", "f(a, **kw)"),
            ("f((a), loop=l)", "f((a))"),
        ];
        for (source, want) in cases {
            assert_eq!(
                edit(source, "loop", true).as_deref(),
                Some(want),
                "{source}"
            );
        }
    }

    #[test]
    fn removes_in_multi_line_calls() {
        let cases = [
            (
                "f(\n    a,\n    loop=l,  # the loop\n    b=1,\n)",
                "f(\n    a,\n    b=1,\n)",
            ),
            ("f(\n    a,\n    loop=l,  # c\n)", "f(\n    a,\n)"),
            ("f(\n    a,\n    loop=l\n)", "f(\n    a,\n)"),
            ("f(\n    a,\n    loop=l)", "f(\n    a)"),
            ("f(a,\r\n  loop=l,\r\n  b=1)", "f(a,\r\n  b=1)"),
            ("f(\n    loop=l,  # only\n)", "f()"),
        ];
        for (source, want) in cases {
            assert_eq!(
                edit(source, "loop", true).as_deref(),
                Some(want),
                "{source:?}"
            );
        }
    }

    #[test]
    fn keeps_comments_and_refuses_what_it_cannot_edit() {
        // A comment between the previous argument and the last one: the comma is not adjacent.
        assert_eq!(
            edit("f(a,  # c\n  b, loop=l)", "loop", true).as_deref(),
            Some("f(a,  # c\n  b)")
        );
        assert_eq!(edit("f(a, loop=l  # c\n  , b=1)", "loop", true), None);
    }
}
