"""The build cache and parallel rendering make builds faster, never different."""

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tensorpress import content
from tensorpress.build import build
from tensorpress.cache import RECORDS
from tensorpress.cli import main
from tensorpress.config import load_config
from tensorpress.models import Source
from tensorpress.output import CACHE_DIR, MANIFEST, STAMPS


def _blog(site, n=6):
    for i in range(n):
        site.post(
            f"p{i}.md",
            f"## Part {i}\n\n```python\nx = {i}\n```\n\nText $a_{i}$.\n",
            title=f"Post {i}",
            date=f"2024-01-{i + 1:02d}",
            topics="[cnn]" if i % 2 else "[gan]",
        )


def _build(root: Path, out: Path, **kwargs):
    config, _ = load_config(root, out)
    return build(config, **kwargs)


def _tree(out: Path) -> dict[str, bytes]:
    """Every file of the site; the manifest holds times and keys, not content."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


def test_a_cached_build_is_byte_identical_to_a_clean_one(site, tmp_path):
    _blog(site)
    cold = _build(site.root, tmp_path / "a")
    assert cold.ok and cold.rendered == 6
    assert any((site.root / CACHE_DIR).glob("*/*.json"))
    warm = _build(site.root, tmp_path / "b")
    assert warm.ok and warm.rendered == 0, "every body came from the disk cache"
    clean = _build(site.root, tmp_path / "c", disk_cache=False)
    assert clean.rendered == 6
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b") == _tree(tmp_path / "c")


def test_a_corrupt_or_truncated_cache_file_is_ignored(site, tmp_path):
    _blog(site, 2)
    _build(site.root, tmp_path / "a")
    files = sorted((site.root / CACHE_DIR).glob("*/*.json"))
    files[0].write_bytes(files[0].read_bytes()[:40])
    files[1].write_text('{"pipeline": "x", "key": 1}')
    again = _build(site.root, tmp_path / "b")
    assert again.ok and again.rendered == 2
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _build(site.root, tmp_path / "c").rendered == 0, "the bad files were replaced"


def test_a_cache_entry_with_a_wrong_shape_is_ignored(site, tmp_path):
    import json

    _blog(site, 1)
    _build(site.root, tmp_path / "a")
    (path,) = (site.root / CACHE_DIR).glob("*/*.json")
    data = json.loads(path.read_text())
    data["headings"] = [["not", "a", "heading"]]
    path.write_text(json.dumps(data))
    assert _build(site.root, tmp_path / "b").rendered == 1


def test_a_new_pipeline_version_invalidates_the_cache(site, tmp_path, monkeypatch):
    _blog(site, 3)
    _build(site.root, tmp_path / "a")
    monkeypatch.setattr(content, "PIPELINE", content.PIPELINE + "; next")
    monkeypatch.setattr("tensorpress.cache.PIPELINE", content.PIPELINE)
    assert _build(site.root, tmp_path / "b").rendered == 3


def test_parallel_and_serial_builds_are_byte_identical(site, tmp_path, monkeypatch):
    monkeypatch.setattr("tensorpress.stages.PARALLEL_MIN", 2)
    _blog(site, 8)
    site.write("content/raw.md", "Write a blog post about GANs.\n\n# GANs\n\n```\nimport x\n")
    serial = _build(site.root, tmp_path / "s", disk_cache=False, jobs=1)
    parallel = _build(site.root, tmp_path / "p", disk_cache=False, jobs=2)
    assert serial.ok and parallel.ok
    assert serial.diagnostics == parallel.diagnostics
    assert _tree(tmp_path / "s") == _tree(tmp_path / "p")


def test_editing_one_post_rewrites_its_page_and_the_listings_that_show_it(site):
    _blog(site)
    assert site.build().code == 0
    site.post("p3.md", "Changed body.\n", title="Post 3", date="2024-01-04", topics="[cnn]")
    config, _ = load_config(site.root)
    result = build(config)
    assert result.rendered == 1
    assert set(result.written) == {
        "posts/p3/index.html",  # the post
        "index.html",  # its summary on the index
        "topics/cnn/index.html",  # and on its topic's page
        "search.json",  # its text is in the search index
        "feed.xml",  # and in the feeds that list it
        "topics/cnn/feed.xml",
    }
    assert "Changed body." in site.page("posts/p3/index.html")


def test_no_cache_and_clean(site, capsys):
    _blog(site, 2)
    assert site.build("--no-cache").code == 0
    assert not (site.root / CACHE_DIR).exists()
    assert site.build().code == 0
    site.write("public/CNAME", "example.org")
    assert main(["clean", "-s", str(site.root)]) == 0
    assert not (site.root / CACHE_DIR).exists()
    assert [p.name for p in site.out.rglob("*") if p.is_file()] == ["CNAME"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_post_that_fails_to_decode_is_reported_in_both_modes(site, tmp_path, jobs, monkeypatch):
    monkeypatch.setattr("tensorpress.stages.PARALLEL_MIN", 1)
    _blog(site, 2)
    site.write("content/bad.md", b"bad \xff\xfe")
    result = _build(site.root, tmp_path / "o", jobs=jobs, disk_cache=False)
    assert not result.ok
    assert any("content/bad.md:1: error: not valid UTF-8" in str(d) for d in result.diagnostics)


def test_a_no_change_build_renders_nothing_and_a_hand_edited_page_is_restored(site):
    _blog(site, 3)
    assert site.build().code == 0
    config, _ = load_config(site.root)
    again = build(config)
    assert again.written == () and again.rendered == 0
    index = site.out / "index.html"
    good = index.read_bytes()
    index.write_text("edited by hand")
    restored = build(config)
    assert restored.written == ("index.html",)
    assert index.read_bytes() == good


def test_a_template_change_rerenders_without_reparsing(site):
    _blog(site, 3)
    assert site.build().code == 0
    site.write("templates/post.html", "<h1>{{ post.title }}</h1>{{ post.content }}")
    config, _ = load_config(site.root)
    result = build(config)
    assert result.rendered == 0, "no Markdown was parsed again"
    assert set(result.written) == {f"posts/p{i}/index.html" for i in range(3)}
    assert site.page("posts/p1/index.html").startswith("<h1>Post 1</h1>")


def test_a_no_change_build_reports_the_same_warnings_and_counts(site):
    _blog(site, 2)
    site.write("content/raw.md", "# Raw\n\n```\nprint(1)\n```\n")
    first = site.build()
    second = site.build()
    assert first.code == second.code == 0
    assert first.err == second.err and "no language" in second.err
    assert "built 3 posts" in second.out and "(0 written, 0 removed)" in second.out


def test_any_input_change_defeats_the_unchanged_shortcut(site):
    _blog(site, 2)
    assert site.build().code == 0
    site.write("static/extra.css", "body { color: red }")
    assert "(1 written" in site.build().out
    site.write("tensorpress.yaml", "title: Renamed\n")
    run = site.build()
    assert "Renamed" in site.page("index.html") and "0 written" not in run.out
    (site.out / "posts/p0/index.html").unlink()
    config, _ = load_config(site.root)
    assert build(config).written == ("posts/p0/index.html",)


def test_a_changed_bundle_file_is_copied_again(site):
    site.post("viz/index.md", "![p](plot.svg)", title="Viz", date="2024-01-01")
    site.write("content/viz/plot.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert site.build().code == 0
    site.write("content/viz/plot.svg", "<svg xmlns='http://www.w3.org/2000/svg' width='9'/>")
    assert site.build().code == 0
    assert "width='9'" in site.page("posts/viz/plot.svg")


def test_a_build_after_no_cache_fills_the_cache(site, tmp_path):
    _blog(site, 3)
    assert site.build("--no-cache").code == 0
    config, _ = load_config(site.root)
    filling = build(config)
    assert filling.rendered == 3, "not cut short as 'nothing changed'"
    site.post("p1.md", "Edited.\n", title="Post 1", date="2024-01-02", topics="[cnn]")
    assert build(config).rendered == 1


def _settle(path: Path, seconds_ago: float = 60) -> None:
    """Date a file back, as if written a minute ago: its stamp can then be trusted."""
    then = time.time_ns() - int(seconds_ago * 1e9)
    os.utime(path, ns=(then, then))


def _read(site, previous=None, remember=True):
    """(the read, path -> bytes of each post) of the site's sources."""
    from tensorpress.output import read_sources
    from tensorpress.render import theme_dir

    config, _ = load_config(site.root)
    inputs, _ = read_sources(config, theme_dir(), previous, remember=remember)
    return inputs, {s.path: s.data for s in inputs.posts}


