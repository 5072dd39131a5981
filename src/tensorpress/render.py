"""Pages from the site: plan what to write, key it, render what changed through Jinja2.

Template contract (every template gets these):

``site``      the ``SiteConfig`` (``site.title``, ``site.description``, ``site.base_url``...)
``topics``    every topic of the site, by name: ``slug``, ``name``, ``description``, ``url``,
              ``count`` (a ``TopicLink``; the posts of a topic are on ``topic.html``)
``page``      ``PageInfo``: ``kind``, ``path`` (output path), ``url``, ``title``, ``description``
``root``      the relative way back to the site root from this page (``../../``)
filters       ``url`` (site path -> relative link), ``absolute`` (site path -> absolute URL),
              ``date`` (``strftime`` format, default ``%b %-d, %Y``), ``iso`` (RFC 3339),
              ``bibtex``, ``jsonld`` and ``citation_authors`` (of a post)

and by kind: ``index.html``: ``posts``, ``pagination``; ``post.html``: ``post``, ``newer``,
``older`` (``PostLink``: ``title``, ``url``, ``date``; or none), ``related`` (up to three
``PostLink``), ``series`` (``SeriesNav``: ``name``, ``url``, ``part``, ``parts``; or none);
``series.html``: ``series`` (``name``, ``url``, ``posts``); ``topics.html``,
``search.html`` (the index is ``search.json``) and ``404.html``: nothing more;
``topic.html``: ``topic`` (a ``TopicLink``), ``posts`` and ``pagination`` like the index;
``archive.html``: ``years`` [(year, ``PostLink``s)]; ``feed.xml``: ``feed``
(``FeedInfo``); ``sitemap.xml``: ``posts`` (``PostLink``s, with ``updated``).
Template errors name the template file and line, and the post.

Every page is rendered only when its key (templates, config, its whole context) changed,
so what a template can see decides what an edit re-renders: keep contexts small.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, is_dataclass
from dataclasses import fields as dc_fields
from datetime import datetime
from functools import lru_cache, reduce
from itertools import combinations, groupby
from operator import and_, attrgetter
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2 import pass_context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from tensorpress import __version__
from tensorpress.cite import authors, bibtex, jsonld
from tensorpress.config import SiteConfig
from tensorpress.diagnostics import Diagnostic, error
from tensorpress.figures import SIDENOTE, SIDENOTE_END
from tensorpress.models import Deferred, Page, Post, PostLink, Site, Topic, TopicLink
from tensorpress.templates import template_dirs, templates_digest, theme_dir
from tensorpress.versions import machine_key


@dataclass(frozen=True, slots=True)
class PageInfo:
    kind: str
    path: str
    url: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    newer_url: str | None
    older_url: str | None


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    url: str
    """Site path of the feed itself."""
    home: str
    """Site path of the page the feed belongs to."""
    posts: tuple[Post, ...]
    updated: datetime | None


@dataclass(frozen=True, slots=True)
class Plan:
    """One page to render: its template, output path and context."""

    template: str
    info: PageInfo
    context: dict[str, Any]
    source: str = ""
    deps: tuple[Any, ...] | None = None
    """The records and values the context is made from, and nothing else: when the same
    records (identity: they are immutable) and equal values make it again, so does its
    key."""


@dataclass(frozen=True, slots=True)
class Keys:
    """Page keys of one render, by output path, with the ``deps`` they were made from:
    what the next render in the same process (``serve``) can reuse without digesting."""

    base: str = ""
    pages: Mapping[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)

    def get(self, base: str, plan: Plan) -> str | None:
        known = self.pages.get(plan.info.path) if base == self.base else None
        if known is None or plan.deps is None or len(known[0]) != len(plan.deps):
            return None
        same = all(
            a is b or (type(a) in (str, int) and a == b)
            for a, b in zip(known[0], plan.deps, strict=True)
        )
        return known[1] if same else None


def _root_for(path: str, config: SiteConfig) -> str:
    if path == "404.html":
        return urlsplit(config.base_url).path or "/"
    return "../" * path.count("/")


@pass_context
def _url(ctx: Any, target: str) -> str:
    return f"{ctx['root']}{target}" or "./"


_TARGET = re.compile(r'(\s(?:href|src)=")([^"]*)"')
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.I)


@pass_context
def _summary(ctx: Any, post: Post) -> Markup:
    """A post's summary for a page that lists it: its relative links and images were
    relative to the post's page; here they lead to the same place from this page (the
    home page is not as deep: under a sub-path, ``../../x`` from it left the site)."""

    def move(m: re.Match[str]) -> str:
        target = m.group(2)
        if not target or target.startswith("/") or _SCHEME.match(target):
            return m.group(0)
        path, mark, rest = target.partition("#")
        moved = posixpath.normpath(post.url + path) + (
            "/" if path.endswith("/") or not path else ""
        )
        site_path = "" if moved in ("./", ".") else moved  # the site's root
        return f'{m.group(1)}{ctx["root"]}{site_path}{mark}{rest}"'.replace('=""', '="./"')

    return Markup(_TARGET.sub(move, str(post.summary)))


# Filters that read the config take it from the context, never from a closure: Jinja
# folds a filter applied to a constant into the compiled template, and compiled
# templates are shared between sites (the bytecode cache).
@pass_context
def _absolute(ctx: Any, target: str) -> str:
    return ctx["site"].base_url + target.lstrip("/")


@pass_context
def _bibtex(ctx: Any, post: Post) -> str:
    return bibtex(post, ctx["site"])


@pass_context
def _jsonld(ctx: Any, post: Post) -> Markup:
    return Markup(jsonld(post, ctx["site"]))


@pass_context
def _citation_authors(ctx: Any, post: Post) -> Any:
    return authors(post, ctx["site"])


def _date(value: datetime, fmt: str = "%b %-d, %Y") -> str:
    return value.strftime(fmt)


def _iso(value: datetime) -> str:
    return value.isoformat()


_FEED_TAGS = re.compile(r'<(?:a class="header-anchor"[^<>]*>#</a>|/?span\b[^<>]*>)')
"""Heading anchors and spans (highlighting: feed readers have no stylesheet for it); no
run stops short of the next ``<``, so a line of unclosed tags is read once."""
_FEED_ATTRS = re.compile(r'\s(?:data-copy|tabindex)="[^"<]*"')


@lru_cache(maxsize=4096)
def feed_html(html: str) -> str:
    """A post's HTML for a feed: what a feed reader can show, without page-only markup.

    Keeps feeds several times smaller: highlighted code is mostly ``<span>`` tags. A
    sidenote (a repeat of a footnote) goes from its first tag to its end mark: found by
    splitting at the marks, as a pattern searching for the mark from each tag would take
    time quadratic in a page of unclosed ones."""
    *noted, rest = html.split(SIDENOTE_END)
    kept = []
    for part in noted:
        at = part.find(SIDENOTE)
        kept.append(part[:at] if at >= 0 else part + SIDENOTE_END)
    text = "".join([*kept, rest]).replace("</span>", "")
    return _FEED_ATTRS.sub("", _FEED_TAGS.sub("", text))


class _Environment(SandboxedEnvironment):
    """Templates see a post's deferred HTML as the ``Markup`` it stands for, made only
    when a template reads it: listings that show summaries never make it.

    A field of one of our records is data, read at once: the sandbox's checks, made for
    any object, took a tenth of a cold build. No path is reachable at all: Jinja's
    sandbox lets a template call a ``Path``'s methods, and a cloned site's template
    wrote files anywhere through ``site.root``."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in _record_fields(type(obj)):
            value = getattr(obj, attribute)
            if not isinstance(value, PurePath):
                return Markup(value) if type(value) is Deferred else value
        value = _GETATTR(self, obj, attribute)  # not super(): called for every attribute
        return Markup(value) if type(value) is Deferred else value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = _GETITEM(self, obj, argument)
        return Markup(value) if type(value) is Deferred else value

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, PurePath) or isinstance(value, PurePath):
            return False
        return super().is_safe_attribute(obj, attr, value)


