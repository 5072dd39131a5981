"""All file I/O of a build: read the sources, then write the site in two phases.

Writing first puts every changed file beside its target under a temporary name, as
each is made (``Staging``); only when the build succeeded and all of them are on disk
are they renamed into place. A failure before that (a template error, disk full, a
read-only folder) removes the temporaries and leaves the previous site as it was.
Unchanged files are not touched; files of the previous build that are no longer
produced are removed; files tensorpress did not write are left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tensorpress.config import SiteConfig
from tensorpress.diagnostics import Diagnostic, error, warning
from tensorpress.files import NotAFile, read_bytes, read_regular, text_codec
from tensorpress.models import EMPTY, Page, Source, digest_bytes

NOTEBOOK = ".ipynb"
MARKDOWN = (".md", ".markdown", ".qmd", ".mdx")
"""Posts in Markdown: ``.qmd`` is Quarto's (its chunks are shown, not run); ``.mdx`` is
MDX's (its components are read as ``mdx`` says)."""
POST_SUFFIXES = (*MARKDOWN, NOTEBOOK)
"""The files under content/ that are posts."""
TEXT = ".txt"
"""A raw draft as pasted from a model: a post when it reads as Markdown (``is_draft``)."""

_MARKDOWN_SHAPE = re.compile(
    r"^ {0,3}(?:#{1,6}[ \t]+\S|```|~~~)|^\S[^\n]*\n {0,3}(?:=+|-{2,})[ \t]*$", re.M
)
"""A heading (ATX or underlined) or a code fence: what a Markdown draft has and a
``requirements.txt``, a word list or a licence has not."""


def is_markdown(path: str) -> bool:
    """A post read as Markdown: ``.md`` and its kin, or a ``.txt`` draft."""
    return path.lower().endswith((*MARKDOWN, TEXT))


def is_draft(data: bytes) -> bool:
    """A ``.txt`` file under content/ is a post when it looks like Markdown (its first
    64 KiB); any other is a file, copied as it is."""
    return bool(_MARKDOWN_SHAPE.search(data[:65536].decode(text_codec(data), "replace")))


def is_notebook(path: str) -> bool:
    return path.lower().endswith(NOTEBOOK)


MANIFEST = ".tensorpress-manifest.json"


