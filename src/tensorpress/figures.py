"""Our markdown-it rules for figures, images, admonitions and sidenotes.

- A paragraph holding only an image with a title becomes a numbered ``<figure>``.
- Every image loads lazily; widths and heights are added later, from the files.
- ``!!! note`` admonitions (Python-Markdown's syntax, beside GitHub's ``> [!NOTE]``);
  the collapsible ``???`` form becomes ``<details>``, so it works without JavaScript.
- Footnotes are repeated as sidenotes beside their reference: CSS shows them in the
  margin on wide screens and hides them on narrow ones, where the footnotes list shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin

_LAZY = {"loading": "lazy", "decoding": "async"}
_ATTR_ITEM = re.compile(r'\s*(?:#([\w:.-]+)|\.([\w-]+)|([\w-]+)=(?:"([^"]*)"|([^\s"{}]+)))')
AttrList = tuple[str, tuple[str, ...], dict[str, str]]


def attr_list(body: str) -> AttrList | None:
    """Pandoc's attribute list without its braces (``#id .class key=value``, or
    kramdown's ``: #id``) -> (id, classes, other pairs); None if ``body`` is not one."""
    body = body.removeprefix(":")
    end, pos = len(body.rstrip()), 0
    ident, classes, pairs = "", [], {}
    while pos < end:
        m = _ATTR_ITEM.match(body, pos)
        if m is None:
            return None
        ident = m[1] or ident
        classes += [m[2]] if m[2] else []
        if m[3]:
            pairs[m[3]] = m[4] if m[4] is not None else m[5]
        pos = m.end()
    return (ident, tuple(classes), pairs) if ident or classes or pairs else None


_LINK_ATTRS = ("target", "rel", "title", "hreflang")


def _image_attrs(state: StateCore) -> None:
    """``![Loss](loss.png){#fig-loss width=80%}`` (Quarto, Pandoc, kramdown): the list
    sets the image's id, classes and size (and its ``style``), instead of showing as
    text after it; after a link (``[x](u){:target="_blank"}``) the link's id, classes,
    ``target`` and ``rel``."""
    for token in state.tokens:
        children = token.children or []
        for k in range(len(children) - 2, -1, -1):
            element, after = children[k], children[k + 1]
            if element.type not in ("image", "link_close") or after.type != "text":
                continue
            if element.type == "link_close":
                element = next(c for c in reversed(children[:k]) if c.type == "link_open")
            while after.content.startswith("{"):  # kramdown's lists may follow one another
                close = after.content.find("}")
                found = attr_list(after.content[1:close]) if close > 0 else None
                if found is None:
                    break
                _set_attrs(element, found, () if element.type == "image" else _LINK_ATTRS)
                after.content = after.content[close + 1 :]
            if not after.content:
                del children[k + 1]


def _set_attrs(element: Token, found: AttrList, names: tuple[str, ...]) -> None:
    """An attribute list on an image (its size and style) or a link (``names``)."""
    ident, classes, pairs = found
    if ident:
        element.attrSet("id", ident)
    if classes:
        element.attrSet("class", " ".join(classes))
    for name in names:
        if pairs.get(name):
            element.attrSet(name, pairs[name])
    if element.type != "image":
        return
    style = [  # a bare number is pixels, as Pandoc reads width=300 (CSS would drop it)
        f"{n}: {v}px" if re.fullmatch(r"\d+(?:\.\d+)?", v.strip()) else f"{n}: {v}"
        for n, v in pairs.items()
        if n in ("width", "height")
    ]
    style += [pairs["style"].strip().rstrip(";")] if pairs.get("style") else []
    if style:
        element.attrSet("style", "; ".join(style))
    if pairs.get("fig-alt"):
        element.content = pairs["fig-alt"]


def _figures(state: StateCore) -> None:
    """paragraph(image with a title) -> figure, numbered in document order. Quarto's
    ``{#fig-...}`` makes one too, its alt text the caption, and so does any image alone
    in a paragraph of a ``.qmd`` post (Pandoc's implicit figures); an image's id is the
    figure's, so links to it land on the figure."""
    tokens = state.tokens
    number = 0
    implicit = str(state.env.get("path", "")).endswith(".qmd")  # Pandoc's implicit figures
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i], tokens[i + 1], tokens[i + 2]
        if opening.type != "paragraph_open" or closing.type != "paragraph_close":
            continue
        children = [
            c for c in inline.children or () if not (c.type == "text" and not c.content.strip())
        ]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        ident = str(image.attrs.pop("id", ""))
        captioned = ident.startswith("fig-") or implicit
        title = image.attrs.get("title") or (image.content if captioned else "")
        if not title:
            if ident:
                image.attrSet("id", ident)
            opening.attrSet("class", "image")  # alone in its paragraph: a block, centred
            continue
        number += 1
        opening.type, opening.tag = "figure_open", "figure"
        opening.attrs = {"class": "figure", "id": ident or f"figure-{number}"}
        closing.type, closing.tag = "figure_close", "figure"
        closing.meta = {"number": number, "caption": str(title), "html": _caption(state, title)}


