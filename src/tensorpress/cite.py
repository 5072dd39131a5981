"""Citation data for a post: a BibTeX entry and JSON-LD, from the post and the config.

Research readers cite blog posts; giving them a correct entry (and Google Scholar its
``citation_*`` tags, which the template writes) beats hoping they type it right.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tensorpress.config import SiteConfig
from tensorpress.models import Post

_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&",
                   "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}  # fmt: skip


def _tex(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in text)


def authors(post: Post, config: SiteConfig) -> tuple[str, ...]:
    """Who wrote it: the post's authors, else the site's author, else the site's title."""
    return post.authors or ((config.author,) if config.author else (config.title,))


def bibtex_key(post: Post) -> str:
    words = re.findall(r"[A-Za-z0-9]+", post.slug)
    return f"{''.join(words[:3]).lower() or 'post'}{post.date.year}"


def bibtex(post: Post, config: SiteConfig) -> str:
    """An ``@online`` entry (biblatex), which BibTeX also reads as ``@misc``."""
    names = " and ".join(
        "{" + _tex(a) + "}" if " " not in a.strip() or a == config.title else _tex(a)
        for a in authors(post, config)
    )
    url = config.base_url + post.url
    fields = [
        ("title", "{" + _tex(post.title) + "}"),
        ("author", names),
        ("year", str(post.date.year)),
        ("month", post.date.strftime("%b").lower()),
        ("url", url),
        ("howpublished", r"\url{" + url + "}"),
        ("note", _tex(config.title)),
    ]
    body = ",\n".join(
        f"  {name} = {{{value}}}" if name not in ("month",) else f"  {name} = {value}"
        for name, value in fields
    )
    return f"@online{{{bibtex_key(post)},\n{body}\n}}"


def jsonld(post: Post, config: SiteConfig) -> str:
    """``BlogPosting`` structured data; safe to put inside a ``<script>`` element."""
    url = config.base_url + post.url
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": post.date.isoformat(),
        "dateModified": (post.updated or post.date).isoformat(),
        "author": [{"@type": "Person", "name": a} for a in authors(post, config)],
        "publisher": {"@type": "Organization", "name": config.title, "url": config.base_url},
        "keywords": [t.name for t in post.topics],
        "wordCount": post.words,
        "inLanguage": config.language,
    }
    if post.image:
        data["image"] = post.image if "://" in post.image else url + post.image
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
