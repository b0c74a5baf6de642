"""Small client-side helpers: documents, waiting for diagnostics, applying edits."""

import asyncio
import itertools
import pathlib
import subprocess

from lsprotocol import types

from conftest import BIN, WORKSPACE

_names = itertools.count()


def write_doc(text: str, directory: pathlib.Path = WORKSPACE, name: str | None = None):
    """A file in the workspace and its URI (the server reads configuration next to it)."""
    path = directory / (name or f"module_{next(_names)}.py")
    path.write_text(text)
    return path.as_uri()


def open_doc(client, text, directory=WORKSPACE, name=None) -> str:
    uri = write_doc(text, directory, name)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    return uri


def change_doc(client, uri, version, text):
    """A full-text change (the server also takes incremental ones)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def wait_for(predicate, timeout=30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


async def diagnostics_for(client, uri, version=1, timeout=30.0):
    """The diagnostics published for `uri` at `version`."""

    def found():
        return [p for p in client.published if p.uri == uri and p.version == version]

    await wait_for(lambda: found(), timeout)
    return list(found()[-1].diagnostics)


def codes(diagnostics):
    return sorted(d.code for d in diagnostics)


async def code_actions(client, uri, range_, only=None):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=range_,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )


def apply_edits(text: str, edits) -> str:
    """Applies LSP text edits (ASCII text: characters are code units)."""
    lines = text.splitlines(keepends=True)
    starts = list(itertools.accumulate([0] + [len(l) for l in lines]))

    def offset(pos):
        if pos.line >= len(lines):
            return len(text)
        return starts[pos.line] + pos.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def apply_action(text, uri, action) -> str:
    return apply_edits(text, action.edit.changes[uri])


def cli_fix(text: str, name: str) -> str:
    """What `wsmigrate check --fix` makes of the same text: the reference for fix-all."""
    out = subprocess.run(
        [BIN, "check", "--fix", "--stdin-filename", str(WORKSPACE / name), "-"],
        input=text.encode(),
        capture_output=True,
    )
    return out.stdout.decode()