Stamp = tuple[int, int, int]
"""Size, modification time (ns) and inode of a file, as ``os.stat`` gave them."""
SETTLED_NS = 2_000_000_000
"""A file modified this recently when it was read may change again within its
timestamp's resolution (coarse on some file systems), so its stamp is not trusted."""
CACHE_DIR = ".tensorpress-cache"
"""The build cache, in the site folder (``cache``); ``STAMPS`` is its light part."""
STAMPS = "stamps.json"
"""What the last build read: each settled post's stamp, time and digest (a later build
takes a post whose stamp is unchanged as unchanged, and reads it only if it must be
made), and each post's digest."""
Known = tuple[Stamp, bytes | None, float, str]
"""A file as read before: stamp, bytes (None: a post not kept in memory), time, digest."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a build reads from disk."""

    posts: tuple[Source, ...]
    files: tuple[Page, ...]
    """Non-post files: static/ (theme, then site) and content files, at their output paths."""
    read: Mapping[str, Known] = field(default_factory=lambda: EMPTY)
    """Files that had settled when read, by path: a later read takes a file whose stamp
    is unchanged as it was (its bytes kept in ``serve``, and posts' from ``STAMPS``)."""
    partials: tuple[str, ...] = ()
    """Markdown and notebooks left out as partials (``is_partial``), for ``check``."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...]
    removed: tuple[str, ...]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (3.11, 3.12)
        return False


_NOT_UTF8 = "the name is not valid UTF-8, so no URL can be made of it; skipped: rename it"


def _utf8(name: str) -> bool:
    """A name the file system gave as it is: one that is not UTF-8 comes with escapes
    (``surrogateescape``) that no page, digest or URL can hold."""
    return name.isascii() or not any("\udc80" <= c <= "\udcff" for c in name)


def _shown(path: str) -> str:
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _walk(top: Path, root: Path, label: str, diags: list[Diagnostic]) -> list[str]:
    """Files under ``top`` as sorted relative paths, skipping dot-files and links out of
    ``root``; ``label`` prefixes the paths in diagnostics. Strings, not ``Path``s: a big
    site has thousands of files and this runs on every rebuild."""
    found: list[str] = []
    top_s = str(top)
    where = label if top == root else "the site"
    if top != root and not _inside(top, root):  # static/ itself a link to /etc
        diags.append(warning(label, 0, f"symbolic link to a folder outside {where}; not followed"))
        return found
    for dirpath, dirnames, filenames in os.walk(top_s):
        rel_dir = os.path.relpath(dirpath, top_s).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            full = os.path.join(dirpath, d)
            if not _utf8(d):
                diags.append(warning(_shown(label + prefix + d), 0, _NOT_UTF8))
                dirnames.remove(d)
            elif os.path.islink(full) and not _inside(Path(full), root):
                diags.append(
                    warning(
                        label + prefix + d,
                        0,
                        f"symbolic link to a folder outside {where}; not followed",
                    )
                )
                dirnames.remove(d)
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith("~"):
                continue
            full = os.path.join(dirpath, name)
            if not _utf8(name):
                diags.append(warning(_shown(label + prefix + name), 0, _NOT_UTF8))
                continue
            if os.path.islink(full) and not _inside(Path(full), root):
                diags.append(
                    warning(
                        label + prefix + name,
                        0,
                        f"symbolic link to a file outside {where}; not followed",
                    )
                )
                continue
            found.append(prefix + name)
    return found


class _Reader:
    """Reads files, reusing what the previous read of a file whose stamp is unchanged
    found (as git's index does), and records the stamps for the next read: with the
    bytes (``keep``: the next read is in this process), or for posts only, without."""

    def __init__(self, previous: Mapping[str, Known] | None, keep: bool) -> None:
        self.previous = previous
        self.keep = keep
        self.read: dict[str, Known] = {}
        self.now = time.time_ns()

    def __call__(
        self, path: str, rel: str, diags: list[Diagnostic], *, post: bool = False
    ) -> tuple[bytes | None, float, str] | None:
        """(bytes, mtime, digest of the bytes if ``post`` else ""), or None if it cannot
        be read; bytes None: a post whose stamp is unchanged, not read."""
        stamp = _stamp(path) if self.previous is not None else None
        known = self.previous.get(path) if self.previous is not None else None
        if (
            known is not None
            and stamp is not None
            and known[0] == stamp
            and (post or known[1] is not None)
        ):
            self.read[path] = known
            return known[1:]
        read = _read(path, rel, diags)
        if read is None:
            return None
        found = (*read, digest_bytes(read[0]) if post else "")
        settled = stamp is not None and stamp[1] + SETTLED_NS < self.now
        if settled and (self.keep or post) and _stamp(path) == stamp:  # unchanged while read
            self.read[path] = (stamp, found[0] if self.keep else None, *found[1:])
        return found


def read_stamps(root: Path) -> tuple[dict[str, Known], dict[str, str]]:
    """What the last build read (``STAMPS``): the stamps of the posts that had settled,
    by absolute path; and the digest of every post, by site path (a hint, never trusted:
    the body it names gives an edited post the code blocks it did not change). Nothing
    if the file is missing or not of this shape: then every post is read."""
    try:
        data = json.loads((root / CACHE_DIR / STAMPS).read_bytes())
        stamps = {
            path: ((size, ns, ino), None, mtime, digest)
            for path, (size, ns, ino, mtime, digest) in data["stamps"].items()
            if type(path) is str
            and type(digest) is str
            and len(digest) == 40
            and all(type(n) is int for n in (size, ns, ino))
            and type(mtime) is float
        }
        made = {p: d for p, d in data["digests"].items() if type(p) is type(d) is str}
        return stamps, made
    except (OSError, ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return {}, {}


def _stamp_rows(read: Mapping[str, Known]) -> dict[str, tuple[Any, ...]]:
    return {path: (*stamp, t, digest) for path, (stamp, _, t, digest) in read.items() if digest}


def save_stamps(
    root: Path,
    read: Mapping[str, Known],
    posts: Iterable[Source],
    last: tuple[Mapping[str, Known], Mapping[str, str]],
) -> None:
    """Keep what this build read for the next (``read_stamps``), if it changed. Not
    being able to is not worth a word: the next build reads every post, as without."""
    stamps, made = _stamp_rows(read), {s.path: s.digest for s in posts}
    if stamps == _stamp_rows(last[0]) and made == last[1]:
        return
    folder = root / CACHE_DIR
    temp = folder / f"{STAMPS}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
        temp.write_text(json.dumps({"stamps": stamps, "digests": made}))
        os.replace(temp, folder / STAMPS)


def _stamp(path: Path | str) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _read(path: str, rel: str, diags: list[Diagnostic]) -> tuple[bytes, float] | None:
    try:
        return read_regular(path)
    except FileNotFoundError:
        # Gone between listing and reading (an editor's temporary file, a file deleted
        # mid-build): build without it rather than fail.
        why = "broken symbolic link" if os.path.islink(path) else "removed while reading"
        diags.append(warning(rel, 0, f"{why}; skipped"))
        return None
    except NotAFile:
        diags.append(warning(rel, 0, "not a regular file (a pipe, a device); skipped"))
        return None
    except OSError as exc:
        diags.append(error(rel, 0, f"cannot read: {exc.strerror or exc}"))
        return None


def _is_post(rel: str) -> bool:
    return rel.lower().endswith(POST_SUFFIXES)


def _bundles(posts: list[str]) -> set[str]:
    """The folders of ``index`` posts that hold no other post, in them or below: a page
    bundle's files are its own. A folder's ``index.qmd`` beside other posts (Quarto's
    listing page, a notes folder) is no bundle: those posts use the files too, so they
    stay where they are, as for a README. Linear: each post counts in its folders."""
    held: Counter[str] = Counter()
    for rel in posts:
        parts = rel.split("/")[:-1]
        held.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {
        folder
        for rel in posts
        if "/" in rel
        and rel.rpartition("/")[2].startswith("index.")
        and held[folder := rel.rpartition("/")[0]] == 1
    }


JEKYLL_FOLDERS = frozenset({"_posts", "_drafts"})
"""Folders named with ``_`` that hold posts: Jekyll's."""


def is_partial(rel: str) -> bool:
    """A file named with a leading ``_``, or in such a folder (``_cta.md``, ``_docs/``,
    Hugo's ``_index.md``): a piece that Quarto includes into posts, or that Jekyll and
    Quarto never publish; not a post (Jekyll's ``_posts/`` and ``_drafts/`` are)."""
    return any(p.startswith("_") and p not in JEKYLL_FOLDERS for p in rel.split("/"))


def read_sources(
    config: SiteConfig,
    theme: Path,
    previous: Inputs | None = None,
    *,
    remember: bool = False,
    stamps: Mapping[str, Known] | None = None,
) -> tuple[Inputs, tuple[Diagnostic, ...]]:
    """Posts under content/, and every file to copy: theme static, site static, content.

    With ``previous`` (the last read of this site in this process), settled files whose
    size, time and inode are unchanged are not read again; ``remember`` records the
    stamps for the next read even without a previous one (the first build of
    ``serve``). With ``stamps`` (``read_stamps``), posts whose stamp is unchanged are
    not read: their ``Source`` is ``unread``."""
    root = config.root
    keep = remember or previous is not None
    known = previous.read if previous is not None else stamps
    reader = _Reader(EMPTY if known is None and keep else known, keep)
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
    base = str(content) + os.sep
    rels = _walk(content, content, "content/", diags) if _inside(content, root) else []
    if not _inside(content, root):  # a cloned site whose content/ leads to /etc
        diags.append(
            error("content/", 0, "content/ is a link to a folder outside the site; not followed")
        )
    bundles = _bundles([r for r in rels if _is_post(r) and not is_partial(r)])
    assets: dict[str, list[str]] = {b: [] for b in bundles}
    copies: list[Page] = []
    sources: list[tuple[str, bytes | None, float, str]] = []
    partials = []
    for rel in rels:
        parts = rel.split("/")[:-1]
        bundle = next(
            (d for d in ("/".join(parts[:i]) for i in range(len(parts), 0, -1)) if d in bundles),
            None,
        )
        if _is_post(rel) and is_partial(rel):
            partials.append("content/" + rel)
        elif _is_post(rel):
            read = reader(base + rel, "content/" + rel, diags, post=True)
            if read:
                sources.append((rel, *read))
        elif bundle is not None:
            assets[bundle].append("content/" + rel)
        elif "/_drafts/" in f"/{rel}" and not config.drafts:
            continue  # a draft's images and notes: published with it, by --drafts
        else:
            copy = reader(base + rel, "content/" + rel, diags)
            if copy and copy[0] is not None:
                if rel.lower().endswith(TEXT) and is_draft(copy[0]):
                    sources.append((rel, copy[0], copy[1], digest_bytes(copy[0])))
                    diags.append(
                        warning(
                            "content/" + rel,
                            1,
                            "a plain-text draft that reads as Markdown: built as a post; "
                            f"rename it to {rel.rpartition('/')[2][:-4]}.md to say so",
                        )
                    )
                else:
                    copies.append(Page(rel, copy[0], "content/" + rel))
    posts = tuple(
        Source(
            "content/" + rel,
            data or b"",
            mtime,
            tuple(assets.get(rel.rpartition("/")[0], ()))
            if rel.rpartition("/")[2].startswith("index.")
            else (),
            digest,
            data is None,
        )
        for rel, data, mtime, digest in sources
    )
    static: dict[str, Page] = {}
    for top, label in ((theme / "static", "theme static/"), (root / "static", "static/")):
        if top.is_dir():
            for rel in _walk(top, top if label.startswith("theme") else root, label, diags):
                copy = reader(os.path.join(top, rel), label + rel, diags)
                if copy and copy[0] is not None:
                    static[rel] = Page(rel, copy[0], str(top / rel))
    return Inputs(posts, (*static.values(), *copies), reader.read, tuple(partials)), tuple(diags)


def asset_stamp(root: Path, rel: str) -> tuple[int, int] | None:
    """Size and modification time of a file beside a bundle post, or None if it is gone."""
    return _stat(root / rel)


def read_asset(root: Path, rel: str) -> bytes | None:
    try:
        return read_bytes(root / rel)
    except OSError:
        return None


def check_output(config: SiteConfig) -> Diagnostic | None:
    """Refuse an output folder that is, or holds, the source folder."""
    return check_output_folder(config.output, config.root)


def check_output_folder(out: Path, root: Path) -> Diagnostic | None:
    """``check_output`` for a folder and a site folder (``clean`` has no config)."""
    if out.exists() and not out.is_dir():
        return error(str(out), 0, "the output folder is a file; choose another with --output")
    if out == root or _inside(root, out):
        return error(
            str(out),
            0,
            "the output folder is the site folder or contains it; "
            "choose another with --output (default: public/)",
        )
    for sub in ("content", "templates", "static", CACHE_DIR):
        if _inside(out, root / sub):
            return error(
                str(out), 0, f"the output folder is inside {sub}/; choose another with --output"
            )
    return None


def _safe_rel(rel: str) -> bool:
    """True if ``rel`` is a relative path that stays inside the folder it is joined to."""
    return (
        bool(rel)
        and "\\" not in rel
        and "\0" not in rel
        and not any(p in ("..", "", ".") for p in rel.split("/"))
    )


def _safe_target(output: Path, rel: str, folders: dict[str, bool] | None = None) -> Path | None:
    """``output/rel`` if ``rel`` stays inside the output folder, else None: no ``..``,
    and no folder on the way that is a symbolic link (a ``posts`` linked elsewhere in a
    checked-in ``public/``), which writing and deleting would go through. ``folders``
    remembers the folders found plain, for the next path."""
    if not _safe_rel(rel):
        return None
    seen = folders if folders is not None else {}
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        linked = seen.get(folder)
        if linked is None:
            linked = seen[folder] = os.path.islink(os.path.join(output, folder))
        if linked:
            return None
    return Path(f"{output}{os.sep}{rel}") if os.sep == "/" else output.joinpath(*rel.split("/"))


def _unchanged(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


Entry = tuple[str, int, int]
"""What the manifest remembers of a file it wrote: key, size, modification time (ns)."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the last successful build left in the output folder's manifest."""

    files: dict[str, Entry]
    inputs: str = ""
    """Digest of everything the build read; equal digests and intact files: nothing to do."""
    report: dict[str, Any] | None = None
    """That build's diagnostics and counts, to report again when nothing changed."""


def read_manifest(output: Path) -> Manifest:
    """The files the previous build wrote; unreadable or foreign manifests give nothing."""
    try:
        data = json.loads((output / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
        return Manifest({})
    if isinstance(data, list):  # the first format: names only
        return Manifest({n: ("", -1, -1) for n in data if isinstance(n, str)})
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return Manifest({})
    entries = {}
    for name, entry in files.items():
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and all(isinstance(n, int) for n in entry[1:])
        ):
            entries[name] = (entry[0], entry[1], entry[2])
    inputs = data.get("inputs") if isinstance(data.get("inputs"), str) else ""
    report = data.get("report") if isinstance(data.get("report"), dict) else None
    return Manifest(entries, inputs, report)


def _stat(target: Path | str) -> tuple[int, int] | None:
    """Size and modification time (ns), as the manifest records them."""
    stamp = _stamp(target)
    return stamp[:2] if stamp is not None else None


def intact_keys(output: Path, manifest: dict[str, Entry]) -> dict[str, str]:
    """path -> key of the files still exactly as the previous build left them."""
    keys = {}
    out = str(output)
    for name, (key, size, mtime) in manifest.items():
        if key and _safe_rel(name) and _stat(f"{out}/{name}") == (size, mtime):
            keys[name] = key
    return keys


class Staging:
    """The first phase of writing, one page at a time: each changed page goes to a
    temporary beside its target as soon as it is rendered, so a big site is never held
    in memory whole. ``commit`` renames them into place; ``abort`` removes them.

    A failure (a path outside the output folder, disk full) stops further writing and
    is reported by ``commit``, which then leaves the previous site as it was.
    """

    def __init__(self, output: Path, manifest: Manifest) -> None:
        self.output = output
        self.old = manifest.files
        self.entries: dict[str, Entry] = {}
        self.temps: list[tuple[Path, Path, Page]] = []
        self.failure: Diagnostic | None = None
        self.existed = output.is_dir()
        self.folders: dict[str, bool] = {}
        """Folders of the output checked for symbolic links (``_safe_target``)."""

    def add(self, page: Page) -> None:
        if self.failure is not None:
            return
        try:
            self._add(page)
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.failure = error(
            str(exc.filename or self.output),
            0,
            f"cannot write the site: {exc.strerror or exc}; the previous site is unchanged",
        )

    def _add(self, page: Page) -> None:
        if page.path in self.entries:  # two pages at one path: never stage one over another
            self.failure = error(
                page.source or page.path, 0, f"two pages would be written to {page.path}"
            )
            return
        prev = self.old.get(page.path)
        if page.reused and prev and prev[0] == page.key:  # checked by intact_keys
            self.entries[page.path] = prev
            return
        target = _safe_target(self.output, page.path, self.folders)
        if target is None:
            why = (
                "its name has a backslash, which URLs read as a folder: rename the file"
                if "\\" in page.path
                else "outside the output folder (a path with '..', or a folder on the way "
                "that is a symbolic link: remove the link)"
            )
            self.failure = error(
                page.source or page.path, 0, f"refusing to write {page.path!r}: {why}"
            )
            return
        if prev and page.key and prev[0] == page.key and (page.reused or _stat(target) == prev[1:]):
            self.entries[page.path] = prev
            return
        if _unchanged(target, page.data):
            self.entries[page.path] = (page.key, *(_stat(target) or (-1, -1)))
            return
        if target.is_dir():
            raise IsADirectoryError(21, "a folder is in the way", str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".tp-{os.getpid()}-{len(self.temps)}.tmp")  # short: a
        # name near the 255-byte limit would be over it with a longer prefix
        temp.write_bytes(page.data)
        # A rename keeps size and time: record them now. The bytes are not kept.
        self.temps.append((temp, target, Page(page.path, b"", page.source, page.key)))
        self.entries[page.path] = (page.key, *(_stat(temp) or (-1, -1)))

    def abort(self) -> None:
        """Remove the temporaries, and the folders made for them: the site is as it was."""
        for temp, _, _ in self.temps:
            temp.unlink(missing_ok=True)
            _prune_empty(temp.parent, self.output)
        self.temps = []
        if not self.existed:
            with contextlib.suppress(OSError):
                self.output.rmdir()  # only if empty

    def commit(
        self, inputs: str = "", report: dict[str, Any] | None = None
    ) -> tuple[WriteReport, tuple[Diagnostic, ...]]:
        """Record the manifest, rename every temporary into place, prune our stale files."""
        output, entries, temps = self.output, self.entries, self.temps
        if self.failure is None:
            data = {
                "version": 2,
                "inputs": inputs,
                "report": report,
                "files": {k: list(v) for k, v in sorted(entries.items())},
            }
            manifest_bytes = json.dumps(data, separators=(",", ":")).encode()  # C encoder
            try:
                output.mkdir(parents=True, exist_ok=True)
                if not _unchanged(output / MANIFEST, manifest_bytes):
                    # Staged like a page: the record changes with the site or not at all.
                    temp = output / f".{MANIFEST}.tp-{os.getpid()}.tmp"
                    temps.append((temp, output / MANIFEST, Page(MANIFEST, b"")))
                    temp.write_bytes(manifest_bytes)
            except OSError as exc:
                self._fail(exc)
        if self.failure is None:
            failed = _swap_in(temps)  # on failure, puts back what it replaced
            if failed is not None:
                self._fail(failed)
        if self.failure is not None:
            self.abort()
            return WriteReport((), ()), (self.failure,)
        removed = []
        for name in self.old:
            if name in entries:
                continue
            target = _safe_target(output, name, self.folders)
            if target is None or not target.is_file():
                continue
            try:
                target.unlink()
                _prune_empty(target.parent, output)
            except OSError:
                continue  # the new site is whole; a stale file we cannot delete stays, harmless
            removed.append(name)
        written = tuple(t[2].path for t in temps if t[1] != output / MANIFEST)
        return WriteReport(written, tuple(removed)), ()


def _swap_in(temps: list[tuple[Path, Path, Page]]) -> OSError | None:
    """Rename every temporary onto its target; if one rename fails, put back the files
    already replaced (kept as hard links, or copies) so the previous site stays whole."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for temp, target, _ in temps:
            keep: Path | None = target.with_name(f".tp-{os.getpid()}-{len(done)}.old")
            try:
                os.link(target, keep)  # type: ignore[arg-type]
            except FileNotFoundError:
                keep = None  # nothing to put back: a new file
            except OSError:
                shutil.copy2(target, keep)  # type: ignore[arg-type]  # no hard links here
            try:
                os.replace(temp, target)
            except OSError:
                if keep is not None:
                    keep.unlink(missing_ok=True)
                raise
            done.append((target, keep))
    except OSError as exc:
        for target, keep in reversed(done):
            if keep is not None:
                os.replace(keep, target)
            else:
                target.unlink(missing_ok=True)
        for temp, _, _ in temps:
            temp.unlink(missing_ok=True)
        return exc
    for _, keep in done:
        if keep is not None:
            keep.unlink(missing_ok=True)
    return None


def clean_output(output: Path) -> int:
    """Delete the files the manifest says we wrote, and the manifest; keep the rest
    (never through a symbolic link). OSError for what cannot be deleted."""
    removed = 0
    folders: dict[str, bool] = {}
    for name in read_manifest(output).files:
        target = _safe_target(output, name, folders)
        if target is not None and target.is_file():
            target.unlink()
            removed += 1
            _prune_empty(target.parent, output)
    manifest = output / MANIFEST
    if manifest.is_file() or manifest.is_symlink():
        manifest.unlink()
    return removed


def _prune_empty(folder: Path, stop: Path) -> None:
    while (
        folder != stop and folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())
    ):
        folder.rmdir()
        folder = folder.parent
