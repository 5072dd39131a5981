"""The persistent cache: one JSON file per rendered post body (``<key>.json``, by the
digest of its source), and one file of post records (``posts.jsonl``: each post as
templates see it, without its HTML, by the digest of everything ``load_post`` reads).

The records let a fresh process skip front matter and bodies of unchanged posts: their
HTML is read from the body file only when a page that shows it renders. They are one
file, a line each, because a fresh process needs nearly all of them: one read, not a
thousand opens.

JSON, not pickle: a cache folder may come from anywhere (a copied site), and loading it
must never run code. Each file names its key and pipeline version; anything that does
not match, does not parse, or has the wrong shape is ignored, so the cache can make a
build faster but never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from tensorpress.content import Body
from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.models import Deferred, Fragment, Heading, Post, Rendered, TopicRef
from tensorpress.versions import PIPELINE

INDEX = "live.txt"
"""The body files the last build left in the cache: what the next one prunes from."""
RECORDS = "posts.jsonl"
"""The post records: a line of the pipeline version, then ``<name> <record JSON>`` each."""
_FILE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{40,128}\.json\Z")
"""The name of a body file: the only names taken from the index."""
Record = tuple[Post, tuple[Diagnostic, ...]]
"""A post as ``load_post`` made it, with its diagnostics."""


def _encode(key: str, body: Body) -> bytes:
    r = body.rendered
    return json.dumps(
        {
            "pipeline": PIPELINE,
            "key": key,
            "html": r.html,
            "headings": _heading_rows(r.headings),
            "summary": r.summary_html,
            "text": r.text,
            "words": r.words,
            "links": _columns(r.links, 2),
            "fragments": [[*place[:3], list(place[3])] for place in r.fragments],
            "render_diagnostics": [list(_diag(d)) for d in r.diagnostics],
            "prompt_subject": body.prompt_subject,
            "diagnostics": [list(_diag(d)) for d in body.diagnostics],
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _columns(rows: Iterable[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Records as columns, one list per field: read back by ``_typed`` at C speed (a
    build reads the links and headings of every post in the site)."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    return columns or [[] for _ in range(width)]


def _typed(columns: list[Any], *kinds: type) -> list[list[Any]]:
    """The columns, each checked to hold only its kind, all of one length."""
    if len(columns) != len(kinds):
        raise ValueError("columns")
    size = len(columns[0]) if columns else 0
    for column, kind in zip(columns, kinds, strict=True):
        if len(column) != size or (size and set(map(type, column)) != {kind}):
            raise TypeError(kind)
    return columns


def _heading_rows(headings: tuple[Heading, ...]) -> list[list[Any]]:
    return _columns(((h.level, h.id, h.text, h.line, h.html) for h in headings), 5)


def _headings(columns: list[Any]) -> tuple[Heading, ...]:
    return tuple(map(Heading, *_typed(columns, int, str, str, int, str)))


def _pairs(columns: list[Any], first: type, second: type) -> tuple[tuple[Any, Any], ...]:
    """Pairs (links: target and line; local references: kind and target) from columns."""
    return tuple(zip(*_typed(columns, first, second), strict=True))


def _diag(d: Diagnostic) -> tuple[str, int, str, str]:
    return (d.path, d.line, d.severity, d.message)


def _decode(key: str, data: bytes) -> Body | None:
    try:
        obj: Any = json.loads(data)
        if obj["pipeline"] != PIPELINE or obj["key"] != key:
            return None
        rendered = Rendered(
            html=str(obj["html"]),
            headings=_headings(obj["headings"]),
            summary_html=str(obj["summary"]),
            text=str(obj["text"]),
            words=int(obj["words"]),
            links=_pairs(obj["links"], str, int),
            diagnostics=tuple(_undiag(d) for d in obj["render_diagnostics"]),
            fragments=tuple(_fragment(*row) for row in obj["fragments"]),
        )
        subject = obj["prompt_subject"]
        return Body(
            rendered,
            None if subject is None else str(subject),
            tuple(_undiag(d) for d in obj["diagnostics"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _fragment(key: str, start: int, size: int, notes: list[str]) -> Fragment:
    kinds = (type(key), type(start), type(size), *map(type, notes))
    if kinds != (str, int, int, *(str for _ in notes)):
        raise TypeError("fragment")
    return (key, start, size, tuple(notes))


def _undiag(item: list[Any]) -> Diagnostic:
    path, line, severity, message = item
    if severity not in ("error", "warning"):
        raise ValueError(severity)
    return Diagnostic(str(path), int(line), severity, str(message))


def _when(value: datetime | None, site_tz: tzinfo) -> list[Any] | None:
    """A date as [wall time, zone]: zone None is the site's, else a fixed UTC offset."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is site_tz:
        return [value.replace(tzinfo=None).isoformat(), None]
    offset = value.utcoffset()
    if type(zone) is not timezone or offset is None:
        raise TypeError(f"time zone {zone!r}")
    return [value.replace(tzinfo=None).isoformat(), offset.total_seconds()]


