#!/usr/bin/env python3
"""Deterministic corpus builder for the wsmigrate benchmark (benches/run.sh).

Subcommands (all write a manifest JSON next to the output directory):

  irrelevant OUT            copy every regular .py file of this interpreter's
                            stdlib + site-packages (purelib) into OUT
  relevant OUT --source DIR every file of DIR (the irrelevant corpus) with
                            one of several legacy websockets snippets appended
  scale OUT --source DIR --files N
                            N files made of repeated copies of DIR

No randomness is used anywhere: file order is sorted, and the snippet a file
gets is its index in that order modulo the number of snippets.
"""

import argparse
import ast
import hashlib
import json
import os
import shutil
import sys
import sysconfig

# Directory names that ruff (and often other tools) skip by default; a corpus
# path component with one of these names would silently hide files from one
# tool and not another, so they are renamed when copying.
EXCLUDED_NAMES = {
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg",
    ".ipynb_checkpoints", ".mypy_cache", ".nox", ".pants.d", ".pyenv",
    ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist",
    "node_modules", "site-packages", "venv", "target", "node_modules",
}


def sanitize(component):
    if component in EXCLUDED_NAMES or component.startswith("."):
        return "x_" + component.lstrip(".")
    return component


def sanitize_rel(rel):
    return os.path.join(*[sanitize(c) for c in rel.split(os.sep)])


