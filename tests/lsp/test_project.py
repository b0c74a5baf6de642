"""The server keeps the workspace's project index: a module's findings depend on the other
modules (its handler is served from another one), and change when those are edited in the
editor or on disk."""

import pytest
from lsprotocol import types

from conftest import HANDLERS, MAIN
from helpers import change_doc, code_actions, codes, diagnostics_for, wait_for

# main.py no longer serves the handler of handlers.py.
MAIN_WITHOUT_HANDLER = MAIN.replace("serve(handlers.echo,", "serve(print,")


def open_file(client, path, text=None):
    text = path.read_text() if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    return path.as_uri()


async def next_publish(client, uri, before):
    """The first diagnostics published for `uri` after the `before`-th publication."""
    await wait_for(lambda: any(p.uri == uri for p in client.published[before:]))
    return [p for p in client.published[before:] if p.uri == uri][0].diagnostics


@pytest.mark.asyncio
async def test_a_handler_served_from_another_module(project_client):
    client = project_client
    handlers = client.root / "chat" / "handlers.py"
    uri = open_file(client, handlers)
    diagnostics = await diagnostics_for(client, uri)
    # Without the project, a module that never mentions websockets has no findings at all.
    assert codes(diagnostics) == ["WS002", "WS301"]
    ws301 = next(d for d in diagnostics if d.code == "WS301")
    assert "chat/main.py:9" in ws301.message
    # Its fix group spans files: the related information points to the import in main.py,
    # and the fix is held (it must be applied with main.py's).
    related = ws301.related_information or []
    main_uri = (client.root / "chat" / "main.py").as_uri()
    assert [(r.location.uri, r.location.range.start.line) for r in related] == [(main_uri, 2)]
    assert "WS101" in related[0].message
    assert "wsmigrate check --fix" in ws301.message
    actions = await code_actions(client, uri, ws301.range, only=[types.CodeActionKind.QuickFix])
    assert not [a for a in actions if a.title.startswith("wsmigrate: fix")], actions


@pytest.mark.asyncio
async def test_editing_the_serving_module_updates_the_handler_module(project_client):
    client = project_client
    handlers_uri = open_file(client, client.root / "chat" / "handlers.py")
    assert codes(await diagnostics_for(client, handlers_uri)) == ["WS002", "WS301"]
    main_uri = open_file(client, client.root / "chat" / "main.py")
    await diagnostics_for(client, main_uri)
    # The buffer, not the disk, counts: the handler is no longer served (nothing saved).
    before = len(client.published)
    change_doc(client, main_uri, 2, MAIN_WITHOUT_HANDLER)
    assert codes(await next_publish(client, handlers_uri, before)) == []
    # And served again.
    before = len(client.published)
    change_doc(client, main_uri, 3, MAIN)
    assert codes(await next_publish(client, handlers_uri, before)) == ["WS002", "WS301"]
    # Closing the buffer brings the disk's text back (which serves it too).
    before = len(client.published)
    change_doc(client, main_uri, 4, MAIN_WITHOUT_HANDLER)
    assert codes(await next_publish(client, handlers_uri, before)) == []
    before = len(client.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=main_uri))
    )
    assert codes(await next_publish(client, handlers_uri, before)) == ["WS002", "WS301"]


@pytest.mark.asyncio
async def test_a_module_changed_on_disk_updates_the_open_modules(project_client):
    client = project_client
    handlers_uri = open_file(client, client.root / "chat" / "handlers.py")
    assert codes(await diagnostics_for(client, handlers_uri)) == ["WS002", "WS301"]
    main = client.root / "chat" / "main.py"
    for text, expected in [(MAIN_WITHOUT_HANDLER, []), (MAIN, ["WS002", "WS301"])]:
        main.write_text(text)
        before = len(client.published)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=main.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        assert codes(await next_publish(client, handlers_uri, before)) == expected


@pytest.mark.asyncio
async def test_excluded_files_are_not_indexed_nor_reported(excluding_client):
    client = excluding_client
    # The only serve() of the handler is in vendor/, which the configuration excludes: as
    # `wsmigrate check .` there, the handler module has no findings.
    handlers_uri = open_file(client, client.root / "chat" / "handlers.py")
    assert codes(await diagnostics_for(client, handlers_uri)) == []
    # An excluded file opened in the editor gets no diagnostics either (`--force-exclude`).
    serving_uri = open_file(client, client.root / "vendor" / "serving.py")
    assert codes(await diagnostics_for(client, serving_uri)) == []
