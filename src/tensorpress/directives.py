"""Block syntax of Jupyter Book (MyST), Quarto and MkDocs, made ours: a part of the
migration pass (``compat``), with the same rule: no line moves.

- MyST directive fences (```` ```{note} ````, ```` ```{math} ````, ```` ```{code-cell} ````,
  ```` ```{figure} ````) and ``:::`` divs (MyST's, Quarto's callouts) become admonitions,
  formulas, code blocks and figures; other directives are shown as code and other divs
  unwrapped, with a note for a warning;
- Quarto's chunk options (``#|`` lines) are hidden, GitHub's ```` ```math ```` is display math;
- MkDocs' content tabs are shown one after the other;
- MyST's ``{eq}`` and ``{math}`` roles become ``\\eqref`` and inline math.

Also the line helpers the pass shares: fences and indented runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
"""A fence line: indent, the run of backticks or tildes, the info string."""
_MYST = re.compile(r"\{([\w:-]+)\}[ \t]*(.*)")
_MYST_OPTION = re.compile(r"[ \t]*:([\w-]+):[ \t]*(.*)")
_YAML_OPTION = re.compile(r"([\w-]+)[ \t]*:(?:[ \t]+(.*)|)")
_MYST_REMOVED = frozenset({"remove-cell", "remove-input"})
"""A code cell's tags that keep it off the page, as Jupyter Book does."""
_MYST_ADMONITIONS = frozenset({"note", "tip", "hint", "important", "warning", "caution",
                               "attention", "danger", "error", "seealso",
                               "admonition", "dropdown"})  # fmt: skip
_MYST_CODE = frozenset({"code", "code-block", "sourcecode", "code-cell"})
_MYST_OTHER = frozenset({"figure", "image", "toctree", "tableofcontents", "bibliography",
                         "raw", "include", "literalinclude", "list-table", "csv-table", "table",
                         "margin", "sidebar", "epigraph", "pull-quote", "card", "grid",
                         "grid-item", "grid-item-card", "tab-set", "tab-item",
                         "iframe", "youtube", "panels", "contents", "index", "only", "topic",
                         "rubric", "div", "embed", "jupyter-execute", "exercise",
                         "solution", "proof", "prf:proof", "prf:theorem", "glossary"})  # fmt: skip
"""MyST directives we have nothing for: shown as code, said in a warning. Any other name
in braces (Quarto's and R Markdown's ```` ```{python} ```` chunks) is a language."""
_MYST_ROLE = re.compile(r"\{([a-z]+(?::[a-z]+)?)\}`([^`]+)`")
_PY_ROLES = frozenset({"func", "class", "mod", "meth", "attr", "data", "obj", "exc", "const"})
"""Sphinx's Python roles: the name they link to, shown as code."""
_TITLED = re.compile(r"(.*?)\s*<([^<>]+)>", re.S)
_TARGET = re.compile(r"( {0,3})\(([\w.:-]+)\)=[ \t]*")
_ATX = re.compile(r" {0,3}#{1,6}[ \t]")
_COLON_OPEN = re.compile(r"( {0,3}):{3,}[ \t]*(\{[^{}]*\}|[\w-]+)[ \t]*(.*)")
_COLON_CLOSE = re.compile(r" {0,3}:{3,}[ \t]*")
_CALLOUT = re.compile(r"\.callout-(note|tip|warning|caution|important)(?![\w-])")
_DIV_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_TAB = re.compile(r"( {0,3})===[!+]?[ \t]+\"(.*)\"[ \t]*")


def indented_run(lines: list[str], i: int) -> int:
    """The last of the indented lines (blank ones between them too) after ``i``; ``i``
    when none follows."""
    end = i
    for j in range(i + 1, len(lines)):
        if lines[j].startswith(("    ", "\t")):
            end = j
        elif lines[j].strip():
            break
    return end


def dedent(line: str) -> str:
    """One level of indentation (four spaces or a tab) less."""
    return line[1:] if line.startswith("\t") else line[4:] if line.startswith("    ") else line


