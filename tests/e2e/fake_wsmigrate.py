"""A stand-in for the wsmigrate binary, used by `driver.py --self-test`.

Usage: fake_wsmigrate.py check [--fix] [--unsafe-fixes] [--output-format json|concise] DIR

It "finds" the rule codes listed in fixtures/e2e/manifest.toml for every program in DIR
(a file or a package directory; at the manifest's `at` rows, else at line 1) and, with
--fix, "fixes" an autofix program by copying fixtures/e2e/expected/<file> over it. Manual
programs are left alone by --fix and stay reported, like unfixable ones; migrated programs
get no finding and no edit.
With FAKE_WSMIGRATE_NO_JSON=1 it rejects `--output-format json`, so that the driver's
fallback to the concise format can be exercised.
"""

import json
import os
import shutil
import sys
import tomllib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "e2e"


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "check":
        print("usage: fake_wsmigrate.py check [--fix] [--unsafe-fixes] "
              "[--output-format FORMAT] DIR", file=sys.stderr)
        return 2
    args = argv[1:]
    fix = "--fix" in args
    output_format = "concise"
    if "--output-format" in args:
        output_format = args[args.index("--output-format") + 1]
    if output_format == "json" and os.environ.get("FAKE_WSMIGRATE_NO_JSON") == "1":
        print("error: invalid value 'json' for '--output-format <FORMAT>'", file=sys.stderr)
        return 2
    directory = Path(args[-1])

    with open(FIXTURES / "manifest.toml", "rb") as f:
        # A file listed once per venv has the same rules in each entry: the first one serves.
        programs = {}
        for program in tomllib.load(f)["program"]:
            programs.setdefault(program["file"], program)

    diagnostics = []
    for path in sorted(directory.iterdir()):
        program = programs.get(path.name)
        if program is None or program["mode"] == "migrated":
            continue  # a migrated program is already right: nothing to report or rewrite
        if fix and program["mode"] != "manual":
            expected = FIXTURES / "expected" / path.name
            if path.is_dir():
                shutil.rmtree(path)
                shutil.copytree(expected, path)
            else:
                shutil.copyfile(expected, path)
            continue
        # A directory program's findings are reported in its __main__.py.
        reported = path / "__main__.py" if path.is_dir() else path
        locations = [(loc.split(":")[0], int(loc.split(":")[1])) for loc in program.get("at", [])]
        located = {code for code, _ in locations}
        locations += [(code, 1) for code in program["rules"] if code not in located]
        for code, row in locations:
            diagnostics.append({
                "code": code,
                "message": f"fake finding {code}",
                "filename": str(reported),
                "location": {"row": row, "column": 1},
            })

    if output_format == "json":
        print(json.dumps(diagnostics, indent=2))
    else:
        for d in diagnostics:
            print(f"{d['filename']}:{d['location']['row']}:1: {d['code']} {d['message']}")
    return 1 if diagnostics else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
