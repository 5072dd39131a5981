"""Jupyter notebooks (``.ipynb``) as posts: read the cells and outputs, split off front
matter (a first cell's, the metadata's, fastpages'), read the markers that hide cells.
``cells`` makes the HTML.

Nothing is executed: the outputs saved in the notebook are what the page shows. Every
function is pure: bytes in, records out. Diagnostics carry the JSON file's line where
it can be found (nbformat writes one source line per JSON line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from tensorpress.diagnostics import Diagnostic, error, warning
from tensorpress.directives import cell_options, hidden
from tensorpress.frontmatter import Split, decode, load_front, split
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


def multiline(value: Any) -> str | None:
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
        text = multiline(raw.get("text"))
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
        bundle = {k: v if (t := multiline(v)) is None else t for k, v in data.items()}
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
    source = multiline(raw.get("source"))
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


_LANGUAGE = re.compile(r"\s*([A-Za-z][\w+#.-]*)")
"""A language name as Pygments' aliases are (``python``, ``r``, ``c++``, ``f#``): a kernel's
language is highlighted as a fence's info string, and anything after the name (``python
{.x}``, ``python linenos``) would be read as its options."""


def _language(meta: Mapping[str, Any]) -> str:
    """The kernel's language: the first field that starts with a name, only that name."""
    kernel, info = meta.get("kernelspec"), meta.get("language_info")
    for value in (
        kernel.get("language") if isinstance(kernel, dict) else None,
        info.get("name") if isinstance(info, dict) else None,
        meta.get("language"),  # nbformat 3 kept it here
    ):
        if isinstance(value, str) and (name := _LANGUAGE.match(value)):
            return name.group(1).lower()
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
    out: list[Diagnostic] = list(diags)
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
    if first is None or first.kind not in ("raw", "markdown") or _ruled_prose(first):
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


_KEY_LINE = re.compile(r"""["']?[\w-]+["']?[ \t]*:(?:[ \t]|$)""")


def _ruled_prose(cell: Cell) -> bool:
    """A raw cell of text between ``---`` lines that opens with no ``key:`` (the licence
    JAX's notebooks open with): a cell Jupyter does not show, not front matter."""
    lines = cell.source.strip("\n").split("\n")
    if cell.kind != "raw" or lines[0].rstrip() != "---":
        return False
    text = next((t for t in lines[1:] if t.strip() and not t.startswith("#")), "---")
    return text.rstrip() != "---" and not _KEY_LINE.match(text)


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


def is_markdown(cell: Cell) -> bool:
    """A cell read as Markdown: a markdown cell, or a raw cell in a Markdown format."""
    return cell.kind == "markdown" or (
        cell.kind == "raw" and cell.raw_format in ("text/markdown", "text/x-markdown")
    )


def first_line(cells: tuple[Cell, ...]) -> tuple[str, int]:
    """The first line of the first markdown cell a page shows, and its file line: where
    a notebook writes its title when it is not a heading (handson-ml3's
    ``**Chapter 3 - Classification**``)."""
    for cell in cells:
        if is_markdown(cell) and "remove-cell" not in cell.tags and cell.source.strip():
            lines = cell.source.split("\n")
            i = next(k for k, line in enumerate(lines) if line.strip())
            return lines[i], cell.file_line(i)
    return "", 0


def is_empty(front: Front) -> bool:
    return not any(c.source.strip() or c.outputs for c in front.cells)


# ---------------------------------------------------------------- links


def colab_url(repo: str, path: str) -> str:
    """The "Open in Colab" link for ``path`` (site-relative) in a GitHub ``repo`` URL ending in
    ``/blob/<branch>/``; empty when there is none (Colab opens GitHub notebooks only)."""
    m = re.match(r"^https?://github\.com/(.+)$", repo)
    if not m:
        return ""
    return "https://colab.research.google.com/github/" + m.group(1) + quote(path)
