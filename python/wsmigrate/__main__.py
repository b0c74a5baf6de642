"""``python -m wsmigrate ARGS``: run the installed wsmigrate binary with ARGS."""

from __future__ import annotations

import os
import sys

from wsmigrate import find_wsmigrate_bin


def main() -> "int | None":
    try:
        binary = find_wsmigrate_bin()
    except FileNotFoundError as error:
        print(f"wsmigrate: {error}", file=sys.stderr)
        return 2
    argv = [binary, *sys.argv[1:]]
    if sys.platform == "win32":
        # No exec on Windows: run it and pass its exit code on.
        import subprocess

        return subprocess.run(argv).returncode
    os.execv(binary, argv)
    return None  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
