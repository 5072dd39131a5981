"""The linter's analyses of code: code an author left outside any fence (read in the
text as written, before repair), and Python blocks that do not parse or, with pyflakes,
use names no block of the post defines."""

from __future__ import annotations

import ast
import re
import textwrap
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tensorpress.findings import Finding
from tensorpress.highlight import guess_language, is_session
from tensorpress.markdown import block_tokens

PYTHON = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3", "sage"})


@dataclass(frozen=True, slots=True)
class Block:
    lang: str
    """The fence's language, or the guessed one when it has none."""
    code: str
    line: int
    """File line of the opening fence; the code starts on the next line."""
    cell: int = 0
    """The notebook cell the code is (counted from 1, as Jupyter's messages do); 0: a fence."""


# -- code the author left outside fences (the text as written, before repair) --------------

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_CODE_LINE = re.compile(
    r"""^(?:
        (?:import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*
          | from\s+[\w.]+\s+import\s+[\w*(][\w\s,()*]*)\s*;?
      | (?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->.*)?:
      | class\s+\w+\s*(?:\(.*\))?\s*:
      | @[A-Za-z_][\w.]*(?:\(.*\))?
      | for\s+[\w, ()]+\s+in\s+\S.*:
      | (?:if|elif|while)\s+.*(?:==|!=|<=|>=|\bnot\b|\bis\b|\(|\[).*:
      | with\s+.+\s+as\s+\w+\s*:
      | (?:return|raise|yield)\b.*
      | [A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\s*,\s*[A-Za-z_][\w.]*)*\s*
        (?:[-+*/%@&|^]|//|\*\*)?=\s*[^=\s].*
      | [A-Za-z_][\w.]*\(.*\)\s*;?
      | >>>\s.*
    )\s*$""",
    re.X,
)
_WORDS = re.compile(r"[A-Za-z]+")
_HTML_BITS = re.compile(r'</[A-Za-z][\w-]*\s*>|<[A-Za-z][\w-]*$|"\s*/?>|^[\w-]+="[^"]*"\s+[\w-]+=')
"""Pieces of an HTML tag that runs over lines (``href="..">text</a> <a``, ``alt="x"
width="50%">``): its attributes look like Python's assignments."""


def _looks_like_code(line: str) -> bool:
    s = line.strip()
    if not _CODE_LINE.match(s) or _HTML_BITS.search(s):
        return False
    words = _WORDS.findall(s)
    # A sentence that happens to match (``Note: x = y is ...``) has many plain words.
    return not (len(words) >= 10 and s.endswith(".") and "(" not in s)


def _raw_lines(
    lines: Sequence[str], tokens: Sequence[Token]
) -> tuple[list[bool], list[tuple[int, int | None]]]:
    """Which lines Markdown shows as prose, and every fence (open, close or None).

    The parser decides: a line is raw when a leaf block covers it (a fence, indented
    code, an HTML block, which runs to ``</script>`` or ``</pre>`` whatever blank lines
    it holds, display math); only an ``inline`` token is read as Markdown."""
    outside = [True] * len(lines)
    fences: list[tuple[int, int | None]] = []
    for token in tokens:
        if token.nesting or token.type == "inline" or not token.map:
            continue
        start, end = token.map
        for k in range(start, min(end, len(lines))):
            outside[k] = False
        if token.type == "fence":
            last = min(end, len(lines)) - 1
            c = FENCE.match(lines[last]) if last > start else None
            closed = (
                c is not None
                and c.group(2)[0] == token.markup[0]
                and len(c.group(2)) >= len(token.markup)
                and not c.group(3).strip()
            )
            fences.append((start, last if closed else None))
    return outside, fences


def stray_code(path: str, body: str, first_line: int, md: MarkdownIt) -> list[Finding]:
    """Runs of code-looking lines that ``md`` reads as prose, in the text as the author
    wrote it: what a fence that closed too early (or never opened) leaves in the prose."""
    lines = body.split("\n")
    outside, fences = _raw_lines(lines, block_tokens(md, body))
    kinds = []
    for i, line in enumerate(lines):
        if not outside[i]:
            kinds.append("x")
        elif not line.strip():
            kinds.append("blank")
        elif len(line) - len(line.lstrip(" ")) < 4 and _looks_like_code(line):
            kinds.append("code")
        elif line.lstrip().startswith("#") and len(line) - len(line.lstrip()) < 4:
            kinds.append("comment")
        elif line.startswith(("    ", "\t")):
            kinds.append("indented")
        else:
            kinds.append("x")
    # Comments and indented lines are code only next to code (a heading alone is a heading).
    for _ in range(2):
        for i, kind in enumerate(kinds):
            near = {kinds[j] for j in (i - 1, i + 1) if 0 <= j < len(kinds)}
            after_code = i > 0 and kinds[i - 1] == "code"
            if (kind == "comment" and "code" in near) or (kind == "indented" and after_code):
                kinds[i] = "code"
    closes = {close: opened for opened, close in fences if close is not None}
    out = []
    i = 0
    while i < len(lines):
        if kinds[i] != "code":
            i += 1
            continue
        start = end = i
        strong = 0
        j = i
        while j < len(lines) and kinds[j] in ("code", "blank"):
            if kinds[j] == "code":
                end = j
                strong += _looks_like_code(lines[j])
            j += 1
        i = end + 1
        if strong < 2:
            continue
        lang = guess_language("\n".join(lines[start : end + 1]))
        named = {"python": "Python", "text": ""}.get(lang, lang)
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        what = f"{named} code" if named else "code"
        span = f"lines {first_line + start}-{first_line + end} look like {what}"
        if before in closes:
            opened = closes[before]
            marker = lines[before].strip()
            message = (
                f"{span} outside any code block as written: the {marker} at line "
                f"{first_line + before} closes the block opened at line {first_line + opened} "
                "instead of opening one for them"
            )
            hint = (
                f"end the block opened at line {first_line + opened} where its code ends, "
                f"so that line {first_line + before} opens this one"
            )
        else:
            message = f"{span} outside any code block; Markdown shows them as prose"
            opener = f"```{lang} line" if named else "``` line naming their language"
            hint = f"put them between a {opener} and a ``` line"
        out.append(
            Finding(path, first_line + start, "warning", message, hint, "stray-code", str(start))
        )
    return out


