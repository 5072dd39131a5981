"""TeX math to MathML at build time, so pages need no math JavaScript and no network.

Two halves. Pure functions on TeX strings: macros, numbering marks and the conversion,
memoised by their arguments. And ``math_plugin``, which teaches a markdown-it parser the
delimiters and, in a core rule that runs once per parse, numbers a post's equations and
converts every formula: warnings are raised there, once (the summary renders the same
tokens again) and with the file line, and render rules only print the result.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from html import escape, unescape
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.amsmath import ENVIRONMENTS as AMS_ENVIRONMENTS
from mdit_py_plugins.amsmath import RE_OPEN, amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar
from mdit_py_plugins.texmath.index import make_inline_func
from mdit_py_plugins.texmath.index import rules as texmath_rules

from tensorpress import fragments
from tensorpress.diagnostics import warning

if TYPE_CHECKING:  # the tree is needed only to convert: imported there
    from xml.etree.ElementTree import Element

Macros = tuple[tuple[str, str], ...]
"""Macro name (letters, no backslash) -> the TeX it stands for, ``#1``..``#9`` its arguments."""

DEFAULT_MACROS: Macros = (
    ("arg", r"\operatorname{arg}"),
    ("set", r"\{#1\}"),
    ("Set", r"\left\{#1\right\}"),
    ("newline", r"\\"),
)
"""Standard commands latex2mathml does not know (``\\set`` is KaTeX's, from braket); a
site's macros override them."""
_COLOR_ARG = re.compile(r"\\color\s*(\{[^{}]*\})(?=\s*\{)")
"""``\\color{red}{x}``, coloured as MathJax colours it (``x`` only): latex2mathml let the
colour run on past ``&`` and broke the alignment it was in. ``{\\color{red} x}`` (LaTeX's
switch) is left to it."""

_ESCAPE_SCAN = re.compile(
    r"\\(?:(text[a-z]*|mbox|hbox)|operatorname|mathrm|mathtt)\*?\s*\{"
    r"|\\[A-Za-z]+|\\.|[{}]|[^\\{}]+",
    re.S,
)
"""What ``_escapes`` reads: an opening text or upright group, a command, an escape, a
brace, or a run of anything else."""
_TEXT_ESCAPES = frozenset({"\\_", "\\%", "\\$", "\\#"})
_TEXT, _UPRIGHT, _GROUP = 2, 1, 0


def _escapes(tex: str) -> str:
    """Escaped characters as KaTeX and the authors read them, where latex2mathml shows the
    backslash or a literal underscore. ``x\\_t`` and ``\\mathcal{G}\\_{\\theta}`` are
    ``x_t`` and ``\\mathcal{G}_{\\theta}``: Hugo's Markdown (and kramdown's, outside its
    ``$$``) unescapes ``\\_`` before KaTeX or MathJax reads the page, so such posts escape
    every subscript (in ``\\mathrm{lr\\_init}``, or with nothing to subscript on either
    side, it stays an underscore). In text (``\\text{max\\_len}``, ``\\text{95\\% CI}``)
    ``\\_``, ``\\%``, ``\\$`` and ``\\#`` are the character."""
    if "\\" not in tex or not any(e in tex for e in _TEXT_ESCAPES):
        return tex
    out: list[str] = []
    groups: list[int] = []  # per open group: _TEXT, _UPRIGHT or _GROUP
    for m in _ESCAPE_SCAN.finditer(tex):
        token = m.group()
        if token in _TEXT_ESCAPES and _TEXT in groups and _UPRIGHT not in groups:
            token = token[1]
        elif token == "\\_" and not any(groups):
            before = "".join(out[-1:])[-1:]
            after = tex[m.end() : m.end() + 1]
            if (before.isalnum() or before in "})]'") and (after.isalnum() or after in "{\\"):
                token = "_"
        elif token.endswith("{"):
            groups.append(_GROUP if len(token) == 1 else _TEXT if m.group(1) else _UPRIGHT)
        elif token == "}" and groups:
            groups.pop()
        out.append(token)
    return "".join(out)


NUMBERED = frozenset({"equation", "align", "alignat", "flalign", "gather", "multline", "eqnarray"})
"""Environments that number themselves unless starred (amsmath)."""

DISPLAY = ("math_block", "math_block_label", "math_inline_double", "amsmath")
INLINE = ("math_inline",)
REF = "math_ref"

