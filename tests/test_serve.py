"""``tensorpress serve``: classification and debounce with a fake clock, then real HTTP.

The logic tests never sleep: time is a ``FakeClock`` and the builder is a stub. The
integration tests run a real server on 127.0.0.1 with a real watcher and poll the
served pages with a deadline.
"""

from __future__ import annotations

import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from html import escape
from pathlib import Path

import pytest

from tensorpress.cli import main
from tensorpress.diagnostics import error, warning
from tensorpress.livereload import (
    EVENTS_PATH,
    Notice,
    Outcome,
    SiteState,
    inject,
    notice_for,
    resolve,
)
from tensorpress.serve import (
    ChangeKinds,
    DevServer,
    Rebuild,
    Rebuilder,
    SiteBuilder,
    classify,
)

ROOT = Path("/site")
DEADLINE = 10.0


# ---------------------------------------------------------------- classification


def test_classify_sorts_paths_by_what_they_change():
    kinds = classify(
        [
            "/site/content/gan.md",
            "/site/content/bundle/index.md",
            "/site/templates/post.html",
            "/site/static/css/theme.css",
            "/site/tensorpress.yaml",
            "content/cnn.md",
        ],
        ROOT,
    )
    assert kinds.content == ("content/bundle/index.md", "content/cnn.md", "content/gan.md")
    assert kinds.templates == ("templates/post.html",)
    assert kinds.static == ("static/css/theme.css",)
    assert kinds.config == ("tensorpress.yaml",)
    assert not kinds.static_only


def test_classify_drops_what_no_build_reads():
    kinds = classify(
        [
            "/site/content/.gan.md.swp",
            "/site/content/gan.md~",
            "/site/content/.git/index",
            "/site/public/index.html",
            "/site/README.md",
            "/elsewhere/content/x.md",
            "/site/.tensorpress-serve/x",
        ],
        ROOT,
    )
    assert not kinds and kinds.paths == ()


def test_an_atomic_save_counts_once_by_its_real_name():
    # A move event gives both paths: the temporary name is dropped, the target kept.
    kinds = classify(["/site/content/.gan.md.tmp123", "/site/content/gan.md"], ROOT)
    assert kinds == ChangeKinds(content=("content/gan.md",))


def test_watched_folders_themselves_count():
    kinds = classify(["/site/templates", "/site/static"], ROOT)
    assert kinds.templates == ("templates",) and kinds.static == ("static",)


def test_static_only_and_describe():
    css = classify(["/site/static/a.css", "/site/static/b.css"], ROOT)
    assert css.static_only
    many = classify([f"/site/content/p{i}.md" for i in range(5)], ROOT)
    assert many.describe() == "content/p0.md, content/p1.md, content/p2.md (+2 more)"
    assert ChangeKinds(full=True) and ChangeKinds(full=True).describe() == "start"


# ---------------------------------------------------------------- notices


def test_notice_for_each_outcome():
    bad = Outcome(False, (warning("content/a.md", 3, "meh"), error("content/b.md", 2, "bad date")))
    assert notice_for(bad, 4) == Notice(4, "errors", ("content/b.md:2: error: bad date",))
    css = Outcome(True, written=("css/theme.css",))
    assert notice_for(css, 5) == Notice(5, "css", ("css/theme.css",))
    assert notice_for(Outcome(True, written=("css/a.css", "index.html")), 6).kind == "reload"
    assert notice_for(Outcome(True, removed=("posts/x/index.html",)), 7).kind == "reload"
    assert notice_for(Outcome(True), 8) == Notice(8, "ok")


def test_summary_names_the_change_what_was_written_and_the_time():
    kinds = ChangeKinds(content=("content/gan.md",))
    line = Rebuild(
        kinds, Outcome(True, written=("index.html", "posts/gan/index.html"), ms=41.6), Notice(1, "")
    ).summary()
    assert line == (
        "changed content/gan.md -> wrote 2 file(s) (index.html, posts/gan/index.html) in 42 ms"
    )
    failed = Rebuild(kinds, Outcome(False, (error("content/gan.md", 2, "x"),), ms=3), Notice(2, ""))
    assert "build failed with 1 error(s) in 3 ms; still serving the last good site" in (
        failed.summary()
    )


