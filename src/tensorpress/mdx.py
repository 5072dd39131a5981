"""MDX posts (``.mdx``: Astro, Next.js, Docusaurus and Hugging Face blogs and courses) made
Markdown, one line at a time and never moving a line, before the other generators' syntax
is made ours (``compat``), so what MDX adds reads as what it showed:

- ``import``/``export`` statements (JavaScript) and ``{/* comments */}`` show nothing;
- a component alone on its lines becomes what its generator made of it, written as the
  Hugo shortcode ``compat`` and ``directives`` already read: an image (``<BlogImage
  imagePath=.. altText=.. />``, ``<Image src=.. />``) a figure, ``<Youtube id=.. />`` a
  video, ``<Tip>``, ``<Note>``, ``<Warning>``, ``<Callout type=..>`` and ``<Admonition>`` a
  callout (``<Tip warning={true}>``, Hugging Face's, a warning), ``<Tabs>`` and
  ``<TabItem label=..>`` labelled sections one after the other; any other component shows
  nothing (a paired one, what it holds), with a warning;
- Hugging Face's heading ids (``## Introduction[[introduction]]``) are the heading's id;
- Hugging Face's framework switch (``{#if fw === 'pt'}`` ... ``{:else}`` ... ``{/if}``)
  shows each framework's text under its name, as tabs are shown.

Code (fenced or indented) is left as written."""

from __future__ import annotations

import re

from tensorpress.diagnostics import Diagnostic, warning
from tensorpress.directives import FENCE

_ESM = re.compile(r"import\s|export\s+(?:const|let|var|function|async|class|default)\b|export\s*\{")
_ESM_END = re.compile(r"""(?:\bfrom\s*|^import\s*)(["'])[^"'\n]+\1;?\s*$""")
"""The line that ends an ``import`` (its ``from "module"``, or ``import "module"``)."""


def _without_comments(line: str) -> str:
    """``line`` without its ``{/* ... */}`` comments; one left open stays (it may end on
    a later line). Each end is looked for once: a line of openers is read in linear time."""
    out, pos = [], 0
    while (start := line.find("{/*", pos)) >= 0:
        end = line.find("*/}", start + 3)
        if end < 0:
            break
        out.append(line[pos:start])
        pos = end + 3
    return "".join(out) + line[pos:]


def _next_closers(lines: list[str]) -> list[int | None]:
    """For each line, the first line from it on that ends a comment (``*/}``), in one pass
    from the end: comments left open on many lines would each search the rest."""
    out: list[int | None] = [None] * len(lines)
    after: int | None = None
    for j in range(len(lines) - 1, -1, -1):
        if "*/}" in lines[j]:
            after = j
        out[j] = after
    return out