def closing(lines: list[str], i: int, char: str, size: int) -> int | None:
    """The line that closes the fence opened at ``i`` with ``size`` of ``char``."""
    for j in range(i + 1, len(lines)):
        m = FENCE.match(lines[j])
        if m and m.group(2)[0] == char and len(m.group(2)) >= size and not m.group(3).strip():
            return j
    return None


def myst_fence(
    lines: list[str], i: int, fence: re.Match[str], out: Indents | None
) -> tuple[int, str | None] | None:
    """A MyST directive fence (Jupyter Book) at ``i`` made ours: (its last line, a note
    for the author or None); None if the fence is no directive or is never closed.

    Admonitions (```` ```{note} ````, ```` ```{admonition} Title ````, ``:class: dropdown``
    folded) become ``!!!`` blocks, ```` ```{math} ```` with ``:label:`` a numbered
    formula, ```` ```{code-cell} python ```` and its kin code blocks (``:linenos:``,
    ``:emphasize-lines:``, ``:caption:`` kept; ``hide-input`` among its ``:tags:`` folds
    it, ``remove-cell`` or ``remove-input`` takes it off the page, as a ``{raw-cell}``
    is). Option lines go; others stay as code."""
    info = fence.group(3).strip()
    d = _MYST.fullmatch(info) if info.startswith("{") else None
    end = None if d is None else closing(lines, i, fence.group(2)[0], len(fence.group(2)))
    if d is None or end is None:
        return None
    name, arg, indent = d.group(1).lower(), d.group(2).strip(), fence.group(1)
    options, k = _options_at(lines, i + 1, end)
    if name in _MYST_ADMONITIONS:
        if out is None:  # nested too deep: shown as code
            return None
        admonition(lines, i, end, _admonition_head(name, arg, options), k, out)
        return i, None
    if name == "figure" and arg:
        _myst_figure(lines, i, end, k, arg, options)
        return end, None
    tags = set(re.findall(r"[\w-]+", options.get("tags", "")))
    if name == "raw-cell" or (name == "code-cell" and tags & _MYST_REMOVED):
        lines[i : end + 1] = [""] * (end + 1 - i)  # a raw cell: Jupyter Book shows none
        return end, None
    if name in ("math", *_MYST_CODE):
        lines[i:k] = [""] * (k - i)  # the directive and its options: the opener goes last
    if name == "math":
        label = options.get("label") or options.get("name")
        at = k - 1 - bool(label and k - 1 > i)  # the opener as low as it goes
        lines[at] = f"{indent}$$"
        if label:
            lines[at + 1] = f"\\label{{{label}}}"
        lines[end] = f"{indent}$$"
        return end, None
    if name in _MYST_CODE:
        lang = {"ipython3": "python", "ipython": "python"}.get(arg.lower(), arg.lower())
        attrs = [lang.split()[0] if lang else "text"]
        if "linenos" in options or "lineno-start" in options:
            attrs.append(f'linenums="{options.get("lineno-start") or 1}"')
        if options.get("emphasize-lines"):
            attrs.append(f'hl_lines="{options["emphasize-lines"]}"')
        if tags & {"hide-input", "hide-cell"}:
            attrs.append("fold")
        if options.get("caption"):
            caption = options["caption"].replace('"', "'")
            attrs.append(f'title="{caption}"')
        lines[k - 1] = f"{indent}{fence.group(2)}{' '.join(attrs)}"
        return end, None
    if name not in _MYST_OTHER and ":" not in name:
        return None  # a code chunk: ```{python}
    shown = f"{{{d.group(1)}}} {arg}".strip().replace('"', "'")
    lines[i] = f'{indent}{fence.group(2)}text title="{shown}"'  # the directive, as the title
    return end, (
        f"MyST directive {{{name}}} is not supported; its text is shown as a code block: "
        'write Markdown instead (for a figure, ![alt](image.png "caption"))'
    )


