//! Connection inference on small programs: each test names the line of interest with a
//! `# <-` marker and asks what the model says about the expression `ws` there.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, Stmt};
use ruff_python_parser::parse_module;
use ruff_text_size::Ranged;

use super::*;

/// Finds every attribute access `<x>.probe` and reports what the model says about `<x>`.
fn probe(source: &str) -> Vec<Option<(Implementation, Side)>> {
    let parsed = parse_module(source).unwrap();
    let model = SemanticModel::build(parsed.syntax());
    let mut finder = Finder {
        model: &model,
        frames: vec![Frame {
            scope: ScopeKey::MODULE,
            kind: FrameKind::Module,
            class: None,
        }],
        classes: Vec::new(),
        found: Vec::new(),
    };
    finder.visit_body(&parsed.syntax().body);
    finder.found
}

struct Finder<'m, 'a> {
    model: &'m SemanticModel<'a>,
    frames: Vec<Frame>,
    classes: Vec<ClassKey>,
    found: Vec<Option<(Implementation, Side)>>,
}

impl<'a> Visitor<'a> for Finder<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                let in_class = matches!(self.frames.last().map(|f| f.kind), Some(FrameKind::Class));
                self.frames.push(Frame {
                    scope: ScopeKey::of_stmt(stmt),
                    kind: FrameKind::Function {
                        is_async: def.is_async,
                    },
                    class: if in_class {
                        self.classes.last().copied()
                    } else {
                        None
                    },
                });
                walk_stmt(self, stmt);
                self.frames.pop();
            }
            Stmt::ClassDef(_) => {
                self.classes.push(ClassKey::of_stmt(stmt));
                self.frames.push(Frame {
                    scope: ScopeKey::of_stmt(stmt),
                    kind: FrameKind::Class,
                    class: None,
                });
                walk_stmt(self, stmt);
                self.frames.pop();
                self.classes.pop();
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Attribute(attr) = expr {
            if attr.attr.as_str() == "probe" {
                let c = self.model.connection(&attr.value, &self.frames);
                self.found.push(c.map(|c| (c.implementation, c.side)));
            }
        }
        if let Expr::Lambda(_) = expr {
            self.frames.push(Frame {
                scope: ScopeKey::at(expr.start()),
                kind: FrameKind::Lambda,
                class: self.frames.last().and_then(|f| f.class),
            });
            walk_expr(self, expr);
            self.frames.pop();
            return;
        }
        walk_expr(self, expr);
    }
}

const NEW_CLIENT: Option<(Implementation, Side)> = Some((Implementation::New, Side::Client));
const NEW_SERVER: Option<(Implementation, Side)> = Some((Implementation::New, Side::Server));
const LEGACY_CLIENT: Option<(Implementation, Side)> = Some((Implementation::Legacy, Side::Client));
const LEGACY_SERVER: Option<(Implementation, Side)> = Some((Implementation::Legacy, Side::Server));

#[test]
fn client_connections() {
    let found = probe(
        r#"
import websockets
from websockets.legacy.client import connect as legacy_connect

async def a():
    async with websockets.connect("ws://x") as ws:
        ws.probe
async def b():
    ws = await legacy_connect("ws://x")
    ws.probe
async def c():
    async for ws in websockets.connect("ws://x"):
        ws.probe
async def d():
    ws = open("f")
    ws.probe
"#,
    );
    assert_eq!(found, vec![NEW_CLIENT, LEGACY_CLIENT, NEW_CLIENT, None]);
}

#[test]
fn handlers_given_to_serve() {
    let found = probe(
        r#"
import functools
import websockets
from websockets.server import serve

async def handler(websocket, path):
    websocket.probe
    path.probe

class App:
    async def on_connect(self, conn):
        conn.probe
        self.probe

async def extra(broker, ws, path):
    ws.probe

async def main(app):
    async with websockets.serve(handler, "", 0):
        pass
    await serve(app.on_connect, "", 0)
    await serve(functools.partial(extra, 1), "", 0)
    await serve(handler=lambda ws: ws.probe, host="", port=0)
"#,
    );
    // `handler` is given to both a new and a legacy serve: the first one seen wins.
    assert_eq!(found[1], None, "path is not a connection");
    assert!(found[0].is_some());
    assert_eq!(found[2], LEGACY_SERVER);
    assert_eq!(found[3], None, "self of a plain class");
    assert_eq!(found[4], LEGACY_SERVER);
    assert_eq!(found[5], LEGACY_SERVER);
}