@lru_cache(maxsize=256)
def _record_fields(cls: type) -> frozenset[str]:
    """The fields of ``cls`` if it is one of our records (frozen dataclasses of data)."""
    if cls.__module__.startswith("tensorpress.") and is_dataclass(cls):
        return frozenset(f.name for f in dc_fields(cls))
    return frozenset()


_GETATTR = SandboxedEnvironment.getattr
_GETITEM = SandboxedEnvironment.getitem


SYNTAX = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
"""How templates are read: compiled templates depend on it, so their cache names it."""


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja's per-user folder, names tied to this version and syntax (Jinja checks the
    template's source and its own version)."""
    tag = hashlib.sha1(f"{__version__}|{sorted(SYNTAX.items())}".encode()).hexdigest()[:12]
    try:
        return jinja2.FileSystemBytecodeCache(pattern=f"tensorpress-{tag}-%s.cache")
    except (OSError, RuntimeError):  # no safe per-user folder: compile every time
        return None


def make_env(config: SiteConfig, bytecode: bool = False) -> jinja2.Environment:
    """Jinja2 with the site's templates over the theme's, strict and autoescaping.

    ``bytecode`` keeps compiled templates between processes (a tenth of a second per
    command-line build) in Jinja's own per-user folder, not in the site: a site folder
    may come from anywhere, and loading compiled code runs it."""
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(config)]),
        bytecode_cache=_bytecode_cache() if bytecode else None,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        **SYNTAX,
    )
    env.filters.update(
        url=_url,
        absolute=_absolute,
        date=_date,
        iso=_iso,
        feed_html=lambda html: feed_html(str(html)),
        summary=_summary,
        bibtex=_bibtex,
        jsonld=_jsonld,
        citation_authors=_citation_authors,
    )
    return env


