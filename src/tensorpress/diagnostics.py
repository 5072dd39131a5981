"""Diagnostics in compiler form: ``path:line: severity: message``.

Every stage returns its diagnostics as data instead of printing or raising, so a
build can gather all of them and report them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem or inference, anchored to a file and a 1-based line (0: whole file)."""

    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, line, "error", message)


def warning(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, line, "warning", message)


class BuildError(Exception):
    """Raised to stop a build; carries every diagnostic gathered so far."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


def has_errors(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
