#!/usr/bin/env python3
"""Deterministic corpus builder for the wsmigrate benchmark (benches/run.sh).

Subcommands (all write a manifest JSON next to the output directory):

  irrelevant OUT            copy every regular .py file of this interpreter's
                            stdlib + site-packages (purelib) into OUT
  relevant OUT --source DIR stdlib/site-packages modules (taken from DIR, the
                            irrelevant corpus) with legacy websockets usage
                            injected, plus fixtures/**/*.py, until both
                            --min-files and --min-mb are reached
  scale OUT --source DIR --files N
                            N files made of repeated copies of DIR

No randomness is used anywhere: file order is sorted, and the "mix" of
stdlib / site-packages modules in the relevant corpus comes from ordering by
the SHA-1 of the relative path.
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


# fixtures/ subdirectories holding migrated (non-legacy) code: not used.
NOT_LEGACY_DIRS = {"expected", "after", "migrated", "output", "snapshots", "golden"}


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
# all relevant

IMPORTS = "import asyncio\nimport websockets\n"

# Three realistic shapes of legacy (websockets <= 13 asyncio) usage. {i} and
# {port} make every injected block distinct.
TEMPLATES = [
    '''

# --- legacy websockets usage ---


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


async def handler(websocket, path):
    async for message in websocket:
        await websocket.send(path + ":" + message)


async def ws_main_{i}():
    async with websockets.serve(handler, "localhost", {port}):
        await asyncio.Future()
''',
    '''

# --- legacy websockets usage ---


async def handler(websocket, path):
    if path != "/chat/{i}":
        websocket.fail_connection(1008, "bad path")
        return
    while websocket.open:
        msg = await websocket.recv()
        await websocket.send(msg.upper())


async def ws_poll_{i}(uri, h):
    async with websockets.connect(uri, extra_headers=h, ping_interval=None) as ws:
        try:
            return await asyncio.wait_for(ws.recv(), timeout={i} % 7 + 1)
        except asyncio.TimeoutError:
            ws.fail_connection(1011, "x")
            if ws.open:
                await ws.close()


def ws_start_{i}(loop=None):
    server = websockets.serve(handler, "0.0.0.0", {port}, extra_headers=[("X-Node", "{i}")])
    return asyncio.get_event_loop().run_until_complete(server)
''',
    '''

# --- legacy websockets usage ---


class WsClient{i}:
    def __init__(self, uri="wss://example.invalid:{port}/stream/{i}"):
        self.uri = uri
        self.headers = {{"X-Request-Id": "{i}"}}

    async def run(self):
        async with websockets.connect(self.uri, extra_headers=self.headers) as ws:
            async for frame in ws:
                if frame == "bye":
                    ws.fail_connection(1011, "x")
                    break
            if ws.open:
                await ws.send("done")


async def handler(websocket, path):
    name = await websocket.recv()
    await websocket.send(f"hello {{name}} on {{path}}")


async def ws_serve_{i}():
    async with websockets.serve(handler, "localhost", {port}) as server:
        await server.wait_closed()
''',
]


def header_insert_line(tree):
    """1-based line before which the imports go: after the module docstring
    and any `from __future__` imports."""
    body = tree.body
    idx = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        idx = 1
    while idx < len(body) and isinstance(body[idx], ast.ImportFrom) and body[idx].module == "__future__":
        idx += 1
    if idx < len(body):
        return body[idx].lineno, True
    return None, False


def inject(src, i):
    """Return the injected source (str) or None if src is not suitable."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = src.splitlines(keepends=True)
    line, ok = header_insert_line(tree)
    if ok:
        # the statement might share its line with the previous one (`a; b`);
        # insertion then could break code, so check the result below.
        lines.insert(line - 1, IMPORTS)
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(IMPORTS)
    out = "".join(lines)
    if not out.endswith("\n"):
        out += "\n"
    out += TEMPLATES[i % len(TEMPLATES)].format(i=i, port=8000 + i % 1000)
    try:
        ast.parse(out)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return out


def cmd_relevant(args):
    fresh_dir(args.out)
    m = Manifest("all-relevant")
    min_bytes = int(args.min_mb * 1e6)

    # 1. fixtures (the project's own legacy-style modules), replicated.
    fixture_files = []
    if args.fixtures and os.path.isdir(args.fixtures):
        for rel in list_py(args.fixtures):
            # expected/ (and similar) hold the migrated versions, not legacy code
            if set(rel.split(os.sep)[:-1]) & NOT_LEGACY_DIRS:
                continue
            with open(os.path.join(args.fixtures, rel), "rb") as f:
                data = f.read()
            try:
                ast.parse(data)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            fixture_files.append((rel, data))
    n_fixture = 0
    if fixture_files:
        reps = max(1, args.fixture_share // len(fixture_files))
        for r in range(reps):
            for rel, data in fixture_files:
                write_file(args.out, os.path.join("fixtures", f"rep{r:03d}", sanitize_rel(rel)), data, m)
                n_fixture += 1
    m.extra["fixture_files_distinct"] = len(fixture_files)
    m.extra["fixture_files_written"] = n_fixture

    # 2. stdlib / site-packages modules with websockets usage injected.
    src_files = list_py(args.source)
    src_files.sort(key=lambda r: hashlib.sha1(r.encode("utf-8", "surrogateescape")).hexdigest())
    candidates = []
    skipped = 0
    i = 0
    cycle = 0
    while m.files < args.min_files or m.bytes < min_bytes:
        if cycle == 0:
            if i >= len(src_files):
                cycle = 1
                i = 0
                if not candidates:
                    sys.exit("no usable source modules")
                continue
            rel = src_files[i]
            i += 1
            size = os.path.getsize(os.path.join(args.source, rel))
            if size < args.min_kb * 1024 or size > args.max_kb * 1024:
                skipped += 1
                continue
            with open(os.path.join(args.source, rel), "rb") as f:
                raw = f.read()
            try:
                src = raw.decode("utf-8")
            except UnicodeDecodeError:
                skipped += 1
                continue
            out = inject(src, m.files)
            if out is None:
                skipped += 1
                continue
            candidates.append((rel, src))
            write_file(args.out, os.path.join("mods", rel), out.encode("utf-8"), m)
        else:
            # source exhausted: cycle through the accepted modules again,
            # under copyN/, with a different injection index.
            rel, src = candidates[i % len(candidates)]
            cyc = 1 + i // len(candidates)
            i += 1
            out = inject(src, m.files)
            write_file(args.out, os.path.join(f"copy{cyc}", rel), out.encode("utf-8"), m)
    m.extra["source_modules_used"] = len(candidates)
    m.extra["source_modules_skipped"] = skipped
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
    src = '"""probe"""\n' + IMPORTS + TEMPLATES[0].format(i=0, port=8765)
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
    b.add_argument("--fixtures")
    b.add_argument("--min-files", type=int, default=5000)
    b.add_argument("--min-mb", type=float, default=50)
    b.add_argument("--min-kb", type=float, default=1)
    b.add_argument("--max-kb", type=float, default=512)
    b.add_argument("--fixture-share", type=int, default=500,
                   help="approximate number of corpus files taken by replicated fixtures")
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
