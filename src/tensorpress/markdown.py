"""One markdown-it parser, built once, and the render of a post body into ``Rendered``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.html_blocks import block_names
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore, block, normalize
from markdown_it.token import Token
from mdit_py_plugins.amsmath import RE_OPEN
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from tensorpress import fragments
from tensorpress.citations import citation_plugin
from tensorpress.diagnostics import warning
from tensorpress.fences import Fence, once_per_post
from tensorpress.figures import (
    add_sidenotes,
    attr_list,
    figure_name,
    figures_plugin,
    table_name,
)
from tensorpress.fragments import Taken
from tensorpress.mathml import Macros, child_lines, math_plugin
from tensorpress.models import Heading, Rendered

MORE = re.compile(r"<!--\s*(?:more|PELICAN_END_SUMMARY)\s*-->", re.I)
"""Where the summary ends: ``<!--more-->`` (Hugo, Jekyll), with spaces or capitals
(``<!-- more -->``, Hexo), or Pelican's ``<!-- PELICAN_END_SUMMARY -->``."""
ANCHOR_LABEL = 'aria-label="Link to this section"'
"""The permalink's text is a bare '#': give screen readers words for it."""


def slugify(text: str, fallback: str = "section") -> str:
    """Text -> an id or URL segment: lower case, Unicode letters kept, runs of others -> '-'
    (so never '/', '\\' or '..')."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s-]", "", text, flags=re.UNICODE)
    return re.sub(r"[\s_-]+", "-", text).strip("-") or fallback


def _fence(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Pygments in a single ``<pre>``; the fence's notes become warnings at its line (an
    unknown attribute once per post: ``once_per_post``).
    ``options["line_numbers"]`` is the site default for numbering lines."""
    token = tokens[idx]
    numbered = bool(options.get("line_numbers"))
    name = fragments.key(fragments.CODE, token.info, numbered, token.content)
    taken = env["reuse"].get(name)
    if taken is not None:
        fence = Fence(taken[0], taken[1][0], taken[1][1:])
    else:  # Pygments is imported only for a fence that is not taken from the last body
        from tensorpress.highlight import render_fence

        fence = render_fence(token.content, token.info, numbered)
    env["made"].append((name, fence.html, (fence.lang, *fence.notes)))
    if token.map:
        line = env["first"] + token.map[0]
        said = env.setdefault("said", set())
        for note in fence.notes:
            if once_per_post(note):
                if note in said:
                    continue
                said.add(note)
            env["diagnostics"].append(warning(env["path"], line, note))
    env["code_lines"] += token.content.count("\n")
    return fence.html


def _heading_attrs(state: StateCore) -> None:
    """``## Results {#sec-results .unnumbered}``: an id and classes for the heading, as
    Pandoc, Quarto, kramdown, Hugo and MkDocs' attr_list read them (``{: #id}`` too);
    other ``key=value`` pairs are dropped. Runs before the anchors, which keep an id."""
    tokens = state.tokens
    for i, token in enumerate(tokens[:-1]):
        inline = tokens[i + 1]
        if token.type != "heading_open" or not inline.children:
            continue
        last = inline.children[-1]
        text = last.content.rstrip()
        start = text.rfind("{")
        if last.type != "text" or not text.endswith("}") or start < 0:
            continue
        found = attr_list(text[start + 1 : -1])
        if found is None or not (found[0] or found[1]):
            continue  # not an attribute list: text that ends in braces
        last.content = text[:start].rstrip()
        inline.content = inline.content.rstrip()[: -(len(text) - start)].rstrip()
        if found[0]:
            token.attrSet("id", found[0])
        if found[1]:
            token.attrSet("class", " ".join(found[1]))


_BLOCK_TAG = re.compile(r"<(" + "|".join(block_names) + r")(?=[\s/>]|$)", re.I)


_HTML_TARGET = re.compile(r'\s(?:href|src)="([^"<>]*)"')
"""Links and images in raw HTML, for the link rewrite and the checks (as Markdown's)."""


