"""One build, top to bottom: sources -> posts -> site -> pages -> files."""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from tensorpress.cache import CACHE_DIR, CacheWriter, DiskCache
from tensorpress.config import SiteConfig
from tensorpress.content import (
    PIPELINE,
    Body,
    assemble_site,
    body_key,
    compute_body,
    load_post,
    parser_options,
    post_html,
)
from tensorpress.diagnostics import Diagnostic, error, has_errors
from tensorpress.highlight import stylesheet
from tensorpress.images import IMAGE_SUFFIXES, image_size
from tensorpress.markdown import make_parser
from tensorpress.models import Deferred, Page, Post, Site, Source
from tensorpress.output import (
    Inputs,
    Staging,
    asset_stamp,
    check_output,
    intact_keys,
    read_asset,
    read_manifest,
    read_sources,
)
from tensorpress.render import Keys, make_env, render_pages, templates_digest, theme_dir
from tensorpress.search import INDEX_PATH, search_index

STYLESHEET = "assets/highlight.css"
PARALLEL_MIN = 48
"""Bodies to render before a process pool pays for its start-up."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did; ``cache`` holds the rendered bodies of this build's posts."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    site: Site | None = None
    """None when nothing changed since the last build (nothing was assembled)."""
    posts: int = 0
    topics: int = 0
    pages: int = 0
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    seconds: float = 0.0
    rendered: int = 0
    """Post bodies rendered by this build (the others came from the cache)."""
    cache: Memo = field(default_factory=lambda: Memo())


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
        base = post.source.rsplit("/", 1)[0] + "/"
        pages.extend(
            Page(post.url + rel[len(base) :], bundled[rel], rel)
            for rel in post.assets
            if rel in bundled
        )
    return pages


def _image_sizes(inputs: Inputs, bundled: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    """Sizes of the images under content/ (copied files and bundle assets), by path."""
    found = [
        *((p.source, p.data) for p in inputs.files if p.source.startswith("content/")),
        *bundled.items(),
    ]
    sizes = {}
    for rel, data in found:
        size = image_size(data, rel) if rel.lower().endswith(IMAGE_SUFFIXES) else None
        if size is not None:
            sizes[rel] = size
    return sizes


def _discard(page: Page) -> None:
    """The sink of a build that writes nothing: pages are made for their diagnostics."""


def _collisions(pages: list[Page]) -> list[Diagnostic]:
    counts = Counter(p.path for p in pages)
    return [
        error(p.source or p.path, 0, f"two files would be written to {p.path}: rename one")
        for p in pages
        if counts[p.path] > 1 and p.source
    ]


@lru_cache(maxsize=4)
def _worker_parser(options: tuple[Any, ...]) -> MarkdownIt:
    return make_parser(*options)


def _work(job: tuple[Source, tuple[Any, ...]]) -> tuple[str, Body | None]:
    source, options = job
    return body_key(source, options), compute_body(source, _worker_parser(options))


def render_bodies(
    sources: Sequence[Source], md: MarkdownIt, jobs: int, options: tuple[Any, ...]
) -> Iterator[tuple[str, Body | None]]:
    """(key, body) for each source, in order, over a process pool when there are enough;
    same result either way. Lazy, so a cold build never holds every body at once.

    ``md`` must have been made with ``make_parser(*options)``."""
    if jobs > 1 and len(sources) >= PARALLEL_MIN:
        from concurrent.futures import ProcessPoolExecutor  # only here: 15 ms to import

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, min(8, len(sources) // (jobs * 8)))  # small: bodies are big
            yield from pool.map(_work, [(s, options) for s in sources], chunksize=chunk)
        return
    for source in sources:
        yield body_key(source, options), compute_body(source, md)


@dataclass(frozen=True, slots=True)
class Memo:
    """What one build hands the next in the same process (``serve``): all of it pure
    results keyed by their inputs, so reusing it can never change the output."""

    bodies: dict[str, Body] = field(default_factory=dict)
    posts: dict[str, tuple[Post | None, tuple[Diagnostic, ...]]] = field(default_factory=dict)
    env: jinja2.Environment | None = None
    env_key: str = ""
    parser: MarkdownIt | None = None
    parser_options: tuple[Any, ...] = ()
    inputs: Inputs | None = None
    """The last read of the sources: files whose stamp is unchanged are not read again."""
    body_keys: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """Source path -> (its bytes, their body key): a key is digested once per change."""
    page_keys: Keys | None = None
    """Page keys of the last render with the records they were made from."""
    cache_files: frozenset[str] = frozenset()
    """The files the last build kept in the disk cache: what this one prunes from."""


def _body_key(source: Source, options: tuple[Any, ...], known: dict[str, tuple[bytes, str]]) -> str:
    """``body_key``, taken from ``known`` (same options) when the bytes are the same object."""
    data, key = known.get(source.path, (b"", ""))
    return key if data is source.data else body_key(source, options)


def _post_key(body: str, source: Source, config_key: str) -> str:
    return f"{body}|{source.mtime}|{source.assets}|{config_key}"


def _inputs_digest(config: SiteConfig, inputs: Inputs, templates: str, flags: str) -> str:
    """Everything a build reads, digested: sources, copied files, templates, config, and
    the flags that change what it leaves behind (a ``--no-cache`` build fills no cache)."""
    digest = hashlib.sha1(f"{PIPELINE}|{config!r}|{templates}|{flags}".encode())
    for source in inputs.posts:
        digest.update(f"\0{source.path}\0{source.mtime}\0{source.assets}\0".encode())
        digest.update(source.data)
        for rel in source.assets:  # bundle files are copied later: their stamp is enough
            digest.update(f"\0{rel}\0{asset_stamp(config.root, rel)}".encode())
    for page in inputs.files:
        digest.update(f"\0{page.path}\0".encode())
        digest.update(page.data)
    return digest.hexdigest()


def _unchanged_result(report: dict, memo: Memo, start: float) -> BuildResult | None:
    """The last build's outcome, reported again: its inputs and its files are unchanged."""
    try:
        diags = tuple(
            Diagnostic(str(p), int(n), s, str(m))
            for p, n, s, m in report["diagnostics"]
            if s in ("error", "warning")
        )
        posts, topics, pages = int(report["posts"]), int(report["topics"]), int(report["pages"])
    except (KeyError, TypeError, ValueError):
        return None  # a report we cannot read back: build in full
    return BuildResult(
        True, diags, None, posts, topics, pages, seconds=time.perf_counter() - start, cache=memo
    )


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