def _paginate(posts: Sequence[Post], size: int) -> list[tuple[Post, ...]]:
    chunks = [tuple(posts[i : i + size]) for i in range(0, len(posts), size)]
    return chunks or [()]


def _dir_url(path: str) -> str:
    return path.removesuffix("index.html")


def _feed(title: str, url: str, home: str, posts: tuple[Post, ...]) -> FeedInfo:
    recent = posts[:20]
    updated = max((p.updated or p.date for p in recent), default=None)
    return FeedInfo(title, url, home, recent, updated)


def _link(post: Post) -> PostLink:
    return PostLink(post.title, post.url, post.date, post.updated)


def _paginated(base: str, posts: Sequence[Post], size: int):
    """(path, url, posts, Pagination) for each page of a listing at ``base`` (a folder)."""
    chunks = _paginate(posts, size)

    def path(n: int) -> str:
        return f"{base}index.html" if n == 1 else f"{base}page/{n}/index.html"

    for n, chunk in enumerate(chunks, start=1):
        newer = _dir_url(path(n - 1)) if n > 1 else None
        older = _dir_url(path(n + 1)) if n < len(chunks) else None
        yield path(n), _dir_url(path(n)), chunk, Pagination(n, len(chunks), newer, older)


@dataclass(frozen=True, slots=True)
class SeriesNav:
    """Where a post stands in its series: ``part`` of ``len(parts)``."""

    name: str
    url: str
    part: int
    parts: tuple[PostLink, ...]


def related_posts(posts: Sequence[Post], limit: int = 3) -> tuple[tuple[int, ...], ...]:
    """For each post, the indices of the posts sharing most topics with it, then the newest."""
    return _related(tuple(tuple(ref.slug for ref in p.topics) for p in posts), limit)