def element_end(content: str) -> int | None:
    """The line of an HTML block on which the element it opens with closes, when Markdown
    follows on the next line (``</div>`` then ``**Figure 5**. ...``): kramdown, where
    such posts were written, ends the block there; CommonMark only at a blank line."""
    lines = content.rstrip("\n").split("\n")
    first = _BLOCK_TAG.match(lines[0].lstrip())
    if first is None:
        return None
    name = re.escape(first.group(1))
    tags = re.compile(rf"<{name}(?=[\s/>]|$)|(</{name}\s*>)", re.I)
    depth = 0
    for j, line in enumerate(lines[:-1]):
        depth += sum(-1 if m.group(1) else 1 for m in tags.finditer(line))
        if depth <= 0:
            after = lines[j + 1].lstrip()
            return j if after and not after.startswith("<") else None
    return None


def _environment_inside(content: str) -> int | None:
    """The line of an HTML block (of a block-level element) that opens an amsmath
    environment (``<p>`` then ``\\begin{equation}\\label{..}``): MathJax found it in the
    page's text; parsed as Markdown, it is numbered and its label known."""
    lines = content.split("\n")
    if "\\begin" not in content or not _BLOCK_TAG.match(lines[0].lstrip()):
        return None
    return next(
        (j for j in range(1, len(lines)) if re.match(f" {{0,3}}{RE_OPEN}", lines[j])), None
    )  # indented four spaces, it would be code: left to the HTML's formulas (mathml)


MARKDOWN_INSIDE = re.compile(r"""\smarkdown=(["']?)(?:1|block)\1(?=[\s/>])""", re.I)
"""kramdown's ``markdown="1"`` on an HTML element: what it holds is Markdown."""
_LONE_OPEN = re.compile(r"<[A-Za-z][\w-]*(?:\s[^<>]*)?>")
"""A line that is only an opening tag: in a ``.qmd`` post (Pandoc), what its block
element holds is Markdown, as ``markdown="1"`` says in kramdown."""


def _html_ends(state: StateCore) -> None:
    """Top-level HTML blocks end where their element does, when Markdown follows
    (``element_end``), or after their first tag when it says ``markdown="1"`` (or, in
    a ``.qmd`` post, when it is alone on its line: Pandoc reads Markdown in HTML
    blocks): the rest of the block is parsed as the Markdown it is."""
    pandoc = str(state.env.get("path", "")).endswith(".qmd")
    tokens: list[Token] = []
    pending = list(reversed(state.tokens))
    while pending:
        token = pending.pop()
        tokens.append(token)
        end = None
        if token.type == "html_block" and token.level == 0 and token.map:
            first, _, _ = token.content.partition("\n")
            inside = MARKDOWN_INSIDE.search(first) or (
                pandoc and _LONE_OPEN.fullmatch(first.strip())
            )
            if inside and _BLOCK_TAG.match(first.lstrip()):
                token.content = MARKDOWN_INSIDE.sub("", token.content, count=1)
                end = 0  # kramdown's markdown="1": what the element holds is Markdown
            else:
                end = element_end(token.content)
            formula = _environment_inside(token.content)
            if formula is not None and (end is None or formula <= end):
                end = formula - 1  # the environment and what follows: Markdown again
        if end is None:
            continue
        lines = token.content.split("\n")
        token.content = "\n".join(lines[: end + 1]) + "\n"
        start = token.map[0] + end + 1
        rest: list[Token] = []
        state.md.block.parse("\n".join(lines[end + 1 :]), state.md, state.env, rest)
        for made in rest:
            made.map = [made.map[0] + start, made.map[1] + start] if made.map else None
        token.map = [token.map[0], start]
        pending.extend(reversed(rest))
    state.tokens = tokens


def block_tokens(md: MarkdownIt, text: str) -> list[Token]:
    """The blocks of ``text`` as ``md`` reads them (its block rules and ``_html_ends``),
    without the inline parse or the math a full parse makes: cheap, for the linter to
    see what Markdown keeps raw (fences, HTML blocks to ``</script>``, math)."""
    state = StateCore(text, md, {})
    normalize(state)
    block(state)
    _html_ends(state)
    return state.tokens


