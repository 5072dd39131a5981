"""A code fence's info string: its language and its attributes, and what a fence became.

Pure parsing, apart from Pygments: a build that takes every fence of an edited post from
its last version (``fragments``) reads info strings but never imports a lexer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Names authors use that Pygments does not know by that name.
ALIASES = {
    "yml": "yaml",
    "jsonc": "json",
    "pyi": "python",
    "ipynb": "python",
    "jupyter": "python",
    # IPython's own lexer is a Pygments plugin: found only where IPython is installed,
    # so a page would depend on the machine that built it.
    "ipython": "python",
    "ipython3": "python",
    "ipython2": "python",
    "pytorch": "python",
    "torch": "python",
    "triton": "python",
    "jsonl": "json",
    "jinja2": "jinja",
    "shellsession": "console",
    "conf": "ini",
    "env": "bash",
    "dotenv": "bash",
    "tsx": "typescript",
    "jsx": "javascript",
    "sh-session": "console",
    "bsh": "bash",  # Google's prettify name: TensorFlow's and Google's docs and blogs
}
PLAIN = frozenset({"", "text", "txt", "plain", "plaintext", "output", "none", "raw", "out",
                   "stdout", "stderr", "log", "csv", "tsv"})  # fmt: skip
ATTRIBUTES = ("fold", "hl_lines", "linenos", "linenums", "title")
_ON = frozenset({"", "true", "yes", "on", "table", "inline"})
_OFF = frozenset({"false", "no", "off", "none", "0"})
_OPEN = frozenset({"open", "show"})


@dataclass(frozen=True, slots=True)
class Fence:
    """How one fence was highlighted, and what the author should hear about it."""

    html: str
    lang: str
    """Pygments' name for the language used, or ``text`` (``diff-python`` for a diff)."""
    notes: tuple[str, ...] = ()
    """Warnings for the author, without file and line."""


@dataclass(frozen=True, slots=True)
class Attrs:
    """What a fence's info string asks for besides its language."""

    title: str = ""
    hl_lines: frozenset[int] = frozenset()
    """Lines to highlight, counted from 1 at the block's first line whatever ``start`` is."""
    numbered: bool | None = None
    """Line numbers on or off; None leaves it to the site default."""
    start: int = 1
    """The number shown on the first line."""
    fold: str = ""
    """``closed`` (the reader opens it), ``open`` (the reader may close it) or ``off``
    (never folded); empty: folded, open, past ``highlight.LONG_BLOCK`` lines."""
    classes: tuple[str, ...] = ()
    """Pandoc's ``.class`` words (``{.python .input}``), for the block's own CSS."""


def parse_info(info: str) -> tuple[str, str]:
    """``python title="x.py"`` or ``{.python}`` -> (``python``, the rest).

    A first word followed by ``=`` is an attribute, not a language.
    """
    info = info.strip()
    if not info:
        return "", ""
    m = re.match(r"\{?\s*\.?([\w+#.-]+)(?![\w+#.-]|\s*=)\s*\}?\s*(.*)$", info)
    if m is None:
        return "", info
    lang = m.group(1).lower()
    return ALIASES.get(lang, lang), m.group(2)


_ATTR = re.compile(
    r"""(?P<key>[A-Za-z_][\w-]*)
        (?:\s*=\s*(?:"(?P<dq>[^"]*)(?P<dqe>"?)|'(?P<sq>[^']*)(?P<sqe>'?)|(?P<bare>[^\s"'{},]*)))?
      | (?P<sep>[{},])
      | (?P<word>[^\s{},]+)""",
    re.X,
)


def line_spec(text: str) -> frozenset[int] | None:
    """``"1 3-5"`` or ``"1,3-5"`` -> {1, 3, 4, 5}; None when it is not such a list."""
    lines: set[int] = set()
    for part in re.split(r"[\s,]+", text.strip()):
        m = re.fullmatch(r"(\d{1,9})(?:-(\d{1,9}))?", part)
        if m is None:
            return None
        first, last = int(m[1]), int(m[2] or m[1])
        if first < 1 or last < first or last - first > 100_000:
            return None
        lines.update(range(first, last + 1))
    return frozenset(lines)


