"""Code fences through Pygments: lexer choice, line wrapping, stylesheet (the info string
itself is ``fences``).

We replace markdown-it's ``fence`` rule rather than use its ``highlight`` hook, because
the hook's output is wrapped in a second ``<pre>``. Pygments does all the highlighting;
we only wrap its per-line output (its spans never cross a newline) when a block needs
line numbers, highlighted lines or diff colours.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from html import escape

import pygments
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Generic, Keyword, Operator, Text, _TokenType
from pygments.util import ClassNotFound

from tensorpress.fences import ALIASES, PLAIN, Attrs, Fence, parse_attrs, parse_info
from tensorpress.lexing import faster
from tensorpress.limits import TooSlow, cpu_limit

SESSIONS = frozenset({"pycon", "console", "doscon", "pwsh-session"})
"""Interactive sessions: a reader copies the commands, without prompts or output."""
DIAGRAMS = frozenset({"mermaid"})
"""Diagram languages kept as their source in ``<pre class="mermaid">``, the element
mermaid.js draws in place: no lexer, no warning."""
LONG_BLOCK = 30
"""Blocks longer than this fold into ``<details open>``, so a reader can close one to skip it."""
Token = tuple[_TokenType, str]


@lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    try:
        return faster(get_lexer_by_name(name, stripnl=False, ensurenl=True))
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(nowrap=True)


_SHELL = re.compile(
    r"^\s*(\$ |sudo |pip3? |conda |git |cd |ls |mkdir |export |apt(-get)? |brew |curl |wget |"
    r"python3? \S+\.py|docker |nvidia-smi|echo |cat |chmod |source |uv |npm |make\b)"
)
_PYTHON_HINT = re.compile(
    r"^\s*(import \w|from [\w.]+ import |def \w+\(|class \w+[(:]|print\(|if __name__|"
    r"for \w+(?:\s*,\s*\w+)* in .*:\s*$|with .*:\s*$|@[\w.]+(?:\(.*\))?\s*$|"
    r"return(?:\s*$|\s+[\w.]+\(|\s+\w+\s*$))|\w+\s*=\s*[\w.]+\(|\bself\.|\bnp\.|\btorch\.|\btf\."
)
"""A line only Python starts so: prose starts with "with", "for ... in" and "return"
too, so those count only as statements (a colon at the end; a lone value)."""


_BIBTEX = re.compile(
    r"@(article|book|inproceedings|incollection|misc|online|techreport|phdthesis"
    r"|mastersthesis|software|unpublished|proceedings|manual)\s*\{",
    re.I,
)
"""A BibTeX entry: the "cite this post as" block (else ``@article`` reads as a decorator)."""


def _prompt_like(lines: list[str]) -> bool:
    """``Q: What is ...?`` / ``A: ...``: the shape of YAML, but sentences for values, as
    prompts in posts about language models are written. Half the values or more."""
    values = [ln.split(":", 1)[1].strip() for ln in lines if ":" in ln]
    prose = [v for v in values if len(v.split()) >= 5 or v.endswith((".", "?", "!"))]
    return bool(values) and 2 * len(prose) >= len(values)


def is_session(code: str) -> bool:
    """Code that opens with Python's ``>>>`` prompt: an interactive session, as posts
    write it in a ``python`` fence, with its output (no Python that parses)."""
    return code.lstrip().startswith(">>>")


def guess_language(code: str) -> str:
    """Guess a fence's language from its text: cheap, ordered checks, then ``text``."""
    stripped = code.strip()
    if not stripped:
        return "text"
    lines = [ln for ln in stripped.split("\n") if ln.strip()]
    if is_session(stripped):
        return "pycon"
    if _BIBTEX.match(stripped) and stripped.endswith("}"):
        return "bibtex"
    if stripped[0] in "{[":
        try:
            json.loads(stripped)
            return "json"
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            pass
    shell = sum(bool(_SHELL.match(ln)) for ln in lines)
    python = sum(bool(_PYTHON_HINT.search(ln)) for ln in lines)
    if shell and shell >= python:
        return "console" if lines[0].startswith("$ ") else "bash"
    if python:
        return "python"
    try:
        ast.parse(stripped)
        parses = True
    except (SyntaxError, ValueError):
        parses = False
    # [ \t], not \s: \s would run across lines, and from every line of a run of blank
    # lines to its end (quadratic in a fence of them).
    if re.search(r"^[ \t]*#include[ \t]*<", stripped, re.M):
        return "cpp"
    if re.search(r"\b(const|let)\s+\w+\s*=|function\s*\w*\(|=>|console\.log", stripped):
        return "javascript"
    if re.match(r"^\s*<(!doctype|html|div|p|span|svg)\b", stripped, re.I):
        return "html"
    if re.search(
        r"^[ \t]*(select|insert|create table|update)\b.*", stripped, re.I | re.M
    ) and re.search(r"\b(from|into|set|values)\b", stripped, re.I):
        return "sql"
    if all(re.match(r"^\s*(- |[\w.-]+:(\s|$)|#)", ln) for ln in lines):
        return "text" if _prompt_like(lines) else "yaml"
    if parses and len(lines) > 1:
        return "python"
    return "text"


