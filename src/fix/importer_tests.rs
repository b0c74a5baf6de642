use super::*;
use ruff_python_parser::parse_module;

fn apply(source: &str, f: impl Fn(&Importer) -> ImportedName) -> (String, String) {
    let parsed = parse_module(source).unwrap();
    let bindings = crate::semantic::builder::build(parsed.syntax(), None);
    let imports = Imports::from_bindings(&bindings, parsed.syntax());
    let importer = Importer::new(source, parsed.syntax(), &imports, &bindings);
    let name = f(&importer);
    let mut out = source.to_string();
    if let Some(edit) = name.edit {
        out.replace_range(
            edit.range.start().to_usize()..edit.range.end().to_usize(),
            &edit.content,
        );
    }
    (name.local, out)
}

fn end(source: &str) -> TextSize {
    TextSize::from(source.len() as u32)
}

fn state(source: &str) -> String {
    apply(source, |i| {
        i.from_import("websockets.protocol", "State", end(source))
    })
    .1
}

#[test]
fn adds_after_docstring_and_imports() {
    let src = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport websockets\n\nx = 1\n";
    assert_eq!(
        state(src),
        "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport websockets\nfrom websockets.protocol import State\n\nx = 1\n"
    );
}

#[test]
fn joins_the_websockets_block_in_order_not_first_party_code() {
    let src = "import asyncio\n\nimport websockets\nfrom websockets.server import serve\n\nfrom myapp import config\n\nx = 1\n";
    assert_eq!(
        state(src),
        "import asyncio\n\nimport websockets\nfrom websockets.protocol import State\nfrom websockets.server import serve\n\nfrom myapp import config\n\nx = 1\n"
    );
}

#[test]
fn stdlib_goes_with_the_stdlib_block() {
    let src = "import os\nimport sys\n\nimport websockets\n\nx = 1\n";
    let (_, out) = apply(src, |i| i.import_module("asyncio", end(src)));
    assert_eq!(
        out,
        "import asyncio\nimport os\nimport sys\n\nimport websockets\n\nx = 1\n"
    );
    // No stdlib block: a section of its own before the third-party one.
    let src = "import websockets\n\nx = 1\n";
    let (_, out) = apply(src, |i| i.import_module("asyncio", end(src)));
    assert_eq!(out, "import asyncio\n\nimport websockets\n\nx = 1\n");
    // After `__future__`.
    let src = "from __future__ import annotations\n\nimport websockets\n";
    let (_, out) = apply(src, |i| i.import_module("asyncio", end(src)));
    assert_eq!(
        out,
        "from __future__ import annotations\n\nimport asyncio\n\nimport websockets\n"
    );
}

#[test]
fn never_after_code_between_imports() {
    let src = "import websockets\nlog = 1\nimport zzz\n";
    assert_eq!(
        state(src),
        "import websockets\nfrom websockets.protocol import State\nlog = 1\nimport zzz\n"
    );
}

#[test]
fn reuses_and_merges_in_order_and_avoids_clashes() {
    let (local, out) = apply("from websockets.protocol import State as S\n", |i| {
        i.from_import("websockets.protocol", "State", TextSize::from(0))
    });
    assert_eq!(
        (local.as_str(), out.as_str()),
        ("S", "from websockets.protocol import State as S\n")
    );
    assert_eq!(
        state("from websockets.protocol import Side\n"),
        "from websockets.protocol import Side, State\n"
    );
    assert_eq!(
        state("from websockets.protocol import Side, Zeta, thing\n"),
        "from websockets.protocol import Side, State, Zeta, thing\n"
    );
    assert_eq!(
        state("from websockets.protocol import (\n    Side,\n    Zeta,\n)\n"),
        "from websockets.protocol import (\n    Side,\n    State,\n    Zeta,\n)\n"
    );
    assert_eq!(
        state("from websockets.protocol import (\n    Side,  # a\n)\n"),
        "from websockets.protocol import (\n    Side,  # a\n    State,\n)\n"
    );
    let (local, out) = apply("import websockets\nclass State: pass\n", |i| {
        i.from_import("websockets.protocol", "State", TextSize::from(0))
    });
    assert_eq!(local, "WsState");
    assert_eq!(
        out,
        "import websockets\nfrom websockets.protocol import State as WsState\nclass State: pass\n"
    );
}

#[test]
fn a_long_import_is_wrapped() {
    let src = "from websockets.protocol import Aaaaaaaaaaaaaaaaaaaa, Bbbbbbbbbbbbbbbbbbbbbb, Cccccccccccccccccccc\n";
    assert_eq!(
        state(src),
        "from websockets.protocol import (\n    Aaaaaaaaaaaaaaaaaaaa,\n    Bbbbbbbbbbbbbbbbbbbbbb,\n    Cccccccccccccccccccc,\n    State,\n)\n"
    );
}

#[test]
fn type_checking_uses_are_served_inside_the_block() {
    let src = "from typing import TYPE_CHECKING\n\nimport websockets\n\nif TYPE_CHECKING:\n    from websockets.frames import Close\n\nx = 1\n";
    let at = TextSize::from(src.find("Close").unwrap() as u32);
    let (_, out) = apply(src, |i| i.from_import("websockets.protocol", "State", at));
    assert_eq!(
        out,
        "from typing import TYPE_CHECKING\n\nimport websockets\n\nif TYPE_CHECKING:\n    from websockets.frames import Close\n    from websockets.protocol import State\n\nx = 1\n"
    );
    // A runtime use does not see the block's import.
    let src = "import websockets\n\nif TYPE_CHECKING:\n    from websockets.protocol import State\n";
    let (_, out) = apply(src, |i| {
        i.from_import("websockets.protocol", "State", TextSize::from(0))
    });
    assert_eq!(
        out,
        "import websockets\nfrom websockets.protocol import State\n\nif TYPE_CHECKING:\n    from websockets.protocol import State\n"
    );
}

#[test]
fn imports_module_once_and_after_header_comments() {
    let (_, out) = apply("import asyncio\n", |i| {
        i.import_module("asyncio", TextSize::from(0))
    });
    assert_eq!(out, "import asyncio\n");
    let (_, out) = apply("#!/usr/bin/env python\nx = 1\n", |i| {
        i.import_module("asyncio", TextSize::from(0))
    });
    assert_eq!(out, "#!/usr/bin/env python\nimport asyncio\n\nx = 1\n");
}
