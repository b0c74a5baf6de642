//! Names inside a string annotation (`ws: "WebSocketClientProtocol"`), at their positions in the
//! file, so that a rename reaches them as it reaches unquoted names.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::{Expr, ExprStringLiteral};
use ruff_text_size::{Ranged, TextRange};

/// The names (`Name` nodes) of the annotation in `string`, with their file ranges; empty when
/// the string's text does not map one to one onto its value (escapes, implicit concatenation)
/// or does not parse as an expression.
pub fn names_in(source: &str, string: &ExprStringLiteral) -> Vec<(String, TextRange)> {
    if string.value.is_implicit_concatenated() {
        return Vec::new();
    }
    let Some(part) = string.value.iter().next() else {
        return Vec::new();
    };
    let content = part.content_range();
    let text = &source[content];
    if text != string.value.to_str() || text.contains(['\n', '\r']) {
        return Vec::new();
    }
    let Ok(parsed) = ruff_python_parser::parse_expression(text) else {
        return Vec::new();
    };
    let mut names = Names(Vec::new());
    names.visit_expr(&parsed.syntax().body);
    names
        .0
        .into_iter()
        .map(|(id, range)| (id, range + content.start()))
        .collect()
}

struct Names(Vec<(String, TextRange)>);

impl<'a> Visitor<'a> for Names {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            self.0.push((name.id.to_string(), name.range()));
        }
        walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::names_in;
    use ruff_python_ast::Expr;

    fn names(source: &str) -> Vec<(String, String)> {
        let parsed = ruff_python_parser::parse_expression(source).unwrap();
        let Expr::StringLiteral(string) = &parsed.syntax().body.as_ref() else {
            panic!("not a string")
        };
        names_in(source, string)
            .into_iter()
            .map(|(id, r)| (id, source[r].to_string()))
            .collect()
    }

    #[test]
    fn maps_names_to_file_ranges() {
        assert_eq!(
            names("\"Optional[WebSocketClientProtocol]\""),
            [
                ("Optional", "Optional"),
                ("WebSocketClientProtocol", "WebSocketClientProtocol")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert!(names("'A' 'B'").is_empty());
        assert!(names("\"\\x41\"").is_empty());
        assert!(names("\"not valid(\"").is_empty());
    }
}
