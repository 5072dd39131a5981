"""Posts moved from Jekyll, al-folio, Hugo, Pelican, Quarto, Jupyter Book (MyST) and
MkDocs, made to build as they are.

Applied to a post's body before draft repair and Markdown, one line at a time, and never
adding or removing a line (but a closing fence after the last), so every diagnostic still
points at the author's line:

- an indented code block that opens with CodeHilite's ``:::python`` or ``#!python``
  (Pelican) becomes a fenced block, its marker line the opening fence;
- ``{% highlight python linenos %}`` ... ``{% endhighlight %}`` (Jekyll) and
  ``{{< highlight python "linenos=table" >}}`` ... ``{{< /highlight >}}`` (Hugo) become
  fenced blocks, with their line-number and marked-line options;
- a Hugo shortcode whose arguments run on to later lines is joined onto its first line
  (the lines it took left blank), so the conversions below read it as one;
- ``{{< figure src=.. caption=.. >}}`` (Hugo) and ``{% include figure.liquid path=.. %}``
  (al-folio) on a line of their own become a Markdown image whose title is the caption:
  our numbered figure;
- ``$$x$$`` with prose beside it on its line (kramdown's inline math) becomes ``\\(x\\)``,
  so it is set inline instead of as a display block in the middle of a sentence;
- ``\\\\(x\\\\)`` and ``\\\\[`` ... ``\\\\]`` (kramdown's doubled backslashes) become
  ``\\(x\\)`` and ``\\[`` ... ``\\]``, their TeX unescaped as Markdown would have;
- in a notebook's Markdown (``jupyter``), read as Jupyter reads it: ``\\\\(`` and
  ``\\\\[`` are math with their TeX as written, and a single ``\\(`` or ``\\[`` is
  Markdown's escaped bracket;
- the block syntax of MyST, Quarto and MkDocs (directives, callouts, chunk options,
  content tabs) and MyST's roles become ours (``directives``);
- d2lbook's labels, references and tabs (``:label:``, ``:numref:``, ``:begin_tab:``)
  become ours (``d2l``);
- Jekyll's links (``{% post_url name %}``, ``{{ site.baseurl }}``, ``| relative_url``)
  become the links they stand for; kramdown's attribute lines (``{: .center}``) become
  blank lines, and its ``* TOC`` / ``{:toc}`` pair goes (every page has its contents);
- Liquid tags and expressions and Hugo/Quarto shortcodes we do not support stay in the
  page as the author wrote them (a ``{{<`` before a tag name is escaped so the browser
  shows it instead of reading a tag), each with a warning naming its line.

Nothing else is evaluated: ``{{``, ``{%`` and ``{#`` are text to tensorpress. Code
(fenced, indented, inline) and raw HTML blocks are left exactly as written.
"""

from __future__ import annotations

import html
import posixpath
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.rules_block.html_block import HTML_SEQUENCES
from mdit_py_plugins.amsmath import RE_OPEN

from tensorpress import d2l, directives
from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.directives import FENCE
from tensorpress.markdown import MARKDOWN_INSIDE, element_end

_SPECIAL = re.compile(r"[{$\\`~<]|:::|===|:end_tab:|\)=")
"""What any conversion below starts from; a line without it (and not indented) is prose."""
_RAW_HTML = re.compile(r"^ {0,3}<(script|pre|style|textarea)(?=[\s>]|$)", re.I)
_LONE_VOID = re.compile(r" {0,3}<(?:br|img|wbr)\b[^<>]*>\s*")
"""``<br/>`` on a line of its own: CommonMark takes it and the lines after it for raw HTML;
kramdown (and the author) for the start of a paragraph."""
_SPAN_IAL = re.compile(r"(?<=[*_`])\{:\s*(?:[.#][\w-]|[\w-]+=)[^{}]*\}")
_DISTILL_NOTE = re.compile(r"<d-footnote>(.*?)</d-footnote>")
"""Distill's footnote (al-folio's distill posts): Pandoc's inline note, ``^[...]``."""
_DISTILL_MATH = re.compile(r"<d-math(\s+block)?\s*>(.*?)</d-math>")
"""Distill's math tag: ``$...$``, or ``$$...$$`` with ``block``."""
_CODE_ATTRS = re.compile(r"\{[.#][\w-]+(?:\s+[^{}\n]*)?\}")
"""Pandoc's attributes on a code span (```code`{.python}``): the span shows without them."""


def _without_code_attrs(line: str) -> str:
    out, last = [], 0
    for _, end in code_spans(line):
        if (m := _CODE_ATTRS.match(line, end)) is not None:
            out.append(line[last:end])
            last = m.end()
    return "".join(out) + line[last:]


