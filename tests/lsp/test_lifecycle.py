"""The server's exit status over raw JSON-RPC: `shutdown` then `exit` is 0, `exit` alone 1."""

import json
import subprocess

from conftest import BIN, WORKSPACE


def frame(message) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read(stream):
    length = None
    while True:
        line = stream.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))


def session(*messages):
    server = subprocess.Popen(
        [BIN, "server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=WORKSPACE,
    )
    init = {"id": 1, "method": "initialize", "params": {"capabilities": {}, "processId": None}}
    server.stdin.write(frame(init))
    server.stdin.flush()
    assert read(server.stdout)["id"] == 1
    server.stdin.write(frame({"method": "initialized", "params": {}}))
    answers = []
    for message in messages:
        server.stdin.write(frame(message))
        server.stdin.flush()
        if "id" in message:
            answers.append(read(server.stdout))
    server.stdin.close()
    code = server.wait(timeout=30)
    return code, answers, server.stderr.read().decode()


def test_shutdown_then_exit_is_status_0():
    code, answers, stderr = session(
        {"id": 2, "method": "shutdown"},
        {"method": "exit"},
    )
    assert answers == [{"jsonrpc": "2.0", "id": 2, "result": None}]
    assert code == 0
    # Logs go to stderr, never into the protocol stream.
    assert "[wsmigrate server]" in stderr


def test_exit_without_shutdown_is_status_1():
    code, _, _ = session({"method": "exit"})
    assert code == 1
