//! Reading HTTP headers written as literals: `{"Name": value}`, `[("Name", value)]`,
//! `(("Name", value),)`. Used by the `extra_headers=` rules (WS201, WS202).

use ruff_python_ast::Expr;

/// The `(name, value)` pairs of a header literal; `None` when it is not a literal whose names
/// are all string literals (a variable, `**` unpacking, a comprehension, ...).
pub fn header_pairs(value: &Expr) -> Option<Vec<(String, &Expr)>> {
    match value {
        Expr::Dict(dict) => dict
            .items
            .iter()
            .map(|item| Some((string(item.key.as_ref()?)?, &item.value)))
            .collect(),
        Expr::List(list) => list.elts.iter().map(pair).collect(),
        Expr::Tuple(tuple) => tuple.elts.iter().map(pair).collect(),
        _ => None,
    }
}

/// The value when the literal holds exactly one header, named `name` (case-insensitive).
pub fn lone_header<'a>(value: &'a Expr, name: &str) -> Option<&'a Expr> {
    match header_pairs(value)?.as_slice() {
        [(header, value)] if header.eq_ignore_ascii_case(name) => Some(value),
        _ => None,
    }
}

fn pair(element: &Expr) -> Option<(String, &Expr)> {
    match element {
        Expr::Tuple(t) if t.elts.len() == 2 => Some((string(&t.elts[0])?, &t.elts[1])),
        Expr::List(l) if l.elts.len() == 2 => Some((string(&l.elts[0])?, &l.elts[1])),
        _ => None,
    }
}

fn string(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        _ => None,
    }
}
