"""Reading the files of a site: regular files only.

A named pipe (or a device) under ``content/``, ``static/`` or ``templates/`` would make
a plain ``open().read()`` wait forever: the build, ``check`` and ``serve`` hung on one.
It is opened without blocking and refused as what it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotAFile(OSError):
    """What is at the path is not a regular file."""


def read_regular(path: str | Path) -> tuple[bytes, float]:
    """The bytes of the regular file at ``path`` and its modification time; OSError if it
    cannot be read, ``NotAFile`` (an OSError) if it is a pipe, a device or a folder."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as f:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotAFile(0, "not a regular file (a pipe, a device or a folder)", str(path))
        return f.read(), status.st_mtime


def read_bytes(path: str | Path) -> bytes:
    """``read_regular``'s bytes."""
    return read_regular(path)[0]


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
"""Byte-order marks of the wide encodings, longest first (UTF-32 LE starts like UTF-16)."""


def text_codec(data: bytes) -> str:
    """The codec of a text file: the one its byte-order mark names (Windows PowerShell's
    ``>`` writes UTF-16), else UTF-8, with or without a mark."""
    return next((codec for bom, codec in _WIDE_BOMS if data.startswith(bom)), "utf-8-sig")