def _options_at(lines: list[str], k: int, end: int) -> tuple[dict[str, str], int]:
    """A directive's ``:key: value`` lines from ``k`` (before ``end``), or its block of
    YAML between ``---`` lines (jupytext writes a cell's metadata so): the options, by
    lower-case key (a list's items as one text), and the first line after them. The
    lines are left as they are."""
    options: dict[str, str] = {}
    close = k < end and lines[k].strip() == "---"
    close = close and next((j for j in range(k + 1, end) if lines[j].strip() == "---"), 0)
    if close:
        key = ""
        for line in lines[k + 1 : close]:
            if option := _YAML_OPTION.fullmatch(line):
                key = option.group(1).lower()
                options[key] = (option.group(2) or "").strip()
            elif key and line.lstrip().startswith("- "):
                options[key] = f"{options[key]} {line.strip()[2:]}".strip()
        return options, close + 1
    while k < end and (option := _MYST_OPTION.fullmatch(lines[k])):
        options[option.group(1).lower()] = option.group(2).strip()
        k += 1
    return options, k


_CHUNK_OPTION = re.compile(r"\s*(?:#|//)\|\s*([\w-]+)\s*:\s*(.*?)\s*")


def cell_options(lines: list[str]) -> tuple[dict[str, str], int]:
    """Quarto's cell options (``#| echo: false``) that open ``lines``: by lower-case key,
    and how many lines they take (a ``#|`` line that is not ``key: value`` counts too)."""
    options: dict[str, str] = {}
    k = 0
    while k < len(lines) and lines[k].lstrip().startswith(("#|", "//|")):
        if option := _CHUNK_OPTION.fullmatch(lines[k]):
            options[option.group(1).lower()] = option.group(2).strip("'\"").lower()
        k += 1
    return options, k


def hidden(options: Mapping[str, str]) -> bool:
    """Options that keep a chunk's code off the page (``include``/``echo: false``)."""
    return options.get("include") == "false" or options.get("echo") == "false"


def chunk_options(lines: list[str], i: int, fence: re.Match[str]) -> bool:
    """Quarto's chunk options (``#| echo: false`` lines that open ```` ```{python} ````),
    which Quarto never shows: the opener moves down over them, they become blank lines;
    a chunk that says ``include: false`` or ``echo: false`` goes whole (it is not run,
    so it shows nothing); ``code-fold: true`` (or ``show``) folds it. Whether there were
    any."""
    if not fence.group(3).lstrip().startswith("{"):
        return False
    options, count = cell_options(lines[i + 1 :])
    if not count:
        return False
    end = closing(lines, i, fence.group(2)[0], len(fence.group(2))) if hidden(options) else None
    if end is not None:
        lines[i : end + 1] = [""] * (end + 1 - i)
        return True
    k = i + 1 + count
    fold = {"true": " fold", "show": ' fold="show"'}.get(options.get("code-fold", ""), "")
    lines[k - 1], lines[i : k - 1] = lines[i] + fold, [""] * (k - 1 - i)
    return True


def math_fence(lines: list[str], i: int, fence: re.Match[str]) -> int | None:
    """GitHub's and GitLab's ```` ```math ```` block -> ``$$`` ... ``$$``, display math: its
    closing line, or None."""
    if fence.group(3).strip().lower() != "math":
        return None
    end = closing(lines, i, fence.group(2)[0], len(fence.group(2)))
    if end is not None:
        lines[i] = lines[end] = f"{fence.group(1)}$$"
    return end


def _myst_figure(
    lines: list[str], i: int, end: int, k: int, src: str, options: dict[str, str]
) -> None:
    """MyST's figure (``{figure} src``, options, then the caption) -> our figure on line
    ``i``, the lines to ``end`` blank."""
    caption = " ".join(ln.strip() for ln in lines[k:end] if ln.strip())
    lines[i] = image_line(options.get("alt") or plain(caption), src, caption)
    lines[i + 1 : end + 1] = [""] * (end - i)


_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def plain(caption: str) -> str:
    """A caption as alt text: its links' words, without Markdown's bold or code marks."""
    return _MARKDOWN_LINK.sub(r"\1", caption).replace("**", "").replace("__", "").replace("`", "")


def image_line(alt: str, src: str, caption: str) -> str:
    """``![alt](src "caption")``, each part escaped to read back as written: our figure
    when there is a caption (the migrated figures of every generator are made here)."""
    alt = alt.replace("\\", "\\\\").replace("[", "&#91;").replace("]", "&#93;")  # not \[: math
    target = f"<{src}>" if re.search(r"[\s()<>]", src) else src
    title = caption.replace("\\", "\\\\").replace('"', '\\"')
    return f"![{alt}]({target}" + (f' "{title}")' if title else ")")


