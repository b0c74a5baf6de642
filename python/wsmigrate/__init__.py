"""wsmigrate: find and migrate code written against the legacy asyncio API of websockets.

The tool is a Rust binary installed next to this package (in the environment's scripts
directory). This package only lets ``python -m wsmigrate`` find and run it.
"""

from __future__ import annotations

import os
import sys
import sysconfig

__all__ = ["find_wsmigrate_bin"]


def _candidates() -> list[str]:
    exe = "wsmigrate" + (sysconfig.get_config_var("EXE") or "")
    dirs = [sysconfig.get_path("scripts")]
    # `pip install --user`: the user scheme's scripts directory.
    if sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
    elif os.name == "nt":
        user_scheme = "nt_user"
    elif sys.platform == "darwin" and getattr(sys, "_framework", None):
        user_scheme = "osx_framework_user"
    else:
        user_scheme = "posix_user"
    dirs.append(sysconfig.get_path("scripts", scheme=user_scheme))
    # `pip install --target DIR`: the scripts land in DIR/bin, next to the package.
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs.append(os.path.join(package_parent, "bin"))
    return [os.path.join(d, exe) for d in dirs]


def find_wsmigrate_bin() -> str:
    """Return the path of the installed ``wsmigrate`` binary."""
    candidates = _candidates()
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "the wsmigrate binary was not found; looked in: " + ", ".join(candidates)
    )
