"""Drives `wsmigrate server` with a real LSP client (pytest-lsp, on pygls).

The binary is $WSMIGRATE_BIN (tests/lsp.rs sets it), else target/debug/wsmigrate.
"""

import atexit
import os
import pathlib
import shutil
import tempfile

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.protocol import default_converter

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("WSMIGRATE_BIN") or str(ROOT / "target" / "debug" / "wsmigrate")
# Documents live here; a directory of its own keeps the repository's configuration away.
WORKSPACE = pathlib.Path(tempfile.mkdtemp(prefix="wsmigrate-lsp-"))
(WORKSPACE / ".git").mkdir()
atexit.register(shutil.rmtree, WORKSPACE, ignore_errors=True)


def make_client() -> LanguageClient:
    """The pytest-lsp client, also recording every publishDiagnostics with its version and
    every capability the server registers."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.registrations = []

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    def register(client: LanguageClient, params: types.RegistrationParams):
        client.registrations.extend(params.registrations)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    return client


def config(**env) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=[BIN, "server"],
        client_factory=make_client,
        server_env={**os.environ, **env},
    )


async def start(lsp_client: LanguageClient, options=None, root: pathlib.Path = WORKSPACE):
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options=options,
    )
    return await lsp_client.initialize_session(params)


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    lsp_client.init_result = await start(
        lsp_client, {"docsUrl": "https://wsmigrate.example/rules/{code}"}
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=config())
async def unsafe_client(lsp_client: LanguageClient):
    await start(lsp_client, {"settings": {"unsafeFixes": True}})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=config(WSMIGRATE_SERVER_DEBUG_PANIC="1"))
async def panicky_client(lsp_client: LanguageClient):
    await start(lsp_client)
    yield
    await lsp_client.shutdown_session()


# A two-module project: the handler in `chat/handlers.py` (which never mentions websockets) is
# served by the legacy `serve()` of `chat/main.py`.
MAIN = """\
import asyncio

from websockets.legacy.server import serve

from . import handlers


async def main():
    async with serve(handlers.echo, "localhost", 8765):
        await asyncio.Future()
"""

HANDLERS = """\
async def echo(websocket, path):
    async for message in websocket:
        await websocket.send(f"{path}: {message}")
    if not websocket.open:
        print("closed")
"""


@pytest_lsp.fixture(config=config())
async def project_client(lsp_client: LanguageClient):
    """A server whose workspace folder is a fresh copy of the two-module project."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="wsmigrate-lsp-project-"))
    (root / ".git").mkdir()
    (root / "chat").mkdir()
    (root / "chat" / "__init__.py").write_text("")
    (root / "chat" / "main.py").write_text(MAIN)
    (root / "chat" / "handlers.py").write_text(HANDLERS)
    lsp_client.root = root
    await start(lsp_client, root=root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


@pytest_lsp.fixture(config=config())
async def excluding_client(lsp_client: LanguageClient):
    """The two-module project with a `vendor/` directory its configuration excludes: the
    serving module is there (so the index must not see it), next to a legacy module."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="wsmigrate-lsp-exclude-"))
    (root / ".git").mkdir()
    (root / "wsmigrate.toml").write_text('extend-exclude = ["vendor"]\n')
    (root / "chat").mkdir()
    (root / "chat" / "__init__.py").write_text("")
    (root / "chat" / "handlers.py").write_text(HANDLERS)
    (root / "vendor").mkdir()
    (root / "vendor" / "serving.py").write_text(
        MAIN.replace("from . import handlers", "from chat import handlers")
    )
    lsp_client.root = root
    await start(lsp_client, root=root)
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)
