"""One build, top to bottom: sources -> posts -> site -> pages -> files."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

from tensorpress.cache import CACHE_DIR, DiskCache
from tensorpress.config import SiteConfig
from tensorpress.content import Body, assemble_site, body_key, compute_body, load_post
from tensorpress.diagnostics import Diagnostic, error, has_errors
from tensorpress.highlight import stylesheet
from tensorpress.markdown import make_parser
from tensorpress.models import Page, Site, Source
from tensorpress.output import check_output, read_asset, read_sources, write_site
from tensorpress.render import make_env, render_pages, theme_dir

STYLESHEET = "assets/highlight.css"
PARALLEL_MIN = 48
"""Bodies to render before a process pool pays for its start-up."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did; ``cache`` holds the rendered bodies of this build's posts."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    site: Site | None = None
    pages: int = 0
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    seconds: float = 0.0
    rendered: int = 0
    """Post bodies rendered by this build (the others came from the cache)."""
    cache: dict[str, Body] = field(default_factory=dict)


def _assets(site: Site) -> list[Page]:
    """Files beside bundle posts, copied next to the post's page."""
    pages = []
    for post in site.posts:
        base = post.source.rsplit("/", 1)[0] + "/"
        for rel in post.assets:
            data = read_asset(site.config.root, rel)
            if data is not None:
                pages.append(Page(post.url + rel[len(base) :], data, rel))
    return pages


def _collisions(pages: list[Page]) -> list[Diagnostic]:
    counts = Counter(p.path for p in pages)
    return [
        error(p.source or p.path, 0, f"two files would be written to {p.path}: rename one")
        for p in pages
        if counts[p.path] > 1 and p.source
    ]


@lru_cache(maxsize=1)
def _worker_parser() -> MarkdownIt:
    return make_parser()


def _work(source: Source) -> tuple[str, Body | None]:
    return body_key(source), compute_body(source, _worker_parser())


def render_bodies(sources: Sequence[Source], md: MarkdownIt, jobs: int) -> dict[str, Body]:
    """Render bodies, over a process pool when there are enough; same result either way."""
    if jobs > 1 and len(sources) >= PARALLEL_MIN:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = pool.map(_work, sources, chunksize=max(1, len(sources) // (jobs * 8)))
            return {key: body for key, body in done if body is not None}
    bodies = {}
    for source in sources:
        body = compute_body(source, md)
        if body is not None:
            bodies[body_key(source)] = body
    return bodies


def build(
    config: SiteConfig,
    cache: Mapping[str, Body] | None = None,
    *,
    strict: bool = False,
    write: bool = True,
    disk_cache: bool = True,
    jobs: int | None = None,
) -> BuildResult:
    """Build the site; write nothing unless the build is free of errors.

    ``cache`` holds bodies from a previous build in this process (``serve`` passes the
    last result's); ``disk_cache`` adds the persistent cache under the site folder.
    """
    start = time.perf_counter()
    bad_output = check_output(config)
    if bad_output:
        return BuildResult(False, (bad_output,))
    diags: list[Diagnostic] = []
    inputs, read_diags = read_sources(config, theme_dir())
    diags.extend(read_diags)

    memory = cache or {}
    disk = DiskCache(config.root / CACHE_DIR) if disk_cache else None
    known: dict[str, Body] = {}
    misses = []
    for source in inputs.posts:
        key = body_key(source)
        body = memory.get(key) or (disk.get(key) if disk is not None else None)
        if body is None:
            misses.append(source)
        else:
            known[key] = body
    md = make_parser()
    fresh = render_bodies(misses, md, jobs if jobs is not None else (os.cpu_count() or 1))
    known.update(fresh)

    used: dict[str, Body] = {}
    posts = []
    for source in inputs.posts:
        post, post_diags = load_post(source, config, md, known, used)
        diags.extend(post_diags)
        if post is not None:
            posts.append(post)
    site, site_diags = assemble_site(posts, config, (p.source for p in inputs.files))
    diags.extend(site_diags)
    pages, render_diags = render_pages(make_env(config), site)
    diags.extend(render_diags)
    css = stylesheet(config.style_light, config.style_dark).encode()
    pages.extend([*inputs.files, Page(STYLESHEET, css), *_assets(site)])
    diags.extend(_collisions(pages))

    failed = has_errors(diags) or (strict and bool(diags))
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    if not failed and write:
        report, write_diags = write_site(config.output, pages)
        diags.extend(write_diags)
        failed = bool(write_diags)
        written, removed = report.written, report.removed
    if disk is not None and write:
        saved = disk.save(used, (k for k in fresh if k in used))
        if saved is not None:
            diags.append(saved)
    return BuildResult(
        ok=not failed,
        diagnostics=tuple(diags),
        site=site,
        pages=len(pages),
        written=written,
        removed=removed,
        seconds=time.perf_counter() - start,
        rendered=len(fresh),
        cache=used,
    )
