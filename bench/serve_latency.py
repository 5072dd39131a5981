"""Save-to-reload latency of ``tensorpress serve``: file written -> SSE event received.

Runs a real ``DevServer`` (watchdog, debounce, build, HTTP) on 127.0.0.1 and a raw
event-stream client in this process, edits files N times and prints the median. Sites:
a copy of ``--site`` (default: the repository's example blog) and a generated site of
``--posts`` posts. Nothing is written outside a temporary folder.

    python bench/serve_latency.py                 # both sites, 10 edits each
    python bench/serve_latency.py -n 5 --posts 200
    python bench/serve_latency.py --profile       # where a 1-post rebuild spends its time

Goals on a 2-core machine: < 150 ms for one edited post at 1,000 posts, < 50 ms for CSS.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import queue
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tensorpress.build import build
from tensorpress.config import load_config
from tensorpress.livereload import EVENTS_PATH
from tensorpress.serve import DevServer

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120.0
TOPICS = ["neural-networks", "backpropagation", "cnn", "rnn", "gan", "transformers", "training"]
WORDS = ("gradient", "tensor", "layer", "loss", "weights", "bias", "activation", "batch",
         "epoch", "optimizer", "learning", "rate", "network", "model", "training", "data",
         "feature", "embedding", "attention", "kernel", "convolution", "the", "a", "of", "and",
         "to", "in", "we", "our", "is", "with", "each", "step", "update")  # fmt: skip


@dataclass(frozen=True)
class Row:
    site: str
    posts: int
    change: str
    samples: list[float]
    events: str
    builds: list[float]
    """The builder's own milliseconds for each edit (the rest: debounce, watcher, HTTP)."""

    def cells(self) -> list[str]:
        s = self.samples
        return [
            self.site,
            str(self.posts),
            self.change,
            str(len(s)),
            f"{statistics.median(s):.0f}",
            f"{min(s):.0f}",
            f"{max(s):.0f}",
            f"{statistics.median(self.builds):.0f}" if self.builds else "-",
            self.events,
        ]


def generate(root: Path, posts: int, seed: int = 7) -> None:
    """A blog of ``posts`` realistic posts: prose, headings, a code block, inline math."""
    rng = random.Random(seed)
    content = root / "content"
    content.mkdir(parents=True)
    (root / "static" / "css").mkdir(parents=True)
    (root / "static" / "css" / "bench.css").write_text("body { color: #111; }\n")
    (root / "tensorpress.yaml").write_text('title: "Bench blog"\n')

    def paragraph() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."

    for i in range(posts):
        topics = ", ".join(rng.sample(TOPICS, 2))
        date = f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        sections = "\n\n".join(
            f"## Part {k}\n\n{paragraph()}\n\n{paragraph()} With $x_{k} = W h + b$."
            for k in range(1, 4)
        )
        code = f"```python\nimport numpy as np\n\nx = np.ones(({i}, 3))\nprint(x @ x.T)\n```"
        (content / f"post-{i:04d}.md").write_text(
            f'---\ntitle: "Post {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}"\n'
            f"date: {date}\ntopics: [{topics}]\n---\n\n{paragraph()}\n\n{sections}\n\n{code}\n"
        )


class Listener:
    """An event-stream client on a thread: (arrival time, event name) into a queue."""

    def __init__(self, server: DevServer) -> None:
        self.events: queue.Queue[tuple[float, str]] = queue.Queue()
        token = f"{server.state.session}-1"
        self._sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        self._sock.sendall(f"GET {EVENTS_PATH}?since={token} HTTP/1.0\r\n\r\n".encode())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(OSError):  # closed by ``close``
            self._listen()

    def _listen(self) -> None:
        buf = b""
        while chunk := self._sock.recv(65536):
            now = time.perf_counter()
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                for line in block.decode().splitlines():
                    if line.startswith("event: "):
                        self.events.put((now, line[7:]))

    def close(self) -> None:
        self._sock.close()