def _token_lines(tokens: Iterable[Token]) -> Iterator[list[Token]]:
    """Tokens regrouped by source line; a token that spans lines is cut at its newlines."""
    line: list[Token] = []
    for ttype, value in tokens:
        *ended, tail = value.split("\n")
        for piece in ended:
            line.append((ttype, piece + "\n"))
            yield line
            line = []
        if tail:
            line.append((ttype, tail))
    if line:
        yield line


_IPYTHON = re.compile(r"^[ \t]*(?:!(?!=)|%%?(?=[A-Za-z]))", re.M)
"""A line Python cannot start with: IPython's shell escape (``!pip install x``) or magic
(``%matplotlib inline``, ``%%time``), in notebooks and in code pasted from them."""


def _ipython_lines(tokens: list[Token]) -> list[Token]:
    """Python's tokens, with IPython's shell and magic lines lexed as what they are: a
    shell command after ``!``, a magic's name and its text, not Python errors."""
    out: list[Token] = []
    for line in _token_lines(tokens):
        text = "".join(value for _, value in line)
        mark = _IPYTHON.match(text)
        if mark is None:
            out.extend(line)
            continue
        head, rest = text[: mark.end()], text[mark.end() :]
        sign = head.lstrip(" \t")
        indent = head[: len(head) - len(sign)]
        out.append((Text, indent))
        if sign == "!":
            shell = _lexer("bash")
            out.append((Operator, "!"))
            out.extend(shell.get_tokens(rest) if shell is not None else [(Text, rest)])
            if not rest.endswith("\n"):  # the shell lexer ends what it lexes with one
                out[-1] = (out[-1][0], out[-1][1].removesuffix("\n"))
        else:
            name = re.match(r"\w*", rest)
            size = name.end() if name else 0
            out += [(Keyword, sign + rest[:size]), (Text, rest[size:])]
    return out


def session_commands(tokens: Iterable[Token]) -> str:
    """What a reader pastes from a session: the text after each line's prompt; lines
    without a prompt (output, tracebacks) are dropped. Uses the lexer's own prompts."""
    out = []
    for line in _token_lines(tokens):
        last = None
        for i, (ttype, value) in enumerate(line):
            if ttype in Generic.Prompt:
                last = i
            elif value.strip():
                break
        if last is None:
            continue
        text = "".join(value for _, value in line[last + 1 :])
        if not line[last][1].endswith(" ") and text.startswith(" "):
            text = text[1:]  # ``C:\>`` then `` dir``: the space belongs to the prompt
        out.append(text)
    return "".join(out).rstrip("\n")