# ---------------------------------------------------------------- the rebuild loop


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeBuilder:
    def __init__(self, *outcomes: Outcome) -> None:
        self.calls: list[ChangeKinds] = []
        self.outcomes = list(outcomes)
        self.during: Callable[[], None] | None = None

    def __call__(self, kinds: ChangeKinds) -> Outcome:
        self.calls.append(kinds)
        if self.during:
            self.during()
        return self.outcomes.pop(0) if self.outcomes else Outcome(True, written=("index.html",))


def make_rebuilder(builder, **kw) -> tuple[Rebuilder, FakeClock, SiteState, list[Rebuild]]:
    clock, state, reports = FakeClock(), SiteState("s"), []
    rebuilder = Rebuilder(
        ROOT, builder, state, clock=clock, quiet=0.05, patience=1.0, report=reports.append, **kw
    )
    return rebuilder, clock, state, reports


def test_a_burst_of_events_becomes_one_build_after_the_quiet_period():
    builder = FakeBuilder()
    rebuilder, clock, _, reports = make_rebuilder(builder)
    assert rebuilder.due_in() is None and rebuilder.poll() is None
    rebuilder.notify(["/site/content/.gan.md.swp"])
    clock.advance(0.02)
    rebuilder.notify(["/site/content/gan.md"])
    clock.advance(0.04)
    rebuilder.notify(["/site/templates/post.html"])
    assert rebuilder.due_in() == pytest.approx(0.05)
    clock.advance(0.049)
    assert rebuilder.poll() is None and builder.calls == []
    clock.advance(0.001)
    record = rebuilder.poll()
    assert builder.calls == [
        ChangeKinds(content=("content/gan.md",), templates=("templates/post.html",))
    ]
    assert record is reports[0] and record.notice.kind == "reload"
    assert rebuilder.due_in() is None and rebuilder.poll() is None, "the batch was taken"


def test_events_that_never_stop_still_build_after_the_patience_limit():
    builder = FakeBuilder()
    rebuilder, clock, _, _ = make_rebuilder(builder)
    for _ in range(30):
        rebuilder.notify(["/site/content/log.md"])
        clock.advance(0.04)
        rebuilder.poll()
    assert len(builder.calls) == 1, "built once, at 1.0 s, although the burst went on"


def test_events_during_a_build_start_the_next_batch():
    builder = FakeBuilder()
    rebuilder, clock, _, _ = make_rebuilder(builder)
    builder.during = lambda: rebuilder.notify(["/site/content/b.md"])
    rebuilder.notify(["/site/content/a.md"])
    clock.advance(0.05)
    rebuilder.poll()
    builder.during = None
    assert rebuilder.due_in() is not None
    clock.advance(0.05)
    rebuilder.poll()
    assert [k.content for k in builder.calls] == [("content/a.md",), ("content/b.md",)]


def test_paths_no_build_reads_start_no_build():
    builder = FakeBuilder()
    rebuilder, clock, _, _ = make_rebuilder(builder)
    rebuilder.notify(["/site/public/index.html", "/site/content/.x.swp"])
    clock.advance(1)
    assert rebuilder.poll() is None and builder.calls == []


def test_a_failed_build_is_shown_until_the_next_good_one_clears_it():
    broken = Outcome(False, (error("content/a.md", 2, "bad date"),))
    builder = FakeBuilder(broken, Outcome(True, written=("posts/a/index.html",)))
    rebuilder, clock, state, _ = make_rebuilder(builder)
    rebuilder.notify(["/site/content/a.md"])
    clock.advance(0.05)
    assert rebuilder.poll().notice.kind == "errors"
    with state.reading() as view:
        assert view.failure == ("content/a.md:2: error: bad date",)
        assert view.token == "s-1"
    rebuilder.notify(["/site/content/a.md"])
    clock.advance(0.05)
    assert rebuilder.poll().notice.kind == "reload"
    with state.reading() as view:
        assert view.failure == () and view.token == "s-2"


def test_a_crashing_builder_becomes_a_diagnostic_not_a_dead_server():
    def boom(kinds):
        raise RuntimeError("boom")

    rebuilder, _, _, _ = make_rebuilder(boom)
    record = rebuilder.rebuild(ChangeKinds(full=True))
    assert not record.outcome.ok
    assert "internal error: RuntimeError: boom" in record.notice.data[0]


