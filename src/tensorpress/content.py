"""Posts from sources: metadata inference, slugs, URLs, topics, order and collisions.

``load_post`` is pure given its inputs; its expensive step (repair + Markdown +
Pygments) is memoised in a cache keyed by the file's path and bytes.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from html import escape, unescape
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

from tensorpress.citations import Bibliography, cite, cited
from tensorpress.config import SiteConfig, TopicDef
from tensorpress.diagnostics import Diagnostic, error, has_errors, warning
from tensorpress.drafts import prepare
from tensorpress.fragments import Taken
from tensorpress.frontmatter import decode, load_front, split, validate
from tensorpress.images import IMAGE_SUFFIXES
from tensorpress.markdown import render
from tensorpress.markdown import slugify as heading_slug
from tensorpress.models import Deferred, Post, Rendered, Series, Site, Source, Topic, TopicRef
from tensorpress.output import NOTEBOOK, POST_SUFFIXES, is_notebook
from tensorpress.search import entry, plain_text
from tensorpress.versions import PIPELINE, machine_key

GENERIC_HEADINGS = frozenset({
    "introduction", "overview", "background", "summary", "abstract", "conclusion", "tl;dr",
    "tldr", "contents", "table of contents", "setup", "set up", "set-up", "imports",
    "import", "installation", "install", "installing", "getting started", "prerequisites",
    "requirements", "dependencies", "preliminaries", "environment", "environment setup",
    "configuration", "libraries", "setup and imports", "imports and setup",
    "install dependencies", "installing dependencies", "load libraries", "loading libraries",
})  # fmt: skip
"""Headings that name a section any post may have, not what this one is about."""
LABELS = frozenset({
    "note", "notes", "warning", "important", "tip", "caution", "update", "disclaimer",
    "info", "attention", "todo", "edit", "hint", "draft",
})  # fmt: skip
"""Bold words that open a callout, not a title (``**Note**`` on a line of its own)."""
MAX_TITLE_WORDS = 15
"""A bold first line of more words is a sentence set in bold, not a title."""
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[ivx]+\.)\s+")
_BOLD_LINE = re.compile(r" {0,3}(\*\*|__)(?=\S)(.+?)(?<=\S)\1\s*")
_BOLD_LEAD = re.compile(r"\s*<p><strong>([^<]*)</strong></p>\n?")
_DATE_PREFIX = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-(.+)")


def date_prefix(name: str) -> tuple[datetime | None, str]:
    """The date a file name starts with, Jekyll's way (``2022-2-8-quantization``: Jekyll
    takes one-digit months and days too), and the rest of the name; (None, name) if it
    starts with none, or with one no calendar has."""
    found = _DATE_PREFIX.fullmatch(name)
    if found is None:
        return None, name
    try:
        return datetime(*(int(g) for g in found.groups()[:3])), found.group(4)
    except ValueError:  # 2024-13-40: not a date, so part of the name
        return None, name


@dataclass(frozen=True, slots=True)
class Body:
    """The cached, expensive part of a post: its rendered body and what repair found."""

    rendered: Rendered
    prompt_subject: str | None
    diagnostics: tuple[Diagnostic, ...]


def slugify(text: str) -> str:
    """A post's URL segment: a heading slug, at most 120 characters."""
    return heading_slug(text, "post")[:120].strip("-") or "post"


def readable(stem: str) -> str:
    """``my-first_post`` -> ``My first post``."""
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def post_name(path: str) -> str:
    """The name a post's slug and date come from: the file stem, or the folder of an
    ``index`` (a bundle) or a ``README`` (the folder's page, as GitHub shows it)."""
    p = PurePosixPath(path)
    named_by_folder = p.stem == "index" or p.stem.lower() == "readme"
    return p.parent.name if named_by_folder and p.parent.name != "content" else p.stem


def parser_options(config: SiteConfig) -> tuple[Any, ...]:
    """The settings that change what a body renders to: ``make_parser``'s arguments."""
    return (config.line_numbers, config.math_macros)


def body_key(source: Source, options: tuple[Any, ...] = ()) -> str:
    """The cache key of a source's body: pipeline version, parser options, path, bytes."""
    text = f"{PIPELINE}\0{machine_key()}\0{options!r}\0{source.path}\0{source.digest}"
    return hashlib.blake2b(text.encode()).hexdigest()


