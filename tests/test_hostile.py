"""Hostile inputs. Each gives a clear diagnostic or a correct page: never a traceback,
never a partial site in place of the last good one, and bounded time and memory."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC
from html import escape
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tensorpress import output
from tensorpress.check import analyse, parse_source
from tensorpress.cli import main
from tensorpress.config import SiteConfig
from tensorpress.content import assemble_site, load_post
from tensorpress.fix import plan_fix
from tensorpress.markdown import make_parser
from tensorpress.models import Source


def clean(run) -> None:
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err


def good_site(site):
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    site.post("b.md", "Beta.", title="B", date="2024-01-02")
    run = site.build()
    assert run.code == 0, run.err
    return site.files()


# -- front matter that attacks the parser ---------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]",
    ],
)
def test_yaml_tags_that_build_python_objects_are_refused(site, tmp_path, tag):
    marker = tmp_path / "pwned"
    before = good_site(site)
    site.write("content/evil.md", f"---\ntitle: Evil\nx: {tag.format(marker=marker)}\n---\nHi.\n")
    run = site.build()
    clean(run)
    assert run.code == 1
    assert "content/evil.md:3: error: invalid YAML front matter" in run.err
    assert not marker.exists(), "nothing was run"
    assert site.files() == before


def _laughs() -> str:
    text, prev = "---\ntitle: Laughs\na: &a [x, x, x, x, x, x, x, x, x, x]\n", "a"
    for i in range(1, 9):
        text += f"l{i}: &l{i} [{', '.join([f'*{prev}'] * 10)}]\n"
        prev = f"l{i}"
    return text + "---\nText.\n"


def test_yaml_aliases_that_expand_exponentially_are_refused(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "laughs.md").write_text(_laughs())
    cmd = [sys.executable, "-m", "tensorpress", "build", "-s", str(tmp_path), "--no-cache"]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("a 'billion laughs' front matter hangs the build")
    assert run.returncode == 1 and "content/laughs.md" in run.stderr


# -- bodies that attack the parser ----------------------------------------------------------


def test_deeply_nested_blockquotes_lists_and_brackets_build(site):
    body = (
        ">" * 10_000
        + " deep quote\n\n"
        + "".join("  " * i + f"- item{i}\n" for i in range(300))
        + "\n"
        + "[" * 20_000
        + "brackets"
        + "]" * 20_000
        + "\n\n"
        + "*" * 20_000
        + "\n\n"
        + "The end.\n"
    )
    site.post("deep.md", body, title="Deep", date="2024-01-01")
    run = site.build()
    clean(run)
    assert run.code == 0, run.err
    assert "content/deep.md:6: warning: blockquotes nested 10000 deep; shown 15 deep" in run.err
    assert "content/deep.md:16: warning: lists nested 300 deep; shown 8 deep" in run.err
    page = site.page("posts/deep/index.html")
    assert "deep quote" in page and "brackets" in page and "The end." in page
    assert all(f"item{i}<" in page or f"item{i}\n" in page for i in range(300))
    assert main(["check", "-s", str(site.root)]) == 0


def test_json_nested_too_deep_for_the_parser_is_never_a_crash(site):
    """A fence with no language whose text opens 100,000 brackets (the language guess
    tries JSON), a notebook nested as deep, and cache and manifest files as deep: Python's
    JSON parser gives up with a RecursionError, which must not end the build."""
    deep = "[" * 100_000 + "]" * 100_000
    site.post("fence.md", f"Deep.\n\n```\n{deep}\n```\n", title="Fence", date="2024-01-01")
    site.post("other.md", "Other.\n\n```python\nx = 1\n```\n", title="Other", date="2024-01-02")
    site.write("content/deep.ipynb", deep)
    run = site.build()
    assert run.code == 1 and "internal error" not in run.err, run.err
    assert "content/deep.ipynb:1: error: not a valid notebook: its JSON is nested too" in run.err
    (site.root / "content/deep.ipynb").unlink()
    assert site.build().code == 0
    cache = site.root / ".tensorpress-cache"
    head, *lines = (cache / "posts.jsonl").read_text().split("\n")
    (cache / "posts.jsonl").write_text(
        "\n".join([head, *(ln.split(" ")[0] + " " + deep for ln in lines)])
    )
    for body in cache.glob("*/*.json"):
        body.write_text(deep)
    (site.out / ".tensorpress-manifest.json").write_text(deep)
    for edit in ("Edited.", "Edited again."):
        site.post("fence.md", f"{edit}\n\n```\n{deep}\n```\n", title="Fence", date="2024-01-01")
        run = site.build()
        assert run.code == 0 and "internal error" not in run.err, run.err
        assert edit in site.page("posts/fence/index.html")
        assert "Other." in site.page("posts/other/index.html")
        (cache / "stamps.json").write_text(deep)


@pytest.mark.parametrize("depth", [65, 2_000, 30_000])
def test_front_matter_and_config_nested_too_deep_are_errors_not_crashes(site, depth):
    """libyaml's C parser overflows the stack (the process dies) some 25,000 levels
    down, tomllib and repr give up a thousand down: nesting is refused past 64 levels."""
    deep = "[" * depth + "]" * depth
    site.write("content/a.md", f"---\ntitle: A\ndate: 2024-01-01\nextra: {deep}\n---\nHi.\n")
    site.write("content/b.md", f'+++\ntitle = "B"\nx = {deep}\n+++\nHi.\n')
    run = site.build()
    assert run.code == 1 and "internal error" not in run.err, run.err
    assert "content/a.md:1: error: invalid YAML front matter: it nests lists or mappings" in run.err
    assert "content/b.md:2: error: invalid TOML front matter: it nests lists or mappings" in run.err
    (site.root / "content/b.md").unlink()
    site.write("content/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nHi.\n")
    site.write("tensorpress.yaml", f"title: T\nx: {deep}\n")
    run = site.build()
    assert run.code == 1 and "tensorpress.yaml: error: invalid YAML: it nests" in run.err


def test_containers_interleaved_thousands_deep_do_not_crash(site):
    site.post("mixed.md", "> - > 1. > " * 2_000 + "end\n", title="Mixed", date="2024-01-01")
    run = site.build()
    clean(run)
    assert run.code == 0, run.err


def test_nul_bytes_and_invalid_utf8_are_errors_with_a_line_and_the_site_stays(site):
    before = good_site(site)
    site.write("content/nul.md", b"---\ntitle: N\n---\n\nline four\nbad \x00 byte\n")
    site.write("content/latin1.md", "---\ntitle: L\n---\n\ncaf\xe9\n".encode("latin-1"))
    run = site.build()
    clean(run)
    assert run.code == 1
    assert "content/nul.md:6: error: contains a NUL byte" in run.err
    assert "content/latin1.md:5: error: not valid UTF-8 (byte 0xe9)" in run.err
    assert site.files() == before
    check = main(["check", "-s", str(site.root)])
    assert check == 1


# -- the file system under our feet ---------------------------------------------------------


def test_symlinks_out_of_content_are_warned_and_not_followed(site, tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "keys.md").write_text("---\ntitle: Keys\n---\nSECRET-KEY-123\n")
    site.write("tensorpress.yaml", "title: SECRET-CONFIG\n")
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    content = site.root / "content"
    (content / "leak.md").symlink_to(secret / "keys.md")
    (content / "leakdir").symlink_to(secret)
    (content / "config.md").symlink_to(site.root / "tensorpress.yaml")
    (content / "loop1.md").symlink_to(content / "loop2.md")
    (content / "loop2.md").symlink_to(content / "loop1.md")
    run = site.build()
    clean(run)
    assert run.code == 0, run.err
    for name in ("leak.md", "config.md", "loop1.md", "loop2.md"):
        assert (
            f"content/{name}: warning: symbolic link to a file outside content/; not followed"
        ) in run.err
    assert "content/leakdir: warning: symbolic link to a folder outside content/" in run.err
    for data in site.files().values():
        assert b"SECRET-KEY-123" not in data
    assert not (site.out / "posts" / "config").exists()


def test_a_site_folder_that_is_a_link_out_of_the_site_is_not_followed(site, tmp_path):
    """A cloned site whose ``static`` (or ``content``) is a link to ``/etc``: nothing of
    it is published."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "shadow").write_text("SECRET-KEY-123")
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    (site.root / "static").symlink_to(secret)
    run = site.build()
    assert run.code == 0, run.err
    assert "static/: warning: symbolic link to a folder outside the site; not followed" in run.err
    assert not (site.out / "shadow").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "content").symlink_to(secret)
    assert main(["build", "-s", str(other), "-q"]) == 1
    assert not (other / "public" / "shadow").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_in_the_site_is_skipped_not_waited_on(site):
    """Opening a pipe blocks until a writer comes: build, check and serve hung."""
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    (site.root / "static").mkdir()
    os.mkfifo(site.root / "static/pipe.css")
    os.mkfifo(site.root / "content/pipe.md")
    command = [sys.executable, "-m", "tensorpress", "build", "-s", str(site.root)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    for name in ("static/pipe.css", "content/pipe.md"):
        assert f"{name}: warning: not a regular file (a pipe, a device); skipped" in run.stderr


BIG = "9" * 5000


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.md", f"---\ntitle: A\nweight: {BIG}\n---\nHi.\n", "a number of more than 4,300"),
        ("b.md", f"+++\ntitle = {BIG}\n+++\nHi.\n", "a number of more than 4,300"),
        ("c.md", f'---\ntitle: C\n---\n```python hl_lines="{BIG}"\nx = 1\n```\n', "hl_lines"),
        ("d.md", f'---\ntitle: D\n---\n```python linenums="{BIG}"\nx = 1\n```\n', "linenums"),
    ],
)
def test_numbers_past_pythons_digit_limit_are_messages(site, name, text, expected):
    """Python refuses to read an int of more than 4,300 digits: it was an internal error
    wherever YAML, TOML or a fence attribute held one."""
    site.write(f"content/{name}", text)
    run = site.build()
    assert "internal error" not in run.err and expected in run.err, run.err
    assert all(len(line) < 400 for line in run.err.splitlines()), "messages stay readable"