_TABLE_CAPTION = re.compile(r"(?:Table)?:[ \t]+(.+?)(?:[ \t]*\{#(tbl-[\w-]+)\})?[ \t]*", re.S)
"""Pandoc's table caption, a paragraph beside the table: ``: Results {#tbl-results}``
(Quarto) or ``Table: Results``."""


def _table_captions(state: StateCore) -> None:
    """A table with a caption paragraph right after it (or right before: Pandoc reads
    both) -> a numbered table figure, captioned above (``Table 2.``), with its
    ``tbl-`` id; links without text to it read ``Table 2``."""
    tokens = state.tokens
    number = 0
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type != "table_open" or token.level:
            out.append(token)
            i += 1
            continue
        end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
        after = _caption_at(tokens, end + 1)
        kept = len(out) >= 3 and all(
            a is b for a, b in zip(out[-3:], tokens[i - 3 : i], strict=True)
        )
        before = _caption_at(tokens, i - 3) if kept else None  # not the last table's
        found = after or before
        if found is None:
            out.extend(tokens[i : end + 1])
            i = end + 1
            continue
        number += 1
        caption, ident = found
        if found is before:
            del out[-3:]
        opening = Token("table_figure_open", "figure", 1)
        opening.attrs = {"class": "figure table-figure", "id": ident or f"table-{number}"}
        opening.meta = {"number": number, "caption": caption, "html": _caption(state, caption)}
        out.extend([opening, *tokens[i : end + 1], Token("table_figure_close", "figure", -1)])
        i = end + 1 + (3 if found is after else 0)
    state.tokens = out


def _caption_at(tokens: Sequence[Token], i: int) -> tuple[str, str] | None:
    """(caption, id) of a caption paragraph at ``i``, if there is one."""
    if i < 0 or i + 2 >= len(tokens) or tokens[i].type != "paragraph_open" or tokens[i].level:
        return None
    m = _TABLE_CAPTION.fullmatch(tokens[i + 1].content)
    return (m.group(1), m.group(2) or "") if m and tokens[i + 2].type == "paragraph_close" else None


def table_name(meta: dict[str, Any]) -> str:
    own = _OWN_NUMBER.match(meta["caption"])
    return own.group().rstrip(" .:)-\u2013\u2014") if own else f"Table {meta['number']}"


def _table_figure_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    token = tokens[idx]
    meta = token.meta
    number = (
        ""
        if _OWN_NUMBER.match(meta["caption"])
        else (f'<span class="figure-number">{table_name(meta)}.</span> ')
    )
    return f"<figure{self.renderAttrs(token)}><figcaption>{number}{meta['html']}</figcaption>\n"


def _caption(state: StateCore, text: str) -> str:
    """A caption's HTML: its emphasis, code and links as Markdown makes them (Hugo renders
    a figure's caption so); one with math in it stays text, its TeX as written. Raw HTML
    is text too: a tag left open in a title would swallow the page after it."""
    if "$" in text or "\\(" in text:
        return escapeHtml(text)
    return state.md.renderInline(text.replace("<", "&lt;"), {}).strip()


_OWN_NUMBER = re.compile(r"(fig(ure)?\.?|abb\.|table)\s*\d+[a-z]?\s*[.:)\-\u2013\u2014]", re.I)
"""A caption that numbers itself ("Fig. 3. ...", "Figure 2: ..."), as posts moved from
other generators do: the author's number stands, since the text refers to it."""


def figure_name(meta: dict[str, Any]) -> str:
    """What a figure is called, from its closing token's ``meta``: ``Figure 3``, or the
    number its caption gives itself (``Fig. 3``)."""
    own = _OWN_NUMBER.match(meta["caption"])
    return own.group().rstrip(" .:)-\u2013\u2014") if own else f"Figure {meta['number']}"