def _unwhen(item: list[Any] | None, site_tz: tzinfo) -> datetime | None:
    if item is None:
        return None
    wall, zone = item
    fixed = site_tz if zone is None else timezone(timedelta(seconds=float(zone)))
    return datetime.fromisoformat(str(wall)).replace(tzinfo=fixed)


def _encode_record(key: str, record: Record, site_tz: tzinfo) -> str:
    """``record`` without its HTML; TypeError for what JSON cannot hold exactly."""
    p, diags = record
    if p.files:
        raise TypeError("made files")  # a notebook's plots: bytes
    return (
        json.dumps(
            [
                key,
                [_diag(d) for d in diags],
                p.source,
                p.title,
                p.slug,
                p.url,
                _when(p.date, site_tz),
                _when(p.updated, site_tz),
                [[t.slug, t.name, t.url] for t in p.topics],
                str(p.summary),
                _heading_rows(p.toc),
                p.words,
                p.reading_time,
                p.authors,
                p.image,
                p.draft,
                p.assets,
                _columns(p.links, 2),
                dict(p.extra),
                len(p.search_entry),
                p.description,
                p.series,
                p.notebook,
                p.colab,
                p.digest,
                _columns(p.local_refs, 2),
                p.aliases,
            ],
            ensure_ascii=False,
            allow_nan=False,
        )
        + "\t"
        + p.search_entry
    )  # JSON as it is: a tab in it is escaped


def _decode_record(
    key: str, data: str, site_tz: tzinfo, content: Callable[[str], Deferred]
) -> Record | None:
    """The record in ``data``; its post's HTML is ``content(title)``."""
    try:
        fields, _, search = data.partition("\t")
        known, diags, source, title, slug, url, date, updated, topics, *rest = json.loads(fields)
        summary, toc, words, reading, authors, image, draft, assets, links, *rest = rest
        extra, search_size, description, series, nb, colab, digest, refs, aliases = rest
        if known != key or search_size != len(search):  # the index's own check: cut short
            return None
        when = _unwhen(date, site_tz)
        if when is None:
            return None
        post = Post(
            source=str(source),
            title=str(title),
            slug=str(slug),
            url=str(url),
            date=when,
            updated=None if updated is None else _unwhen(updated, site_tz),
            topics=tuple([_topic(*topic) for topic in topics]),
            summary=Markup(summary),
            content=content(str(title)),
            toc=_headings(toc),
            words=int(words),
            reading_time=int(reading),
            authors=_strings(authors),
            image=None if image is None else str(image),
            draft=bool(draft),
            assets=_strings(assets),
            links=_pairs(links, str, int),
            extra=MappingProxyType(dict(extra)),
            search_entry=search,
            description=str(description),
            series=None if series is None else str(series),
            notebook=str(nb),
            colab=str(colab),
            digest=str(digest),
            local_refs=_pairs(refs, str, str),
            aliases=_strings(aliases),
        )
        return post, tuple([_undiag(d) for d in diags]) if diags else ()
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