_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_NUMBER_LINES = frozenset({"numberlines", "number-lines"})
"""Pandoc's classes for numbered lines (with ``startFrom="10"``)."""


def parse_attrs(text: str) -> tuple[Attrs, tuple[str, ...]]:
    """``title="a.py" {hl_lines="1 3-5"} linenums="10"`` -> ``Attrs``, plus notes on what
    was not understood: the Pymdown/MkDocs forms, with or without braces or quotes, the
    ``{1,3-5}`` shorthand for highlighted lines, and Pandoc's ``.class`` words."""
    title, hl_lines, numbered, start, fold = "", frozenset[int](), None, 1, ""
    classes: list[str] = []
    notes: list[str] = []
    for m in _ATTR.finditer(text):
        if m["sep"]:
            continue
        if m["word"]:
            if (cls := _CLASS.fullmatch(m["word"])) is not None:
                if cls[1].lower() in _NUMBER_LINES:
                    numbered = True
                elif cls[1] not in classes:
                    classes.append(cls[1])
                continue
            spec = line_spec(m["word"])
            if spec is None:
                notes.append(_unknown(m["word"]))
            else:
                hl_lines |= spec
            continue
        key = m["key"].lower().replace("-", "_")
        value = next((v for v in (m["dq"], m["sq"], m["bare"]) if v is not None), None)
        if (m["dq"] is not None and not m["dqe"]) or (m["sq"] is not None and not m["sqe"]):
            notes.append(f"code fence attribute '{key}' has no closing quote")
        if key in ("fold", "code_fold"):  # Quarto's code-fold: true | show | false
            word = (value or "").strip().lower()
            fold = "open" if word in _OPEN else "off" if word in _OFF else "closed"
            if word not in _ON and word not in _OPEN and word not in _OFF:
                notes.append(
                    f'{key}="{value}" is not a fold; write fold (folded shut), fold="open" '
                    'or fold="false"'
                )
        elif key in ("title", "filename"):
            if not (value or "").strip():
                notes.append(f"code fence attribute '{key}' needs a value: {key}=\"train.py\"")
            title = (value or "").strip() or title
        elif key == "hl_lines":
            spec = line_spec(value or "")
            if spec is None:
                notes.append(
                    f'hl_lines="{_cut(value or "")}" is not a list of lines; '
                    'write line numbers and ranges such as hl_lines="1 3-5"'
                )
            else:
                hl_lines |= spec
        elif key in ("linenums", "linenos", "startfrom"):  # startFrom: Pandoc's
            word = (value or "").strip().lower()
            if word in _ON:
                numbered = True
            elif word in _OFF:
                numbered = False
            elif word.isdecimal() and len(word) <= 9:
                numbered, start = True, int(word)
            else:
                notes.append(
                    f'{key}="{_cut(value or "")}" is not a first line number; '
                    f'write {key}="1" to number lines from 1, or {key}="off"'
                )
        else:
            notes.append(_unknown(m["key"]))
    return Attrs(title, hl_lines, numbered, start, fold, tuple(classes)), tuple(notes)


_UNKNOWN = "unknown code fence attribute"


def _cut(value: str) -> str:
    """A value quoted in a message, cut short: a message is one readable line."""
    return value if len(value) <= 40 else value[:40] + "..."


def _unknown(name: str) -> str:
    known = ", ".join(ATTRIBUTES)
    return f"{_UNKNOWN} '{name}' is ignored; known attributes: {known}"


def once_per_post(note: str) -> bool:
    """Whether a fence's note is said once per post: an unknown attribute is a habit of
    the post's tool (d2l writes ``n=1`` on every fence), not a slip at one fence."""
    return note.startswith(_UNKNOWN)
