//! Fixes a reviewer accepts, through the CLI: imports where a person would put them, renames that
//! reach string annotations, no import left unused by a fix.

mod common;

use std::fs;

use common::*;

fn fixed(name: &str, source: &str, extra: &[&str]) -> String {
    let dir = scratch(name);
    fs::write(dir.join("a.py"), source).unwrap();
    let mut args = vec!["check", "--fix", "--unsafe-fixes", "-q"];
    args.extend_from_slice(extra);
    args.push("a.py");
    let out = run(&dir, &args);
    assert!(code(&out) <= 1, "{}{}", stdout(&out), stderr(&out));
    fs::read_to_string(dir.join("a.py")).unwrap()
}

#[test]
fn a_new_websockets_import_joins_the_websockets_block_in_order() {
    let source = "\
import asyncio

import websockets
from websockets.server import ServerProtocol

from myapp import config


async def client():
    async with websockets.connect(config.URL) as ws:
        if ws.open:
            await asyncio.sleep(0)
";
    let out = fixed("place-block", source, &["--select", "WS002"]);
    assert!(
        out.starts_with(
            "import asyncio\n\nimport websockets\nfrom websockets.protocol import State\nfrom websockets.server import ServerProtocol\n\nfrom myapp import config\n"
        ),
        "{out}"
    );
}

