"""A notebook's cells as HTML: code cells with their outputs (streams, results, images,
tracebacks), and the markdown cells read as one Markdown document (``render_body``).

A body is one Markdown document run through the site's parser, so markdown cells get
everything Markdown posts get (math, anchors, callouts, footnotes, one set of heading
ids). Code cells and their outputs are HTML made here; the document holds a one-line
comment for each, swapped for the HTML after rendering (a raw HTML block would end at
the first blank line of an output). Images in outputs become files next to the page,
never base64. Pure: bytes in, records out.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from html import escape, unescape
from typing import Any

from markdown_it import MarkdownIt

from tensorpress.ansi import ansi_to_html, strip_ansi, terminal_text
from tensorpress.compat import migrate
from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.highlight import render_fence
from tensorpress.images import image_size
from tensorpress.markdown import render
from tensorpress.models import Rendered
from tensorpress.notebook import (
    FOLD_LINES,
    HIDE,
    IMAGES,
    MAX_CHARS,
    MAX_HTML,
    MAX_LINES,
    ORDER,
    TRACEBACK_FOLD,
    WIDGET,
    Cell,
    NotebookBody,
    Output,
    front_matter,
    is_markdown,
    multiline,
    read,
)


def _choose(out: Output) -> tuple[str | None, str | None]:
    """The representation to show (a widget's is its text, as nbconvert shows a widget
    whose state it lacks), or None and why it cannot be shown (None for a widget with no
    text: the cell's ``_widget_note`` tells)."""
    known = [m for m in ORDER if m in out.data and isinstance(out.data[m], str)]
    if known or WIDGET in out.data:
        return (known[0] if known else None), None
    kinds = ", ".join(sorted(out.data)) or "nothing"
    return None, (
        f"output of type {kinds} skipped: pages show text, HTML, Markdown, LaTeX, "
        "PNG, JPEG, GIF and SVG"
    )


def _widgets(count: int) -> str:
    return "a widget output" if count == 1 else f"{count} widget outputs"


def _widget_note(cell: Cell, texts: list[bool]) -> str:
    """One note for a cell's widgets, whatever their number (a tqdm loop makes one per
    bar), each shown as its text (``texts``: True) or skipped for having none."""
    shown, gone = sum(texts), len(texts) - sum(texts)
    parts = []
    if shown:
        them = "it" if shown == 1 else "them"
        parts.append(f"{_widgets(shown)} shown as the text saved with {them}, as nbconvert does")
    if gone:
        parts.append(f"{_widgets(gone)} with no text skipped")
    return (
        f"cell {cell.number}: {'; '.join(parts)} (a page cannot run widgets, and a progress "
        "bar's text is its first state): use tqdm's text mode (from tqdm import tqdm) for "
        "progress bars, or tag the cell remove-output"
    )


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
    """Every image the page of these cells shows, as (file name, bytes): output images,
    markdown-cell attachments and ``data:`` images. Cheap next to rendering, so cached
    bodies need not keep them."""
    files = []
    for cell in cells:
        if "remove-cell" in cell.tags:
            continue
        for name, bundle in cell.attachments.items():
            found = _attachment(cell, str(name), bundle)
            if found:
                files.append(found)
        files.extend((name, data) for _, name, data in _inline_images(cell))
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
        payload = multiline(bundle.get(mime))
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
        if problem:
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
    widgets: list[bool] = []  # per widget shown as text or not at all: has it text?
    for index, out in _merged(cell.outputs):
        if WIDGET in out.data and (mime := _choose(out)[0]) in (None, "text/plain"):
            widgets.append(mime is not None)
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
    if widgets:
        ctx.diagnostics.append(warning(ctx.path, cell.line, _widget_note(cell, widgets)))
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


_DATA_URI = re.compile(r"data:(image/(?:png|jpeg|gif|svg\+xml));base64,([A-Za-z0-9+/=]+)")


def _inline_images(cell: Cell) -> list[tuple[re.Match[str], str, bytes]]:
    """A markdown cell's images written into it as ``data:`` URIs: (where, file name,
    bytes). They become files beside the page like output images (one made a page of
    a notebook weigh 360 KB)."""
    if cell.kind == "code" or "data:image/" not in cell.source:
        return []
    found = []
    for k, m in enumerate(_DATA_URI.finditer(cell.source), 1):
        try:
            data = base64.b64decode(m.group(2), validate=True)
        except (binascii.Error, ValueError):
            continue
        found.append((m, f"image-{cell.number}-{k}.{IMAGES[m.group(1)]}", data))
    return found


_HEADING = re.compile(r'(<h[1-6] id="([^"]*)">)(.*?)(</h[1-6]>)', re.S)
_ID_ATTR = re.compile(r'\sid="([^"]*)"')


def jupyter_ids(html: str) -> str:
    """Each heading also answers to the id Jupyter gives it, its text with spaces as
    ``-`` (``#Gaussian-Naive-Bayes``): notebooks' tables of contents link to those."""
    taken = set(_ID_ATTR.findall(html))

    def add(m: re.Match[str]) -> str:
        inner = re.sub(r'<a class="header-anchor".*?</a>', "", m.group(3), flags=re.S)
        name = escape(unescape(re.sub(r"<[^>]*>", "", inner)).strip().replace(" ", "-"))
        if not name or name in taken:
            return m.group(0)
        taken.add(name)
        return f'{m.group(1)}<span id="{name}"></span>{m.group(3)}{m.group(4)}'

    return _HEADING.sub(add, html)


def _with_attachments(cell: Cell) -> str:
    """A markdown cell's text with its attachments and ``data:`` images as file names."""
    source, last, parts = cell.source, 0, []
    for m, name, _ in _inline_images(cell):
        parts += [source[last : m.start()], name]
        last = m.end()
    source = "".join(parts) + source[last:]
    if not cell.attachments:
        return source
    names = {str(n): _attachment_name(cell, str(n)) for n in cell.attachments}
    return re.sub(
        r"attachment:([^\s)\"'>]+)",
        lambda m: names.get(m.group(1), m.group(0)),
        source,
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
        if is_markdown(cell):
            # read as a post's body is (fastpages published notebooks with Jekyll, so
            # {% post_url %} links are in their cells too), its math as Jupyter reads it
            moved = migrate(close_fences(_with_attachments(cell)), path, 1, jupyter=True)
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
    html = jupyter_ids(rendered.html)
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