@pytest.mark.parametrize(
    "svg", ['width="1.2.3" height="4"', 'viewBox="0 0 1e400 10"', 'width="inf" height="9"']
)
def test_an_svg_whose_size_is_no_number_has_no_size(site, svg):
    site.write("static/logo.svg", f'<svg xmlns="http://www.w3.org/2000/svg" {svg}></svg>')
    site.post("a.md", "![logo](/logo.svg)\n", title="A", date="2024-01-01")
    run = site.build()
    assert run.code == 0 and "internal error" not in run.err, run.err
    assert '<img src="../../logo.svg"' in site.page("posts/a/index.html")


def test_a_sites_templates_run_in_jinjas_sandbox(site, tmp_path):
    """A site's templates are code from wherever the site came from: Jinja's sandbox
    refuses Python's internals (this ran a shell command) and huge ranges."""
    pwned = tmp_path / "pwned"
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    site.write(
        "templates/post.html",
        f"{{{{ cycler.__init__.__globals__.os.system('touch {pwned}') }}}}",
    )
    run = site.build()
    assert run.code == 1 and not pwned.exists()
    assert "templates/post.html:1: error: template error" in run.err and "SecurityError" in run.err
    site.write("templates/post.html", "{% for i in range(10**12) %}x{% endfor %}")
    run = site.build()
    assert run.code == 1 and "Range too big" in run.err, run.err