_BRACKETED_SPAN = re.compile(r"\[([^\[\]\n]+)\]\{\.([\w-]+)[^{}\n]*\}")
"""Pandoc's bracketed span (``[text]{.mark}``, ``{.underline}``): a span of that class."""
"""kramdown's attributes on an emphasis or code span (``**x**{:.red}``); those after an
image or a link are applied to it when the post is parsed (``figures``)."""
_CONTAINER = re.compile(r"\s*(?:(?:[-*+]|\d{1,9}[.)])\s+|>\s?)*")
"""The list markers and quote marks a line's block starts after (``- $$`` opens math)."""
_SELF_CLOSED = re.compile(
    r"^( {0,3})<((?!(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b)"
    r"[A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*?)?)\s*/>\s*$"
)
"""``<a name="x" />`` alone on a line: HTML reads it as an open tag (only void elements
close themselves) and CommonMark as a block of raw HTML that swallows the lines after it
(kramdown, where it was written, as the start of a paragraph)."""
_OPEN_ANCHOR = re.compile(r"^( {0,3})<(a)(\s[^<>]*?\b(?:name|id)\s*=[^<>]*?)\s*>\s*$", re.I)
"""``<a name="x">`` alone on a line, never closed: the same, for the same authors."""
_JEKYLL_OPEN = re.compile(r"( *)\{%-?\s*highlight\s+([\w+#.-]+)(.*?)-?%\}")
_JEKYLL_CLOSE = re.compile(r"^ *\{%-?\s*endhighlight\s*-?%\}\s*$")
_HUGO_OPEN = re.compile(r"( *)\{\{<\s*highlight\s+([\w+#.-]+)(.*?)>\}\}")
_HUGO_CLOSE = re.compile(r"^ *\{\{<\s*/\s*highlight\s*>\}\}\s*$")
"""Liquid and Hugo read their tags at any depth; Markdown, a fence at most three spaces in."""
_LIQUID_TAG = re.compile(r"(?<!\{)\{%-?\s*(\w+)([^%]*?)-?%\}(?!\})")
_LIQUID_VAR = re.compile(
    r"\{\{-?\s+([A-Za-z_][\w.]*(?:\[[^\]{}]*\])*(?:\s*\|[^{}]*?)?)(?<!\s)\s+-?\}\}"
)  # (?<!\s): the closing spaces are tried once per run of spaces, not once per space
_SHORTCODE = re.compile(r"\{\{(<|%)\s*(?:(/)\s*)?([\w./-]+)([^{}]*?)(?:>|%)\}\}")
_SHORTCODE_OPEN = re.compile(r"\{\{([<%])\s*/?\s*[\w./-]+(?=\s|$)")
"""A shortcode's opening, name and all: its arguments may run on to later lines (Hugo)."""
_SHORTCODE_RUN = 20
"""Lines a shortcode's arguments may run on to: ``{{< figure`` then ``src=..`` lines."""
_RAW_TAG = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_BLOCK_IAL = re.compile(r" {0,3}\{:([^{}]*)\}\s*")
"""kramdown's attribute line (``{: .center}``, ``{:toc}``): styling for the old theme."""
_TOC_SHORTCODE = re.compile(r" {0,3}\{\{[<%]\s*toc\b[^{}]*[>%]\}\}\s*")
_TOC_ITEM = re.compile(r" {0,3}(?:[*+-]|1\.)\s+TOC\s*")
_HUGO_REF = re.compile(
    r"""\{\{[<%]\s*(?:rel)?ref\s+(?:"([^"]*)"|'([^']*)'|([^\s"'<>%{}]+))\s*[>%]\}\}"""
)
"""Hugo's link to another page, ``{{< ref "/posts/transformers/index" >}}``: its file."""
_FOOTNOTE = re.compile(
    r"\{%-?\s*fn\s+(\w+)\s*-?%\}"
    r"|\{\{-?\s*(['\"])(.*?)\2\s*\|\s*fndetail:\s*(\w+)\s*-?\}\}"
)
"""fastpages' footnotes: ``{% fn 1 %}`` is ``[^1]``, ``{{ 'Text.' | fndetail: 1 }}`` its
``[^1]: Text.``."""
_JEKYLL_LINK = re.compile(
    r"\{%-?\s*post_url\s+/?([^\s%{}]+)\s*-?%\}"
    r"|\{\{-?\s*site\.(?:base)?url\s*-?\}\}"
    r"|\{\{-?\s*(['\"])([^'\"{}]*)\2\s*\|\s*(?:relative_url|absolute_url"
    r"|prepend:\s*site\.(?:base)?url)\s*-?\}\}"
)
"""Jekyll's ways to write a link: ``{% post_url name %}`` is the post ``name`` (a link to
its file, which the build resolves), ``{{ site.baseurl }}`` the site's root, and
``{{ 'a.png' | relative_url }}`` the path from the root. Their meaning needs no
evaluation."""
_INLINE_KATEX = re.compile(
    r"\{\{[<%]\s*katex\s*[>%]\}\}((?:(?!\{\{[<%]\s*/?\s*katex)[^\n])+)"
    r"\{\{[<%]\s*/\s*katex\s*[>%]\}\}"
)
"""hugo-book's inline math, ``{{< katex >}}x^2{{< /katex >}}``: ``\\(x^2\\)``. What it holds
stops at the next katex tag: a line of openers never closed is read in linear time."""
_TAG_AFTER = re.compile(r"\{\{<(?=[A-Za-z/!?])")
_DOUBLED = re.compile(r"\\\\([()\[\]])")
"""``\\\\(x\\\\)``: kramdown posts double the backslash, since Markdown would eat one
before MathJax saw it."""
_DOUBLED_BLOCK = re.compile(r"( {0,3})\\\\(\[|\])\s*")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
"""Markdown's backslash escapes: what kramdown did to the TeX of such a formula (four
backslashes were a line break, two and a brace a brace) before MathJax read it."""
_SINGLE = re.compile(r"(?<!\\)\\([()\[\]])")
_BRACKETS = {"(": "&#40;", ")": "&#41;", "[": "&#91;", "]": "&#93;"}
"""``\\[`` in a notebook: Jupyter takes math out of a cell before Markdown reads it, but
only ``$``, ``$$``, ``\\\\[``, ``\\\\(`` and environments; Markdown then reads ``\\[`` as an
escaped ``[``, and MathJax never sees a backslash. Written as the character's reference,
it stays a bracket (and starts no link) wherever our parser would read math."""
_HUGO_FIGURE = re.compile(r"( {0,3})\{\{([<%])\s*figure\s(.*?)[>%]\}\}")
_IMAGE_SHORTCODE = re.compile(r"( {0,3})\{\{([<%])\s*(?!figure\s)[\w-]+\s(.*?)[>%]\}\}")
"""A site's own image shortcode (``{{< lightbox src=.. >}}``, ``{{< media src=.. >}}``): a
figure when its ``src`` is an image."""
_IMAGE_FILE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif)$", re.I)
_ALFOLIO_FIGURE = re.compile(r"( {0,3})\{%-?\s*include\s+(figure)\.(?:liquid|html)\s(.*?)-?%\}")
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|\'([^\']*)\'|([^\s"\'`]+))')


def _params(text: str) -> dict[str, str]:
    """A shortcode's or include's named arguments (``src="a.png" caption='x'``), by
    lower-case name; Hugo's ``"..."`` takes backslash escapes, ``'...'`` and `` `...` ``
    do not."""
    out = {}
    for param in _PARAM.finditer(text):
        quoted = param.group(2)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else None
        out[param.group(1).lower()] = next(
            v for v in (value, *param.group(3, 4, 5)) if v is not None
        )
    return out


_QUARTO = frozenset({"video", "embed", "meta", "var", "env", "pagebreak", "kbd", "lipsum",
                     "placeholder", "contents", "version", "include"})  # fmt: skip
_UNCLOSED_HIGHLIGHT = (
    "highlight tag without its closing tag on a line of its own; shown as written: put "
    "{% highlight lang %} and {% endhighlight %} (Hugo: {{< highlight lang >}} and "
    "{{< /highlight >}}) on lines of their own, indented at most three spaces"
)
_TAG_HINTS = {
    "include": "paste what it includes, or use Markdown: ![alt](image.png) for a figure",
    "post_url": "link to the post's file instead, as [text](2024-01-05-name.md)",
    "link": "link to the file instead, as [text](other-post.md)",
    "comment": "use an HTML comment <!-- ... --> instead",
}
_SHORTCODE_HINTS = {
    "figure": 'put it on a line of its own to make a figure, or write ![alt](a.png "caption")',
    "youtube": "paste the <iframe> embed code instead",
    "vimeo": "paste the <iframe> embed code instead",
    "video": 'write <video src="clip.mp4" controls></video> or paste an <iframe> instead',
    "gist": "paste the code into a fenced block instead",
    "notice": "write a blockquote or an HTML <aside> instead",
    "include": "paste the file's text here",
}


