"""Image dimensions from file headers, so pages can reserve space and not shift.

Reads only the few bytes each format puts its size in (PNG, GIF, JPEG, WebP, SVG): a
whole imaging library is not worth its weight for two numbers.
"""

from __future__ import annotations

import re
import struct

IMAGE_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".svg")


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _svg(data: bytes) -> tuple[int, int] | None:
    head = data[:4096].decode("utf-8", "replace")
    tag = re.search(r"<svg\b[^>]*>", head, re.S)
    if not tag:
        return None
    attrs = dict(re.findall(r'\b(width|height|viewBox)\s*=\s*["\']([^"\']*)["\']', tag.group(0)))

    width, height = _length(attrs.get("width", "")), _length(attrs.get("height", ""))
    if width and height:
        return width, height
    box = attrs.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        width, height = _length(box[2]), _length(box[3])
        if width and height:
            return width, height
    return None


_LENGTH = re.compile(r"\s*(\d{1,6}(?:\.\d*)?|\.\d+)\s*(?:px)?\s*")
"""A length in pixels as SVG writes it, of six digits at most: not "1.2.3", "1e400" or
a number too big to round ("inf"), which crashed build and check."""


def _length(value: str) -> int | None:
    m = _LENGTH.fullmatch(value)
    return round(float(m.group(1))) if m else None


def image_size(data: bytes, name: str) -> tuple[int, int] | None:
    """(width, height) in pixels, or None when the header says nothing we trust."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
            return struct.unpack("<HH", data[6:10])
        if data[:2] == b"\xff\xd8":
            return _jpeg(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                w = int.from_bytes(data[24:27], "little") + 1
                h = int.from_bytes(data[27:30], "little") + 1
                return w, h
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if name.lower().endswith(".svg"):
            return _svg(data)
    except struct.error:
        return None
    return None
