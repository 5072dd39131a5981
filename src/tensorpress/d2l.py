"""d2lbook's markers (the source of d2l.ai) made ours: a part of the migration pass
(``compat``), with the same rule: no line moves.

- a run of ``:label:`x```, ``:eqlabel:`x```, ``:width:`400px``` and ``:height:`` lines
  gives the line before it its id (a heading), its id, size and caption (an image: a
  numbered figure, as d2lbook makes it) or its ``\\label`` (a display formula), and goes;
- ``:numref:`x``` and ``:ref:`x``` become links to that label's heading or figure, which
  the parser gives the heading's words or the figure's number (``markdown``), and
  ``\\eqref`` to an equation's, as ``:eqref:`x``` does;
- ``:begin_tab:`pytorch``` ... ``:end_tab:`` are shown one after the other, each under
  its framework's name in bold, as MkDocs' tabs are (``directives.tab``);
- ``:cite:`a,b``` is Pandoc's ``[@a; @b]`` and ``:citet:`a``` its ``@a`` (``citations``);
- the rest (``:bibliography:``, a reference to a label this post lacks, a
  marker that is not where d2lbook reads it) is shown as written, with a note for a
  warning.
"""

from __future__ import annotations

import re

from tensorpress import directives

_ATTRIBUTE = re.compile(r" {0,3}:(?:(label|eqlabel):`([\w:.-]+)`|(width|height):`([^`]+)`)\s*")
"""An attribute line; a label is a word, as an id and a ``\\label`` take it."""
_ROLE = re.compile(
    r":(numref|ref|eqref|cite|citet|citep|bibliography|label|eqlabel|width|height"
    r"|begin_tab):`([^`]*)`|:end_tab:"
)
_BEGIN_TAB = re.compile(r"( {0,3}):begin_tab:`([^`]+)`\s*")
_END_TAB = re.compile(r" {0,3}:end_tab:\s*")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_IMAGE = re.compile(r"( {0,3})!\[(.*)\]\(<?([^\s()<>]+)>?\)\s*")
_END_ENVIRONMENT = re.compile(r"\\end\{\w+\*?\}$")
FRAMEWORKS = {"pytorch": "PyTorch", "mxnet": "MXNet", "tensorflow": "TensorFlow",
              "jax": "JAX", "paddle": "PaddlePaddle", "numpy": "NumPy"}  # fmt: skip
_UNSUPPORTED = {
    "bibliography": "goes unread; shown as written: name the BibTeX file in the front "
    "matter instead (bibliography: d2l.bib), and citations find it",
}
_MISPLACED = "is read only on a line of its own; shown as written: put it on the line after "
_WHERE = {
    "begin_tab": "the text before the tab, with :end_tab: on a line after the tab",
    "end_tab": "the tab's text",
}


def _formula_end(line: str) -> int | None:
    """Where the line's display formula ends (its ``$$``, or an amsmath environment's
    ``\\end``), if the line ends one."""
    text = line.rstrip()
    if text.endswith("$$"):
        return len(text) - 2
    m = _END_ENVIRONMENT.search(text) if text.endswith("}") else None
    return None if m is None else m.start()


def labels(lines: list[str]) -> dict[str, bool]:
    """Each label a line of its own gives, and whether it names a display formula: the
    references before it (and those after) can then be made in one pass."""
    found: dict[str, bool] = {}
    before = -1  # the line before the run of attribute lines the loop is in
    for k, line in enumerate(lines):
        m = _ATTRIBUTE.fullmatch(line) if ":`" in line else None
        if m is None:
            before = k
        elif m.group(1) is not None:
            formula = m.group(1) == "eqlabel" or (
                before >= 0 and _formula_end(lines[before]) is not None
            )
            found.setdefault(m.group(2), formula)
    return found


def attributes(lines: list[str], i: int) -> tuple[int, str | None] | None:
    """A run of ``:label:``/``:eqlabel:``/``:width:``/``:height:`` lines at ``i``,
    applied to the line before it and made blank: (its last line, a note or None)."""
    found: dict[str, str] = {}
    end = i
    while end < len(lines) and (m := _ATTRIBUTE.fullmatch(lines[end])):
        key, value = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found[key] = value.strip().replace('"', "")
        end += 1
    if not found:
        return None
    lines[i:end] = [""] * (end - i)
    target = _target(lines, i)
    kind = None if target is None else _apply(lines, target, target < i - 1, found)
    ignored = [k for k in found if k not in _ACCEPTS.get(kind, ())]
    if not ignored:
        return end - 1, None
    written = " ".join(f":{k}:`{found[k]}`" for k in ignored)
    table = target is not None and lines[target].lstrip().startswith("|")
    where = "a table" if table else kind and f"a {kind}"
    return end - 1, (
        f"d2lbook's {written} "
        + (f"after {where} is not supported" if where else "follows no heading, image or formula")
        + "; it was dropped: put :label: on the line right after a heading, an image or a "
        "display formula (:width: and :height: after an image)"
    )


