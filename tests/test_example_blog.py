"""The repository root is our example blog: it builds cleanly and every link works."""

from tensorpress.cli import main

from .conftest import REPO
from .linkcheck import broken_links


def test_example_blog_builds_without_warnings_and_all_links_resolve(tmp_path, capsys):
    out = tmp_path / "public"
    code = main(["build", "-s", str(REPO), "-o", str(out), "--strict", "--no-cache"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    posts = sorted((out / "posts").iterdir())
    assert len(posts) >= 8
    assert broken_links(out) == []


def test_example_blog_works_under_a_sub_path(tmp_path, capsys):
    out = tmp_path / "public"
    assert (
        main(
            [
                "build",
                "-s",
                str(REPO),
                "-o",
                str(out),
                "--base-url",
                "https://example.org/deep/blog/",
            ]
        )
        == 0
    )
    index = (out / "index.html").read_text()
    assert 'href="/' not in index.replace('href="/deep/blog/', ""), "no root-absolute links"
    assert (
        "https://example.org/deep/blog/feed.xml" in (out / "robots.txt").read_text()
        or "https://example.org/deep/blog/sitemap.xml" in (out / "robots.txt").read_text()
    )