#[test]
fn a_name_joins_an_existing_import_of_its_module_in_order_and_layout() {
    let source = "\
import websockets
from websockets.protocol import (
    Side,
    Zeta,
)


async def client():
    async with websockets.connect(\"ws://x\") as ws:
        return ws.closed, Side, Zeta
";
    let out = fixed("place-merge", source, &["--select", "WS002"]);
    assert!(
        out.starts_with(
            "import websockets\nfrom websockets.protocol import (\n    Side,\n    State,\n    Zeta,\n)\n"
        ),
        "{out}"
    );
}

#[test]
fn asyncio_goes_with_the_standard_library_not_after_third_party() {
    let source = "\
import logging

import websockets


class Watchdog:
    def __init__(self, ws: websockets.WebSocketClientProtocol):
        self.ws = ws

    def expire(self):
        self.ws.fail_connection(1001, \"timeout\")
";
    let out = fixed("place-stdlib", source, &["--select", "WS001"]);
    assert!(
        out.starts_with("import asyncio\nimport logging\n\nimport websockets\n"),
        "{out}"
    );
}

#[test]
fn a_use_inside_type_checking_is_imported_there_and_the_old_import_goes() {
    let source = "\
from typing import TYPE_CHECKING

from websockets.legacy import client

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

    def handler(ws: client.WebSocketClientProtocol) -> ServerConnection: ...
";
    let out = fixed("place-tc", source, &["--select", "WS102"]);
    assert_eq!(
        out,
        "\
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection
    from websockets.asyncio.server import ServerConnection

    def handler(ws: ClientConnection) -> ServerConnection: ...
"
    );
}

#[test]
fn renames_reach_string_annotations() {
    let source = "\
from websockets.legacy.client import WebSocketClientProtocol


def handle(ws: \"WebSocketClientProtocol\") -> \"list[WebSocketClientProtocol]\":
    return [ws]


def other(ws: WebSocketClientProtocol):
    return ws
";
    let out = fixed("string-annotations", source, &["--select", "WS101,WS102"]);
    assert_eq!(
        out,
        "\
from websockets.asyncio.client import ClientConnection


def handle(ws: \"ClientConnection\") -> \"list[ClientConnection]\":
    return [ws]


def other(ws: ClientConnection):
    return ws
"
    );
}

#[test]
fn an_import_the_fix_leaves_unused_is_removed_unless_a_string_names_it() {
    let source = "\
from websockets.legacy import client


def handler(ws: client.WebSocketClientProtocol):
    return ws


__all__ = [\"client\"]
";
    let out = fixed("unused", source, &["--select", "WS102"]);
    assert!(
        out.contains("\nfrom websockets.legacy import client\n"),
        "{out}"
    );
    assert!(out.contains("def handler(ws: ClientConnection):"), "{out}");
    // `client.connect` becomes `connect` from the new module: `client` is used no more.
    let source = "\
import asyncio

from websockets.legacy import client


async def main():
    return await client.connect(\"ws://x\")
";
    let out = fixed("unused-dotted", source, &["--select", "WS101"]);
    assert_eq!(
        out,
        "\
import asyncio

from websockets.asyncio.client import connect


async def main():
    return await connect(\"ws://x\")
"
    );
}

#[test]
fn a_task_created_by_a_fix_is_kept_and_timing_changes_are_said() {
    let source = "\
import websockets


class Watchdog:
    def __init__(self, ws: websockets.WebSocketClientProtocol):
        self.ws = ws

    def expire(self):
        self.ws.fail_connection(1001, \"timeout\")

    def again(self):
        self.ws.fail_connection(1001, \"again\")


async def main(ws: websockets.WebSocketClientProtocol):
    ws.fail_connection(1000, \"done\")
";
    let dir = scratch("task-kept");
    fs::write(dir.join("a.py"), source).unwrap();
    let out = run(
        &dir,
        &[
            "check",
            "--select",
            "WS001",
            "--output-format",
            "json",
            "a.py",
        ],
    );
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let titles: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fix"]["message"].as_str().unwrap())
        .collect();
    assert!(
        titles[0].contains("runs after this function returns"),
        "{titles:?}"
    );
    assert!(titles[2].contains("up to `close_timeout`"), "{titles:?}");
    let out = fixed("task-kept", source, &["--select", "WS001"]);
    assert_eq!(
        out,
        "\
import asyncio

import websockets

_background_tasks = set()


class Watchdog:
    def __init__(self, ws: websockets.WebSocketClientProtocol):
        self.ws = ws

    def expire(self):
        close_task = asyncio.create_task(self.ws.close(1001, \"timeout\"))
        _background_tasks.add(close_task)
        close_task.add_done_callback(_background_tasks.discard)

    def again(self):
        close_task = asyncio.create_task(self.ws.close(1001, \"again\"))
        _background_tasks.add(close_task)
        close_task.add_done_callback(_background_tasks.discard)


async def main(ws: websockets.WebSocketClientProtocol):
    await ws.close(1000, \"done\")
"
    );
}

const LONG: &str = "\
import logging

import websockets

log = logging.getLogger(__name__)


async def main(ws):
    try:
        await ws.recv()
    except websockets.ConnectionClosed as exc:
        log.warning(\"closed: code %s, reason %s\", exc.code, exc.reason)
        print(\"an untouched line that is much longer than eighty-eight characters, and stays so\", ws)
";

#[test]
fn a_statement_the_fix_makes_too_long_is_laid_out_as_ruff_format_would() {
    let out = fixed("layout", LONG, &["--select", "WS107"]);
    assert!(
        out.contains(
            "        log.warning(
            \"closed: code %s, reason %s\",
            exc.rcvd.code if exc.rcvd is not None else CloseCode.ABNORMAL_CLOSURE,
            exc.rcvd.reason if exc.rcvd is not None else \"\",
        )
"
        ),
        "{out}"
    );
    assert!(
        out.contains("        print(\"an untouched line that is much longer than eighty-eight characters, and stays so\", ws)\n"),
        "{out}"
    );
}

#[test]
fn layout_follows_the_project_line_length() {
    let dir = scratch("layout-config");
    fs::write(
        dir.join("pyproject.toml"),
        "[tool.ruff]\nline-length = 200\n",
    )
    .unwrap();
    fs::write(dir.join("a.py"), LONG).unwrap();
    let out = run(&dir, &["check", "--fix", "--select", "WS107", "-q", "a.py"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let out = fs::read_to_string(dir.join("a.py")).unwrap();
    assert!(
        out.contains("        log.warning(\"closed: code %s, reason %s\", exc.rcvd.code if exc.rcvd is not None else CloseCode.ABNORMAL_CLOSURE, exc.rcvd.reason if exc.rcvd is not None else \"\")\n"),
        "{out}"
    );
}
