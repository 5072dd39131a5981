"""Repairs for raw drafts (text pasted from a model or a notebook), made before parsing.

Every repair keeps the line count, so diagnostics point at the author's real lines,
and every repair is reported. Nothing the author wrote is dropped except generation
artefacts (an echoed prompt, ``[end of text]``), and those are named in a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.highlight import PLAIN, parse_info

_PROMPT = re.compile(
    r"^\s*(please\s+)?(write|generate|create|compose|draft|produce)\b.{0,200}?\b"
    r"(blog\s*post|article|post|tutorial|essay)\b",
    re.I,
)
_PROMPT_SUBJECT = re.compile(r"\b(?:about|on)\s+(.+?)(?:[.!?]|$)", re.I)
_END_MARKER = re.compile(r"\s*\[end of text\]\s*$", re.I)
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}#{1,6}(\s+\S.*)?$")
_SECTION = re.compile(r"^ {0,3}#{2,6}\s+\S")
_CODE_CHARS = re.compile(r"[=(){}\[\];<>`]|^\s*(def|class|import|from|return|print)\b")


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
        checkable = lang not in PLAIN or not lang
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


def repair(body: str, path: str, first_line: int, *, has_front_matter: bool) -> Repaired:
    """Strip generation artefacts and close fences that obviously ran on; report all."""
    lines = body.split("\n")
    diags: list[Diagnostic] = []
    subject = None
    if not has_front_matter:
        idx = next((k for k, ln in enumerate(lines) if ln.strip()), None)
        if idx is not None and _PROMPT.match(lines[idx]) and not _ATX.match(lines[idx]):
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
    for k in range(len(lines) - 1, -1, -1):
        if not lines[k].strip():
            continue
        if _END_MARKER.search(lines[k]):
            diags.append(
                warning(
                    path,
                    first_line + k,
                    "'[end of text]' is a generation artefact; it is left out of the page: "
                    "delete it",
                )
            )
            lines[k] = _END_MARKER.sub("", lines[k])
        break
    diags.extend(_fix_fences(lines, path, first_line))
    return Repaired("\n".join(lines), subject, tuple(diags))
