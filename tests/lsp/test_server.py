"""`wsmigrate server` under a real LSP client: diagnostics, code actions, settings,
robustness, shutdown."""

import asyncio
import textwrap

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcMethodNotFound

from conftest import WORKSPACE
from helpers import (
    apply_action,
    change_doc,
    cli_fix,
    code_actions,
    codes,
    diagnostics_for,
    open_doc,
    wait_for,
    write_doc,
)

LEGACY = textwrap.dedent(
    """\
    from websockets.legacy.client import connect


    async def main():
        async with connect("ws://x", extra_headers={"a": "b"}) as ws:
            await ws.send("hi")
            if ws.open:
                print("open")
    """
)

NEW_API = textwrap.dedent(
    """\
    import websockets


    async def main(handler):
        async with websockets.connect("ws://x", extra_headers={"a": "b"}) as ws:
            await ws.send("hi")
        await websockets.serve(handler, "", 8765, subprotocols=["chat"])
    """
)

UNPACKED = textwrap.dedent(
    """\
    import websockets


    async def main():
        options = {"extra_headers": {}}
        await websockets.connect("ws://y", **options)
    """
)

WHOLE = types.Range(types.Position(0, 0), types.Position(1000, 0))


def by_code(diagnostics, code):
    found = [d for d in diagnostics if d.code == code]
    assert found, f"no {code} in {codes(diagnostics)}"
    return found[0]


@pytest.mark.asyncio
async def test_initialize_announces_capabilities(client):
    caps = client.init_result.capabilities
    assert client.init_result.server_info.name == "wsmigrate"
    assert caps.hover_provider
    kinds = caps.code_action_provider.code_action_kinds
    assert "quickfix" in kinds and "source.fixAll.wsmigrate" in kinds
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    # VS Code's capabilities allow it: the server asks to be told about configuration files.
    await wait_for(lambda: client.registrations)
    globs = [w["globPattern"] for w in client.registrations[0].register_options["watchers"]]
    assert "**/pyproject.toml" in globs and "**/wsmigrate.toml" in globs


@pytest.mark.asyncio
async def test_legacy_file_diagnostics(client):
    uri = open_doc(client, LEGACY)
    diagnostics = await diagnostics_for(client, uri)
    assert codes(diagnostics) == ["WS002", "WS101", "WS201"]
    ws101 = by_code(diagnostics, "WS101")
    assert ws101.severity == types.DiagnosticSeverity.Warning
    assert list(ws101.tags) == [types.DiagnosticTag.Deprecated]
    assert ws101.source == "wsmigrate"
    assert ws101.range.start == types.Position(0, 0)
    assert ws101.code_description.href == "https://wsmigrate.example/rules/WS101"
    assert "legacy asyncio implementation" in ws101.message
    # The argument rename is migrated together with the import it depends on.
    ws201 = by_code(diagnostics, "WS201")
    related = ws201.related_information
    assert related and related[0].location.uri == uri
    assert related[0].location.range.start.line == 0
    assert related[0].message.startswith("WS101")


@pytest.mark.asyncio
async def test_severities_error_and_note(client):
    uri = open_doc(client, NEW_API)
    diagnostics = await diagnostics_for(client, uri)
    assert by_code(diagnostics, "WS201").severity == types.DiagnosticSeverity.Error
    assert by_code(diagnostics, "WS201").tags is None
    assert by_code(diagnostics, "WS403").severity == types.DiagnosticSeverity.Information


@pytest.mark.asyncio
async def test_quick_fix_gives_the_expected_text(client):
    uri = open_doc(client, LEGACY)
    diagnostics = await diagnostics_for(client, uri)
    ws002 = by_code(diagnostics, "WS002")
    actions = await code_actions(client, uri, ws002.range)
    fixes = [a for a in actions if a.title.startswith("WS002:")]
    assert len(fixes) == 1 and fixes[0].kind == "quickfix" and fixes[0].is_preferred
    assert fixes[0].diagnostics[0].code == "WS002"
    fixed = apply_action(LEGACY, uri, fixes[0])
    assert fixed == LEGACY.replace("if ws.open:", "if ws.state is State.OPEN:").replace(
        "import connect\n", "import connect\nfrom websockets.protocol import State\n", 1
    )
    # The new text, sent back, no longer has the finding.
    change_doc(client, uri, 2, fixed)
    assert "WS002" not in codes(await diagnostics_for(client, uri, 2))


