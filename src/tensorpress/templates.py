"""Where the templates and the default theme live, and a digest of the templates: the
part of rendering that a build which may have nothing to do needs, without Jinja2."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tensorpress.config import SiteConfig
from tensorpress.files import read_bytes


def theme_dir() -> Path:
    """The default theme: packed into the wheel, or the repository's top level."""
    packed = Path(__file__).parent / "theme"
    return packed if packed.is_dir() else Path(__file__).resolve().parents[2]


def template_dirs(config: SiteConfig) -> list[Path]:
    """Where templates are looked up: the site's own first, then the theme's."""
    dirs = [config.root / "templates", theme_dir() / "templates"]
    return [d for d in dirs if d.is_dir()]


def templates_digest(config: SiteConfig) -> str:
    """A digest of every template file, in lookup order: any change gives a new one."""
    digest = hashlib.sha1()
    for folder in template_dirs(config):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(read_bytes(path))
    return digest.hexdigest()