# -- Python blocks ------------------------------------------------------------------------


PYTHON_CELL_MAGICS = frozenset({"capture", "time", "timeit", "prun", "debug"})
"""IPython's cell magics that run their body as Python in the notebook's namespace; the
body of any other (``%%bash``, ``%%writefile x.py``, ``%%html``) is not Python."""
_CELL_MAGIC = re.compile(r"%%(\w*)(.*)")
_CAPTURED = re.compile(r"(?:\s+--?[\w-]+)*\s+([A-Za-z_]\w*)\s*")
"""``%%capture --no-stderr out``: the variable the cell's output is kept in."""
_COMMAND = re.compile(r"\s*(?:[%!]|\?\??[\w.*]|[\w.*]+\?\??\s*$)")
"""A line IPython runs as a command: a magic, a shell escape, help (``?np.sum``, ``np.sum?``)."""
_ASSIGNED = re.compile(r"(\s*[\w.]+(?:\s*,\s*[\w.]+)*)\s*=\s*[!%]")
"""``files = !ls``, ``t = %timeit -o f()``: IPython assigns the output of a command."""


def _runnable(code: str) -> str | None:
    """The block as IPython reads it, as Python: dedented, commands (``%time``, ``!pip``,
    continued by a backslash; ``np.sum?``) made ``pass``, ``files = !ls`` an assignment;
    None when a cell magic on its first line says its body is not Python."""
    lines = textwrap.dedent(code).split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    while first < len(lines) and (magic := _CELL_MAGIC.match(lines[first])):
        if magic.group(1) not in PYTHON_CELL_MAGICS:
            return None
        if magic.group(1) == "capture" and (kept := _CAPTURED.fullmatch(magic.group(2))):
            lines[first] = f"{kept.group(1)} = None"
        first += 1  # a body may start with a cell magic of its own (%%capture, then %%time)
    out, command = [], False
    for ln in lines:
        if command:  # the line goes on a command that ended in a backslash
            out.append("")
        elif _COMMAND.match(ln):
            out.append(ln[: len(ln) - len(ln.lstrip())] + "pass")
        elif assigned := _ASSIGNED.match(ln):
            out.append(assigned.group(1) + " = None")
        else:
            out.append(ln)
            continue
        command = ln.endswith("\\")
    return "\n".join(out)


def python_problems(path: str, blocks: Sequence[Block], pyflakes: bool) -> list[Finding]:
    """Blocks that do not parse; with ``pyflakes``, names used but never defined in the
    post's Python blocks taken together, in order (posts build up their code)."""
    out = []
    sources: list[tuple[Block, str]] = []
    for block in blocks:
        runnable = block.lang in PYTHON and not is_session(block.code)
        code = _runnable(block.code) if runnable else None
        if code is None:
            continue
        try:
            ast.parse(code)
        except SyntaxError as exc:
            n = exc.lineno or 1
            if block.cell:
                where, other = f"cell {block.cell}", "make it a raw cell"
            else:
                where = f"the block that opens at line {block.line}"
                other = "give the fence another language (```text)"
            out.append(
                Finding(
                    path,
                    block.line + n,
                    "warning",
                    f"Python does not parse: {exc.msg} (line {n} of {where})",
                    f"fix the code, or {other} if it is not meant to run",
                    "python-syntax",
                    str(block.line + n),
                )
            )
            continue
        except (ValueError, RecursionError, MemoryError) as exc:
            out.append(
                Finding(path, block.line, "warning", f"Python block cannot be checked: {exc}")
            )
            continue
        sources.append((block, code))
    if pyflakes and sources:
        out.extend(_undefined_names(path, sources))
    return out


def _undefined_names(path: str, sources: Sequence[tuple[Block, str]]) -> list[Finding]:
    from pyflakes import checker, messages

    where: list[int] = []
    parts = []
    for block, code in sources:
        n = code.count("\n") + 1
        where.extend(block.line + k for k in range(1, n + 1))
        parts.append(code)
    tree = ast.parse("\n".join(parts))
    found = checker.Checker(tree, filename=path, builtins={"display", "get_ipython"})
    uses: dict[str, list[int]] = defaultdict(list)
    for msg in sorted(found.messages, key=lambda m: m.lineno):
        if isinstance(msg, messages.UndefinedName | messages.UndefinedLocal):
            uses[msg.message_args[0]].append(where[min(msg.lineno, len(where)) - 1])
    out = []
    cells = sources[0][0].cell > 0
    within = "notebook's code cells" if cells else "post's Python blocks"
    earlier = "an earlier cell" if cells else "an earlier block"
    for name, lines in uses.items():
        more = sorted(set(lines[1:]) - {lines[0]})
        also = f" (also on line{'s' if len(more) > 1 else ''} {', '.join(map(str, more))})"
        out.append(
            Finding(
                path,
                lines[0],
                "warning",
                f"name '{name}' is used but never defined or imported in this {within}"
                f"{also if more else ''}",
                f"import or define '{name}' in {earlier}",
                "undefined-name",
                name,
            )
        )
    return out