def _admonition_head(name: str, title: str, options: dict[str, str]) -> str:
    """``!!! kind "title"``, or ``???`` when folded (MyST's ``:class: dropdown``,
    Quarto's ``collapse="true"``); a title in the options wins."""
    kind = "note" if name in ("admonition", "seealso", "dropdown") else name
    title = (options.get("title") or title).replace('"', "'")
    folded = (
        name == "dropdown"
        or options.get("collapse") == "true"
        or "dropdown" in options.get("class", "").split()
    )
    return f"{'???' if folded else '!!!'} {kind}" + (f' "{title}"' if title else "")


Indents = list[tuple[int, int, int]]
"""Callout bodies to indent once the migration is done: (first line, end, spaces). Their
lines are read first as the top-level lines they are written as (a shortcode, a Liquid
tag or a chunk in a callout is made ours like any other)."""


def admonition(lines: list[str], i: int, end: int, head: str, start: int, out: Indents) -> None:
    """Lines ``i`` to ``end`` as a ``!!!`` block: ``head`` at ``i``, the lines from
    ``start`` to go under it (``out``), the rest (options, the closing fence) blank."""
    indent = re.match(r" *", lines[i]).group(0)  # type: ignore[union-attr]
    lines[i] = f"{indent}{head}"
    lines[i + 1 : start] = [""] * (start - i - 1)
    lines[end] = ""
    out.append((start, end, len(indent) + 4))


class Callouts:
    """The callouts a migration made: their bodies, indented under their heads once it
    is done (each level once more), and how many are open around a line."""

    def __init__(self, deepest: int) -> None:
        self.bodies: Indents = []
        self.deepest = deepest
        self._open: list[int] = []  # where the callouts around the line last asked end
        self._seen = 0

    def room(self, i: int) -> Indents | None:
        """Where a callout opened at line ``i`` keeps its body; None when ``deepest``
        are open around it (a page of deeper ones grows as its square)."""
        fresh = self.bodies[self._seen :]
        self._open = [end for end in self._open if end > i] + [e for _, e, _ in fresh if e > i]
        self._seen = len(self.bodies)
        return self.bodies if len(self._open) < self.deepest else None

    def indent(self, lines: list[str]) -> None:
        """Indent each body under its head, nested ones under each: in one pass."""
        shift = [0] * (len(lines) + 1)
        for start, end, width in self.bodies:
            shift[start] += width
            shift[end] -= width
        depth = 0
        for j, line in enumerate(lines):
            depth += shift[j]
            if depth:
                lines[j] = " " * depth + line if line.strip() else ""