def diff_kinds(lines: list[str]) -> list[str]:
    """Per line of a unified diff: ``add``, ``del``, ``meta`` (headers, hunks) or ``""``.

    Lines before the first ``@@`` are file headers when there is one; a hand-written
    diff without hunks is all +/- and context.
    """
    header = any(line.startswith("@@") for line in lines)
    kinds = []
    for line in lines:
        if line.startswith("@@"):
            header = False
            kinds.append("meta")
        elif header or line.startswith("\\"):
            kinds.append("meta")
        elif line.startswith(("+", "-")):
            kinds.append("add" if line[0] == "+" else "del")
        else:
            kinds.append("")
    return kinds


_MARKERS = {"+": '<span class="gi">+</span>', "-": '<span class="gd">-</span>', " ": " "}


def _diff_of(code: str, lexer: Lexer) -> str:
    """``diff-python``: the markers coloured as a diff, the code after them as Python."""
    lines = code.split("\n")[:-1] if code.endswith("\n") else code.split("\n")
    kinds = diff_kinds(lines)
    inner = [
        "" if kind == "meta" else line[1:] if line[:1] in _MARKERS else line
        for line, kind in zip(lines, kinds, strict=True)
    ]
    body = pygments.format(lexer.get_tokens("\n".join(inner) + "\n"), _formatter())
    out = []
    for line, kind, html in zip(lines, kinds, body.split("\n"), strict=False):
        if kind == "meta":
            cls = "gu" if line.startswith("@@") else "gh"
            out.append(f'<span class="{cls}">{escape(line)}</span>')
        else:
            out.append(_MARKERS.get(line[:1], "") + html)
    return "".join(line + "\n" for line in out)


def lexing_limit(code: str) -> float:
    """CPU seconds a lexer may take on ``code``: generous (Pygments lexes megabytes a
    second), and enough to stop one that backtracks on it (``limits``)."""
    return 2.0 + len(code) / 100_000


def _highlight(code: str, lang: str) -> tuple[str, str, str | None, str | None]:
    """(language used, body HTML, copy text for a session or None, note or None); the
    code as plain text if its lexer runs past ``lexing_limit``."""
    limit = lexing_limit(code)
    try:
        with cpu_limit(limit):
            return _lexed(code, lang)
    except TooSlow:
        note = (
            f"highlighting this block as '{lang}' took over {limit:.0f} s (the lexer "
            "backtracks on its text); shown as plain text: write ```text, or another "
            "language, to silence this"
        )
        return "text", escape(code), None, note


def _lexed(code: str, lang: str) -> tuple[str, str, str | None, str | None]:
    note = None
    if lang.startswith("diff-") and len(lang) > 5:
        inner = ALIASES.get(lang[5:], lang[5:])
        lexer = _lexer(inner)
        if lexer is not None:
            return f"diff-{lexer.aliases[0]}", _diff_of(code, lexer), None, None
        note = f"unknown code language '{inner}' in '{lang}'; shown as a plain diff"
        lang = "diff"
    if lang in PLAIN:
        return "text", escape(code), None, note
    lexer = _lexer(lang)
    if lexer is None:
        note = (
            f"unknown code language '{lang}'; shown as plain text: use a Pygments "
            "name such as python, bash, yaml or json"
        )
        return "text", escape(code), None, note
    if lexer.aliases[:1] == ["python"] and is_session(code):
        lexer = _lexer("pycon") or lexer
    tokens = list(lexer.get_tokens(code))
    lang = lexer.aliases[0] if lexer.aliases else lang
    if lang == "python" and _IPYTHON.search(code):
        tokens = _ipython_lines(tokens)
    copy = session_commands(tokens) if lang in SESSIONS else None
    return lang, pygments.format(tokens, _formatter()), copy, note


def _lines(lines: list[str], kinds: list[str], attrs: Attrs, numbered: bool) -> str:
    """One ``<span class="line">`` per line: the hook for numbers, highlights and diffs.
    Numbers live in ``data-n`` and are drawn by CSS, so they are never copied as code."""
    out = []
    for i, html in enumerate(lines, 1):
        cls = "line hll" if i in attrs.hl_lines else "line"
        kind = kinds[i - 1] if kinds else ""
        cls += f" diff-{kind}" if kind else ""
        number = f' data-n="{attrs.start + i - 1}"' if numbered else ""
        out.append(f'<span class="{cls}"{number}>{html}\n</span>')
    return "".join(out)


