"""``tensorpress check``: what a build would say, plus what only a linter looks for.

The build's own pipeline runs first (``build(config, write=False)``), so everything it
diagnoses (front matter, draft repairs, fences without a language, math, links to
missing posts, URL collisions, templates) is reported exactly as a build reports it.
On top of that, pure analyses of each post: code the author left outside any fence,
Python blocks and notebook cells that do not parse (and, with pyflakes, names never
defined), heading anchors, missing files and alt text, duplicate titles, unknown
front-matter keys.

The analyses of code live in ``codecheck``, what is reported in ``findings``, ``--fix``
in ``fix``. Only ``check_site`` touches the disk here.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt

from tensorpress.codecheck import Block, python_problems, stray_code
from tensorpress.compat import migrate
from tensorpress.config import SiteConfig
from tensorpress.content import parser_options
from tensorpress.drafts import prepare
from tensorpress.fences import parse_info
from tensorpress.findings import Finding, Report, dedupe, from_diagnostic
from tensorpress.frontmatter import ALIASES, KNOWN, THEME_KEYS, decode, load_front, split
from tensorpress.highlight import guess_language
from tensorpress.markdown import slugify as heading_id
from tensorpress.models import Post, Source
from tensorpress.output import POST_SUFFIXES, is_markdown, is_notebook

BACKUP_DIR = ".tensorpress-backup"


# -- the post as the build parses it ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str
    line: int
    html: bool = False
    """A raw ``<img>`` tag rather than ``![alt](src)``."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """What the linter needs of one post, read as the build reads it."""

    path: str
    blocks: tuple[Block, ...]
    images: tuple[Image, ...]
    links: tuple[tuple[str, int], ...] | None
    """Link targets (not images) with the file line each is on; None: the build's."""
    front: dict[str, Any]
    front_lines: dict[str, int]
    stray: tuple[Finding, ...]


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def _tag_images(html: str, line: int) -> list[Image]:
    """Raw ``<img>`` tags; a missing ``alt`` is ``"\\0"`` (``alt=""`` is decoration)."""
    out = []
    for m in _IMG_TAG.finditer(html):
        attrs = {}
        for a in _ATTR.finditer(m.group(0)):
            attrs[a.group(1).lower()] = next(g for g in a.groups()[1:] if g is not None)
        at = line + html[: m.start()].count("\n")
        out.append(Image(attrs.get("src", ""), attrs.get("alt", "\0"), at, html=True))
    return out


def _notebook(source: Source) -> Parsed | None:
    """A notebook's code cells as its blocks, in the kernel's language (Python when it
    names none, as the build highlights them); its links are the build's."""
    from tensorpress.notebook import front_matter, read

    nb, _ = read(source.data, source.path)
    if nb is None:
        return None
    cells = front_matter(nb, source.path).cells
    lang = nb.language or "python"
    blocks = (
        Block(lang, c.source, max(c.line - 1, 0), c.number) for c in cells if c.kind == "code"
    )
    return Parsed(source.path, tuple(blocks), (), None, {}, {}, ())


def parse_source(source: Source, md: MarkdownIt) -> Parsed | None:
    """A Markdown source read as the build reads it (compat, repair, markdown-it), or a
    notebook's code; None for what cannot be decoded (the build reports that) or is
    neither."""
    if is_notebook(source.path):
        return _notebook(source)
    if not is_markdown(source.path):
        return None
    text, _ = decode(source.data, source.path)
    if text is None:
        return None
    sp, _ = split(text, source.path)
    front, front_lines, _ = load_front(sp, source.path)
    first = sp.body_line
    # The author's structure: compat's conversions, but no repair.
    stray = stray_code(source.path, migrate(sp.body, source.path, first).text, first, md)
    fixed = prepare(sp.body, source.path, first, has_front_matter=sp.kind is not None)
    env: dict[str, Any] = {"diagnostics": [], "path": source.path, "first": first}
    tokens = md.parse(fixed.text, env)
    blocks, images, links = [], [], []
    for token in tokens:
        line = first + (token.map[0] if token.map else 0)
        if token.type == "fence":
            lang, _ = parse_info(token.info)
            blocks.append(Block(lang or guess_language(token.content), token.content, line))
        elif token.type == "html_block":
            images.extend(_tag_images(token.content, line))
        elif token.type == "inline":
            at = line
            for child in token.children or ():
                if child.type == "image":
                    images.append(Image(str(child.attrs.get("src", "")), child.content, at))
                elif child.type == "link_open" and "header-anchor" not in str(
                    child.attrs.get("class", "")
                ):
                    links.append((str(child.attrs.get("href", "")), at))
                elif child.type == "html_inline":
                    images.extend(_tag_images(child.content, at))
                at += child.type in ("softbreak", "hardbreak")
    return Parsed(
        source.path, tuple(blocks), tuple(images), tuple(links), front, front_lines, tuple(stray)
    )


