"""Jupyter notebooks (``.ipynb``) as posts: read, split off front matter, render, extract files.

Nothing is executed: the outputs saved in the notebook are what the page shows. A body is
one Markdown document run through the site's parser, so markdown cells get everything
Markdown posts get (math, anchors, callouts, footnotes, one set of heading ids). Code
cells and their outputs are HTML made here; the document holds a one-line comment for
each, swapped for the HTML after rendering (a raw HTML block would end at the first
blank line of an output). Images in outputs become files next to the page, never base64.

Every function is pure: bytes in, records out. Diagnostics carry the JSON file's line
where it can be found (nbformat writes one source line per JSON line).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from html import escape
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt

from tensorpress.ansi import ansi_to_html, strip_ansi, terminal_text
from tensorpress.compat import migrate
from tensorpress.diagnostics import Diagnostic, error, warning
from tensorpress.directives import cell_options, hidden
from tensorpress.frontmatter import Split, decode, load_front, split
from tensorpress.highlight import render_fence
from tensorpress.images import image_size
from tensorpress.markdown import render
from tensorpress.models import Rendered

HIDE = {"hide-input": "input", "hide-output": "output", "hide-cell": "cell"}
"""Jupyter Book's tags that fold part of a cell; ``remove-input``, ``remove-output`` and
``remove-cell`` leave it out."""
IMAGES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/svg+xml": "svg"}
ORDER = ("text/html", "text/markdown", "text/latex", *IMAGES, "text/plain")
"""Representations we show, most preferred first (JupyterLab's order, minus scripts)."""
WIDGET = "application/vnd.jupyter.widget-view+json"
FOLD_LINES = 40
"""Text outputs longer than this (plus a little slack) show this many lines and fold the rest."""
MAX_LINES = 5000
MAX_CHARS = 400_000
"""A text output beyond these is cut, with a warning: no reader scrolls through it."""
MAX_HTML = 1_000_000
TRACEBACK_FOLD = 12
"""Tracebacks longer than this many lines collapse to their last line."""


@dataclass(frozen=True, slots=True)
class Output:
    """One saved output of a code cell, normalised (multi-line strings joined)."""

    kind: str
    """``stream``, ``execute_result``, ``display_data`` or ``error``."""
    name: str = ""
    """Stream name: ``stdout`` or ``stderr``."""
    text: str = ""
    """Stream text, or an error's traceback joined by newlines."""
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """MIME type -> payload (text, base64 for binary images) for results and displays."""
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    ename: str = ""
    evalue: str = ""


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell with what the renderer needs; ``number`` counts from 1 over all cells."""

    number: int
    kind: str
    source: str
    line: int
    """File line of the cell's first source line (0: unknown)."""
    per_line: bool
    """The source is a JSON list, one source line per file line, so ``line + i`` is line i."""
    tags: frozenset[str] = frozenset()
    count: int | None = None
    outputs: tuple[Output, ...] = ()
    raw_format: str = ""
    attachments: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def file_line(self, offset: int) -> int:
        """The file line of the cell's source line ``offset`` (0-based)."""
        return self.line + offset if self.per_line and self.line else self.line


@dataclass(frozen=True, slots=True)
class Notebook:
    """A readable notebook: its cells, kernel language and front-matter sources."""

    cells: tuple[Cell, ...]
    language: str
    """Kernel language for highlighting; empty when the notebook names none."""
    meta: Mapping[str, Any]
    """``metadata.tensorpress`` plus the notebook's own ``title`` and ``authors``."""
    meta_line: int
    has_meta: bool
    diagnostics: tuple[Diagnostic, ...]
    """Structural problems found while reading (cells or outputs skipped)."""


@dataclass(frozen=True, slots=True)
class Front:
    """Front matter of a notebook, and where its body starts."""

    data: Mapping[str, Any]
    lines: Mapping[str, int]
    found: bool
    """Front matter came from ``metadata.tensorpress`` or a ``---`` cell."""
    cells: tuple[Cell, ...]
    """The body's cells: a front-matter cell is dropped, or cut to what follows it."""
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class NotebookBody:
    """What ``content.Body`` needs: the rendered body and what reading and rendering found."""

    rendered: Rendered
    diagnostics: tuple[Diagnostic, ...]


# ---------------------------------------------------------------- reading


def _text(value: Any) -> str | None:
    """nbformat's multi-line string: a string or a list of strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None


_CELL_TYPE = re.compile(r'(?<!\\)"cell_type"\s*:')
_SOURCE = re.compile(r'(?<!\\)"source"\s*:\s*(\[[ \t]*\r?\n)?')


def _cell_lines(text: str) -> list[tuple[int, bool]]:
    """Per cell, (file line of its first source line, one source line per file line).

    A scan of the JSON text, not a parse: nbformat writes each cell's keys in order with
    ``source`` last, so the last ``"source"`` before the next cell is the cell's own.
    """
    starts = [m.start() for m in _CELL_TYPE.finditer(text)]
    out = []
    line, counted = 1, 0
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        sources = list(_SOURCE.finditer(text, start, end))
        where = sources[-1] if sources else None
        pos = where.end() if where else start
        line += text.count("\n", counted, pos)
        counted = pos
        out.append((line, bool(where and where.group(1))))
    return out


def _line_of(text: str, key: str) -> int:
    """The line of the last ``"key":`` in the file: top-level keys follow the cells."""
    found = list(re.finditer(rf'(?<!\\)"{re.escape(key)}"\s*:', text))
    return text.count("\n", 0, found[-1].start()) + 1 if found else 0


def _output(raw: Any, where: str, path: str, line: int) -> tuple[Output | None, list[Diagnostic]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("output_type"), str):
        return None, [warning(path, line, f"{where}: an output without 'output_type'; skipped")]
    kind = raw["output_type"]
    if kind == "stream":
        text = _text(raw.get("text"))
        if text is None:
            return None, [warning(path, line, f"{where}: a stream output without text; skipped")]
        return Output(kind, str(raw.get("name") or "stdout"), text), []
    if kind == "error":
        tb = raw.get("traceback")
        lines = tb if isinstance(tb, list) else []
        return Output(
            kind,
            text="\n".join(str(t) for t in lines),
            ename=str(raw.get("ename", "Error")),
            evalue=str(raw.get("evalue", "")),
        ), []
    if kind in ("execute_result", "display_data"):
        data = raw.get("data")
        if not isinstance(data, dict):
            return None, [warning(path, line, f"{where}: a {kind} without 'data'; skipped")]
        bundle = {k: v if (t := _text(v)) is None else t for k, v in data.items()}
        meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        return Output(kind, data=MappingProxyType(bundle), metadata=MappingProxyType(meta)), []
    return None, [warning(path, line, f"{where}: unknown output type {kind!r}; skipped")]


def _cell(
    raw: Any, number: int, at: tuple[int, bool], path: str
) -> tuple[Cell | None, list[Diagnostic]]:
    line, per_line = at
    where = f"cell {number}"
    if not isinstance(raw, dict):
        return None, [warning(path, line, f"{where} is not a JSON object; skipped")]
    kind = raw.get("cell_type")
    if kind not in ("markdown", "code", "raw"):
        return None, [warning(path, line, f"{where} has unknown cell_type {kind!r}; skipped")]
    diags: list[Diagnostic] = []
    source = _text(raw.get("source"))
    if source is None:
        diags.append(warning(path, line, f"{where} has no text in 'source'; shown empty"))
        source = ""
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    outputs: list[Output] = []
    raw_outputs = raw.get("outputs", []) if kind == "code" else []
    if not isinstance(raw_outputs, list):
        diags.append(warning(path, line, f"{where}: 'outputs' is not a list; outputs skipped"))
        raw_outputs = []
    for i, item in enumerate(raw_outputs, 1):
        out, out_diags = _output(item, f"{where}, output {i}", path, line)
        diags.extend(out_diags)
        outputs.append(out or Output("skipped"))  # keep numbering: image names use it
    count = raw.get("execution_count")
    attachments = raw.get("attachments") if isinstance(raw.get("attachments"), dict) else {}
    raw_format = meta.get("format") or meta.get("raw_mimetype") or ""
    cell = Cell(
        number,
        kind,
        source,
        line,
        per_line,
        frozenset(str(t) for t in tags),
        count if isinstance(count, int) and not isinstance(count, bool) else None,
        tuple(outputs),
        str(raw_format),
        MappingProxyType(attachments),
    )
    return (_with_markers(cell) if kind == "code" else cell), diags


_MARKER = re.compile(
    r"#\s*\|?\s*(hide|hide[-_]input|hide[-_]output|collapse(?:[-_](?:hide|show|output))?)\s*"
)
"""fastpages' and nbdev's cell markers (``#hide``, ``#collapse-hide``, ``#|hide``...)."""
_MARKER_TAGS = {"hide": "remove-cell", "input": "remove-input", "output": "remove-output"}


def _with_markers(cell: Cell) -> Cell:
    """A code cell whose first lines are Quarto options (``#| echo: false``) or fastpages
    markers (``#hide_input``, ``#collapse-hide``): those lines taken out of the code (no
    reader sees them in Quarto or fastpages either) and said as Jupyter Book's tags."""
    lines = cell.source.split("\n")
    options: dict[str, str] = {}
    tags = set(cell.tags)
    count = 0
    while count < len(lines):
        if marker := _MARKER.fullmatch(lines[count]):
            word = marker.group(1).replace("_", "-")
            if word.startswith("collapse"):
                tags.add("hide-output" if word.endswith("output") else "hide-input")
            else:
                tags.add(_MARKER_TAGS[word.rpartition("-")[2]])
        else:
            found, taken = cell_options(lines[count : count + 1])
            if not taken:
                break
            options.update(found)
        count += 1
    if not count:
        return cell
    if options.get("include") == "false":
        tags.add("remove-cell")
    elif hidden(options):
        tags.add("remove-input")
    if options.get("output") == "false":
        tags.add("remove-output")
    if options.get("code-fold") in ("true", "show"):
        tags.add("hide-input")
    source = "\n".join(lines[count:])
    return replace(cell, source=source, line=cell.file_line(count), tags=frozenset(tags))


def _upgrade(data: dict[str, Any], version: int, path: str) -> tuple[Any, Diagnostic | None]:
    """An nbformat 1-3 notebook as version 4, with nbformat's own converters."""
    import nbformat

    try:
        return nbformat.convert(nbformat.from_dict(data), 4), None
    except Exception as exc:  # nbformat's converters raise anything on malformed input
        reason = str(exc).split("\n")[0] or type(exc).__name__
        return None, error(
            path,
            0,
            f"cannot upgrade this nbformat {version} notebook ({reason}); open it in "
            "Jupyter and save it, which writes nbformat 4",
        )


def _language(meta: Mapping[str, Any]) -> str:
    for outer, key in (("kernelspec", "language"), ("language_info", "name")):
        section = meta.get(outer)
        if isinstance(section, dict) and isinstance(section.get(key), str):
            return section[key].strip().lower()
    old = meta.get("language")  # nbformat 3 kept it here
    if isinstance(old, str):
        return old.strip().lower()
    kernel = meta.get("kernelspec")
    name = kernel.get("name") if isinstance(kernel, dict) else None
    if isinstance(name, str):  # only the kernel's name: python3, ir, julia-1.9
        known = re.match(r"(python|julia|ir\b|bash|scala|javascript)", name.strip().lower())
        return {"ir": "r"}.get(known.group(1), known.group(1)) if known else ""
    return ""


def _meta(meta: Mapping[str, Any], text: str, path: str) -> tuple[dict, int, bool, list]:
    """Front matter kept in the notebook's metadata: ``tensorpress``, ``title``, ``authors``."""
    ours = meta.get("tensorpress")
    line = _line_of(text, "tensorpress") if ours is not None else 0
    diags = []
    data: dict[str, Any] = {}
    if isinstance(ours, dict):
        data = dict(ours)
    elif ours is not None:
        diags.append(
            error(
                path,
                line,
                "metadata.tensorpress must be a mapping of front-matter keys, such as "
                '{"title": "...", "topics": ["cnn"]}',
            )
        )
    if "title" not in data and isinstance(meta.get("title"), str) and meta["title"].strip():
        data["title"] = meta["title"]
    authors = meta.get("authors")
    if "authors" not in data and "author" not in data and isinstance(authors, list):
        names = [a.get("name") for a in authors if isinstance(a, dict)]
        if names and all(isinstance(n, str) for n in names):
            data["authors"] = names
    return data, line, isinstance(ours, dict), diags


@lru_cache(maxsize=16)
def read(data: bytes, path: str) -> tuple[Notebook | None, tuple[Diagnostic, ...]]:
    """Bytes of an ``.ipynb`` into a ``Notebook``, or None and an error that says why.

    Memoised: a build reads each notebook for its front matter, its body and its files.
    """
    text, diags = decode(data, path)
    if text is None:
        return None, diags
    try:
        raw = json.loads(text)
    except RecursionError:
        return None, (error(path, 1, "not a valid notebook: its JSON is nested too deeply"),)
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        reason = getattr(exc, "msg", str(exc))
        return None, (
            error(path, line, f"not a valid notebook: invalid JSON ({reason}); fix or re-save it"),
        )
    version = raw.get("nbformat") if isinstance(raw, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        return None, (
            error(path, 1, "not a Jupyter notebook: no 'nbformat' version number at the top"),
        )
    if version > 4:
        return None, (
            error(
                path,
                _line_of(text, "nbformat"),
                f"nbformat {version} is newer than tensorpress reads (4); save the notebook "
                "as nbformat 4 (File > Save and Export Notebook As... > Notebook)",
            ),
        )
    positions: list[tuple[int, bool]] = []
    if version < 4:
        raw, problem = _upgrade(raw, version, path)
        if problem:
            return None, (problem,)
    else:
        positions = _cell_lines(text)
    cells_raw = raw.get("cells")
    if not isinstance(cells_raw, list):
        return None, (error(path, 1, "not a valid notebook: no 'cells' list"),)
    if len(positions) != len(cells_raw):
        positions = [(0, False)] * len(cells_raw)
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    out: list[Diagnostic] = []
    cells = []
    for number, (item, at) in enumerate(zip(cells_raw, positions, strict=True), 1):
        cell, cell_diags = _cell(item, number, at, path)
        out.extend(cell_diags)
        if cell is not None:
            cells.append(cell)
    front, meta_line, has_meta, meta_diags = _meta(meta, text, path)
    if meta_diags:
        return None, tuple(meta_diags)
    nb = Notebook(
        tuple(cells), _language(meta), MappingProxyType(front), meta_line, has_meta, tuple(out)
    )
    return nb, ()


# ---------------------------------------------------------------- front matter


def front_matter(nb: Notebook, path: str) -> Front:
    """Front matter from the metadata and from a first raw or markdown cell fenced by ``---``
    (or ``+++``); the cell's keys win. Lines point into the notebook file."""
    data = dict(nb.meta)
    lines = dict.fromkeys(data, nb.meta_line or 1)
    cells = nb.cells
    first = cells[0] if cells else None
    if first is None or first.kind not in ("raw", "markdown"):
        return Front(data, lines, nb.has_meta, cells, ())
    sp, diags = split(first.source.lstrip("\n"), path)
    lead = len(first.source) - len(first.source.lstrip("\n"))
    if diags and first.kind == "raw":
        moved = tuple(replace(d, line=first.file_line(lead + d.line - 1)) for d in diags)
        return Front(data, lines, nb.has_meta, cells, moved)
    fastpages = _fastpages(first.source) if first.kind == "markdown" and not diags else None
    if fastpages is not None:  # its lines are the cell's, with no '---' line above them
        sp, lead = Split("yaml", fastpages, "", 1), -1
    elif sp.kind is None or diags:  # in a markdown cell, an unclosed '---' is a rule
        return Front(data, lines, nb.has_meta, cells, ())
    cell_data, cell_lines, load_diags = load_front(sp, path)
    moved = tuple(replace(d, line=first.file_line(lead + d.line - 1)) for d in load_diags)
    data.update(cell_data)
    lines.update({k: first.file_line(lead + v - 1) for k, v in cell_lines.items()})
    rest: tuple[Cell, ...] = cells[1:]
    if first.kind == "markdown" and sp.body.strip():
        offset = lead + sp.body_line - 1
        body = replace(first, source=sp.body, line=first.file_line(offset))
        rest = (body, *rest)
    return Front(data, lines, True, rest, moved)


_FASTPAGES_TITLE = re.compile(r"#[ \t]+(.+?)[ \t#]*")
_FASTPAGES_SUMMARY = re.compile(r">[ \t]*(.*?)[ \t]*")
_FASTPAGES_KEY = re.compile(r"-[ \t]+([A-Za-z_][\w-]*)[ \t]*:(.*)")


def _unquoted(text: str) -> str:
    """``text`` as a YAML string: fastpages quotes titles (``# "A: B"``), or does not."""
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return json.dumps(text, ensure_ascii=False)


def _fastpages(source: str) -> str | None:
    """fastpages' front matter (a first markdown cell of a ``# Title``, ``> summary`` and
    ``- key: value`` lines, nothing else) as YAML, a line for each of the cell's; None if
    the cell is not that."""
    out: list[str] = []
    seen = ""
    for line in source.split("\n"):
        text = line.strip()
        if not text:
            out.append("")
        elif not seen and (title := _FASTPAGES_TITLE.fullmatch(text)):
            out.append(f"title: {_unquoted(title.group(1))}")
            seen = "title"
        elif seen == "title" and (summary := _FASTPAGES_SUMMARY.fullmatch(text)):
            out.append(f"summary: {_unquoted(summary.group(1))}")
            seen = "summary"
        elif seen and (key := _FASTPAGES_KEY.fullmatch(text)):
            out.append(f"{key.group(1)}: {key.group(2).strip()}")  # fastpages: "toc:true"
            seen = "keys"
        else:
            return None
    return "\n".join(out) if seen in ("summary", "keys") else None


def is_empty(front: Front) -> bool:
    return not any(c.source.strip() or c.outputs for c in front.cells)


# ---------------------------------------------------------------- outputs


def _choose(out: Output) -> tuple[str | None, str | None]:
    """The representation to show, or None and why it cannot be shown."""
    known = [m for m in ORDER if m in out.data and isinstance(out.data[m], str)]
    best = known[0] if known else None
    if WIDGET in out.data and best in (None, "text/plain"):
        return None, "an interactive widget needs a live kernel; its output is skipped"
    if best is None:
        kinds = ", ".join(sorted(out.data)) or "nothing"
        return None, (
            f"output of type {kinds} skipped: pages show text, HTML, Markdown, LaTeX, "
            "PNG, JPEG, GIF and SVG"
        )
    return best, None


def _image_bytes(payload: str, mime: str) -> bytes | None:
    if mime == "image/svg+xml":
        return payload.encode("utf-8")
    try:
        return base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
    except (binascii.Error, ValueError):
        return None


def image_name(cell: Cell, index: int, mime: str) -> str:
    """The file an image output is written to, next to the page: stable across builds."""
    return f"output-{cell.number}-{index}.{IMAGES[mime]}"


def _shows(cell: Cell, part: str) -> bool:
    return not ({f"remove-{part}", "remove-cell"} & cell.tags)


def images(cells: Iterable[Cell]) -> tuple[tuple[str, bytes], ...]:
    """Every image the page of these cells shows, as (file name, bytes): output images and
    markdown-cell attachments. Cheap next to rendering, so cached bodies need not keep them."""
    files = []
    for cell in cells:
        if "remove-cell" in cell.tags:
            continue
        for name, bundle in cell.attachments.items():
            found = _attachment(cell, str(name), bundle)
            if found:
                files.append(found)
        if not _shows(cell, "output"):
            continue
        for index, out in enumerate(cell.outputs, 1):
            if out.kind not in ("execute_result", "display_data"):
                continue
            mime, _ = _choose(out)
            if mime in IMAGES:
                data = _image_bytes(out.data[mime], mime)
                if data is not None:
                    files.append((image_name(cell, index, mime), data))
    return tuple(files)


def _attachment_name(cell: Cell, name: str) -> str:
    return f"attachment-{cell.number}-{re.sub(r'[^A-Za-z0-9._-]+', '-', name).lstrip('.')}"


def _attachment(cell: Cell, name: str, bundle: Any) -> tuple[str, bytes] | None:
    if not isinstance(bundle, dict):
        return None
    for mime in IMAGES:
        payload = _text(bundle.get(mime))
        if payload is not None:
            data = _image_bytes(payload, mime)
            return (_attachment_name(cell, name), data) if data is not None else None
    return None


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What rendering one cell's outputs needs to know."""

    md: MarkdownIt
    path: str
    diagnostics: list[Diagnostic]


def _pre(text: str, cls: str, label: str = "") -> str:
    attrs = f' data-label="{label}"' if label else ""
    return f'<pre class="{cls}" tabindex="0"{attrs}>{text}</pre>'


def _lines(text: str, cell: Cell, what: str, ctx: _Ctx) -> list[str]:
    """The lines of a terminal text; a huge one is cut, with a warning and a note."""
    text = terminal_text(text)
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if len(lines) <= MAX_LINES and len(text) <= MAX_CHARS:
        return lines
    kept, size = [], 0
    for line in lines[:MAX_LINES]:
        size += len(line) + 1
        if size > MAX_CHARS:
            kept.append(line[: max(0, MAX_CHARS - (size - len(line) - 1))])
            break
        kept.append(line)
    ctx.diagnostics.append(
        warning(
            ctx.path,
            cell.line,
            f"cell {cell.number}: {what} of {len(lines):,} lines ({len(text):,} characters) is "
            f"too long for a page; showing the first {len(kept):,} lines: shorten it in "
            "the notebook",
        )
    )
    return [*kept, f"… {len(lines) - len(kept):,} more lines not shown (see the notebook)"]


def _text_block(text: str, cell: Cell, what: str, cls: str, ctx: _Ctx, label: str = "") -> str:
    """Text in a ``<pre>``; past ``FOLD_LINES`` (and some slack) the rest folds away."""
    lines = _lines(text, cell, what, ctx)
    if len(lines) <= FOLD_LINES + 10:
        return _pre(ansi_to_html("\n".join(lines)), cls, label)
    shown, rest = "\n".join(lines[:FOLD_LINES]), "\n".join(lines[FOLD_LINES:])
    return (
        f"{_pre(ansi_to_html(shown), cls, label)}"
        f'<details class="nb-more"><summary>Show all ({len(lines) - FOLD_LINES:,} more '
        f"lines)</summary>{_pre(ansi_to_html(rest), cls)}</details>"
    )


def _markdown(text: str, cell: Cell, ctx: _Ctx) -> str:
    rendered = render(ctx.md, text, ctx.path, 1)
    ctx.diagnostics.extend(replace(d, line=cell.line) for d in rendered.diagnostics)
    return rendered.html


def _alt(cell: Cell) -> str:
    return f"Output of cell {cell.number}" if cell.count is None else f"Output of In [{cell.count}]"


def _image(out: Output, mime: str, cell: Cell, index: int) -> str:
    data = _image_bytes(out.data[mime], mime)
    if data is None:
        return ""
    size = image_size(data, image_name(cell, index, mime))
    meta = out.metadata.get(mime)
    if isinstance(meta, dict):
        width, height = meta.get("width"), meta.get("height")
        if isinstance(width, int) and isinstance(height, int):
            size = (width, height)
        elif isinstance(width, int) and size and size[0]:
            size = (width, round(size[1] * width / size[0]))
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    light = isinstance(meta, dict) and meta.get("needs_background") == "light"
    light = light or out.metadata.get("needs_background") == "light"
    cls = "nb-image nb-light-bg" if light else "nb-image"
    return (
        f'<div class="{cls}"><img src="{image_name(cell, index, mime)}" '
        f'alt="{escape(_alt(cell))}" loading="lazy"{dims}></div>'
    )


def _data(out: Output, cell: Cell, index: int, ctx: _Ctx) -> str:
    mime, problem = _choose(out)
    if mime is None:
        ctx.diagnostics.append(
            warning(ctx.path, cell.line, f"cell {cell.number}, output {index}: {problem}")
        )
        return ""
    payload = out.data[mime]
    if mime in IMAGES:
        html = _image(out, mime, cell, index)
        if not html:
            ctx.diagnostics.append(
                warning(
                    ctx.path,
                    cell.line,
                    f"cell {cell.number}, output {index}: {mime} image is not valid base64; "
                    "skipped: run the cell again and save",
                )
            )
        return html
    if mime == "text/html":
        if len(payload) > MAX_HTML:
            ctx.diagnostics.append(
                warning(
                    ctx.path,
                    cell.line,
                    f"cell {cell.number}, output {index}: HTML output of {len(payload):,} "
                    "characters is too big for a page; shown as text",
                )
            )
            plain = out.data.get("text/plain")
            text = plain if isinstance(plain, str) else strip_ansi(re.sub(r"<[^>]+>", "", payload))
            return _text_block(text, cell, "output", "nb-result", ctx)
        return f'<div class="nb-html">{payload}</div>'
    if mime == "text/markdown":
        return f'<div class="nb-markdown">{_markdown(payload, cell, ctx)}</div>'
    if mime == "text/latex":
        tex = payload.strip()
        if not re.match(r"^(\$|\\\[|\\\(|\\begin\{)", tex):
            tex = f"$$\n{tex}\n$$"
        return f'<div class="nb-latex">{_markdown(tex, cell, ctx)}</div>'
    return _text_block(payload, cell, "output", "nb-result", ctx)


def _error(out: Output, cell: Cell, ctx: _Ctx) -> str:
    """A traceback; an error with neither traceback nor name (a bash kernel's exit
    status) shows nothing, as in Jupyter."""
    if not out.text and not out.ename:
        return ""
    last = ": ".join(part for part in (out.ename, out.evalue) if part)
    head = escape(strip_ansi(last))
    lines = _lines(out.text or last, cell, "traceback", ctx)
    body = _pre(ansi_to_html("\n".join(lines)), "nb-traceback")
    if len(lines) <= TRACEBACK_FOLD:
        return f'<div class="nb-error">{body}</div>'
    return (
        f'<details class="nb-error"><summary><span class="nb-error-name">{head}</span> '
        f'<span class="nb-more-label">(full traceback)</span></summary>{body}</details>'
    )


def _merged(outputs: tuple[Output, ...]) -> list[tuple[int, Output]]:
    """Consecutive writes to the same stream read as one block, as in Jupyter."""
    merged: list[tuple[int, Output]] = []
    for index, out in enumerate(outputs, 1):
        if merged and out.kind == "stream" and merged[-1][1].kind == "stream":
            last_index, last = merged[-1]
            if last.name == out.name:
                merged[-1] = (last_index, replace(last, text=last.text + out.text))
                continue
        merged.append((index, out))
    return merged


def _outputs(cell: Cell, ctx: _Ctx) -> str:
    parts = []
    for index, out in _merged(cell.outputs):
        if out.kind == "stream":
            name = "stderr" if out.name == "stderr" else "stdout"
            html = _text_block(out.text, cell, "output", f"nb-stream nb-{name}", ctx, name)
        elif out.kind == "error":
            html = _error(out, cell, ctx)
        elif out.kind in ("execute_result", "display_data"):
            html = _data(out, cell, index, ctx)
        else:
            continue
        if not html:
            continue
        prompt = ""
        if out.kind == "execute_result":
            count = cell.count if cell.count is not None else " "
            prompt = f'<div class="nb-prompt">Out [{count}]:</div>'
        parts.append(f'<div class="nb-output">{prompt}{html}</div>')
    return "".join(parts)


def _fold(inner: str, label: str) -> str:
    return f'<details class="nb-hidden"><summary>{label}</summary>{inner}</details>'


def code_cell(cell: Cell, language: str, ctx: _Ctx, notes: dict[str, int]) -> str:
    """A code cell's HTML: prompt and highlighted input, then outputs; tags fold or drop."""
    show_in, show_out = _shows(cell, "input"), _shows(cell, "output")
    code = ""
    if show_in:
        fence = render_fence(cell.source, language)
        for note in fence.notes:
            notes.setdefault(note, cell.line)
        count = cell.count if cell.count is not None else " "
        code = f'<div class="nb-input"><div class="nb-prompt">In [{count}]:</div>{fence.html}</div>'
    outputs = _outputs(cell, ctx) if show_out else ""
    if outputs:
        outputs = f'<div class="nb-outputs">{outputs}</div>'
    hidden = {part for tag, part in HIDE.items() if tag in cell.tags}
    if "cell" in hidden and (code or outputs):
        return f'<div class="nb-cell">{_fold(code + outputs, "Show cell")}</div>\n'
    if code and "input" in hidden:
        code = _fold(code, "Show code")
    if outputs and "output" in hidden:
        outputs = _fold(outputs, "Show output")
    return f'<div class="nb-cell">{code}{outputs}</div>\n' if code or outputs else ""


# ---------------------------------------------------------------- the body

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def close_fences(text: str) -> str:
    """A markdown cell is a document of its own: a fence left open ends with the cell,
    not in the cells after it."""
    open_fence = ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m is None:
            continue
        mark, rest = m.group(1), m.group(2)
        if not open_fence:
            if not (mark[0] == "`" and "`" in rest):
                open_fence = mark
        elif mark[0] == open_fence[0] and len(mark) >= len(open_fence) and not rest.strip():
            open_fence = ""
    return text if not open_fence else text.rstrip("\n") + "\n" + open_fence + "\n"


def _with_attachments(cell: Cell) -> str:
    if not cell.attachments:
        return cell.source
    names = {str(n): _attachment_name(cell, str(n)) for n in cell.attachments}
    return re.sub(
        r"attachment:([^\s)\"'>]+)",
        lambda m: names.get(m.group(1), m.group(0)),
        cell.source,
    )


@dataclass(slots=True)
class _Doc:
    """The Markdown document under construction, and how its lines map to the file."""

    parts: list[str] = field(default_factory=list)
    line: int = 1
    segments: list[tuple[int, Cell, int]] = field(default_factory=list)
    """(document line, cell, offset of that line in the cell's source)."""
    blocks: dict[str, tuple[str, Cell | None]] = field(default_factory=dict)
    """marker -> (HTML, the markdown cell before it, which could swallow it)."""
    last_markdown: Cell | None = None

    def markdown(self, cell: Cell, text: str) -> None:
        text = text.rstrip("\n") + "\n\n"
        self.segments.append((self.line, cell, 0))
        self.parts.append(text)
        self.line += text.count("\n")
        self.last_markdown = cell

    def html(self, cell: Cell, html: str) -> None:
        marker = f"<!--tp-nb-{len(self.blocks)}-->"
        self.blocks[marker] = (html, self.last_markdown)
        self.segments.append((self.line, cell, 0))
        self.parts.append(marker + "\n\n")
        self.line += 2

    def file_line(self, line: int) -> int:
        starts = [s[0] for s in self.segments]
        i = bisect_right(starts, line) - 1
        if i < 0:
            return 0
        start, cell, offset = self.segments[i]
        return cell.file_line(offset + line - start)


def render_body(data: bytes, path: str, md: MarkdownIt) -> NotebookBody | None:
    """A notebook's body rendered like a Markdown post's, lines pointing into the file.

    None when the notebook cannot be read (``load_post`` reports why).
    """
    nb, _ = read(data, path)
    if nb is None:
        return None
    front = front_matter(nb, path)
    diags: list[Diagnostic] = list(nb.diagnostics)
    ctx = _Ctx(md, path, diags)
    language = nb.language
    code_cells = [c for c in front.cells if c.kind == "code" and _shows(c, "input")]
    if not language and code_cells:
        language = "python"
        diags.append(
            warning(
                path,
                nb.meta_line or 1,
                "the notebook names no kernel language (metadata.kernelspec.language); "
                "code is highlighted as Python",
            )
        )
    notes: dict[str, int] = {}
    doc = _Doc()
    code_lines = 0
    for cell in front.cells:
        if "remove-cell" in cell.tags:
            continue
        if cell.kind == "markdown" or (
            cell.kind == "raw" and cell.raw_format in ("text/markdown", "text/x-markdown")
        ):
            # read as a post's body is: fastpages published notebooks with Jekyll, so
            # \\(x\\) math and {% post_url %} links are in their cells too
            moved = migrate(close_fences(_with_attachments(cell)), path, 1)
            diags.extend(replace(d, line=cell.file_line(d.line - 1)) for d in moved.diagnostics)
            doc.markdown(cell, moved.text)
        elif cell.kind == "raw" and cell.raw_format == "text/html":
            doc.html(cell, cell.source + "\n")
        elif cell.kind == "code" and (cell.source.strip() or cell.outputs):
            html = code_cell(cell, language, ctx, notes)
            if html:
                doc.html(cell, html)
                code_lines += cell.source.count("\n") + 1 if _shows(cell, "input") else 0
    diags.extend(warning(path, line, note) for note, line in notes.items())
    rendered = render(md, "".join(doc.parts), path, 1)
    html = rendered.html
    for marker, (block, before) in doc.blocks.items():
        if marker + "\n" in html:
            html = html.replace(marker + "\n", block, 1)
        elif before is not None:
            diags.append(
                warning(
                    path,
                    before.line,
                    f"cell {before.number} leaves a block open ($$, or an HTML tag such as "
                    "<pre> or <!--) that swallows the cells after it: close it in that cell",
                )
            )
            break
    summary = rendered.summary_html
    for marker in doc.blocks:
        summary = summary.replace(marker + "\n", "")

    def moved(d: Diagnostic) -> Diagnostic:
        return replace(d, line=doc.file_line(d.line))

    result = Rendered(
        html,
        tuple(replace(h, line=doc.file_line(h.line)) for h in rendered.headings),
        summary,
        rendered.text,
        rendered.words + code_lines // 2,
        tuple((url, doc.file_line(line)) for url, line in rendered.links),
        tuple(moved(d) for d in rendered.diagnostics),
    )
    return NotebookBody(result, tuple(diags))


# ---------------------------------------------------------------- links


def colab_url(repo: str, path: str) -> str:
    """The "Open in Colab" link for ``path`` (site-relative) in a GitHub ``repo`` URL ending in
    ``/blob/<branch>/``; empty when there is none (Colab opens GitHub notebooks only)."""
    m = re.match(r"^https?://github\.com/(.+)$", repo)
    if not m:
        return ""
    return "https://colab.research.google.com/github/" + m.group(1) + quote(path)
