"""What a build's output depends on besides its inputs, known without importing the
libraries: a build with nothing to do must know them (a new Pygments is a change) and
nothing else. ``importlib.metadata`` would name their versions, but importing it (and
the e-mail parser it needs) costs a build with nothing to do a tenth of its time."""

from __future__ import annotations

import os
from importlib.util import find_spec

from tensorpress import __version__

LIBRARIES = ("markdown_it", "mdit_py_plugins", "pygments", "latex2mathml")


def installed(module: str) -> str:
    """Where a library is installed, and the size and time of its ``__init__`` file:
    what an upgrade (or a reinstall) changes. Found without importing it."""
    try:
        spec = find_spec(module)
        origin = spec.origin if spec is not None else None
        stat = os.stat(origin) if origin else None
    except (ImportError, ValueError, OSError):
        stat = None
    if stat is None:
        return f"{module} missing"
    return f"{module} {os.path.dirname(origin or '')} {stat.st_size} {stat.st_mtime_ns}"


PIPELINE = f"tensorpress {__version__} 52; " + "; ".join(map(installed, LIBRARIES))
"""Everything a cached body depends on besides the file: change it, and the cache misses."""
