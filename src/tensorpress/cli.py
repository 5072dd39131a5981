"""The command line: parse argv, run a command, print diagnostics, choose the exit code.

Heavy modules are imported inside the commands, so ``tensorpress --version`` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from tensorpress import __version__
from tensorpress.diagnostics import Diagnostic

DESCRIPTION = """\
tensorpress turns a folder of Markdown posts into a static blog made for deep learning:
highlighted code, math, topics, feeds, and drafts that build even when they are rough.

A site folder holds content/ (the posts) and, optionally, tensorpress.yaml, templates/
and static/. Run 'tensorpress COMMAND --help' for the options of a command."""


def _print_diagnostics(diags: Sequence[Diagnostic], quiet: bool) -> None:
    """Each diagnostic once, sorted (callers count ``set(diags)``, what is printed)."""
    ordered = sorted(set(diags), key=lambda d: (d.path, d.line, d.severity, d.message))
    for d in ordered:
        if quiet and not d.is_error:
            continue
        print(d, file=sys.stderr)


def _cmd_build(args: argparse.Namespace) -> int:
    from tensorpress.build import build
    from tensorpress.config import load_config
    from tensorpress.diagnostics import has_errors

    config, config_diags = load_config(
        Path(args.source),
        Path(args.output) if args.output else None,
        base_url=args.base_url,
        drafts=args.drafts,
    )
    if has_errors(config_diags) or (args.strict and config_diags):
        _print_diagnostics(config_diags, args.quiet)
        print("build failed: nothing was written", file=sys.stderr)
        return 1
    # A build makes a great many objects that live to its end (posts, records, plans):
    # at the collector's default pace it scans them over and over, a sixth of the time
    # of a one-edit build of 5,000 posts. Young cycles are still collected, less often.
    gc.set_threshold(200_000, 50, 100)
    result = build(
        config, strict=args.strict, disk_cache=not args.no_cache, jobs=args.jobs, keep=False
    )
    diags = tuple(dict.fromkeys((*config_diags, *result.diagnostics)))  # as printed: once
    _print_diagnostics(diags, args.quiet)
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if not result.ok:
        why = f"{errors} error(s)" if errors else f"{warnings} warning(s) with --strict"
        print(
            f"build failed with {why}; the previous site in {config.output} is unchanged",
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        posts, topics = result.posts, result.topics
        print(
            f"built {posts} posts, {topics} topics, {result.pages} files "
            f"({len(result.written)} written, {len(result.removed)} removed) in "
            f"{result.seconds:.2f} s -> {config.output}"
            + (f"; {warnings} warning(s)" if warnings else "")
        )
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from tensorpress.serve import DevServer, Rebuild, ServeError

    def report(record: Rebuild) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {record.summary()}", flush=True)
        _print_diagnostics(record.fresh, quiet=False)

    server = DevServer(
        Path(args.source),
        host=args.host,
        port=8000 if args.port is None else args.port,
        fallback=10 if args.port is None else 0,
        drafts=args.drafts,
        report=report,
    )
    try:
        try:
            server.start()
        except ServeError as exc:
            print(f"tensorpress serve: error: {exc}", file=sys.stderr)
            return 1
        if server.port != server.requested_port and server.requested_port:
            print(f"port {server.requested_port} is in use; serving on port {server.port} instead")
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"listening on {args.host}: other machines on your network can read the site")
        drafts = "drafts shown" if args.drafts else "drafts hidden"
        print(f"serving {server.root} at {server.url} ({drafts}); press Ctrl-C to stop", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("stopped", flush=True)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    import json

    from tensorpress.check import check_site
    from tensorpress.config import load_config
    from tensorpress.findings import dedupe, from_diagnostic
    from tensorpress.fix import apply_fixes, plan_fixes

    if args.pyflakes:
        try:
            import pyflakes  # noqa: F401
        except ImportError:
            print("tensorpress check: --pyflakes needs pyflakes: pip install pyflakes",
                  file=sys.stderr)  # fmt: skip
            return 2
    config, config_diags = load_config(Path(args.source), drafts=True)
    failed_fixes = []
    if args.fix:
        fixes = plan_fixes(config)
        for fix in fixes:
            print(fix.diff(), end="", file=sys.stderr if args.format == "json" else sys.stdout)
        for done in apply_fixes(config.root, fixes, datetime.now()):
            print(done, file=sys.stderr)
            if done.severity == "error":  # a fix that could not be written fails the run
                failed_fixes.append(done)
        if not fixes:
            print("nothing to fix", file=sys.stderr)
    report = check_site(config, pyflakes=args.pyflakes)
    findings = dedupe((*(from_diagnostic(d) for d in config_diags), *report.findings))
    errors = len(failed_fixes)
    if args.format == "json":
        print(json.dumps([f.as_json() for f in findings], indent=1, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding)
    errors += sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    notes = len(findings) + len(failed_fixes) - errors - warnings
    print(
        f"checked {report.posts} posts: {errors} error(s), {warnings} warning(s), "
        f"{notes} note(s)" + (" (--strict: warnings fail)" if args.strict and warnings else ""),
        file=sys.stderr,
    )
    return 1 if errors or (args.strict and warnings) else 0


def _cmd_clean(args: argparse.Namespace) -> int:
    """The output files the last build wrote and the build cache go; nothing else: the
    output folder is checked as ``build`` checks it, and no link is followed."""
    import shutil

    from tensorpress.output import CACHE_DIR, check_output_folder, clean_output

    root = Path(args.source).resolve()
    output = Path(args.output).resolve() if args.output else root / "public"
    refused = check_output_folder(output, root)
    if refused is not None:
        print(refused, file=sys.stderr)
        return 1
    cache = root / CACHE_DIR
    try:
        removed = clean_output(output)
        if cache.is_symlink():
            cache.unlink()  # the link, never what it leads to
        elif cache.is_dir():
            shutil.rmtree(cache)
            removed += 1
    except OSError as exc:
        where = exc.filename or output
        print(f"{where}:0: error: cannot delete: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"removed {removed} file(s) written by tensorpress and the build cache")
    return 0


def _jobs(text: str) -> int:
    """``-j N``: 1 or more, and at most four per core (``-j 100000`` forked until the
    machine gave out)."""
    if not text.isdecimal() or int(text[:6]) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes: give 1 or more")
    return min(int(text[:6]), 4 * (os.cpu_count() or 1))


def _port(text: str) -> int:
    """A TCP port for ``serve -p``: a number from 0 (any free port) to 65535."""
    if not text.isdecimal() or not int(text[:6]) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 0 to 65535")
    return int(text)


SAMPLE_CONFIG = """\
# tensorpress site configuration. Every key is optional.
title: {title}
description: "Notes on deep learning, with code."
author: ""
base_url: "http://localhost:8000/"
language: en
timezone: UTC
posts_per_page: 10
pygments_style:
  light: xcode
  dark: monokai