_CONTROL = re.compile(r"\\(?:([A-Za-z]+)|.)", re.S)
_BRACE = re.compile(r"\\.|[{}]", re.S)
_ARG = re.compile(r"#([1-9])")
_MARK = re.compile(
    r"\\\\|\\(?:(label|tag\*?|eqref|ref)\s*\{([^{}]*)\}|(nonumber|notag)(?![A-Za-z]))"
)
_ENV = re.compile(
    r"\\(begin|end)\{(equation|align|aligned|alignat|alignedat|flalign|eqnarray"
    r"|gather|gathered|multline)\*?\}(?:\{\d+\})?"
)
_BIG_DELIMITER = re.compile(
    r"(\\[bB]igg?[lrm]?)\s*\\([lr]?vert|[lr]?Vert|langle|rangle|[lr]floor|[lr]ceil|\|)(?![A-Za-z])"
)
"""``\\big\\vert``, ``\\Bigg\\langle``...: latex2mathml sizes characters only."""
_BRACKET_CELL = re.compile(r"\\begin\{(?:cases|[pbBvV]?matrix|smallmatrix)\}(?=\s*\[)")
"""An environment whose first cell starts with ``[``: latex2mathml took the bracket for
an alignment option these environments do not have (``\\begin{cases} [1, 0] & ...``)."""
_ROW_SPACE = re.compile(
    r"\\\\\s*\[\s*-?(?:\d+\.?\d*|\.\d+)\s*(?:pt|em|ex|mm|cm|in|px|mu|bp|pc|sp)\s*\]"
)
"""``\\\\[0.5ex]``, a row break with extra space: latex2mathml showed the length as text."""
_DELIMITERS = {
    **dict.fromkeys(("vert", "lvert", "rvert"), "|"),
    **dict.fromkeys(("Vert", "lVert", "rVert", "|"), "\u2016"),
    **{"langle": "\u27e8", "rangle": "\u27e9", "lfloor": "\u230a", "rfloor": "\u230b"},
    **{"lceil": "\u2308", "rceil": "\u2309"},
}
_ENTITY = re.compile(r"&amp;(#x?[0-9A-Fa-f]+;)")
_HOLE = "\\text{{\u2045{}\u2046}}"
"""Where a reference inside a formula goes: numbers are known only once the post is parsed."""
_FRIENDLY = {
    "NumeratorNotFoundError": r"\frac without a numerator",
    "DenominatorNotFoundError": r"\frac without a denominator",
    "ExtraLeftOrMissingRightError": r"a \left without its \right, or the reverse",
    "MissingSuperScriptOrSubscriptError": "'^' or '_' with nothing after it",
    "DoubleSubscriptsError": "double subscript: add braces, as in x_{a_b}",
    "DoubleSuperscriptsError": "double superscript: add braces, as in x^{a^b}",
    "NoAvailableTokensError": "the formula ends too early",
    "MissingEndError": r"\begin without its \end",
    "InvalidAlignmentError": "unknown column alignment",
    "RecursionError": "the formula nests too deeply, or a macro uses itself",
}


class MathError(ValueError):
    """TeX that cannot be converted, with a message for the writer."""


# ---------- Pure functions on TeX ----------


def brace_problem(tex: str) -> str | None:
    """Unbalanced braces, which latex2mathml would silently mend into a wrong formula."""
    depth = 0
    for m in _BRACE.finditer(tex):
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
            if depth < 0:
                return "a '}' that closes nothing"
    return "a '{' that is never closed" if depth else None


def macro_problem(name: str, body: str) -> str | None:
    """What is wrong with a macro definition, for the config to report, or None."""
    if not re.fullmatch(r"[A-Za-z]+", name):
        return f"macro name {name!r} must be letters only, as in R for \\R"
    problem = brace_problem(body)
    if problem:
        return f"macro \\{name} has {problem}"
    if any(m.group(1) == name for m in _CONTROL.finditer(body)):
        return f"macro \\{name} uses itself"
    return None


def _read_arg(tex: str, pos: int, name: str) -> tuple[str, int]:
    """One macro argument at ``pos``, TeX-style: a brace group (braces dropped) or one token."""
    while pos < len(tex) and tex[pos].isspace():
        pos += 1
    if pos >= len(tex):
        raise MathError(f"\\{name} needs more arguments")
    if tex[pos] != "{":
        m = _CONTROL.match(tex, pos)
        return (m.group(), m.end()) if m else (tex[pos], pos + 1)
    depth = 0
    for m in _BRACE.finditer(tex, pos):
        depth += {"{": 1, "}": -1}.get(m.group(), 0)
        if depth == 0:
            return tex[pos + 1 : m.start()], m.end()
    raise MathError(f"the argument of \\{name} is never closed")


OPTIONAL = "\0"
"""Opens and closes the default of a macro's optional first argument, before its body."""


def _read_optional(tex: str, pos: int, default: str) -> tuple[str, int]:
    """``[...]`` at ``pos`` (spaces skipped, brackets in braces kept), else ``default``."""
    start = pos
    while start < len(tex) and tex[start].isspace():
        start += 1
    if not tex.startswith("[", start):
        return default, pos
    depth = 0
    for i in range(start + 1, len(tex)):
        char = tex[i]
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "]" and depth == 0:
            return tex[start + 1 : i], i + 1
    return default, pos


def _expand_once(tex: str, table: dict[str, str], limit: int) -> tuple[str, bool]:
    out: list[str] = []
    pos = size = 0
    changed = False
    while m := _CONTROL.search(tex, pos):
        name = m.group(1)
        if name not in table:
            out.append(tex[pos : m.end()])
            pos = m.end()
            continue
        out.append(tex[pos : m.start()])
        body, pos = table[name], m.end()
        args = []
        count = max((int(d) for d in _ARG.findall(body)), default=0)
        if body.startswith(OPTIONAL):  # \newcommand{\f}[2][default]{...}: #1 is optional
            default, _, body = body[1:].partition(OPTIONAL)
            arg, pos = _read_optional(tex, pos, default)
            args.append(arg)
        for _ in range(count - len(args)):
            arg, pos = _read_arg(tex, pos, name)
            args.append(arg)
        body = _ARG.sub(lambda a, got=tuple(args): got[int(a.group(1)) - 1], body)
        if re.search(r"\\[A-Za-z]+$", body) and tex[pos : pos + 1].isalpha():
            body += " "  # \eps x -> "\epsilon x", not the unknown "\epsilonx"
        out.append(body)
        size += len(body)
        if size > limit:
            raise MathError(f"the macros expand to more than {limit:,} characters")
        changed = True
    out.append(tex[pos:])
    return "".join(out), changed


_DEFINITION = re.compile(
    r"\\(?:(?:re|provide)?newcommand|DeclareMathOperator|def|require|definecolor)(?![A-Za-z])(\*?)"
)
"""What a post's formulas may define macros with (MathJax and KaTeX honour them)."""
_NAME = re.compile(r"\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))")


def _group(tex: str, pos: int) -> tuple[str, int] | None:
    """The brace group at ``pos`` (spaces before it skipped): its text and where it ends."""
    while pos < len(tex) and tex[pos].isspace():
        pos += 1
    if not tex.startswith("{", pos):
        return None
    depth = 0
    for m in _BRACE.finditer(tex, pos):
        depth += {"{": 1, "}": -1}.get(m.group(), 0)
        if depth == 0:
            return tex[pos + 1 : m.start()], m.end()
    return None