@lru_cache(maxsize=4096)
def _topic(slug: str, name: str, url: str) -> TopicRef:
    """One record per topic, shared by every post read back: a site has a few dozen."""
    return TopicRef(str(slug), str(name), str(url))


def _strings(items: list[Any]) -> tuple[str, ...]:
    return tuple(map(str, items)) if items else ()


def _body_file(key: str) -> str:
    """Where a body is kept, relative to the cache folder."""
    return f"{key[:2]}/{key}.json"


@lru_cache(maxsize=65536)
def _record_name(post_key: str) -> str:
    """A post record's name in the records file: a digest of the post key (which holds
    paths, so may hold a space or a line break)."""
    return hashlib.blake2b(post_key.encode(), digest_size=20).hexdigest()


def _plain(record: Record) -> str:
    """What a record says, HTML aside: equal exactly when it renders the same (``repr``
    tells a list from a tuple and one time zone from another with the same offset)."""
    post, diags = record
    return repr((post.__class__.__name__, *_fields(post), diags))


def _fields(post: Post) -> tuple[Any, ...]:
    return tuple(getattr(post, name) for name in post.__slots__ if name != "content")


class Records:
    """The records file as last read or written: the last line of each name, how many
    lines it has (bad, dead and replaced ones too: what writing it anew drops), and
    whether it is of this pipeline (else it is written anew, not appended to)."""

    __slots__ = ("by_name", "lines", "ours")

    def __init__(self) -> None:
        self.by_name: dict[str, str] = {}
        self.lines = 0
        self.ours = False