def test_the_terminal_gets_new_warnings_once_and_errors_every_time():
    w, e = warning("content/a.md", 1, "no topics"), error("content/b.md", 2, "bad")
    builder = FakeBuilder(
        Outcome(True, (w,)), Outcome(True, (w,)), Outcome(False, (w, e)), Outcome(False, (w, e))
    )
    rebuilder, _, _, _ = make_rebuilder(builder)
    fresh = [rebuilder.rebuild(ChangeKinds(full=True)).fresh for _ in range(4)]
    assert fresh == [(w,), (), (e, w), (e, w)]


# ---------------------------------------------------------------- state and notices


def test_clients_get_the_notices_after_their_page():
    state = SiteState("s")
    assert state.notices_after("s-0", timeout=0) == []
    state.publish(Outcome(True, written=("css/a.css",)))
    state.publish(Outcome(False, (error("a.md", 1, "x"),)))
    assert [n.kind for n in state.notices_after("s-0", timeout=0)] == ["css", "errors"]
    assert [n.kind for n in state.notices_after("s-1", timeout=0)] == ["errors"]
    assert state.notices_after("s-2", timeout=0) == []
    assert state.notices_after("other-1", timeout=0) == [Notice(2, "reload")], "server restarted"
    assert state.notices_after("garbage", timeout=0) == [Notice(2, "reload")]
    state.close()
    assert state.notices_after("s-2", timeout=0) is None


def test_a_client_too_far_behind_reloads():
    state = SiteState("s", history=2)
    for _ in range(4):
        state.publish(Outcome(True))
    assert state.notices_after("s-1", timeout=0) == [Notice(4, "reload")]
    assert [n.version for n in state.notices_after("s-2", timeout=0)] == [3, 4]


def test_requests_wait_while_a_build_runs():
    state = SiteState("s")
    seen: list[str] = []

    def request() -> None:
        with state.reading() as view:
            seen.append(view.token)

    with state.building():
        reader = threading.Thread(target=request)
        reader.start()
        reader.join(timeout=0.2)
        assert reader.is_alive() and seen == [], "the request waits for the build"
        state.publish(Outcome(True, written=("index.html",)))
    reader.join(timeout=DEADLINE)
    assert seen == ["s-1"], "and then sees the finished build"


# ---------------------------------------------------------------- injection and paths


PAGE = b"<!doctype html><html><body><p>Hi</p></body></html>"


def test_inject_adds_the_script_before_body_end_and_escapes_the_overlay():
    out = inject(PAGE, "s-3", ())
    assert out.startswith(b"<!doctype html><html><body><p>Hi</p><script data-tensorpress-live>")
    assert out.endswith(b"</script>\n</body></html>")
    assert b"since=s-3" in out and b"tensorpress-overlay" in out
    assert b'id="tensorpress-overlay"' not in out, "no overlay without a failure"
    bad = inject(PAGE, "s-3", ('content/a.md:2: error: <script>alert("x")</script>',))
    assert b'<div id="tensorpress-overlay"' in bad
    assert b"content/a.md:2: error: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in bad
    assert inject(b"<p>no body", "s-1", ()).startswith(b"<p>no body<script")


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / "posts" / "a").mkdir(parents=True)
    (out / "posts" / "a" / "index.html").write_text("a")
    (out / "index.html").write_text("home")
    (out / "feed.xml").write_text("<feed/>")
    (out / ".tensorpress-manifest.json").write_text("[]")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "secretdir").mkdir()
    (tmp_path / "secretdir" / "index.html").write_text("secret")
    (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (out / "leakdir").symlink_to(tmp_path / "secretdir")
    return out


def test_resolve_serves_files_and_index_pages(output: Path):
    real = os.path.realpath(output)
    assert resolve(output, "/").target == f"{real}/index.html"
    assert resolve(output, "/feed.xml?x=1#top").target == f"{real}/feed.xml"
    assert resolve(output, "/posts/a/").target == f"{real}/posts/a/index.html"
    assert resolve(output, "/posts/%61/").target == f"{real}/posts/a/index.html"
    assert resolve(output, "/posts/a").kind == "redirect"
    assert resolve(output, "/posts/a").target == "/posts/a/"
    assert resolve(output, "/posts?page=2").target == "/posts/?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/posts/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/posts%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/./index.html",
        "//evil.example/",
        "/.tensorpress-manifest.json",
        "/leak.txt",
        "/leakdir/",
        "/leakdir/index.html",
        "/feed.xml/",
        "/%ff.html",
        "/index.html%00",
        "index.html",
        "/nope.html",
    ],
)
def test_resolve_refuses_anything_outside_or_hidden(output: Path, target: str):
    assert resolve(output, target).kind == "missing"