def colon_pairs(lines: list[str]) -> dict[int, int]:
    """Each ``:::`` opener's closing line, nesting counted: one pass with a stack."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for j, line in enumerate(lines):
        if ":::" not in line:
            continue
        if _COLON_CLOSE.fullmatch(line):
            if stack:
                pairs[stack.pop()] = j
        elif _COLON_OPEN.fullmatch(line):
            stack.append(j)
    return pairs


def colon_div(
    lines: list[str], i: int, pairs: dict[int, int], out: Indents | None
) -> tuple[int, str | None] | None:
    """A ``:::`` div at ``i`` made ours: (where reading goes on, a note or None).

    Quarto's callouts (``::: {.callout-tip title="..." collapse="true"}``) and MyST's
    ``:::{note}`` become ``!!!`` (or folded ``???``) blocks, MyST's ``:::{figure} src``
    our figure; any other div (``::: {.column-margin}``) is unwrapped, said in a note.
    None if the div is never closed."""
    end = pairs.get(i)
    m = _COLON_OPEN.fullmatch(lines[i]) if end is not None else None
    if m is None or end is None:
        return None
    spec, arg = m.group(2), m.group(3).strip()
    name = spec.strip("{} \t").lower() if re.fullmatch(r"\{?\s*[\w-]+\s*\}?", spec) else ""
    options, k = _options_at(lines, i + 1, end)
    options |= dict(_DIV_ATTR.findall(spec))
    callout = _CALLOUT.search(spec) or _CALLOUT.fullmatch(f".{name}")
    if (callout is not None or name in _MYST_ADMONITIONS) and out is not None:
        head = _admonition_head(callout.group(1) if callout else name, arg, options)
        admonition(lines, i, end, head, k, out)
        return i, None
    if name == "figure" and arg:
        _myst_figure(lines, i, end, k, arg, options)
        return end, None
    if ".panel-tabset" in spec:
        _tabset(lines, i, end)
        return i, None
    shown = _in_html(spec, options)
    if shown is False:
        lines[i : end + 1] = [""] * (end + 1 - i)
        return end, None
    lines[i] = lines[end] = ""
    if shown:
        return i, None
    return i, f"the div {spec} is not supported; its content is shown as ordinary text"


_HEADING = re.compile(r"( {0,3})(#{1,6})[ \t]+(.*?)[ \t#]*")


def _tabset(lines: list[str], i: int, end: int) -> None:
    """Quarto's ``::: {.panel-tabset}``: each of its top headings names a tab; the tabs
    are shown one after the other under their names, as MkDocs' are (``tab``)."""
    fence = ""
    found: list[tuple[int, re.Match[str]]] = []
    for j in range(i + 1, end):
        stripped = lines[j].lstrip()
        if stripped.startswith(("```", "~~~")):
            fence = "" if fence and stripped.startswith(fence) else fence or stripped[:3]
        elif not fence and (m := _HEADING.fullmatch(lines[j])):
            found.append((j, m))
    top = min((len(m.group(2)) for _, m in found), default=0)
    for j, m in found:
        if len(m.group(2)) == top:
            lines[j] = label_line(m.group(1), m.group(3))
    lines[i] = lines[end] = ""


_HTML_FORMATS = frozenset({"html", "html4", "html5", "html:js"})


def _in_html(spec: str, options: dict[str, str]) -> bool | None:
    """Whether Quarto's conditional content (``::: {.content-visible unless-format="pdf"}``,
    ``.content-hidden``) shows in HTML; None for any other div, or a condition on
    something else (``when-meta``, ``when-profile``)."""
    visible = re.search(r"\.content-(visible|hidden)(?![\w-])", spec)
    conditions = {k: v for k, v in options.items() if k.startswith(("when-", "unless-"))}
    if visible is None or not conditions.keys() <= {"when-format", "unless-format"}:
        return None
    html = True
    if "when-format" in conditions:
        html = conditions["when-format"].strip().lower() in _HTML_FORMATS
    if "unless-format" in conditions:
        html = html and conditions["unless-format"].strip().lower() not in _HTML_FORMATS
    return html if visible.group(1) == "visible" else not html


_HUGO_OPEN = re.compile(r"( {0,3})\{\{([<%])\s*([\w-]+)(?=[\s>%])(.*?)\s*[>%]\}\}[ \t]*")
_HUGO_CLOSE = re.compile(r" {0,3}\{\{[<%]\s*/\s*([\w-]+)\s*[>%]\}\}[ \t]*")
_HUGO_ARG = re.compile(r'(?:([\w-]+)=)?(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^\s"\']+))')
_HUGO_CALLOUTS = {
    # name: kind when the shortcode names none (themes: LoveIt, FixIt, DoIt, Learn,
    # hugo-book, Docsy, Hextra; Docsy and Kubernetes' docs name the kind in the name;
    # many sites' own boxed asides are a "box")
    "admonition": "note", "notice": "note", "hint": "note", "alert": "note",
    "callout": "note", "note": "note", "tip": "tip", "info": "info", "warning": "warning",
    "caution": "caution", "important": "important", "danger": "danger", "box": "note",
}  # fmt: skip
_HUGO_KINDS = {"primary": "note", "secondary": "note", "default": "note", "light": "note",
               "dark": "note", "error": "error", "success": "success", "warning": "warning",
               "danger": "danger", "info": "info", "tip": "tip", "note": "note",
               "abstract": "abstract", "summary": "summary", "question": "question",
               "failure": "failure", "bug": "bug", "example": "example", "quote": "quote",
               "important": "important", "caution": "caution", "hint": "hint",
               "attention": "attention"}  # fmt: skip