@lru_cache(maxsize=4)
def _related(topics: tuple[tuple[str, ...], ...], limit: int) -> tuple[tuple[int, ...], ...]:
    """``related_posts`` on the topics alone (so a rebuild that changed none reuses it).

    Topics are bitmasks over the (newest-first) post list, so "shares at least c topics"
    is an OR of ANDs and the newest such posts are the lowest set bits: fast enough for
    thousands of posts, where counting candidates post by post is quadratic.
    """
    masks: dict[str, int] = {}
    for i, slugs in enumerate(topics):
        for slug in slugs:
            masks[slug] = masks.get(slug, 0) | (1 << i)
    related = []
    for i, slugs in enumerate(topics):
        own = [masks[slug] for slug in slugs][:8]  # 2**8 subsets at most
        chosen: list[int] = []
        taken = 1 << i
        for c in range(len(own), 0, -1):
            level = 0
            for combo in combinations(own, c):
                level |= reduce(and_, combo)
            fresh = level & ~taken
            while fresh and len(chosen) < limit:
                low = fresh & -fresh
                chosen.append(low.bit_length() - 1)
                fresh ^= low
            taken |= level
            if len(chosen) == limit:
                break
        related.append(tuple(chosen))
    return tuple(related)


def topic_links(site: Site) -> tuple[TopicLink, ...]:
    """The ``topics`` every template gets: names and counts, not posts, so that editing a
    post re-renders only the pages that show it."""
    return tuple(TopicLink(t.slug, t.name, t.description, t.url, len(t.posts)) for t in site.topics)


def plan_pages(site: Site) -> list[Plan]:
    """Every page of the site, with its context: one list, in a fixed order."""
    config = site.config
    plans: list[Plan] = []
    for path, url, chunk, pages in _paginated("", site.posts, config.posts_per_page):
        title = config.title if pages.number == 1 else f"{config.title}: page {pages.number}"
        plans.append(
            Plan(
                "index.html",
                PageInfo("index", path, url, title, config.description),
                {"posts": chunk, "pagination": pages},
                deps=(*chunk, pages.number, pages.total),
            )
        )
    links = tuple(_link(p) for p in site.posts)  # shared: fingerprinted once each
    link_of = {p.source: link for p, link in zip(site.posts, links, strict=True)}
    related = related_posts(site.posts)
    series_of = {p.source: (s, i) for s in site.series for i, p in enumerate(s.posts)}
    for i, post in enumerate(site.posts):
        newer = links[i - 1] if i > 0 else None
        older = links[i + 1] if i + 1 < len(links) else None
        in_series = series_of.get(post.source)
        nav = None
        neighbours = (site.posts[i - 1] if i > 0 else None, site.posts[i + 1] if older else None)
        deps = (post, *neighbours, *(site.posts[j] for j in related[i]), in_series)
        if in_series is not None:
            s, part = in_series
            nav = SeriesNav(s.name, s.url, part + 1, tuple(link_of[p.source] for p in s.posts))
        plans.append(
            Plan(
                "post.html",
                PageInfo("post", post.url + "index.html", post.url, post.title, post.description),
                {
                    "post": post,
                    "newer": newer,
                    "older": older,
                    "related": tuple(links[j] for j in related[i]),
                    "series": nav,
                },
                post.source,
                deps,
            )
        )
    for post, link in zip(site.posts, links, strict=True):
        for path in post.aliases:  # old URLs: a page that sends the reader on
            url = path.removesuffix("index.html")
            info = PageInfo("redirect", path, url, post.title, post.description)
            plans.append(Plan("redirect.html", info, {"target": link}, post.source))
    for s in site.series:
        plans.append(
            Plan(
                "series.html",
                PageInfo("series", s.url + "index.html", s.url, s.name),
                {"series": s},
            )
        )
    plans.append(
        Plan("topics.html", PageInfo("topics", "topics/index.html", "topics/", "Topics"), {})
    )
    for topic, link in zip(site.topics, topic_links(site), strict=True):
        for path, url, chunk, pages in _paginated(topic.url, topic.posts, config.posts_per_page):
            title = topic.name if pages.number == 1 else f"{topic.name}: page {pages.number}"
            plans.append(
                Plan(
                    "topic.html",
                    PageInfo("topic", path, url, title, topic.description),
                    {"topic": link, "posts": chunk, "pagination": pages},
                    deps=(*chunk, *_field_values(link), pages.number, pages.total),
                )
            )
        feed = _feed(
            f"{config.title}: {topic.name}", topic.url + "feed.xml", topic.url, topic.posts
        )
        plans.append(
            Plan("feed.xml", PageInfo("feed", feed.url, feed.url, feed.title), {"feed": feed})
        )
    plans.append(
        Plan("search.html", PageInfo("search", "search/index.html", "search/", "Search"), {})
    )
    years = [(year, tuple(group)) for year, group in groupby(links, key=lambda p: p.date.year)]
    plans.append(
        Plan(
            "archive.html",
            PageInfo("archive", "archive/index.html", "archive/", "Archive"),
            {"years": years},
        )
    )
    feed = _feed(config.title, "feed.xml", "", site.posts)
    plans.append(
        Plan("feed.xml", PageInfo("feed", "feed.xml", "feed.xml", config.title), {"feed": feed})
    )
    plans.append(
        Plan(
            "sitemap.xml",
            PageInfo("sitemap", "sitemap.xml", "sitemap.xml", "Sitemap"),
            {"posts": links},
        )
    )
    plans.append(Plan("robots.txt", PageInfo("robots", "robots.txt", "robots.txt", "robots"), {}))
    plans.append(Plan("404.html", PageInfo("404", "404.html", "404.html", "Page not found"), {}))
    return plans