_COMPONENT = re.compile(r" {0,3}<([A-Z][\w.]*)(?=[\s/>]|$)")
_CLOSER = re.compile(r" {0,3}</([A-Z][\w.]*)>\s*")
_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*(?:(["'`])(.*?)\4|([^{}]*?))\s*\})"""
)
_SVELTE = re.compile(r"\s*\{(#if|:else if|:else|/if)\b([^{}]*)\}\s*")
_FRAMEWORKS = {"pt": "PyTorch", "tf": "TensorFlow", "jax": "JAX", "flax": "Flax"}
_IMAGE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif)(?:[?#].*)?$", re.I)
_IMAGE_KEYS = ("src", "imagepath", "image", "img", "path", "url")
_CALLOUTS = {"tip": "tip", "note": "note", "info": "info", "warning": "warning",
             "danger": "danger", "caution": "caution", "important": "important",
             "callout": "callout", "admonition": "admonition", "aside": "note"}  # fmt: skip
_HEADING_ANCHOR = re.compile(r"( {0,3}#{1,6}\s.*?)\s*\[\[([\w.-]+)\]\]\s*")
"""Hugging Face's heading id, ``## Introduction[[introduction]]``: Pandoc's ``{#id}``."""
_RUN = 60
"""Lines a component's opening tag (or an ``import``) may take."""


def _tag_end(lines: list[str], i: int, start: int) -> tuple[int, int, bool] | None:
    """Where the tag opened at ``lines[i][start]`` ends: (line, column after it, whether it
    closes itself), reading quotes and ``{...}`` across lines; None if not within ``_RUN``
    lines or if something follows it on its line."""
    quote, depth = "", 0
    for j in range(i, min(i + _RUN, len(lines))):
        line = lines[j]
        k = start if j == i else 0
        while k < len(line):
            c = line[k]
            if quote:
                quote = "" if c == quote else quote
            elif c in "\"'`":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == ">" and depth == 0:
                selfclosed = line[k - 1 : k] == "/"
                return (j, k + 1, selfclosed) if not line[k + 1 :].strip() else None
            k += 1
    return None


def _balanced_end(lines: list[str], i: int) -> int | None:
    """The line where the brackets opened from ``lines[i]`` on are all closed (an
    ``export const meta = {`` over several lines), within ``_RUN`` lines."""
    depth = 0
    for j in range(i, min(i + _RUN, len(lines))):
        depth += sum(lines[j].count(c) for c in "{[(") - sum(lines[j].count(c) for c in "}])")
        if depth <= 0:
            return j
    return None


def _attrs(text: str) -> dict[str, str]:
    """A component's attributes: ``a="x"``, ``a='x'``, ``a={"x"}``, ``a={true}``."""
    return {
        m.group(1).lower(): next((g for g in m.group(2, 3, 5, 6) if g is not None), "").strip()
        for m in _ATTR.finditer(text)
    }


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shortcode(name: str, attrs: dict[str, str], selfclosed: bool) -> str | None:
    """The Hugo shortcode that shows what the component showed, or None."""
    low = name.lower().rsplit(".", 1)[-1]
    if selfclosed:
        src = next((attrs[k] for k in _IMAGE_KEYS if _IMAGE.search(attrs.get(k, ""))), "")
        if src:
            alt = attrs.get("alt") or attrs.get("alttext") or attrs.get("title", "")
            caption = attrs.get("caption", "")
            return (
                f"{{{{< figure src={_quoted(src)} alt={_quoted(alt)}"
                f" caption={_quoted(caption)} >}}}}"
            )
        if low in ("youtube", "youtubevideo", "youtubeembed") and attrs.get("id"):
            return f"{{{{< youtube {attrs['id']} >}}}}"
        return None
    if low in _CALLOUTS:
        kind = _CALLOUTS[low]
        if low == "tip" and attrs.get("warning", "").lower() == "true":
            kind = "warning"  # Hugging Face's <Tip warning={true}>
        named = " ".join(f"{k}={_quoted(attrs[k])}" for k in ("type", "title") if k in attrs)
        return f"{{{{< {kind}{' ' + named if named else ''} >}}}}"
    if low == "tabs":
        return "{{< tabs >}}"
    if low in ("tabitem", "tab"):
        label = attrs.get("label") or attrs.get("title") or attrs.get("value", "")
        return f"{{{{< tab {_quoted(label)} >}}}}"
    return None


def migrate_mdx(lines: list[str], path: str, first_line: int) -> list[Diagnostic]:
    """Make the MDX in ``lines`` Markdown, in place (see the module's docstring)."""
    diags: list[Diagnostic] = []
    fence: tuple[str, int] | None = None
    opened: list[tuple[str, str | None]] = []  # components open: (name, their closer's name)
    framework = ""  # the framework the last {#if fw === '..'} named
    closers: list[int | None] | None = None  # for each line, the next with a comment's end
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if fence is not None:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1]:
                fence = None if not m.group(3).strip() else fence
        elif m:
            fence = (m.group(2)[0], len(m.group(2)))
        elif line.startswith(("    ", "\t")):
            pass
        elif line.lstrip().startswith("#") and (anchor := _HEADING_ANCHOR.fullmatch(line)):
            lines[i] = f"{anchor.group(1)} {{#{anchor.group(2)}}}"
        elif _ESM.match(line):
            end = next(
                (j for j in range(i, min(i + _RUN, len(lines))) if _ESM_END.search(lines[j])),
                None,
            )
            if line.startswith("export"):
                end = _balanced_end(lines, i)
            if end is not None:
                lines[i : end + 1] = [""] * (end + 1 - i)
                i = end
        elif "{/*" in line:
            lines[i] = _without_comments(line)
            if "{/*" in lines[i]:  # a comment over several lines
                if closers is None:
                    closers = _next_closers(lines)
                end = closers[i + 1] if i + 1 < len(lines) else None
                if end is not None:
                    lines[i] = lines[i][: lines[i].index("{/*")]
                    lines[i + 1 : end] = [""] * (end - i - 1)
                    lines[end] = lines[end][lines[end].index("*/}") + 3 :]
                    i = end
        elif (svelte := _SVELTE.fullmatch(line)) is not None:
            fw = re.search(r"fw\s*===?\s*['\"](\w+)['\"]", svelte.group(2))
            kind = svelte.group(1)
            if kind == "/if":
                lines[i] = ""
            elif kind == ":else" and not svelte.group(2).strip():
                other = {"PyTorch": "TensorFlow", "TensorFlow": "PyTorch"}.get(framework, "")
                lines[i] = f"**{other}**  " if other else ""  # the course has two
            else:
                framework = _FRAMEWORKS.get(fw.group(1), fw.group(1)) if fw else ""
                lines[i] = f"**{framework}**  " if framework else ""
        elif (closer := _CLOSER.fullmatch(line)) is not None:
            if opened and opened[-1][0] == closer.group(1):
                name, shortcode = opened.pop()
                lines[i] = f"{{{{< /{shortcode} >}}}}" if shortcode else ""
        elif (comp := _COMPONENT.match(line)) is not None:
            found = _tag_end(lines, i, comp.end())
            if found is not None:
                end, _, selfclosed = found
                text = " ".join(ln.strip() for ln in lines[i : end + 1])
                name = comp.group(1)
                made = _shortcode(name, _attrs(text[len(name) + 1 :]), selfclosed)
                lines[i : end + 1] = [made or ""] + [""] * (end - i)
                if not selfclosed:
                    opened.append((name, made.split()[1] if made else None))
                if made is None:
                    what = f"<{name} />" if selfclosed else f"<{name}>"
                    shown = "nothing" if selfclosed else "what it holds, unwrapped"
                    diags.append(
                        warning(
                            path,
                            first_line + i,
                            f"MDX component {what} is not supported; it shows {shown}: "
                            "replace it with Markdown or HTML",
                        )
                    )
                i = end
        i += 1
    return diags