def test_no_template_reaches_a_path_whose_methods_write_files(site, tmp_path):
    """The sandbox lets a template call any public method: ``site.root`` (a ``Path``)
    wrote a file anywhere. No path, nor any attribute of one, is reachable."""
    pwned = tmp_path / "pwned"
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    for reach in (
        "site.root",
        "site['output']",
        "site.content_dir",
        "(site|attr('root'))",
    ):
        site.write(
            "templates/post.html",
            f"{{{{ {reach}.parent.joinpath('{pwned}').write_text('x') }}}}",
        )
        run = site.build()
        assert run.code == 1 and not pwned.exists(), reach
        assert "SecurityError" in run.err and "is unsafe" in run.err, run.err
    site.write("templates/post.html", "{{ site.title }} {{ post.title }} {{ site.tz.key }}")
    run = site.build()
    assert run.code == 0, run.err
    assert site.page("posts/a/index.html") == "A deep-learning blog A UTC"


def test_series_that_slugify_alike_get_pages_of_their_own(site):
    """ "Foo", "Foo?" and "Foo!" all made series/foo/: one staged over the other, and a
    failed swap left temporaries in the site."""
    for i, name in enumerate(["Foo", "Foo?", "Foo!"], 1):
        site.post(f"p{i}.md", "Hi.", title=f"P{i}", date=f"2024-01-0{i}", series=f'"{name}"')
    assert site.build().code == 0
    pages = [site.page(f"series/{slug}/index.html") for slug in ("foo", "foo-2", "foo-3")]
    assert ["posts/p1/" in pages[0], "posts/p3/" in pages[1], "posts/p2/" in pages[2]] == [
        True
    ] * 3, "in the order of their names: Foo, Foo!, Foo?"
    assert not [p for p in site.out.rglob("*") if ".tp-" in p.name]


def test_file_names_at_the_limits_build_or_say_what_to_rename(site):
    """A 245-byte name is legal, and so is its page: the temporary beside it must be too.
    A backslash is legal on POSIX but no URL can hold it as written."""
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    long = "f" * 241 + ".png"
    site.write(f"content/{long}", b"\x89PNG\r\n\x1a\n")
    assert site.build().code == 0 and (site.out / long).is_file()
    site.write("content/plot\\v2.png", b"x")
    run = site.build()
    assert run.code == 1
    assert "its name has a backslash, which URLs read as a folder: rename the file" in run.err