# -- images, links and anchors ------------------------------------------------------------


def _is_local(url: str) -> bool:
    return bool(url) and not url.startswith(("/", "?", "//")) and ":" not in url.split("/")[0]


def image_problems(path: str, images: Sequence[Image], files: set[str]) -> list[Finding]:
    """Images without alt text, and local images whose file is not there."""
    out = []
    base = posixpath.dirname(path)
    for image in images:
        if image.alt == "\0" or (not image.alt.strip() and not image.html):
            out.append(
                Finding(
                    path,
                    image.line,
                    "warning",
                    f"image {image.src!r} has no alt text, so screen readers cannot describe it",
                    'add one: ![what the image shows](plot.png), or alt="" on an <img> that '
                    "is only decoration",
                    "alt",
                    f"{image.line}:{image.src}",
                )
            )
        target = unquote(image.src.split("#")[0].split("?")[0])
        if _is_local(target) and posixpath.normpath(posixpath.join(base, target)) not in files:
            out.append(
                Finding(
                    path,
                    image.line,
                    "warning",
                    f"image '{target}' not found",
                    "put the file there, or fix the path (relative to the post)",
                    "image-missing",
                    target,
                )
            )
    return out


_ID = re.compile(r"""\sid=["']([^"']+)["']|<a\s[^>]*?\bname=["']([^"']+)["']""")


def anchors(post: Post) -> frozenset[str]:
    """Every id a link can point at in the post's content (and the names of ``<a
    name="qa">``, which browsers scroll to as well)."""
    return frozenset(unescape(a or b) for a, b in _ID.findall(str(post.content)))


def _missing_anchor(
    path: str, line: int, url: str, frag: str, ids: frozenset[str], where: str
) -> Finding:
    close = difflib.get_close_matches(frag, sorted(ids), n=1)
    hint = f"did you mean '#{close[0]}'?" if close else "link to the id of a heading"
    return Finding(
        path,
        line,
        "warning",
        f"link {url!r}: {where} has no heading or anchor '#{frag}'",
        hint,
        "anchor",
        f"{line}:{url}",
    )


_IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp|avif|bmp|ico)$", re.I)


def link_problems(
    post: Post,
    by_source: dict[str, Post],
    files: set[str],
    links: Sequence[tuple[str, int]] | None = None,
) -> list[Finding]:
    """Anchors that lead nowhere (here or in a linked post), links to drafts from a
    published post, and links to local files that do not exist. ``links`` are the post's
    links without its images (default: ``post.links`` less what looks like an image)."""
    out = []
    base = posixpath.dirname(post.source)
    own = None
    if links is None:
        links = [(u, n) for u, n in post.links if not _IMAGE_FILE.search(u.split("?")[0])]
    for url, line in links:
        target, _, frag = url.partition("#")
        target = unquote(target.split("?")[0])
        frag = unquote(frag)
        if not target and frag:
            # The title's own heading (and its permalink) is dropped from the page: skip it.
            own = anchors(post) | {heading_id(post.title)} if own is None else own
            if frag not in own and frag != "top":
                out.append(_missing_anchor(post.source, line, url, frag, own, "this post"))
            continue
        if not _is_local(target):
            continue
        resolved = posixpath.normpath(posixpath.join(base, target))
        if resolved in by_source or resolved.endswith(POST_SUFFIXES):
            linked = by_source.get(resolved)
            if linked is None and resolved in files:
                continue  # a notebook (or page) in static/: a file, not a post
            if linked is None:
                out.append(
                    Finding(
                        post.source,
                        line,
                        "warning",
                        f"link to {target!r} points to no post in content/",
                        "fix the path",
                        "link-post",
                        target,
                    )
                )
                continue
            if linked.draft and not post.draft:
                out.append(
                    Finding(
                        post.source,
                        line,
                        "warning",
                        f"link {url!r} goes to a draft, which a build leaves out",
                        "publish it (remove 'draft: true'), or remove the link",
                        "link-draft",
                        f"{line}:{url}",
                    )
                )
            if frag and frag not in anchors(linked):
                where = linked.source
                out.append(_missing_anchor(post.source, line, url, frag, anchors(linked), where))
            continue
        last = target.rstrip("/").rpartition("/")[2]
        if "." in last and not target.endswith("/") and resolved not in files:
            out.append(
                Finding(
                    post.source,
                    line,
                    "warning",
                    f"link to '{target}': no such file under content/",
                    "fix the path (relative to the post), or add the file",
                    "link-file",
                    target,
                )
            )
    return out