def _template_line(exc: BaseException, template_paths: tuple[str, ...]) -> tuple[str, int]:
    """The innermost template frame of a runtime error: (file, line)."""
    found = ("", 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")) or any(
            frame.filename.startswith(p) for p in template_paths
        ):
            found = (frame.filename, frame.lineno or 0)
    return found


def _rel(path: str, config: SiteConfig) -> str:
    try:
        return Path(path).resolve().relative_to(config.root).as_posix()
    except ValueError:
        return path


FLAT = (PageInfo, Pagination, PostLink, TopicLink)
"""Records of plain values only: their ``repr`` says everything about them."""


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 does not allow even escaped (a pasted ESC[31m, a title's \\x1b):
one made a feed that feed readers reject whole."""


@lru_cache(maxsize=64)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dc_fields(cls))


@lru_cache(maxsize=64)
def _getter(cls: type) -> attrgetter:
    return attrgetter(*_field_names(cls))


def _field_values(record: Any) -> tuple[Any, ...]:
    return _getter(type(record))(record)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _fingerprint(value: Any, memo: dict[int, str]) -> str:
    """A string that changes whenever ``value`` could render differently.

    Every record is fingerprinted once per build (``memo``, by identity): contexts share
    their posts, links and listings, so most of a page's fingerprint is a lookup. The
    common types are told apart by ``type`` first: this runs some 15 times a page."""
    kind = type(value)
    if kind in _PLAIN:
        return repr(value)
    hit = memo.get(id(value))
    if hit is not None:
        return hit
    if kind is tuple or kind is list or (kind is not dict and isinstance(value, (tuple, list))):
        joined = ",".join([_fingerprint(v, memo) for v in value])
        out = f"[{joined}]" if len(value) < 32 else hashlib.sha1(joined.encode()).hexdigest()
    elif isinstance(value, dict):
        out = "{" + ",".join([f"{k!r}:{_fingerprint(v, memo)}" for k, v in value.items()]) + "}"
    elif isinstance(value, FLAT):
        out = f"{kind.__name__}{_field_values(value)!r}"
    elif isinstance(value, Post):
        out = value.digest or hashlib.sha1(repr(value).encode()).hexdigest()
    elif isinstance(value, (str, int, float)):
        out = repr(value)
    elif is_dataclass(value) and not isinstance(value, SiteConfig):
        fields = ",".join(_fingerprint(getattr(value, n), memo) for n in _field_names(kind))
        out = f"{kind.__name__}({fields})"
    else:
        out = repr(value)
    memo[id(value)] = out
    return out


def render_pages(
    env: jinja2.Environment,
    site: Site,
    previous: Mapping[str, str] | None = None,
    templates: str = "",
    known: Keys | None = None,
    sink: Callable[[Page], None] | None = None,
) -> tuple[list[Page], list[Diagnostic], Keys]:
    """Render every planned page whose key is not in ``previous`` (path -> key on disk).

    A page's key digests the templates, the config and the page's whole context, so a
    page is rendered again exactly when its bytes could change. ``known`` (the last
    render's ``Keys``) skips digesting contexts made from the very same records.
    With ``sink``, each page goes there as it is made and the pages returned have no
    bytes: a big site is written as it renders, never held whole.
    """
    config = site.config
    common = {"site": config, "topics": topic_links(site)}
    pages: list[Page] = []
    diags: list[Diagnostic] = []
    failed: set[str] = set()
    search = tuple(getattr(env.loader, "searchpath", ()))
    memo: dict[int, str] = {}
    templates = templates or templates_digest(config)
    base = f"{machine_key()}|{templates}|{config!r}|{common['topics']!r}"
    base = hashlib.sha1(base.encode()).hexdigest()
    previous = previous or {}
    keys: dict[str, tuple[tuple[Any, ...], str]] = {}
    for plan in plan_pages(site):
        if plan.template in failed:
            continue
        key = (known and known.get(base, plan)) or hashlib.sha1(
            f"{base}|{plan.template}|{_fingerprint(plan.info, memo)}|"
            f"{_fingerprint(plan.context, memo)}".encode()
        ).hexdigest()
        if plan.deps is not None:
            keys[plan.info.path] = (plan.deps, key)
        if previous.get(plan.info.path) == key:
            pages.append(Page(plan.info.path, b"", plan.source, key, reused=True))
            if sink is not None:
                sink(pages[-1])
            continue
        context = {
            **common,
            **plan.context,
            "page": plan.info,
            "root": _root_for(plan.info.path, config),
        }
        try:
            template = env.get_template(plan.template)
            text = template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            failed.add(plan.template)
            where = _rel(exc.filename or plan.template, config)
            diags.append(error(where, exc.lineno or 0, f"template syntax error: {exc.message}"))
            continue
        except jinja2.TemplateNotFound as exc:
            failed.add(plan.template)
            diags.append(
                error(
                    f"templates/{plan.template}",
                    0,
                    f"template {exc.name!r} not found in the site's templates/ or the theme",
                )
            )
            continue
        except Exception as exc:  # a template runtime error: name template, line and post
            failed.add(plan.template)
            file, line = _template_line(exc, search)
            about = (
                f" while rendering {plan.source}"
                if plan.source
                else f" while rendering {plan.info.path}"
            )
            diags.append(
                error(
                    _rel(file, config) if file else f"templates/{plan.template}",
                    line,
                    f"template error{about}: {type(exc).__name__}: {exc}",
                )
            )
            continue
        if plan.template.endswith(".xml"):
            text = _NOT_XML.sub("", text)
        page = Page(plan.info.path, text.encode("utf-8"), plan.source, key)
        if sink is not None:
            sink(page)
            page = Page(page.path, b"", page.source, key)
        pages.append(page)
    return pages, diags, Keys(base, keys)


__all__ = ["Plan", "Topic", "make_env", "plan_pages", "render_pages", "theme_dir"]