def test_a_settled_file_with_the_same_stamp_is_not_read_again(site):
    _blog(site, 2)
    post = site.root / "content/p0.md"
    _settle(post)
    first, _ = _read(site)
    stamp = post.stat()
    data = post.read_bytes()
    # Same size, same time, same inode, other bytes: only a stamp check misses this,
    # which proves the second read took the bytes of the first.
    with open(post, "r+b") as f:
        f.write(b"+++")
    os.utime(post, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert _read(site, first)[1]["content/p0.md"] == data
    assert _read(site)[1]["content/p0.md"] != data


def test_a_changed_or_recent_file_is_read_again(site):
    _blog(site, 2)
    post = site.root / "content/p0.md"
    _settle(post)
    first, _ = _read(site)
    assert str(post) in first.read, "a settled file is remembered"
    assert _read(site, remember=False)[0].read == {}, "a one-off read remembers nothing"
    post.write_text(post.read_text("utf-8").replace("Text", "Txet"), "utf-8")  # same size
    again, data = _read(site, first)
    assert b"Txet" in data["content/p0.md"]
    assert str(post) not in again.read, "a file changed just now is not trusted yet"


def test_serve_rebuilds_prune_only_the_replaced_cache_entries(site):
    _blog(site, 4)
    config, _ = load_config(site.root)
    first = build(config)
    folder = site.root / CACHE_DIR
    before = {p.stem for p in folder.glob("*/*.json")}
    assert len(before) == 4
    site.post("p1.md", "Edited.\n", title="Post 1", date="2024-01-02", topics="[cnn]")
    second = build(config, first.cache)
    after = {p.stem for p in folder.glob("*/*.json")}
    assert second.rendered == 1 and len(after) == 4 and len(after - before) == 1


def test_a_failure_while_rendering_leaves_the_last_site_and_no_temporaries(site):
    """Pages are staged as they render; an error in a later page must undo all of it."""
    _blog(site, 6)
    assert site.build().code == 0
    before = site.files()
    # Newest first: Post 5 is staged before Post 0, the oldest, fails.
    site.post("p5.md", "Changed.\n", title="Post 5", date="2024-01-06", topics="[cnn]")
    site.write(
        "templates/post.html",
        '{% extends "base.html" %}{% block main %}{{ post.content }}'
        "{% if post.title == 'Post 0' %}{{ post.nothing.here }}{% endif %}{% endblock %}",
    )
    failed = site.build()
    assert failed.code == 1 and "templates/post.html:1: error" in failed.err
    assert site.files() == before
    leftovers = [p for p in site.out.rglob("*") if ".tp-" in p.name]
    assert leftovers == []


def test_a_first_build_that_fails_leaves_no_output_folder(site):
    _blog(site, 3)
    site.write("templates/post.html", "{{ post.nothing.here }}")
    assert site.build().code == 1
    assert not site.out.exists()


def _varied_blog(site):
    """Posts whose records are hard to keep exactly: inferred metadata, time zones, an
    extra field JSON cannot hold, a link to another post, a title heading, a series."""
    site.write("tensorpress.yaml", "title: T\ntimezone: Europe/Berlin\n")
    _blog(site, 3)
    site.write(
        "content/draft-notes.md",
        "Write about attention\n# Attention, briefly\n\nSee [p0](p0.md) and $x^2$.\n\n"
        "```\ndef f(x):\n    return x\n```\n[end of text]\n",
    )
    site.post("offset.md", "# Offset\n\nBody.", date="2024-03-01T10:00:00+02:00", series="S")
    site.post("later.md", "Body.", title="Later", date="2024-03-02", reviewed="2024-05-01")
    site.post("listed.md", "Body.", title="Listed", date="2024-03-03", series="S", n="1.0")


def test_a_fresh_process_takes_unchanged_posts_from_their_records(site, tmp_path, monkeypatch):
    """No front matter is parsed and no body is read for a post whose record matches;
    the site is the same as a clean build's, byte for byte."""
    import tensorpress.stages as build_module

    _varied_blog(site)
    first = _build(site.root, tmp_path / "a")
    assert first.ok, first.diagnostics
    # one post has no record: a date in an extra field is more than JSON holds exactly
    assert len(_records(site.root)) == 6
    loads: list[str] = []
    real = build_module.load_post
    monkeypatch.setattr(
        build_module, "load_post", lambda s, *a: loads.append(s.path) or real(s, *a)
    )
    (site.root / "content/p1.md").write_text("---\ntitle: One\ndate: 2024-01-02\n---\nNew.\n")
    again = _build(site.root, tmp_path / "a")  # the output folder is part of the config
    assert sorted(loads) == ["content/later.md", "content/p1.md"], "the others: records"
    clean = _build(site.root, tmp_path / "c", disk_cache=False)
    assert again.diagnostics and sorted(map(str, again.diagnostics)) == sorted(
        map(str, clean.diagnostics)
    )
    assert _tree(tmp_path / "a") == _tree(tmp_path / "c")


def test_a_bad_record_or_a_lost_body_never_changes_the_site(site, tmp_path):
    _varied_blog(site)
    out = tmp_path / "a"
    _build(site.root, out)
    before = _tree(out)
    file = site.root / CACHE_DIR / RECORDS
    head, first, second, *rest = file.read_bytes().split(b"\n")
    names = [line.split(b" ", 1)[0] for line in (first, second)]
    cut = first[:50]  # cut short, and a record of another shape
    file.write_bytes(b"\n".join([head, cut, names[1] + b' ["another", "shape"]', *rest]))
    for body in (site.root / CACHE_DIR).glob("*/*.json"):
        body.unlink()  # the records stay: their HTML must be made again from the sources
    for page in out.rglob("*.html"):
        page.write_text("stale")  # so that every page is rendered again
    assert _build(site.root, out).ok
    assert _tree(out) == before
    kept = _records(site.root)  # the bad two made again, and appended
    assert len(kept) == 6 and kept[names[0]] != cut.split(b" ", 1)[1]
    assert kept[names[1]] != b'["another", "shape"]'


def test_a_record_with_fields_of_the_wrong_kind_is_not_taken(site, tmp_path):
    """Valid JSON of the wrong shape in any column (a cache copied from elsewhere, or
    made by hand) is no record: the post is made again, never shown half-typed."""
    from datetime import UTC

    from tensorpress.cache import _decode_record

    _blog(site, 1)
    site.post("toc.md", "## A\n\nSee [p0](p0.md).\n\n## B\n", title="T", date="2024-02-01")
    _build(site.root, tmp_path / "a")
    line = next(v for v in _records(site.root).values() if b'"T"' in v).decode()
    fields, _, search = line.partition("\t")
    good = json.loads(fields)
    assert _decode_record(good[0], line, UTC, str) is not None
    where = {"topics": 8, "toc": 10, "links": 17, "diagnostics": 1, "refs": 25}
    bad = {
        "topics": [[["cnn"], "Cnn", "topics/cnn/"]],  # unhashable where a string goes
        "toc": [[2, 2], ["a", "b"], ["A", "B"], [1], ["A", "B"]],  # ragged columns
        "links": [[1], [3]],  # a line where the target goes
        "diagnostics": [["p.md", 1, "fatal", "x"]],  # no such severity
        "refs": [["link"], [None]],
    }
    for name, value in bad.items():
        fields_ = list(good)
        fields_[where[name]] = value
        data = json.dumps(fields_) + "\t" + search
        assert _decode_record(good[0], data, UTC, str) is None, name


def test_records_of_another_config_or_of_deleted_posts_are_not_kept(site, tmp_path):
    _varied_blog(site)
    _build(site.root, tmp_path / "b")
    before = _records(site.root)
    site.write("tensorpress.yaml", "title: T\ntimezone: Asia/Tokyo\n")
    (site.root / "content/listed.md").unlink()
    _build(site.root, tmp_path / "b")
    after = _records(site.root)
    assert len(after) == 5 and not after.keys() & before.keys()
    assert _tree(tmp_path / "b") == _tree(_clean(site.root, tmp_path / "c"))


def _records(root: Path) -> dict[bytes, bytes]:
    """The records file by name: the last line of a name wins."""
    head, *lines = (root / CACHE_DIR / RECORDS).read_bytes().split(b"\n")
    assert head == content.PIPELINE.encode()
    return dict(line.split(b" ", 1) for line in lines)  # type: ignore[misc]


def test_an_edit_appends_one_record_until_too_many_are_of_no_live_post(site, tmp_path):
    """The records file grows by a line per edited post, and is written anew, live
    records only, once more than an eighth of its lines are dead (plus one)."""
    _blog(site, 3)
    _build(site.root, tmp_path / "a")
    file = site.root / CACHE_DIR / RECORDS
    first = file.read_bytes()
    sizes = []
    for n in range(4):
        site.post("p1.md", f"Edit {n}.\n", title="Post 1", date="2024-01-02", topics="[cnn]")
        assert _build(site.root, tmp_path / "a").ok
        sizes.append(file.read_bytes().count(b"\n"))
    assert sizes == [4, 3, 4, 3], "appended, then written anew: one line in four was dead"
    assert file.read_bytes()[: len(first)] != first
    assert _build(site.root, tmp_path / "a").ok and file.read_bytes().count(b"\n") == 3
    assert _tree(tmp_path / "a") == _tree(_clean(site.root, tmp_path / "c"))


def _clean(root: Path, out: Path) -> Path:
    assert _build(root, out, disk_cache=False).ok
    return out


def test_templates_see_deferred_html_as_markup(site, tmp_path):
    """A one-off build keeps each post's HTML compressed and a record build keeps it on
    disk; a template that shows it in a listing, or filters it, sees the real HTML."""
    _blog(site, 2)
    site.write(
        "templates/index.html",
        "{% for post in posts %}<article>{{ post.content }}</article>"
        "[{{ post.content|striptags|wordcount }}|{{ post.content|length }}|"
        "{{ post.content|truncate(12) }}]{% endfor %}\n",
    )
    for run in ("a", "b"):  # bodies made, then posts from their records
        assert _build(site.root, tmp_path / run, keep=False).ok
        page = (tmp_path / run / "index.html").read_text()
        post = (tmp_path / run / "posts/p1/index.html").read_text()
        html = post.split('<div class="prose post-body">\n', 1)[1].split("\n  </div>", 1)[0]
        assert f"<article>{html}" in page and '<span class="n">x</span>' in page
        assert f"|{len(html)}|" in page
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_compiled_templates_shared_between_sites_keep_each_sites_config(tmp_path, capsys):
    """Jinja folds a filter applied to a constant into the compiled template, and the
    compiled templates are kept between processes: no site may see another's base URL."""
    for name in ("one", "two"):
        root = tmp_path / name
        (root / "content").mkdir(parents=True)
        (root / "content/a.md").write_text("---\ntitle: A\ndate: 2024-01-01\n---\nHi.\n")
        assert main(["build", "-s", str(root), "--base-url", f"https://{name}.org/"]) == 0
        assert f"<loc>https://{name}.org/</loc>" in (root / "public/sitemap.xml").read_text()
        assert (
            f"Sitemap: https://{name}.org/sitemap.xml" in (root / "public/robots.txt").read_text()
        )


def test_the_cache_index_lists_what_the_next_build_prunes(site, tmp_path):
    """Each build lists the files it keeps; the next prunes the listed ones that are no
    longer live, without walking the folder; with no usable index, it walks it."""

    _blog(site, 3)
    folder = site.root / CACHE_DIR
    _build(site.root, tmp_path / "a")
    files = {p.relative_to(folder).as_posix() for p in folder.glob("*/*.*")}
    listed = (folder / "live.txt").read_text().split("\n")
    assert len(files) == 3 and listed[0] == content.PIPELINE and set(listed[1:]) == files
    orphan = folder / "zz" / "orphan.json"
    orphan.parent.mkdir()
    orphan.write_text("{}")
    site.post("p1.md", "Edited.\n", title="Post 1", date="2024-01-02", topics="[cnn]")
    _build(site.root, tmp_path / "a")
    now = {p.relative_to(folder).as_posix() for p in folder.glob("*/*.*")}
    assert len(now - files) == 2 and len(files - now) == 1, "the edited post's body replaced"
    assert orphan.exists(), "not listed, not looked for"
    (folder / "live.txt").write_text("another pipeline\n" + "\n".join(listed[1:]))
    site.post("p2.md", "Edited.\n", title="Post 2", date="2024-01-03", topics="[gan]")
    _build(site.root, tmp_path / "a")
    assert not orphan.exists()


def test_a_hostile_cache_index_deletes_nothing_outside_the_cache(site, tmp_path):

    _blog(site, 2)
    _build(site.root, tmp_path / "a")
    victim = tmp_path / "victim.json"
    victim.write_text("keep me")
    folder = site.root / CACHE_DIR
    names = [str(victim), "../content/p0.md", "../../victim.json", "ab/../../x.json"]
    (folder / "live.txt").write_text("\n".join([content.PIPELINE, *names]))
    site.post("p1.md", "Edited.\n", title="Post 1", date="2024-01-02", topics="[cnn]")
    assert _build(site.root, tmp_path / "a").ok
    assert victim.read_text() == "keep me" and (site.root / "content/p0.md").exists()


def test_links_and_images_are_resolved_without_reading_unchanged_bodies(
    site, tmp_path, monkeypatch
):
    """A post's relative links and images are kept with its record, so a rebuild fixes
    links and image sizes (and warns) without its HTML, which is read only if a page
    that shows it renders; the site is the same as a clean build's."""
    from tensorpress.cache import DiskCache

    site.write("content/fig.png", _png(8, 6))
    for i in range(25):  # more than a feed shows: the oldest is on no feed
        site.post(
            f"p{i}.md",
            f"See [the next](p{i + 1}.md), ![a figure](fig.png), ![gone](gone{i}.png) and "
            f'<img src="fig.png" alt="raw">.\n\n![sized](fig.png){{width=3}}\n',
            title=f"Post {i}",
            date=f"2024-01-{i + 1:02d}",
        )
    out = tmp_path / "a"
    first = _build(site.root, out)
    assert first.ok and any("gone0.png" in d.message for d in first.diagnostics)
    reads: list[str] = []
    real = DiskCache.__getitem__
    monkeypatch.setattr(DiskCache, "__getitem__", lambda self, k: reads.append(k) or real(self, k))
    config, _ = load_config(site.root, out)
    edited = site.root / "content/p0.md"
    was = Source("content/p0.md", edited.read_bytes(), 0.0)
    last = content.body_key(was, content.parser_options(config))
    site.post("p0.md", "Now [on](p1.md), ![gone](gone.png).\n", title="Post 0", date="2024-01-01")
    again = _build(site.root, out)
    assert reads == [last], "the edited post's last body (its code blocks), and no other"
    clean = _build(site.root, tmp_path / "c", disk_cache=False)
    assert sorted(map(str, again.diagnostics)) == sorted(map(str, clean.diagnostics))
    assert _tree(out) == _tree(tmp_path / "c")
    page = (out / "posts/p5/index.html").read_text()
    assert 'href="../../posts/p6/"' in page and 'width="8" height="6"' in page


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _settle_posts(root: Path) -> None:
    for path in (root / "content").rglob("*.md"):
        _settle(path, 3600)


def _reads(monkeypatch) -> list[str]:
    import tensorpress.output as output

    seen: list[str] = []
    real = output._read
    monkeypatch.setattr(output, "_read", lambda path, *a: seen.append(path) or real(path, *a))
    return seen


def test_a_fresh_process_reads_only_the_posts_it_must_make(site, tmp_path, monkeypatch):
    """The stamps of the posts a build read are kept in the cache; the next build takes a
    post whose stamp is unchanged as unchanged, and reads only the edited one."""
    _blog(site, 4)
    _settle_posts(site.root)
    assert _build(site.root, tmp_path / "a", keep=False).ok
    assert (site.root / CACHE_DIR / STAMPS).is_file()
    site.post("p1.md", "Edited.\n", title="Post 1", date="2024-01-02", topics="[cnn]")
    seen = _reads(monkeypatch)
    assert _build(site.root, tmp_path / "a", keep=False).ok
    assert [p for p in seen if p.endswith(".md")] == [str(site.root / "content/p1.md")]
    assert _tree(tmp_path / "a") == _tree(_clean(site.root, tmp_path / "c"))
    seen.clear()
    assert _build(site.root, tmp_path / "a", disk_cache=False).ok
    assert len([p for p in seen if p.endswith(".md")]) == 4, "--no-cache reads every post"


def test_a_post_changed_under_an_unchanged_stamp_is_read_when_it_must_be_made(site, tmp_path):
    """Other bytes under the same size, time and inode, and no record to take the post
    from: the build sees the digest differ, reads every post and builds again."""
    _blog(site, 3)
    _settle_posts(site.root)
    assert _build(site.root, tmp_path / "a", keep=False).ok
    path = site.root / "content/p2.md"
    before = os.stat(path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Text", b"Txet"))  # same size, same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    (site.root / CACHE_DIR / RECORDS).unlink()  # so that every post must be made again
    for body in (site.root / CACHE_DIR).glob("*/*.json"):
        body.unlink()
    (tmp_path / "a" / MANIFEST).unlink()  # else "nothing changed", as far as stamps tell
    assert _build(site.root, tmp_path / "a", keep=False).ok
    assert "Txet" in (tmp_path / "a/posts/p2/index.html").read_text()
    assert _tree(tmp_path / "a") == _tree(_clean(site.root, tmp_path / "c"))
    path.write_bytes(data)  # back as it was: no body may be kept under its old digest
    assert _build(site.root, tmp_path / "a", keep=False).ok
    assert "Txet" not in (tmp_path / "a/posts/p2/index.html").read_text()
    assert _tree(tmp_path / "a") == _tree(_clean(site.root, tmp_path / "d"))


def test_bad_stamps_are_ignored(site, tmp_path):
    _blog(site, 3)
    _settle_posts(site.root)
    assert _build(site.root, tmp_path / "a").ok
    stamps = site.root / CACHE_DIR / STAMPS
    for bad in ("{", '{"x": [1, 2]}', "[]", '{"/p": [1, 2, 3, 4.0, "' + "0" * 40 + '"]}'):
        stamps.write_text(bad)
        site.post("p0.md", f"Edit {len(bad)}.\n", title="Post 0", date="2024-01-01")
        assert _build(site.root, tmp_path / "a").ok
        assert _tree(tmp_path / "a") == _tree(_clean(site.root, tmp_path / "c"))


def test_an_edit_highlights_only_the_code_blocks_it_changed(site, tmp_path, monkeypatch):
    """The edited post's last body gives the blocks it did not change, found by their
    key (code, info string, numbering); fresh process or not, the site is a clean
    build's."""
    import tensorpress.highlight as highlight

    def post(first: str, prose: str) -> None:
        site.post(
            "a.md",
            f"{prose}\n\n```python\n{first}\n```\n\n```bash {{title=run}}\npip install x\n```\n",
            title="A",
            date="2024-01-01",
        )

    post("x = 1", "Intro.")
    _settle_posts(site.root)
    out = tmp_path / "a"
    assert _build(site.root, out, keep=False).ok
    made: list[str] = []
    real = highlight.render_fence
    monkeypatch.setattr(highlight, "render_fence", lambda c, *a: made.append(c) or real(c, *a))
    for first, prose in (("x = 1", "Intro, edited."), ("x = 2", "Intro, edited.")):
        made.clear()
        post(first, prose)
        assert _build(site.root, out, keep=False).ok
        assert made == ([] if first == "x = 1" else ["x = 2\n"])
        assert _tree(out) == _tree(_clean(site.root, tmp_path / f"c{first[-1]}"))
    config, _ = load_config(site.root, out)
    served = build(config)  # in one process, as serve: the last body is in memory
    made.clear()
    post("x = 3", "Intro, edited.")
    assert build(config, served.cache).ok and made == ["x = 3\n"]


def test_code_blocks_of_a_bad_body_file_are_not_taken(site, tmp_path):
    site.post("a.md", "Intro.\n\n```python\nx = 1\n```\n", title="A", date="2024-01-01")
    _settle_posts(site.root)
    out = tmp_path / "a"
    assert _build(site.root, out, keep=False).ok
    (body,) = (site.root / CACHE_DIR).glob("*/*.json")
    data = json.loads(body.read_text())
    data["fragments"][0][1] = 0  # the block's key, pointing at the start of the body
    body.write_text(json.dumps(data))
    site.post("a.md", "Intro, edited.\n\n```python\nx = 1\n```\n", title="A", date="2024-01-01")
    assert _build(site.root, out, keep=False).ok
    assert _tree(out) == _tree(_clean(site.root, tmp_path / "c"))


def test_the_pipeline_changes_when_a_library_is_installed_again(tmp_path, monkeypatch):
    """The pipeline names each library's install (its folder, the size and time of its
    __init__), found without importing it: an upgrade changes it, and so the cache."""
    from tensorpress.versions import installed

    package = tmp_path / "somelib"
    package.mkdir()
    init = package / "__init__.py"
    init.write_text("__version__ = '1.0'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = installed("somelib")
    assert str(package) in before and "somelib" not in __import__("sys").modules
    init.write_text("__version__ = '1.10'\n")
    assert installed("somelib") != before
    assert installed("no_such_library_here") == "no_such_library_here missing"


def test_a_stale_stamp_in_a_running_process_is_read_again(site, tmp_path):
    """serve keeps the last read: a post taken from its stamp there, found changed when
    it must be made, makes the build read every file again (not loop)."""
    _blog(site, 3)
    _settle_posts(site.root)
    out = tmp_path / "a"
    assert _build(site.root, out).ok  # leaves the stamps
    config, _ = load_config(site.root, out)
    (out / MANIFEST).unlink()  # so that it builds, and keeps what it read
    served = build(config)  # a new process: posts taken from their stamps
    assert served.cache.inputs is not None and all(s.unread for s in served.cache.inputs.posts)
    path = site.root / "content/p2.md"
    before = os.stat(path)
    path.write_bytes(path.read_bytes().replace(b"Text", b"Txet"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    (site.root / CACHE_DIR / RECORDS).unlink()
    for body in (site.root / CACHE_DIR).glob("*/*.json"):
        body.unlink()
    (out / MANIFEST).unlink()
    again = build(config, replace(served.cache, posts={}, bodies={}))
    assert again.ok and "Txet" in (out / "posts/p2/index.html").read_text()


def test_a_cache_or_output_folder_from_another_machine_never_reaches_a_page(site, tmp_path):
    """A site shipped with its .tensorpress-cache/ and public/ (a cloned repository):
    anyone can compute keys made of versions and digests, so an edited body in the cache,
    or an edited page kept with its manifest entry, was published as it was. Keys mix in
    a secret of the user on this machine: another's cache and pages are made again."""
    import subprocess
    import sys

    site.post("a.md", "Hello.", title="A", date="2024-01-01")

    def build(home: str) -> None:
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / home)}
        command = [sys.executable, "-m", "tensorpress", "build", "-s", str(site.root), "-q"]
        assert subprocess.run(command, env=env, capture_output=True).returncode == 0

    build("attacker")
    for body in (site.root / CACHE_DIR).glob("*/*.json"):
        body.write_text(body.read_text().replace("Hello.", "Hello.<script>X</script>"))
    page = site.out / "posts/a/index.html"
    stat = page.stat()
    page.write_text(page.read_text().replace("Hello.", "Hello.<script>Y</script>"))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as the manifest has it
    build("victim")
    assert "<script>" not in page.read_text()
    assert (tmp_path / "victim/tensorpress/key").stat().st_mode & 0o777 == 0o600