def _html_later(
    disk: DiskCache, key: str, source: Source, md: MarkdownIt, keep: bool
) -> Callable[[Post], str]:
    """How a post loaded from its record gets its HTML: from the body file, or made
    again from the source if that file has gone bad since; kept once made if ``keep``
    (``serve``: the next rebuild may show it again)."""
    made: list[str] = []

    def html(post: Post) -> str:
        if made:
            return made[0]
        body = disk.get(key) or compute_body(source, md)
        text = "" if body is None else post_html(body.rendered, post.title)
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
) -> Loaded:
    """The posts: the last build's in this process, or their records in the cache, where
    their key is unchanged; the others made (bodies rendered over the pool, or read
    from the cache) one post at a time: a build never holds every body at once.

    With ``keep=False`` each post holds its HTML compressed until its pages render."""
    loaded = {k: memo.posts[k] for k in post_keys if k in memo.posts}
    tz = config.tz
    if disk is not None:
        for source, key, post_key in zip(sources, body_keys, post_keys, strict=True):
            if post_key not in loaded:
                found = disk.record(post_key, tz, _html_later(disk, key, source, md, keep))
                if found is not None:
                    loaded[post_key] = found
    misses = [
        source
        for source, key, post_key in zip(sources, body_keys, post_keys, strict=True)
        if post_key not in loaded
        and key not in memo.bodies
        and not (disk is not None and disk.has(key))
    ]
    fresh = render_bodies(misses, md, jobs, parser_options(config))
    missing = {s.path for s in misses}
    rendered = 0
    live = set(body_keys)
    used = {k: v for k, v in memo.bodies.items() if k in live} if keep else {}
    posts = []
    diags: list[Diagnostic] = []
    for source, key, post_key in zip(sources, body_keys, post_keys, strict=True):
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


