"""What ``tensorpress check`` reports: findings (a diagnostic with its hint apart, and
what it is about, to report each thing once), and the build's diagnostics made findings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tensorpress.diagnostics import Diagnostic

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing ``check`` reports. A note informs and never fails a check, even strict."""

    path: str
    line: int
    severity: Severity
    message: str
    hint: str = ""
    kind: str = ""
    """What it is about (``stray-code``, ``image``...), for deduplication."""
    subject: str = ""
    """What exactly (a line, a link target): one finding per (path, kind, subject)."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        hint = f": {self.hint}" if self.hint else ""
        return f"{where}: {self.severity}: {self.message}{hint}"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
        }
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    """Sorted, each once."""
    posts: int


_VERBS = (
    "add|put|write|delete|fix|use|give|choose|check|save|rename|quote|remove|close|replace|"
    "create|move|pin|set|install|run|make|escape|wrap|paste|link|mark|end|keep|split|define"
)
_HINT = re.compile(rf"(?:: |; )(?=(?:{_VERBS})\b)")
_KINDS = (
    (re.compile(r"^code fence opened here"), "fence"),
    (re.compile(r"^code fence has no language"), "fence-language"),
    (re.compile(r"^image '(.*)' not found"), "image-missing"),
    (re.compile(r"^link to '(.*)' points to no post"), "link-post"),
)


def split_hint(message: str) -> tuple[str, str]:
    """``"x is wrong: write y"`` -> (``x is wrong``, ``write y``): the build's messages end
    with an imperative hint after a colon or a semicolon."""
    found = list(_HINT.finditer(message))
    if not found:
        return message, ""
    m = found[-1]
    return message[: m.start()], message[m.end() :]


def from_diagnostic(d: Diagnostic) -> Finding:
    message, hint = split_hint(d.message)
    for pattern, kind in _KINDS:
        m = pattern.search(d.message)
        if m:
            subject = m.group(1) if m.groups() else str(d.line)
            return Finding(d.path, d.line, d.severity, message, hint, kind, subject)
    return Finding(d.path, d.line, d.severity, message, hint)


def dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The first finding of each (path, kind, subject), or of each identical message; sorted."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for f in findings:
        key = (
            (f.path, f.kind, f.subject)
            if f.kind
            else (f.path, str(f.line), f.severity, f.message, f.hint)
        )
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(sorted(out, key=lambda f: (f.path, f.line, f.severity, f.message)))
