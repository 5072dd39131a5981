"""Find internal links and anchors in a built site that point nowhere."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def broken_links(out: Path) -> list[str]:
    """``page: link`` for each relative link whose file or ``#anchor`` does not exist."""
    pages = {p.relative_to(out).as_posix(): _parse(p) for p in out.rglob("*.html")}
    broken = []
    for rel, parsed in sorted(pages.items()):
        if rel == "404.html":
            continue
        base = posixpath.dirname(rel)
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("/", "mailto:", "data:")):
                continue
            target = (
                rel
                if not parts.path
                else posixpath.normpath(posixpath.join(base, unquote(parts.path)))
            )
            if parts.path.endswith("/") or (out / target).is_dir():
                target = posixpath.join(target, "index.html")
            if target.startswith("..") or not (out / target).is_file():
                broken.append(f"{rel}: {link}")
                continue
            if (
                parts.fragment
                and target in pages
                and unquote(parts.fragment) not in pages[target].ids
            ):
                broken.append(f"{rel}: {link} (no such anchor)")
    return broken
