"""``tensorpress serve``: build once, serve over HTTP, rebuild on change, reload the browser.

Three parts, so that the logic can be tested without sockets or timers:

- ``classify`` (pure) sorts changed paths into content / template / static / config.
- ``Rebuilder`` debounces watcher events with an injected clock and runs an injected
  builder; ``SiteBuilder`` is the real one (a cached build, or a copy of a changed
  static file).
- ``DevServer`` owns the socket, the watchdog observer and the threads; the request
  handler, the gate between builds and requests, and the notices live-reload clients
  wait on are in ``livereload``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tensorpress.build import Memo, build
from tensorpress.config import CONFIG_NAME, SiteConfig, load_config
from tensorpress.diagnostics import Diagnostic, error, has_errors
from tensorpress.livereload import (
    LiveHTTPServer,
    Notice,
    Outcome,
    ServeError,
    SiteState,
    bind,
    ordered,
)
from tensorpress.templates import theme_dir

WATCHED = ("content", "templates", "static")


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
            return tuple(ordered(outcome.diagnostics))
        return tuple(d for d in ordered(outcome.diagnostics) if d not in shown)

    def run(self) -> None:
        """The rebuild loop: sleep until a batch is due, build it, until ``close``."""
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
        if kinds.config or kinds.templates:
            gc.unfreeze()  # what the last site held may be garbage now: let it be found
        result = build(self._config, self._cache, jobs=1)  # no fork beside our threads
        if result.cache:
            self._cache = result.cache
        # The site kept for the next rebuild (records of every post) is long-lived: frozen,
        # the collector stops scanning it on each save, a tenth of a rebuild at 1,000 posts.
        # Cyclic garbage of this build is collected first, so none is frozen for good; only
        # objects made since the last freeze are scanned.
        gc.collect()
        gc.freeze()
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
    """Owns the socket, the watcher and the rebuild loop of ``tensorpress serve``.

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
        self._httpd: LiveHTTPServer | None = None
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
        self._httpd = bind(self.host, self.port, self.fallback, self.state, self.output)
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
        return self.first

    def idle(self) -> bool:
        """No change waiting and no build running: what tests and the benchmark wait for."""
        return self._rebuilder is not None and self._rebuilder.idle()

    def serve_forever(self) -> None:
        """Serve from a thread and rebuild on this one until Ctrl-C: on the main thread
        (``tensorpress serve``) a lexer that runs away on an edit can be stopped
        (``limits``)."""
        assert self._rebuilder is not None, "start() first"
        self._serving = self._spawn(self._serve_http, "tensorpress-http")
        self._rebuilder.run()

    def _serve_http(self) -> None:
        assert self._httpd is not None, "start() first"
        self._httpd.serve_forever(poll_interval=0.25)

    def __enter__(self) -> DevServer:
        """Started, serving and rebuilding from threads (tests, the benchmark)."""
        try:
            self.start()
            assert self._rebuilder is not None
            self._spawn(self._rebuilder.run, "tensorpress-rebuild")
            self._serving = self._spawn(self._serve_http, "tensorpress-http")
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