_ACCEPTS = {
    "heading": ("label",),
    "image": ("label", "width", "height"),
    "formula": ("label", "eqlabel"),
}


def _target(lines: list[str], i: int) -> int | None:
    """The line a run of attributes at ``i`` is about: the one right before it (for a
    heading underlined with ``=`` or ``-``, its words' line); None after a blank line."""
    if not i or not lines[i - 1].strip():
        return None
    if _SETEXT.fullmatch(lines[i - 1]) and i > 1 and lines[i - 2].strip():
        return i - 2
    return i - 1


def _apply(lines: list[str], at: int, setext: bool, found: dict[str, str]) -> str | None:
    """The attributes ``found`` given to ``lines[at]``, as far as it takes them: a
    heading its id, an image its id and size (and its words as the caption of a figure,
    as d2lbook shows it), a display formula its ``\\label``. What ``at`` is, or None."""
    line = lines[at]
    label = found.get("label") or found.get("eqlabel") or ""
    if setext or _HEADING.match(line):
        if label:
            text = line.rstrip()
            closed = text.rstrip("#")  # ATX's closing hashes: the id goes before them
            text = closed.rstrip() if closed != text and closed[-1:] in " \t" else text
            lines[at] = f"{text} {{#{label}}}"  # as heading_attrs reads it
        return "heading"
    if image := _IMAGE.fullmatch(line):
        indent, caption, src = image.groups()
        size = [f'{k}="{v}"' for k, v in found.items() if k in ("width", "height")]
        attrs = " ".join(([f"#{label}"] if label else []) + size)
        made = directives.image_line(directives.plain(caption), src, caption)
        lines[at] = f"{indent}{made}" + (f"{{{attrs}}}" if attrs else "")
        return "image"
    if (end := _formula_end(line)) is not None:
        if label:
            lines[at] = f"{line[:end]}\\label{{{label}}}{line[end:]}"
        return "formula"
    return None


def tab(lines: list[str], i: int) -> bool:
    """``:begin_tab:`pytorch``` -> the framework's name in bold, ``:end_tab:`` -> a blank
    line: each tab shown after the one before. Whether ``lines[i]`` was either."""
    if (m := _BEGIN_TAB.fullmatch(lines[i])) is not None:
        names = [n.strip() for n in m.group(2).split(",")]
        label = ", ".join(FRAMEWORKS.get(n.lower(), n) for n in names if n)
        lines[i] = directives.label_line(m.group(1), label)
        return True
    if _END_TAB.fullmatch(lines[i]):
        lines[i] = ""
        return True
    return False


def roles(line: str, masked: str, known: dict[str, bool]) -> tuple[str, list[str]]:
    """d2lbook's roles in a line of prose (``masked``: with its code blanked), and notes:
    ``:numref:`x``` and ``:ref:`x``` -> ``[](#x)`` (or ``\\eqref{x}`` to a formula),
    ``:eqref:`x``` -> ``\\eqref{x}``, each when ``known`` (``labels``) holds ``x``."""
    out, notes, last = [], [], 0
    for m in _ROLE.finditer(line):
        if masked[m.start()] != ":":
            continue  # inside a code span
        kind, name = (m.group(1) or "end_tab"), (m.group(2) or "").strip()
        reference = kind in ("numref", "ref", "eqref")
        if reference and name in known:
            made = f"\\eqref{{{name}}}" if known[name] or kind == "eqref" else f"[](#{name})"
            out.append(line[last : m.start()] + made)
            last = m.end()
        elif kind.startswith("cite") and name:  # :cite:`a,b` -> [@a; @b], :citet: -> @a
            keys = [k.strip() for k in name.split(",") if k.strip()]
            made = (
                " and ".join(f"@{k}" for k in keys)
                if kind == "citet"
                else "[" + "; ".join(f"@{k}" for k in keys) + "]"
            )
            out.append(line[last : m.start()] + made)
            last = m.end()
        elif reference:
            notes.append(
                f"d2lbook's {m.group()} names no :label: of this post; shown as written: "
                "label the heading, figure or formula here, or link to another post's "
                f"as [text](other-post.md#{name})"
            )
        else:
            kind = "cite" if kind.startswith("cite") else kind
            where = _WHERE.get(kind, "the heading, image or formula it is about")
            notes.append(f"d2lbook's {m.group()} {_UNSUPPORTED.get(kind, _MISPLACED + where)}")
    return "".join(out) + line[last:], notes
