//! What the model knows about websockets connections: the facts, and how an expression
//! creates one (`connect()`), names one (an annotation) or ties one to its legacy import.
//! The inference that attaches facts to bindings lives in `inference`.

use ruff_python_ast::{Expr, Operator};
use ruff_python_parser::parse_expression;
use ruff_text_size::{Ranged, TextRange};

use super::api::{self, Implementation, Side};
use super::external::ExternalFacts;
use super::imports::Imports;

/// What the model knows about an object that is a websockets connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Connection {
    pub implementation: Implementation,
    pub side: Side,
    /// For legacy connections: the source range of the legacy import that must switch for the
    /// new API to be available (a `from ... import` statement, or a dotted reference).
    pub origin: Option<TextRange>,
    /// The run's file that `origin` is a range of, when not this one (a connection whose
    /// legacy import lives in another module).
    pub origin_file: Option<u32>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// Taken out of a collection that receives connections.
    Collection,
    /// Annotated with a connection class.
    Annotation,
    /// `self` in a subclass of a connection class.
    Subclass,
    /// Created by `connect()` or received by a handler given to `serve()`.
    Creation,
}

/// The group key for a connection created through a legacy import: the `from ... import`
/// statement that binds the callee, or the dotted reference itself (`websockets.legacy.client.connect`).
pub fn legacy_origin(imports: &Imports, callee: &Expr) -> Option<TextRange> {
    match callee {
        Expr::Name(name) => imports.import_of(name).map(|b| b.stmt),
        Expr::Attribute(_) => Some(callee.range()),
        _ => None,
    }
}

/// What a connection-creating expression yields, if it is one. `awaited` / `entered` say how the
/// expression is used: a `connect()` call yields a connection only when awaited, entered with
/// `async with` or iterated with `async for`.
pub fn created_connection(imports: &Imports, expr: &Expr) -> Option<Connection> {
    let Expr::Call(call) = expr else { return None };
    // `await asyncio.wait_for(connect(uri), timeout)` gives what awaiting `connect()` gives.
    if let Some(inner) = awaited_inside(imports, call) {
        return created_connection(imports, inner);
    }
    let qualified = imports.resolve(&call.func)?;
    let implementation = api::connect_function(&qualified)?;
    let origin = match implementation {
        Implementation::Legacy => legacy_origin(imports, &call.func),
        Implementation::New => None,
    };
    Some(Connection {
        implementation,
        side: Side::Client,
        origin,
        evidence: Evidence::Creation,
        origin_file: None,
    })
}

/// The awaitable that awaiting `asyncio.wait_for(aw, ...)` or `asyncio.shield(aw)` awaits.
pub fn awaited_inside<'e>(
    imports: &Imports,
    call: &'e ruff_python_ast::ExprCall,
) -> Option<&'e Expr> {
    let func = imports.resolve_any(&call.func)?;
    if !matches!(func.as_str(), "asyncio.wait_for" | "asyncio.shield") {
        return None;
    }
    match call.arguments.args.first() {
        Some(first) if !first.is_starred_expr() => Some(first),
        Some(_) => None,
        None => call
            .arguments
            .keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| matches!(a.as_str(), "fut" | "arg"))
            })
            .map(|k| &k.value),
    }
}

/// The connection class an annotation names: `X`, `"X"`, `Optional[X]`, `Union[X, None]`,
/// `X | None`; `X` a websockets class or (through `external`) a connection class of another
/// module.
pub fn annotated_connection(
    imports: &Imports,
    external: Option<&ExternalFacts>,
    annotation: &Expr,
) -> Option<Connection> {
    match annotation {
        Expr::Name(_) | Expr::Attribute(_) => {
            let Some(qualified) = imports.resolve(annotation) else {
                let qualified = imports.resolve_any(annotation)?;
                return external?.class(&qualified)?.connection();
            };
            let (implementation, side) = api::connection_class(&qualified)?;
            let origin = match implementation {
                Implementation::Legacy => legacy_origin(imports, annotation),
                Implementation::New => None,
            };
            Some(Connection {
                implementation,
                side,
                origin,
                evidence: Evidence::Annotation,
                origin_file: None,
            })
        }
        Expr::StringLiteral(string) => {
            let parsed = parse_expression(string.value.to_str()).ok()?;
            // Ranges inside a string annotation are not file ranges: keep no origin.
            annotated_connection(imports, external, &parsed.syntax().body)
                .map(|c| Connection { origin: None, ..c })
        }
        Expr::Subscript(sub) => {
            let head = imports_name(&sub.value)?;
            if !matches!(
                head,
                "Optional" | "Union" | "ClassVar" | "Final" | "Annotated"
            ) {
                return None;
            }
            if head == "Annotated" {
                let Expr::Tuple(tuple) = &*sub.slice else {
                    return None;
                };
                return annotated_connection(imports, external, tuple.elts.first()?);
            }
            match &*sub.slice {
                Expr::Tuple(tuple) => {
                    union_connection(imports, external, tuple.elts.iter().collect())
                }
                other => annotated_connection(imports, external, other),
            }
        }
        Expr::BinOp(binop) if binop.op == Operator::BitOr => {
            let mut members = Vec::new();
            bit_or_members(annotation, &mut members);
            union_connection(imports, external, members)
        }
        _ => None,
    }
}

/// A union proves a connection only when each of its members is one (or `None`):
/// `Union[WebSocketClientProtocol, aiohttp.ClientSession]` may hold either, and the session's
/// `closed` is not the connection's.
fn union_connection(
    imports: &Imports,
    external: Option<&ExternalFacts>,
    members: Vec<&Expr>,
) -> Option<Connection> {
    let mut found = None;
    for member in members {
        if member.is_none_literal_expr() {
            continue;
        }
        let connection = annotated_connection(imports, external, member)?;
        found.get_or_insert(connection);
    }
    found
}

/// The members of `A | B | None`.
fn bit_or_members<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::BinOp(binop) if binop.op == Operator::BitOr => {
            bit_or_members(&binop.left, out);
            bit_or_members(&binop.right, out);
        }
        other => out.push(other),
    }
}

/// `Optional` for `Optional`, `typing.Optional`, `t.Optional`.
fn imports_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attr) => Some(attr.attr.as_str()),
        _ => None,
    }
}
