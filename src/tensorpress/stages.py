"""The stages that make a site once something changed: posts from sources (the pool, the
build cache, the records), the site, pages rendered and staged, the commit.

``build.build`` reads and digests the sources and calls ``make``; this module holds the
heavy imports (Markdown, Pygments, Jinja2), which a build with nothing to do never needs.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from markdown_it import MarkdownIt

from tensorpress.build import BuildResult, Memo
from tensorpress.cache import CacheWriter, DiskCache
from tensorpress.citations import BIB_SUFFIX, Bibliography, bibliography_names, parse_bibliography
from tensorpress.config import SiteConfig
from tensorpress.content import (
    Body,
    assemble_site,
    body_key,
    bundle_path,
    compute_body,
    load_post,
    parser_options,
    post_html,
)
from tensorpress.diagnostics import Diagnostic, error, has_errors, warning
from tensorpress.fragments import Taken, reusable
from tensorpress.images import IMAGE_SUFFIXES, image_size
from tensorpress.markdown import make_parser
from tensorpress.models import Deferred, Page, Post, Site, Source, digest_bytes
from tensorpress.output import (
    CACHE_DIR,
    Inputs,
    Manifest,
    Staging,
    intact_keys,
    read_asset,
)
from tensorpress.render import make_env, render_pages
from tensorpress.search import INDEX_PATH, search_index
from tensorpress.versions import PIPELINE

STYLESHEET = "assets/highlight.css"
PARALLEL_MIN = 48
"""Bodies to render before a process pool pays for its start-up."""


def _bundle_files(config: SiteConfig, inputs: Inputs) -> dict[str, bytes]:
    """The files beside bundle posts, read once: for image sizes, then to be copied."""
    found = {}
    for source in inputs.posts:
        for rel in source.assets:
            data = read_asset(config.root, rel)
            if data is not None:
                found[rel] = data
    return found


def _assets(site: Site, bundled: dict[str, bytes]) -> list[Page]:
    """Files beside bundle posts, copied next to the post's page, and the files a post
    makes (a notebook's plots and its own copy, for download)."""
    pages = []
    for post in site.posts:
        pages.extend(Page(post.url + name, data, post.source) for name, data in post.files)
        pages.extend(
            Page(bundle_path(post, rel), bundled[rel], rel) for rel in post.assets if rel in bundled
        )
    return pages


def _image_sizes(inputs: Inputs, bundled: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    """Sizes of the images the site copies (static/ and content/ files, bundle assets),
    by source path."""
    found = [*((p.source, p.data) for p in inputs.files), *bundled.items()]
    sizes = {}
    for rel, data in found:
        size = image_size(data, rel) if rel.lower().endswith(IMAGE_SUFFIXES) else None
        if size is not None:
            sizes[rel] = size
    return sizes


def _bibliographies(
    posts: Sequence[Post], inputs: Inputs, bundled: Mapping[str, bytes]
) -> tuple[dict[str, tuple[Bibliography, ...]], list[Diagnostic]]:
    """The BibTeX files each citing post names (``bibliography:``), found beside it, at
    the top of content/ or static/, or in ``assets/bibliography/`` (al-folio's place),
    each parsed once; a name found nowhere is a warning."""
    citing = [p for p in posts if any(kind.startswith("cite") for kind, _ in p.local_refs)]
    if not citing:
        return {}, []
    files = {
        p.path: (p.source if p.source.startswith("content/") else f"static/{p.path}", p.data)
        for p in inputs.files
        if p.path.lower().endswith(BIB_SUFFIX)
    }
    files |= {rel: (rel, data) for rel, data in bundled.items() if rel.endswith(BIB_SUFFIX)}
    out: dict[str, tuple[Bibliography, ...]] = {}
    diags: list[Diagnostic] = []
    said: set[str] = set()
    for post in citing:
        here = posixpath.dirname(post.source)
        bibs = []
        for name in bibliography_names(post):
            name = name.lstrip("/")
            tried = (
                posixpath.normpath(f"{here}/{name}"),
                posixpath.normpath(f"{here}/{name}").removeprefix("content/"),
                name,
                f"assets/bibliography/{name}",
            )
            found = next((files[t] for t in tried if t in files), None)
            if found is None:
                diags.append(
                    warning(
                        post.source,
                        1,
                        f"bibliography {name!r} not found beside the post, at the top of "
                        "content/ or static/, or in assets/bibliography/: put it there",
                    )
                )
                continue
            bib = parse_bibliography(*found)
            bibs.append(bib)
            if bib.name not in said:
                said.add(bib.name)
                diags.extend(bib.diagnostics)
        out[post.source] = tuple(bibs)
    return out, diags


def _failed(diags: list[Diagnostic], strict: bool) -> bool:
    """An error, or with ``--strict`` any warning: nothing is written."""
    return has_errors(diags) or (strict and bool(diags))


def _discard(page: Page) -> None:
    """The sink of a build that writes nothing: pages are made for their diagnostics."""


def _collisions(pages: list[Page], posts: Iterable[Post] = ()) -> list[Diagnostic]:
    """Two pages at one path, once per path, at the first source it names; or a page where
    another needs a folder (``feed.xml`` and ``feed.xml/index.html``), for each page that
    has a source. Posts' own pages that share a path are left to ``assemble_site``, which
    named their shared URL."""
    counts = Counter(p.path for p in pages)
    own = Counter(f"{post.url}index.html" for post in posts)
    files = set(counts)
    sources: dict[str, list[str]] = defaultdict(list)
    for p in pages:
        if counts[p.path] > 1 and own[p.path] < counts[p.path] and p.source:
            sources[p.path].append(p.source)
    out = []
    for path, named in sources.items():
        named = sorted(set(named))
        line = 1 if named[0].startswith("content/") else 0
        out.append(
            error(
                named[0],
                line,
                f"two files would be written to {path}, for {', '.join(named)}: rename one",
            )
        )
    for page in pages:
        parts = page.path.split("/")
        folders = ("/".join(parts[:n]) for n in range(1, len(parts)))
        clash = next((f for f in folders if f in files), None)
        if clash is not None and page.source:
            message = f"{page.path} needs a folder {clash}, which is a file of the site"
            out.append(error(page.source, 0, f"{message}: rename one"))
    return out


@lru_cache(maxsize=4)
def _worker_parser(options: tuple[Any, ...]) -> MarkdownIt:
    return make_parser(*options)


def _work(job: tuple[Source, tuple[Any, ...]]) -> tuple[str, Body | None]:
    source, options = job
    return body_key(source, options), compute_body(source, _worker_parser(options))


def _pooled(jobs: int, count: int) -> bool:
    return jobs > 1 and count >= PARALLEL_MIN


def render_bodies(
    sources: Sequence[Source],
    md: MarkdownIt,
    jobs: int,
    options: tuple[Any, ...],
    reuse: Mapping[str, Mapping[str, Taken]] | None = None,
) -> Iterator[tuple[str, Body | None]]:
    """(key, body) for each source, in order, over a process pool when there are enough;
    same result either way. Lazy, so a cold build never holds every body at once.

    ``md`` must have been made with ``make_parser(*options)``; ``reuse``: code blocks and
    formulas made already, by source path (``_earlier_fragments``), for the serial path."""
    if _pooled(jobs, len(sources)):
        from concurrent.futures import ProcessPoolExecutor  # only here: 15 ms to import

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, min(8, len(sources) // (jobs * 8)))  # small: bodies are big
            yield from pool.map(_work, [(s, options) for s in sources], chunksize=chunk)
        return
    reuse = reuse or {}
    for source in sources:
        yield body_key(source, options), compute_body(source, md, reuse.get(source.path))


def _earlier_fragments(
    source: Source,
    last_digests: Mapping[str, str],
    options: tuple[Any, ...],
    bodies: Mapping[str, Body],
    disk: DiskCache | None,
) -> Mapping[str, Taken] | None:
    """The code blocks and formulas of the version of ``source`` the last build made, if
    its body is at hand: an edit highlights and converts only those it changed."""
    digest = last_digests.get(source.path)
    if not digest or digest == source.digest:
        return None
    key = body_key(replace(source, digest=digest), options)
    body = bodies.get(key) or (disk.get(key) if disk is not None else None)
    return reusable(body.rendered) if body is not None else None


def _post_key(body: str, source: Source, config_key: str) -> str:
    return f"{body}|{source.mtime}|{source.assets}|{config_key}"


@dataclass(frozen=True, slots=True)
class Loaded:
    """The posts of one build, and what of them the next build in this process reuses."""

    posts: list[Post]
    records: dict[str, tuple[Post | None, tuple[Diagnostic, ...]]]
    """Post key -> (post, its diagnostics): what the next build in this process reuses."""
    bodies: dict[str, Body]
    """Bodies kept for the next build in this process (none with ``keep=False``)."""
    rendered: int
    diagnostics: list[Diagnostic]


class StaleStamp(Exception):
    """A post taken as unchanged from its stamp was not (gone, or other bytes under the
    same stamp): ``build`` reads every post and builds again."""


def _stale(source: Source) -> NoReturn:
    raise StaleStamp(source.path)


def _read_now(source: Source, root: Path) -> Source | None:
    """``source`` with its bytes: a post taken as unchanged from its stamp is read only
    when it must be made; None if it is gone, or has not the digest it was taken for."""
    if not source.unread:
        return source
    data = read_asset(root, source.path)
    if data is None or digest_bytes(data) != source.digest:
        return None
    return replace(source, data=data, unread=False)


def _html_later(
    disk: DiskCache, key: str, source: Source, md: MarkdownIt, keep: bool, root: Path
) -> Callable[[str], str]:
    """How a post loaded from its record gets its HTML (given its title): from the body
    file, or made again from the source if that file has gone bad since; kept once made
    if ``keep`` (``serve``: the next rebuild may show it again)."""
    made: list[str] = []

    def html(title: str) -> str:
        if made:
            return made[0]
        body = disk.get(key)
        if body is None:
            readable = _read_now(source, root)
            body = compute_body(readable, md) if readable is not None else None
        text = "" if body is None else post_html(body.rendered, title)
        if keep:
            made.append(text)
        return text

    return html


def _load_posts(
    sources: Sequence[Source],
    body_keys: list[str],
    post_keys: list[str],
    config: SiteConfig,
    md: MarkdownIt,
    memo: Memo,
    disk: DiskCache | None,
    store: CacheWriter | None,
    jobs: int,
    keep: bool,
    last_digests: Mapping[str, str],
) -> Loaded:
    """The posts: the last build's in this process, or their records in the cache, where
    their key is unchanged; the others made (bodies rendered over the pool, or read
    from the cache) one post at a time: a build never holds every body at once.

    With ``keep=False`` each post holds its HTML compressed until its pages render."""
    loaded = {k: memo.posts[k] for k in post_keys if k in memo.posts}
    tz, root = config.tz, config.root
    if disk is not None:
        for source, key, post_key in zip(sources, body_keys, post_keys, strict=True):
            if post_key not in loaded:
                if source.unread and not disk.has(key):  # its HTML would be made again
                    source = _read_now(source, root) or _stale(source)
                later = _html_later(disk, key, source, md, keep, root)
                found = disk.record(post_key, tz, later)
                if found is not None:
                    loaded[post_key] = found
    # The posts to make: a post taken as unchanged from its stamp is read only now.
    sources = [
        s if post_key in loaded else _read_now(s, root) or s
        for s, post_key in zip(sources, post_keys, strict=True)
    ]
    misses = [
        source
        for source, key, post_key in zip(sources, body_keys, post_keys, strict=True)
        if post_key not in loaded
        and not source.unread
        and key not in memo.bodies
        and not (disk is not None and disk.has(key))
    ]
    options = parser_options(config)
    reuse = {}
    if not _pooled(jobs, len(misses)):
        for source in misses:
            earlier = _earlier_fragments(source, last_digests, options, memo.bodies, disk)
            if earlier:
                reuse[source.path] = earlier
    fresh = render_bodies(misses, md, jobs, options, reuse)
    missing = {s.path for s in misses}
    rendered = 0
    live = set(body_keys)
    used = {k: v for k, v in memo.bodies.items() if k in live} if keep else {}
    posts = []
    diags: list[Diagnostic] = []
    for source, key, post_key in zip(sources, body_keys, post_keys, strict=True):
        if post_key not in loaded and source.unread:
            _stale(source)
        if post_key not in loaded:
            body = None
            if source.path not in missing:
                body = memo.bodies.get(key) or (disk.get(key) if disk is not None else None)
            if body is None:  # a miss: the next body from the pool is this one; or a bad file
                body = next(fresh)[1] if source.path in missing else compute_body(source, md)
                rendered += body is not None
                if body is not None and store is not None:
                    store.put(key, body)
            made = load_post(source, config, md, {key: body} if body else {}, used, key)
            if store is not None and made[0] is not None:
                store.put_record(post_key, made, tz)
            if not keep:  # the post holds what pages need: let the body go
                used.clear()
                if made[0] is not None:
                    made = (replace(made[0], content=Deferred.packed(made[0].content)), made[1])
            loaded[post_key] = made
        post, post_diags = loaded[post_key]
        diags.extend(post_diags)
        if post is not None:
            posts.append(post)
    return Loaded(posts, loaded, used, rendered, diags)


def _stylesheet(config: SiteConfig, on_disk: str | None) -> Page:
    """The code stylesheet, keyed by the styles and the pipeline (Pygments' install
    among it): made, and Pygments imported, only when the file on disk is not it."""
    names = f"{PIPELINE}|{config.style_light}|{config.style_dark}"
    key = hashlib.blake2b(names.encode(), digest_size=20).hexdigest()
    if on_disk == key:
        return Page(STYLESHEET, b"", key=key, reused=True)
    from tensorpress.highlight import stylesheet

    return Page(STYLESHEET, stylesheet(config.style_light, config.style_dark).encode(), key=key)


def make(
    config: SiteConfig,
    memo: Memo,
    inputs: Inputs,
    diags: list[Diagnostic],
    manifest: Manifest,
    digest: str,
    templates: str,
    *,
    strict: bool,
    write: bool,
    disk_cache: bool,
    jobs: int | None,
    keep: bool,
    start: float,
    last_digests: Mapping[str, str],
) -> BuildResult:
    """The rest of ``build.build``: what it read, made into a site and written.
    ``last_digests``: each post's digest as the last build made it (a hint)."""
    config_key = hashlib.sha1(repr(config).encode()).hexdigest()
    options = parser_options(config)
    body_keys = [body_key(source, options) for source in inputs.posts]
    post_keys = [_post_key(b, s, config_key) for b, s in zip(body_keys, inputs.posts, strict=True)]

    disk = DiskCache(config.root / CACHE_DIR, memo.cache_records) if disk_cache else None
    md = memo.parser if memo.parser and memo.parser_options == options else make_parser(*options)
    store = disk.writer(memo.cache_files or None) if disk is not None and write else None
    loaded = _load_posts(
        inputs.posts,
        body_keys,
        post_keys,
        config,
        md,
        memo,
        disk,
        store,
        jobs if jobs is not None else (os.cpu_count() or 1),
        keep,
        last_digests,
    )
    diags.extend(loaded.diagnostics)
    if not keep:  # a one-off build: the posts are made, their sources' bytes can go
        inputs = replace(inputs, posts=tuple(replace(s, data=b"") for s in inputs.posts))
    if store is not None:
        saved = store.finish(body_keys, post_keys)
        if saved is not None:
            diags.append(saved)
    bundled = _bundle_files(config, inputs)
    bibs, bib_diags = _bibliographies(loaded.posts, inputs, bundled)
    diags.extend(bib_diags)
    site, site_diags = assemble_site(
        loaded.posts,
        config,
        (p.source for p in inputs.files),
        _image_sizes(inputs, bundled),
        {p.path: p.source for p in inputs.files},
        bibs,
    )
    diags.extend(site_diags)

    env_key = f"{config_key}|{templates}"
    env = (
        memo.env
        if memo.env is not None and memo.env_key == env_key
        else make_env(config, bytecode=disk_cache)
    )
    # Written as rendered (staged, renamed into place only if the build succeeds), unless
    # the build has already failed: then pages are rendered for their diagnostics only.
    stage = Staging(config.output, manifest) if write and not _failed(diags, strict) else None
    intact = intact_keys(config.output, manifest.files)
    pages, render_diags, page_keys = render_pages(
        env,
        site,
        intact,
        templates,
        memo.page_keys,
        sink=stage.add if stage is not None else _discard,
    )
    diags.extend(render_diags)
    css = _stylesheet(config, intact.get(STYLESHEET))
    if stage is not None:
        stage.add(css)
    pages.append(replace(css, data=b""))
    copies = [*inputs.files, Page(INDEX_PATH, search_index(site.posts)), *_assets(site, bundled)]
    for copy in copies:
        page = replace(copy, key=hashlib.blake2b(copy.data, digest_size=20).hexdigest())
        if stage is not None:
            stage.add(page)
        pages.append(replace(page, data=b""))
    del copies
    diags.extend(_collisions(pages, site.posts))

    failed = _failed(diags, strict)
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    if stage is not None and failed:
        stage.abort()
    elif stage is not None:
        summary = {
            "diagnostics": [[d.path, d.line, d.severity, d.message] for d in diags],
            "posts": len(site.posts),
            "topics": len(site.topics),
            "pages": len(pages),
        }
        report, write_diags = stage.commit(digest, summary)
        diags.extend(write_diags)
        failed = bool(write_diags)
        written, removed = report.written, report.removed
    return BuildResult(
        ok=not failed,
        diagnostics=tuple(diags),
        site=site,
        posts=len(site.posts),
        topics=len(site.topics),
        pages=len(pages),
        written=written,
        removed=removed,
        seconds=time.perf_counter() - start,
        rendered=loaded.rendered,
        cache=Memo(
            loaded.bodies,
            loaded.records,
            env,
            env_key,
            md,
            options,
            inputs,
            page_keys,
            store.files if store is not None else memo.cache_files,
            store.records if store is not None else memo.cache_records,
        ),
    )
