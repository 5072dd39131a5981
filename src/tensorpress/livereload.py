"""What ``serve`` tells browsers, and the HTTP side of it.

- ``Outcome`` and ``Notice``: what a rebuild did, and what live-reload clients hear.
- ``SiteState``: the gate that keeps requests out while a build writes, and the notices
  clients wait on (Server-Sent Events).
- The request handler: files only from inside the output folder, the site's 404 page,
  and the live-reload script and error overlay added to HTML as it is sent, so the files
  on disk stay byte-identical to ``tensorpress build``.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import os
import re
import secrets
import socket
import socketserver
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import MappingProxyType
from urllib.parse import parse_qs, unquote

from tensorpress.diagnostics import Diagnostic

EVENTS_PATH = "/__tensorpress/events"
KEEPALIVE = 15.0
"""Seconds between SSE comments, so a closed browser tab frees its thread."""


# ---------------------------------------------------------------- outcomes and notices


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one rebuild did, whichever way it was done."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    ms: float = 0.0
    posts: int | None = None
    copied: bool = False
    """True when only changed static files were copied, without a build."""


@dataclass(frozen=True, slots=True)
class Notice:
    """What live-reload clients are told after build number ``version``."""

    version: int
    kind: str
    """``reload``, ``css`` (swap these stylesheets), ``errors`` (show overlay) or ``ok``."""
    data: tuple[str, ...] = ()


def ordered(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=lambda d: (not d.is_error, d.path, d.line, d.message))


def notice_for(outcome: Outcome, version: int) -> Notice:
    """Failed: the errors. Only CSS rewritten: swap it. Anything else written: reload."""
    if not outcome.ok:
        shown = [d for d in ordered(outcome.diagnostics) if d.is_error] or outcome.diagnostics
        return Notice(version, "errors", tuple(str(d) for d in shown) or ("the build failed",))
    if outcome.written or outcome.removed:
        if not outcome.removed and all(p.endswith(".css") for p in outcome.written):
            return Notice(version, "css", outcome.written)
        return Notice(version, "reload")
    return Notice(version, "ok")


# ---------------------------------------------------------------- shared state


@dataclass(frozen=True, slots=True)
class View:
    """What a request sees, taken together under the gate: the build and its failure."""

    token: str
    failure: tuple[str, ...]


class SiteState:
    """The gate between builds and requests, and the news for live-reload clients.

    A build holds the gate alone (new requests wait, running ones finish first), so a
    half-written site is never served. Every finished build bumps ``version``; clients
    ask for the notices after the version their page was served at.
    """

    def __init__(self, session: str | None = None, history: int = 64) -> None:
        self.session = session or secrets.token_hex(4)
        self._cond = threading.Condition()
        self._readers = 0
        self._building = False
        self._closed = False
        self._version = 0
        self._failure: tuple[str, ...] = ()
        self._notices: deque[Notice] = deque(maxlen=history)

    def token(self, version: int) -> str:
        return f"{self.session}-{version}"

    @contextlib.contextmanager
    def reading(self) -> Iterator[View]:
        with self._cond:
            self._cond.wait_for(lambda: not self._building)
            self._readers += 1
            view = View(self.token(self._version), self._failure)
        try:
            yield view
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._building)
            self._building = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._building = False
                self._cond.notify_all()

    def publish(self, outcome: Outcome) -> Notice:
        with self._cond:
            self._version += 1
            notice = notice_for(outcome, self._version)
            self._failure = notice.data if notice.kind == "errors" else ()
            self._notices.append(notice)
            self._cond.notify_all()
            return notice

    def notices_after(self, token: str, timeout: float) -> list[Notice] | None:
        """Notices newer than ``token``, waiting up to ``timeout``; None once closed."""
        session, _, number = token.rpartition("-")
        with self._cond:
            since = int(number) if number.isdigit() and session == self.session else -1
            oldest = self._notices[0].version if self._notices else 1
            if since < oldest - 1 or since > self._version:
                return [Notice(self._version, "reload")]
            self._cond.wait_for(lambda: self._closed or self._version > since, timeout)
            if self._closed:
                return None
            return [n for n in self._notices if n.version > since]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# ---------------------------------------------------------------- HTTP


LIVE_SCRIPT = """<script data-tensorpress-live>(() => {
  const box = (lines) => {
    let el = document.getElementById("tensorpress-overlay");
    if (!lines) { if (el) el.remove(); return; }
    if (!el) {
      el = document.createElement("div");
      el.id = "tensorpress-overlay";
      el.setAttribute("role", "alert");
      el.style.cssText = "%(style)s";
      document.body.appendChild(el);
    }
    const head = document.createElement("strong");
    head.textContent = "%(head)s";
    const pre = document.createElement("pre");
    pre.style.cssText = "margin:.5em 0 0;white-space:pre-wrap";
    pre.textContent = lines.join("\\n");
    el.replaceChildren(head, pre);
  };
  const es = new EventSource("%(events)s?since=%(token)s");
  es.addEventListener("reload", () => location.reload());
  es.addEventListener("errors", (e) => box(JSON.parse(e.data)));
  es.addEventListener("ok", () => box(null));
  es.addEventListener("css", (e) => {
    box(null);
    const changed = JSON.parse(e.data);
    const links = [...document.querySelectorAll('link[rel="stylesheet"]')];
    const hit = links.filter((l) =>
      changed.some((p) => new URL(l.href).pathname.endsWith("/" + p)));
    for (const l of hit.length ? hit : links) {
      const url = new URL(l.href);
      url.searchParams.set("tp", Date.now());
      l.href = url.href;
    }
  });
})();</script>
"""
OVERLAY_STYLE = (
    "position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:60vh;overflow:auto;"
    "margin:0;padding:1em;background:#fff1f0;color:#5c0a0a;border-bottom:3px solid #c62828;"
    "font:14px/1.45 ui-monospace,monospace;text-align:left"
)
OVERLAY_HEAD = "tensorpress: the last rebuild failed; this is the last good page"
NOT_BUILT = b"<!doctype html><title>Not found</title><h1>Not found</h1>\n"


def inject(page: bytes, token: str, failure: tuple[str, ...]) -> bytes:
    """The live-reload script (and the overlay of a failed build) before ``</body>``."""
    script = LIVE_SCRIPT % {
        "style": OVERLAY_STYLE,
        "head": OVERLAY_HEAD,
        "events": EVENTS_PATH,
        "token": token,
    }
    if failure:
        text = html.escape("\n".join(failure))
        script = (
            f'<div id="tensorpress-overlay" role="alert" style="{OVERLAY_STYLE}">'
            f"<strong>{html.escape(OVERLAY_HEAD)}</strong>"
            f'<pre style="margin:.5em 0 0;white-space:pre-wrap">{text}</pre></div>\n' + script
        )
    end = page.lower().rfind(b"</body>")
    at = end if end >= 0 else len(page)
    return page[:at] + script.encode() + page[at:]


@dataclass(frozen=True, slots=True)
class Resolved:
    kind: str
    """``file``, ``redirect`` or ``missing``."""
    target: str = ""
    """The file's path, or the redirect's location."""


_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|00)", re.I)


def resolve(output: Path, request_target: str) -> Resolved:
    """Map a request target to a file strictly inside ``output``.

    Refused (``missing``): ``..`` and ``.`` segments, dot-files, encoded separators,
    empty segments (``//host`` would become an open redirect), invalid UTF-8, and any
    path whose real location (symlinks followed) leaves the output folder.
    """
    raw, _, query = request_target.partition("#")[0].partition("?")
    if not raw.startswith("/"):
        return Resolved("missing")
    segments = raw.split("/")[1:]
    slash = segments[-1] == ""
    if slash:
        segments.pop()
    names = []
    for segment in segments:
        if not segment or _ENCODED_SEPARATOR.search(segment):
            return Resolved("missing")
        try:
            name = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            return Resolved("missing")
        if name.startswith(".") or any(c in name for c in "/\\\0"):
            return Resolved("missing")
        names.append(name)
    base = os.path.realpath(output)
    path = os.path.realpath(os.path.join(base, *names))
    if os.path.isdir(path) and (path == base or path.startswith(base + os.sep)):
        if not slash:
            return Resolved("redirect", raw + "/" + (f"?{query}" if query else ""))
        path = os.path.realpath(os.path.join(path, "index.html"))
    elif slash:
        return Resolved("missing")
    if not path.startswith(base + os.sep) or not os.path.isfile(path):
        return Resolved("missing")
    return Resolved("file", path)


TYPES = MappingProxyType(
    {
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".xml": "application/xml; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".gif": "image/gif",
        ".webp": "image/webp",
        ".ico": "image/x-icon",
        ".woff2": "font/woff2",
        ".pdf": "application/pdf",
    }
)


def _content_type(path: str) -> str:
    import mimetypes

    suffix = os.path.splitext(path)[1].lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the site's files, and the event stream for live reload."""

    server: LiveHTTPServer
    server_version = "tensorpress"

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged: the terminal is for rebuilds."""

    def _respond(self, body: bool) -> None:
        raw, _, query = self.path.partition("?")
        if raw == EVENTS_PATH:
            self._events(query, body)
            return
        server = self.server
        with server.state.reading() as view:
            found = resolve(server.output, self.path)
            status, data, path = 200, b"", found.target
            if found.kind == "file":
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    found = Resolved("missing")
            if found.kind == "missing":
                status, path = 404, "404.html"
                try:
                    data = (server.output / "404.html").read_bytes()
                except OSError:
                    data = NOT_BUILT
        if found.kind == "redirect":
            self.send_response(301)
            self.send_header("Location", found.target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        kind = _content_type(path)
        if kind.startswith("text/html"):
            data = inject(data, view.token, view.failure)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            with contextlib.suppress(OSError):
                self.wfile.write(data)

    def _events(self, query: str, body: bool) -> None:
        """Stream notices after the client's build (query, or Last-Event-ID on reconnect)."""
        state = self.server.state
        token = self.headers.get("Last-Event-ID") or parse_qs(query).get("since", [""])[0]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not body:
            return
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while (notices := state.notices_after(token, KEEPALIVE)) is not None:
                chunk = b": keepalive\n\n" if not notices else b""
                for n in notices:
                    token = state.token(n.version)
                    data = json.dumps(list(n.data))
                    chunk += f"id: {token}\nevent: {n.kind}\ndata: {data}\n\n".encode()
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:  # the browser went away
            return


class LiveHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    """A page load opens many connections at once; a short backlog drops some for 1 s."""

    def __init__(self, address: tuple[str, int], state: SiteState, output: Path) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.state = state
        self.output = output
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Skip ``HTTPServer``'s reverse DNS lookup of the host: it can take seconds."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class ServeError(Exception):
    """A problem the user can fix (port in use, no site); the message says how."""


def bind(host: str, port: int, fallback: int, state: SiteState, output: Path) -> LiveHTTPServer:
    """Listen on ``port``, or on one of the next ``fallback`` ports if it is taken."""
    for candidate in range(port, port + fallback + 1):
        try:
            return LiveHTTPServer((host, candidate), state, output)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE and candidate < port + fallback:
                continue
            if exc.errno == errno.EADDRINUSE:
                ports = f"ports {port}-{candidate} are" if fallback else f"port {port} is"
                raise ServeError(
                    f"{ports} already in use on {host} (is another server running?): "
                    "stop it, or choose a free port with --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise ServeError(
                    f"not allowed to listen on port {candidate}: choose a port above 1023 "
                    "with --port"
                ) from None
            raise ServeError(
                f"cannot listen on {host}:{candidate} ({exc.strerror or exc}): use --host "
                "127.0.0.1, or 0.0.0.0 to be reachable from other machines"
            ) from None
    raise AssertionError("unreachable")