@dataclass(frozen=True, slots=True)
class Migrated:
    """A body with other generators' syntax made ours, and what the author should know."""

    text: str
    diagnostics: tuple[Diagnostic, ...]


def _fence_for(lines: list[str]) -> str:
    """A backtick fence longer than any fence-like run inside the block it wraps."""
    longest = max((len(m.group(2)) for ln in lines if (m := FENCE.match(ln))), default=0)
    return "`" * max(3, longest + 1)


def _options(kind: str, rest: str) -> str:
    """Jekyll ``linenos mark_lines="1 2"`` or Hugo ``"linenos=table,hl_lines=2 4-5"``
    -> our info-string attributes."""
    attrs = []
    text = rest.strip().strip("\"'")
    if kind == "jekyll":
        if re.search(r"(?<![\w-])linenos(?![\w=-])", text):
            attrs.append('linenums="1"')
        marked = re.search(r"mark_lines\s*=\s*\"([^\"]*)\"", rest)
        if marked:
            attrs.append(f'hl_lines="{marked.group(1).strip()}"')
        return " ".join(attrs)
    opts = dict(re.findall(r"(\w+)\s*=\s*([^,]*)", text))
    start = opts.get("linenostart", "").strip()
    numbers = opts.get("linenos", "").strip().lower()
    if numbers in ("table", "inline", "true") or start:
        attrs.append(f'linenums="{start if start.isdecimal() else 1}"')
    if opts.get("hl_lines", "").strip():
        attrs.append(f'hl_lines="{opts["hl_lines"].strip()}"')
    return " ".join(attrs)


def _next_closers(lines: list[str], closer: re.Pattern[str]) -> dict[int, int]:
    """For each line that could open a block, the next line ``closer`` matches: one pass
    (a scan per opener would be quadratic in a file of unclosed openers)."""
    found: dict[int, int] = {}
    after = None
    for j in range(len(lines) - 1, -1, -1):
        if after is not None and "{" in lines[j]:
            found[j] = after
        if closer.match(lines[j]):
            after = j
    return found


def _highlight_block(
    lines: list[str], i: int, closers: dict[str, dict[int, int]], deep: bool = False
) -> tuple[int, str, str] | None:
    """(closing line, new opener, new closer) when ``lines[i]`` opens a highlight block;
    ``closers``: ``_next_closers`` for Jekyll's and Hugo's closing tags. ``deep``: an
    opener indented four spaces or more counts (in raw HTML, indented as the HTML is): the
    fence goes to the margin, and the code loses as much indentation as its opener has."""
    for kind, opener in (("jekyll", _JEKYLL_OPEN), ("hugo", _HUGO_OPEN)):
        m = opener.fullmatch(lines[i].rstrip())
        if m is None or (len(m.group(1)) > 3 and not deep):
            continue
        end = closers[kind].get(i)
        if end is None:
            return None
        indent = m.group(1)
        if len(indent) > 3:
            lines[i + 1 : end] = [
                ln[min(len(indent), len(ln) - len(ln.lstrip(" "))) :] for ln in lines[i + 1 : end]
            ]
            indent = ""
        fence = _fence_for(lines[i + 1 : end])
        info = " ".join(p for p in (m.group(2).lower(), _options(kind, m.group(3))) if p)
        return end, f"{indent}{fence}{info}", f"{indent}{fence}"
    return None


def _highlight_in_html(
    lines: list[str], first: int, i: int, closers: dict[str, dict[int, int]]
) -> int | None:
    """A highlight block at ``i`` inside the block of raw HTML that starts at ``first``
    (al-folio's ``<details>``, ``<summary>``, then the code): Jekyll and Hugo make it a
    code block before Markdown reads the page, wherever it is. Made a fenced block, and
    each HTML line before it a block of its own (an empty comment in front ends a block of
    raw HTML on its line), so that the HTML ends where the code starts; in an element
    marked ``markdown="1"`` only the lines that start HTML (the rest are Markdown). Code
    blocks right after it are made too, and the HTML that follows put at the margin (it
    may be indented as deep as it likes in HTML, not in Markdown). The last code block's
    closing line; None when it is no whole block or a tag runs on from one line to the
    next."""
    if any(ln.rfind("<") > ln.rfind(">") for ln in lines[first:i]):
        return None
    block = _highlight_block(lines, i, closers, deep=True)
    if block is None:
        return None
    end, lines[i], lines[end] = block
    markdown = MARKDOWN_INSIDE.search(lines[first]) is not None  # kramdown's markdown="1":
    lines[first] = MARKDOWN_INSIDE.sub("", lines[first], count=1)  # the rest is Markdown
    for k in range(first, i):
        if not markdown or k == first or _html_block(lines[k], True) is not None:
            lines[k] = f"<!---->{lines[k]}"
    while end + 1 < len(lines):  # still in the HTML: more code, or the HTML goes on
        if (block := _highlight_block(lines, end + 1, closers, deep=True)) is not None:
            lines[end + 1], lines[block[0]] = block[1:]
            end = block[0]
            continue
        if lines[end + 1][:1] in (" ", "\t") and lines[end + 1].strip():
            lines[end + 1] = lines[end + 1].lstrip()  # at the margin: HTML, not indented code
        break
    return end


@dataclass(frozen=True, slots=True)
class _Figure:
    """What a Hugo or al-folio figure line says."""

    indent: str
    src: str
    caption: str
    alt: str
    note: str | None
    """When a ``link`` is dropped: what to tell the author."""


