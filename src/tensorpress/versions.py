"""What a build's output depends on besides its inputs, known without importing the
libraries: a build with nothing to do must know them (a new Pygments is a change) and
nothing else. ``importlib.metadata`` would name their versions, but importing it (and
the e-mail parser it needs) costs a build with nothing to do a tenth of its time."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

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


PIPELINE = f"tensorpress {__version__} 72; " + "; ".join(map(installed, LIBRARIES))
"""Everything a cached body depends on besides the file: change it, and the cache misses."""


@lru_cache(maxsize=1)
def machine_key() -> str:
    """A secret of this user on this machine, mixed into the keys of the build cache,
    of the output folder's manifest and of every page: a cache or an output folder that
    came with a cloned site (anyone can compute keys made of versions and digests) is
    never taken for this machine's own, so it can never put on a page HTML that the
    sources do not make. Kept in the user's cache folder; where that cannot be written,
    a new one per process (builds are then never shortened by an earlier one)."""
    try:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # no home folder to find
        return os.urandom(32).hex()
    path = Path(home) / "tensorpress" / "key"
    for _ in range(2):
        try:
            data = path.read_bytes()
            if len(data) == 32:
                return data.hex()
        except OSError:
            pass
        made = os.urandom(32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(made)
            return made.hex()
        except FileExistsError:
            continue  # another process made it first: read theirs
        except OSError:
            return made.hex()
    return os.urandom(32).hex()
