//! Scopes, bindings and resolution on small programs.

use ruff_python_parser::parse_module;

use super::*;
use crate::semantic::Imports;

/// What each read of `name` resolves to, in source order: the kind of binding, as a word.
fn reads_of(source: &str, name: &str, module: Option<&ModuleName>) -> Vec<String> {
    let parsed = parse_module(source).unwrap();
    let bindings = build(parsed.syntax(), module);
    let mut reads: Vec<_> = bindings.reads().filter(|(_, n, _)| *n == name).collect();
    reads.sort_by_key(|(r, _, _)| r.start());
    reads
        .into_iter()
        .map(|(_, _, id)| match id.map(|id| &bindings.binding(id).kind) {
            None => "unbound".to_string(),
            Some(BindingKind::Import(i)) => format!("import {}", i.qualified),
            Some(BindingKind::Parameter(_)) => "parameter".to_string(),
            Some(BindingKind::Function(_)) => "def".to_string(),
            Some(BindingKind::Assignment(_)) => "assignment".to_string(),
            Some(other) => format!("{other:?}")
                .split([' ', '(', '{'])
                .next()
                .unwrap()
                .to_string(),
        })
        .collect()
}

#[test]
fn parameters_and_locals_shadow_imports() {
    let source = "from websockets import serve\n\
                  def run(serve):\n    serve()\n\
                  def other():\n    serve()\n\
                  def local():\n    serve = 1\n    serve()\n";
    assert_eq!(
        reads_of(source, "serve", None),
        ["parameter", "import websockets.serve", "assignment"]
    );
}

#[test]
fn class_scope_is_not_visible_in_methods() {
    let source = "from websockets import connect\n\
                  class C:\n    def connect(self): pass\n    x = connect\n\
                  \n    async def run(self):\n        connect()\n";
    assert_eq!(
        reads_of(source, "connect", None),
        ["def", "import websockets.connect"]
    );
}

#[test]
fn rebinding_and_deferred_bodies() {
    let source = "ws = 1\nws\ndef f():\n    ws\nws = 2\nws = ws\n";
    let parsed = parse_module(source).unwrap();
    let bindings = build(parsed.syntax(), None);
    let mut reads: Vec<_> = bindings.reads().collect();
    reads.sort_by_key(|(r, _, _)| r.start());
    let positions: Vec<u32> = reads
        .iter()
        .map(|(_, _, id)| bindings.binding(id.unwrap()).range.start().to_u32())
        .collect();
    // Line 2 reads `ws = 1`; the function body (run later) the last binding; `ws = ws` the
    // binding before it.
    assert_eq!(positions, [0, 33, 26]);
}

#[test]
fn fallback_imports_keep_the_try_import() {
    let source = "try:\n    from websockets.legacy.client import connect\n\
                  except ImportError:\n    from websockets.asyncio.client import connect\n\
                  connect\n";
    assert_eq!(
        reads_of(source, "connect", None),
        ["import websockets.legacy.client.connect"]
    );
}

#[test]
fn a_none_placeholder_for_a_missing_module_keeps_the_try_import() {
    // Read at once and from a function body (which sees the last binding).
    let source = "try:\n    import websockets\nexcept ImportError:\n    websockets = None\n\
                  websockets\ndef f():\n    websockets\n";
    assert_eq!(
        reads_of(source, "websockets", None),
        ["import websockets", "import websockets"]
    );
}

#[test]
fn dotted_aliased_relative_and_star_imports() {
    let module = ModuleName {
        name: "pkg.app".into(),
        is_package: false,
    };
    let source = "import websockets.legacy.client as wlc\nimport a.b\n\
                  from websockets.legacy import client as x\nfrom .handlers import handle\n\
                  from .. import top\nfrom websockets import *\n\
                  wlc; a; x; handle; top; WebSocketServerProtocol; ServerConnection\n";
    let words: Vec<String> = ["wlc", "a", "x", "handle", "top"]
        .iter()
        .flat_map(|n| reads_of(source, n, Some(&module)))
        .collect();
    assert_eq!(
        words,
        [
            "import websockets.legacy.client",
            "import a",
            "import websockets.legacy.client",
            "import pkg.handlers.handle",
            // Climbs out of the top-level package: kept relative, resolves to nothing.
            "import ..top",
        ]
    );
    let parsed = parse_module(source).unwrap();
    let bindings = build(parsed.syntax(), Some(&module));
    let star = |name: &str| {
        bindings
            .reads()
            .find(|(_, n, _)| *n == name)
            .and_then(|(_, _, id)| bindings.binding(id?).import().and_then(|i| i.star))
    };
    assert_eq!(star("WebSocketServerProtocol"), Some(false));
    assert_eq!(star("ServerConnection"), Some(true));
}

#[test]
fn imports_resolve_per_read() {
    let source = "import functools\nfrom websockets import serve\n\
                  def run(serve):\n    serve\nfunctools.partial\nserve\n";
    let parsed = parse_module(source).unwrap();
    let imports = Imports::collect(parsed.syntax());
    let bindings = build(parsed.syntax(), None);
    let mut reads: Vec<_> = bindings.reads().collect();
    reads.sort_by_key(|(r, _, _)| r.start());
    let resolved: Vec<Option<String>> = reads
        .iter()
        .map(|(range, name, _)| {
            let expr = ruff_python_ast::Expr::Name(ruff_python_ast::ExprName {
                range: *range,
                node_index: Default::default(),
                id: (*name).into(),
                ctx: ruff_python_ast::ExprContext::Load,
            });
            imports.resolve_any(&expr)
        })
        .collect();
    assert_eq!(
        resolved,
        [
            None,
            Some("functools".into()),
            Some("websockets.serve".into())
        ]
    );
}

#[test]
fn reads_in_the_statement_list_of_their_binding_are_straight_line() {
    let source = "x = 1\nif c:\n    x = 2\n    x\nelse:\n    x\nx\nfor i in y:\n    x\n    x = 3\n";
    let parsed = parse_module(source).unwrap();
    let bindings = build(parsed.syntax(), None);
    let mut reads: Vec<_> = bindings.reads().filter(|(_, n, _)| *n == "x").collect();
    reads.sort_by_key(|(r, _, _)| r.start());
    let straight: Vec<bool> = reads
        .iter()
        .map(|(r, _, _)| bindings.reads_straight_line(*r))
        .collect();
    // In the `if` body after `x = 2`; not in `else` (reads `x = 1` from outside), not after the
    // `if` (either branch), not at the top of a loop body that rebinds `x` later.
    assert_eq!(straight, [true, false, false, false]);
}

#[test]
fn the_reads_of_a_binding_are_in_source_order_whatever_order_the_walk_saw_them() {
    // The walk visits a comprehension's generator before its element, a conditional's test
    // before its body, decorators before the `def`.
    let source = "a = b = 1\n[a + b for _ in (a, b)]\nx = a if b else a\n@a\ndef f(p=b):\n    return a, b, p\n";
    let parsed = parse_module(source).unwrap();
    let bindings = build(parsed.syntax(), None);
    let by_binding = &bindings.reads_by_binding;
    let mut sorted = by_binding.clone();
    sorted.sort_by_key(|(b, r)| (*b, r.start()));
    assert_eq!(*by_binding, sorted);
    assert_eq!(
        by_binding.len(),
        bindings.reads().filter(|(_, _, b)| b.is_some()).count()
    );
}