def _figure_of(line: str) -> _Figure | None:
    """A line that is only Hugo's ``{{< figure src=.. caption=.. >}}`` (or a site's own
    shortcode whose ``src`` is an image) or al-folio's ``{% include figure.liquid path=..
    caption=.. %}``; None for any other line.
    ``width``, ``class`` and the like are the theme's business and go; ``title`` serves
    as the caption when there is none. al-folio's ``path`` is from the site's root."""
    bare = line.rstrip()  # the patterns have no trailing \s*: linear on any line
    m = (_HUGO_FIGURE.fullmatch(bare) or _ALFOLIO_FIGURE.fullmatch(bare)) if "{" in bare else None
    own = m is None and "src" in bare and (m := _IMAGE_SHORTCODE.fullmatch(bare)) is not None
    if m is None:
        return None
    liquid = m.group(2) == "figure"
    params = _params(m.group(3))
    src = params.get("path" if liquid else "src", "").strip()
    if not src or (own and not _IMAGE_FILE.search(src.split("?")[0])):
        return None
    if liquid and not re.match(r"[a-z][\w+.-]*:|/", src):
        src = f"/{src}"
    caption = (params.get("caption") or params.get("title") or "").strip()
    alt = params.get("alt") or directives.plain(caption)
    link = params.get("link")
    origin = "al-folio" if liquid else "Hugo"
    note = f"{origin} figure read as an image; its link to {link} is not kept" if link else None
    return _Figure(m.group(1), src, caption, alt, note)


def _figure(line: str) -> tuple[str, str | None] | None:
    """A figure line (``_figure_of``) as a Markdown image with the caption as its title
    (our figure), and a note when a ``link`` is dropped."""
    found = _figure_of(line)
    if found is None:
        return None
    return found.indent + directives.image_line(found.alt, found.src, found.caption), found.note


def _html_figure(line: str) -> str | None:
    """A figure line inside raw HTML (al-folio's rows of figures in ``<div>``s), where no
    Markdown is read: the ``<figure>`` it stands for, in HTML."""
    text = line.lstrip()
    found = _figure_of(text)  # indented as deep as the HTML it is in
    if found is None:
        return None
    src, alt = html.escape(found.src), html.escape(found.alt)
    caption = f"<figcaption>{html.escape(found.caption)}</figcaption>" if found.caption else ""
    image = f'<img src="{src}" alt="{alt}" loading="lazy" decoding="async">'
    return f'{line[: len(line) - len(text)]}<figure class="figure">{image}{caption}</figure>'


_VIDEO_LINE = re.compile(
    r"( {0,3})(?:\{\{([<%])\s*(video|youtube|vimeo)\s(.*?)[>%]\}\}"
    r"|\{%-?\s*include\s+[\w-]*youtube[\w-]*\.html\s(.*?)-?%\})",
    re.I,
)
"""A video on a line of its own: Quarto's ``{{< video URL >}}``, Hugo's ``{{< youtube ID >}}``
and ``{{< vimeo ID >}}``, and the YouTube include of Jekyll themes
(``{% include youtubePlayer.html id="ID" %}``)."""
_GIST = re.compile(
    r"""( {0,3})\{\{[<%]\s*gist\s+([\w-]+)\s+(\w+)(?:\s+["']?([\w.-]+)["']?)?\s*[>%]\}\}"""
)
"""Hugo's ``{{< gist user id [file] >}}`` on a line of its own: GitHub's embed, as Hugo
makes it."""
_YOUTUBE = re.compile(
    r"https?://(?:www\.|m\.)?(?:youtu\.be/|youtube(?:-nocookie)?\.com/(?:embed/|shorts/|live/"
    r"|watch\?(?:[^#\s]*&)?v=))([\w-]{6,})",
    re.I,
)
_VIMEO = re.compile(r"https?://(?:www\.|player\.)?vimeo\.com/(?:video/)?(\d+)", re.I)
_VIDEO_FILE = re.compile(r"\.(?:mp4|webm|ogv|ogg|mov|m4v)(?:[?#].*)?$", re.I)


_TWEET_LINE = re.compile(
    r"( {0,3})(?:\{%-?\s*twitter\s+(\S+)[^%]*?-?%\}|\{\{[<%]\s*(?:tweet|x)\s+(.*?)[>%]\}\})",
    re.I,
)
"""A post on X (Twitter) on a line of its own: al-folio's ``{% twitter URL %}``, Hugo's
``{{< tweet user="x" id="1" >}}`` (or ``{{< x ... >}}``, ``{{< tweet 1 >}}``)."""


def _tweet(line: str) -> str | None:
    """A tweet line as a quoted link to the post: embedding it would load X's script
    into the page (the site loads nothing from elsewhere)."""
    bare = line.rstrip()
    m = _TWEET_LINE.fullmatch(bare) if "{" in bare else None
    if m is None:
        return None
    url = m.group(2) or ""
    if m.group(3) is not None:
        params = _params(m.group(3))
        ident = params.get("id") or m.group(3).strip().strip("\"'")
        user = params.get("user", "")
        url = f"https://x.com/{user or 'i/web'}/status/{ident}"
    if not re.fullmatch(r"https?://[^\s\"<>]+", url):
        return None
    who = re.search(r"(?:twitter|x)\.com/(\w+)/status", url)
    by = f" by @{who.group(1)}" if who and who.group(1) not in ("i",) else ""
    link = f'<a href="{html.escape(url)}">A post on X{by}</a>'
    return f'{m.group(1)}<blockquote class="tweet"><p>{link}</p></blockquote>'


def _video(line: str) -> str | None:
    """A video line (``_VIDEO_LINE``) as the player its generator made, in HTML: YouTube's
    or Vimeo's ``<iframe>``, a ``<video>`` for a file; None for any other line."""
    bare = line.rstrip()  # no trailing \s* in the pattern: linear on any line
    m = _VIDEO_LINE.fullmatch(bare) if "{" in bare else None
    if m is None:
        return None
    kind = (m.group(3) or "youtube").lower()
    args = m.group(4) if m.group(3) else m.group(5)
    first, _, rest = args.strip().partition(" ")  # the URL or id, unless named
    positional = "" if re.match(r"\w+\s*=", first) else first.strip("\"'")
    params = _params(rest if positional else args)
    given = (positional or params.get("src") or params.get("id") or "").strip()
    if not given:
        return None
    if kind == "youtube" and not given.startswith("http"):
        given = f"https://www.youtube.com/embed/{given}"
    elif kind == "vimeo" and not given.startswith("http"):
        given = f"https://player.vimeo.com/video/{given}"
    title = html.escape(params.get("title") or "Video")
    if (found := _YOUTUBE.match(given)) is not None:
        start = params.get("start", "")
        at = f"?start={start}" if start.isdecimal() else ""
        src = f"https://www.youtube.com/embed/{found.group(1)}{at}"
    elif (found := _VIMEO.match(given)) is not None:
        src = f"https://player.vimeo.com/video/{found.group(1)}"
    elif _VIDEO_FILE.search(given):
        player = f'<video src="{html.escape(given)}" title="{title}" controls></video>'
        return f'{m.group(1)}<div class="video">{player}</div>'
    else:
        src = given
    frame = (
        f'<iframe src="{html.escape(src)}" title="{title}" loading="lazy" '
        'allow="fullscreen; picture-in-picture" allowfullscreen></iframe>'
    )
    return f'{m.group(1)}<div class="video">{frame}</div>'