# ---------------------------------------------------------------- the real builder


def test_the_static_fast_path_copies_one_file_and_matches_a_clean_build(site, tmp_path):
    site.post("a.md", "Alpha.", title="A", date="2024-01-01", topics="[cnn]")
    site.write("static/css/extra.css", "p { color: red }\n")
    out = tmp_path / "served"
    builder = SiteBuilder(site.root.resolve(), out, "http://127.0.0.1:1/")
    assert builder(ChangeKinds(full=True)).ok
    site.write("static/css/extra.css", "p { color: blue }\n")
    copied = builder(ChangeKinds(static=("static/css/extra.css",)))
    assert copied.copied and copied.written == ("css/extra.css",)
    assert notice_for(copied, 2).kind == "css"
    site.write("static/new.txt", "new")
    added = builder(ChangeKinds(static=("static/new.txt",)))
    assert not added.copied and added.written == ("new.txt",), "a new file needs a build"
    assert_same_as_clean_build(site.root, out, "http://127.0.0.1:1/", tmp_path / "clean")


def test_random_edits_rebuilt_in_process_match_clean_builds(site, tmp_path):
    """Rebuilds reuse records, sources and page keys from the last build in the process:
    after every random edit of one thing (body, title, date, topics, series, a link, a
    new post, a deleted one) the served site must be byte-identical to a clean build."""
    import random

    rng = random.Random(11)
    posts: dict[int, dict[str, str]] = {}

    def write(i: int) -> str:
        m = posts[i]
        text = (
            f"---\ntitle: {m['title']}\ndate: {m['date']}\ntopics: [{m['topics']}]\n"
            f"{m['series']}---\n\n## Part\n\n{m['link']}{m['body']}\n"
        )
        site.write(f"content/p{i}.md", text, dedent=False)
        return f"content/p{i}.md"

    def new(i: int) -> str:
        posts[i] = {
            "title": f"Post {i}",
            "date": f"2024-01-{i + 1:02d}",
            "topics": ["cnn", "gan", "cnn, rnn"][i % 3],
            "series": "",
            "link": "",
            "body": f"Text {i}.",
        }
        return write(i)

    def settle_all() -> None:  # as if written a minute ago: stamps are trusted again
        then = time.time_ns() - 60 * 10**9
        for path in (site.root / "content").glob("*.md"):
            os.utime(path, ns=(then, then))

    edits = {
        "body": lambda m: {"body": f"Text {rng.randrange(10**6)}."},
        "title": lambda m: {"title": f"{m['title']} again"},
        "date": lambda m: {"date": f"2024-02-{rng.randint(1, 28):02d}"},
        "topics": lambda m: {"topics": rng.choice(["cnn", "gan", "rnn", "gan, training"])},
        "series": lambda m: {"series": "" if m["series"] else "series: Basics\n"},
        "link": lambda m: {"link": f"See [that](p{rng.randrange(14)}.md).\n\n"},
    }
    for i in range(12):
        new(i)
    settle_all()
    out = tmp_path / "served"
    builder = SiteBuilder(site.root.resolve(), out, "http://127.0.0.1:1/")
    assert builder(ChangeKinds(full=True)).ok
    plan = [*edits, "add", "delete", "body", "title", "date", "topics"]
    rng.shuffle(plan)
    for step, what in enumerate(plan):
        i = rng.choice(sorted(posts)) if what != "add" else max(posts, default=0) + 1
        if what == "add":
            changed = new(i)
        elif what == "delete":
            (site.root / f"content/p{i}.md").unlink()
            del posts[i]
            changed = f"content/p{i}.md"
        else:
            posts[i].update(edits[what](posts[i]))
            changed = write(i)
        if rng.random() < 0.5:
            settle_all()  # an edit within the same second as the last read, then settled
        outcome = builder(ChangeKinds(content=(changed,)))
        assert outcome.ok, outcome.diagnostics
        assert_same_as_clean_build(site.root, out, "http://127.0.0.1:1/", tmp_path / f"c{step}")