#[test]
fn annotations_subclasses_and_attributes() {
    let found = probe(
        r#"
from typing import Optional
import websockets
from websockets.legacy.server import WebSocketServerProtocol
from websockets.asyncio.client import ClientConnection

def f(a: WebSocketServerProtocol, b: Optional["ClientConnection"], c: "int", d: ClientConnection | None):
    a.probe
    b.probe
    c.probe
    d.probe

class P(WebSocketServerProtocol):
    def hook(self):
        self.probe

class Client:
    async def start(self):
        self.ws = await websockets.connect("ws://x")
    async def stop(self):
        self.ws.probe
        self.other.probe
"#,
    );
    assert_eq!(
        found,
        vec![
            LEGACY_SERVER,
            NEW_CLIENT,
            None,
            NEW_CLIENT,
            LEGACY_SERVER,
            NEW_CLIENT,
            None
        ]
    );
}

#[test]
fn collections_of_connections() {
    let found = probe(
        r#"
import websockets
CLIENTS = set()

async def handler(ws):
    CLIENTS.add(ws)

def broadcast_all():
    for c in CLIENTS.copy():
        c.probe
    for x in range(3):
        x.probe

async def main():
    async with websockets.serve(handler, "", 0):
        pass
"#,
    );
    assert_eq!(found, vec![NEW_SERVER, None]);
}

#[test]
fn unrelated_objects_are_not_connections() {
    let found = probe(
        r#"
import aiohttp
from starlette.websockets import WebSocket

async def f(session: aiohttp.ClientSession, w: WebSocket):
    async with session.ws_connect("x") as ws:
        ws.probe
    w.probe

async def handler(websocket, path):
    websocket.probe
"#,
    );
    assert_eq!(found, vec![None, None, None]);
}

#[test]
fn comprehension_variables_over_collections_are_connections() {
    let found = probe(
        r#"
import websockets
CLIENTS = set()

async def handler(ws):
    CLIENTS.add(ws)

def broadcast_all():
    [c.probe for c in CLIENTS if c.probe]
    {c: c.probe for c in list(CLIENTS)}
    [(lambda c: c.probe) for c in CLIENTS]
    [x.probe for x in range(3)]
    c.probe

async def main():
    async with websockets.serve(handler, "", 0):
        pass
"#,
    );
    assert_eq!(
        found,
        vec![NEW_SERVER, NEW_SERVER, NEW_SERVER, None, None, None]
    );
}

#[test]
fn handler_bound_to_a_name_first() {
    let found = probe(
        r#"
import functools
import websockets

async def handler(ws, path, *, room):
    ws.probe

async def main():
    bound = functools.partial(handler, room="lobby")
    async with websockets.serve(bound, "", 0):
        pass
"#,
    );
    assert_eq!(found[0], Some((Implementation::New, Side::Server)));
}

#[test]
fn legacy_subclass_origin_is_the_import_that_must_switch() {
    let source = "from websockets.legacy.server import WebSocketServerProtocol\n\
                  import websockets\n\
                  class A(WebSocketServerProtocol): pass\n\
                  class B(A): pass\n\
                  class C(websockets.WebSocketServerProtocol): pass\n";
    let parsed = parse_module(source).unwrap();
    let model = SemanticModel::build(parsed.syntax());
    let import = parsed.syntax().body[0].range();
    let origins: Vec<_> = model
        .definitions
        .classes
        .iter()
        .map(|c| c.connection_base.and_then(|b| b.origin))
        .collect();
    let dotted = source.find("websockets.WebSocketServerProtocol").unwrap();
    assert_eq!(origins[0], Some(import));
    assert_eq!(origins[1], Some(import));
    assert_eq!(origins[2].map(|r| r.start().to_usize()), Some(dotted));
}

