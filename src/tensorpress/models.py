"""The frozen records that flow between the stages of a build.

Tuples instead of lists and read-only mappings keep every stage's output immutable, so
a cached value can be shared between builds without being changed behind its back.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from tensorpress.config import SiteConfig
from tensorpress.diagnostics import Diagnostic

EMPTY: Mapping[str, Any] = MappingProxyType({})


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class Deferred:
    """A post's HTML, made when a page that shows it renders, and not kept: a big site
    holds each body compressed (``packed``) or on disk (the build cache) until then.

    ``str()`` and ``__html__`` (what Jinja's autoescape and ``Markup()`` call) give the
    HTML; templates read it as a plain ``Markup`` (``render``'s environment makes it)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    @classmethod
    def packed(cls, html: str) -> Deferred:
        """``html`` compressed in memory: highlighted code shrinks about tenfold."""
        data = zlib.compress(html.encode("utf-8"), 1)
        return cls(lambda: zlib.decompress(data).decode("utf-8"))

    def __str__(self) -> str:
        return self._make()

    def __html__(self) -> str:
        return self._make()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (str, Deferred)):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return "Deferred(...)"


@dataclass(frozen=True, slots=True)
class Source:
    """A post file as read from disk: bytes, not yet decoded."""

    path: str
    """Path relative to the site root, with forward slashes (``content/gan.md``)."""
    data: bytes
    mtime: float
    assets: tuple[str, ...] = ()
    """Files beside a bundle post (``content/<name>/index.md``), relative to the site root."""
    digest: str = ""
    """Digest of ``data`` as read (made here if not given): the one pass over a file's
    bytes that the build's digest and the body's cache key share."""
    unread: bool = False
    """Taken as unchanged from its stamp (size, time, inode, as the last build saw them):
    ``data`` is empty until the post must be made again (``stages``)."""

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", digest_bytes(self.data))


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a post, for the table of contents and for title inference."""

    level: int
    id: str
    text: str
    line: int
    """1-based line in the source file."""
    html: str = ""
    """The heading's inline HTML (math rendered, emphasis kept), for tables of contents."""


Fragment = tuple[str, int, int, tuple[str, ...]]
"""A code block or formula in a body's HTML (``fragments``): key, start, length, notes."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """The expensive, pure result of Markdown + highlighting for one post body."""

    html: str
    headings: tuple[Heading, ...]
    summary_html: str
    """HTML before ``<!--more-->``, else the first paragraph."""
    text: str
    """Plain text of the prose (no code), for topic inference and reading time."""
    words: int
    links: tuple[tuple[str, int], ...]
    """Every link and image target with its file line, for link checks."""
    diagnostics: tuple[Diagnostic, ...]
    fragments: tuple[Fragment, ...] = ()
    """Where each code block and formula is in ``html``, by key: a later version of the
    post takes those it did not change from here (``fragments``)."""


@dataclass(frozen=True, slots=True)
class TopicRef:
    """A topic as a post links to it."""

    slug: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Post:
    """A post ready for the templates. URLs are relative to the site root (``posts/x/``)."""

    source: str
    title: str
    slug: str
    url: str
    date: datetime
    updated: datetime | None
    topics: tuple[TopicRef, ...]
    summary: Markup
    content: Markup | Deferred
    """The body's HTML; ``Deferred`` until a page that shows it renders."""
    toc: tuple[Heading, ...]
    words: int
    reading_time: int
    """Minutes, at 230 words a minute for prose plus a little for each code block."""
    authors: tuple[str, ...]
    image: str | None
    draft: bool
    assets: tuple[str, ...] = ()
    links: tuple[tuple[str, int], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    search_entry: str = ""
    """The post in the search index, as JSON (``search.entry``: made once, with the post)."""
    description: str = ""
    """For the page's meta description: the front matter's, else the summary as text."""
    series: str | None = None
    """The name of the series this post is a part of."""
    notebook: str = ""
    """A notebook post's file name for the "download notebook" link (beside the page)."""
    colab: str = ""
    """A notebook post's "open in Colab" URL; empty without ``notebook_repo`` in the config."""
    files: tuple[tuple[str, bytes], ...] = ()
    """Files made from the source, written beside the page: (name, bytes), e.g. plots."""
    digest: str = ""
    """Changes whenever any other field does: the source's digest plus the metadata."""
    local_refs: tuple[tuple[str, str], ...] = ()
    """The relative links and images in ``content``, in order: (kind, target), for the
    link rewrite to resolve without the HTML (``content.local_refs``); then its
    citations, ("cite" or "cite-text", "line:key"), for ``citations.cite``."""
    aliases: tuple[str, ...] = ()
    """Pages that redirect here from the post's old URLs: paths in the output folder."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic page: its posts, newest first."""

    slug: str
    name: str
    description: str
    url: str
    posts: tuple[Post, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """Posts that belong together, in reading order (oldest first)."""

    slug: str
    name: str
    url: str
    posts: tuple[Post, ...]


@dataclass(frozen=True, slots=True)
class TopicLink:
    """A topic as every page sees it (navigation, the topics page): no posts, a count."""

    slug: str
    name: str
    description: str
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class PostLink:
    """A neighbouring post as a post page links to it."""

    title: str
    url: str
    date: datetime
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class Site:
    """The whole site, ready to render."""

    config: SiteConfig
    posts: tuple[Post, ...]
    """Newest first."""
    topics: tuple[Topic, ...]
    """By name."""
    series: tuple[Series, ...] = ()
    """By name."""


@dataclass(frozen=True, slots=True)
class Page:
    """One output file: where it goes in the output folder and its bytes."""

    path: str
    data: bytes
    source: str = ""
    """The file this page was made from, or where it is copied from, if any."""
    key: str = ""
    """Digest of everything the bytes depend on; equal keys mean equal bytes."""
    reused: bool = False
    """The file on disk already has this key: ``data`` is empty and nothing is written."""
