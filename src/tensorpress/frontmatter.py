"""Decode a post, split off its front matter (YAML ``---`` or TOML ``+++``) and
validate it into ``FrontMatter``.

Values are checked here, with the line of the offending key, so later stages can
trust their types.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any

import yaml

from tensorpress.diagnostics import Diagnostic, error, warning
from tensorpress.files import text_codec

KNOWN = {"title", "date", "updated", "topics", "summary", "draft", "slug", "authors", "image",
         "series", "aliases"}  # fmt: skip
ALIASES = {
    "tags": "topics", "categories": "topics", "author": "authors", "lastmod": "updated",
    "last_modified_at": "updated", "modified": "updated", "excerpt": "summary",
    "description": "summary", "published": "draft", "category": "topics",
    "redirect_from": "aliases", "thumbnail": "image", "featured_image": "image",
    "feature_image": "image", "cover_image": "image", "date-modified": "updated",
    "publishdate": "date", "pubdate": "date", "updateddate": "updated", "heroimage": "image",
    "cover": "image", "featuredimage": "image",
}  # fmt: skip
"""Keys of Jekyll, Hugo, Pelican, Quarto and Astro posts, read as ours so posts move over as
they are (Hugo's ``publishDate`` is the date only when there is no ``date``)."""
THEME_KEYS = frozenset({"toc", "bibliography"})
"""Keys of ours kept in ``post.extra``: ``toc: false`` leaves out the table of contents
(al-folio's ``toc:`` list of sections is taken as true: the contents are made from the
headings); ``bibliography`` names the BibTeX files citations come from (``citations``)."""


@dataclass(frozen=True, slots=True)
class Split:
    """A decoded post cut in two; ``body_line`` is the file line where the body starts."""

    kind: str | None
    front: str
    body: str
    body_line: int
    front_line: int = 2
    """The file line of the front matter's first line (after its opening fence)."""


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """Validated front-matter values; ``None`` where the author gave none."""

    title: str | None = None
    date: datetime | None = None
    updated: datetime | None = None
    topics: tuple[str, ...] | None = None
    summary: str | None = None
    draft: bool = False
    slug: str | None = None
    authors: tuple[str, ...] = ()
    image: str | None = None
    series: str | None = None
    aliases: tuple[str, ...] = ()
    """Old URLs of the post (Hugo's ``aliases``, Jekyll's ``redirect_from``), as site paths
    of the pages that redirect to it: ``old/url/index.html``."""
    file_dated: frozenset[str] = frozenset()
    """``date`` and ``updated`` when given as Quarto's ``last-modified``: the file's
    modification time, which only the loader knows."""
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def decode(data: bytes, path: str) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """UTF-8 with or without BOM, CRLF or LF, into text with LF line ends; UTF-16 or
    UTF-32 with a BOM too (what Windows PowerShell's ``>`` writes), with a warning."""
    codec = text_codec(data)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, "replace").count("\n") + 1
        name = "UTF-8" if codec == "utf-8-sig" else codec.upper()
        return None, (
            error(
                path,
                line,
                f"not valid {name} (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            ),
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, (error(path, line, "contains a NUL byte; this is not a text file"),)
    notes = ()
    if codec != "utf-8-sig":
        text = text.removeprefix("\ufeff")
        notes = (warning(path, 1, f"saved as {codec.upper()}, read as such: save it as UTF-8"),)
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes


_FENCES = {"---": "yaml", "+++": "toml"}
_META_LINE = re.compile(r"([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*)")
_META_KEYS = frozenset({"title", "date", "modified", "category", "tags", "slug", "author",
                        "authors", "summary", "status", "lang"})  # fmt: skip


def _metadata_block(text: str) -> int:
    """How many lines of ``Key: value`` open ``text``, the metadata of Pelican and of
    MultiMarkdown (and Python-Markdown's ``meta``): no fences, ended by a blank line,
    continued by indented lines. 0 unless it names a title and opens with a key those
    tools know, so prose that opens with "Note: ..." stays prose."""
    lines = text.split("\n")
    first = _META_LINE.fullmatch(lines[0])
    if first is None or first.group(1).lower() not in _META_KEYS:
        return 0
    titled = False
    for i, line in enumerate(lines):
        if not line.strip():
            return i if titled else 0
        m = _META_LINE.fullmatch(line)
        if m is not None:
            titled = titled or m.group(1).lower() == "title"
        elif not (i and line.startswith(("    ", "\t"))):
            return 0
    return len(lines) if titled else 0


def _load_metadata(front: str) -> tuple[dict[str, Any], dict[str, int]]:
    """``Key: value`` lines -> values as text (never YAML: a title may hold a colon), by
    lower-case key. Authors are split at commas as Pelican does; ``status: draft`` (or
    ``hidden``) is a draft."""
    data: dict[str, Any] = {}
    offsets: dict[str, int] = {}
    key = ""
    for i, line in enumerate(front.split("\n")):
        m = _META_LINE.fullmatch(line)
        if m is None:  # a continuation line
            data[key] = f"{data[key]} {line.strip()}".strip()
            continue
        key = m.group(1).lower()
        data[key], offsets[key] = m.group(2).strip(), i
    for name in ("author", "authors"):
        if name in data:
            data[name] = [a.strip() for a in data[name].split(",") if a.strip()]
    if data.get("status", "").lower() in ("draft", "hidden"):
        data["draft"], offsets["draft"] = True, offsets["status"]
    return data, offsets


_FRONT_KEY = re.compile(
    r"(title|date|layout|tags|categories|author|authors|description|excerpt|permalink"
    r"|slug|summary|topics|draft|image)[ \t]*:(?:[ \t]|$)",
    re.I,
)
_YAML_LINE = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)|[ \t]|- ")


def _unopened(text: str) -> int:
    """How many lines of YAML front matter open ``text`` whose opening ``---`` is
    missing: it starts with a key front matter has, every line up to a ``---`` is a
    key or a continuation, and no blank line comes first. Markdown reads such lines as
    a heading (``---`` underlines them) made of the front matter; 0 if not so."""
    if not _FRONT_KEY.match(text):
        return 0
    for i, line in enumerate(text.split("\n", 200)[:200]):
        if line.rstrip() == "---":
            return i
        if not line.strip() or not _YAML_LINE.match(line):
            return 0
    return 0


def split(text: str, path: str) -> tuple[Split, tuple[Diagnostic, ...]]:
    """Cut front matter from the body; a fence opened on line 1 must be closed."""
    first, _, rest = text.partition("\n")
    kind = _FENCES.get(first.rstrip())
    if kind is None:
        count = _metadata_block(text)
        if count:
            lines = text.split("\n")
            return Split("meta", "\n".join(lines[:count]), "\n".join(lines[count:]), count + 1), ()
        count = _unopened(text)
        if count:
            lines = text.split("\n")
            front, body = "\n".join(lines[:count]), "\n".join(lines[count + 1 :])
            return Split("yaml", front, body, count + 2, front_line=1), (
                warning(
                    path,
                    1,
                    f"front matter without its opening '---' (lines 1-{count}, closed at "
                    f"line {count + 1}); read as front matter: put '---' on a line before it",
                ),
            )
        return Split(None, "", text, 1), ()
    closers = ("---", "...") if kind == "yaml" else ("+++",)
    lines = rest.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() in closers:
            body = "\n".join(lines[i + 1 :])
            return Split(kind, "\n".join(lines[:i]), body, i + 3), ()
    fence = first.rstrip()
    return Split(None, "", text, 1), (
        error(
            path,
            1,
            f"front matter opened with '{fence}' is never closed; add a line "
            f"'{fence}' after the last key",
        ),
    )


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML whose dates no calendar has (``2021-18-12``) stay text, for the date
    check to report with its line: PyYAML raised a bare ValueError for them."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


MAX_NODES = 100_000
"""Values front matter may expand to, aliases counted each time: a 'billion laughs'
document is tiny on disk but explodes in anything that walks its values."""
MAX_DEPTH = 64
"""Levels of lists and mappings inside one another that front matter (or the config)
may have. Deeper documents are refused: libyaml's C parser overflows the stack (a
crash, not an exception) some 25,000 levels down, and Python's repr, JSON and TOML
give up a thousand levels down."""
_SAFE_FOR_LIBYAML = 10_000
"""Nesting marks (brackets, braces, dashes, colons) a text may hold before it goes to
libyaml: an upper bound of its depth, far below the depth that crashes it."""


def _nesting_marks(text: str) -> int:
    return sum(map(text.count, "[{-:?"))


def too_deep(value: Any) -> bool:
    """Whether lists and mappings nest in ``value`` more than ``MAX_DEPTH`` levels
    (walked with a stack, not recursion: the value may be deeper than Python recurses)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                return True
            values = item.values() if isinstance(item, dict) else item
            stack.extend((v, depth + 1) for v in values)
    return False


_DEEP = f"it nests lists or mappings more than {MAX_DEPTH} levels deep; flatten it"


_HINT = "; check the indentation and quote values that contain ':'"


class Refused(yaml.YAMLError):
    """YAML that parses, but that we will not take (too big or too deep): the message
    says what to do, no hint about indentation or quotes applies."""


def _check_size(root: yaml.Node) -> None:
    """Raise ``yaml.YAMLError`` when ``root`` expands to more than ``MAX_NODES`` values."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = MAX_NODES + 1  # a cycle counts as too big
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = min(total, MAX_NODES + 1)
        return sizes[id(node)]

    if size(root) > MAX_NODES:
        raise Refused(
            f"it expands to more than {MAX_NODES:,} values (aliases of aliases?); write the "
            "values out"
        )


_LONG_NUMBER = "a number of more than 4,300 digits: put it in quotes to keep it as text"


def load_yaml(text: str) -> tuple[Any, dict[str, int], list[tuple[str, int, int]]]:
    """Safe YAML (libyaml when present), parsed once: the data, top-level key -> 0-based
    line (its last, which wins), and each key given twice with both lines (YAML lets the
    last one win silently: ``draft: true`` then ``draft: false`` published a draft).

    Raises ``yaml.YAMLError``; tags that would build Python objects are refused.
    """
    if _nesting_marks(text) > _SAFE_FOR_LIBYAML:
        raise Refused(_DEEP)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and "*" in text:  # no alias, no expansion beyond the text
            _check_size(node)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:  # the pure-Python parser, or the alias check, deep down
        raise Refused(_DEEP) from None
    except ValueError as exc:  # Python's limit on the digits of an int read from text
        if "digits" not in str(exc):
            raise
        raise Refused(_LONG_NUMBER) from None
    finally:
        loader.dispose()
    if too_deep(data):
        raise Refused(_DEEP)
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int, int]] = []
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            key, line = str(k.value), k.start_mark.line
            if key in lines:
                repeated.append((key, lines[key], line))
            lines[key] = line
    return data, lines, repeated