def _definition(tex: str, m: re.Match[str]) -> tuple[tuple[str, str] | None, int] | None:
    """The macro a definition at ``m`` makes ((name, body), or None for ``\\require``)
    and where it ends; None when it is not one we can read (left in the formula)."""
    word = m.group().lstrip("\\").rstrip("*")
    if word in ("require", "definecolor"):  # an extension, a colour: nothing to keep
        end: int | None = m.end()
        for _ in range(1 if word == "require" else 3):
            found = _group(tex, end) if end is not None else None
            end = found[1] if found else None
        return (None, end) if end is not None else None
    name = _NAME.match(tex, m.end())
    if name is None:
        return None
    pos, arity, default = name.end(), 0, None
    if word == "def":
        params = re.match(r"(?:#[1-9])*", tex[pos:]).group()
        pos, arity = pos + len(params), len(params) // 2
    elif word != "DeclareMathOperator" and (count := re.match(r"\s*\[(\d)\]", tex[pos:])):
        pos, arity = pos + count.end(), int(count.group(1))
        if optional := re.match(r"\s*\[([^\]\0]*)\]", tex[pos:]):
            pos, default = pos + optional.end(), optional.group(1)
    body = _group(tex, pos)
    if body is None:
        return None
    text, end = body
    if word == "DeclareMathOperator":  # latex2mathml's \operatorname takes letters only
        op = "operatorname" if re.fullmatch(r"[A-Za-z]+", text.strip()) else "mathrm"
        text = f"\\{op}{{{text.strip()}}}"
    elif arity and not re.search(f"#{arity}", text):  # an argument the body drops: read it
        text += f"\\vphantom{{#{arity}}}"
    if default is not None and arity:
        text = f"{OPTIONAL}{default}{OPTIONAL}{text}"
    return (name.group(1) or name.group(2), text), end