@pytest.mark.asyncio
async def test_grouped_quick_fix_carries_its_group(unsafe_client):
    # Switching a legacy client import is unsafe, so the whole group is.
    client = unsafe_client
    uri = open_doc(client, LEGACY)
    ws201 = by_code(await diagnostics_for(client, uri), "WS201")
    actions = await code_actions(client, uri, ws201.range)
    fix = next(a for a in actions if a.title.startswith("WS201:"))
    assert "1 related change" in fix.title and "unsafe" in fix.title
    fixed = apply_action(LEGACY, uri, fix)
    assert "from websockets.asyncio.client import connect\n" in fixed
    assert 'connect("ws://x", additional_headers={"a": "b"})' in fixed
    assert "ws.open" in fixed


@pytest.mark.asyncio
async def test_unsafe_fixes_are_offered_only_when_enabled(client, unsafe_client):
    for c, offered in ((client, False), (unsafe_client, True)):
        uri = open_doc(c, UNPACKED)
        ws201 = by_code(await diagnostics_for(c, uri), "WS201")
        actions = await code_actions(c, uri, ws201.range)
        unsafe = [a for a in actions if a.title.startswith("WS201:")]
        assert bool(unsafe) == offered
        if offered:
            assert "unsafe" in unsafe[0].title and not unsafe[0].is_preferred
            assert '"additional_headers"' in apply_action(UNPACKED, uri, unsafe[0])


@pytest.mark.asyncio
async def test_fix_all_matches_the_command_line(client):
    uri = open_doc(client, LEGACY, name="fix_all.py")
    await diagnostics_for(client, uri)
    actions = await code_actions(client, uri, WHOLE, only=["source.fixAll"])
    assert [a.kind for a in actions] == ["source.fixAll.wsmigrate"]
    fixed = apply_action(LEGACY, uri, actions[0])
    assert fixed == cli_fix(LEGACY, "fix_all.py")
    # Safe fixes only: the legacy import switch (unsafe) waits for a human.
    assert "State.OPEN" in fixed and "websockets.legacy.client" in fixed
    change_doc(client, uri, 2, fixed)
    assert codes(await diagnostics_for(client, uri, 2)) == ["WS101", "WS201"]


@pytest.mark.asyncio
async def test_noqa_action(client):
    uri = open_doc(client, LEGACY)
    ws002 = by_code(await diagnostics_for(client, uri), "WS002")
    actions = await code_actions(client, uri, ws002.range, only=["quickfix"])
    noqa = next(a for a in actions if a.title == "Disable WS002 for this line")
    fixed = apply_action(LEGACY, uri, noqa)
    assert "        if ws.open:  # noqa: WS002\n" in fixed
    change_doc(client, uri, 2, fixed)
    assert codes(await diagnostics_for(client, uri, 2)) == ["WS101", "WS201"]
    # An existing directive is extended, not duplicated.
    text = fixed.replace("# noqa: WS002", "# noqa: E501")
    change_doc(client, uri, 3, text)
    ws002 = by_code(await diagnostics_for(client, uri, 3), "WS002")
    actions = await code_actions(client, uri, ws002.range, only=["quickfix"])
    noqa = next(a for a in actions if a.title == "Disable WS002 for this line")
    assert "# noqa: E501, WS002\n" in apply_action(text, uri, noqa)


@pytest.mark.asyncio
async def test_hover_shows_rule_documentation(client):
    uri = open_doc(client, LEGACY)
    ws002 = by_code(await diagnostics_for(client, uri), "WS002")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=ws002.range.start,
        )
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "**WS002** (connection-open-closed)" in hover.contents.value
    assert "State.OPEN" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(2, 0),
        )
    )
    assert nothing is None


@pytest.mark.asyncio
async def test_configuration_is_reloaded_when_it_changes(client):
    project = WORKSPACE / "configured"
    project.mkdir(exist_ok=True)
    config = project / "wsmigrate.toml"
    config.write_text('ignore = ["WS002"]\n')
    uri = open_doc(client, LEGACY, directory=project)
    assert codes(await diagnostics_for(client, uri)) == ["WS101", "WS201"]
    config.write_text('select = ["WS002"]\n')
    before = len(client.published)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_for(lambda: any(p.uri == uri for p in client.published[before:]))
    assert codes(list(client.diagnostics[uri])) == ["WS002"]
    # A broken file is reported to the user; the document is still checked (defaults).
    config.write_text("select = [\n")
    before = len(client.published)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_for(lambda: any(p.uri == uri for p in client.published[before:]))
    assert codes(list(client.diagnostics[uri])) == ["WS002", "WS101", "WS201"]
    assert any("wsmigrate.toml" in m.message for m in client.messages)