def assert_same_as_clean_build(root: Path, served: Path, base_url: str, clean: Path) -> None:
    code = main(["build", "-s", str(root), "-o", str(clean), "--drafts", "--base-url", base_url])
    assert code == 0
    assert tree(served) == tree(clean)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of the site; the manifest holds times and keys, not content."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".tensorpress-manifest.json"
    }


# ---------------------------------------------------------------- over real HTTP


def wait_for(check: Callable[[], object], what: str, timeout: float = DEADLINE):
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Client:
    def __init__(self, server: DevServer) -> None:
        self.server = server

    def get(self, target: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=DEADLINE)
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            return resp.status, dict(resp.getheaders()), body
        finally:
            conn.close()

    def page(self, target: str) -> str:
        status, _, body = self.get(target)
        return body if status == 200 else ""


def save(path: Path, text: str) -> None:
    """Save the way many editors do: write a temporary file, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, "utf-8")
    os.replace(temp, path)


def post_text(title: str, body: str, date: str = "2024-01-01", topics: str = "[cnn]") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntopics: {topics}\n---\n\n{body}\n"


@pytest.fixture
def served(site):
    site.post("gan.md", "Generators and critics.", title="GANs", date="2024-02-01", topics="[gan]")
    site.post("cnn.md", "Convolutions.", title="CNNs", date="2024-01-01", topics="[cnn]")
    site.post("wip.md", "Not yet.", title="Work in progress", date="2024-03-01", draft="true")
    reports: list[Rebuild] = []
    with DevServer(site.root, port=0, quiet=0.02, report=reports.append) as server:
        server.reports = reports
        yield site, server, Client(server)


def test_serves_the_site_with_drafts_and_the_live_reload_script(served):
    _, server, client = served
    status, headers, body = client.get("/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "GANs" in body and "Work in progress" in body, "drafts are shown while serving"
    assert f"{EVENTS_PATH}?since={server.state.session}-1" in body
    assert headers["Content-Length"] == str(len(body.encode()))
    assert server.first.outcome.ok and server.first.summary().startswith("first build -> 3 post")
    status, headers, _ = client.get("/posts/gan")
    assert status == 301 and headers["Location"] == "/posts/gan/"
    status, headers, body = client.get("/feed.xml", "HEAD")
    assert status == 200 and body == "" and headers["Content-Type"].startswith("application/xml")
    for path in server.output.rglob("*.html"):
        assert b"tensorpress-live" not in path.read_bytes(), "never written into the site"
    time.sleep(0.3)  # a bounded look for a feedback loop: builds read files, reads are no edits
    assert len(server.reports) == 1 and server.idle(), [r.summary() for r in server.reports]


def test_unknown_paths_and_traversal_get_the_sites_404(served, tmp_path):
    _, server, client = served
    (tmp_path / "outside.txt").write_text("secret")
    (server.output / "link.txt").symlink_to(tmp_path / "outside.txt")
    attempts = [
        "/nope/",
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/posts/..%2f..%2f..%2foutside.txt",
        "/link.txt",
        "//evil.example/",
    ]
    for target in attempts:
        status, _, body = client.get(target)
        assert status == 404, target
        assert "Page not found" in body and "secret" not in body, target
        assert "tensorpress-live" in body, "the 404 page reloads too"


def test_many_concurrent_requests(served):
    _, _, client = served
    paths = ["/", "/posts/gan/", "/feed.xml", "/topics/", "/nope"] * 20
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda p: client.get(p)[0], paths))
    assert statuses == [200, 200, 200, 200, 404] * 20


def test_edit_add_rename_delete_posts_and_templates(served, tmp_path):
    site, server, client = served
    content = site.root / "content"

    save(content / "gan.md", post_text("GANs", "Edited: critics win.", "2024-02-01", "[gan]"))
    wait_for(lambda: "critics win" in client.page("/posts/gan/"), "the edited post")

    (content / "rnn.md").write_text(post_text("RNNs", "Recurrence.", "2024-04-01", "[rnn]"))
    wait_for(lambda: "Recurrence." in client.page("/posts/rnn/"), "the new post")
    assert "RNNs" in client.page("/") and "RNNs" in client.page("/topics/rnn/")
    assert "RNNs" in client.page("/feed.xml") and "RNNs" in client.page("/topics/rnn/feed.xml")

    os.replace(content / "rnn.md", content / "lstm.md")
    wait_for(lambda: client.get("/posts/rnn/")[0] == 404, "the renamed post's old page to go")
    assert "Recurrence." in client.page("/posts/lstm/")

    (content / "lstm.md").unlink()
    wait_for(lambda: client.get("/posts/lstm/")[0] == 404, "the deleted post to go")
    wait_for(lambda: client.get("/topics/rnn/")[0] == 404, "its topic to go")
    assert "RNNs" not in client.page("/") and "RNNs" not in client.page("/feed.xml")

    robots = site.root / "templates" / "robots.txt"
    save(robots, "User-agent: *\nDisallow: /secret-garden/\n")
    wait_for(lambda: "secret-garden" in client.page("/robots.txt"), "a new site template")
    robots.write_text("User-agent: *\nDisallow: /walled-garden/\n")
    wait_for(lambda: "walled-garden" in client.page("/robots.txt"), "the edited template")
    os.replace(robots, robots.with_name("unused.txt"))
    wait_for(lambda: "walled-garden" not in client.page("/robots.txt"), "the renamed template")
    os.replace(robots.with_name("unused.txt"), robots)
    wait_for(lambda: "walled-garden" in client.page("/robots.txt"), "the template renamed back")
    robots.unlink()
    wait_for(lambda: "walled-garden" not in client.page("/robots.txt"), "the theme template")

    save(site.root / "tensorpress.yaml", 'title: "Renamed blog"\n')
    wait_for(lambda: "Renamed blog" in client.page("/"), "the new title from the config")

    wait_for(lambda: server.idle(), "the last rebuild")
    assert_same_as_clean_build(site.root, server.output, server.url, tmp_path / "clean")
    lines = [r.summary() for r in server.reports[1:]]
    assert any(line.startswith("changed content/gan.md -> wrote") for line in lines), lines
    assert all(line.endswith(" ms") for line in lines), lines


def test_a_broken_post_shows_the_overlay_and_keeps_the_last_good_page(served, tmp_path):
    site, server, client = served
    gan = site.root / "content" / "gan.md"
    good = gan.read_text()
    gan.write_text(good.replace("date: 2024-02-01", "date: nope"))
    page = wait_for(
        lambda: (b := client.page("/posts/gan/")) and 'id="tensorpress-overlay"' in b and b,
        "the overlay",
    )
    assert "Generators and critics." in page, "the last good page is still served"
    assert "content/gan.md:" in page and "error" in page
    failed = server.reports[-1]
    assert not failed.outcome.ok and any(d.path == "content/gan.md" for d in failed.fresh)
    gan.write_text(good.replace("Generators", "Fixed generators"))
    wait_for(lambda: "Fixed generators" in client.page("/posts/gan/"), "the fixed page")
    assert 'id="tensorpress-overlay"' not in client.page("/posts/gan/")
    wait_for(lambda: server.idle(), "the last rebuild")
    assert_same_as_clean_build(site.root, server.output, server.url, tmp_path / "clean")


def read_events(server: DevServer, token: str, want: int) -> list[tuple[str, str]]:
    """Open the event stream and read ``want`` events (bounded by the socket timeout)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
    sock.sendall(f"GET {EVENTS_PATH}?since={token} HTTP/1.0\r\n\r\n".encode())
    buf, events = b"", []
    with sock:
        while len(events) < want:
            chunk = sock.recv(4096)
            assert chunk, "stream closed"
            buf += chunk
            while b"\n\n" in buf and len(events) < want:
                block, buf = buf.split(b"\n\n", 1)
                fields = dict(
                    line.split(": ", 1) for line in block.decode().splitlines() if ": " in line
                )
                if "event" in fields:
                    events.append((fields["event"], fields["data"]))
    return events