def take_definitions(tex: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``tex`` without the macro definitions it makes (``\\newcommand``, ``\\def``,
    ``\\DeclareMathOperator``; ``\\require`` goes too), and those definitions."""
    if "\\" not in tex or _DEFINITION.search(tex) is None:
        return tex, ()
    out, found, pos = [], [], 0
    while (m := _DEFINITION.search(tex, pos)) is not None:
        read = _definition(tex, m)
        if read is None:
            out.append(tex[pos : m.end()])
            pos = m.end()
            continue
        made, end = read
        out.append(tex[pos : m.start()])
        found += [made] if made else []
        pos = end
    out.append(tex[pos:])
    return "".join(out), tuple(found)


def expand_macros(tex: str, macros: Macros) -> str:
    """Replace each ``\\name`` of ``macros`` by its TeX: whole control words only, so a
    macro ``R`` leaves ``\\Rightarrow`` alone; ``#1``..``#9`` take arguments."""
    table = dict(macros)
    limit = max(20_000, 20 * len(tex))  # a macro that doubles its argument, nested
    for _ in range(32):
        tex, changed = _expand_once(tex, table, limit)
        if not changed:
            return tex
    raise MathError("the macros expand without end: does one use another that uses it?")


@dataclass(frozen=True, slots=True)
class Marks:
    """What a formula says about numbering, and its TeX with those marks taken out."""

    tex: str
    """The TeX to convert: labels, tags and \\nonumber removed, references as holes."""
    labels: tuple[str, ...] = ()
    tag: str | None = None
    nonumber: int = 0
    """How many rows say ``\\nonumber`` or ``\\notag``."""
    refs: tuple[tuple[str, str], ...] = ()
    """(``eqref`` or ``ref``, label) for each hole in ``tex``, in order."""


def take_marks(tex: str) -> Marks:
    """Take ``\\label``, ``\\tag``, ``\\nonumber`` and references out of a formula."""
    labels: list[str] = []
    refs: list[tuple[str, str]] = []
    tag: list[str] = []
    flags: list[str] = []

    def take(m: re.Match[str]) -> str:
        kind, arg, flag = m.groups()
        if flag:
            flags.append(flag)
        elif kind == "label":
            labels.append(arg.strip())
        elif kind in ("tag", "tag*"):
            tag.append(arg.strip())
        elif kind:
            refs.append((kind, arg.strip()))
            return _HOLE.format(len(refs) - 1)
        else:
            return m.group()  # \\ is a line break, not the start of \\label
        return ""

    clean = _MARK.sub(take, tex)
    return Marks(clean, tuple(labels), tag[0] if tag else None, len(flags), tuple(refs))


def rows(tex: str) -> int:
    """Rows of an alignment (``\\\\`` between them); a matrix inside counts too, which errs
    on the side of keeping the number."""
    return tex.count("\\\\") + 1 - tex.rstrip().endswith("\\\\")


def _environment(m: re.Match[str]) -> str:
    """amsmath environments latex2mathml lacks, as ones it has (numbers are ours)."""
    begin, name = m.group(1) == "begin", m.group(2)
    if name == "equation":
        return ""
    if name.startswith(("gather", "multline")):
        return "\\displaylines{" if begin else "}"
    return "\\begin{align*}" if begin else "\\end{align*}"


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    detail = str(exc).strip()
    return _FRIENDLY.get(name) or (f"{name}: {detail}" if detail else name)


def _output_problem(math: Element) -> str | None:
    """latex2mathml keeps what it does not understand as text: find that instead."""
    for element in math.iter():
        text = element.text or ""
        unknown = re.match(r"\\([A-Za-z]+)", text)
        if unknown and element.tag != "mtext":
            return (
                f"unknown command \\{unknown.group(1)}: check its spelling, "
                "or define it under math_macros in tensorpress.yaml"
            )
        if element.tag == "mi" and text == "&":
            return "'&' outside an alignment: put the rows in \\begin{aligned} ... \\end{aligned}"
    return None


# MathML Core (what Chromium renders) ignores mathvariant other than "normal": write the
# letters of \boldsymbol, \mathscr, \bm... as their Unicode math letters instead.
_ALPHABETS = {  # variant -> first code point of A, a, 0 and Greek capital Alpha (or None)
    "bold": (0x1D400, 0x1D41A, 0x1D7CE, 0x1D6A8),
    "italic": (0x1D434, 0x1D44E, None, 0x1D6E2),
    "bold-italic": (0x1D468, 0x1D482, None, 0x1D71C),
    "script": (0x1D49C, 0x1D4B6, None, None),
    "bold-script": (0x1D4D0, 0x1D4EA, None, None),
    "fraktur": (0x1D504, 0x1D51E, None, None),
    "bold-fraktur": (0x1D56C, 0x1D586, None, None),
    "double-struck": (0x1D538, 0x1D552, 0x1D7D8, None),
    "sans-serif": (0x1D5A0, 0x1D5BA, 0x1D7E2, None),
    "bold-sans-serif": (0x1D5D4, 0x1D5EE, 0x1D7EC, 0x1D756),
    "sans-serif-italic": (0x1D608, 0x1D622, None, None),
    "monospace": (0x1D670, 0x1D68A, 0x1D7F6, None),
}
_GAPS = {  # letters Unicode had before its math block, which leaves holes for them
    0x1D455: 0x210E, 0x1D49D: 0x212C, 0x1D4A0: 0x2130, 0x1D4A1: 0x2131, 0x1D4A3: 0x210B,
    0x1D4A4: 0x2110, 0x1D4A7: 0x2112, 0x1D4A8: 0x2133, 0x1D4AD: 0x211B, 0x1D4BA: 0x212F,
    0x1D4BC: 0x210A, 0x1D4C4: 0x2134, 0x1D506: 0x212D, 0x1D50B: 0x210C, 0x1D50C: 0x2111,
    0x1D515: 0x211C, 0x1D51D: 0x2128, 0x1D53A: 0x2102, 0x1D53F: 0x210D, 0x1D545: 0x2115,
    0x1D547: 0x2119, 0x1D548: 0x211A, 0x1D549: 0x211D, 0x1D551: 0x2124,
}  # fmt: skip
_TEXT_STYLES = {
    "bold": "font-weight:bold",
    "italic": "font-style:italic",
    "bold-italic": "font-weight:bold;font-style:italic",
    "monospace": "font-family:monospace",
    "sans-serif": "font-family:sans-serif",
}
_LIMITS = frozenset({
    "lim", "liminf", "limsup", "max", "min", "sup", "inf", "det", "gcd", "Pr",
    "argmax", "argmin", "injlim", "projlim", "plim",
})  # fmt: skip
"""Operators whose scripts go under and over them in display math, as in TeX."""
_BIG = frozenset("\u2211\u220f\u2210\u22c3\u22c2\u2a01\u2a02\u2a00\u2a04\u22c1\u22c0")
_CHAR = re.compile(r"&#x([0-9A-Fa-f]+);")


def _text(element: Element) -> str:
    return _CHAR.sub(lambda m: chr(int(m.group(1), 16)), element.text or "")


def _letters(text: str, variant: str) -> str | None:
    """``text`` in the Unicode math letters of ``variant``, or None if one has none."""
    upper, lower, digit, greek = _ALPHABETS[variant]
    out = []
    for ch in text:
        code = ord(ch)
        if "A" <= ch <= "Z":
            code += upper - 0x41
        elif "a" <= ch <= "z":
            code += lower - 0x61
        elif "0" <= ch <= "9" and digit:
            code += digit - 0x30
        elif 0x391 <= code <= 0x3A9 and greek:
            code += greek - 0x391
        elif 0x3B1 <= code <= 0x3C9 and greek:
            code += greek + 26 - 0x3B1
        else:
            return None
        out.append(chr(_GAPS.get(code, code)))
    return "".join(out)


_NAMED_SPACES = {
    f"{word}{name}mathspace": f"{sign}{width}em"
    for word, sign in (("", ""), ("negative", "-"))
    for name, width in (("veryverythin", "0.0556"), ("verythin", "0.1111"), ("thin", "0.1667"),
                        ("medium", "0.2222"), ("thick", "0.2778"), ("verythick", "0.3333"),
                        ("veryverythick", "0.3889"))
}  # fmt: skip
"""MathML 3's named widths (latex2mathml's \\!), which MathML Core, and so browsers, lack."""
_SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover"})
_FIXED_ARITY = _SCRIPTED | {"mfrac", "mroot", "mmultiscripts"}
"""Elements whose children are their arguments, one each: nothing may be put among them."""


def _mathml_core(math: Element, display: bool) -> None:
    """Rewrite what latex2mathml leaves to MathML 3 features browsers do not implement."""
    from xml.etree.ElementTree import Element

    for element in math.iter():
        if element.tag == "mspace" and element.get("width") in _NAMED_SPACES:
            element.set("width", _NAMED_SPACES[element.get("width", "")])
        variant = element.attrib.get("mathvariant", "normal")
        if element.tag in ("mi", "mn") and variant in _ALPHABETS:
            letters = _letters(_text(element), variant)
            if letters is not None:
                element.text = letters
                del element.attrib["mathvariant"]
        elif element.tag == "mtext" and variant in _TEXT_STYLES:
            element.attrib["style"] = _TEXT_STYLES[variant]
            del element.attrib["mathvariant"]
        base = element[0] if element.tag in ("msub", "msubsup") and len(element) else None
        if display and base is not None and base.tag == "mo":
            word = re.sub(r"\s+", "", _text(base))
            if word in _LIMITS or word in _BIG or base.get("movablelimits") == "true":
                element.tag = "munder" if element.tag == "msub" else "munderover"
                base.set("movablelimits", "true")
        text = _text(element)
        if element.tag == "mo" and not element.attrib and len(text) > 1 and text.isalpha():
            element.tag = "mi"  # \operatorname{softmax}: a name, spaced like \log
        elif element.tag == "mo" and text == "\u221e":
            element.tag = "mi"  # \infty is a symbol, not an operator: no gaps around it
    for parent in list(math.iter()):  # y \log x: TeX's thin spaces around a function name
        if parent.tag in _FIXED_ARITY:  # \max_x: around the msub, never inside it
            continue
        kids = list(parent)
        for i in reversed(range(len(kids))):
            head = kids[i][0] if kids[i].tag in _SCRIPTED and len(kids[i]) else kids[i]
            name = _text(head)
            if head.tag != "mi" or len(name) < 2 or not name.isalpha():
                continue
            if i + 1 < len(parent) and parent[i + 1].tag not in ("mo", "mspace"):
                parent.insert(i + 1, Element("mspace", {"width": "0.1667em"}))  # one gap
            if i > 0 and kids[i - 1].tag not in ("mo", "mspace"):
                parent.insert(i, Element("mspace", {"width": "0.1667em"}))
    for parent in list(math.iter()):  # \mathrm{Attention}: one upright word, not 9 letters
        kids = list(parent)
        for i in reversed(range(len(kids) - 1)):
            first, second = kids[i], kids[i + 1]
            if all(k.tag == "mi" and k.get("mathvariant") == "normal" for k in (first, second)):
                first.text = _text(first) + _text(second)
                parent.remove(second)
        for kid in parent:
            if kid.tag == "mi" and len(_text(kid)) > 1 and kid.get("mathvariant") == "normal":
                del kid.attrib["mathvariant"]  # a word in <mi> is upright already


@dataclass(frozen=True, slots=True)
class Converted:
    """One formula as MathML, or why it could not be converted."""

    html: str
    error: str = ""


@lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool, macros: Macros = ()) -> Converted:
    """TeX -> ``<math>``: pure, so memoised; never raises (the error is in the result)."""
    try:
        ready = _escapes(expand_macros(tex, DEFAULT_MACROS + macros))
        ready = _ENV.sub(_environment, ready.replace("\\operatorname*", "\\operatorname"))
        ready = _BIG_DELIMITER.sub(lambda m: m.group(1) + _DELIMITERS[m.group(2)], ready)
        ready = _COLOR_ARG.sub(r"\\textcolor\1", ready)
        ready = _BRACKET_CELL.sub(lambda m: m.group() + "{}", ready)
        ready = _ROW_SPACE.sub(r"\\\\", ready)
        problem = brace_problem(ready)
        if problem:
            return Converted("", problem)
        from latex2mathml.converter import convert_to_element  # 20 ms: only when needed

        math = convert_to_element(ready, display="block" if display else "inline")
    except MathError as exc:
        return Converted("", str(exc))
    except Exception as exc:  # latex2mathml raises many kinds, some of them bare
        return Converted("", _describe(exc))
    problem = _output_problem(math)
    if problem:
        return Converted("", problem)
    math.attrib.pop("xmlns", None)  # HTML knows <math>; the attribute is noise there
    _mathml_core(math, display)
    # latex2mathml writes symbols as "&#x...;" text: keep those, escape everything else.
    from xml.etree.ElementTree import tostring

    return Converted(_ENTITY.sub(r"&\1", tostring(math, encoding="unicode")))