def _check_read(source: Source) -> None:
    if source.unread:  # a bug, not bad input: making it from empty bytes would be wrong
        raise ValueError(f"{source.path} was taken from its stamp and not read")


def compute_body(
    source: Source, md: MarkdownIt, reuse: Mapping[str, Taken] | None = None
) -> Body | None:
    """Decode, split, repair and render one source: the expensive step, pure. ``reuse``:
    code blocks and formulas made already (an earlier version's: ``fragments``)."""
    _check_read(source)
    if is_notebook(source.path):
        from tensorpress import cells  # only for notebooks: its import is not free

        nb = cells.render_body(source.data, source.path, md)
        return None if nb is None else Body(nb.rendered, None, nb.diagnostics)
    text, _ = decode(source.data, source.path)
    if text is None:
        return None
    sp, _ = split(text, source.path)
    fixed = prepare(sp.body, source.path, sp.body_line, has_front_matter=sp.kind is not None)
    rendered = render(md, fixed.text, source.path, sp.body_line, reuse)
    return Body(rendered, fixed.prompt_subject, fixed.diagnostics)


@lru_cache(maxsize=8)
def _keyword_patterns(topics: tuple[TopicDef, ...]) -> tuple[tuple[TopicDef, re.Pattern], ...]:
    out = []
    for topic in topics:
        words = sorted({*topic.keywords, topic.name.lower()}, key=len, reverse=True)
        alternation = "|".join(re.escape(w) for w in words if w)
        out.append((topic, re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I)))
    return tuple(out)


def infer_topics(text: str, topics: tuple[TopicDef, ...], limit: int = 4) -> tuple[str, ...]:
    """Topics whose keywords occur at least twice, most mentioned first (ties by slug)."""
    scores = []
    for topic, pattern in _keyword_patterns(topics):
        count = len(pattern.findall(text))
        if count >= 2:
            scores.append((-count, topic.slug))
    return tuple(slug for _, slug in sorted(scores)[:limit])


def _topic_refs(names: Iterable[str], config: SiteConfig) -> tuple[TopicRef, ...]:
    by_key = {}
    for t in config.topics:
        by_key[t.slug.lower()] = t
        by_key[t.name.lower()] = t
    refs: dict[str, TopicRef] = {}
    for name in names:
        known = by_key.get(name.lower()) or by_key.get(slugify(name))
        slug, label = (known.slug, known.name) if known else (slugify(name), name)
        refs.setdefault(slug, TopicRef(slug, label, f"topics/{slug}/"))
    return tuple(refs.values())


def _plain_name(text: str) -> str:
    """A heading or bold line as compared with the generic names: lower case, without its
    numbering (``1. Setup``) or closing punctuation, ``&`` read as "and"."""
    text = " ".join(text.replace("&", " and ").split()).lower()
    return _NUMBERING.sub("", text).rstrip(" :.!")


def is_generic(text: str) -> bool:
    """A heading such as "Setup" or "1. Imports": a section every post may have."""
    return _plain_name(text) in GENERIC_HEADINGS


