"""The client-side search index: one compact JSON file written at build time.

Short keys keep the file small; the text of each post is capped, since the first few
thousand words are what a reader searches for and a big site must not ship megabytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from tensorpress.models import Post

INDEX_PATH = "search.json"
TEXT_LIMIT = 3000
"""Characters of prose per post in the index."""


_TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=16384)
def plain_text(html: str) -> str:
    """HTML -> its text on one line (markdown-it puts newlines between blocks, so words
    of adjacent blocks stay apart)."""
    return " ".join(_TAG.sub("", html).split())


def prose(text: str) -> str:
    """Runs of white space as one space, capped (``str.split``: several times faster
    than a regular expression over thousands of posts)."""
    head = text[: TEXT_LIMIT * 2]
    words = " ".join(head.split())
    if not words:
        return " " if head else ""
    lead = " " if head[0].isspace() else ""
    tail = " " if head[-1].isspace() else ""
    return f"{lead}{words}{tail}"[:TEXT_LIMIT]


def entry(
    title: str, url: str, date: datetime, topics: tuple[str, ...], summary: str, text: str
) -> str:
    """One post's entry, serialised once, when the post is made (and kept with its
    record): an index is then a join, however many posts there are."""
    return json.dumps(
        {
            "t": title,
            "u": url,
            "d": date.strftime("%Y-%m-%d"),
            "k": list(topics),
            "s": plain_text(summary)[:300],
            "x": prose(text),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def search_index(posts: Iterable[Post]) -> bytes:
    """``[{t: title, u: url, d: date, k: [topics], s: summary, x: text}]`` as UTF-8 JSON."""
    return ("[" + ",".join(post.search_entry for post in posts) + "]").encode("utf-8")