class DiskCache(Mapping[str, Body]):
    """Read-through view of the cache folder; ``writer`` writes new files and prunes old."""

    def __init__(self, folder: Path, records: Records | None = None) -> None:
        self.folder = folder
        self._prefix = f"{folder}{os.sep}"  # paths as strings: a thousand Path()s add up
        self._records = records
        """The records file as the last build in this process left it, if any."""

    def _read(self, name: str) -> bytes | None:
        try:
            with open(self._prefix + name, "rb") as f:
                return f.read()
        except OSError:
            return None

    def record(self, post_key: str, site_tz: tzinfo, html: Callable[[str], str]) -> Record | None:
        """The post ``load_post`` made for ``post_key``, if a usable record is there; its
        HTML is ``html(title)``, made when a page that shows it renders."""
        by_name = self.records().by_name
        name = _record_name(post_key)
        data = by_name.get(name)
        if data is None:
            return None
        found = _decode_record(post_key, data, site_tz, lambda t: Deferred(lambda: html(t)))
        if found is None:
            del by_name[name]  # not kept when the file is written anew
        return found

    def records(self) -> Records:
        """The records file, read once (unless the last build in this process left it)."""
        if self._records is None:
            self._records = Records()
            try:
                text = (self._read(RECORDS) or b"").decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            head, _, rest = text.partition("\n")
            if head == PIPELINE:
                self._records.ours = True
                for line in rest.split("\n"):
                    name, _, record = line.partition(" ")
                    if record:
                        self._records.by_name[name] = record
                        self._records.lines += 1
        return self._records

    def __getitem__(self, key: str) -> Body:
        data = self._read(_body_file(key))
        body = None if data is None else _decode(key, data)
        if body is None:
            raise KeyError(key)
        return body

    def has(self, key: str) -> bool:
        """A file for ``key`` is there (unread: it may still turn out unusable)."""
        return os.path.isfile(self._prefix + _body_file(key))

    def __iter__(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return iter(())
        return iter(sorted(p.stem for p in self.folder.glob("*/*.json")))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def writer(self, known: frozenset[str] | None = None) -> CacheWriter:
        return CacheWriter(self, known)


class CacheWriter:
    """Writes new bodies as they are made, then drops the files of replaced ones. The
    first failure stops writing and becomes one warning: the cache is only a speed-up."""

    def __init__(self, cache: DiskCache, known: frozenset[str] | None = None) -> None:
        self.cache = cache
        self.known = known
        """The files the last build in this process kept, if any: no index to read."""
        self.files: frozenset[str] = frozenset()
        """The files this build keeps, once finished."""
        self.failure: OSError | None = None
        self._put: dict[str, str] = {}
        """The records put by this build, by name."""
        self.records: Records | None = None
        """The records file as this build left it, once finished: the next build in
        this process need not read it."""

    def put(self, key: str, body: Body) -> None:
        self._write(self.cache.folder / _body_file(key), lambda: _encode(key, body))

    def put_record(self, post_key: str, record: Record, site_tz: tzinfo) -> None:
        """Keep ``record`` for the next process, if JSON holds every field exactly (else
        that post is simply loaded again next time)."""
        try:
            data = _encode_record(post_key, record, site_tz)
        except (TypeError, ValueError):
            return
        back = _decode_record(post_key, data, site_tz, lambda _title: Deferred(str))
        if back is not None and _plain(back) == _plain(record):
            self._put[_record_name(post_key)] = data

    def _known(self) -> tuple[frozenset[str], bool]:
        """The files the last build kept, relative to the folder, and whether its index
        said so (else they are every file there)."""
        folder = self.cache.folder
        try:
            pipeline, *names = (folder / INDEX).read_text("utf-8").split("\n")
            if pipeline == PIPELINE:  # names of our own shape only: never a path elsewhere
                return frozenset(name for name in names if _FILE.match(name)), True
        except (OSError, ValueError):
            pass
        found = [*folder.glob("*/*.json"), *folder.glob("*/*.post")]  # .post: older caches
        return frozenset(path.relative_to(folder).as_posix() for path in found), False

    def _write(self, path: Path, data: Callable[[], bytes], *, append: bool = False) -> None:
        if self.failure is not None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if append:
                with open(path, "ab") as f:
                    f.write(data())
                return
            temp = path.with_suffix(f".{os.getpid()}.tmp")
            temp.write_bytes(data())
            os.replace(temp, path)
        except OSError as exc:
            self.failure = exc

    def _finish_records(self, live: Iterable[str]) -> None:
        """Append the records put by this build to the records file; write it anew if it
        is not ours, or if more than an eighth of its lines would be of no use (dead,
        bad or replaced): a fresh process reads them all."""
        held = self.cache.records()
        fresh = {n: r for n, r in self._put.items() if held.by_name.get(n) != r}
        held.by_name.update(fresh)
        names = set(map(_record_name, live))
        useful = len(names & held.by_name.keys())
        path = self.cache.folder / RECORDS
        if held.ours and held.lines + len(fresh) <= useful + useful // 8 + 1:
            if fresh:
                text = "".join(f"\n{n} {r}" for n, r in fresh.items())  # ends a cut line
                self._write(path, lambda: text.encode("utf-8"), append=True)
                held.lines += len(fresh)
        else:
            kept = {n: r for n, r in held.by_name.items() if n in names}
            text = "\n".join([PIPELINE, *(f"{n} {r}" for n, r in kept.items())])
            self._write(path, lambda: text.encode("utf-8"))
            held.by_name, held.lines, held.ours = kept, len(kept), True
        self.records = held if self.failure is None else None

    def finish(self, live: Iterable[str], live_records: Iterable[str] = ()) -> Diagnostic | None:
        """Drop the files of bodies that are not live (of edited or deleted posts): of
        the last build's (``known``, or the folder's index, or without a usable index
        every file there); list the live ones for the next build; keep the records of
        ``live_records`` (post keys)."""
        if self.failure is None:
            self._finish_records(live_records)
        if self.failure is None:
            folder = self.cache.folder
            keep = frozenset(map(_body_file, live))
            self.files = keep
            known, listed = (self.known, True) if self.known is not None else self._known()
            try:
                for name in known - keep:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(folder, name))
                if keep != known or not listed:
                    names = "\n".join((PIPELINE, *keep)).encode()
                    self._write(folder / INDEX, lambda: names)
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