"""

SAMPLE_POST = """\
---
title: "Hello, tensorpress"
date: {date}
topics: [neural-networks, numpy]
summary: "A first post: prose, math and code."
---

Welcome to your new blog. Posts are Markdown files in `content/`.

## Math and code

The logistic function is $\\sigma(x) = 1 / (1 + e^{{-x}})$.

```python
import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


print(sigmoid(np.array([-2.0, 0.0, 2.0])))
```
"""


_INIT_HINTS = {
    "ENAMETOOLONG": "choose a shorter name (most file systems allow 255 bytes a folder)",
    "ENOTDIR": "a part of the path is a file, not a folder: choose another path",
    "EACCES": "you may not write there: choose a folder of yours",
    "EPERM": "you may not write there: choose a folder of yours",
    "EROFS": "the file system is read-only: choose another place",
    "ENOSPC": "the disk is full: free some space or choose another place",
}


def _cmd_init(args: argparse.Namespace) -> int:
    """A sample site in a folder, or nothing at all: a failure takes back what was made."""
    from tensorpress.frontmatter import quote

    name: str = args.directory
    if not name.strip() or "\0" in name:
        why = "is empty" if not name.strip() else "holds a NUL character"
        print(
            f"tensorpress init: error: the folder name {why}: give a folder such as "
            "'my-blog' ('.' for the current one)",
            file=sys.stderr,
        )
        return 1
    root = Path(name)
    shown = _readable(root)
    made: list[Path] = []  # what this command created, to take back on failure
    try:
        if (root / "content").exists() or (root / "tensorpress.yaml").exists():
            print(
                f"{shown}: error: already holds a site (content/ or tensorpress.yaml); "
                "choose an empty folder",
                file=sys.stderr,
            )
            return 1
        missing = [p for p in (root, *root.parents) if not p.exists()]
        for folder in (*reversed(missing), root / "content"):
            folder.mkdir()
            made.append(folder)
        today = datetime.now().strftime("%Y-%m-%d")
        files = {
            root / "tensorpress.yaml": SAMPLE_CONFIG.format(title=quote(_title(root))),
            root / "content" / "hello-tensorpress.md": SAMPLE_POST.format(date=today),
        }
        for path, text in files.items():
            with path.open("x", encoding="utf-8") as f:  # "x": never over a file
                made.append(path)
                f.write(text)
    except OSError as exc:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()
        hint = _INIT_HINTS.get(errno.errorcode.get(exc.errno or 0, ""), "choose another folder")
        print(
            f"{shown}: error: cannot create the site: {exc.strerror or exc}: {hint}",
            file=sys.stderr,
        )
        return 1
    print(f"created a site in {shown}: run 'tensorpress build -s {shown}'")
    return 0


def _readable(path: Path) -> str:
    """A path as text that can be printed and written: bytes of its name that are no
    UTF-8 (a name made elsewhere, given on the command line) become U+FFFD."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _title(root: Path) -> str:
    """The site's title from its folder's name: ``my-blog`` -> ``My Blog``."""
    return _readable(Path(root.resolve().name)).replace("-", " ").title() or "My blog"