_CODEHILITE = re.compile(r"(?: {4}|\t)(?::::[ \t]*|#!)([\w+#.-]+)[ \t]*")
_LIST_ITEM = re.compile(r"\s*([-*+]|\d+[.)])\s")


def _indented_block(lines: list[str], i: int) -> tuple[int, str] | None:
    """(its last line, its fence) for an indented code block at ``i`` whose first line
    names its language as Python-Markdown's CodeHilite reads it (Pelican's posts):
    ``:::python``, or ``#!python`` for numbered lines. The marker line becomes the
    opening fence and the blank line after the block (or a new last line) the closing
    one; the code is dedented. None if the block is a list's, or nothing can close it."""
    m = _CODEHILITE.fullmatch(lines[i])
    before = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
    if m is None or before[:1].isspace() or _LIST_ITEM.match(before):
        return None
    end = directives.indented_run(lines, i)
    if end + 1 < len(lines) and lines[end + 1].strip():
        return None
    code = [directives.dedent(ln) for ln in lines[i + 1 : end + 1]]
    fence = _fence_for(code)
    numbered = ' linenums="1"' if lines[i].lstrip().startswith("#!") else ""
    lines[i + 1 : end + 1] = code
    lines[i] = f"{fence}{m.group(1).lower()}{numbered}"
    if end + 1 < len(lines):
        lines[end + 1] = fence
    else:
        lines.append(fence)
    return end + 1, fence


def _doubled_close(lines: list[str], i: int) -> int | None:
    """The line of ``\\\\]`` that closes the display formula opened by ``\\\\[`` at ``i``
    (kramdown's doubled backslashes), if one comes before a blank line."""
    for j in range(i + 1, len(lines)):
        if not lines[j].strip():
            return None
        m = _DOUBLED_BLOCK.fullmatch(lines[j])
        if m is not None:
            return j if m.group(2) == "]" else None
    return None


def code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of the inline code spans of one line: a run of n backticks up to the
    next run of exactly n. Linear in the line (runs are indexed by length, not rescanned)."""
    runs = [(m.start(), m.end() - m.start()) for m in re.finditer(r"`+", line)]
    by_length: dict[int, list[int]] = {}
    for start, n in runs:
        by_length.setdefault(n, []).append(start)
    spans = []
    pos = 0
    for start, n in runs:
        if start < pos:
            continue
        same = by_length[n]
        k = bisect_right(same, start)
        if k < len(same):
            spans.append((start, same[k] + n))
            pos = same[k] + n
    return spans


def _masked(line: str) -> str:
    """The line with its inline code blanked out, same length: matches found in it are
    outside code, at the same positions as in the line."""
    if "`" not in line:
        return line
    out, last = [], 0
    for a, b in code_spans(line):
        out.append(line[last:a] + " " * (b - a))
        last = b
    return "".join(out) + line[last:]


def _inline_double_dollars(line: str, masked: str) -> str:
    """``a $$x$$ b`` -> ``a \\(x\\) b``: kramdown sets ``$$`` inline inside a sentence.

    A line that is only the formula stays display math, as does one that numbers itself."""
    marks = []
    start = masked.find("$$")
    while start != -1:
        if not (start and masked[start - 1] == "\\"):
            marks.append(start)
        start = masked.find("$$", start + 2)
    out, last = [], 0
    for a, b in zip(marks[::2], marks[1::2], strict=False):
        tex = line[a + 2 : b]
        if not tex.strip() or tex[0].isspace() or tex[-1].isspace() or "$" in tex:
            continue
        if re.search(r"\\(label|tag|nonumber|notag)\b", tex):
            continue
        if not (line[:a].strip() or line[b + 2 :].strip()):
            continue
        out.append(f"{line[last:a]}\\({tex}\\)")
        last = b + 2
    return "".join(out) + line[last:] if out else line


def _undoubled(line: str, masked: str, jupyter: bool) -> str:
    """``\\\\(x\\\\)`` -> ``\\(x\\)`` and ``\\\\[x\\\\]`` -> ``\\[x\\]``, outside code: math,
    its TeX unescaped as kramdown's (``jupyter``: as written, as Jupyter keeps it).
    An opener pairs with the next closer, if of its kind: one pass over the marks."""
    out, last, start = [], 0, None
    for m in _DOUBLED.finditer(masked):
        mark = m.group(1)
        if mark in "([":
            start = start or m
        elif start is not None:
            if start.end() < m.start() and start.group(1) + mark in ("()", "[]"):
                tex = line[start.end() : m.start()]
                tex = tex if jupyter else _ESCAPE.sub(r"\1", tex)
                out.append(f"{line[last : start.start()]}\\{start.group(1)}{tex}\\{mark}")
                last = m.end()
            start = None
    return "".join(out) + line[last:]


def _dollars_around_environment(lines: list[str], i: int) -> int | None:
    """``$$`` on the line after prose, then ``\\begin{align}`` ... ``\\end{align}``, then
    ``$$``: the line of the closing ``$$``. markdown-it's amsmath rule takes the
    environment out of the paragraph and leaves both ``$$`` to pair with the wrong
    dollars after it (MathJax and KaTeX read it as one formula)."""
    if lines[i].strip() != "$$" or i + 1 >= len(lines):
        return None
    opened = re.match(RE_OPEN, lines[i + 1].strip())
    if opened is None:
        return None
    for k in range(i + 2, min(len(lines), i + 500)):
        if lines[k].strip() == "$$":
            closing = f"\\end{{{opened.group(1)}{opened.group(2)}}}"
            return k if lines[k - 1].strip().endswith(closing) else None
    return None


def _html_block(line: str, blank: bool) -> re.Pattern[str] | None:
    """Where a block of raw HTML that markdown-it starts at ``line`` ends: the pattern of
    its last line (``-->`` for a comment, ``^$`` a blank line); None if none starts
    there. (``<script>`` and its kin are followed to their closing tag apart.)"""
    text = line.lstrip(" ")
    if len(line) - len(text) > 3 or not text.startswith("<"):
        return None
    return next(
        (end for start, end, go in HTML_SEQUENCES if start.search(text) and (blank or go)), None
    )


def _html_last(lines: list[str], i: int, end: re.Pattern[str]) -> int:
    """The last line of the block of raw HTML that starts at ``i`` and ends at ``end``
    (``_html_block``): the line holding ``-->`` for a comment; else the line before a
    blank one, or the line where its element closes when Markdown follows (the parser's
    ``element_end``), so both read the same lines as HTML."""
    if end.pattern != "^$":
        return next((k for k in range(i, len(lines)) if end.search(lines[k])), len(lines) - 1)
    blank = next((k for k in range(i + 1, len(lines)) if not lines[k].strip()), len(lines))
    closed = element_end("\n".join(lines[i:blank]))
    return blank - 1 if closed is None else i + closed


def _math_gaps(lines: list[str], i: int, last: int) -> bool:
    """A ``$$`` formula opened in the block of raw HTML at ``i`` .. ``last`` and closed
    after a blank line (MathJax macros in a hidden ``<div>``, as kramdown kept the block
    whole): its blank lines become ``{}``, an empty group, so that the block runs on to
    the formula's end; else its closing ``$$`` opened display math that swallowed the
    post. Whether there was such a formula."""
    if sum(lines[k].strip() == "$$" for k in range(i, last + 1)) % 2 == 0:
        return False
    close = next(
        (k for k in range(last + 1, min(len(lines), last + 500)) if lines[k].strip() == "$$"), None
    )
    if close is None:
        return False
    for k in range(last + 1, close):
        if not lines[k].strip():
            lines[k] = "{}"
    return True


def _replace_outside_code(
    line: str, masked: str, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]
) -> str:
    """``pattern`` replaced where it matches ``masked`` (the line with its code blanked)."""
    out, last = [], 0
    for m in pattern.finditer(masked):
        out.append(line[last : m.start()] + (repl if isinstance(repl, str) else repl(m)))
        last = m.end()
    return "".join(out) + line[last:]


def _html_links(line: str) -> str:
    """A line of raw HTML with Jekyll's links made (``<img src="{{ site.url }}/a.png">``)
    and a figure or video line as HTML (``_html_figure``, ``_video``); nothing else in it
    is touched."""
    if "{" in line and (figure := _html_figure(line)) is not None:
        return figure
    text = line.lstrip()
    if "{" in line and (video := _video(text)) is not None:
        return line[: len(line) - len(text)] + video  # as deep as the HTML it is in
    if "url" not in line or not _JEKYLL_LINK.search(line):
        return line
    return _replace_outside_code(line, line, _JEKYLL_LINK, _jekyll_link)


def _hugo_ref(m: re.Match[str], path: str) -> str:
    """Hugo's ``ref``/``relref`` as a link to the post's file, relative to ``path`` (a
    target from the root is from content/; one without a suffix is a ``.md``)."""
    target, _, anchor = next(g for g in m.groups() if g is not None).partition("#")
    if target.startswith("/"):
        target = posixpath.relpath("content/" + target.strip("/"), posixpath.dirname(path))
    if target and "." not in posixpath.basename(target):
        target += ".md"
    return target + (f"#{anchor}" if anchor else "")


def _footnote(m: re.Match[str]) -> str:
    """A fastpages footnote tag (``_FOOTNOTE``) as Markdown's footnote syntax."""
    return f"[^{m.group(1)}]" if m.group(1) else f"[^{m.group(4)}]: {m.group(3)}"