def build(
    config: SiteConfig,
    cache: Memo | None = None,
    *,
    strict: bool = False,
    write: bool = True,
    disk_cache: bool = True,
    jobs: int | None = None,
    keep: bool = True,
) -> BuildResult:
    """Build the site; write nothing unless the build is free of errors.

    ``cache`` is the previous result's ``cache`` in this process (``serve`` passes it);
    ``disk_cache`` adds the persistent cache of rendered bodies under the site folder.
    ``keep=False`` (a one-off build) lets each post's rendered body go once the post is
    made, instead of keeping them all for a next build in the same process.
    """
    start = time.perf_counter()
    bad_output = check_output(config)
    if bad_output:
        return BuildResult(False, (bad_output,))
    memo = cache or Memo()
    diags: list[Diagnostic] = []
    inputs, read_diags = read_sources(config, theme_dir(), memo.inputs, remember=keep)
    diags.extend(read_diags)
    templates = templates_digest(config)
    # In-process rebuilds (serve) run because something changed: skip the shortcut.
    flags = f"strict={strict} cache={disk_cache}"
    digest = "" if memo.posts else _inputs_digest(config, inputs, templates, flags)
    manifest = read_manifest(config.output)
    if (
        write
        and digest
        and manifest.inputs == digest
        and manifest.report is not None
        and len(intact_keys(config.output, manifest.files)) == len(manifest.files)
    ):
        unchanged = _unchanged_result(manifest.report, memo, start)
        if unchanged is not None:
            return unchanged

    config_key = hashlib.sha1(repr(config).encode()).hexdigest()
    options = parser_options(config)
    same_options = memo.body_keys if memo.parser_options == options else {}
    keys_of = {
        source.path: (source.data, _body_key(source, options, same_options))
        for source in inputs.posts
    }
    body_keys = [keys_of[source.path][1] for source in inputs.posts]
    post_keys = [_post_key(b, s, config_key) for b, s in zip(body_keys, inputs.posts, strict=True)]

    disk = DiskCache(config.root / CACHE_DIR) if disk_cache else None
    md = memo.parser if memo.parser and memo.parser_options == options else make_parser(*options)
    store = disk.writer(memo.cache_files or None) if disk is not None and write else None
    made = _load_posts(
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
    )
    diags.extend(made.diagnostics)
    if not keep:  # a one-off build: the posts are made, their sources' bytes can go
        inputs = replace(inputs, posts=tuple(replace(s, data=b"") for s in inputs.posts))
        keys_of.clear()
    if store is not None:
        saved = store.finish(body_keys, post_keys)
        if saved is not None:
            diags.append(saved)
    bundled = _bundle_files(config, inputs)
    site, site_diags = assemble_site(
        made.posts, config, (p.source for p in inputs.files), _image_sizes(inputs, bundled)
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
    stage = (
        Staging(config.output, manifest)
        if write and not (has_errors(diags) or (strict and diags))
        else None
    )
    pages, render_diags, page_keys = render_pages(
        env,
        site,
        intact_keys(config.output, manifest.files),
        templates,
        memo.page_keys,
        sink=stage.add if stage is not None else _discard,
    )
    diags.extend(render_diags)
    css = stylesheet(config.style_light, config.style_dark).encode()
    copies = [
        *inputs.files,
        Page(STYLESHEET, css),
        Page(INDEX_PATH, search_index(site.posts)),
        *_assets(site, bundled),
    ]
    for copy in copies:
        page = replace(copy, key=hashlib.blake2b(copy.data, digest_size=20).hexdigest())
        if stage is not None:
            stage.add(page)
        pages.append(replace(page, data=b""))
    del copies
    diags.extend(_collisions(pages))

    failed = has_errors(diags) or (strict and bool(diags))
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
        rendered=made.rendered,
        cache=Memo(
            made.bodies,
            made.records,
            env,
            env_key,
            md,
            options,
            inputs,
            keys_of,
            page_keys,
            store.files if store is not None else memo.cache_files,
        ),
    )