def _toml_lines(front: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for i, line in enumerate(front.split("\n")):
        m = re.match(r"\s*([\w-]+)\s*=", line)
        if m:
            lines.setdefault(m.group(1), i)
    return lines


def load_front(sp: Split, path: str) -> tuple[dict[str, Any], dict[str, int], list[Diagnostic]]:
    """Parse the front-matter text into a dict and a key -> file line map."""
    if sp.kind is None or not sp.front.strip():
        return {}, {}, []
    try:
        if sp.kind == "yaml":
            data, offsets, repeated = load_yaml(sp.front)
        elif sp.kind == "meta":
            data, offsets = _load_metadata(sp.front)
            return data, {k: v + 1 for k, v in offsets.items()}, []
        else:
            return _load_toml(sp.front, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        last = sp.front.count("\n")
        line = sp.front_line + min(mark.line, last) if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        hint = "" if isinstance(exc, Refused) else _HINT
        return {}, {}, [error(path, line, f"invalid YAML front matter: {problem}{hint}")]
    if data is None:
        return {}, {}, []
    if not isinstance(data, dict):
        return (
            {},
            {},
            [
                error(
                    path,
                    sp.front_line,
                    "front matter must be a mapping of keys to values (key: value)",
                )
            ],
        )
    first = sp.front_line
    return data, {k: v + first for k, v in offsets.items()}, repeated_keys(path, repeated, first)


def repeated_keys(path: str, repeated: list[tuple[str, int, int]], first: int) -> list[Diagnostic]:
    """A warning for each key given twice (``load_yaml``); ``first``: the file line of
    the YAML text's first line."""
    return [
        warning(
            path,
            later + first,
            f"'{key}' is given twice (lines {earlier + first} and {later + first}); "
            "the last one counts: remove the other",
        )
        for key, earlier, later in repeated
    ]


def _load_toml(front: str, path: str) -> tuple[dict[str, Any], dict[str, int], list[Diagnostic]]:
    """``+++`` front matter (Hugo, Zola); tomllib is imported only for it."""
    import tomllib

    try:
        data = tomllib.loads(front)
        deep = too_deep(data)
    except RecursionError:  # tomllib, a thousand levels down
        deep = True
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = 1 + int(m.group(1)) if m else 1 + len(front.split("\n"))
        return {}, {}, [error(path, line, f"invalid TOML front matter: {exc}")]
    except ValueError:  # an int past Python's limit on digits
        return {}, {}, [error(path, 2, f"invalid TOML front matter: {_LONG_NUMBER}")]
    if deep:
        return {}, {}, [error(path, 2, f"invalid TOML front matter: {_DEEP}")]
    return data, {k: v + 2 for k, v in _toml_lines(front).items()}, []


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%B %d, %Y",  # January 5, 2024: what people write by hand
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
)


def quote(text: str) -> str:
    """``text`` as a double-quoted scalar that YAML and TOML both read back unchanged."""
    return json.dumps(text, ensure_ascii=False)


FILE_DATES = frozenset({"last-modified", "today", "now"})
"""Quarto's date keywords: the file's modification time (``today`` and ``now`` are the
render's, which would change every page each day; the file's is the nearest stable)."""


def parse_date(value: Any) -> datetime | None:
    """A date, datetime, or string in a common format into a datetime (maybe naive)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _scalars(values: list[Any]) -> bool:
    return all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values)


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(",") if s.strip())
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return None


AUTHOR_NAMES = ("name", "display_name", "full_name", "user", "username", "login")
"""Where an author given as a mapping keeps the name: al-folio, Quarto and Hugo themes
write ``name:``, the Hugging Face blog ``user:``."""


_MARKS = re.compile(r"<sup\b[^<>]*>[^<>]*</sup>|\$\^[^$]*\$", re.I)
"""Affiliation and equal-contribution marks after a name: ``<sup>1</sup>``, ``$^*$``."""
_TAG = re.compile(r"<[^<>]*>")


def _plain(name: str) -> str:
    """An author written in HTML, as the BAIR blog's byline is (``<a href=..>Ada</a>$^*$,
    <a ..>Alan</a><br>``): its text, without the links and marks, for bylines, meta tags
    and citations, which show text."""
    if "<" not in name and "$^" not in name:
        return name.strip()
    text = html.unescape(_TAG.sub(" ", _MARKS.sub("", name)))
    return re.sub(r"\s+(?=[,;])", "", " ".join(text.split())).strip(" ,;")


_INLINE_TAG = re.compile(
    r"</?(?:br|i|em|b|strong|sup|sub|span|a|code|small|u|font|nobr)\b[^<>]*>", re.I
)
"""The tags of a title written in HTML, as the BAIR blog breaks its long titles
(``Model-Based RL:<br>Theory and Practice``); ``List<int>`` is no tag."""


def _title_text(title: str) -> str:
    """A title written in HTML as its text: every page, feed and tab shows text."""
    if "<" not in title or not _INLINE_TAG.search(title):
        return title
    return " ".join(html.unescape(_INLINE_TAG.sub(" ", title)).split())


def _author(value: Any) -> str | None:
    """One author: a name, or a mapping holding one (Quarto's ``name`` may itself be
    ``{given, family}`` or ``{literal}``); a name in HTML is its text (``_plain``)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _plain(str(value))
    if not isinstance(value, dict):
        return None
    for key in AUTHOR_NAMES:
        name = value.get(key)
        if isinstance(name, dict):
            parts = (
                [name.get("literal")]
                if name.get("literal")
                else [name.get("given"), name.get("family")]
            )
            name = " ".join(str(part).strip() for part in parts if part) or None
        found = None if name is None else _author(name)
        if found:
            return found
    return None