def _jekyll_link(m: re.Match[str]) -> str:
    """A Jekyll link idiom (``_JEKYLL_LINK``) as the link it stands for: a path given to
    ``relative_url`` is from the site's root, as Jekyll makes it (the build then makes
    it relative to the page); a URL with a scheme stays as it is."""
    if m.group(1):
        return f"{m.group(1)}.md"
    path = m.group(3) or ""
    return path if not path or re.match(r"[a-z][a-z0-9+.-]*:|[#/]", path, re.I) else f"/{path}"


_EQ_LABEL = re.compile(r"\$\$[ \t]*\{#(eq-[\w-]+)\}[ \t]*$")
"""Quarto's label of a display formula, after its closing ``$$``: ``$$ {#eq-loss}``."""


def _eq_label(m: re.Match[str]) -> str:
    return f"\\label{{{m.group(1)}}} $$"  # numbered, and @eq-loss (``citations``) finds it


def _prose_line(
    line: str,
    path: str,
    lineno: int,
    diags: list[Diagnostic],
    labels: dict[str, bool],
    literal: bool = False,
    jupyter: bool = False,
) -> str:
    """Warn about the template syntax on one prose line; make its text show as written.
    ``labels``: d2lbook's in the post (``d2l.labels``). ``literal``: the line is in (or
    has) Jekyll's ``{% raw %}``: its Liquid is the text. ``jupyter``: the line is a
    notebook's, its math delimiters read as Jupyter reads them."""
    if jupyter and "\\" in line:
        line = _replace_outside_code(line, _masked(line), _SINGLE, lambda m: _BRACKETS[m[1]])
    if not any(mark in line for mark in ("{", "$$", "\\\\", ":`", "<d-")):
        return line
    masked = _masked(line)
    if "}`" in line:
        line = directives.roles(line, masked, labels)
        masked = _masked(line)
    if ":`" in line:
        line, notes = d2l.roles(line, masked, labels)
        diags.extend(warning(path, lineno, note) for note in notes)
        masked = _masked(line)
    if "`{" in line:
        line = _without_code_attrs(line)
        masked = _masked(line)
    rewrites: list[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
        ("raw", _RAW_TAG, ""),  # Jekyll's {% raw %}: produces nothing
        ("ref", _HUGO_REF, lambda m: _hugo_ref(m, path)),
        ("fn", _FOOTNOTE, _footnote),
        ("{:", _SPAN_IAL, ""),
        ("{#eq-", _EQ_LABEL, _eq_label),
        ("]{.", _BRACKETED_SPAN, lambda m: f'<span class="{m[2]}">{m[1]}</span>'),
        ("<d-footnote", _DISTILL_NOTE, lambda m: f"^[{m[1]}]"),
        (
            "<d-math",
            _DISTILL_MATH,
            lambda m: f"{'$$' if m[1] else '$'}{m[2]}{'$$' if m[1] else '$'}",
        ),
        ("katex", _INLINE_KATEX, lambda m: f"\\({m[1]}\\)"),
    ]
    if not literal:  # inside {% raw %}, Jekyll's links are the text
        rewrites.insert(1, ("url", _JEKYLL_LINK, _jekyll_link))
    for trigger, pattern, replacement in rewrites:
        if trigger in masked and pattern.search(masked):
            line = _replace_outside_code(line, masked, pattern, replacement)
            masked = _masked(line)
    for m in _LIQUID_TAG.finditer(masked):
        name = m.group(1).lower()
        if name.startswith("end") or name in ("else", "elsif", "when", "highlight"):
            continue  # closers go with their opener; highlight is converted (or warned)
        hint = _TAG_HINTS.get(name, "replace it with what it should produce")
        diags.append(
            warning(
                path,
                lineno,
                f"Liquid tag {{% {name} %}} is not supported; it is shown as written: {hint}",
            )
        )
    for m in _LIQUID_VAR.finditer(masked):
        expr = m.group(1).strip()
        hint = (
            "use a relative link instead, such as images/plot.png"
            if expr.split("|")[0].strip() in ("site.baseurl", "site.url", "base_path")
            else "replace it with its value"
        )
        diags.append(
            warning(
                path,
                lineno,
                f"Liquid expression {{{{ {expr} }}}} is not evaluated; it is shown as written: "
                f"{hint}",
            )
        )
    for m in _SHORTCODE.finditer(masked):
        if m.group(2) or m.group(3) == "highlight":
            continue
        name, kind = m.group(3), m.group(1)
        end = ">" if kind == "<" else "%"
        origin = "Quarto" if name in _QUARTO else "Hugo"
        hint = _SHORTCODE_HINTS.get(name, "replace it with Markdown or HTML")
        diags.append(
            warning(
                path,
                lineno,
                f"{origin} shortcode {{{{{kind} {name} {end}}}}} is not supported; "
                f"it is shown as written: {hint}",
            )
        )
    if masked.count("$$") >= 2:
        line = _inline_double_dollars(line, masked)
        masked = _masked(line)
    if "\\\\" in masked:
        line = _undoubled(line, masked, jupyter)
        masked = _masked(line)
    if "{{<" in masked:
        out, last = [], 0
        for m in _TAG_AFTER.finditer(masked):
            out.append(line[last : m.start()] + "{{&lt;")
            last = m.end()
        line = "".join(out) + line[last:]
    return line


