"""Repairs for raw drafts (text pasted from a model or a notebook), made before parsing.

Every repair keeps the line count, so diagnostics point at the author's real lines,
and every repair is reported. Nothing the author wrote is dropped except generation
artefacts (an echoed prompt, ``[end of text]``), and those are named in a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tensorpress.compat import migrate
from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.fences import PLAIN, parse_info

_PROMPT = re.compile(
    r"^\s*(please\s+)?(write|generate|create|compose|draft|produce)\b.{0,200}?\b"
    r"(blog\s*post|article|post|tutorial|essay)\b",
    re.I,
)
_PROMPT_SUBJECT = re.compile(r"\b(?:about|on)\s+(.+?)(?:[.!?]|$)", re.I)
END_MARKER = "[end of text]"
"""What text generators leave at the end, with any case; found with string methods: a
pattern starting with ``\\s*`` and searched for is quadratic in a long run of spaces."""
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}#{1,6}(\s+\S.*)?$")
_SECTION = re.compile(r"^ {0,3}#{2,6}\s+\S")
_CODE_CHARS = re.compile(r"[=(){}\[\];<>`]|^\s*(def|class|import|from|return|print)\b")
MARKUP = frozenset({"markdown", "md", "mdx", "myst", "rst", "restructuredtext", "html", "xml",
                    "latex", "tex", "org", "asciidoc", "adoc", "jinja", "liquid"})  # fmt: skip
"""Languages whose blocks hold headings and prose on purpose: never closed early."""
MAX_QUOTES = 15
"""Blockquotes nested deeper than this are shown at this depth: markdown-it stops nesting
blocks at 20 levels and drops what is deeper, and no reader can follow 20 levels anyway."""
_QUOTES = re.compile(r"^(?: {0,3}>)+")
MAX_LISTS = 8
"""Lists nested deeper than this are shown at this depth. Each list level costs markdown-it
two of its 20 levels, and past them it drops the rest of the post, not only the list."""
_ITEM = re.compile(r"^( *)(?:[-+*]|\d{1,9}[.)])(?: |$)")


@dataclass(frozen=True, slots=True)
class Repaired:
    """The body to parse, what was inferred from it, and what the author should know."""

    text: str
    prompt_subject: str | None
    diagnostics: tuple[Diagnostic, ...]


def _is_prose(line: str) -> bool:
    """A sentence at column 0: many words, ending like a sentence, no code punctuation."""
    s = line.rstrip()
    if not s or s[0].isspace() or s.startswith("#"):
        return False
    words = s.split()
    if len(words) < 8 or s[-1] not in ".:!?" or _CODE_CHARS.search(s):
        return False
    letters = sum(c.isalpha() or c.isspace() or c in ",.'-:!?%" for c in s)
    return letters / len(s) > 0.95


def _is_title(line: str) -> bool:
    """A heading or a short title line, which belongs with the prose that follows."""
    s = line.strip()
    if _ATX.match(line) or re.fullmatch(r"=+|-+", s):
        return True
    return 0 < len(s.split()) <= 6 and not _CODE_CHARS.search(s) and not s.startswith("#")


def _close_point(lines: list[str], opened: int, trigger: int) -> int | None:
    """The blank line after the fence's last code line, walking back from ``trigger``."""
    i = trigger - 1
    while i > opened and (not lines[i].strip() or _is_title(lines[i]) or _is_prose(lines[i])):
        i -= 1
    for j in range(i + 1, trigger):
        if not lines[j].strip():
            return j
    return None


def _section_trigger(lines: list[str], start: int, end: int) -> int | None:
    """Inside lines[start:end], a section heading followed by a prose line."""
    for i in range(start, end):
        if _SECTION.match(lines[i]) or (
            i + 1 < end and re.fullmatch(r"={3,}", lines[i + 1].strip()) and lines[i].strip()
        ):
            for k in range(i + 1, min(end, i + 4)):
                if _is_prose(lines[k]):
                    return k
    return None


