"""``tensorpress check --fix``: safe, mechanical fixes, each proven before it is written.

``plan_fix`` computes the fixes of one post (front matter with the inferred title, date
and topics; the guessed language on bare fences; no prompt echo or ``[end of text]``)
and proves them: the fixed file must load to the same title, date, slug and topics and
render to the same HTML apart from the fix, or it is left alone. Only ``apply_fixes``
touches the disk, keeping a backup of every file it changes.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from tensorpress.check import BACKUP_DIR
from tensorpress.codecheck import FENCE
from tensorpress.config import SiteConfig
from tensorpress.content import compute_body, date_prefix, load_post, parser_options, post_name
from tensorpress.drafts import end_marker_line, prepare, prompt_line, strip_end_marker
from tensorpress.findings import Finding
from tensorpress.frontmatter import decode, load_front, quote, split, validate
from tensorpress.highlight import guess_language
from tensorpress.models import Post, Source
from tensorpress.output import is_markdown


@dataclass(frozen=True, slots=True)
class Fix:
    """The safe fixes of one post, proven, or why none is made."""

    path: str
    before: bytes
    after: bytes | None
    changes: tuple[str, ...]
    reason: str = ""
    """Why the file is left alone (``after`` is None)."""

    def diff(self) -> str:
        if self.after is None:
            return ""
        old = self.before.decode("utf-8-sig").splitlines(keepends=True)
        new = self.after.decode("utf-8-sig").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"))


def _when(post: Post) -> str:
    d = post.date
    if (d.hour, d.minute, d.second) == (0, 0, 0):
        return f"{d:%Y-%m-%d}"
    return f"{d:%Y-%m-%d %H:%M}" if d.second == 0 else f"{d:%Y-%m-%d %H:%M:%S}"


def _front_block(post: Post) -> list[str]:
    topics = ", ".join(quote(t.slug) for t in post.topics)
    return [
        "---",
        f"title: {quote(post.title)}",
        f"date: {_when(post)}",
        f"topics: [{topics}]",
        "---",
        "",
    ]


def plan_fix(source: Source, config: SiteConfig, md: MarkdownIt) -> Fix | None:
    """Front matter with the inferred title, date and topics; the guessed language on bare
    fences; no prompt echo or ``[end of text]``. None when there is nothing to fix."""
    path, data = source.path, source.data
    if not is_markdown(path):
        return None
    text, _ = decode(data, path)
    if text is None:
        return None
    post, _ = load_post(source, config, md, {}, {})
    sp, split_diags = split(text, path)
    if post is None or split_diags:
        return None
    lines = sp.body.split("\n")
    changes: list[str] = []
    prompt = None if sp.kind is not None else prompt_line(lines)
    if prompt is not None:
        changes.append(f"line {prompt + 1}: removed the echoed prompt")
    fixed = prepare(sp.body, path, sp.body_line, has_front_matter=sp.kind is not None)
    env: dict[str, Any] = {"diagnostics": [], "path": path, "first": sp.body_line}
    for token in md.parse(fixed.text, env):
        if token.type != "fence" or token.info.strip() or not token.map:
            continue
        k = token.map[0]
        m = FENCE.match(lines[k])
        if m and not m.group(3).strip():
            lang = guess_language(token.content)
            lines[k] = lines[k].rstrip() + lang
            changes.append(f"line {sp.body_line + k}: added the language '{lang}' to the fence")
    end = end_marker_line(lines)
    if end is not None:
        lines[end] = strip_end_marker(lines[end])
        changes.append(f"line {sp.body_line + end}: removed '[end of text]'")
    head = text.split("\n")[: sp.body_line - 1]
    if sp.kind is None:
        if prompt is not None:
            del lines[prompt]
        while lines and not lines[0].strip():
            del lines[0]
        head = _front_block(post)
        changes.insert(0, "added front matter with the inferred title, date and topics")
    else:
        data_, key_lines, _ = load_front(sp, path)
        fm, _ = validate(data_, key_lines, path)
        dated = date_prefix(post_name(path))[0] is not None
        missing = [("title", quote(post.title))] if fm.title is None else []
        if fm.date is None and not dated and "date" not in fm.file_dated:
            when = f"{post.date:%Y-%m-%dT%H:%M:%S}" if sp.kind == "toml" else _when(post)
            missing.append(("date", when))
        sep = " = " if sp.kind == "toml" else ": "  # YAML and Pelican metadata alike
        head = [head[0], *(f"{k}{sep}{v}" for k, v in missing), *head[1:]]
        changes[:0] = [f"added '{k}' to the front matter" for k, _ in missing]
    if not changes:
        return None
    bom = data.startswith(b"\xef\xbb\xbf")
    crlf = b"\r\n" in data
    pairs = data.count(b"\r\n")
    if data.count(b"\r") != pairs or (crlf and data.count(b"\n") != pairs):
        return Fix(path, data, None, tuple(changes), "not fixed: mixed line endings; fix by hand")
    new_text = "\n".join([*head, *lines])
    after = ("\ufeff" if bom else "") + (new_text.replace("\n", "\r\n") if crlf else new_text)
    after_bytes = after.encode("utf-8")
    problem = _verify(source, _with_data(source, after_bytes), post, config, md)
    if problem:
        return Fix(path, data, None, tuple(changes), f"not fixed: {problem}; fix it by hand")
    return Fix(path, data, after_bytes, tuple(changes))


def _with_data(source: Source, data: bytes) -> Source:
    return Source(source.path, data, source.mtime, source.assets)


def _verify(old: Source, new: Source, post: Post, config: SiteConfig, md: MarkdownIt) -> str:
    """Why the fixed file is not the same post, or ``""``: it must parse back, load to the
    same title, date, slug and topics, and render to the same HTML."""
    fixed, diags = load_post(new, config, md, {}, {})
    if fixed is None:
        return "the fixed file would not load (" + "; ".join(d.message for d in diags) + ")"
    for name in ("title", "date", "slug", "topics", "url"):
        if getattr(fixed, name) != getattr(post, name):
            return f"the fixed file would change the post's {name}"
    before, after = compute_body(old, md), compute_body(new, md)
    if before is None or after is None or before.rendered.html != after.rendered.html:
        return "the fixed file would render differently"
    return ""


def plan_fixes(config: SiteConfig) -> list[Fix]:
    from tensorpress.markdown import make_parser
    from tensorpress.output import read_sources
    from tensorpress.templates import theme_dir

    inputs, _ = read_sources(config, theme_dir())
    md = make_parser(*parser_options(config))
    return [f for s in inputs.posts if (f := plan_fix(s, config, md)) is not None]


def apply_fixes(root: Path, fixes: Sequence[Fix], when: datetime) -> list[Finding]:
    """Write each proven fix (a backup of the original first, under .tensorpress-backup/,
    outside content/ so a build never publishes it); skip files changed since read."""
    out = []
    stamp = f"{when:%Y%m%d-%H%M%S}"
    for fix in fixes:
        if fix.after is None:
            out.append(Finding(fix.path, 0, "warning", fix.reason))
            continue
        target = root / fix.path
        backup = root / BACKUP_DIR / stamp / fix.path
        if target.is_symlink() or (root / BACKUP_DIR).is_symlink():
            # writing would replace the link with a file, or put the backup where it leads
            what = fix.path if target.is_symlink() else BACKUP_DIR
            out.append(Finding(fix.path, 0, "warning", f"{what} is a symbolic link; not fixed"))
            continue
        try:
            if target.read_bytes() != fix.before:
                out.append(Finding(fix.path, 0, "warning", "changed while checking; not fixed"))
                continue
            backup.parent.mkdir(parents=True, exist_ok=True)
            backup.write_bytes(fix.before)
            temp = target.with_name(f".{target.name}.tp-fix.tmp")
            try:
                temp.write_bytes(fix.after)
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
        except OSError as exc:
            out.append(Finding(fix.path, 0, "error", f"cannot fix: {exc.strerror or exc}"))
            continue
        rel = backup.relative_to(root).as_posix()
        out.append(
            Finding(fix.path, 0, "note", f"fixed ({'; '.join(fix.changes)}); original in {rel}")
        )
    return out
