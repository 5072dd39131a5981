"""All file I/O of a build: read the sources, then write the site in two phases.

Writing first puts every changed file beside its target under a temporary name; only
when all of them are on disk are they renamed into place. A failure in the first
phase (disk full, read-only folder) removes the temporaries and leaves the previous
site as it was. Unchanged files are not touched; files of the previous build that are
no longer produced are removed; files tensorpress did not write are left alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tensorpress.config import SiteConfig
from tensorpress.content import POST_SUFFIXES
from tensorpress.diagnostics import Diagnostic, error, warning
from tensorpress.models import Page, Source

MANIFEST = ".tensorpress-manifest.json"


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a build reads from disk."""

    posts: tuple[Source, ...]
    files: tuple[Page, ...]
    """Non-post files: static/ (theme, then site) and content files, at their output paths."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...]
    removed: tuple[str, ...]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def _walk(top: Path, root: Path, diags: list[Diagnostic]) -> list[Path]:
    """Regular files under ``top``, sorted, skipping dot-files and links that leave ``root``."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            if (here / d).is_symlink() and not _inside(here / d, root):
                rel = (here / d).relative_to(root).as_posix()
                diags.append(
                    warning(rel, 0, "symbolic link to a folder outside the site; not followed")
                )
                dirnames.remove(d)
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or name.endswith("~"):
                continue
            if path.is_symlink() and not _inside(path, root):
                diags.append(
                    warning(
                        path.relative_to(root).as_posix(),
                        0,
                        "symbolic link to a file outside the site; not followed",
                    )
                )
                continue
            found.append(path)
    return found


def _read(path: Path, rel: str, diags: list[Diagnostic]) -> tuple[bytes, float] | None:
    try:
        stat = path.stat()
        return path.read_bytes(), stat.st_mtime
    except OSError as exc:
        diags.append(error(rel, 0, f"cannot read: {exc.strerror or exc}"))
        return None


def read_sources(config: SiteConfig, theme: Path) -> tuple[Inputs, tuple[Diagnostic, ...]]:
    """Posts under content/, and every file to copy: theme static, site static, content."""
    root = config.root
    diags: list[Diagnostic] = []
    content = config.content_dir
    if not content.is_dir():
        return Inputs((), ()), (
            error(
                "content",
                0,
                f"no content/ folder in {root}: create it and put Markdown posts in it",
            ),
        )
    paths = _walk(content, root, diags)
    bundles = {
        p.parent
        for p in paths
        if p.stem == "index" and p.suffix in POST_SUFFIXES and p.parent != content
    }
    assets: dict[Path, list[str]] = {b: [] for b in bundles}
    copies: list[Page] = []
    posts: list[tuple[Path, bytes, float]] = []
    for path in paths:
        rel = path.relative_to(root).as_posix()
        bundle = next((b for b in path.parents if b in bundles), None)
        if path.suffix.lower() in POST_SUFFIXES:
            read = _read(path, rel, diags)
            if read:
                posts.append((path, *read))
        elif bundle is not None:
            assets[bundle].append(rel)
        else:
            read = _read(path, rel, diags)
            if read:
                copies.append(Page(path.relative_to(content).as_posix(), read[0], rel))
    sources = tuple(
        Source(
            p.relative_to(root).as_posix(),
            data,
            mtime,
            tuple(assets.get(p.parent, ())) if p.stem == "index" else (),
        )
        for p, data, mtime in posts
    )
    static: dict[str, Page] = {}
    for top in (theme / "static", root / "static"):
        if top.is_dir():
            for path in _walk(top, top if top == theme / "static" else root, diags):
                out = path.relative_to(top).as_posix()
                read = _read(path, out, diags)
                if read:
                    static[out] = Page(out, read[0], str(path))
    return Inputs(sources, (*static.values(), *copies)), tuple(diags)


def read_asset(root: Path, rel: str) -> bytes | None:
    try:
        return (root / rel).read_bytes()
    except OSError:
        return None


def check_output(config: SiteConfig) -> Diagnostic | None:
    """Refuse an output folder that is, or holds, the source folder."""
    out, root = config.output, config.root
    if out == root or _inside(root, out):
        return error(
            str(out),
            0,
            "the output folder is the site folder or contains it; "
            "choose another with --output (default: public/)",
        )
    for sub in ("content", "templates", "static"):
        if _inside(out, root / sub):
            return error(
                str(out), 0, f"the output folder is inside {sub}/; choose another with --output"
            )
    return None


def _safe_target(output: Path, rel: str) -> Path | None:
    parts = PurePosixPath(rel).parts
    if not parts or rel.startswith("/") or any(p in ("..", "") for p in parts) or "\\" in rel:
        return None
    return output.joinpath(*parts)


def _unchanged(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _old_manifest(output: Path) -> list[str]:
    try:
        names = json.loads((output / MANIFEST).read_text("utf-8"))
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    except (OSError, ValueError):
        return []


def write_site(output: Path, pages: list[Page]) -> tuple[WriteReport, tuple[Diagnostic, ...]]:
    """Write changed pages (temporaries, then renames), prune our stale files."""
    temps: list[tuple[Path, Path]] = []
    written: list[str] = []
    try:
        output.mkdir(parents=True, exist_ok=True)
        for page in pages:
            target = _safe_target(output, page.path)
            if target is None:
                return WriteReport((), ()), (
                    error(
                        page.source or page.path,
                        0,
                        f"refusing to write {page.path!r} outside the output folder",
                    ),
                )
            if _unchanged(target, page.data):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.tp-{os.getpid()}.tmp")
            temps.append((temp, target))
            temp.write_bytes(page.data)
            written.append(page.path)
    except OSError as exc:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
        where = exc.filename or output
        return WriteReport((), ()), (
            error(
                str(where),
                0,
                f"cannot write the site: {exc.strerror or exc}; the previous site is unchanged",
            ),
        )
    for temp, target in temps:
        if target.is_dir():
            continue
        os.replace(temp, target)
    keep = {p.path for p in pages}
    removed = []
    for name in _old_manifest(output):
        target = _safe_target(output, name)
        if name in keep or target is None or not target.is_file():
            continue
        target.unlink()
        removed.append(name)
        _prune_empty(target.parent, output)
    manifest = json.dumps(sorted(keep), indent=0).encode()
    if not _unchanged(output / MANIFEST, manifest):
        (output / MANIFEST).write_bytes(manifest)
    return WriteReport(tuple(written), tuple(removed)), ()


def clean_output(output: Path) -> int:
    """Delete the files the manifest says we wrote, and the manifest; keep the rest."""
    removed = 0
    for name in _old_manifest(output):
        target = _safe_target(output, name)
        if target is not None and target.is_file():
            target.unlink()
            removed += 1
            _prune_empty(target.parent, output)
    (output / MANIFEST).unlink(missing_ok=True)
    return removed


def _prune_empty(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
