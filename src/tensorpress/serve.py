"""``tensorpress serve``: build once, serve over HTTP, rebuild on change, reload the browser.

Three parts, so that the logic can be tested without sockets or timers:

- ``classify`` (pure) sorts changed paths into content / template / static / config.
- ``Rebuilder`` debounces watcher events with an injected clock and runs an injected
  builder; ``SiteBuilder`` is the real one (a cached full build, or a copy of a changed
  static file); ``SiteState`` is the gate that keeps requests out while a build writes,
  plus the notices that live-reload clients wait on.
- ``DevServer`` owns the socket, the watchdog observer and the threads.

The live-reload script and the error overlay are added to HTML responses as they are
sent; the built files on disk stay byte-identical to ``tensorpress build``.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import os
import re
import secrets
import shutil
import socket
import socketserver
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from urllib.parse import parse_qs, unquote

from tensorpress.build import Memo, build
from tensorpress.config import CONFIG_NAME, SiteConfig, load_config
from tensorpress.diagnostics import Diagnostic, error, has_errors
from tensorpress.render import theme_dir

EVENTS_PATH = "/__tensorpress/events"
WATCHED = ("content", "templates", "static")
KEEPALIVE = 15.0
"""Seconds between SSE comments, so a closed browser tab frees its thread."""


# ---------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class ChangeKinds:
    """Changed paths (relative to the site root) by what they require of a rebuild."""

    content: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    static: tuple[str, ...] = ()
    config: tuple[str, ...] = ()
    full: bool = False
    """Start-up: everything is new."""

    def __bool__(self) -> bool:
        return self.full or bool(self.paths)

    @property
    def paths(self) -> tuple[str, ...]:
        return (*self.config, *self.content, *self.templates, *self.static)

    @property
    def static_only(self) -> bool:
        return bool(self.static) and not self.full and self.paths == self.static

    def describe(self, limit: int = 3) -> str:
        if self.full:
            return "start"
        paths = self.paths
        shown = ", ".join(paths[:limit])
        return shown + (f" (+{len(paths) - limit} more)" if len(paths) > limit else "")


def _ignored(parts: tuple[str, ...]) -> bool:
    """What ``output.read_sources`` skips: dot-files, dot-folders and backups ending in ``~``."""
    return any(p.startswith(".") for p in parts) or parts[-1].endswith("~")


def classify(paths: Iterable[str | os.PathLike[str]], root: Path) -> ChangeKinds:
    """Sort changed paths by kind; paths outside the watched folders or skipped by builds drop."""
    found: dict[str, set[str]] = {"content": set(), "templates": set(), "static": set()}
    config: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_absolute():
            try:
                path = path.relative_to(root)
            except ValueError:
                continue
        parts = PurePosixPath(path.as_posix()).parts
        if not parts or _ignored(parts):
            continue
        if parts == (CONFIG_NAME,):
            config.add(CONFIG_NAME)
        elif parts[0] in found:
            found[parts[0]].add("/".join(parts))
    return ChangeKinds(
        content=tuple(sorted(found["content"])),
        templates=tuple(sorted(found["templates"])),
        static=tuple(sorted(found["static"])),
        config=tuple(sorted(config)),
    )


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


def _ordered(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=lambda d: (not d.is_error, d.path, d.line, d.message))


def notice_for(outcome: Outcome, version: int) -> Notice:
    """Failed: the errors. Only CSS rewritten: swap it. Anything else written: reload."""
    if not outcome.ok:
        shown = [d for d in _ordered(outcome.diagnostics) if d.is_error] or outcome.diagnostics
        return Notice(version, "errors", tuple(str(d) for d in shown) or ("the build failed",))
    if outcome.written or outcome.removed:
        if not outcome.removed and all(p.endswith(".css") for p in outcome.written):
            return Notice(version, "css", outcome.written)
        return Notice(version, "reload")
    return Notice(version, "ok")


@dataclass(frozen=True, slots=True)
class Rebuild:
    """One rebuild as the terminal reports it."""

    kinds: ChangeKinds
    outcome: Outcome
    notice: Notice
    fresh: tuple[Diagnostic, ...] = ()
    """Diagnostics to print: every one of a failed build, else those not printed before."""

    def summary(self) -> str:
        o = self.outcome
        head = "first build" if self.kinds.full else f"changed {self.kinds.describe()}"
        if not o.ok:
            errors = sum(d.is_error for d in o.diagnostics)
            then = (
                "the site appears when they are fixed"
                if self.kinds.full
                else "still serving the last good site"
            )
            return f"{head} -> build failed with {errors} error(s) in {o.ms:.0f} ms; {then}"
        if self.kinds.full:
            return f"{head} -> {o.posts or 0} post(s), {len(o.written)} file(s) in {o.ms:.0f} ms"
        if o.written or o.removed:
            verb = "copied" if o.copied else "wrote"
            did = f"{verb} {len(o.written)} file(s)" + _names(o.written)
            if o.removed:
                did += f", removed {len(o.removed)}" + _names(o.removed)
        else:
            did = "nothing to rewrite"
        return f"{head} -> {did} in {o.ms:.0f} ms"


def _names(paths: tuple[str, ...], limit: int = 3) -> str:
    if not paths:
        return ""
    more = f", +{len(paths) - limit} more" if len(paths) > limit else ""
    return f" ({', '.join(sorted(paths)[:limit])}{more})"


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


# ---------------------------------------------------------------- rebuilding


Builder = Callable[[ChangeKinds], Outcome]


class Rebuilder:
    """Debounce watcher events into rebuilds, then publish and report each one.

    Editors save in bursts (temp file, rename, chmod), so a batch is built once no event
    came for ``quiet`` seconds, or ``patience`` seconds after its first event when events
    never stop. Events that arrive during a build start the next batch.
    """

    def __init__(
        self,
        root: Path,
        builder: Builder,
        state: SiteState,
        *,
        clock: Callable[[], float] = time.monotonic,
        quiet: float = 0.03,
        patience: float = 1.0,
        report: Callable[[Rebuild], None] | None = None,
    ) -> None:
        self.root = root
        self._builder = builder
        self._state = state
        self._clock = clock
        self._quiet = quiet
        self._patience = patience
        self._report = report
        self._cond = threading.Condition()
        self._paths: set[str] = set()
        self._first: float | None = None
        self._last = 0.0
        self._stopped = False
        self._busy = False
        self._shown: frozenset[Diagnostic] = frozenset()

    def notify(self, paths: Iterable[str]) -> None:
        """Record changed paths (any thread); the build waits for the burst to end."""
        with self._cond:
            now = self._clock()
            self._paths.update(paths)
            if self._first is None:
                self._first = now
            self._last = now
            self._cond.notify_all()

    def due_in(self) -> float | None:
        """Seconds until the pending batch is due (<= 0: now); None when nothing is pending."""
        with self._cond:
            if self._first is None:
                return None
            deadline = min(self._last + self._quiet, self._first + self._patience)
            return deadline - self._clock()

    def poll(self) -> Rebuild | None:
        """Build the pending batch if it is due; paths no build reads are dropped."""
        with self._cond:
            wait = self.due_in()
            if wait is None or wait > 0:
                return None
            paths, self._paths, self._first = self._paths, set(), None
            self._busy = True
        try:
            kinds = classify(paths, self.root)
            return self.rebuild(kinds) if kinds else None
        finally:
            with self._cond:
                self._busy = False

    def idle(self) -> bool:
        """Nothing pending and no build running."""
        with self._cond:
            return self._first is None and not self._busy

    def rebuild(self, kinds: ChangeKinds) -> Rebuild:
        with self._state.building():
            try:
                outcome = self._builder(kinds)
            except Exception as exc:  # a bug must not stop the server: show it instead
                message = f"internal error: {type(exc).__name__}: {exc} (please report it)"
                outcome = Outcome(False, (error("tensorpress", 0, message),))
            notice = self._state.publish(outcome)
        record = Rebuild(kinds, outcome, notice, self._fresh(outcome))
        if self._report is not None:
            self._report(record)
        return record

    def _fresh(self, outcome: Outcome) -> tuple[Diagnostic, ...]:
        if outcome.copied:
            return ()
        shown, self._shown = self._shown, frozenset(outcome.diagnostics)
        if not outcome.ok:
            return tuple(_ordered(outcome.diagnostics))
        return tuple(d for d in _ordered(outcome.diagnostics) if d not in shown)

    def run(self) -> None:
        """The rebuild thread: sleep until a batch is due, build it, until ``close``."""
        while True:
            with self._cond:
                while not self._stopped:
                    wait = self.due_in()
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopped:
                    return
            self.poll()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


def _static_sources(root: Path) -> dict[str, Path]:
    """Output path -> static file that a build copies there (the site's over the theme's)."""
    found: dict[str, Path] = {}
    for top in (theme_dir() / "static", root / "static"):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if not _ignored((name,)):
                    path = Path(dirpath, name)
                    found[path.relative_to(top).as_posix()] = path
    return found


def _replace(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` atomically unless it holds them already."""
    with contextlib.suppress(OSError):
        if target.read_bytes() == data:
            return False
    temp = target.with_name(f".{target.name}.tp-{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, target)
    return True


@dataclass
class SiteBuilder:
    """The real builder: a cached full build, or for changed static files a plain copy.

    A full build re-parses only posts whose bytes changed (``cache``) and writes only
    changed files, so its output is a clean build's by construction. A modified static
    file that the last good build copied is copied again directly, which gives the same
    bytes without rendering every page.
    """

    root: Path
    output: Path
    base_url: str
    drafts: bool = True
    _config: SiteConfig | None = field(default=None, init=False)
    _config_diags: tuple[Diagnostic, ...] = field(default=(), init=False)
    _cache: Memo | None = field(default=None, init=False)
    _static: dict[str, Path] = field(default_factory=dict, init=False)

    def __call__(self, kinds: ChangeKinds) -> Outcome:
        start = time.perf_counter()
        if kinds.static_only and self._static:
            copied = self._copy(kinds.static)
            if copied is not None:
                return Outcome(True, written=copied, ms=_ms(start), copied=True)
        self._static = {}
        if self._config is None or kinds.config or kinds.full:
            self._config, self._config_diags = load_config(
                self.root, self.output, base_url=self.base_url, drafts=self.drafts
            )
            if has_errors(self._config_diags):
                diags, self._config = self._config_diags, None
                return Outcome(False, diags, ms=_ms(start))
        result = build(self._config, self._cache, jobs=1)  # no fork beside our threads
        if result.cache:
            self._cache = result.cache
        if result.ok:
            self._static = _static_sources(self.root)
        return Outcome(
            result.ok,
            (*self._config_diags, *result.diagnostics),
            result.written,
            result.removed,
            _ms(start),
            posts=result.posts if result.ok else None,
        )

    def _copy(self, changed: tuple[str, ...]) -> tuple[str, ...] | None:
        """Copy modified static files the last build copied; None if a build is needed."""
        jobs = []
        for rel in changed:
            out = rel.removeprefix("static/")
            path = self.root / rel
            if self._static.get(out) != path or path.is_symlink() or not path.is_file():
                return None
            jobs.append((out, path))
        written = []
        try:
            for out, path in jobs:
                if _replace(self.output / out, path.read_bytes()):
                    written.append(out)
        except OSError:
            return None
        return tuple(written)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


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

    server: _HTTPServer
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


class _HTTPServer(ThreadingHTTPServer):
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


def _bind(host: str, port: int, fallback: int, state: SiteState, output: Path) -> _HTTPServer:
    """Listen on ``port``, or on one of the next ``fallback`` ports if it is taken."""
    for candidate in range(port, port + fallback + 1):
        try:
            return _HTTPServer((host, candidate), state, output)
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


# ---------------------------------------------------------------- the server


class _Watch:
    """Watchdog handler: record the paths of writes, creations, deletions and moves."""

    def __init__(self, notify: Callable[[Iterable[str]], None]) -> None:
        self._notify = notify

    def dispatch(self, event: object) -> None:
        paths = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
        self._notify([os.fsdecode(p) for p in paths if p])


def _event_filter() -> list[type]:
    """Writes, not reads: a build opens every source, which must not trigger a build."""
    from watchdog import events as ev

    return [
        ev.FileCreatedEvent,
        ev.FileModifiedEvent,
        ev.FileClosedEvent,
        ev.FileDeletedEvent,
        ev.FileMovedEvent,
        ev.DirCreatedEvent,
        ev.DirDeletedEvent,
        ev.DirMovedEvent,
    ]


class DevServer:
    """Owns the socket, the watcher and the rebuild thread of ``tensorpress serve``.

    The site is built into a private temporary folder with ``base_url`` set to the
    server's address, so links work locally and ``build``'s output is left alone.
    """

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        fallback: int = 0,
        drafts: bool = True,
        quiet: float = 0.03,
        report: Callable[[Rebuild], None] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.host = host
        self.requested_port = port
        self.port = port
        self.fallback = fallback
        self.drafts = drafts
        self.state = SiteState()
        self.output = Path()
        self.first: Rebuild | None = None
        self._quiet = quiet
        self._report = report
        self._httpd: _HTTPServer | None = None
        self._rebuilder: Rebuilder | None = None
        self._observer = None
        self._handler: _Watch | None = None
        self._filter = _event_filter()
        self._watches: dict[str, object] = {}
        self._threads: list[threading.Thread] = []
        self._serving: threading.Thread | None = None
        self._closed = False

    @property
    def url(self) -> str:
        shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://{f'[{shown}]' if ':' in shown else shown}:{self.port}/"

    def start(self) -> Rebuild:
        """Listen, build once, start watching. Raises ``ServeError`` for fixable problems."""
        if not (self.root / "content").is_dir() and not (self.root / CONFIG_NAME).is_file():
            raise ServeError(
                f"{self.root} holds no site (no content/ folder, no {CONFIG_NAME}): "
                f"run 'tensorpress init {self.root}' or pass the site folder with --source"
            )
        self.output = Path(tempfile.mkdtemp(prefix="tensorpress-serve-"))
        self._httpd = _bind(self.host, self.port, self.fallback, self.state, self.output)
        self.port = self._httpd.server_address[1]
        builder = SiteBuilder(self.root, self.output, self.url, self.drafts)

        def build_watched(kinds: ChangeKinds) -> Outcome:
            # Watch a folder that came or went before building: the build reads what is
            # there now, the watch sees what comes after.
            if self._observer is not None and any(p in WATCHED for p in kinds.paths):
                self._rewatch(kinds.paths)
            return builder(kinds)

        self._rebuilder = Rebuilder(
            self.root, build_watched, self.state, quiet=self._quiet, report=self._report
        )
        self.first = self._rebuilder.rebuild(ChangeKinds(full=True))
        self._watch()
        self._spawn(self._rebuilder.run, "tensorpress-rebuild")
        return self.first

    def idle(self) -> bool:
        """No change waiting and no build running: what tests and the benchmark wait for."""
        return self._rebuilder is not None and self._rebuilder.idle()

    def serve_forever(self) -> None:
        assert self._httpd is not None, "start() first"
        self._httpd.serve_forever(poll_interval=0.25)

    def __enter__(self) -> DevServer:
        try:
            self.start()
            self._serving = self._spawn(self.serve_forever, "tensorpress-http")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop watching, building and serving; remove the temporary output folder."""
        if self._closed:
            return
        self._closed = True
        self.state.close()
        if self._observer is not None:
            self._observer.stop()
        if self._rebuilder is not None:
            self._rebuilder.close()
        if self._httpd is not None:
            if self._serving is not None:
                self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._observer is not None:
            self._observer.join(timeout=5)
        if self.output != Path():
            shutil.rmtree(self.output, ignore_errors=True)

    def _spawn(self, target: Callable[[], None], name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def _watch(self) -> None:
        from watchdog.observers import Observer

        assert self._rebuilder is not None
        self._observer = Observer()
        self._handler = _Watch(self._rebuilder.notify)
        self._observer.schedule(
            self._handler, str(self.root), recursive=False, event_filter=self._filter
        )
        self._rewatch(())
        self._observer.start()

    def _rewatch(self, changed: Iterable[str]) -> None:
        """Watch content/, templates/ and static/ as they come and go."""
        assert self._observer is not None
        for name in WATCHED:
            folder = self.root / name
            if name in self._watches and (name in changed or not folder.is_dir()):
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(self._watches.pop(name))
            if name not in self._watches and folder.is_dir():
                with contextlib.suppress(OSError):
                    self._watches[name] = self._observer.schedule(
                        self._handler, str(folder), recursive=True, event_filter=self._filter
                    )
