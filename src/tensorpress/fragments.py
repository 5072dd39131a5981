"""Pieces of a post's HTML that a later version of the post can take again: each code
block (highlighted) and each formula (as MathML), by a key of all they are made from.

An edit usually leaves most of a post's code and math as it was; the body the last
build made holds them, at offsets in its HTML, so the edited post is made without
compiling Pygments' lexers or importing latex2mathml for what did not change. A
fragment is taken only if its HTML still looks like one of its kind (bodies come from
cache files).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from tensorpress.models import Fragment, Rendered

CODE = "f"
MATH = "m"
_SHAPES = {
    CODE: ('<div class="highlight"', "</div>\n", range(1, 64)),  # language, notes
    MATH: ("<math", "</math>", range(1, 2)),  # the conversion's error, if any
}


def key(kind: str, *parts: object) -> str:
    """A fragment's key: its kind and everything its HTML is made from, digested (the
    pipeline's version is in the key of the body that holds it)."""
    text = "\0".join(map(str, parts))
    return kind + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def place(html: str, made: Iterable[tuple[str, str, tuple[str, ...]]]) -> tuple[Fragment, ...]:
    """Where each fragment made for ``html`` (key, HTML, notes) is in it; an empty one (a
    formula that could not be converted) is kept with its notes alone, one not found
    (changed after it was made, as a formula with references) is left out."""
    placed = []
    at: dict[str, int] = {}  # each kind is made in the order of the post
    for name, piece, notes in made:
        start = html.find(piece, at.get(name[:1], 0)) if piece else 0
        if start >= 0:
            placed.append((name, start, len(piece), notes))
            at[name[:1]] = start + len(piece)
    return tuple(placed)


Taken = tuple[str, tuple[str, ...]]
"""A fragment as a later version of its post takes it: HTML, notes."""


def reusable(rendered: Rendered) -> dict[str, Taken]:
    """The fragments of a rendered body by key: (HTML, notes)."""
    found = {}
    for name, start, length, notes in rendered.fragments:
        if name[:1] not in _SHAPES:
            continue
        head, tail, counts = _SHAPES[name[:1]]
        piece = rendered.html[start : start + length]
        empty = name[:1] == MATH and not piece  # a formula that could not be converted
        if (empty or (piece.startswith(head) and piece.endswith(tail))) and len(notes) in counts:
            found[name] = (piece, notes)
    return found