_FOLDS = frozenset({"details", "collapse", "spoiler"})
_WRAPPERS = frozenset({"math", "tabs", "rawhtml", "raw", "html", "unsafe", "noparse"})
"""Paired shortcodes that only wrap what they hold (math, tabs, raw HTML): they go."""
_HUGO_BLOCKS = frozenset({*_HUGO_CALLOUTS, *_FOLDS, *_WRAPPERS, "katex", "tab", "mermaid"})
"""Paired shortcodes of popular Hugo themes that are a callout, a fold, math or tabs."""


def hugo_pairs(lines: list[str]) -> dict[int, int]:
    """Each paired shortcode opener (of ``_HUGO_BLOCKS``) and its closing line, nesting
    counted per name: one pass with a stack per name."""
    pairs: dict[int, int] = {}
    open_at: dict[str, list[int]] = {}
    for j, line in enumerate(lines):
        if "{{" not in line:
            continue
        if closer := _HUGO_CLOSE.fullmatch(line):
            if stack := open_at.get(closer.group(1).lower()):
                pairs[stack.pop()] = j
        elif (opener := _HUGO_OPEN.fullmatch(line)) and opener.group(3).lower() in _HUGO_BLOCKS:
            open_at.setdefault(opener.group(3).lower(), []).append(j)
    return pairs


def _hugo_args(text: str) -> tuple[list[str], dict[str, str]]:
    """A shortcode's positional and named arguments (``tip "Title" false``,
    ``type=tip title="A title" open=false``)."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for m in _HUGO_ARG.finditer(text):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        if m.group(1):
            named[m.group(1).lower()] = value
        else:
            positional.append(value)
    return positional, named


def hugo_block(lines: list[str], i: int, pairs: dict[int, int], out: Indents | None) -> int | None:
    """A paired Hugo shortcode at ``i`` made ours; the line reading goes on after, or
    None. Callouts (``admonition``, ``notice``, ``hint``, ``alert``, ``callout``...)
    become ``!!!`` blocks, ``details`` and ``collapse`` folded ``???`` ones, ``katex``
    display math, ``tabs`` and ``tab`` labelled sections one after the other, as MkDocs'
    tabs are, ``mermaid`` a mermaid block; ``math`` and ``rawhtml`` only wrap what they
    hold, and go."""
    end = pairs.get(i)
    m = _HUGO_OPEN.fullmatch(lines[i]) if end is not None else None
    if m is None or end is None:
        return None
    indent, name = m.group(1), m.group(3).lower()
    positional, named = _hugo_args(m.group(4))
    if name in _WRAPPERS:
        lines[i] = lines[end] = ""
        return i
    if name == "mermaid":  # a diagram: our mermaid block, drawn by the site's mermaid.js
        fence = "`" * max([3, *(len(f.group(2)) + 1 for f in map(FENCE.match, lines[i:end]) if f)])
        lines[i], lines[end] = f"{indent}{fence}mermaid", f"{indent}{fence}"
        return end
    if name == "tab":
        label = named.get("name") or named.get("title") or next(iter(positional), "")
        lines[i], lines[end] = label_line(indent, label) if label else "", ""
        return i
    if name == "katex":
        lines[i] = lines[end] = f"{indent}$$"
        return end
    if out is None:  # nested too deep: shown as written
        return None
    flags = {p.lower() for p in positional}
    if name in _FOLDS:
        title = (
            named.get("summary")
            or named.get("title")
            or named.get("text")  # Hugo Blox's spoiler
            or next(iter(positional), "")
        )
        opened = (
            "open" in flags
            or named.get("openbydefault", "").lower() == "true"
            or named.get("closed", "").lower() == "false"
        )
        kind, mark = "note", "???+" if opened else "???"
    else:
        given = named.get("type") or named.get("color") or next(iter(positional), "")
        kind = _HUGO_KINDS.get(given.lower(), _HUGO_CALLOUTS[name])
        named_kind = positional[:1] == [given] and given.lower() in _HUGO_KINDS
        rest = positional[1:] if named_kind else positional  # {{< box "Title" >}}: no kind
        title = named.get("title") or next(
            (p for p in rest if p.lower() not in ("true", "false")), ""
        )
        folded = named.get("open", "").lower() == "false" or "false" in flags
        mark = "???" if folded else "!!!"
    head = f"{mark} {kind}" + (f' "{title.replace(chr(34), chr(39))}"' if title else "")
    admonition(lines, i, end, head, i + 1, out)
    return i


def tab(lines: list[str], i: int) -> int | None:
    """MkDocs' content tab (``=== "PyTorch"`` then its indented content) -> a bold label
    and the content dedented: shown one after the other. Its last line, or None."""
    m = _TAB.fullmatch(lines[i]) if "===" in lines[i] else None
    if m is None:
        return None
    end = indented_run(lines, i)
    if end == i:
        return None
    lines[i] = label_line(m.group(1), m.group(2))
    lines[i + 1 : end + 1] = [dedent(ln) for ln in lines[i + 1 : end + 1]]
    return i


def label_line(indent: str, label: str) -> str:
    """A tab's label (MkDocs', d2lbook's) in bold, on a line of its own: its two
    trailing spaces break the line when the tab's text follows on the next one."""
    escaped = label.replace("*", "\\*")
    return f"{indent}**{escaped}**  "


