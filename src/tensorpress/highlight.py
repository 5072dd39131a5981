"""Code fences through Pygments: lexer choice, language guessing and the stylesheet.

We replace markdown-it's ``fence`` rule rather than use its ``highlight`` hook, because
the hook's output is wrapped in a second ``<pre>``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Names authors use that Pygments does not know by that name.
ALIASES = {
    "yml": "yaml",
    "jsonc": "json",
    "pyi": "python",
    "ipynb": "python",
    "jupyter": "python",
    "shellsession": "console",
    "conf": "ini",
    "env": "bash",
    "dotenv": "bash",
    "tsx": "typescript",
    "jsx": "javascript",
    "sh-session": "console",
}
PLAIN = frozenset({"", "text", "txt", "plain", "plaintext", "output", "none", "raw"})


@dataclass(frozen=True, slots=True)
class Fence:
    """How one fence was highlighted, and what the author should hear about it."""

    html: str
    lang: str
    """Pygments' name for the language used, or ``text``."""
    note: str | None = None
    """A warning for the author, without file and line."""


def parse_info(info: str) -> tuple[str, str]:
    """``python title="x.py"`` or ``{.python}`` -> (``python``, the rest)."""
    info = info.strip()
    if not info:
        return "", ""
    m = re.match(r"\{?\s*\.?([\w+#.-]*)\s*\}?\s*(.*)$", info)
    if m is None:
        return "", info
    lang = m.group(1).lower()
    return ALIASES.get(lang, lang), m.group(2)


@lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True)
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
    r"^\s*(import \w|from [\w.]+ import |def \w+\(|class \w+[(:]|print\(|for \w+ in |"
    r"if __name__|@\w+|return\b|with \w)|\w+\s*=\s*[\w.]+\(|\bself\.|\bnp\.|\btorch\.|\btf\."
)


def guess_language(code: str) -> str:
    """Guess a fence's language from its text: cheap, ordered checks, then ``text``."""
    stripped = code.strip()
    if not stripped:
        return "text"
    lines = [ln for ln in stripped.split("\n") if ln.strip()]
    if stripped.startswith(">>>"):
        return "pycon"
    if stripped[0] in "{[":
        try:
            json.loads(stripped)
            return "json"
        except ValueError:
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
    if re.search(r"^\s*#include\s*<", stripped, re.M):
        return "cpp"
    if re.search(r"\b(const|let)\s+\w+\s*=|function\s*\w*\(|=>|console\.log", stripped):
        return "javascript"
    if re.match(r"^\s*<(!doctype|html|div|p|span|svg)\b", stripped, re.I):
        return "html"
    if re.search(
        r"^\s*(select|insert|create table|update)\b.*", stripped, re.I | re.M
    ) and re.search(r"\b(from|into|set|values)\b", stripped, re.I):
        return "sql"
    if all(re.match(r"^\s*(- |[\w.-]+:(\s|$)|#)", ln) for ln in lines):
        return "yaml"
    if parses and len(lines) > 1:
        return "python"
    return "text"


def render_fence(code: str, info: str) -> Fence:
    """One fence to HTML: ``<div class="highlight"><pre><code>`` with Pygments' classes."""
    lang, _attrs = parse_info(info)
    note = None
    if not lang:
        lang = guess_language(code)
        note = (
            f"code fence has no language; highlighted as '{lang}' (a guess): write "
            f"```{lang} to pin it"
        )
    if lang in PLAIN:
        body, lang = escape(code), "text"
    else:
        lexer = _lexer(lang)
        if lexer is None:
            note = (
                f"unknown code language '{lang}'; shown as plain text: use a Pygments "
                "name such as python, bash, yaml or json"
            )
            body, lang = escape(code), "text"
        else:
            body = pygments_highlight(code, lexer, _formatter())
            lang = lexer.aliases[0] if lexer.aliases else lang
    html = (
        f'<div class="highlight" data-lang="{lang}"><pre tabindex="0">'
        f'<code class="language-{lang}">{body}</code></pre></div>\n'
    )
    return Fence(html, lang, note)


def stylesheet(light: str, dark: str) -> str:
    """CSS for highlighted code: ``light`` by default, ``dark`` when the reader prefers it."""
    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_css = HtmlFormatter(style=dark).get_style_defs(".highlight")
    dark_scoped = "\n".join("  " + line for line in dark_css.splitlines())
    return (
        f"/* Pygments styles: {light} (light), {dark} (dark). Generated. */\n{light_css}\n"
        f"@media (prefers-color-scheme: dark) {{\n{dark_scoped}\n}}\n"
    )
