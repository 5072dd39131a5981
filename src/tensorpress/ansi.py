"""Terminal colours (ANSI SGR escapes) in notebook outputs, as HTML spans.

Tracebacks and progress output carry colour codes; a reader should see the colours, not
escape sequences. Class names follow nbconvert's, so Jupyter themes' CSS applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

_ESCAPE = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
"""A control sequence (``ESC [`` parameters, intermediates, final: ``\x1b[?25l`` too), an
operating system command, or another escape."""
_SGR_PARAMS = frozenset("0123456789;:")
_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def _xterm(n: int) -> str:
    """Colour ``n`` of the xterm 256-colour palette as a class (0-15) or a hex colour."""
    if n < 16:
        return f"ansi-{_NAMES[n % 8]}" + ("-intense" if n >= 8 else "")
    if n < 232:
        n -= 16
        levels = [0 if v == 0 else 55 + 40 * v for v in (n // 36, n // 6 % 6, n % 6)]
        return "#" + "".join(f"{v:02x}" for v in levels)
    return "#" + f"{8 + 10 * (n - 232):02x}" * 3


def _sgr(style: dict[str, Any], params: str) -> None:
    """Apply one SGR sequence (``1;31``) to ``style`` (fg, bg, bold, dim, italic, underline)."""
    codes = [int(c) if c.isdigit() else 0 for c in re.split("[;:]", params)] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            style.clear()
        elif c in (1, 2, 3, 4):
            style[("bold", "dim", "italic", "underline")[c - 1]] = True
        elif c in (22, 23, 24):
            for key in {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",)}[c]:
                style.pop(key, None)
        elif 30 <= c <= 37 or 90 <= c <= 97:
            style["fg"] = _xterm(c - 30 if c < 90 else c - 82)
        elif 40 <= c <= 47 or 100 <= c <= 107:
            style["bg"] = _xterm(c - 40 if c < 100 else c - 92)
        elif c in (39, 49):
            style.pop("fg" if c == 39 else "bg", None)
        elif c in (38, 48) and i + 1 < len(codes):
            key = "fg" if c == 38 else "bg"
            if codes[i + 1] == 5 and i + 2 < len(codes):
                style[key] = _xterm(codes[i + 2] % 256)
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                style[key] = "#" + "".join(f"{min(v, 255):02x}" for v in codes[i + 2 : i + 5])
                i += 4
        i += 1


def _span(style: Mapping[str, Any]) -> str:
    classes, css = [], []
    for key in ("fg", "bg"):
        value = style.get(key)
        if value and value.startswith("#"):
            css.append(f"{'color' if key == 'fg' else 'background-color'}:{value}")
        elif value:
            classes.append(f"{value}-{key}")
    classes += [f"ansi-{k}" for k in ("bold", "dim", "italic", "underline") if style.get(k)]
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    attrs += f' style="{";".join(css)}"' if css else ""
    return f"<span{attrs}>"


def ansi_to_html(text: str) -> str:
    """Terminal text to escaped HTML: SGR colours and styles become spans (nbconvert's
    class names, ``ansi-red-fg``; 256 and true colours inline); other escapes are dropped."""
    out: list[str] = []
    style: dict[str, Any] = {}
    opened = False
    pos = 0
    for m in _ESCAPE.finditer(text):
        out.append(escape(text[pos : m.start()], quote=False))
        pos = m.end()
        if m.group(2) != "m" or not _SGR_PARAMS.issuperset(m.group(1)):
            continue
        before = dict(style)
        _sgr(style, m.group(1))
        if style == before:
            continue
        if opened:
            out.append("</span>")
        opened = bool(style)
        if opened:
            out.append(_span(style))
    out.append(escape(text[pos:], quote=False))
    if opened:
        out.append("</span>")
    return "".join(out)


def strip_ansi(text: str) -> str:
    return _ESCAPE.sub("", text)


def terminal_text(text: str) -> str:
    """What a terminal shows: a carriage return rewrites its line and a backspace takes
    back the character before it (progress bars, Keras' among them), as Jupyter shows."""
    lines = text.replace("\r\n", "\n").split("\n")
    out = []
    for line in lines:
        if "\r" in line:
            parts = line.split("\r")
            line = next((p for p in reversed(parts) if p), "")
        if "\b" in line:
            kept: list[str] = []
            for char in line:
                if char != "\b":
                    kept.append(char)
                elif kept:
                    kept.pop()
            line = "".join(kept)
        out.append(line)
    return "\n".join(out)