# -- front matter and the site as a whole -------------------------------------------------

_OURS = {*KNOWN, *ALIASES, *THEME_KEYS}


def front_matter_problems(parsed: Parsed) -> list[Finding]:
    """Keys we do not know: a warning when it looks like a typo of one we do, else a note
    (the key is passed to templates as ``post.extra``; never a failure, even strict);
    a ``toc`` the theme cannot read as shown or not."""
    out = []
    for key, value in parsed.front.items():
        name = str(key)
        if name == "toc" and not isinstance(value, bool | list):
            out.append(
                Finding(
                    parsed.path,
                    parsed.front_lines.get(name, 1),
                    "warning",
                    f"'toc': {value!r} is neither true nor false, so the post shows its "
                    "table of contents",
                    "write toc: false to leave it out",
                    "front-key",
                    name,
                )
            )
        if name.lower() in _OURS:
            continue
        line = parsed.front_lines.get(name, 1)
        close = difflib.get_close_matches(name.lower(), sorted(_OURS), n=1, cutoff=0.8)
        if close:
            out.append(
                Finding(
                    parsed.path,
                    line,
                    "warning",
                    f"unknown front-matter key '{name}'",
                    f"did you mean '{close[0]}'?",
                    "front-key",
                    name,
                )
            )
        else:
            field = f"post.extra.{name}" if name.isidentifier() else "post.extra"
            out.append(
                Finding(
                    parsed.path,
                    line,
                    "note",
                    f"front-matter key '{name}' is not one of tensorpress's; templates get it "
                    f"as {field}",
                    kind="front-key",
                    subject=name,
                )
            )
    return out


def duplicate_titles(posts: Sequence[Post], title_lines: dict[str, int]) -> list[Finding]:
    """Posts that share a title (readers cannot tell them apart in lists and feeds)."""
    groups: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        groups[post.title.strip().casefold()].append(post)
    out = []
    for same in groups.values():
        if len(same) < 2:
            continue
        for post in same:
            others = ", ".join(p.source for p in same if p is not post)
            out.append(
                Finding(
                    post.source,
                    title_lines.get(post.source, 1),
                    "warning",
                    f"title {post.title!r} is also the title of {others}",
                    "give each post its own title",
                    "duplicate-title",
                )
            )
    return out


def analyse(
    parsed: Sequence[Parsed], posts: Sequence[Post], files: set[str], *, pyflakes: bool = False
) -> list[Finding]:
    """Every check-only analysis of the site: pure."""
    out: list[Finding] = []
    for p in parsed:
        out.extend(p.stray)
        out.extend(python_problems(p.path, p.blocks, pyflakes))
        out.extend(image_problems(p.path, p.images, files))
        out.extend(front_matter_problems(p))
    by_source = {post.source: post for post in posts}
    links = {p.path: p.links for p in parsed}
    for post in posts:
        out.extend(link_problems(post, by_source, files, links.get(post.source)))
    title_lines = {p.path: p.front_lines.get("title", 1) for p in parsed}
    out.extend(duplicate_titles(posts, title_lines))
    return out


def check_site(config: SiteConfig, *, pyflakes: bool = False) -> Report:
    """Run the build without writing, then the linter's own analyses; all findings, once."""
    from tensorpress.build import build
    from tensorpress.markdown import make_parser
    from tensorpress.output import read_sources
    from tensorpress.templates import theme_dir

    result = build(config, write=False, keep=False)
    inputs, _ = read_sources(config, theme_dir())
    md = make_parser(*parser_options(config))
    parsed = [p for s in inputs.posts if (p := parse_source(s, md)) is not None]
    files = {  # static/ and content/ both fill the site's root, as links find them
        *("content/" + p.path for p in inputs.files),
        *(a for s in inputs.posts for a in s.assets),
    }
    posts = result.site.posts if result.site is not None else ()
    # Ours first: where both report a thing (a missing image), ours has the exact line.
    findings = analyse(parsed, posts, files, pyflakes=pyflakes)
    findings.extend(from_diagnostic(d) for d in result.diagnostics)
    findings.extend(
        Finding(
            path,
            0,
            "note",
            "not a post: a name starting with '_' is a partial, which Quarto includes "
            "and Jekyll and Quarto never publish",
            "rename it without the '_' to publish it",
            "partial",
        )
        for path in inputs.partials
    )
    return Report(dedupe(findings), len(inputs.posts))