def targets(lines: list[str]) -> dict[str, bool]:
    """MyST's ``(label)=`` lines: their labels, as ``d2l.labels`` gives them (no formula)."""
    return {m.group(2): False for line in lines if (m := _TARGET.fullmatch(line))}


def target(lines: list[str], i: int) -> bool:
    """MyST's ``(label)=`` at ``i``, which names what follows: the next line's heading takes
    the label as its id (``{#label}``) and the line goes; before anything else it is an
    anchor. Whether ``lines[i]`` was one."""
    m = _TARGET.fullmatch(lines[i]) if ")=" in lines[i] else None
    if m is None:
        return False
    j = next((k for k in range(i + 1, len(lines)) if lines[k].strip()), len(lines))
    if j < len(lines) and _ATX.match(lines[j]) and not lines[j].rstrip().endswith("}"):
        lines[i], lines[j] = "", f"{lines[j].rstrip()} {{#{m.group(2)}}}"
    else:
        lines[i] = f'{m.group(1)}<a id="{m.group(2)}"></a>'
    return True


def _role(kind: str, text: str, known: Mapping[str, bool]) -> str | None:
    """One MyST role as Markdown; None to leave it as written."""
    if kind == "eq":
        return f"\\eqref{{{text}}}"
    if kind == "math":
        return f"\\({text}\\)"
    titled = _TITLED.fullmatch(text)
    title, to = (titled.group(1), titled.group(2)) if titled else ("", text.strip())
    if kind in ("ref", "numref"):  # a label elsewhere: its words (no page to link to)
        return f"[{title}](#{to})" if to in known else title or to
    if kind == "doc" and not to.startswith("/"):
        return f"[{title or to.rstrip('/').rsplit('/', 1)[-1]}]({to}.md)"
    if kind in ("term", "doc"):
        return title or to
    if kind.removeprefix("py:") in _PY_ROLES:
        return f"`{title or (to[1:].rsplit('.', 1)[-1] if to.startswith('~') else to)}`"
    return None


def roles(line: str, masked: str, known: Mapping[str, bool]) -> str:
    """MyST's roles: ``{eq}`label``` -> ``\\eqref{label}``, ``{math}`x^2``` -> ``\\(x^2\\)``,
    ``{ref}`` to a ``known`` label a link (its heading's words), to another the title or
    label, ``{doc}`` a link to the post, ``{func}`` and Sphinx's other Python roles the
    name as code (the role's text is a code span: matched in the line, kept if in
    another one)."""
    out, last = [], 0
    for m in _MYST_ROLE.finditer(line):
        if m.start() < last or masked[m.start()] != "{":
            continue
        made = _role(m.group(1), m.group(2), known)
        if made is not None:
            out.append(line[last : m.start()] + made)
            last = m.end()
    return "".join(out) + line[last:]
