"""One build, top to bottom: sources -> posts -> site -> pages -> files.

This module is what every build runs first, and all that a build with nothing to do
runs: read the sources, digest them, compare with the last build's manifest. The stages
that make the site (Markdown, Pygments, Jinja2: most of a fresh process's start-up)
are in ``stages``, imported only when something changed.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tensorpress.config import SiteConfig
from tensorpress.diagnostics import Diagnostic
from tensorpress.output import (
    Inputs,
    asset_stamp,
    check_output,
    intact_keys,
    read_manifest,
    read_sources,
    read_stamps,
    save_stamps,
)
from tensorpress.templates import templates_digest, theme_dir
from tensorpress.versions import PIPELINE, machine_key

if TYPE_CHECKING:
    import jinja2
    from markdown_it import MarkdownIt

    from tensorpress.cache import Records
    from tensorpress.content import Body
    from tensorpress.models import Post, Site
    from tensorpress.render import Keys


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
    page_keys: Keys | None = None
    """Page keys of the last render with the records they were made from."""
    cache_files: frozenset[str] = frozenset()
    """The files the last build kept in the disk cache: what this one prunes from."""
    cache_records: Records | None = None
    """The disk cache's records file as the last build left it: not read again."""


def _inputs_digest(config: SiteConfig, inputs: Inputs, templates: str, flags: str) -> str:
    """Everything a build reads, digested: sources, copied files, templates, config, and
    the flags that change what it leaves behind (a ``--no-cache`` build fills no cache)."""
    digest = hashlib.sha1(f"{PIPELINE}|{machine_key()}|{config!r}|{templates}|{flags}".encode())
    for source in inputs.posts:
        digest.update(f"\0{source.path}\0{source.mtime}\0{source.assets}\0{source.digest}".encode())
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


def build(
    config: SiteConfig,
    cache: Memo | None = None,
    *,
    strict: bool = False,
    write: bool = True,
    disk_cache: bool = True,
    jobs: int | None = None,
    keep: bool = True,
    stamps: bool = True,
) -> BuildResult:
    """Build the site; write nothing unless the build is free of errors.

    ``cache`` is the previous result's ``cache`` in this process (``serve`` passes it);
    ``disk_cache`` adds the persistent cache of rendered bodies under the site folder.
    ``keep=False`` (a one-off build) lets each post's rendered body go once the post is
    made, instead of keeping them all for a next build in the same process. With the
    disk cache, a post whose stamp (size, time, inode) is what the last build saw is
    taken as unchanged and read only if it must be made; ``stamps=False`` reads all.
    """
    start = time.perf_counter()
    bad_output = check_output(config)
    if bad_output:
        return BuildResult(False, (bad_output,))
    memo = cache or Memo()
    diags: list[Diagnostic] = []
    first = disk_cache and memo.inputs is None  # later reads in this process: memo.inputs
    last = read_stamps(config.root) if first else ({}, {})
    trusted = (last[0] if stamps else {}) if first else None
    inputs, read_diags = read_sources(
        config, theme_dir(), memo.inputs, remember=keep, stamps=trusted
    )
    diags.extend(read_diags)
    if write and first:
        save_stamps(config.root, inputs.read, inputs.posts, last)
    last_digests = {s.path: s.digest for s in memo.inputs.posts} if memo.inputs else last[1]
    templates = templates_digest(config)
    # In-process rebuilds (serve) run because something changed: skip the shortcut.
    # What reading said (a file skipped) is not in the inputs: a change to it is a change.
    flags = f"strict={strict} cache={disk_cache} read={[str(d) for d in read_diags]}"
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

    from tensorpress.stages import StaleStamp, make  # the heavy libraries: only now

    flags: dict[str, Any] = {
        "strict": strict,
        "write": write,
        "disk_cache": disk_cache,
        "jobs": jobs,
        "keep": keep,
    }
    try:
        return make(
            config,
            memo,
            inputs,
            diags,
            manifest,
            digest,
            templates,
            start=start,
            last_digests=last_digests,
            **flags,
        )
    except StaleStamp:  # rare: a file changed under an unchanged stamp, or just went
        # every file read again: no post is taken from a stamp, so this cannot loop
        return build(config, replace(memo, inputs=None), stamps=False, **flags)