def settle(server: DevServer, listener: Listener) -> None:
    """Wait until no build runs and drain stale events, so edits do not overlap."""
    end = time.monotonic() + TIMEOUT
    while not server.idle() and time.monotonic() < end:
        time.sleep(0.01)
    time.sleep(0.05)
    while not listener.events.empty():
        listener.events.get_nowait()


def measure(
    server: DevServer, listener: Listener, path: Path, edit, n: int, builds: list[float]
) -> tuple[list, str, list]:
    samples, kinds, ms = [], set(), []
    original = path.read_text("utf-8")
    for i in range(n):
        settle(server, listener)
        builds.clear()
        path.write_text(edit(original, i), "utf-8")
        written = time.perf_counter()
        arrived, kind = listener.events.get(timeout=TIMEOUT)
        samples.append((arrived - written) * 1000)
        kinds.add(kind)
        settle(server, listener)
        ms.append(sum(builds))
    return samples, ",".join(sorted(kinds)), ms


def run_site(name: str, root: Path, n: int, post: Path, css: Path) -> list[Row]:
    builds: list[float] = []
    with DevServer(root, port=0, report=lambda r: builds.append(r.outcome.ms)) as server:
        first = server.first
        posts = first.outcome.posts or 0
        print(f"{name}: first build of {posts} posts in {first.outcome.ms:.0f} ms", flush=True)
        listener = Listener(server)
        try:
            rows = []
            for change, target, edit in (
                ("edit one post", post, lambda text, i: f"{text}\nEdit number {i}.\n"),
                ("edit CSS", css, lambda text, i: f"{text}\n/* edit {i} */\n"),
            ):
                samples, kinds, ms = measure(server, listener, target, edit, n, builds)
                rows.append(Row(name, posts, change, samples, kinds, ms))
        finally:
            listener.close()
    return rows


def profile(root: Path, post: Path, top: int) -> None:
    """cProfile one warm rebuild after a one-post edit: the time by stage and function."""
    config, _ = load_config(root, Path(tempfile.mkdtemp(prefix="tp-bench-out-")), drafts=True)
    cache = build(config).cache
    cache = build(config, cache).cache
    post.write_text(post.read_text("utf-8") + "\nProfiled edit.\n", "utf-8")
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.runcall(build, config, cache)
    print(f"\nprofiled rebuild: {(time.perf_counter() - start) * 1000:.0f} ms (with profiler)")
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
    stats.print_stats(r"tensorpress|yaml/__init__|jinja2/environment.py.*\(render\)", top)
    print(out.getvalue())
    shutil.rmtree(config.output, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO, help="a site folder (copied first)")
    parser.add_argument("--post", default="", help="post to edit, relative to the site")
    parser.add_argument("--css", default="static/css/theme.css", help="CSS file to edit")
    parser.add_argument("--posts", type=int, default=1000, help="posts in the generated site")
    parser.add_argument("-n", "--edits", type=int, default=10, help="edits per measurement")
    parser.add_argument("--skip-given", action="store_true", help="only the generated site")
    parser.add_argument("--profile", action="store_true", help="profile a generated rebuild")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tp-bench-") as tmp:
        if not args.skip_given:
            given = Path(tmp) / "given"
            shutil.copytree(
                args.site,
                given,
                ignore=shutil.ignore_patterns(
                    ".*", "public", "src", "tests", "bench", "*.egg-info"
                ),
            )
            post = given / args.post if args.post else sorted((given / "content").glob("*.md"))[0]
            name = "example blog" if args.site == REPO else args.site.name
            rows += run_site(name, given, args.edits, post, given / args.css)
        generated = Path(tmp) / "generated"
        generate(generated, args.posts)
        middle = generated / "content" / f"post-{args.posts // 2:04d}.md"
        css = generated / "static" / "css" / "bench.css"
        if args.profile:
            profile(generated, middle, 25)
        else:
            rows += run_site("generated", generated, args.edits, middle, css)

    if rows:
        head = ["site", "posts", "change", "n", "median ms", "min", "max", "build ms", "events"]
        table = [head, *(r.cells() for r in rows)]
        widths = [max(len(line[i]) for line in table) for i in range(len(head))]
        for k, line in enumerate(table):
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
            if k == 0:
                print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