def _join_shortcodes(lines: list[str]) -> None:
    """A shortcode whose arguments run on to later lines (``{{< figure`` then ``src=..``
    and ``caption=..`` lines, then ``>}}``), as Hugo reads it: joined onto its first line,
    the lines it took left blank, so it is read as one (a figure, a video, a callout, or
    a warning) and the lines after it keep their numbers. Not in code; not across a blank
    line or another shortcode."""
    fence: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        m = FENCE.match(line)
        if fence is not None:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1]:
                fence = None if not m.group(3).strip() else fence
            continue
        if m:
            fence = (m.group(2)[0], len(m.group(2)))
            continue
        if "{{" not in line or line.startswith(("    ", "\t")):
            continue
        masked = _masked(line)
        opened = list(_SHORTCODE_OPEN.finditer(masked))
        close = (">" if opened and opened[-1].group(1) == "<" else "%") + "}}"
        if not opened or close in masked[opened[-1].end() :]:
            continue
        for j in range(i + 1, min(i + 1 + _SHORTCODE_RUN, len(lines))):
            if not lines[j].strip() or "{{" in lines[j]:
                break
            if close in lines[j]:
                lines[i] = " ".join([line.rstrip(), *(ln.strip() for ln in lines[i + 1 : j + 1])])
                lines[i + 1 : j + 1] = [""] * (j - i)
                break


_PROMPT = re.compile(r"\.prompt-(tip|info|warning|danger)\b")
_QUOTE = re.compile(r" {0,3}> ?")


def _prompt(lines: list[str], i: int, ial: str, callouts: directives.Callouts) -> None:
    """Chirpy's prompt, a blockquote then ``{: .prompt-tip }``: a callout, as the theme
    shows it. It needs the blank line before the quote for its head; without one (or
    nested too deep) the quote stays a quote."""
    kind = _PROMPT.search(ial)
    top = i
    while top > 0 and _QUOTE.match(lines[top - 1]):
        top -= 1
    out = callouts.room(top - 1) if kind and top < i and top > 0 else None
    if out is None or lines[top - 1].strip():
        return
    lines[top:i] = [ln[_QUOTE.match(ln).end() :] for ln in lines[top:i]]  # type: ignore[union-attr]
    directives.admonition(lines, top - 1, i, f"!!! {kind.group(1)}", top, out)


MAX_CALLOUTS = 8
"""Callouts one inside another that a post may nest; deeper openers are shown as written."""