# ---------- The markdown-it plugin ----------


_INLINE_DISPLAY = {
    "name": "math_inline_double",
    "rex": re.compile(r"^\\\[(.+?)\\\]", re.S),
    "tmpl": "",
    "tag": "\\[",
}
"""``\\[...\\]`` inside a paragraph: display math, as ``$$...$$`` there is."""
_REF_RE = re.compile(r"\\(eqref|ref)\{([^{}\n]+)\}")
_CLOSE = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}


def _bracket_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``\\[`` at the start of a block, up to the line ending in ``\\]``; no blank lines."""
    if state.is_code_block(start):
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("\\[", begin):
        return False
    text = state.src[begin + 2 : state.eMarks[start]]
    if "\\]" in text and not text.rstrip().endswith("\\]"):
        return False  # text after the formula: a paragraph, where the inline rule takes it
    closes, blanks = _lines_with(state, "\\]"), _lines_with(state, "")
    k, b = bisect_left(closes, start), bisect_left(blanks, start + 1)
    if k == len(closes) or (b < len(blanks) and blanks[b] < closes[k]):
        return False  # no \] before a blank line: looked up, not searched for each time
    parts: list[str] = []
    line = start
    while not text.rstrip().endswith("\\]"):
        parts.append(text)
        line += 1
        if line >= end or state.isEmpty(line) or state.sCount[line] < state.blkIndent:
            return False
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
    parts.append(text.rstrip()[:-2])
    if silent:
        return True
    state.line = line + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(parts)
    token.markup = "\\["
    token.map = [start, state.line]
    return True


_DOLLAR = re.compile(r"(?<!\\)\$")


def _lines_with(state: StateBlock, closing: str) -> list[int]:
    """The lines of the text being parsed that hold ``closing`` (``""``: the blank
    lines), found once per text (a
    post of 20,000 unclosed ``\\begin{equation}`` lines took minutes, each opener
    searching every line after it)."""
    found: dict[tuple[str, str], list[int]] = state.env.setdefault("lines_with", {})
    lines = found.get((state.src, closing))
    if lines is None:
        src, begins, ends = state.src, state.bMarks, state.eMarks
        if closing:
            lines = [n for n in range(state.lineMax) if closing in src[begins[n] : ends[n]]]
        else:  # "": the blank lines
            lines = [n for n in range(state.lineMax) if not src[begins[n] : ends[n]].strip()]
        found[(state.src, closing)] = lines
    return lines


_ENV_OPEN = re.compile(
    RE_OPEN.replace("(equation|", "(equation|aligned|alignedat|gathered|split|cases|")
)
"""amsmath's environments, and those MathJax and KaTeX also set as a formula of their own
(``\\begin{aligned}`` on a line after prose, as MathJax finds it)."""


def _amsmath(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """amsmath's rule, for an environment that is a formula of its own: its first
    ``\\end`` must end a line (``\\end{bmatrix}$`` closes an inline formula, and
    the rule went on to the next line ending in ``\\end{bmatrix}``, sections later),
    and it does not break into a paragraph whose ``$`` is open (``$\\lambda M =``
    then ``\\begin{bmatrix}`` on the next line: one inline formula). It ends a list
    item's paragraph from the margin too (``- We want:`` then ``\\begin{align}``), as
    MathJax sets it, and then starts at the margin, after the list."""
    if state.is_code_block(start):
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    opened = _ENV_OPEN.match(first)
    if opened is None:
        return False
    closing = f"\\end{{{opened.group(1)}{opened.group(2)}}}"
    ends = _lines_with(state, closing)
    k = bisect_left(ends, start)
    if k == len(ends) or ends[k] >= end:
        return False  # never closed: looked up, not searched for from every opener
    last = ends[k]
    text = state.src[state.bMarks[last] + state.tShift[last] : state.eMarks[last]]
    if text[text.find(closing) + len(closing) :].strip():
        return False
    if state.parentType == "paragraph":
        top = start
        while top > 0 and not state.isEmpty(top - 1):
            top -= 1
        before = state.getLines(top, start, 0, False)
        if before.count("$$") % 2 or len(_DOLLAR.findall(before.replace("$$", ""))) % 2:
            return False  # inside a formula the paragraph opened: $$ then \begin{aligned}
    if state.sCount[start] < state.blkIndent:
        return silent  # a list item's paragraph ends here; the formula follows the list
    if any(state.sCount[j] < state.blkIndent for j in range(start + 1, last + 1)):
        return False  # a line left of the list item's text ends the item first
    if silent:
        return True
    token = state.push("amsmath", "math", 0)
    token.block = True
    token.content = state.getLines(start, last + 1, state.sCount[start], False)
    token.meta = {"environment": opened.group(1), "numbered": opened.group(2)}
    token.map = [start, last]
    state.line = last + 1
    return True


def _closed(
    rule: Callable[[StateInline, bool], bool], opener: str, closer: str
) -> Callable[[StateInline, bool], bool]:
    """``rule`` (texmath's ``\\(``/``\\[``), tried only where a closer follows before
    the next opener, as positions in the text looked up once: the rule copies the rest
    of the text to match it, so a paragraph of 20,000 unclosed openers took minutes."""

    def guarded(state: StateInline, silent: bool) -> bool:
        if not state.src.startswith(opener, state.pos):
            return False
        found: dict[tuple[str, str], tuple[list[int], list[int]]]
        found = state.env.setdefault("inline_marks", {})
        marks = found.get((state.src, opener))
        if marks is None:
            marks = found[(state.src, opener)] = (
                [m.start() for m in re.finditer(re.escape(opener), state.src)],
                [m.start() for m in re.finditer(re.escape(closer), state.src)],
            )
        opens, closes = marks
        close = bisect_left(closes, state.pos + len(opener))
        if close == len(closes):
            return False
        after = bisect_left(opens, state.pos + 1)
        if after < len(opens) and opens[after] < closes[close]:
            return False  # another opener first: it is the one this closer closes
        return rule(state, silent)

    return guarded


def _prose_ref(state: StateInline, silent: bool) -> bool:
    """``\\eqref{label}`` and ``\\ref{label}`` in prose: links once numbers are known."""
    m = _REF_RE.match(state.src, state.pos) if state.src[state.pos] == "\\" else None
    if m is None:
        return False
    if not silent:
        token = state.push(REF, "", 0)
        token.content = m.group()
        token.meta = {"ref": (m.group(1), m.group(2).strip())}
    state.pos = m.end()
    return True


_TEX_MARK = re.compile(r"[\\^_{}=]")


_MARKDOWN_LINK = re.compile(r"\]\([^()\s]*\)")


_WORD = re.compile(r"[^\W\d_]{2}")
"""Two letters in a row: a word, where a formula's variables are single letters."""


def _prose(text: str) -> bool:
    """What was read between two dollars is prose: spaced (``$ 5 each, or $``: MathJax
    reads ``$ \\bar{L} $``, and ``$ q(x) $``, with no word in it) with no TeX in it, or
    holding a Markdown link."""
    if text == text.strip():
        return False
    plain = "\n" not in text and not _TEX_MARK.search(text)
    words = _WORD.search(text) is not None or not any(c.isalnum() for c in text)
    return (plain and words) or bool(_MARKDOWN_LINK.search(text))


def _dollars(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """The dollar rule, as MathJax and Pandoc pair dollars: after a digit a formula may
    start (``2$\\times$``), before one it may not end (``$5 and $10``), and a formula of
    prose (``_prose``) is no formula: its first dollar is text, and what follows it is
    read on (a link after ``$0.02 and see [the docs](...)`` stays a link)."""

    def dollars(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, True):
            return False
        end, state.pos = state.pos, start
        double = state.src.startswith("$$", start)
        inner = state.src[start + (2 if double else 1) : end - (2 if double else 1)]
        if state.src[end : end + 1].isdigit() or (not double and _prose(inner)):
            return False
        return rule(state, silent)

    return dollars


def _prose_delimiters(state: StateCore) -> None:
    """``\\[CLS\\]`` inside a sentence with no TeX in it is Markdown's escaped brackets,
    ``[CLS]``, its inside read as Markdown."""
    for token in state.tokens:
        if not token.children:
            continue
        children: list[Token] = []
        for child in token.children:
            text = child.content
            plain = "\n" not in text and not _TEX_MARK.search(text)
            if child.type == "math_inline_double" and child.markup == "\\[" and plain:
                inner = state.md.parseInline(text, state.env)[0].children or []
                children += [_text_token("["), *inner, _text_token("]")]
                continue
            children.append(child)
        token.children = children


def _text_token(content: str) -> Token:
    text = Token("text", "", 0)
    text.content = content
    return text


def child_lines(token: Token, first: int) -> Iterator[tuple[Token, int]]:
    """The children of an inline token, each with the file line it starts on (``first``:
    the file line of the body's first line): a formula's or a link's own line."""
    line = first + (token.map[0] if token.map else 0)
    for child in token.children or ():
        yield child, line
        line += child.content.count("\n") + (child.type in ("softbreak", "hardbreak"))


def _math_tokens(tokens: Sequence[Token], first: int) -> Iterator[tuple[Token, int]]:
    """Every math token of a post in document order, with its file line."""
    for token in tokens:
        if token.type in DISPLAY:
            yield token, first + (token.map[0] if token.map else 0)
        for child, line in child_lines(token, first):
            if child.type in DISPLAY or child.type in INLINE or child.type == REF:
                yield child, line


def _anchor(label: str, used: set[str]) -> str:
    slug = re.sub(r"[^\w-]+", "-", label.removeprefix("eq:").removeprefix("eq-")).strip("-")
    slug = slug or "eq"
    anchor, n = f"eq-{slug}", 2
    while anchor in used:
        anchor, n = f"eq-{slug}-{n}", n + 1
    used.add(anchor)
    return anchor


Warn = Callable[[int, str], None]


def _number(found: list[tuple[Token, int]], warn: Warn) -> dict[str, tuple[str, str]]:
    """Number display math in order, as LaTeX would; returns label -> (number, anchor)."""
    targets: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    count = 0
    for token, line in found:
        if token.type == REF:
            continue
        marks = take_marks(token.content.strip())
        token.meta["marks"] = marks
        labels = marks.labels
        if token.type == "math_block_label":  # $$ ... $$ (label)
            labels = (*labels, token.info.strip())
        if token.type not in DISPLAY:
            if labels or marks.tag is not None:
                warn(line, "\\label and \\tag number display math only: use $$...$$ here")
            continue
        env = str(token.meta.get("environment", ""))
        numbered = env in NUMBERED and token.meta.get("numbered") != "*"
        number = marks.tag
        if number is None and (labels or (numbered and marks.nonumber < rows(marks.tex))):
            count += 1
            number = str(count)
        token.meta["number"] = number
        if labels and number is not None:
            anchor = token.meta["anchor"] = _anchor(labels[0], used)
            for label in labels:
                if label in targets:
                    warn(line, f"\\label{{{label}}} is used twice: references go to the first")
                else:
                    targets[label] = (number, anchor)
    return targets


def _ref_html(
    kind: str, label: str, targets: dict[str, tuple[str, str]], line: int, warn: Warn
) -> str:
    target = targets.get(label)
    if target is None:
        known = ", ".join(sorted(targets)) or "none"
        warn(line, f"\\{kind}{{{label}}}: no equation has \\label{{{label}}} (labels: {known})")
        return f'<span class="eqref-missing" title="unknown label {escape(label)}">(??)</span>'
    number, anchor = target
    text = f"({number})" if kind == "eqref" else number
    return f'<a class="eqref" href="#{escape(anchor)}">{escape(text)}</a>'


def _html(
    token: Token,
    line: int,
    targets: dict[str, tuple[str, str]],
    convert: Callable[[str, bool], Converted],
    warn: Warn,
) -> str:
    """A formula's HTML: MathML (in a numbered box when displayed) or its TeX, escaped."""
    if token.type == REF:
        return _ref_html(*token.meta["ref"], targets, line, warn)
    marks: Marks = token.meta["marks"]
    if token.meta.get("defines") and not marks.tex.replace("{}", "").strip():
        return ""  # definitions only: nothing to show
    display = token.type in DISPLAY
    converted = convert(marks.tex, display)
    if converted.error:
        warn(line, f"cannot convert math ({converted.error}); the page shows its TeX source")
        source = token.content
        if token.type != "amsmath":
            source = f"{token.markup}{source}{_CLOSE.get(token.markup, '')}"
        body = f'<code class="math-error" title="{escape(converted.error)}">{escape(source)}</code>'
    else:
        body = converted.html
        for i, (kind, label) in enumerate(marks.refs):
            hole = f"<mtext>\u2045{i}\u2046</mtext>"
            body = body.replace(
                hole, f"<mtext>{_ref_html(kind, label, targets, line, warn)}</mtext>"
            )
    if not display:
        return body
    number, anchor = token.meta.get("number"), token.meta.get("anchor")
    tag = "div" if token.block else "span"
    ident = f' id="{escape(anchor)}"' if anchor else ""
    no = f'<span class="eq-no">({escape(number)})</span>' if number is not None else ""
    return f'<{tag} class="math-display"{ident}>{body}{no}</{tag}>' + ("\n" if token.block else "")


_HTML_TAG = re.compile(r"<!--|<(/?)([A-Za-z][\w-]*)\b[^<>]*>")
_HTML_SKIPPED = frozenset({"pre", "code", "script", "style", "textarea", "math", "svg"})
"""Elements whose text is code or markup of its own: no formula is looked for in them."""
_HTML_MATH = re.compile(
    r"\$\$((?:(?!\$\$).)+?)\$\$|(?<![\\$\w])\$(?![\s$])((?:[^$\\\n]|\\.)+?)(?<!\s)\$(?![\d$])"
    r"|\\\(((?:(?!\\\().)+?)\\\)|\\\[((?:(?!\\\[).)+?)\\\]"
    r"|(\\begin\{(" + "|".join(AMS_ENVIRONMENTS) + r")\*?\}(?:(?!\\begin\{\6).)+?\\end\{\6\*?\})",
    re.S,
)
"""Formulas in the text of raw HTML (``<td>$x$</td>``): MathJax finds them anywhere. No
formula runs past the next opener of its kind, so text of unclosed openers is scanned in
linear time."""


_HTML_MARKS = ("$", "\\(", "\\[", "\\begin")


def _html_text(content: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of text in raw HTML: outside tags, comments and the
    elements of ``_HTML_SKIPPED``. One pass: an unclosed comment or element ends the
    text, it is not looked for again from every later tag."""
    pos, lower = 0, ""
    while (tag := _HTML_TAG.search(content, pos)) is not None:
        yield pos, tag.start()
        pos = tag.end()
        if tag.group() == "<!--":
            close = content.find("-->", pos)
            pos = len(content) if close < 0 else close + 3
        elif not tag.group(1) and tag.group(2).lower() in _HTML_SKIPPED:
            lower = lower or content.lower()
            close = lower.find(f"</{tag.group(2).lower()}", pos)
            pos = len(content) if close < 0 else close
    yield pos, len(content)


def _html_math(
    content: str, line: int, convert: Callable[[str, bool], Converted], warn: Warn
) -> str:
    """A raw HTML block with the formulas of its text as MathML (``_HTML_MATH``)."""

    def formula(m: re.Match[str]) -> str:
        tex = unescape(next(group for group in m.groups() if group is not None))
        tex, defined = take_definitions(tex)
        if defined and not tex.replace("{}", "").strip():
            return ""
        tex = take_marks(tex).tex  # a label here names no number: it goes
        done = convert(tex, m.group(2) is None and m.group(3) is None)
        if done.error:
            warn(line, f"cannot convert math ({done.error}); the page shows its TeX source")
            return m.group()
        return done.html

    out, last = [], 0
    for start, end in _html_text(content):
        out += [content[last:start], _HTML_MATH.sub(formula, content[start:end])]
        last = end
    return "".join(out)


def _post_macros(found: list[tuple[Token, int]], html: list[Token], warn: Warn) -> Macros:
    """The macros a post's formulas define, each taken out of its formula (a formula of
    definitions only, often in a hidden ``<div>``, shows nothing); in raw HTML they are
    taken out as its formulas convert (``_html_math``)."""
    defined: list[tuple[str, str]] = []
    for token, line in found:
        if token.type == REF:
            continue
        tex, made = take_definitions(token.content)
        if made:
            token.content, token.meta["defines"] = tex, True
        for name, body in made:
            problem = macro_problem(name, body)
            if problem:
                warn(line, f"{problem}: the definition is left out")
            else:
                defined.append((name, body))
    for token in html:
        for start, end in _html_text(token.content):
            for m in _HTML_MATH.finditer(token.content[start:end]):
                tex = unescape(next(group for group in m.groups() if group is not None))
                defined += [d for d in take_definitions(tex)[1] if not macro_problem(*d)]
    return tuple(defined)


def _convert_all(state: StateCore, macros: Macros) -> None:
    """Number, then convert, every formula of the post just parsed (and those in the
    text of its raw HTML blocks)."""
    env = state.env
    _prose_delimiters(state)
    found = list(_math_tokens(state.tokens, env.get("first", 1)))
    html = [
        t
        for t in state.tokens
        if t.type == "html_block" and any(mark in t.content for mark in _HTML_MARKS)
    ]
    if not found and not html:
        return
    diagnostics = env.setdefault("diagnostics", [])
    path = env.get("path", "")

    def warn(line: int, message: str) -> None:
        diagnostics.append(warning(path, line, message))

    macros = macros + _post_macros(found, html, warn)
    reuse = env.get("reuse", {})
    made = env.setdefault("made", [])

    def convert(tex: str, display: bool) -> Converted:
        """``to_mathml``, or the formula as an earlier version of the post had it."""
        name = fragments.key(fragments.MATH, display, macros, tex)
        taken = reuse.get(name)
        if taken is None:
            done = to_mathml(tex, display, macros)
        else:
            done = Converted(taken[0], taken[1][0])
        made.append((name, done.html, (done.error,)))
        return done

    for token in html:
        line = env.get("first", 1) + (token.map[0] if token.map else 0)
        token.content = _html_math(token.content, line, convert, warn)
    targets = _number(found, warn)
    for token, line in found:
        token.meta["html"] = _html(token, line, targets, convert, warn)


def _render(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    html = token.meta.get("html")
    return html if isinstance(html, str) else escape(token.content)


def math_plugin(md: MarkdownIt, macros: Macros = ()) -> None:
    """TeX math: ``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``, amsmath environments,
    ``\\label``/``\\eqref`` numbering, all rendered to MathML while the post is parsed.

    ``$5 and $10`` stays prose: no digit may follow the closing dollar, and a formula
    with a space inside (``$ \\bar{L} $``, as MathJax takes it) must look like TeX.
    """
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    md.inline.ruler.at("math_inline", _dollars(math_inline_dollar(True, True, True)))
    paren = make_inline_func(texmath_rules["brackets"]["inline"][0])
    md.inline.ruler.before("escape", "math_paren", _closed(paren, "\\(", "\\)"))
    bracket = make_inline_func(_INLINE_DISPLAY)
    md.inline.ruler.before("escape", "math_bracket", _closed(bracket, "\\[", "\\]"))
    md.inline.ruler.before("escape", "math_ref", _prose_ref)
    md.block.ruler.before("fence", "math_bracket_block", _bracket_block)
    md.use(amsmath_plugin)
    md.block.ruler.at(
        "amsmath",
        _amsmath,
        {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]},
    )
    md.core.ruler.push("math", partial(_convert_all, macros=macros))
    for name in (*DISPLAY, *INLINE, REF):
        md.add_render_rule(name, _render)