def _authors(value: Any) -> tuple[str, ...] | None:
    """A name, a mapping, or a list of names or mappings (``_author``)."""
    if isinstance(value, str):
        return (_plain(value),)
    found = [_author(item) for item in (value if isinstance(value, list) else [value])]
    if any(name is None for name in found):
        return None
    return tuple(name for name in found if name)


def _alias_paths(value: Any) -> tuple[str, ...] | None:
    """Old URLs (``/2019/05/old/``, ``old.html``) -> the files that redirect from them,
    relative to the output folder; None if one is not a plain path inside the site."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    out = []
    for item in items:
        path = item.strip().split("#")[0].split("?")[0].strip("/")
        parts = path.split("/")
        if (
            not path
            or ":" in parts[0]
            or item.strip().startswith("//")
            or any(
                p in ("", ".", "..") or p.startswith(".") or len(p.encode()) > 200 for p in parts
            )
            or "\\" in path
            or re.search(r"[\x00-\x1f\x7f]", path)
        ):
            return None  # also: a dot-file (the manifest), a name past the file system's
        out.append(path if path.endswith((".html", ".htm")) else f"{path}/index.html")
    return tuple(out)


def validate(
    data: dict[str, Any], lines: dict[str, int], path: str
) -> tuple[FrontMatter, list[Diagnostic]]:
    """Check each known key's type; keep unknown keys for the templates."""
    diags: list[Diagnostic] = []
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}

    def bad(what: str) -> None:
        diags.append(error(path, lines.get(name, 1), f"'{name}': {what}"))

    def gather(found: tuple[str, ...] | None, expected: str) -> None:
        """A list key (``tags`` and ``categories`` both feed ``topics``): added to."""
        if found is None:
            bad(f"expected {expected}, got {value!r}")
        else:
            values[key] = values.get(key, ()) + found

    for raw_key, value in data.items():
        name = str(raw_key)
        key = ALIASES.get(name.lower(), name.lower())
        if key not in KNOWN:
            extra[name] = value
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue  # ``tags:`` or ``slug: ""`` left empty, as archetypes leave them: unset
        if name in ("description", "excerpt"):  # kept as written too, for meta descriptions
            joined = isinstance(value, list) and _scalars(value)
            extra[name] = ", ".join(map(str, value)) if joined else value
            if "summary" in data or "summary" in values:
                continue
        if name == "published" and isinstance(value, bool):
            value = not value
        if name in ("tags", "categories") and isinstance(value, str) and "," not in value:
            value = value.split()  # Jekyll: space-separated
        if key in ("date", "updated") and name.lower() != key and key in data:
            extra[name] = value  # Hugo's publishDate beside its date
            continue
        if key == "image" and name.lower() != "image" and not isinstance(value, (str, dict)):
            extra[name] = value  # a theme's cover: true, not a picture
            continue
        if key == "image" and name.lower() != "image" and "image" in data:
            extra[name] = value  # the Hugging Face blog's thumbnail, when image is there too
            continue
        if key == "image" and isinstance(value, dict):  # Wowchemy: {filename, caption..}
            extra[name] = value
            found = [value.get(k) for k in ("filename", "src", "path", "url", "image")]
            value = next((v for v in found if isinstance(v, str) and v.strip()), None)
            if value is None:
                continue
        if key in ("title", "summary", "image", "series"):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                values[key] = _title_text(str(value)) if key == "title" else str(value)
            elif key != "image" and isinstance(value, list) and _scalars(value):
                values[key] = ", ".join(map(str, value))  # [text, more]: YAML made a list
                diags.append(
                    warning(
                        path,
                        lines.get(name, 1),
                        f"'{name}' is a list, as YAML reads [...]: taken as the text "
                        f"{values[key]!r}; put it in quotes to keep the brackets",
                    )
                )
            else:
                bad(f"expected text, got {type(value).__name__}: write it in quotes")
        elif key in ("date", "updated"):
            parsed = parse_date(value)
            if isinstance(value, str) and value.strip().lower() in FILE_DATES:
                values["file_dated"] = values.get("file_dated", frozenset()) | {key}
                if value.strip().lower() != "last-modified":
                    diags.append(
                        warning(
                            path,
                            lines.get(name, 1),
                            f"'{name}': Quarto's {value.strip()!r} is the day of each render; "
                            "read as the file's modification time: write the date to pin it",
                        )
                    )
            elif parsed is None:
                bad(
                    f"{value!r} is not a date; write 2024-01-05, 2024-01-05 10:30 or "
                    "2024-01-05T10:30:00+02:00",
                )
            else:
                values[key] = parsed
        elif key == "topics":
            gather(_strings(value), "a list of topic names such as [cnn, gan]")
        elif key == "draft":
            if isinstance(value, bool):
                values["draft"] = value
            else:
                bad(f"expected true or false, got {value!r}")
        elif key == "slug":
            slug = str(value).strip() if isinstance(value, (str, int)) else ""
            if not slug or "/" in slug or "\\" in slug or slug in (".", "..") or ".." in slug:
                bad(
                    f"{value!r} is not a usable slug; use letters, digits and dashes, "
                    "with no '/', '\\' or '..'",
                )
            else:
                values["slug"] = slug
        elif key == "aliases":
            paths = (
                "site paths of old URLs (no '..', dot-files, control characters, scheme or "
                "host; names under 200 bytes) such as [/2019/05/old/]"
            )
            gather(_alias_paths(value), paths)
        elif key == "authors":
            named = "a name, a list of names or of mappings with a name (- name: Ada Lovelace)"
            gather(_authors(value), named)
            items = value if isinstance(value, list) else [value]
            if any(isinstance(v, dict) or (isinstance(v, str) and "<" in v) for v in items):
                extra[name] = value  # urls, affiliations, links: kept for the templates
    return FrontMatter(**values, extra=MappingProxyType(extra)), diags