def list_py(root):
    """Sorted relative paths of regular (non-symlink) .py files under root."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in filenames:
            if not name.endswith(".py"):
                continue
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            out.append(os.path.relpath(full, root))
    out.sort()
    return out


def fresh_dir(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)


class Manifest:
    def __init__(self, kind):
        self.kind = kind
        self.files = 0
        self.bytes = 0
        self.h = hashlib.sha256()
        self.extra = {}

    def add(self, rel, data):
        self.files += 1
        self.bytes += len(data)
        self.h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        self.h.update(hashlib.sha256(data).digest())

    def write(self, out_dir):
        doc = {
            "kind": self.kind,
            "files": self.files,
            "bytes": self.bytes,
            "mb": round(self.bytes / 1e6, 1),
            "sha256": self.h.hexdigest(),
            "python": sys.version.split()[0],
        }
        doc.update(self.extra)
        with open(out_dir.rstrip("/") + ".manifest.json", "w") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"{self.kind}: {self.files} files, {doc['mb']} MB, sha256 {doc['sha256'][:16]}")


def write_file(out, rel, data, manifest):
    dst = os.path.join(out, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "wb") as f:
        f.write(data)
    manifest.add(rel, data)


# --------------------------------------------------------------------------
# mostly irrelevant


def cmd_irrelevant(args):
    paths = sysconfig.get_paths()
    stdlib = os.path.realpath(paths["stdlib"])
    purelib = os.path.realpath(paths["purelib"])
    roots = [("stdlib", stdlib)]
    if not (purelib + os.sep).startswith(stdlib + os.sep):
        roots.append(("purelib", purelib))
    fresh_dir(args.out)
    m = Manifest("mostly-irrelevant")
    m.extra["roots"] = [r for _, r in roots]
    for label, root in roots:
        for rel in list_py(root):
            with open(os.path.join(root, rel), "rb") as f:
                data = f.read()
            write_file(args.out, os.path.join(label, sanitize_rel(rel)), data, m)
    m.extra["files_mentioning_websockets"] = count_mentions(args.out)
    m.write(args.out)


def count_mentions(root):
    n = 0
    for rel in list_py(root):
        with open(os.path.join(root, rel), "rb") as f:
            if b"websockets" in f.read():
                n += 1
    return n


# --------------------------------------------------------------------------
# all relevant: every file of the source tree, a legacy snippet appended

# Shapes of legacy (websockets <= 13 asyncio) usage, appended at the end of a
# module, so that no file has to parse for it to be included (a file that does
# not parse is still read and parsed by every tool, and reported as such).
# They vary how websockets is bound (plain import, alias, from-imports, legacy
# submodules) and where connections come from (connect(), serve() handlers,
# collections of connections, protocol subclasses, callbacks), so no single
# fast path of the analysis is what the corpus measures. {i} and {port} make
# every appended block distinct.
SNIPPETS = [
    # 0: plain import, connect() with extra_headers, a path handler, serve()
    '''
import asyncio as _ws_asyncio_{i}
import websockets


async def ws_client_{i}(uri="ws://localhost:{port}/feed", h=None):
    h = h or {{"Authorization": "Bearer token-{i}"}}
    async with websockets.connect(uri, extra_headers=h) as ws:
        await ws.send("hello {i}")
        reply = await ws.recv()
        if not reply:
            ws.fail_connection(1011, "x")
        if ws.open:
            await ws.send(reply)
        return reply


async def ws_handler_{i}(websocket, path):
    async for message in websocket:
        await websocket.send(path + ":" + message)


async def ws_main_{i}():
    async with websockets.serve(ws_handler_{i}, "localhost", {port}):
        await _ws_asyncio_{i}.Future()
''',
    # 1: aliased module, a collection of connections, broadcast, closed/open
    '''
import websockets as wsl_{i}

WS_CLIENTS_{i} = set()


async def ws_register_{i}(websocket, path):
    WS_CLIENTS_{i}.add(websocket)
    try:
        async for message in websocket:
            wsl_{i}.broadcast(WS_CLIENTS_{i}, message)
    finally:
        WS_CLIENTS_{i}.discard(websocket)


def ws_count_open_{i}():
    return sum(1 for ws in WS_CLIENTS_{i} if ws.open and not ws.closed)


def ws_kick_all_{i}():
    for ws in list(WS_CLIENTS_{i}):
        ws.fail_connection(1001, "going away {i}")


def ws_start_{i}():
    return wsl_{i}.serve(ws_register_{i}, "0.0.0.0", {port}, extra_headers=[("X-Node", "{i}")])
''',
    # 2: from-imports with aliases, exceptions, handshake attributes
    '''
from websockets import connect as ws_connect_{i}
from websockets.exceptions import ConnectionClosed as WsClosed_{i}, InvalidStatusCode


async def ws_probe_{i}(uri, token="t{i}"):
    try:
        async with ws_connect_{i}(uri, extra_headers={{"X-Probe": token}}, timeout={i} % 7 + 1) as ws:
            await ws.send("ping")
            server = ws.response_headers.get("Server")
            return server, ws.remote_address, ws.path
    except InvalidStatusCode as exc:
        return "refused: %s" % exc.status_code
    except WsClosed_{i} as exc:
        return "closed: %s %s" % (exc.code, exc.reason)
''',
    # 3: a protocol subclass from the legacy package, hooks with old signatures
    '''
from websockets.legacy.server import WebSocketServerProtocol, serve as legacy_serve_{i}


class WsProtocol{i}(WebSocketServerProtocol):
    async def process_request(self, path, request_headers):
        if path == "/healthz/{i}":
            return 200, [], b"OK\\n"
        return None

    def select_subprotocol(self, client_subprotocols, server_subprotocols):
        return "chat.{i}"


async def ws_echo_{i}(websocket, path):
    await websocket.send(websocket.request_headers.get("User-Agent", path))


def ws_run_{i}(loop=None):
    return legacy_serve_{i}(ws_echo_{i}, "localhost", {port}, create_protocol=WsProtocol{i}, loop=loop)
''',
    # 4: a class keeping connections in a dict, process_request callback, basic auth
    '''
import websockets


class WsHub{i}:
    def __init__(self):
        self.peers = {{}}

    async def handler(self, websocket, path):
        self.peers[path] = websocket
        try:
            while websocket.open:
                msg = await websocket.recv()
                for peer in self.peers.values():
                    await peer.send(msg)
        finally:
            del self.peers[path]

    def close_all(self):
        for ws in self.peers.values():
            ws.fail_connection(1011, "hub {i} closing")


async def ws_health_{i}(path, request_headers):
    if path == "/healthz":
        return 200, [], b"OK\\n"


async def ws_serve_hub_{i}():
    hub = WsHub{i}()
    async with websockets.serve(
        hub.handler,
        "localhost",
        {port},
        process_request=ws_health_{i},
        create_protocol=websockets.basic_auth_protocol_factory(realm="r{i}", credentials=("u", "p")),
    ) as server:
        await server.wait_closed()
''',
    # 5: legacy client module, a list of connections, a lambda callback, removed arguments
    '''
import websockets.client
from websockets.legacy.client import WebSocketClientProtocol

WS_POOL_{i}: list = []


async def ws_dial_{i}(uris):
    for uri in uris:
        ws = await websockets.client.connect(uri, klass=WebSocketClientProtocol, legacy_recv=True)
        WS_POOL_{i}.append(ws)
    return [ws.local_address for ws in WS_POOL_{i} if not ws.closed]


def ws_drop_{i}():
    WS_POOL_{i}.sort(key=lambda ws: ws.open)
    while WS_POOL_{i}:
        WS_POOL_{i}.pop().fail_connection()
''',
]


def cmd_relevant(args):
    """Every .py file of SOURCE (the irrelevant corpus: the whole stdlib and
    site-packages), each with one snippet appended; nothing filtered out (no
    size limit, no parse check, no cap) and none of the project's fixtures."""
    fresh_dir(args.out)
    m = Manifest("all-relevant")
    per_snippet = [0] * len(SNIPPETS)
    cpython_fails = 0
    not_utf8 = 0
    for n, rel in enumerate(list_py(args.source)):
        with open(os.path.join(args.source, rel), "rb") as f:
            data = f.read()
        k = n % len(SNIPPETS)
        per_snippet[k] += 1
        if data and not data.endswith((b"\n", b"\r")):
            data += b"\n"
        data += SNIPPETS[k].format(i=n, port=8000 + n % 1000).encode("ascii")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
        try:
            compile(data, rel, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            cpython_fails += 1
        write_file(args.out, rel, data, m)
    m.extra["snippets"] = len(SNIPPETS)
    m.extra["files_per_snippet"] = per_snippet
    # What every tool must do with these: a file that is not UTF-8 cannot be
    # parsed by ruff or wsmigrate; one CPython rejects is still parsed (and
    # reported) by both.
    m.extra["files_not_utf8"] = not_utf8
    m.extra["files_cpython_rejects"] = cpython_fails
    m.write(args.out)


# --------------------------------------------------------------------------
# scaling copies


def cmd_scale(args):
    src_files = list_py(args.source)
    if not src_files:
        sys.exit(f"no .py files under {args.source}")
    # hash order, so that a prefix (the 1k point) has the corpus' mix of files
    src_files.sort(key=lambda r: hashlib.sha1(r.encode("utf-8", "surrogateescape")).hexdigest())
    fresh_dir(args.out)
    m = Manifest(f"scale-{args.files}")
    for j in range(args.files):
        rel = src_files[j % len(src_files)]
        copy = j // len(src_files)
        dst_rel = os.path.join(f"c{copy:03d}", rel)
        dst = os.path.join(args.out, dst_rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        srcp = os.path.join(args.source, rel)
        if args.hardlink:
            os.link(srcp, dst)
        else:
            shutil.copyfile(srcp, dst)
        m.files += 1
        m.bytes += os.path.getsize(dst)
        m.h.update(dst_rel.encode("utf-8", "surrogateescape") + b"\0")  # names only
    m.extra["hardlinked"] = bool(args.hardlink)
    m.extra["copies_of"] = args.source
    m.write(args.out)


def cmd_probe(args):
    """A single small legacy module: wsmigrate must report something on it."""
    fresh_dir(args.out)
    src = '"""probe"""\n' + SNIPPETS[0].format(i=0, port=8765)
    with open(os.path.join(args.out, "legacy_probe.py"), "w") as f:
        f.write(src)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("irrelevant")
    a.add_argument("out")
    b = sub.add_parser("relevant")
    b.add_argument("out")
    b.add_argument("--source", required=True)
    c = sub.add_parser("scale")
    c.add_argument("out")
    c.add_argument("--source", required=True)
    c.add_argument("--files", type=int, required=True)
    c.add_argument("--hardlink", action="store_true")
    d = sub.add_parser("probe")
    d.add_argument("out")
    args = p.parse_args()
    {"irrelevant": cmd_irrelevant, "relevant": cmd_relevant, "scale": cmd_scale,
     "probe": cmd_probe}[args.cmd](args)


if __name__ == "__main__":
    main()