def _figure_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    meta = tokens[idx].meta
    caption = meta.get("html") or escapeHtml(meta["caption"])
    if _OWN_NUMBER.match(meta["caption"]):
        return f"<figcaption>{caption}</figcaption>\n</figure>\n"
    return (
        f'<figcaption><span class="figure-number">{figure_name(meta)}.</span> '
        f"{caption}</figcaption>\n</figure>\n"
    )


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    for name, value in _LAZY.items():
        token.attrs.setdefault(name, value)
    return self.image(tokens, idx, options, env)


def _collapsible(state: StateCore) -> None:
    """``??? note`` -> ``<details>``; ``???+`` starts open."""
    stack: list[bool] = []
    for token in state.tokens:
        if token.type == "admonition_open":
            collapsible = token.markup.startswith("???")
            stack.append(collapsible)
            if collapsible:
                classes = str(token.attrs.get("class", "")).split()
                keep = [c for c in classes if not c.startswith(("is-collapsible", "collapsible"))]
                token.tag = "details"
                token.attrs = {"class": " ".join(keep)}
                if token.markup.startswith("???+"):
                    token.attrs["open"] = ""
        elif (
            token.type in ("admonition_title_open", "admonition_title_close")
            and stack
            and stack[-1]
        ):
            token.tag = "summary"
        elif token.type == "admonition_close" and stack and stack.pop():
            token.tag = "details"


SIDENOTE, SIDENOTE_END = '<span class="sidenote" role="note">', "<!--/sidenote-->"
"""A sidenote's first tag, and the mark where it ends: for whoever must take sidenotes
out again (feeds)."""
_FOOTNOTE_ITEM = re.compile(r'<li id="fn(\d+)" class="footnote-item">|</li>')
_BACKREF = re.compile(r'(?<!\s)\s*<a href="#fnref[\d:]+" class="footnote-backref">[^<]*</a>')
"""Tried once per run of spaces (the lookbehind), not once per space: linear in a long run."""
_REF = re.compile(
    r'(<sup class="footnote-ref"><a href="#fn(\d+)" id="fnref\d+(?::\d+)?">'
    r"\[\d+\]</a></sup>)"
)
_BLOCK = re.compile(r"<(?!/?(p|em|strong|code|a|span|sub|sup|math|m\w+|br|del|s|img)\b)\w")


def _footnote_items(html: str) -> list[tuple[str, str]]:
    """Each footnote's number and HTML, to the first ``</li>`` after its tag: one pass
    (a pattern searching for the end from each tag takes time quadratic in a page of
    such tags written as raw HTML, and none closed)."""
    items = []
    number, start = None, 0
    for m in _FOOTNOTE_ITEM.finditer(html):
        if m.group(1) is not None:
            if number is None:
                number, start = m.group(1), m.end()
        elif number is not None:
            items.append((number, html[start : m.start()]))
            number = None
    return items


def add_sidenotes(html: str) -> str:
    """Repeat each footnote as a sidenote after its first reference.

    Only footnotes of phrasing content qualify (paragraphs, emphasis, code, math); if one
    holds a list or a code block, the page keeps plain footnotes on every screen.
    """
    notes = {}
    for number, body in _footnote_items(html):
        body = _BACKREF.sub("", body).strip()
        inner = re.sub(r"</p>\s*<p>", "<br>", body)
        inner = re.sub(r"^<p>|</p>$", "", inner.strip())
        if _BLOCK.search(inner):
            return html
        notes[number] = inner
    if not notes:
        return html
    seen: set[str] = set()

    def place(m: re.Match) -> str:
        number = m.group(2)
        if number in seen or number not in notes:
            return m.group(1)
        seen.add(number)
        return (
            f"{m.group(1)}{SIDENOTE}"
            f'<span class="sidenote-number">{number}</span> {notes[number]}</span>' + SIDENOTE_END
        )

    html = _REF.sub(place, html)
    return html.replace(
        '<section class="footnotes">', '<section class="footnotes has-sidenotes">', 1
    )


def figures_plugin(md: MarkdownIt) -> None:
    """Register figures, lazy images and admonitions on ``md``."""
    md.use(admon_plugin)
    md.core.ruler.push("image_attrs", _image_attrs)
    md.core.ruler.push("figures", _figures)
    md.core.ruler.push("table_captions", _table_captions)
    md.core.ruler.push("collapsible_admonitions", _collapsible)
    md.add_render_rule("figure_close", _figure_close)
    md.add_render_rule("table_figure_open", _table_figure_open)
    md.add_render_rule("table_figure_close", lambda *_: "</figure>\n")
    md.add_render_rule("image", _image)