def test_event_stream_says_css_for_a_stylesheet_and_reload_for_a_post(served):
    site, server, client = served
    session = server.state.session

    def edit_and_read(version: int, edit: Callable[[], None]) -> list[tuple[str, str]]:
        events: list[tuple[str, str]] = []
        reader = threading.Thread(
            target=lambda: events.extend(read_events(server, f"{session}-{version}", 1))
        )
        reader.start()
        edit()
        reader.join(timeout=DEADLINE)
        return events

    css = site.root / "static" / "css" / "extra.css"
    added = edit_and_read(1, lambda: save(css, "p { color: red }\n"))
    assert added == [("css", '["css/extra.css"]')] and not server.reports[-1].outcome.copied
    changed = edit_and_read(2, lambda: save(css, "p { color: blue }\n"))
    assert changed == [("css", '["css/extra.css"]')] and server.reports[-1].outcome.copied
    assert "color: blue" in client.page("/css/extra.css")
    post = edit_and_read(3, lambda: save(site.root / "content" / "cnn.md", post_text("C", "x")))
    assert post == [("reload", "[]")]
    assert read_events(server, "old-session-1", 1) == [("reload", "[]")]


# ---------------------------------------------------------------- the command line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_port_in_use_is_a_clear_message(site, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "-s", str(site.root), "--port", str(port)]) == 1
        err = capsys.readouterr().err
        assert f"port {port} is already in use" in err and "--port" in err
        assert "Traceback" not in err
        with DevServer(site.root, port=port, fallback=5) as server:
            assert server.port != port and server.requested_port == port


