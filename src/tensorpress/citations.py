"""Citations: Pandoc's ``[@key]`` and ``@key``, Distill's ``<d-cite key="...">`` and
d2lbook's ``:cite:`` (made Pandoc's by ``d2l``) from a BibTeX file, as author-year links
to a reference list at the end of the post; Quarto's ``@fig-x`` cross-references, which
share the ``@``, as links to the figure, table, section or formula.

The parser only marks a citation (``citation_plugin``: a ``<span>`` holding what the
author wrote, its keys and its line), so a body does not depend on the bibliography and
its cache stays keyed by the post's bytes. Once the posts are loaded, the bibliographies
they name are read (``stages``, the I/O) and parsed (``parse_bibliography``, by
Pybtex, once per file), and each citing post's HTML gets its citations and references
(``cite``); a key the bibliography lacks stays as written, with a warning at its line.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from string import ascii_lowercase
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markupsafe import Markup

from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.mathml import REF, child_lines
from tensorpress.models import Deferred, Post

_KEY = r"\w(?:[\w:.#$%&+?<>~/-]{0,200}\w)?"
"""A citation key: word characters and some punctuation, ending in a word character
(greedy, then back to the last one: linear where a lazy key and a lookahead were not)."""
_ITEM = re.compile(rf"\s*(.*?)(-?)@({_KEY})(.*?)\s*", re.S)
_NARRATIVE = re.compile(rf"@({_KEY})")
"""``@key`` in a sentence: Pandoc's narrative citation, "Vaswani et al. (2017)"."""
_CROSS_REF = re.compile(r"(fig|tbl|sec|eq)-")
"""Quarto's cross-references share the ``@`` of citations: a figure's, table's,
section's or equation's id, by its prefix."""
_MARK = re.compile(
    r'<span class="citation( narrative)?" data-cites="([^"]*)" data-line="(\d+)">([^<]*)</span>'
)
"""What the parser leaves for a citation: a span, so that one no bibliography has (an
``@name`` that is no citation) reads as the text it is."""
_DISTILL = re.compile(
    r"""<d-cite\s+key=(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'<>/]+))\s*/?>(?:\s*</d-cite>)?"""
)
"""Distill's citation, its key quoted or not, its closing tag forgotten or not."""
BIB_SUFFIX = ".bib"


def citation_plugin(md: MarkdownIt) -> None:
    """``[@key]``, ``[@a; @b]``, ``[see @a, p. 3]``, ``[-@a]`` and ``@a`` as marks."""
    md.inline.ruler.before("link", "citation", _citation)
    md.inline.ruler.push("narrative_citation", _narrative)
    md.core.ruler.push("citation_lines", _citation_lines)
    md.add_render_rule("citation", _render_mark)


def _citation_lines(state: StateCore) -> None:
    """Each mark's file line, for the warnings about its keys."""
    first = state.env.get("first", 1) if isinstance(state.env, dict) else 1
    for token in state.tokens:
        if token.type == "inline" and "@" in token.content:
            for child, line in child_lines(token, first):
                if child.type == "citation":
                    child.meta["line"] = line


def _citation(state: StateInline, silent: bool) -> bool:
    """``[see @a, p. 3; -@b]``: a bracket of Pandoc citations on one line, not a link (no
    ``(`` or ``[`` after it). Its end is looked for a short way only: a line of brackets
    never closed is read in linear time."""
    src, pos = state.src, state.pos
    if src[pos] != "[" or "@" not in src[pos : pos + 200]:
        return False
    end = src.find("]", pos, pos + _LONGEST)
    inner = src[pos + 1 : end]
    if end < 0 or "[" in inner or "\n" in inner or src[end + 1 : end + 2] in ("(", "["):
        return False
    items = [_ITEM.fullmatch(item) for item in inner.split(";")]
    if not all(i and (not i[1] or i[1][-1].isspace()) for i in items):
        return False  # [mail a@b.com]: an @ inside a word cites nothing
    if not silent:
        token = state.push("citation", "span", 0)
        token.content = src[pos : end + 1]
        token.meta = {"keys": [i.group(3) for i in items if i is not None]}
    state.pos = end + 1
    return True


_LONGEST = 1000
"""Characters a bracket of citations may hold."""