def _fix_setext(lines: list[str], i: int, path: str, first: int) -> list[Diagnostic]:
    """An underline below prose + a title makes the whole paragraph a heading: keep the title."""
    under = lines[i].strip()
    if i < 2 or not re.fullmatch(r"={3,}|-{3,}", under) or lines[i] != lines[i].lstrip():
        return []
    title, above = lines[i - 1], lines[i - 2]
    if not (
        _is_title(title)
        and not _ATX.match(title)
        and above.strip()
        and not _FENCE.match(above)
        and not _is_title(above)
    ):
        return []
    level = "#" if under[0] == "=" else "##"
    lines[i - 1], lines[i] = f"{level} {title.strip()}", ""
    return [
        warning(
            path,
            first + i - 1,
            f"the underline on the next line would make the whole paragraph above a "
            f"heading; made only {title.strip()!r} the heading: put a blank line "
            "before it to confirm",
        )
    ]


def _fix_fences(lines: list[str], path: str, first: int) -> list[Diagnostic]:
    """Close fences that ran past their code, in place; report unclosed fences."""
    diags: list[Diagnostic] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or (m.group(2)[0] == "`" and "`" in m.group(3)):
            diags.extend(_fix_setext(lines, i, path, first))
            i += 1
            continue
        opened, marker = i, m.group(2)
        lang, _ = parse_info(m.group(3))
        checkable = not lang or (lang not in PLAIN and lang not in MARKUP)
        close = None
        for j in range(i + 1, len(lines)):
            c = _FENCE.match(lines[j])
            if (
                c
                and c.group(2)[0] == marker[0]
                and len(c.group(2)) >= len(marker)
                and not c.group(3).strip()
            ):
                close = j
                break
        end = close if close is not None else len(lines)
        trigger = None
        if checkable:
            # A closed fence needs a heading + prose inside as evidence; an unclosed one
            # is broken anyway. Either way the code ends before the first prose line.
            section = _section_trigger(lines, opened + 1, end)
            prose = next((k for k in range(opened + 1, end) if _is_prose(lines[k])), None)
            if section is not None or close is None:
                trigger = min((t for t in (section, prose) if t is not None), default=None)
        point = _close_point(lines, opened, trigger) if trigger is not None else None
        if point is not None:
            lines[point] = m.group(1) + marker
            diags.append(
                warning(
                    path,
                    first + opened,
                    f"code fence opened here seems to end before the prose at line "
                    f"{first + trigger}; closed it at line {first + point}: put {marker} there "
                    "to confirm",
                )
            )
            i = point + 1
            continue
        if close is None:
            diags.append(
                warning(
                    path,
                    first + opened,
                    f"code fence opened here is never closed, so the rest of the file is code: "
                    f"add a closing {marker} line where the code ends",
                )
            )
            break
        i = close + 1
    return diags


def prompt_line(lines: list[str]) -> int | None:
    """Index of a prompt echoed by a text generator: the first non-blank line, if it reads
    as a request for a post (and is not a heading)."""
    idx = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if idx is not None and _PROMPT.match(lines[idx]) and not _ATX.match(lines[idx]):
        return idx
    return None


def end_marker_line(lines: list[str]) -> int | None:
    """Index of the last non-blank line when it ends with ``[end of text]``."""
    last = next((k for k in range(len(lines) - 1, -1, -1) if lines[k].strip()), None)
    return last if last is not None and _ends_with_marker(lines[last]) else None


def _ends_with_marker(line: str) -> bool:
    return line.rstrip().lower().endswith(END_MARKER)


def strip_end_marker(line: str) -> str:
    """The line without a trailing ``[end of text]`` and the spaces around it."""
    if not _ends_with_marker(line):
        return line
    return line.rstrip()[: -len(END_MARKER)].rstrip()