def test_the_cache_folder_is_no_output_folder_and_serve_ports_are_checked(site, capsys):
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    cache = site.root / output.CACHE_DIR
    assert main(["build", "-s", str(site.root), "-o", str(cache)]) == 1
    assert "the output folder is inside .tensorpress-cache/" in capsys.readouterr().err
    for port in ("99999", "-1", "x"):
        with pytest.raises(SystemExit):
            main(["serve", "-s", str(site.root), "-p", port])
        assert "is not a port: give a number from 0 to 65535" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "https://example.org/\nDisallow: /",
        "http://exa mple.org/",
        "https://x.org/?a=1",
        "ftp://x.org/",
    ],
)
def test_a_base_url_that_no_page_can_use_is_an_error(site, url, capsys):
    """It goes into canonical links, feeds, the sitemap and robots.txt: a line break in it
    wrote a rule into robots.txt; an unclosed address was an internal error."""
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    assert main(["build", "-s", str(site.root), "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert "--base-url: error: base_url" in err and "internal error" not in err
    assert not site.out.exists()


def _processes_running(needle: str) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if needle in proc.joinpath("cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_a_terminated_build_takes_its_workers_with_it_and_jobs_are_bounded(site, capsys):
    """SIGTERM (a CI cancel, timeout(1)) left the pool's workers orphaned and asleep
    forever; -j 0 was taken, -j 100000 forked until the machine gave out."""
    code = "```python\n" + "x = [i**2 for i in range(10)]\n" * 150 + "```\n\n"
    for i in range(160):
        site.post(f"p{i}.md", code * 3, title=f"P{i}", date="2024-01-01")
    command = [sys.executable, "-m", "tensorpress", "build", "-s", str(site.root), "-j", "2"]
    build = subprocess.Popen([*command, "--no-cache"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(_processes_running(str(site.root))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_processes_running(str(site.root))) >= 3, "the pool started"
    build.send_signal(signal.SIGTERM)
    assert build.wait(timeout=30) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 10
    while _processes_running(str(site.root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_running(str(site.root)) == []
    for jobs in ("0", "-1"):
        with pytest.raises(SystemExit):
            main(["build", "-s", str(site.root), "-j", jobs])
        assert "is not a number of processes: give 1 or more" in capsys.readouterr().err


def test_a_file_removed_while_building_is_skipped_with_a_warning(site, monkeypatch):
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    site.post("b.md", "Beta.", title="B", date="2024-01-02")
    site.write("content/data.csv", "x\n")
    real_walk = output._walk

    def walk_then_delete(top, root, label, diags):
        found = real_walk(top, root, label, diags)
        if label == "content/":
            (top / "b.md").unlink(missing_ok=True)
            (top / "data.csv").unlink(missing_ok=True)
        return found

    monkeypatch.setattr(output, "_walk", walk_then_delete)
    run = site.build()
    clean(run)
    assert run.code == 0, run.err
    assert "content/b.md: warning: removed while reading; skipped" in run.err
    assert "content/data.csv: warning: removed while reading; skipped" in run.err
    assert (site.out / "posts/a/index.html").is_file()
    assert not (site.out / "posts/b").exists()


def test_a_read_only_output_folder_keeps_the_last_good_site(site, monkeypatch):
    before = good_site(site)
    site.post("a.md", "Alpha changed.", title="A", date="2024-01-01")

    def read_only(self, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", read_only)
    run = site.build()
    monkeypatch.undo()
    clean(run)
    assert run.code == 1
    assert "cannot write the site: Permission denied; the previous site is unchanged" in run.err
    assert site.files() == before


def test_a_full_disk_at_the_last_file_keeps_the_last_good_site(site, monkeypatch):
    before = good_site(site)
    site.post("a.md", "Alpha changed.", title="A", date="2024-01-01")
    real = Path.write_bytes

    def full_at_the_record(self, data):
        if output.MANIFEST in self.name:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_at_the_record)
    run = site.build()
    monkeypatch.undo()
    clean(run)
    assert run.code == 1 and "No space left on device" in run.err
    assert site.files() == before, "pages and their record change together or not at all"


def test_a_rename_that_fails_midway_is_rolled_back(site, monkeypatch):
    before = good_site(site)
    site.post("a.md", "Alpha changed.", title="A", date="2024-01-01")
    site.post("b.md", "Beta changed.", title="B", date="2024-01-02")
    real = os.replace
    calls = []

    def flaky(src, dst):
        if not Path(dst).is_relative_to(site.out):  # the build cache: not the site
            return real(src, dst)
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", flaky)
    run = site.build()
    monkeypatch.undo()
    clean(run)
    assert run.code == 1 and "Input/output error" in run.err
    assert len(calls) >= 3
    assert site.files() == before, "files already renamed were put back"


def test_an_output_folder_full_of_foreign_files_is_left_alone(site):
    foreign = {
        "CNAME": b"blog.example.org\n",
        ".git/config": b"[core]\n",
        "posts/a/notes.txt": b"mine\n",
        "posts/gone/keep.bin": bytes(range(256)),
        "deep/er/still.html": b"<p>mine</p>",
        "index.html.orig": b"old",
    }
    for rel, data in foreign.items():
        site.write(f"public/{rel}", data)
    site.post("a.md", "Alpha.", title="A", date="2024-01-01")
    site.post("gone.md", "Soon gone.", title="Gone", date="2024-01-02")
    assert site.build().code == 0
    (site.root / "content/gone.md").unlink()
    assert site.build().code == 0
    assert not (site.out / "posts/gone/index.html").exists()
    assert main(["clean", "-s", str(site.root)]) == 0
    left = {
        p.relative_to(site.out).as_posix(): p.read_bytes()
        for p in site.out.rglob("*")
        if p.is_file()
    }
    assert left == foreign, "everything we wrote is gone, nothing else"


def test_a_symbolic_link_in_the_output_folder_is_never_written_or_deleted_through(
    site, tmp_path, capsys
):
    """A checked-in ``public/`` whose ``posts`` links elsewhere, and a manifest that
    names a file there: build refuses (the last site stays), neither build nor clean
    creates or deletes anything outside the output folder."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("precious")
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    site.out.mkdir()
    (site.out / "posts").symlink_to(victim)
    manifest = {"version": 2, "files": {"posts/precious.txt": ["k", 1, 1]}}
    (site.out / output.MANIFEST).write_text(json.dumps(manifest))
    run = site.build()
    assert run.code == 1 and "a folder on the way that is a symbolic link" in run.err
    assert main(["clean", "-s", str(site.root)]) == 0
    assert sorted(p.name for p in victim.iterdir()) == ["precious.txt"]
    assert (site.out / "posts").is_symlink()


def test_clean_refuses_what_build_refuses_and_never_deletes_sources(site, tmp_path, capsys):
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    (site.root / output.MANIFEST).write_text(json.dumps(["content/a.md", "tensorpress.yaml"]))
    assert main(["clean", "-s", str(site.root), "-o", str(site.root)]) == 1
    assert main(["clean", "-s", str(site.root), "-o", str(site.root / "content")]) == 1
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["clean", "-s", str(site.root), "-o", str(afile)]) == 1
    err = capsys.readouterr().err
    assert "error: the output folder is the site folder or contains it" in err
    assert "error: the output folder is inside content/" in err
    assert "error: the output folder is a file" in err
    assert (site.root / "content/a.md").is_file() and afile.read_text() == "x"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("k")
    (site.root / output.CACHE_DIR).symlink_to(elsewhere)
    assert main(["clean", "-s", str(site.root)]) == 0
    assert (elsewhere / "keep").is_file() and not (site.root / output.CACHE_DIR).exists()


# -- big inputs: time and memory ------------------------------------------------------------

MEASURE = (
    "import resource, sys, time\n"
    "from tensorpress.cli import main\n"
    "t = time.perf_counter()\n"
    "code = main(sys.argv[1:])\n"
    "print('MEASURED', code, time.perf_counter() - t,\n"
    "      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def _measure(*args: str) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MB) of a command run in a fresh process."""
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in run.stderr, run.stderr
    line = next(ln for ln in run.stderr.splitlines() if ln.startswith("MEASURED")).split()
    return int(line[1]), float(line[2]), int(line[3]) / 1024


def _ten_megabytes() -> str:
    para = (
        "Backpropagation computes the gradient of the loss with respect to every weight by "
        "applying the chain rule, layer by layer, with $\\partial L / \\partial w$ each time.\n\n"
    )
    code = "```python\nfor step in range(10):\n    loss = model(x).sum()\n```\n\n"
    parts, size, n = ["---\ntitle: Big\ndate: 2024-01-01\n---\n\n"], 0, 0
    while size < 10_000_000:
        part = f"## Part {n}\n\n" + para * 20 + code
        parts.append(part)
        size += len(part)
        n += 1
    return "".join(parts)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ten-megabytes", _ten_megabytes),
        (
            "one-line",
            lambda: (
                "---\ntitle: Line\ndate: 2024-01-01\n---\n\n"
                + "The *loss* falls as [training](#x) goes on with `lr=0.1` and $x^2$ terms. "
                * 13_600
                + "\n"
            ),
        ),
    ],
)
def test_big_posts_build_and_check_in_bounded_time_and_memory(tmp_path, name, text):
    (tmp_path / "content").mkdir()
    data = text()
    assert len(data.encode()) >= 1_000_000
    (tmp_path / "content" / f"{name}.md").write_text(data)
    code, seconds, mb = _measure("build", "-s", str(tmp_path), "--no-cache", "-j", "1")
    assert code == 0 and seconds < 120 and mb < 1500, (seconds, mb)
    assert (tmp_path / "public" / "posts" / name / "index.html").stat().st_size > 1_000_000
    code, seconds, mb = _measure("check", "-s", str(tmp_path))
    assert code == 0 and seconds < 120 and mb < 1500, (seconds, mb)


BACKTRACKING = {
    # An unclosed string of backslash pairs: each pair matches two ways, 2**40 tries.
    "maple": '"' + "\\a" * 40,
    # An unclosed triple-quoted string of \r: the same, in nit's string rule.
    "nit": '"""' + "\\r" * 40 + "'",
}


def _runaway_post() -> str:
    fences = "".join(f"```{lang}\n{code}\n```\n\n" for lang, code in BACKTRACKING.items())
    return (
        f"---\ntitle: Runaway\ndate: 2024-01-01\n---\n\nIntro.\n\n{fences}```python\nx = 1\n```\n"
    )


@pytest.mark.parametrize("command", [["build", "-j", "1"], ["build", "-j", "2"], ["check"]])
def test_a_lexer_that_backtracks_for_days_is_stopped_and_the_block_kept_as_text(tmp_path, command):
    """Both patterns take days in Pygments; each block gets a few CPU seconds, then is
    shown as plain text with a warning at its line. ``-j 2`` with enough posts renders
    in worker processes, which must stop it too."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "runaway.md").write_text(_runaway_post())
    for i in range(60 if "2" in command else 0):  # enough posts for the pool
        (content / f"p{i}.md").write_text(f"---\ntitle: P{i}\ndate: 2024-01-01\n---\n\nText.\n")
    run = subprocess.run(
        [sys.executable, "-m", "tensorpress", *command, "-s", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    said = run.stdout + run.stderr  # check reports on stdout, build on stderr
    assert "Traceback" not in said and "internal error" not in said, said
    for lang, line in (("maple", 8), ("nit", 12)):
        assert (
            f"content/runaway.md:{line}: warning: highlighting this block as '{lang}' took over"
            in said
        ), said
    if command[0] == "build":
        assert run.returncode == 0, run.stderr
        page = (tmp_path / "public" / "posts" / "runaway" / "index.html").read_text()
        for code in BACKTRACKING.values():
            assert escape(code) in page  # the author's text, all of it
        assert 'class="language-python"' in page and '<span class="n">x</span>' in page


RUNAWAY_LINES = {
    # Each of these once made a pattern of the migration pass (compat) try every split
    # of a long run: quadratic or worse in the line, minutes for these 20,000 characters.
    "shortcode without its end": "{{< figure " + " " * 20_000 + "x",
    "include without its end": "{% include figure.liquid " + " " * 20_000 + "x",
    "highlight tag without its end": "{% highlight python" + " " * 20_000 + "x",
    "shortcode openers": "{{< x " * 5_000,
    "liquid filter of spaces": "{{ x | " + " " * 20_000 + "y",
    "doubled-backslash openers": "\\\\( x " * 5_000,
    "unclosed highlight tags": "{% highlight python %}\n" * 5_000,
    "unclosed colon divs": "::: {.callout-note}\n" * 5_000,
    "unclosed MyST fences": "```{note}\n" * 5_000,
    # And of the draft repair, the language guess, headings and footnotes.
    "spaces before the last word": "Text" + " " * 20_000 + "x",
    "a heading of spaces": "# a" + " " * 20_000 + "b",
    "a footnote of spaces": "x[^1]\n\n[^1]: a" + " " * 20_000 + "b",
    "a bare fence of blank lines": "```\n" + " \n" * 20_000 + "```",
    # And of math in raw HTML: every unclosed opener scanned the block to its end.
    "unclosed inline math in HTML": "<div>\n" + "\\( " * 20_000 + "$\n</div>",
    "unclosed display math in HTML": "<div>\n" + "\\[ " * 20_000 + "$\n</div>",
    "unclosed code elements in HTML": "<div>\n" + "<pre>" * 20_000 + "$x$\n</div>",
    "unclosed comments in HTML": "<div>\n" + "<!-- " * 20_000 + "$x$\n</div>",
    "kramdown-style HTML lines": "<div>\n" + "</div>\n**x**\n" * 5_000,
    "unclosed environments": "\\begin{equation}\n" * 10_000,
    "unclosed environments in a paragraph": "text\n\\begin{equation}\n" * 8_000,
    "unclosed brackets": "\\[\n" * 50_000,
    # Citations: a bracket of them never closed, keys of key characters, callouts nested.
    "unclosed citation brackets": "[" + "@a " * 20_000,
    "citation keys of dots": "[@" + "a." * 30_000 + "\n\n@" + "a." * 30_000,
    "Hugo callouts nested deep": "{{< hint info >}}\n" * 5_000 + "{{< /hint >}}\n" * 5_000,
    "inline katex never closed": "{{< katex >}}x " * 20_000,
    "footnote tags in a footnote": "A.[^1]\n\n[^1]: "
    + '<li id="fn1" class="footnote-item"> ' * 20_000
    + '<a href="#fnref1" class="footnote-backref"> ' * 20_000,
}


def _done_within(seconds: float, code: str, stdin: str | None = None) -> None:
    """``code`` runs in a fresh process and prints "done" within ``seconds``: a pattern
    that backtracks hangs rather than fails, so the deadline is what catches it."""
    run = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=seconds
    )
    assert run.stdout.strip() == "done", run.stderr


@pytest.mark.parametrize("half", [0, 1])
def test_the_body_passes_are_linear_on_lines_built_to_make_them_backtrack(half):
    """In a fresh process with a deadline: a pattern that backtracks hangs, it does not
    fail. The migration keeps every line where it was; each post renders. Half of the
    inputs in each process, so that the deadline stays far above what linear takes."""
    names = sorted(RUNAWAY_LINES)[half::2]
    code = (
        "import json, sys\n"
        "from tensorpress.compat import migrate\n"
        "from tensorpress.content import compute_body\n"
        "from tensorpress.markdown import make_parser\n"
        "from tensorpress.models import Source\n"
        "md = make_parser()\n"
        "for name, body in json.load(sys.stdin).items():\n"
        "    moved = migrate(body, 'p.md', 1).text\n"
        "    assert moved.count('\\n') == body.count('\\n'), name\n"
        "    assert compute_body(Source('p.md', body.encode(), 0.0), md) is not None, name\n"
        "print('done')\n"
    )
    _done_within(60, code, json.dumps({name: RUNAWAY_LINES[name] for name in names}))


def test_the_passes_over_a_pages_html_are_linear_on_unclosed_tags():
    """Sidenotes are made from a page's footnotes, and a post in a feed is stripped of
    page-only markup. Raw HTML of 20,000 footnote or sidenote tags with nothing closing
    them took two minutes each (every tag searched the rest of the page for its end)."""
    code = (
        "from tensorpress.figures import add_sidenotes\n"
        "from tensorpress.render import feed_html\n"
        "tail = '<span class=\"n\">x</span>'\n"
        "for html in [\n"
        '    \'<p><span class="sidenote" role="note">x</span></p>\\n\' * 20000,\n'
        '    \'<li id="fn1" class="footnote-item"> \' * 20000,\n'
        "    '<span' * 50000, ' tabindex=\"' * 50000, '<a class=\"header-anchor\"' * 20000,\n"
        "]:\n"
        "    assert add_sidenotes(html + tail).endswith(tail)\n"
        "    assert feed_html(html + tail).endswith('x')\n"
        "print('done')\n"
    )
    _done_within(30, code)


def test_macros_that_double_and_headings_that_repeat_stay_in_bounds():
    """A post's macro that uses its argument twice, nested 30 deep, would be a gigabyte
    (it is a warning past 20,000 characters); 50,000 headings of one name took the
    anchors plugin quadratic time to number (minutes)."""
    code = (
        "from tensorpress.content import compute_body\n"
        "from tensorpress.markdown import make_parser\n"
        "from tensorpress.models import Source\n"
        "md = make_parser()\n"
        "tex = '\\\\dup{' * 30 + 'x' + '}' * 30\n"
        "body = '$$\\\\newcommand{\\\\dup}[1]{#1 #1}$$\\n\\nHi $' + tex + '$.\\n'\n"
        "made = compute_body(Source('p.md', body.encode(), 0.0), md)\n"
        "assert any('more than 20,000' in d.message for d in made.rendered.diagnostics)\n"
        "body = '\\n\\n'.join(['## Results'] * 50000)\n"
        "made = compute_body(Source('p.md', body.encode(), 0.0), md)\n"
        "assert made.rendered.headings[-1].id == 'results-49999'\n"
        "print('done')\n"
    )
    _done_within(60, code)


# -- properties -----------------------------------------------------------------------------

FRAGMENTS = [
    "# ", "## ", "===", "---", "***", "* ", "_", "`", "```", "```python", "~~~", "    ", "\t",
    "$", "$$", "\\(", "\\)", "\\[", "\\]", "[", "]", "(", ")", "![", "<", ">", "> ", "{", "}",
    "{{", "}}", "{%", "%}", "{#", "#}", "{{<", ">}}", "{{%", "|", "| --- |", ":", "\n", "\n\n",
    " ", "a", "word ", "x = 1\n", "import os\n", "def f():\n", "[end of text]",
    "Write a blog post about GANs.\n", "<!--more-->", "<div>", "</div>", "<script>", "<img ",
    "&amp;", "\\", "é", "\u202e", "\r\n", "1. ", "- [ ] ", "[^1]", "[^1]: n\n", "\\label{a}",
    "\\eqref{a}", "\\begin{align}", "\\end{align}", "{% highlight python %}\n",
    "{% endhighlight %}\n", "](x.md#y)", "](img.png)", "<http://x>", "&#0;", "\x0b",
    # Other generators' syntax (compat, directives).
    ":::", "::: {.callout-note}\n", ":::{note}\n", "```{note}\n", "```{math}\n", ":label: a\n",
    "```{python}\n", "#| echo: false\n", '=== "Tab"\n', "{#id .c}", "{: #id}", "{width=50%}",
    "{{< figure src=a.png caption=x >}}", "{% include figure.liquid path=a.png %}",
    "{% raw %}", "{% endraw %}", "\\\\(", "\\\\)", "\\\\[\n", "Title: x\n", "    :::python\n",
    "{: .c}\n", "{{ site.baseurl }}", "{% post_url a %}", "<a name='x' />\n", "<br/>\n",
    "{{< ref \"/a\" >}}", "<td>$x$</td>", "<!--", "-->", "#hide\n", "$ x $",
    "```mermaid\n", "```math\n", "{eq}`a`", "<!-- more -->", "aliases: [/x/]\n",
]  # fmt: skip
markdown = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=50).map(
    "".join
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner)
)
keys = st.one_of(
    st.sampled_from(["title", "date", "updated", "topics", "tags", "summary", "draft", "slug"]),
    st.sampled_from(["authors", "image", "series", "published", "description", "layout"]),
    st.text(max_size=8),
)
front = st.one_of(
    st.just(""),
    st.dictionaries(keys, values, max_size=6).map(
        lambda d: "---\n" + yaml.safe_dump(d, allow_unicode=True) + "---\n"
    ),
    st.lists(st.sampled_from(["---\n", "+++\n", "title: x\n", "date = 1\n", ": :\n", "- a\n"])).map(
        "".join
    ),
)
CONFIG = SiteConfig(root=Path("/nonexistent/site"), output=Path("/nonexistent/site/public"))
MD = make_parser()


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(front=front, body=markdown, crlf=st.booleans())
def test_random_markdown_and_front_matter_never_crash_the_pipeline_or_the_check(front, body, crlf):
    text = front + body
    data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8", "surrogatepass")
    source = Source("content/p.md", data, 1_700_000_000.0)
    post, diags = load_post(source, CONFIG, MD, {}, {})
    assert all(d.path == "content/p.md" and d.line >= 0 for d in diags)
    posts = [post] if post is not None else []
    site, _ = assemble_site(posts, CONFIG)
    parsed = parse_source(source, MD)
    analyse([parsed] if parsed else [], site.posts, {"content/p.md"}, pyflakes=True)
    fix = plan_fix(source, CONFIG, MD)
    if fix is not None and fix.after is not None:
        again, _ = load_post(Source("content/p.md", fix.after, 1_700_000_000.0), CONFIG, MD, {}, {})
        assert again is not None and again.title == post.title


@settings(max_examples=15, deadline=None, database=None)
@given(body=markdown, front=front)
def test_random_posts_never_crash_a_real_build_or_check(body, front):
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        (root / "content").mkdir()
        (root / "content" / "p.md").write_text(front + body, "utf-8", errors="surrogatepass")
        code = main(["build", "-s", tmp, "--no-cache", "-q"])
        assert code in (0, 1)
        assert main(["check", "-s", tmp]) in (0, 1)


names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1
).filter(lambda n: n not in (".", "..") and len(n.encode()) <= 250)


@settings(max_examples=40, deadline=None, database=None)
@given(
    files=st.lists(
        st.tuples(names, st.sampled_from([".md", ".markdown", ".png", "", "/index.md"])),
        min_size=1,
        max_size=4,
    )
)
def test_random_file_names_never_escape_the_output_folder(files):
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp) / "site"
        content = root / "content"
        content.mkdir(parents=True)
        for stem, suffix in files:
            path = content / (stem + suffix)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"---\ntitle: T\ndate: 2024-01-01\n---\nHi.\n")
            except OSError:
                continue  # a name this file system refuses cannot reach a build either
        outside = sorted(Path(tmp).rglob("*"))
        code = main(["build", "-s", str(root), "--no-cache", "-q"])
        assert code in (0, 1)
        out = (root / "public").resolve()
        made = [p for p in sorted(Path(tmp).rglob("*")) if p not in outside]
        for path in made:
            inside_out = path.resolve().is_relative_to(out)
            assert inside_out or path.name == ".tensorpress-cache", path


def test_a_page_named_by_hostile_front_matter_stays_inside(site):
    site.write(
        "content/a.md",
        textwrap.dedent(
            """\
            ---
            title: x
            slug: ../../../etc/passwd
            ---
            Hi.
            """
        ),
    )
    site.write("content/b.md", "---\ntitle: y\nslug: ..\n---\nHi.\n")
    run = site.build()
    clean(run)
    assert run.code == 1 and "is not a usable slug" in run.err
    assert not (site.root.parent / "etc").exists()


@pytest.mark.parametrize("slug", ["../x", "a?b#c", "A B"])
def test_a_topic_slug_from_the_config_must_be_one(site, slug):
    """Used as given for a folder and in every link to the topic: ../x failed at write
    time naming no config line, a?b#c broke every link."""
    site.write("tensorpress.yaml", f'topics:\n  - name: Vision\n    slug: "{slug}"\n')
    site.post("a.md", "Hi.", title="A", date="2024-01-01", topics="[Vision]")
    run = site.build()
    assert run.code == 1 and not site.out.exists()
    assert "tensorpress.yaml:1: error: topic 'Vision': slug" in run.err, run.err


@pytest.mark.parametrize("alias", [".tensorpress-manifest.json", "x" * 280 + "/", "a\\x00b/"])
def test_an_alias_that_cannot_be_written_is_an_error_at_its_line(site, alias):
    """It failed only when written ("Is a directory", "File name too long"), naming no
    post, and check passed."""
    site.post("a.md", "Hi.", title="A", date="2024-01-01", aliases=f'["{alias}"]')
    run = site.build()
    assert run.code == 1 and "content/a.md:" in run.err and "'aliases': expected" in run.err
    assert main(["check", "-s", str(site.root)]) == 1


def test_fix_writes_nothing_through_a_symbolic_link(site, tmp_path, capsys):
    """A cloned site's .tensorpress-backup linked elsewhere received the backups; a post
    that links to another was replaced by a file."""
    outside = tmp_path / "outside"
    outside.mkdir()
    post = "# Hello world\n\nText.\n\n```\nimport numpy as np\n```\n"
    site.write("content/real.md", post)
    (site.root / "content/alias.md").symlink_to("real.md")
    (site.root / ".tensorpress-backup").symlink_to(outside)
    main(["check", "-s", str(site.root), "--fix"])
    assert not list(outside.iterdir()) and (site.root / "content/alias.md").is_symlink()
    captured = capsys.readouterr()
    assert "is a symbolic link; not fixed" in captured.out + captured.err


def test_a_settings_file_that_is_a_folder_is_an_error(site):
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    (site.root / "tensorpress.yaml").mkdir()
    run = site.build()
    assert run.code == 1 and "tensorpress.yaml: error: is not a file" in run.err, run.err


def test_a_fix_that_cannot_be_written_fails_the_check(site, monkeypatch, capsys):
    """It printed an error, then counted 0 errors and exited 0."""
    from tensorpress import fix

    site.write("content/real.md", "# Hello world\n\nText.\n\n```\nimport numpy as np\n```\n")

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix.os, "replace", refuse)
    assert main(["check", "-s", str(site.root), "--fix"]) == 1
    err = capsys.readouterr().err
    assert "error: cannot fix: Permission denied" in err and " 1 error(s)" in err, err


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_warning(site, tmp_path):
    """A name in no encoding reaches Python with escapes no digest, page or URL can
    hold: the build ended in an internal error. It is skipped, and said, every build."""
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    assert site.build().code == 0
    content = os.fsencode(site.root / "content")
    with open(os.path.join(content, b"\xfeb.md"), "wb") as f:
        f.write(b"---\ntitle: B\n---\nx\n")
    os.makedirs(os.path.join(os.fsencode(site.root / "static"), b"d\xff"))
    for _ in range(2):  # the second: nothing else changed, and it is still said
        run = site.build()
        assert run.code == 0 and "internal error" not in run.err, run.err
        assert (
            "content/\\xfeb.md: warning: the name is not valid UTF-8, so no URL can be made "
            "of it; skipped: rename it"
        ) in run.lines
        assert "static/d\\xff: warning: the name is not valid UTF-8" in run.err


def test_a_site_folder_named_in_no_encoding_is_shown_not_an_internal_error(tmp_path):
    """The summary names the output folder: printing a name with escapes to a strict
    UTF-8 stream raised."""
    root = os.path.join(os.fsencode(tmp_path), b"blog\xff")
    os.makedirs(os.path.join(root, b"content"))
    with open(os.path.join(root, b"content", b"a.md"), "wb") as f:
        f.write(b"---\ntitle: A\ndate: 2024-01-01\n---\nHi.\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    done = subprocess.run(
        [sys.executable, "-m", "tensorpress", "build"], cwd=root, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert b"built 1 posts" in done.stdout and b"blog\\udcff" in done.stdout


def test_mdx_comments_left_open_are_read_in_linear_time():
    """Each ``{/*`` searched the rest of its line (and of the post) for its end: a line
    of 20,000 took eleven seconds, and twice that length four times as long."""
    code = (
        "from tensorpress.compat import migrate\n"
        "for body in ('{/* ' * 40_000, '{/*\\n' * 40_000, 'export const a = {\\n' * 5_000):\n"
        "    moved = migrate(body, 'p.mdx', 1).text\n"
        "    assert moved.count('\\n') == body.count('\\n')\n"
        "print('done')\n"
    )
    _done_within(20, code)