#[test]
fn isinstance_narrows_the_branch_only() {
    let found = probe(
        r#"
from websockets.legacy.client import WebSocketClientProtocol
from websockets.asyncio.server import ServerConnection

class Door:
    pass

def f(obj, other):
    if isinstance(obj, WebSocketClientProtocol) and obj.probe:
        obj.probe
        obj = Door()
        obj.probe
    elif isinstance(other, (ServerConnection,)):
        other.probe
    obj.probe
    if isinstance(other, Door):
        other.probe
"#,
    );
    assert_eq!(
        found,
        vec![LEGACY_CLIENT, LEGACY_CLIENT, None, NEW_SERVER, None, None]
    );
}

#[test]
fn connections_returned_by_functions_and_methods() {
    let found = probe(
        r#"
import websockets

async def open_client(uri):
    return await websockets.connect(uri)

class Pool:
    def __init__(self):
        self.ws = None
    async def acquire(self):
        ws = await websockets.connect("ws://x")
        return ws
    def current(self):
        return self.ws
    @classmethod
    async def open(cls):
        return await websockets.connect("ws://x")

async def main(pool: Pool):
    a = await open_client("ws://x")
    a.probe
    b = open_client("ws://x")
    b.probe
    c = await Pool().acquire()
    p = Pool()
    d = await p.acquire()
    d.probe
    pool.current().probe
    e = await Pool.open()
    e.probe
"#,
    );
    assert_eq!(found, vec![NEW_CLIENT, None, NEW_CLIENT, None, NEW_CLIENT]);
}

#[test]
fn classes_named_by_type_annotations_and_subclasses() {
    let source = r#"
from websockets.legacy.client import Connect, WebSocketClientProtocol

class Retrying(Connect):
    pass

class Tracing(WebSocketClientProtocol):
    def connection_made(self, transport):
        pass

class Door:
    pass

Alias = Tracing

def f(a: type[Connect], b: type[Door], c: "Door", d=Retrying, e: type[WebSocketClientProtocol] = Tracing):
    a; b; c; d; e; Alias; Retrying; Tracing
"#;
    let parsed = parse_module(source).unwrap();
    let model = SemanticModel::build(parsed.syntax());
    let Stmt::FunctionDef(def) = parsed.syntax().body.last().unwrap() else {
        panic!()
    };
    let kinds: Vec<Option<(ClassKind, Implementation, usize)>> = def
        .body
        .iter()
        .flat_map(|stmt| match stmt {
            Stmt::Expr(e) => vec![&*e.value],
            _ => vec![],
        })
        .map(|e| {
            model
                .websockets_class(e)
                .map(|c| (c.kind, c.implementation, c.methods.len()))
        })
        .collect();
    let connect = Some((ClassKind::Connect, Implementation::Legacy, 0));
    let client = ClassKind::Connection(Side::Client);
    assert_eq!(
        kinds,
        vec![
            connect,
            None,
            None,
            None, // A parameter's default is not what every caller passes.
            Some((client, Implementation::Legacy, 0)),
            Some((client, Implementation::Legacy, 1)),
            connect,
            Some((client, Implementation::Legacy, 1)),
        ]
    );
}

#[test]
fn functions_that_reach_connect() {
    let source = r#"
import websockets

async def dial(uri):
    return await websockets.connect(uri)

async def ping(uri):
    ws = await dial(uri)

async def idle():
    pass

async def main():
    await ping("ws://x")
    await idle()
"#;
    let parsed = parse_module(source).unwrap();
    let model = SemanticModel::build(parsed.syntax());
    let Stmt::FunctionDef(main) = parsed.syntax().body.last().unwrap() else {
        panic!()
    };
    let reached: Vec<Option<Implementation>> = main
        .body
        .iter()
        .map(|stmt| {
            let Stmt::Expr(e) = stmt else { panic!() };
            let Expr::Await(a) = &*e.value else { panic!() };
            model
                .reaches_connect(&a.value, &[])
                .map(|c| c.implementation)
        })
        .collect();
    assert_eq!(reached, vec![Some(Implementation::New), None]);
}
