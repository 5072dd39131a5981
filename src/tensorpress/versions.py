"""The versions a build's output depends on, read without importing the libraries: a
build with nothing to do must know them (a new Pygments is a change) and nothing else."""

from __future__ import annotations

from importlib.metadata import version

from tensorpress import __version__

PIPELINE = (
    f"tensorpress {__version__}; markdown-it-py {version('markdown-it-py')}; "
    f"mdit-py-plugins {version('mdit-py-plugins')}; pygments {version('pygments')}; "
    f"latex2mathml {version('latex2mathml')}; 6"
)
"""Everything a cached body depends on besides the file: change it, and the cache misses."""
