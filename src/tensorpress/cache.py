"""The persistent cache of rendered post bodies: one JSON file per body, by digest.

JSON, not pickle: a cache folder may come from anywhere (a copied site), and loading it
must never run code. Each file names its key and pipeline version; anything that does
not match, does not parse, or has the wrong shape is ignored, so the cache can make a
build faster but never different.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tensorpress.content import PIPELINE, Body
from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.models import Heading, Rendered

CACHE_DIR = ".tensorpress-cache"


def _encode(key: str, body: Body) -> bytes:
    r = body.rendered
    return json.dumps(
        {
            "pipeline": PIPELINE,
            "key": key,
            "html": r.html,
            "headings": [[h.level, h.id, h.text, h.line, h.html] for h in r.headings],
            "summary": r.summary_html,
            "text": r.text,
            "words": r.words,
            "links": [list(link) for link in r.links],
            "render_diagnostics": [list(_diag(d)) for d in r.diagnostics],
            "prompt_subject": body.prompt_subject,
            "diagnostics": [list(_diag(d)) for d in body.diagnostics],
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _diag(d: Diagnostic) -> tuple[str, int, str, str]:
    return (d.path, d.line, d.severity, d.message)


def _decode(key: str, data: bytes) -> Body | None:
    try:
        obj: Any = json.loads(data)
        if obj["pipeline"] != PIPELINE or obj["key"] != key:
            return None
        rendered = Rendered(
            html=str(obj["html"]),
            headings=tuple(
                Heading(int(a), str(b), str(c), int(d), str(e)) for a, b, c, d, e in obj["headings"]
            ),
            summary_html=str(obj["summary"]),
            text=str(obj["text"]),
            words=int(obj["words"]),
            links=tuple((str(u), int(n)) for u, n in obj["links"]),
            diagnostics=tuple(_undiag(d) for d in obj["render_diagnostics"]),
        )
        subject = obj["prompt_subject"]
        return Body(
            rendered,
            None if subject is None else str(subject),
            tuple(_undiag(d) for d in obj["diagnostics"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _undiag(item: list[Any]) -> Diagnostic:
    path, line, severity, message = item
    if severity not in ("error", "warning"):
        raise ValueError(severity)
    return Diagnostic(str(path), int(line), severity, str(message))


class DiskCache(Mapping[str, Body]):
    """Read-through view of the cache folder; ``save`` writes new bodies and prunes old."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def __getitem__(self, key: str) -> Body:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            raise KeyError(key) from None
        body = _decode(key, data)
        if body is None:
            raise KeyError(key)
        return body

    def has(self, key: str) -> bool:
        """A file for ``key`` is there (unread: it may still turn out unusable)."""
        return self._path(key).is_file()

    def __iter__(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return iter(())
        return iter(sorted(p.stem for p in self.folder.glob("*/*.json")))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def writer(self) -> CacheWriter:
        return CacheWriter(self)


class CacheWriter:
    """Writes new bodies as they are made, then drops the files of replaced ones. The
    first failure stops writing and becomes one warning: the cache is only a speed-up."""

    def __init__(self, cache: DiskCache) -> None:
        self.cache = cache
        self.failure: OSError | None = None

    def put(self, key: str, body: Body) -> None:
        if self.failure is not None:
            return
        try:
            path = self.cache._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(f".{os.getpid()}.tmp")
            temp.write_bytes(_encode(key, body))
            os.replace(temp, path)
        except OSError as exc:
            self.failure = exc

    def finish(self, live: set[str], known: set[str] | None = None) -> Diagnostic | None:
        """Drop files whose key is not ``live`` (edited or deleted posts): of the ``known``
        keys if given (the last build's), else of the whole folder."""
        if self.failure is None:
            try:
                for key in (set(self.cache) if known is None else known) - live:
                    self.cache._path(key).unlink(missing_ok=True)
            except OSError as exc:
                self.failure = exc
        if self.failure is None:
            return None
        return warning(
            str(self.cache.folder),
            0,
            f"cannot write the build cache ({self.failure.strerror or self.failure}); the "
            "next build will be slower: use --no-cache to skip it",
        )
