#!/usr/bin/env python3
"""Latency of `wsmigrate server`: time from sending a `didChange` on a 2,000-line legacy module
to receiving the `publishDiagnostics` for that version. Standard library only.

    python3 benches/lsp_latency.py [BINARY] [--changes N] [--lines N] [--project]

BINARY defaults to the first of target/{dist,release,debug}/wsmigrate that exists. Each
change is one incremental edit (a character typed into a line), sent after the previous
change's diagnostics arrived, so each sample is one full lint of the document.

With --project the workspace is a project: another module, `app.py`, serves the document's
first handler with the legacy `serve()`, so each change also updates the project index (the
document's summary, propagation, the fix group spanning both files) before the lint.
"""

import argparse
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

BLOCK = '''

async def handler_{n}(ws, path):
    """Echo, with the legacy API all over."""
    if ws.open:
        print(ws.remote_address, ws.request_headers)
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed as exc:
        print(exc.code, exc.reason)
    finally:
        if ws.closed:
            ws.fail_connection(1011, "bye")


async def client_{n}():
    async with websockets.connect("ws://localhost:{n}", extra_headers={{"a": "b"}}) as ws:
        await ws.send("hello")
        reply = await ws.recv()
        return len(reply) + {n}
'''


APP = """\
import asyncio

from websockets.legacy.server import serve

from legacy_module import handler_0


async def main():
    async with serve(handler_0, "localhost", 8765):
        await asyncio.Future()
"""


def module(lines: int) -> str:
    head = "import asyncio\nimport websockets\nfrom websockets.legacy.server import serve\n"
    text, n = head, 0
    while text.count("\n") < lines:
        text += BLOCK.format(n=n)
        n += 1
    return "\n".join(text.split("\n")[:lines]) + "\n"


class Server:
    def __init__(self, binary: str, cwd: str):
        self.proc = subprocess.Popen(
            [binary, "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
        )
        self.next_id = 0

    def send(self, message):
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def read(self):
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError("server closed its output")
            if line == b"\r\n":
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.next_id:
                return message

    def diagnostics(self, uri, version):
        while True:
            message = self.read()
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and message["params"]["uri"] == uri
                and message["params"].get("version") == version
            ):
                return message["params"]["diagnostics"]


def main():
    parser = argparse.ArgumentParser()
    built = [ROOT / f"target/{p}/wsmigrate" for p in ("dist", "release", "debug")]
    default = next((b for b in built if b.is_file()), built[-1])
    parser.add_argument("binary", nargs="?", default=str(default))
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--project", action="store_true")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="wsmigrate-lsp-bench-")
    (pathlib.Path(work) / ".git").mkdir()
    path = pathlib.Path(work) / "legacy_module.py"
    text = module(args.lines)
    path.write_text(text)
    uri = path.as_uri()
    if args.project:
        (pathlib.Path(work) / "app.py").write_text(APP)

    args.binary = str(pathlib.Path(args.binary).resolve())
    server = Server(args.binary, work)
    server.request("initialize", {"processId": None, "rootUri": pathlib.Path(work).as_uri(), "capabilities": {}})
    server.send({"method": "initialized", "params": {}})
    t0 = time.perf_counter()
    server.send(
        {
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        }
    )
    found = server.diagnostics(uri, 1)
    open_ms = (time.perf_counter() - t0) * 1000

    samples = []
    line = 5  # inside the first handler's body
    for version in range(2, args.changes + 2):
        change = {
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "text": " " if version % 2 == 0 else "",
        }
        if version % 2 == 1:  # undo the previous insertion
            change["range"]["end"]["character"] = 1
        t0 = time.perf_counter()
        server.send(
            {
                "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            }
        )
        server.diagnostics(uri, version)
        samples.append((time.perf_counter() - t0) * 1000)

    server.request("shutdown", None)
    server.send({"method": "exit"})
    code = server.proc.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)

    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    print(f"binary: {args.binary}" + (" (project: served from app.py)" if args.project else ""))
    print(f"document: {text.count(chr(10))} lines, {len(text)} bytes, {len(found)} diagnostics")
    print(f"didOpen -> publishDiagnostics: {open_ms:.1f} ms")
    print(
        f"didChange -> publishDiagnostics over {len(samples)} changes: "
        f"median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms"
    )
    print(f"server exit status: {code}")
    if len(found) == 0 or code != 0:
        sys.exit("unexpected: no diagnostics or a non-zero exit status")


if __name__ == "__main__":
    main()