def make_parser(line_numbers: bool = False, math_macros: Macros = ()) -> MarkdownIt:
    """CommonMark + GFM tables, strikethrough, task lists and alerts, with our plugins;
    math becomes MathML with the site's ``math_macros``."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.after("block", "html_ends", _html_ends)
    md.options["tasklists"] = True
    md.options["alerts"] = True
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.use(math_plugin, macros=math_macros)
    md.use(citation_plugin)
    md.use(figures_plugin)
    md.core.ruler.push("heading_attrs", _heading_attrs)  # before the anchors, added next
    md.core.ruler.push("heading_ids", _heading_ids)
    md.core.ruler.push("link_texts", _link_texts)  # once headings and figures have ids
    md.use(
        anchors_plugin,
        min_level=1,
        max_level=6,
        slug_func=slugify,
        permalink=True,
        permalinkSymbol="#",
    )
    md.options["line_numbers"] = line_numbers
    md.add_render_rule("fence", _fence)
    return md


def _heading_ids(state: StateCore) -> None:
    """The ids the anchors plugin would give, in linear time: it looks for a free
    ``slug-1``, ``slug-2``... from 1 for every heading (50,000 headings named "Results"
    did not finish in two minutes); here each slug's search starts where its last
    ended. The plugin keeps an id that is set."""
    tokens = state.tokens
    taken = {str(t.attrGet("id")) for t in tokens if t.type == "heading_open" and t.attrGet("id")}
    after: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id") or i + 1 >= len(tokens):
            continue
        children = tokens[i + 1].children or []
        base = slugify("".join(c.content for c in children if c.type in ("text", "code_inline")))
        slug, n = base, after.get(base, 1)
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        after[base] = n
        taken.add(slug)
        token.attrSet("id", slug)


def _link_texts(state: StateCore) -> None:
    """A link without text to a heading or a figure of the page, ``[](#sec-intro)`` (as
    d2lbook's ``:numref:`` is made), shows the heading's words or ``Figure 3``; to an id
    the page lacks, the id, with a warning. Runs once ids and numbers are given."""
    empty = [
        (token, k)
        for token in state.tokens
        if token.type == "inline" and token.children
        for k in range(len(token.children) - 2, -1, -1)  # last first: inserting keeps k
        if token.children[k].type == "link_open"
        and token.children[k + 1].type == "link_close"
        and str(token.children[k].attrGet("href") or "").startswith("#")
    ]
    if not empty:
        return
    tokens = state.tokens
    names: dict[str, list[Token]] = {}
    for i, token in enumerate(tokens[:-2]):
        ident = str(token.attrGet("id") or "")
        if token.type == "heading_open" and ident:
            names.setdefault(ident, [c for c in tokens[i + 1].children or () if c.type not in
                                     ("link_open", "link_close", "footnote_ref")])  # fmt: skip
        elif token.type == "figure_open" and ident:
            names.setdefault(ident, [Token("text", "", 0, content=figure_name(tokens[i + 2].meta))])
        elif token.type == "table_figure_open" and ident:
            names.setdefault(ident, [Token("text", "", 0, content=table_name(token.meta))])
    diagnostics = state.env.get("diagnostics")
    lines: dict[int, list[int]] = {}  # each inline token's children's lines, once
    for token, k in empty:
        children = token.children or []
        ident = str(children[k].attrGet("href"))[1:]
        words = names.get(ident)
        if words is None:
            words = [Token("text", "", 0, content=ident)]
            if diagnostics is not None:
                if id(token) not in lines:
                    lines[id(token)] = [n for _, n in child_lines(token, state.env["first"])]
                line = lines[id(token)][k]  # what is inserted after k moves nothing before
                diagnostics.append(
                    warning(
                        state.env["path"],
                        line,
                        f"link to #{ident} has no text, and no heading or figure of this post "
                        "has that id: give the link its words, or the heading or figure that id",
                    )
                )
        children[k + 1 : k + 1] = [w.copy() for w in words]


def _strip_links(html: str) -> str:
    """A heading's HTML without its permalink, links or citations, to nest inside a TOC
    link."""
    html = re.sub(r'(?<!\s)\s*<a class="header-anchor"[^>]*>.*?</a>', "", html)  # (?<!\s):
    # tried once per run of spaces, not once per space (quadratic in a long run)
    if "citation" in html or "<d-cite" in html:
        html = _TOC_CITATION.sub("", html)
    return re.sub(r"</?a\b[^>]*>", "", html).strip()


_TOC_CITATION = re.compile(
    r'\s*(?:<span class="citation[^"]*"[^>]*>[^<]*</span>|<d-cite\b[^>]*>(?:\s*</d-cite>)?)'
)


def _inline_text(token: Token) -> str:
    """An inline's words: a line break between them is a space (a paragraph wrapped at
    80 columns was searched and titled as one word across each line end)."""
    return "".join(
        " " if child.type in ("softbreak", "hardbreak") else child.content
        for child in (token.children or ())
        if child.type in ("text", "code_inline", "math_inline", "html_inline", "softbreak")
        or child.type == "citation"
        or child.type.startswith("math")
        or child.type == "hardbreak"
    ).strip()


def render(
    md: MarkdownIt,
    body: str,
    path: str,
    first_line: int,
    reuse: Mapping[str, Taken] | None = None,
) -> Rendered:
    """Body text -> HTML, headings, summary and plain text. Lines are file lines.

    ``reuse``: code blocks and formulas made already, by key (``fragments.reusable``)."""
    env: dict[str, Any] = {
        "diagnostics": [],
        "path": path,
        "first": first_line,
        "code_lines": 0,
        "reuse": reuse or {},
        "made": [],
    }
    tokens = md.parse(body, env)
    html = add_sidenotes(
        md.renderer.render(tokens, md.options, env).replace(
            '<a class="header-anchor" href=', f'<a class="header-anchor" {ANCHOR_LABEL} href='
        )
    )

    headings: list[Heading] = []
    prose: list[str] = []
    links: list[tuple[str, int]] = []
    first_paragraph: tuple[int, int] | None = None
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = _inline_text(tokens[i + 1])
            line = first_line + (token.map[0] if token.map else 0)
            inline = md.renderer.renderInline(tokens[i + 1].children or [], md.options, env)
            headings.append(
                Heading(
                    int(token.tag[1]),
                    str(token.attrs.get("id", "")),
                    text,
                    line,
                    _strip_links(inline),
                )
            )
        if token.type == "inline":
            prose.append(_inline_text(token))
            for child, line in child_lines(token, first_line):
                target = child.attrs.get("href") or child.attrs.get("src")
                if child.type in ("link_open", "image") and isinstance(target, str):
                    links.append((target, line))
                elif child.type == "html_inline" and "=" in child.content:
                    links.extend((m.group(1), line) for m in _HTML_TARGET.finditer(child.content))
        elif token.type == "html_block" and "=" in token.content:
            line = first_line + (token.map[0] if token.map else 0)
            links.extend(
                (m.group(1), line + token.content.count("\n", 0, m.start()))
                for m in _HTML_TARGET.finditer(token.content)
            )
        if token.type == "paragraph_open" and token.level == 0 and first_paragraph is None:
            first_paragraph = (i, i + 2)

    if (more := MORE.search(html)) is not None:
        summary = html[: more.start()]
    elif first_paragraph is not None:
        start, end = first_paragraph
        summary = md.renderer.render(tokens[start : end + 1], md.options, env)
    else:
        summary = ""
    summary = re.sub(r'<a class="header-anchor"[^>]*>#</a>', "", summary)
    text = " ".join(p for p in prose if p)
    words = len(text.split()) + env["code_lines"] // 2
    return Rendered(
        html,
        tuple(headings),
        summary,
        text,
        words,
        tuple(links),
        tuple(env["diagnostics"]),
        fragments.place(html, env["made"]),
    )