def test_serve_refuses_a_folder_without_a_site(tmp_path, capsys):
    assert main(["serve", "-s", str(tmp_path), "--port", "0"]) == 1
    assert "holds no site" in capsys.readouterr().err


class CliServer:
    """``tensorpress serve`` in a process of its own; its output, a line at a time."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tensorpress", "serve", "-s", str(root), "-p", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.seen: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: list(map(self._lines.put, self.proc.stdout)), daemon=True
        ).start()

    def line_with(self, text: str, timeout: float = DEADLINE) -> str:
        """The next line that holds ``text`` (queue.Empty once ``timeout`` is over)."""
        deadline = time.monotonic() + timeout
        while True:
            self.seen.append(self._lines.get(timeout=max(0.0, deadline - time.monotonic())))
            if text in self.seen[-1]:
                return self.seen[-1]

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def interrupt(self) -> int:
        """Ctrl-C; the exit code, once the server has said it stopped."""
        self.proc.send_signal(signal.SIGINT)
        self.line_with("stopped")
        return self.proc.wait(timeout=DEADLINE)


def test_ctrl_c_stops_the_server_cleanly(site):
    site.post("a.md", "Alpha.", title="A", date="2024-01-01", topics="[cnn]")
    server = CliServer(site.root)
    try:
        ready = server.line_with("press Ctrl-C")
        assert f"http://127.0.0.1:{server.port}/" in ready and "drafts shown" in ready
        assert "first build -> 1 post(s)" in "".join(server.seen)
        assert server.get("/posts/a/")[0] == 200
        assert server.interrupt() == 0
    finally:
        server.proc.kill()
    assert "Traceback" not in "".join(server.seen)


def test_an_edit_whose_lexer_runs_away_is_stopped_by_the_cli_server(site):
    """``tensorpress serve`` rebuilds on its main thread, where the lexing limit works:
    a fence that would backtrack for days arrives as plain text with a warning."""
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    server = CliServer(site.root)
    try:
        server.line_with("press Ctrl-C")
        runaway = '"' + "\\a" * 40  # Pygments' maple lexer: 2**40 tries
        site.post("b.md", f"```maple\n{runaway}\n```\n", title="B", date="2024-01-02")
        line = server.line_with("highlighting this block as 'maple' took over", 60)
        assert line.startswith("content/b.md:6: warning:"), line
        status, page = server.get("/posts/b/")
        assert status == 200 and escape(runaway) in page
        assert server.interrupt() == 0
    finally:
        server.proc.kill()
    assert "Traceback" not in "".join(server.seen)