def bold_title(line: str) -> str | None:
    """The text of a line that is wholly bold and short, as notebooks write a title
    (``**Chapter 3 - Classification**``, a paragraph and not a heading); None for any
    other line, a sentence or a label (``**Note:**``), or a generic name (``**Setup**``)."""
    if len(line) > 300 or not (m := _BOLD_LINE.fullmatch(line)):
        return None
    inner = m.group(2)
    if m.group(1) in inner or "[" in inner or "<" in inner:  # two spans, a link, HTML
        return None
    if len(inner) > 2 and inner[0] == inner[-1] and inner[0] in "*_":  # ***bold italic***
        inner = inner[1:-1]
    text = unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", inner.replace("`", ""))).strip()
    words = text.split()
    if not words or len(words) > MAX_TITLE_WORDS or text[-1] in ".:;,":
        return None
    name = _plain_name(text)
    return None if name in GENERIC_HEADINGS or name in LABELS else text


def _at(line: int) -> str:
    return f" (line {line})" if line else ""


def _title(body: Body, name: str, lead: tuple[str, int]) -> tuple[str, int, str]:
    """(title, line, where from) when the front matter gives none: a wholly bold first
    line, else the first heading unless it is generic, else an echoed prompt's subject,
    else a generic first heading that is the page's only top heading (``# Installation``
    over ``##`` sections), else the file name. ``lead``: the first line of the body (of
    its first markdown cell, in a notebook) and its file line."""
    text, line = lead
    if bold := bold_title(text):
        return bold, line, f"the bold first line{_at(line)}"
    headings = body.rendered.headings
    first = headings[0] if headings and headings[0].text else None
    if first and not is_generic(first.text):
        return first.text, first.line, f"the first heading{_at(first.line)}"
    if body.prompt_subject:
        return body.prompt_subject, 1, "the prompt echoed on the first line"
    if first and all(h.level > first.level for h in headings[1:]):
        return first.text, first.line, f"the first heading{_at(first.line)}"
    if first:
        why = f"the first heading, {first.text!r}{_at(first.line)}, names a section"
        return readable(name), 1, f"the file name ({why})"
    return readable(name), 1, "the file name"


def first_line(text: str, line: int) -> tuple[str, int]:
    """The first non-blank line of ``text`` (whose first line is file line ``line``) and
    its file line: where a title may be written in bold."""
    at = len(text) - len(text.lstrip())  # no split: a body may be megabytes
    if at == len(text):
        return "", 0
    start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
    return text[start : end if end >= 0 else len(text)], line + text.count("\n", 0, at)


def _title_paragraph(html: str, title: str) -> int:
    """Where a first paragraph that is only the title in bold ends in ``html``, or 0."""
    m = _BOLD_LEAD.match(html)
    return m.end() if m and unescape(m.group(1)).strip() == title else 0


def post_html(rendered: Rendered, title: str) -> str:
    """A post's HTML without what repeats the title, which the page template shows
    already: a first ``<h1>``, or a first paragraph of the title in bold. A link of the
    post to that ``<h1>`` (d2lbook's ``:numref:`` to its chapter) still finds its id."""
    html = rendered.html
    first = rendered.headings[0] if rendered.headings else None
    if first and first.level == 1 and first.text == title:
        m = re.match(r"\s*<h1\b[^>]*>.*?</h1>\n?", html, re.S)
        if m:
            linked = any(  # its own permalink aside
                target == f"#{first.id}" and line != first.line for target, line in rendered.links
            )
            return (f'<div id="{escape(first.id)}"></div>\n' if linked else "") + html[m.end() :]
    return html[_title_paragraph(html, title) :]


def post_summary(rendered: Rendered, title: str) -> str:
    """The summary, or the paragraph after it when it is the title in bold (which the
    page leaves out, and a list shows above it)."""
    end = _title_paragraph(rendered.html, title)
    if not end or rendered.summary_html.strip() != rendered.html[:end].strip():
        return rendered.summary_html
    after = re.match(r"\s*(<p>.*?</p>)", rendered.html[end:], re.S)
    return after.group(1) + "\n" if after else ""


def load_post(
    source: Source,
    config: SiteConfig,
    md: MarkdownIt,
    cache: Mapping[str, Body],
    keep: MutableMapping[str, Body],
    key: str = "",
) -> tuple[Post | None, tuple[Diagnostic, ...]]:
    """A source file into a ``Post``, inferring what the front matter leaves out.

    ``key`` is the source's ``body_key`` when the caller has it already."""
    _check_read(source)
    path = source.path
    nb_front = None
    if is_notebook(path):
        from tensorpress import cells, notebook

        nb, diags = notebook.read(source.data, path)
        if nb is None:
            return None, diags
        nb_front = notebook.front_matter(nb, path)
        data, _lines = dict(nb_front.data), dict(nb_front.lines)
        out = list(nb_front.diagnostics)
        has_front, empty = nb_front.found, notebook.is_empty(nb_front)
        lead = notebook.first_line(nb_front.cells)
    else:
        text, diags = decode(source.data, path)
        if text is None:
            return None, diags
        sp, split_diags = split(text, path)
        data, _lines, load_diags = load_front(sp, path)
        out = [*diags, *split_diags, *load_diags]
        has_front, empty = sp.kind is not None, not sp.body.strip()
        lead = first_line(sp.body, sp.body_line)
    fm, fm_diags = validate(data, _lines, path)
    out.extend(fm_diags)
    if has_errors(out):
        return None, tuple(out)
    if empty and fm.title is None:
        what = "add cells" if nb_front else "write some Markdown"
        return None, (error(path, 1, f"the post is empty: {what}, or delete the file"),)

    key = key or body_key(source, parser_options(config))
    body = cache.get(key) or compute_body(source, md)
    if body is None:  # decoding succeeded above, so this cannot happen
        return None, tuple(out)
    keep[key] = body
    out.extend(body.diagnostics)
    out.extend(body.rendered.diagnostics)
    dated, name = date_prefix(post_name(path))

    title = fm.title
    if title is None:
        title, line, origin = _title(body, name, lead)
        out.append(
            warning(
                path,
                line,
                f"no title in front matter; using {title!r} from {origin}: add 'title:' to pin it",
            )
        )

    tz = config.tz
    date = fm.date
    modified = datetime.fromtimestamp(source.mtime, UTC).astimezone(tz).replace(microsecond=0)
    if date is None:
        date = modified if "date" in fm.file_dated else dated
    if date is None:
        date = modified
        out.append(
            warning(
                path,
                1,
                f"no date in front matter; using the file's modification "
                f"time {date:%Y-%m-%d %H:%M}: add 'date:' to pin it",
            )
        )
    date = date if date.tzinfo else date.replace(tzinfo=tz)
    updated = modified if "updated" in fm.file_dated else fm.updated
    if updated is not None and updated.tzinfo is None:
        updated = updated.replace(tzinfo=tz)

    topic_names = fm.topics or ()
    if fm.topics is None and not has_front:
        topic_names = infer_topics(f"{title}\n{body.rendered.text}", config.topics)
        found = ", ".join(topic_names) if topic_names else "none"
        out.append(
            warning(
                path,
                1,
                f"no topics in front matter; inferred from the text: "
                f"{found}: add 'topics: [...]' to pin them",
            )
        )

    slug = slugify(fm.slug or name)
    rendered = body.rendered
    html = post_html(rendered, title)
    summary = Markup(
        f"<p>{escape(fm.summary)}</p>" if fm.summary else post_summary(rendered, title)
    )
    topics = _topic_refs(topic_names, config)
    fields = Post(
        source=path,
        title=title,
        slug=slug,
        url=f"posts/{slug}/",
        date=date,
        updated=updated,
        topics=topics,
        summary=summary,
        content=Markup(html),
        toc=tuple(
            h for h in rendered.headings if h.level in (2, 3) or (h.level == 1 and h.text != title)
        ),
        words=rendered.words,
        reading_time=max(1, round(rendered.words / 230)),
        authors=fm.authors or ((config.author,) if config.author else ()),
        image=fm.image,
        draft=fm.draft or "/_drafts/" in path,
        assets=source.assets,
        links=rendered.links,
        extra=fm.extra,
        search_entry=entry(
            title, f"posts/{slug}/", date, tuple(t.name for t in topics), summary, rendered.text
        ),
        description=str(fm.extra.get("description") or plain_text(summary)[:300]),
        series=fm.series,
        local_refs=(
            *(local_refs(html) if _links_local(rendered.links) else ()),
            *(cited(html) if "citation" in html or "<d-cite" in html else ()),
        ),
        aliases=fm.aliases,
    )
    if nb_front is not None:
        download = f"{name}{NOTEBOOK}"
        fields = replace(
            fields,
            notebook=download,
            colab=notebook.colab_url(config.notebook_repo, path),
            files=(*cells.images(nb_front.cells), (download, source.data)),
        )
    meta = (
        replace(fields, summary=Markup(), content=Markup(), search_entry="", files=())
        if not fm.summary
        else replace(fields, content=Markup(), search_entry="", files=())
    )
    post = replace(fields, digest=hashlib.sha1(f"{key}|{meta!r}".encode()).hexdigest())
    return post, tuple(out)


def _is_relative(url: str) -> bool:
    """A link to something of ours: no scheme, not site-absolute, not only an anchor."""
    return bool(url) and not url.startswith(("/", "#", "?")) and ":" not in url.split("/")[0]


def _is_rooted(url: str) -> bool:
    """A link from the site's root (``/assets/a.png``), as Jekyll and Hugo posts give."""
    return url.startswith("/") and not url.startswith("//")


@lru_cache(maxsize=16384)
def _links_local(links: tuple[tuple[str, int], ...]) -> bool:
    """Whether any link is ours (memoised: a post kept between rebuilds keeps its tuple)."""
    return any(_is_relative(url) or _is_rooted(url) for url, _ in links)


_LINK = re.compile(r'(\s(?:href|src)=")([^"#?:]*)((?:[#?][^"]*)?)"')


_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]*)"')


def _local_image(tag: str) -> str | None:
    """The target of an ``<img>`` tag that may be a file of ours (relative to the post
    or from the site's root), else None."""
    src = _SRC.search(tag)
    target = src.group(1).split("#")[0].split("?")[0] if src else ""
    return target if _is_relative(target) or _is_rooted(target) else None


def _local_link(target: str) -> bool:
    """Whether an href/src target (``_LINK``'s second group) may be ours: relative to
    the post, or from the site's root."""
    return bool(target) and not target.startswith("//")


def local_refs(html: str) -> tuple[tuple[str, str], ...]:
    """What the link rewrite looks at in ``html``, in its order: ("img" or "img-sized",
    target) for each local image, then ("link", target) for each relative href/src.
    Kept with the post, so its links can be resolved without its HTML."""
    images = [
        ("img-sized" if " width=" in tag else "img", target)
        for tag in _IMG.findall(html)
        if (target := _local_image(tag)) is not None
    ]
    links = [("link", target) for _, target, _ in _LINK.findall(html) if _local_link(target)]
    return (*images, *links)


class _Links:
    """Where a post's relative links and images lead in this site: what the rewrite
    does to each, the same whether it reads the HTML or only the post's ``local_refs``."""

    def __init__(
        self,
        post: Post,
        by_source: dict[str, Post],
        sources: set[str],
        sizes: Mapping[str, tuple[int, int]],
        warn: bool = True,
        rooted: Rooted | None = None,
    ) -> None:
        self.post, self.by_source, self.sources, self.sizes = post, by_source, sources, sizes
        self.warn = warn
        self.rooted = rooted or Rooted()
        self.base = posixpath.dirname(post.source)
        self.lines = {u.split("#")[0].split("?")[0]: n for u, n in reversed(post.links)}
        self.diags: list[Diagnostic] = []

    def _warn(self, diag: Diagnostic) -> None:
        if self.warn:
            self.diags.append(diag)

    def image(self, target: str, sized: bool) -> tuple[int, int] | None:
        """The size to add to an image (None: leave the tag); warns if it is missing
        (one from the root: ``_rooted_images``)."""
        if _is_rooted(target):
            path = self.rooted.path(target)
            return None if sized or path is None else self.sizes.get(self.rooted.have[path])
        post, base = self.post, self.base
        resolved = posixpath.normpath(posixpath.join(base, unquote(target)))  # my%20plot
        made = resolved.startswith(base + "/") and resolved[len(base) + 1 :] in dict(post.files)
        if resolved not in self.sources and resolved not in post.assets and not made:
            self._warn(
                warning(
                    post.source,
                    self.lines.get(target, 0),
                    f"image {target!r} not found: put the file there, or fix "
                    "the path (relative to the post)",
                )
            )
            return None
        return None if sized else self.sizes.get(resolved)

    def link(self, target: str) -> str | None:
        """The site path a link leads to (None: leave it); warns for a missing post. One
        from the site's root to a page or file of the site becomes relative to the page,
        so that it holds under a sub-path (``base_url``) and from ``file://``."""
        if _is_rooted(target):
            return self.rooted.path(target)
        resolved = posixpath.normpath(posixpath.join(self.base, unquote(target)))
        if resolved in self.by_source:  # a post by its file's name: a .txt draft too
            return self.by_source[resolved].url
        if resolved.endswith(POST_SUFFIXES):
            stem = resolved.rsplit(".", 1)[0]  # x.md finds x.markdown: Jekyll names no suffix
            tried = (  # and x/index.md, a bundle: Hugo's ref names its folder
                resolved,
                *(stem + suffix for suffix in POST_SUFFIXES),
                *(f"{stem}/index{suffix}" for suffix in POST_SUFFIXES),
            )
            linked = next((self.by_source[f] for f in tried if f in self.by_source), None)
            if linked is None and resolved in self.sources:
                return resolved[len("content/") :]  # a notebook in static/, not a post
            if linked is None:
                self._warn(
                    warning(
                        self.post.source,
                        self.lines.get(target, 0),
                        f"link to {target!r} points to no post in content/: fix the path",
                    )
                )
                return None
            return linked.url
        if resolved in self.post.assets:
            return None
        if resolved in self.sources and resolved.startswith("content/"):
            return resolved[len("content/") :]
        return None

    def rewrite(self, html: str, images: bool = True) -> str:
        """``html`` with its links (and images) as ``link`` (and ``image``) say."""

        def size(m: re.Match) -> str:
            tag = m.group(0)
            target = _local_image(tag)
            known = None if target is None else self.image(target, " width=" in tag)
            if known is None:
                return tag
            return tag.replace("<img ", f'<img width="{known[0]}" height="{known[1]}" ', 1)

        def fix(m: re.Match) -> str:
            target, tail = m.group(2), m.group(3)
            to = self.link(target) if _local_link(target) else None
            return m.group(0) if to is None else f'{m.group(1)}../../{quote(to)}{tail}"'

        return _LINK.sub(fix, _IMG.sub(size, html) if images else html)


class Rooted:
    """What a path from the site's root can lead to in this site: the files it copies and
    makes (output path -> source, "" for a made file) and the posts' pages."""

    def __init__(self, have: Mapping[str, str] | None = None, prefix: str = "") -> None:
        self.have = dict(have or {})
        self.prefix = prefix
        """The path of ``base_url``, which old links may start with."""

    def rel(self, target: str) -> str:
        """Where ``target`` points in the site (``base_url``'s path taken off)."""
        rel = unquote(target).lstrip("/")
        if self.prefix and rel.startswith(self.prefix + "/"):
            rel = rel[len(self.prefix) + 1 :]
        return rel

    def path(self, target: str) -> str | None:
        """``target``'s path in the site, if the site has it there, else None."""
        rel = self.rel(target)
        return rel if rel in self.have else None


def _rooted(posts: list[Post], config: SiteConfig, copied: Mapping[str, str]) -> Rooted:
    have = {**copied, "": "", "index.html": ""}  # the home page too
    for post in posts:
        have.update((bundle_path(post, rel), rel) for rel in post.assets)
        have.update((post.url + name, "") for name, _ in post.files)
        have.update({post.url: "", post.url + "index.html": ""})
    return Rooted(have, urlsplit(config.base_url).path.strip("/"))


def _rewrite_links(
    post: Post,
    by_source: dict[str, Post],
    sources: set[str],
    sizes: Mapping[str, tuple[int, int]],
    rooted: Rooted | None = None,
) -> tuple[Post, list[Diagnostic]]:
    """Relative links to ``x.md`` become the post's URL; other content files keep working;
    local images get their width and height, and missing ones a warning.

    What changes is worked out from the post's ``local_refs``; the HTML itself is
    rewritten only when a page shows it (``Deferred``), or at once if it is at hand."""
    if not _links_local(post.links):
        return post, []
    links = _Links(post, by_source, sources, sizes, rooted=rooted)
    fates = [
        links.link(target) if kind == "link" else links.image(target, kind == "img-sized")
        for kind, target in post.local_refs
        if not kind.startswith("cite")  # the citations': ``citations.cite``
    ]
    # The summary is the content's start (or front-matter text): warned about above.
    quiet = _Links(post, by_source, sources, sizes, False, rooted)
    summary = Markup(quiet.rewrite(str(post.summary), images=False))
    if not any(fates) and summary == post.summary:
        return post, links.diags
    digest = hashlib.sha1(f"{post.digest}|{fates!r}|{summary}".encode()).hexdigest()
    if isinstance(post.content, Deferred):
        deferred = post.content
        content: Markup | Deferred = Deferred(lambda: quiet.rewrite(str(deferred)))
    else:
        content = Markup(quiet.rewrite(str(post.content)))
    return replace(post, content=content, summary=summary, digest=digest), links.diags


def bundle_path(post: Post, rel: str) -> str:
    """Where a file beside a bundle post (``rel``, from the site folder) is in the site:
    beside the post's page, where the post's relative links find it."""
    return post.url + rel[len(post.source.rsplit("/", 1)[0]) + 1 :]


def _rooted_images(posts: Iterable[Post], rooted: Rooted) -> list[Diagnostic]:
    """A warning for each image a post gives from the site's root (``/assets/a.png``, as
    Hugo and Jekyll posts do) that the site will not have: no copied file and no post's
    file is there (the old site had it; here it goes under static/)."""
    out = []
    for post in posts:
        for target, line in post.links:
            path = target.split("#")[0].split("?")[0]
            image = _is_rooted(path) and path.lower().endswith(IMAGE_SUFFIXES)
            if image and rooted.path(path) is None:
                rel = rooted.rel(path).rstrip("/")
                out.append(warning(post.source, line, _rooted_hint(post, target, rel)))
    return out


def _rooted_hint(post: Post, target: str, rel: str) -> str:
    """What to do about a missing image given from the root: a Hugo bundle's post gives
    its own files as ``/post/<bundle>/images/a.png``, which here is ``images/a.png``."""
    base, _, name = post.source.rpartition("/")
    folder = base.rsplit("/", 1)[-1]
    own = rel.split(f"{folder}/", 1)[1] if name.startswith("index.") and f"{folder}/" in rel else ""
    if own and f"{base}/{own}" in post.assets:
        return f"image {target!r} is not in the site, but the post's own {own} is: write that"
    return (
        f"image {target!r} is not in the site: put the file at static/{rel}, "
        "or give its path relative to the post"
    )


def _shared_urls(posts: Iterable[Post]) -> list[Diagnostic]:
    """One error per URL that more than one post has, naming each of them once: at the
    first (by path) whose ``slug:`` made the clash, else at the first."""
    by_url: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        by_url[post.url].append(post)
    out = []
    for url, same in by_url.items():
        if len(same) > 1:
            names = sorted(p.source for p in same)
            named = min(
                same,
                key=lambda p: (p.slug == slugify(date_prefix(post_name(p.source))[1]), p.source),
            )
            out.append(
                error(
                    named.source,
                    1,
                    f"URL /{url} is shared by {', '.join(names)}: give all but one of them "
                    "a 'slug:' in front matter, or rename the files",
                )
            )
    return out


def assemble_site(
    posts: Iterable[Post],
    config: SiteConfig,
    files: Iterable[str] = (),
    sizes: Mapping[str, tuple[int, int]] | None = None,
    copied: Mapping[str, str] | None = None,
    bibs: Mapping[str, tuple[Bibliography, ...]] | None = None,
) -> tuple[Site, tuple[Diagnostic, ...]]:
    """Drafts out, newest first, topics gathered, URL collisions reported, links fixed.
    ``files``: the sources of the files copied into the site; ``copied``: their paths
    there, to their sources (with it, links and images from the site's root are made
    relative to the page, and the images checked); ``bibs``: the bibliographies each
    citing post names (``stages``), by source path."""
    kept = [p for p in posts if config.drafts or not p.draft]
    kept.sort(key=lambda p: (-p.date.timestamp(), p.title.lower(), p.source))
    diags: list[Diagnostic] = []

    diags.extend(_shared_urls(kept))

    rooted = _rooted(kept, config, copied) if copied is not None else None
    if rooted is not None:
        diags.extend(_rooted_images(kept, rooted))
    by_source = {p.source: p for p in kept}
    # static/ and content/ both fill the site's root: a link that resolves to
    # content/assets/x finds the copy of static/assets/x there.
    file_set = {*files, *("content/" + path for path in copied or ())}
    fixed = []
    for post in kept:
        post, link_diags = _rewrite_links(post, by_source, file_set, sizes or {}, rooted)
        post, cite_diags = cite(post, (bibs or {}).get(post.source, ()))
        fixed.append(post)
        diags.extend(link_diags)
        diags.extend(cite_diags)

    vocab = {t.slug: t for t in config.topics}
    grouped: dict[str, list[Post]] = defaultdict(list)
    names: dict[str, str] = {}
    for post in fixed:
        for ref in post.topics:
            grouped[ref.slug].append(post)
            names.setdefault(ref.slug, ref.name)
    topics = tuple(
        Topic(
            slug,
            names[slug],
            vocab[slug].description if slug in vocab else "",
            f"topics/{slug}/",
            tuple(grouped[slug]),
        )
        for slug in sorted(grouped, key=lambda s: (names[s].lower(), s))
    )
    parts: dict[str, list[Post]] = defaultdict(list)
    for post in fixed:
        if post.series:
            parts[post.series].append(post)
    slugs = _unique_slugs(sorted(parts, key=str.lower))
    series = tuple(
        Series(
            slugs[name],
            name,
            f"series/{slugs[name]}/",
            tuple(sorted(parts[name], key=lambda p: (p.date.timestamp(), p.title, p.source))),
        )
        for name in sorted(parts, key=str.lower)
    )
    return Site(config, tuple(fixed), topics, series), tuple(diags)


def _unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """Each name's slug, ``-2``, ``-3``... after the first of those that slugify alike
    ("Foo", "Foo?": two series at one page, and one staged over the other)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        slug, n = slugify(name), 2
        while slug in used:
            slug, n = f"{slugify(name)}-{n}", n + 1
        used.add(slug)
        out[name] = slug
    return out