def _narrative(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    before = state.src[pos - 1] if pos else " "
    if state.src[pos] != "@" or before.isalnum() or before in "@._":  # a@b.com
        return False
    m = _NARRATIVE.match(state.src, pos)
    if m is None:
        return False
    kind = _CROSS_REF.match(m.group(1))
    if kind is not None and not silent:  # Quarto's @fig-x, @tbl-x, @sec-x and @eq-x
        if kind.group(1) == "eq":
            token = state.push(REF, "", 0)
            token.content = f"\\eqref{{{m.group(1)}}}"
            token.meta = {"ref": ("eqref", m.group(1))}
        else:  # a link without text: the heading's words or "Figure 2" (``_link_texts``)
            state.push("link_open", "a", 1).attrs = {"href": f"#{m.group(1)}"}
            state.push("link_close", "a", -1)
    elif not silent:
        token = state.push("citation", "span", 0)
        token.content = m.group(0)
        token.meta = {"keys": [m.group(1)], "narrative": True}
    state.pos = m.end()
    return True


def _render_mark(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    kind = "citation narrative" if token.meta.get("narrative") else "citation"
    keys = html.escape(" ".join(token.meta["keys"]))
    line = token.meta.get("line", 0)
    return (
        f'<span class="{kind}" data-cites="{keys}" data-line="{line}">'
        f"{html.escape(token.content)}</span>"
    )


def cited(html_text: str) -> tuple[tuple[str, str], ...]:
    """("cite", "line:key") for each key a post cites (``cite-text`` for an ``@key`` in
    a sentence, which may be a name), in order: kept with the post (``local_refs``), so
    a rebuild can warn without reading the HTML."""
    out = [
        ("cite-text" if m.group(1) else "cite", f"{m.group(3)}:{key}")
        for m in _MARK.finditer(html_text)
        for key in m.group(2).split()
    ]
    out += [
        ("cite", f"0:{key.strip()}")
        for m in _DISTILL.finditer(html_text)
        for key in _distill_keys(m)
    ]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Entry:
    """One reference, made text: what a citation and the reference list show."""

    key: str
    label: str
    """The in-text authors: "Vaswani et al."."""
    year: str
    title: str = ""
    """As text: what orders works of the same authors and year."""
    authors: str = ""
    """The reference list's authors, as HTML."""
    rest: str = ""
    """The reference list's entry after the year (title, venue), as HTML."""

    @property
    def reference(self) -> str:
        """The reference list's entry."""
        year = f"({html.escape(self.year)})."
        return " ".join(part for part in (self.authors, year, self.rest) if part)


@dataclass(frozen=True, slots=True)
class Bibliography:
    name: str
    """The file, from the site folder (for messages)."""
    raw: Mapping[str, Any]
    """Pybtex's entries, by key: made ``Entry`` only when cited (``entry``)."""
    digest: str
    diagnostics: tuple[Diagnostic, ...] = ()

    made: dict[str, Entry] = field(default_factory=dict, compare=False, repr=False)
    """Entries made so far: each once per bibliography's bytes (``parse_bibliography``
    keeps the bibliography), so a rebuild formats none again."""

    def entry(self, key: str) -> Entry | None:
        if key not in self.made and key in self.raw:
            try:
                self.made[key] = _entry(key, self.raw[key])
            except Exception:  # a field Pybtex read but cannot give back: the key alone
                self.made[key] = Entry(key, key, "n.d.", rest=html.escape(key))
        return self.made.get(key)


@lru_cache(maxsize=64)
def parse_bibliography(name: str, data: bytes) -> Bibliography:
    """A BibTeX file's entries (by Pybtex); what it could not read is a warning with
    its line, and the entries before and after it are kept."""
    from pybtex import errors  # only for a post that cites: 30 ms to import
    from pybtex.database import parse_bytes

    digest = hashlib.sha1(data).hexdigest()
    notes: list[Diagnostic] = []
    try:
        with errors.capture() as problems:
            db = parse_bytes(data, "bibtex")
    except Exception as exc:  # Pybtex raises its own errors and TokenRequired alike
        return Bibliography(name, {}, digest, (warning(name, _line(str(exc)), _why(exc)),))
    for problem in problems:
        repeated = re.match(r"repeated bibliography entry: (.+)", str(problem))
        if repeated is None:
            notes.append(warning(name, _line(str(problem)), _why(problem)))
            continue
        key = repeated.group(1)
        at = [data.count(b"\n", 0, m.start()) + 1 for m in _entry_of(key).finditer(data)]
        notes.append(
            warning(
                name,
                at[1] if len(at) > 1 else 0,
                f"the key {key!r} is given twice (first at line {at[0] if at else '?'}); "
                "the first entry is used: remove or rename the other",
            )
        )
    return Bibliography(name, dict(db.entries), digest, tuple(notes))


def _entry_of(key: str) -> re.Pattern[bytes]:
    return re.compile(rb"@\w+\s*[{(]\s*" + re.escape(key.encode()) + rb"\s*,")


def _line(text: str) -> int:
    m = re.search(r"line (\d+)", text)
    return int(m.group(1)) if m else 0


def _why(problem: object) -> str:
    return f"BibTeX not read: {problem}; entries it spoils are missing: fix the entry"


def _text(latex: str) -> str:
    """A BibTeX field's LaTeX as plain text: braces and accents (``{\\"o}``) resolved."""
    if not any(c in latex for c in "{}\\$~%"):
        return latex  # most fields: Pybtex's LaTeX reader takes a millisecond for each
    from pybtex.richtext import Text

    try:
        return str(Text.from_latex(latex).render_as("text"))
    except Exception:  # a field Pybtex's LaTeX reader cannot follow: as written, unbraced
        return latex.replace("{", "").replace("}", "")


def _entry(key: str, entry: Any) -> Entry:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    lasts = [_text(" ".join(p.prelast_names + p.last_names)) for p in people]
    fields = {name.lower(): value for name, value in entry.fields.items()}
    year = _text(fields.get("year", "")) or "n.d."
    if not lasts:
        label = _text(fields.get("organization") or fields.get("title", key))
    elif len(lasts) == 1:
        label = lasts[0]
    elif len(lasts) == 2:
        label = f"{lasts[0]} & {lasts[1]}"
    else:
        label = f"{lasts[0]} et al."
    names = []
    for person, last in zip(people, lasts, strict=True):
        initials = " ".join(f"{_text(n)[:1]}." for n in person.first_names + person.middle_names)
        names.append(f"{last}, {initials}" if initials else last)
    authors = ", ".join(names[:-1]) + ", & " + names[-1] if len(names) > 1 else "".join(names)
    title = _text(fields.get("title", ""))
    venue = _text(fields.get("journal") or fields.get("booktitle") or fields.get("publisher") or "")
    url = fields.get("url") or (f"https://doi.org/{fields['doi']}" if fields.get("doi") else "")
    url = url if url.startswith(("https://", "http://")) else ""
    parts = []
    if title:
        shown = html.escape(title.rstrip("."))
        parts.append(f'<a href="{html.escape(url)}">{shown}</a>.' if url else f"{shown}.")
    if venue:
        parts.append(f"<em>{html.escape(venue)}</em>.")
    return Entry(key, label, year, title, html.escape(authors), " ".join(parts))


def bibliography_names(post: Post) -> tuple[str, ...]:
    """The ``bibliography`` front matter names (Pandoc's, Quarto's, al-folio's key)."""
    value = post.extra.get("bibliography")
    values = value if isinstance(value, (list, tuple)) else [value]
    return tuple(str(v) for v in values if isinstance(v, str) and v.strip())


def cite(post: Post, bibs: tuple[Bibliography, ...]) -> tuple[Post, list[Diagnostic]]:
    """``post`` with its citations as links and its reference list, and a warning for
    each key in brackets that none of ``bibs`` has (shown as written, as is an ``@name``
    in a sentence that names no entry)."""
    marks = [(kind, *ref.split(":", 1)) for kind, ref in post.local_refs if kind.startswith("cite")]
    if not marks:
        return post, []
    entries: dict[str, Entry] = {}
    for key in {key for _, _, key in marks}:
        found = next((e for bib in bibs if (e := bib.entry(key)) is not None), None)
        if found is not None:
            entries[key] = found
    entries = _told_apart(entries)
    where = ", ".join(b.name for b in bibs)
    diags = [
        warning(
            post.source,
            int(line),
            f"citation @{key} is not in {where}; shown as written: add it there, or fix the key"
            if bibs
            else f"citation @{key}, but the post names no bibliography; shown as written: add "
            "'bibliography: refs.bib' to the front matter, with refs.bib beside the post",
        )
        for kind, line, key in marks
        if kind == "cite" and key not in entries
    ]
    digest = post.digest
    if any(key in entries for _, _, key in marks):
        digest = hashlib.sha1(f"{digest}|{[b.digest for b in bibs]}".encode()).hexdigest()
    content = post.content
    if isinstance(content, Deferred):
        deferred = content
        made: Markup | Deferred = Deferred(lambda: _cited_html(str(deferred), entries))
    else:
        made = Markup(_cited_html(str(content), entries))
    summary = Markup(_cited_html(str(post.summary), entries, listed=False))
    return replace(post, content=made, summary=summary, digest=digest), diags


def _told_apart(entries: dict[str, Entry]) -> dict[str, Entry]:
    """Works by the same authors in the same year, told apart as APA does: 2017a, 2017b,
    in the order of their titles."""
    same: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries.values():
        same.setdefault((entry.label, entry.year), []).append(entry)
    out = dict(entries)
    for group in same.values():
        if len(group) < 2 or len(group) > 26:
            continue
        ordered = sorted(group, key=lambda e: (e.title.lower(), e.key))
        for letter, entry in zip(ascii_lowercase[: len(ordered)], ordered, strict=True):
            out[entry.key] = replace(entry, year=f"{entry.year}{letter}")
    return out


def _cited_html(body: str, entries: Mapping[str, Entry], listed: bool = True) -> str:
    """The citation marks as links to the entries (one with a key no entry has is its
    text again), then the list of the entries cited, by author and year; not
    ``listed`` (a summary), the citations as text."""
    used: dict[str, Entry] = {}

    def mark(m: re.Match[str]) -> str:
        if m.group(1):  # narrative: Vaswani et al. (2017)
            entry = entries.get(m.group(2))
            return (
                m.group(4) if entry is None else _link(entry, f"{entry.label} ({entry.year})", used)
            )
        items = [_ITEM.fullmatch(item) for item in html.unescape(m.group(4))[1:-1].split(";")]
        if not all(i is not None and i.group(3) in entries for i in items):
            return m.group(4)
        return "(" + "; ".join(_one(i, entries, used) for i in items if i is not None) + ")"

    def distill(m: re.Match[str]) -> str:
        keys = _distill_keys(m)
        if not keys or not all(k in entries for k in keys):
            return m.group(0)
        links = (_link(entries[k], f"{entries[k].label}, {entries[k].year}", used) for k in keys)
        space = " " if m.start() and m.string[m.start() - 1].isalnum() else ""  # nets<d-cite>
        return f"{space}(" + "; ".join(links) + ")"

    out = _DISTILL.sub(distill, _MARK.sub(mark, body))
    if not listed:
        return _CITATION_LINK.sub(r"\1", out)
    if not used:
        return out
    items = "".join(
        f'<li id="ref-{html.escape(e.key)}">{e.reference}</li>\n'
        for e in sorted(used.values(), key=lambda e: (e.label.lower(), e.year, e.key))
    )
    return (
        f'{out}<section class="references" id="references">\n<h2>References</h2>\n'
        f'<ul class="references-list">\n{items}</ul>\n</section>\n'
    )


def _distill_keys(m: re.Match[str]) -> list[str]:
    given = next((g for g in m.groups() if g is not None), "")
    return [key.strip() for key in given.split(",") if key.strip()]


def _one(item: re.Match[str], entries: Mapping[str, Entry], used: dict[str, Entry]) -> str:
    prefix, suppress, key, suffix = item.groups()
    entry = entries[key]
    shown = entry.year if suppress else f"{entry.label}, {entry.year}"
    suffix = suffix.strip()
    tail = f"{'' if suffix.startswith(',') else ', '}{suffix}" if suffix else ""
    lead = f"{prefix.strip()} " if prefix.strip() else ""
    return f"{html.escape(lead)}{_link(entry, shown, used)}{html.escape(tail)}"


_CITATION_LINK = re.compile(r'<a class="citation" href="[^"]*">([^<]*)</a>')


def _link(entry: Entry, shown: str, used: dict[str, Entry]) -> str:
    used[entry.key] = entry
    return f'<a class="citation" href="#ref-{html.escape(entry.key)}">{html.escape(shown)}</a>'