def migrate(body: str, path: str, first_line: int, *, jupyter: bool = False) -> Migrated:
    """Make Jekyll/Hugo/Quarto syntax in ``body`` ours, keeping every line where it is;
    ``jupyter``: ``body`` is a notebook's Markdown, its math read as Jupyter reads it."""
    marks = ("{", "$$", ":::", "#!", "\\" if jupyter else "\\\\", "===", "<", ":`", ":end_tab:")
    marks += (")=",)  # MyST's (label)=
    mdx_post = path.lower().endswith(".mdx")
    if not mdx_post and not any(mark in body for mark in marks):
        return Migrated(body, ())
    lines = body.split("\n")
    diags: list[Diagnostic] = []
    if mdx_post:
        from tensorpress import mdx  # only for MDX posts: not every build's import

        diags += mdx.migrate_mdx(lines, path, first_line)
        body = "\n".join(lines)
    if "{{" in body:
        _join_shortcodes(lines)
    tagged = "highlight" in body  # the one-pass indexes only where they can find something
    closers = {
        "jekyll": _next_closers(lines, _JEKYLL_CLOSE) if tagged else {},
        "hugo": _next_closers(lines, _HUGO_CLOSE) if tagged else {},
    }
    pairs = directives.colon_pairs(lines) if ":::" in body else {}
    shortcodes = directives.hugo_pairs(lines) if "{{" in body else {}
    callouts = directives.Callouts(MAX_CALLOUTS)
    known = d2l.labels(lines) if "label:`" in body else {}
    if ")=" in body:
        known.update(directives.targets(lines))
    fence: tuple[str, int] | None = None
    raw_html: str | None = None
    html_first = html_last = -1  # the block of raw HTML the loop is in, if any
    math = literal = False
    blank = True
    i = 0
    while i < len(lines):
        line = lines[i]
        if (
            fence is raw_html is None
            and not (i <= html_last or math or line[:1].isspace())
            and not _SPECIAL.search(line)
        ):  # plain prose, most lines: nothing below would touch it
            blank = not line.strip()
            i += 1
            continue
        if fence is not None:
            m = FENCE.match(line)
            if (
                m
                and m.group(2)[0] == fence[0]
                and len(m.group(2)) >= fence[1]
                and not m.group(3).strip()
            ):
                fence = None
            elif "raw" in line and _RAW_TAG.fullmatch(line.strip()):
                lines[i] = ""  # Jekyll's {% raw %} on its own line: Liquid's, not the code's
        elif raw_html is not None:
            if f"</{raw_html}" in line.lower():
                raw_html = None
        elif i <= html_last:
            if "highlight" in line and (end := _highlight_in_html(lines, html_first, i, closers)):
                i, html_last, blank = end + 1, -1, True  # the HTML after it: a new block
                continue
            if re.search(r"\{(%-?|\{<)\s*highlight\b", line):
                diags.append(warning(path, first_line + i, _UNCLOSED_HIGHLIGHT))
            lines[i] = _html_links(line)
        elif math:
            math = "$$" not in line
            if "{#eq-" in line:  # Quarto's label after the closing $$
                lines[i] = _EQ_LABEL.sub(_eq_label, line)
        elif not blank and (end := _dollars_around_environment(lines, i)) is not None:
            lines[i] = lines[end] = ""  # the environment is display math on its own
            i = end
        elif line.count("$$") == 1 and line[_CONTAINER.match(line).end() :].startswith("$$"):
            math = True
        elif (m := FENCE.match(line)) and directives.chunk_options(lines, i, m):
            continue  # the opener moved below the chunk's options: read on from here
        elif (m := FENCE.match(line)) and (
            directive := directives.myst_fence(lines, i, m, callouts.room(i))
        ) is not None:
            if directive[1] is not None:
                diags.append(warning(path, first_line + i, directive[1]))
                fence = (m.group(2)[0], len(m.group(2)))  # shown as code: skipped as code
            else:
                i = directive[0]
        elif (m := FENCE.match(line)) and (
            formula := directives.math_fence(lines, i, m)
        ) is not None:
            i = formula
        elif (m := FENCE.match(line)) and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            fence = (m.group(2)[0], len(m.group(2)))
        elif (block := _highlight_block(lines, i, closers)) is not None:
            end, lines[i], lines[end] = block
            i = end
        elif (
            "\\\\" in line
            and (opener := _DOUBLED_BLOCK.fullmatch(line))
            and opener.group(2) == "["
            and (close := _doubled_close(lines, i)) is not None
        ):
            lines[i] = f"{opener.group(1)}\\["
            for k in range(close if jupyter else i + 1, close + 1):  # Jupyter: TeX as written
                lines[k] = _ESCAPE.sub(r"\1", lines[k])
            i = close  # its last line was \\] and is now \]: the escape undone
        elif (
            "{{" in line
            and (block := directives.hugo_block(lines, i, shortcodes, callouts.room(i))) is not None
        ):
            i = block
        elif (div := directives.colon_div(lines, i, pairs, callouts.room(i))) is not None:
            if div[1] is not None:
                diags.append(warning(path, first_line + i, div[1]))
            i = div[0]
        elif directives.tab(lines, i) is not None or d2l.tab(lines, i):
            pass  # its content (MkDocs': dedented) is read on as the lines that follow
        elif line[:1] in " :" and (run := d2l.attributes(lines, i)) is not None:
            i, note = run
            if note:
                diags.append(warning(path, first_line + i, note))
        elif directives.target(lines, i):
            pass  # the heading after it has the label for its id
        elif "toc" in line and _TOC_SHORTCODE.fullmatch(line):
            lines[i] = ""  # Hugo Blox's table of contents: every post page has its own
        elif (video := _video(line) or _tweet(line)) is not None:
            lines[i] = video
        elif "gist" in line and (gist := _GIST.fullmatch(line.rstrip())) is not None:
            query = f"?file={html.escape(gist[4], quote=True)}" if gist[4] else ""
            src = f"https://gist.github.com/{gist[2]}/{gist[3]}.js{query}"
            lines[i] = f'{gist[1]}<script src="{src}"></script>'  # Hugo's embed of it
        elif (figure := _figure(line)) is not None:
            lines[i], note = figure
            if note:
                diags.append(warning(path, first_line + i, note))
        elif (ial := _BLOCK_IAL.fullmatch(line)) is not None:
            if "prompt-" in line:
                _prompt(lines, i, ial.group(1), callouts)
            lines[i] = ""  # the page keeps no attributes of the old theme's: a blank line
            if ial.group(1).strip() == "toc" and i and _TOC_ITEM.fullmatch(lines[i - 1]):
                lines[i - 1] = ""  # kramdown's table of contents: each page has its own
        elif (raw := _RAW_HTML.match(line)) is not None:
            tag = raw.group(1).lower()
            raw_html = None if f"</{tag}" in line.lower() else tag
        elif (closed := _SELF_CLOSED.match(line) or _OPEN_ANCHOR.match(line)) is not None:
            indent, name, attrs = closed.groups()
            lines[i] = f"{indent}<{name}{attrs}></{name}>"  # an anchor, and the paragraph on
        elif _LONE_VOID.fullmatch(line) and i + 1 < len(lines) and lines[i + 1].strip():
            lines[i] = line.rstrip() + "<!---->"  # two tags: the paragraph goes on
        elif (end := _html_block(line, blank)) is not None:
            html_first, html_last = i, _html_last(lines, i, end)
            if end.pattern == "^$" and _math_gaps(lines, i, html_last):
                html_last = _html_last(lines, i, end)
            lines[i] = _html_links(line)
        elif line.startswith(("    ", "\t")) and blank and (coded := _indented_block(lines, i)):
            i = coded[0]  # CodeHilite's marker: now a fenced block, skipped like one
        elif line.startswith(("    ", "\t")) and blank:
            pass  # indented code (or a list's continuation: left alone either way)
        else:
            if re.search(r"\{(%-?|\{<)\s*highlight\b", line):
                diags.append(warning(path, first_line + i, _UNCLOSED_HIGHLIGHT))
            tags = [m[0] for m in _RAW_TAG.finditer(_masked(line))] if "raw" in line else []
            quiet = literal or bool(tags)  # Liquid inside {% raw %} is meant to be shown
            for tag in tags:
                literal = "endraw" not in tag
            lines[i] = _prose_line(
                line, path, first_line + i, [] if quiet else diags, known, quiet, jupyter
            )
        blank = not line.strip() or (blank and line.startswith(("    ", "\t")))
        i += 1
    callouts.indent(lines)
    return Migrated("\n".join(lines), tuple(diags))