@pytest.mark.asyncio
async def test_syntax_error_document(client):
    broken = LEGACY + "def broken(:\n    pass\n"
    uri = open_doc(client, broken)
    diagnostics = await diagnostics_for(client, uri)
    syntax = by_code(diagnostics, "WS902")
    assert syntax.severity == types.DiagnosticSeverity.Error
    assert "WS002" in codes(diagnostics)
    # Findings, but no fixes: a file that does not parse is not rewritten.
    actions = await code_actions(client, uri, WHOLE)
    assert not [a for a in actions if a.title.startswith("WS0") or a.kind.startswith("source")]
    assert any(a.title == "Disable WS002 for this line" for a in actions)


@pytest.mark.asyncio
async def test_did_change_burst_ends_with_the_last_version(client):
    uri = open_doc(client, LEGACY)
    await diagnostics_for(client, uri)
    start = len(client.published)
    for version in range(2, 52):
        # Every other version has the legacy attribute.
        text = LEGACY if version % 2 else LEGACY.replace("ws.open", "ws.state")
        change_doc(client, uri, version, text)
    last = await diagnostics_for(client, uri, 51)
    assert codes(last) == ["WS002", "WS101", "WS201"]
    versions = [p.version for p in client.published[start:] if p.uri == uri]
    assert versions == sorted(versions), "stale diagnostics published after newer ones"
    await asyncio.sleep(0.3)
    assert client.published[-1].version == 51 or client.published[-1].uri != uri


@pytest.mark.asyncio
async def test_huge_document_does_not_block_the_server(client):
    huge = LEGACY + "".join(f"x{i} = {i}\n" for i in range(100_000))
    big = open_doc(client, huge)
    small = open_doc(client, LEGACY)
    # The small document is answered whatever the big one costs.
    await diagnostics_for(client, small)
    diagnostics = await diagnostics_for(client, big, 1, timeout=120)
    order = [p.uri for p in client.published if p.uri in (big, small)]
    assert order.index(small) < order.index(big)
    assert codes(diagnostics) == ["WS002", "WS101", "WS201"]


@pytest.mark.asyncio
async def test_unknown_method_is_method_not_found(client):
    with pytest.raises(JsonRpcMethodNotFound):
        await client.protocol.send_request_async("wsmigrate/noSuchMethod", {})
    uri = open_doc(client, LEGACY)
    assert await diagnostics_for(client, uri)


@pytest.mark.asyncio
async def test_a_panic_in_a_request_is_answered_and_survived(panicky_client):
    client = panicky_client
    with pytest.raises(JsonRpcInternalError, match="asked to panic"):
        await client.protocol.send_request_async("wsmigrate/debugPanic", {})
    uri = open_doc(client, LEGACY)
    ws002 = by_code(await diagnostics_for(client, uri), "WS002")
    assert await code_actions(client, uri, ws002.range)


@pytest.mark.asyncio
async def test_closing_a_document_clears_its_diagnostics(client):
    uri = open_doc(client, LEGACY)
    await diagnostics_for(client, uri)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for(lambda: list(client.diagnostics[uri]) == [])


@pytest.mark.asyncio
async def test_incremental_edits_and_utf16_positions(client):
    # Characters outside the BMP count twice in UTF-16, the default position encoding.
    text = LEGACY.replace('print("open")', 'print("😀"); ws.open')
    uri = open_doc(client, text)
    diagnostics = await diagnostics_for(client, uri)
    line = text.splitlines()[7]
    on_line = [d for d in diagnostics if d.code == "WS002" and d.range.start.line == 7]
    assert on_line[0].range.start.character == len(line[: line.index("ws.open")].encode("utf-16-le")) // 2
    # Typing into the document: delete `ws.open` on line 7 with an incremental change.
    start = len(line[: line.index("; ws.open")].encode("utf-16-le")) // 2
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(7, start), types.Position(7, start + 9)),
                    text="",
                )
            ],
        )
    )
    after = await diagnostics_for(client, uri, 2)
    assert [d.range.start.line for d in after if d.code == "WS002"] == [6]


@pytest.mark.asyncio
async def test_editor_settings_change(client):
    uri = open_doc(client, LEGACY)
    assert "WS002" in codes(await diagnostics_for(client, uri))
    before = len(client.published)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"wsmigrate": {"ignore": ["WS002"]}})
    )
    await wait_for(lambda: any(p.uri == uri for p in client.published[before:]))
    assert codes(list(client.diagnostics[uri])) == ["WS101", "WS201"]