def render_fence(code: str, info: str, line_numbers: bool = False) -> Fence:
    """One fence to HTML: ``<div class="highlight"><pre><code>`` with Pygments' classes,
    plus the title, numbered, highlighted or diff lines and fold its attributes ask for.

    ``line_numbers`` is the site default: it numbers blocks of two lines or more, except
    sessions; a block's own ``linenums`` wins.
    """
    lang, rest = parse_info(info)
    attrs, attr_notes = parse_attrs(rest)
    notes = list(attr_notes)
    classes = "".join(f" {escape(c)}" for c in attrs.classes)
    if lang in DIAGRAMS:  # for a script the site adds (extra_js) to draw; readable without
        pre = f'<pre class="{lang}" tabindex="0">{escape(code)}</pre>'
        html = f'<div class="diagram{classes}" data-lang="{lang}">{pre}</div>\n'
        return Fence(html, lang, tuple(notes))
    if not lang:
        lang = guess_language(code)
        if lang != "text":  # plain text, as Markdown shows a bare fence: nothing inferred
            notes.insert(
                0,
                f"code fence has no language; highlighted as '{lang}' (a guess): write "
                f"```{lang} to pin it",
            )
    lang, body, copy, note = _highlight(code, lang)
    notes.extend([note] if note else [])
    lines = body.split("\n")
    if lines[-1] == "":
        lines.pop()
    count = len(lines)
    numbered = attrs.numbered
    if numbered is None:
        numbered = line_numbers and count > 1 and lang not in SESSIONS
    beyond = sorted(i for i in attrs.hl_lines if i > count)
    if beyond:
        notes.append(f"hl_lines names line {beyond[0]}, but the block has {count} lines")
    is_diff = lang == "diff" or lang.startswith("diff-")
    kinds = diff_kinds(code.split("\n")[:count]) if is_diff else []
    if numbered or attrs.hl_lines or kinds:
        body = _lines(lines, kinds, attrs, numbered)
    digits = f' data-digits="{len(str(attrs.start + count - 1))}"' if numbered else ""
    pre = f'<pre tabindex="0"><code class="language-{lang}"{digits}>{body}</code></pre>'
    name = f'<span class="code-name">{escape(attrs.title)}</span>' if attrs.title else ""
    fold = attrs.fold or ("open" if count > LONG_BLOCK else "off")
    if fold != "off":
        shown = " open" if fold == "open" else ""
        if fold == "closed" and not name:  # shut, the summary is all a reader sees
            name = '<span class="code-name">Code</span>'
        lines_ = f"{count} line{'' if count == 1 else 's'}"
        inner = (
            f'<details class="code-fold"{shown}><summary class="code-title">{name}'
            f'<span class="code-count">{lines_}</span></summary>{pre}</details>'
        )
    else:
        inner = f'<div class="code-title">{name}</div>{pre}' if name else pre
    data = f' data-copy="{escape(copy)}"' if copy is not None else ""
    html = f'<div class="highlight{classes}" data-lang="{lang}"{data}>{inner}</div>\n'
    return Fence(html, lang, tuple(notes))


@lru_cache(maxsize=4)
def stylesheet(light: str, dark: str) -> str:
    """CSS for highlighted code: ``light`` by default, ``dark`` when the reader prefers it."""
    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_css = HtmlFormatter(style=dark).get_style_defs(".highlight")
    dark_scoped = "\n".join("  " + line for line in dark_css.splitlines())
    return (
        f"/* Pygments styles: {light} (light), {dark} (dark). Generated. */\n{light_css}\n"
        f"@media (prefers-color-scheme: dark) {{\n{dark_scoped}\n}}\n"
    )
