"""The client-side search index: one compact JSON file written at build time.

Short keys keep the file small; the text of each post is capped, since the first few
thousand words are what a reader searches for and a big site must not ship megabytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from tensorpress.models import Post

INDEX_PATH = "search.json"
TEXT_LIMIT = 6000
"""Characters of prose per post in the index."""


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def search_index(posts: Iterable[Post]) -> bytes:
    """``[{t: title, u: url, d: date, k: [topics], s: summary, x: text}]`` as UTF-8 JSON."""
    entries = [
        {
            "t": post.title,
            "u": post.url,
            "d": post.date.strftime("%Y-%m-%d"),
            "k": [topic.name for topic in post.topics],
            "s": _plain(str(post.summary))[:300],
            "x": re.sub(r"\s+", " ", post.text)[:TEXT_LIMIT],
        }
        for post in posts
    ]
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