def repair(body: str, path: str, first_line: int, *, has_front_matter: bool) -> Repaired:
    """Strip generation artefacts and close fences that obviously ran on; report all."""
    lines = body.split("\n")
    diags: list[Diagnostic] = []
    subject = None
    idx = None if has_front_matter else prompt_line(lines)
    if idx is not None:
        found = _PROMPT_SUBJECT.search(lines[idx])
        subject = found.group(1).strip() if found else None
        diags.append(
            warning(
                path,
                first_line + idx,
                "this line looks like a prompt echoed by a text generator; it is left out "
                "of the page: delete it",
            )
        )
        lines[idx] = ""
    end = end_marker_line(lines)
    if end is not None:
        diags.append(
            warning(
                path,
                first_line + end,
                "'[end of text]' is a generation artefact; it is left out of the page: delete it",
            )
        )
        lines[end] = strip_end_marker(lines[end])
    diags.extend(_flatten_quotes(lines, path, first_line))
    diags.extend(_flatten_lists(lines, path, first_line))
    diags.extend(_fix_fences(lines, path, first_line))
    return Repaired("\n".join(lines), subject, tuple(diags))


def _flatten_lists(lines: list[str], path: str, first: int) -> list[Diagnostic]:
    """List items nested more than ``MAX_LISTS`` deep become siblings at that depth, with
    their continuation lines: every word stays on the page."""
    stack: list[int] = []  # indents of the open list items, as written
    shift, deepest, at, fence = 0, 0, None, ""
    for i, line in enumerate(lines):
        f = _FENCE.match(line)
        if f and (not fence or (f.group(2).startswith(fence) and not f.group(3).strip())):
            fence = "" if fence else f.group(2)
        if fence or not line.strip() or line.startswith("\t"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = _ITEM.match(line)
        if item:
            while stack and stack[-1] >= indent:
                stack.pop()
            stack.append(indent)
            shift = indent - stack[MAX_LISTS - 1] if len(stack) > MAX_LISTS else 0
            if shift and len(stack) > deepest:
                deepest, at = len(stack), at if at is not None else i
        elif indent == 0:
            stack, shift = [], 0  # a paragraph at the margin: the lists are over
        if shift:
            lines[i] = line[min(shift, indent) :]
    if at is None:
        return []
    return [
        warning(
            path,
            first + at,
            f"lists nested {deepest} deep; shown {MAX_LISTS} deep, the most a page can hold "
            "(deeper, Markdown would drop the rest of the post): indent less",
        )
    ]


def _flatten_quotes(lines: list[str], path: str, first: int) -> list[Diagnostic]:
    """Quotes nested more than ``MAX_QUOTES`` deep, shown at that depth (text kept)."""
    deepest, at = 0, None
    fence = ""
    for i, line in enumerate(lines):
        f = _FENCE.match(line)
        if f and (not fence or (f.group(2).startswith(fence) and not f.group(3).strip())):
            fence = "" if fence else f.group(2)
            continue
        if fence or line.count(">", 0, 4 * MAX_QUOTES + 8) <= MAX_QUOTES:
            continue
        m = _QUOTES.match(line)
        depth = m.group(0).count(">") if m else 0
        if depth > MAX_QUOTES:
            lines[i] = ">" * MAX_QUOTES + line[m.end() :]  # type: ignore[union-attr]
            if depth > deepest:
                deepest, at = depth, at if at is not None else i
    if at is None:
        return []
    return [
        warning(
            path,
            first + at,
            f"blockquotes nested {deepest} deep; shown {MAX_QUOTES} deep, the most a page "
            "can hold: use fewer '>'",
        )
    ]


def prepare(body: str, path: str, first_line: int, *, has_front_matter: bool) -> Repaired:
    """Everything done to a body before Markdown, in order: syntax of other generators made
    ours (``compat``), then draft repairs. No line moves (``compat`` may add a closing
    fence after the last)."""
    moved = migrate(body, path, first_line)
    fixed = repair(moved.text, path, first_line, has_front_matter=has_front_matter)
    return Repaired(fixed.text, fixed.prompt_subject, moved.diagnostics + fixed.diagnostics)
