"""One build, top to bottom: sources -> posts -> site -> pages -> files."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from tensorpress.config import SiteConfig
from tensorpress.content import Body, assemble_site, load_post
from tensorpress.diagnostics import Diagnostic, error, has_errors
from tensorpress.highlight import stylesheet
from tensorpress.markdown import make_parser
from tensorpress.models import Page, Site
from tensorpress.output import check_output, read_asset, read_sources, write_site
from tensorpress.render import make_env, render_pages, theme_dir

STYLESHEET = "assets/highlight.css"


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
        error(p.source or p.path, 0, f"two files would be written to {p.path}: rename one of them")
        for p in pages
        if counts[p.path] > 1 and p.source
    ]


def build(
    config: SiteConfig,
    cache: dict[str, Body] | None = None,
    *,
    strict: bool = False,
    write: bool = True,
) -> BuildResult:
    """Build the site; write nothing unless the build is free of errors."""
    start = time.perf_counter()
    old = cache or {}
    new_cache: dict[str, Body] = {}

    diags: list[Diagnostic] = []
    bad_output = check_output(config)
    if bad_output:
        return BuildResult(False, (bad_output,))
    theme = theme_dir()
    inputs, read_diags = read_sources(config, theme)
    diags.extend(read_diags)
    md = make_parser()
    posts = []
    for source in inputs.posts:
        post, post_diags = load_post(source, config, md, old, new_cache)
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
    report_written: tuple[str, ...] = ()
    report_removed: tuple[str, ...] = ()
    if not failed and write:
        report, write_diags = write_site(config.output, pages)
        diags.extend(write_diags)
        failed = bool(write_diags)
        report_written, report_removed = report.written, report.removed
    return BuildResult(
        ok=not failed,
        diagnostics=tuple(diags),
        site=site,
        pages=len(pages),
        written=report_written,
        removed=report_removed,
        seconds=time.perf_counter() - start,
        cache=new_cache,
    )