def _cmd_new(args: argparse.Namespace) -> int:
    from tensorpress.content import slugify
    from tensorpress.frontmatter import quote

    root = Path(args.source)
    topics = [t.strip() for t in (args.topics or "").split(",") if t.strip()]
    slug = slugify(args.title)
    path = root / "content" / f"{slug}.md"
    if path.exists():
        print(f"{path}: error: already exists; choose another title", file=sys.stderr)
        return 1
    front = [
        "---",
        f"title: {quote(args.title)}",
        f"date: {datetime.now().astimezone().replace(microsecond=0).isoformat()}",
        f"topics: [{', '.join(quote(t) for t in topics)}]",
        'summary: ""',
        "draft: true",
        "---",
        "",
        "Write here.",
        "",
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(front), "utf-8")
    except OSError as exc:
        print(f"{path}: error: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"created {path} (a draft: remove 'draft: true' to publish)")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tensorpress",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tensorpress {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser(
        "build",
        help="build the site into the output folder",
        description="Build the site. Diagnostics are printed as "
        "path:line: severity: message; exit 1 on errors.",
    )
    b.add_argument(
        "-s", "--source", default=".", metavar="DIR", help="site folder (default: current folder)"
    )
    b.add_argument("-o", "--output", metavar="DIR", help="output folder (default: SOURCE/public)")
    b.add_argument("--drafts", action="store_true", help="include posts with draft: true")
    b.add_argument("--base-url", metavar="URL", help="override base_url from the config")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    b.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    b.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    b.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the build cache (.tensorpress-cache/)",
    )
    b.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        metavar="N",
        help="processes for rendering posts (default: one per core; at most four per core)",
    )
    b.set_defaults(func=_cmd_build)

    k = sub.add_parser(
        "check",
        help="report problems in the posts without building",
        description="Check the site without writing it: everything a build reports, plus "
        "code outside fences, Python that does not parse, broken anchors and files, missing "
        "alt text, duplicate titles and unknown front-matter keys. Printed as "
        "path:line: severity: message: hint. Exit 1 on errors (on warnings too with --strict).",
    )
    k.add_argument(
        "-s", "--source", default=".", metavar="DIR", help="site folder (default: current folder)"
    )
    k.add_argument("--strict", action="store_true", help="fail on warnings too (notes never fail)")
    k.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or JSON array"
    )
    k.add_argument(
        "--pyflakes",
        action="store_true",
        help="also report names used but never defined in each post's Python blocks",
    )
    k.add_argument(
        "--fix",
        action="store_true",
        help="apply safe fixes (front matter, fence languages, generation artefacts), "
        "showing a diff and keeping a backup in .tensorpress-backup/",
    )
    k.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    k.set_defaults(func=_cmd_check)

    c = sub.add_parser(
        "clean",
        help="delete the build cache and what builds wrote",
        description="Delete .tensorpress-cache/ and the files that builds "
        "wrote into the output folder; other files stay.",
    )
    c.add_argument("-s", "--source", default=".", metavar="DIR", help="site folder")
    c.add_argument("-o", "--output", metavar="DIR", help="output folder (default: SOURCE/public)")
    c.set_defaults(func=_cmd_clean)

    sv = sub.add_parser(
        "serve",
        help="build, serve on localhost and rebuild on every change",
        description="Build the site into a temporary folder, serve it, watch content/, "
        "templates/, static/ and tensorpress.yaml, rebuild on change and reload the browser. "
        "Build errors are shown in the terminal and over the page.",
    )
    sv.add_argument(
        "-s", "--source", default=".", metavar="DIR", help="site folder (default: current folder)"
    )
    sv.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine)",
    )
    sv.add_argument(
        "-p",
        "--port",
        type=_port,
        metavar="N",
        help="port (default: 8000, or the next free one; a given port must be free)",
    )
    sv.add_argument(
        "--drafts",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show posts with draft: true (default: shown)",
    )
    sv.add_argument("--open", action="store_true", help="open the site in a web browser")
    sv.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sv.set_defaults(func=_cmd_serve)

    i = sub.add_parser("init", help="start a new blog in a folder")
    i.add_argument("directory", metavar="DIR")
    i.set_defaults(func=_cmd_init)

    n = sub.add_parser("new", help="write a post skeleton with front matter")
    n.add_argument("title")
    n.add_argument("--topics", metavar="A,B", help="comma-separated topics")
    n.add_argument("-s", "--source", default=".", metavar="DIR", help="site folder")
    n.set_defaults(func=_cmd_new)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader hung up (``| head``): nothing more can reach it
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if getattr(args, "debug", False):
            import traceback  # only here: 3 ms of every command's start

            traceback.print_exc()
        else:
            print(
                f"tensorpress: internal error: {type(exc).__name__}: {exc} (run with --debug "
                "for the traceback, and please report it)",
                file=sys.stderr,
            )
        return 70


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (a CI cancel, ``timeout``, systemd): the pool's workers go too. Without
    workers the command ends as an exception does, its ``finally`` blocks run (``serve``
    removes its copy of the site); with them, at once: the main thread may be inside the
    pool's locks, where an exception would leave its shutdown waiting for ever. Workers
    inherit this handler and exit at once (an exception in the work would be caught by
    the pool and sent back as a result)."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:  # a pool's worker
        os._exit(128 + signum)
    children = multiprocessing.active_children()
    if not children:
        raise SystemExit(128 + signum)
    for child in children:
        child.terminate()
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(128 + signum)


def run() -> NoReturn:
    """The console entry point: ``main``, then exit without freeing the heap object by
    object (some 30 ms after a build of a thousand posts). Every file a command writes
    is closed by then; only the standard streams are still buffered."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminated)
    for stream in (sys.stdout, sys.stderr):  # a folder named in no encoding is still shown
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader
        code = code or 1
    os._exit(code)
