"""Whole builds of real sites in temp folders, asserting on the written HTML."""

import xml.etree.ElementTree as ET

import pytest

from tensorpress.cli import main

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_builds_every_page_of_a_small_blog(site):
    site.post(
        "gan.md",
        "Intro paragraph.\n\n## Loss\n\nThe $a_1 * b_2$ product.\n",
        title="GANs in practice",
        date="2024-02-01",
        topics="[gan, pytorch]",
    )
    site.post("cnn.md", "Convolutions.\n", title="CNNs", date="2024-01-01", topics="[cnn]")
    run = site.build()
    assert run.code == 0, run.err
    files = site.files()
    for path in (
        "index.html",
        "posts/gan/index.html",
        "posts/cnn/index.html",
        "topics/index.html",
        "topics/gan/index.html",
        "topics/gan/feed.xml",
        "archive/index.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "assets/highlight.css",
    ):
        assert path in files, path
    post = site.page("posts/gan/index.html")
    assert "<title>GANs in practice" in post
    assert "<em>" not in post, "math is never mangled into emphasis"
    assert "<math" in post or '<span class="math inline">a_1 * b_2</span>' in post
    assert 'href="../../topics/gan/"' in post
    index = site.page("index.html")
    assert index.index("GANs in practice") < index.index("CNNs"), "newest first"
    assert 'href="posts/gan/"' in index
    assert "Intro paragraph." in index, "summary on the index"
    assert "built 2 posts, 3 topics" in run.out


def test_feeds_and_sitemap_are_valid_xml_with_absolute_urls(site):
    site.post("a.md", "Body with <b>html</b>.", title="A & B", date="2024-01-01", topics="[cnn]")
    assert site.build("--base-url", "https://example.org/blog").code == 0
    feed = ET.parse(site.out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for tag in ("title", "id", "updated"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "A & B"
    assert entry.find(f"{ATOM}id").text == "https://example.org/blog/posts/a/"
    assert entry.find(f"{ATOM}updated").text.startswith("2024-01-01T00:00:00")
    assert "<b>html</b>" in entry.find(f"{ATOM}content").text
    topic_feed = ET.parse(site.out / "topics/cnn/feed.xml").getroot()
    assert len(topic_feed.findall(f"{ATOM}entry")) == 1
    urls = [u.find(f"{SITEMAP}loc").text for u in ET.parse(site.out / "sitemap.xml").getroot()]
    assert "https://example.org/blog/posts/a/" in urls
    assert all(u.startswith("https://example.org/blog/") for u in urls)
    assert "Sitemap: https://example.org/blog/sitemap.xml" in site.page("robots.txt")


def test_pagination(site):
    site.write("tensorpress.yaml", "posts_per_page: 2\n")
    for i in range(5):
        site.post(f"p{i}.md", f"Post {i}.", title=f"Post {i}", date=f"2024-01-0{i + 1}")
    assert site.build().code == 0
    assert "Post 4" in site.page("index.html") and "Post 2" not in site.page("index.html")
    assert "Post 2" in site.page("page/2/index.html")
    assert "Post 0" in site.page("page/3/index.html")
    assert not (site.out / "page/4").exists()
    assert 'href="page/2/"' in site.page("index.html")
    assert 'href="../../page/3/"' in site.page("page/2/index.html")


def test_drafts_are_left_out_unless_asked_for(site):
    site.post("d.md", "Secret.", title="Draft post", date="2024-01-01", draft="true")
    site.post("p.md", "Public.", title="Public", date="2024-01-01")
    site.post("_drafts/idea.md", "Jekyll's drafts folder.", title="Idea", date="2024-01-01")
    assert site.build().code == 0
    assert not (site.out / "posts/d").exists() and not (site.out / "posts/idea").exists()
    assert "Draft post" not in site.page("index.html")
    assert site.build("--drafts").code == 0
    assert (site.out / "posts/d/index.html").exists()
    assert (site.out / "posts/idea/index.html").exists()


def test_date_prefix_markdown_suffix_and_unicode_slugs(site):
    site.write("content/2023-05-06-first-steps.markdown", "# First steps\n\nHello.\n")
    site.post("über-café.md", "Bonjour.", title="Über café", date="2024-01-01")
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/first-steps/index.html")
    assert "2023-05-06" in page
    assert (site.out / "posts/über-café/index.html").exists()
    # Jekyll takes one-digit months and days; a prefix no calendar has is part of the name
    site.write("content/2022-2-8-quantization.md", "# Quantization\n\nHello.\n")
    site.write("content/2024-13-40-odd.md", "# Odd\n\nHello.\n")
    run = site.build()
    assert run.code == 0, run.err
    assert "2022-02-08" in site.page("posts/quantization/index.html")
    assert (site.out / "posts/2024-13-40-odd/index.html").exists()
    assert "2022-2-8-quantization.md:1: warning: no date" not in run.err
    assert "2024-13-40-odd.md:1: warning: no date" in run.err


def test_page_bundle_assets_are_copied_next_to_the_page(site):
    site.post("viz/index.md", "![A plot](plot.svg)\n", title="Viz", date="2024-01-01")
    site.write("content/viz/plot.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    site.write("content/images/shared.png", b"\x89PNG fake")
    site.post(
        "other.md",
        "![Shared](images/shared.png) and [viz](viz/index.md#top)",
        title="Other",
        date="2024-01-02",
    )
    assert site.build().code == 0
    assert (site.out / "posts/viz/plot.svg").exists()
    assert 'src="plot.svg"' in site.page("posts/viz/index.html")
    other = site.page("posts/other/index.html")
    assert 'src="../../images/shared.png"' in other and (site.out / "images/shared.png").exists()
    assert 'href="../../posts/viz/#top"' in other


def test_url_collision_is_an_error_naming_both_files(site):
    site.post("a.md", "A", title="A", slug="same", date="2024-01-01")
    site.post("b.md", "B", title="B", slug="same", date="2024-01-01")
    run = site.build()
    assert run.code == 1
    assert (
        "content/a.md:1: error: URL /posts/same/ is shared by content/a.md, content/b.md" in run.err
    )
    assert not site.out.exists()


def test_a_url_shared_by_many_posts_is_one_error_naming_each_once(site):
    """However many posts share a URL, one error names them all, at the one whose
    ``slug:`` made the clash (else the first); the page they would all be written to is
    not reported again. A page an alias shares with a post is one error too."""
    for folder in ("a", "b", "c"):
        site.post(f"{folder}/notes.md", "Text.", title=folder.upper(), date="2024-01-01")
    site.post("d.md", "D.", title="D", date="2024-01-02", slug="notes")
    site.post("e.md", "E.", title="E", date="2024-01-03", aliases="[/posts/d/]")
    site.post("f.md", "F.", title="F", date="2024-01-04", aliases="[/posts/d/]")
    run = site.build()
    assert run.code == 1
    assert [ln for ln in run.lines if "error" in ln] == [
        "content/d.md:1: error: URL /posts/notes/ is shared by content/a/notes.md, "
        "content/b/notes.md, content/c/notes.md, content/d.md: give all but one of them a "
        "'slug:' in front matter, or rename the files",
        "content/e.md:1: error: two files would be written to posts/d/index.html, for "
        "content/e.md, content/f.md: rename one",
        f"build failed with 2 error(s); the previous site in {site.out} is unchanged",
    ]


def test_a_readme_is_its_folders_page_as_on_github(site):
    """``README.md`` (any case) takes its URL and date from its folder, like a bundle's
    ``index.md``; it is no bundle: the files beside it stay where they are in the site,
    for the other posts of the folder too. Two folders of one name still clash."""
    site.post("ch01/README.md", "![Plot](fig.png)\n\n[next](../ch02/readme.md)\n",
              title="One", date="2024-01-01")  # fmt: skip
    site.post("ch01/part.md", "![Plot](fig.png)\n", title="Part", date="2024-01-02")
    site.write("content/ch01/fig.png", b"\x89PNG\r\n\x1a\n")
    site.post("ch02/readme.md", "[back](../ch01/README.md)\n", title="Two", date="2024-01-03")
    site.post("2024-02-01-dated/README.md", "Text.", title="Dated")
    assert site.build().lines == []
    one = site.page("posts/ch01/index.html")
    assert '<img src="../../ch01/fig.png" alt="Plot"' in one
    assert '<a href="../../posts/ch02/">next</a>' in one
    assert '<img src="../../ch01/fig.png" alt="Plot"' in site.page("posts/part/index.html")
    assert '<a href="../../posts/ch01/">back</a>' in site.page("posts/ch02/index.html")
    assert (site.out / "ch01/fig.png").exists() and not (site.out / "posts/ch01/fig.png").exists()
    assert "2024-02-01" in site.page("posts/dated/index.html")
    site.post("part2/ch01/README.md", "Text.", title="Other one", date="2024-01-04")
    assert [ln for ln in site.build().lines if ": error:" in ln] == [
        "content/ch01/README.md:1: error: URL /posts/ch01/ is shared by content/ch01/README.md, "
        "content/part2/ch01/README.md: give all but one of them a 'slug:' in front matter, "
        "or rename the files"
    ]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_post_saved_as_utf16_or_utf32_with_a_mark_is_read_with_a_warning(site, codec):
    """Windows PowerShell's ``>`` writes UTF-16 with a byte-order mark: certain, so read."""
    text = "\ufeff---\r\ntitle: Caf\u00e9 \u2211\r\ndate: 2024-01-01\r\n---\r\nLoss $x^2$.\r\n"
    site.write("content/wide.md", text.encode(codec))
    site.write("content/draft.txt", "\ufeff# Draft \u00e9\r\n\r\nText.\r\n".encode(codec))
    run = site.build()
    assert run.code == 0, run.err
    name = codec[:6].upper()
    assert (
        f"content/wide.md:1: warning: saved as {name}, read as such: save it as UTF-8" in run.lines
    )
    assert f"content/draft.txt:1: warning: saved as {name}, read as such" in run.err
    assert "<title>Caf\u00e9 \u2211" in site.page("posts/wide/index.html")
    assert "<math" in site.page("posts/wide/index.html")
    assert "<title>Draft \u00e9" in site.page("posts/draft/index.html")
    site.write("content/wide.md", b"\xff\xfe" + "x".encode("utf-16-le") + b"\x00\xd8")
    run = site.build()
    assert run.code == 1 and "content/wide.md:1: error: not valid UTF-16" in run.err, run.err


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("bad-yaml.md", b"---\ntitle: [oops\n---\nx", "content/bad-yaml.md:2: error: invalid YAML"),
        (
            "date.md",
            b"---\ntitle: t\ndate: yesterday\n---\nx",
            "content/date.md:3: error: 'date': 'yesterday' is not a date",
        ),
        ("topics.md", b"---\ntitle: t\ntopics: 5\n---\nx", "content/topics.md:3: error: 'topics'"),
        ("utf.md", b"---\ntitle: t\n---\ncaf\xe9\n", "content/utf.md:4: error: not valid UTF-8"),
        ("empty.md", b"", "content/empty.md:1: error: the post is empty"),
        ("toml.md", b"+++\ntitle = \n+++\nx", "content/toml.md:2: error: invalid TOML"),
    ],
)
def test_bad_posts_are_errors_with_file_and_line(site, name, data, expected):
    site.post("ok.md", "fine", title="Fine", date="2024-01-01")
    site.write(f"content/{name}", data)
    run = site.build()
    assert run.code == 1
    assert expected in run.err, run.err
    assert "Traceback" not in run.err
    assert not site.out.exists(), "a failed first build writes nothing"


def test_template_errors_name_the_template_line_and_the_post(site):
    site.post("a.md", "x", title="A", date="2024-01-01")
    site.write(
        "templates/post.html",
        "<html>\n<h1>{{ post.title }}</h1>\n{{ post.nonexistent }}\n</html>\n",
    )
    run = site.build()
    assert run.code == 1
    assert "templates/post.html:3: error: template error while rendering content/a.md" in run.err, (
        run.err
    )
    site.write("templates/post.html", "{% if %}\n")
    run = site.build()
    assert "templates/post.html:1: error: template syntax error" in run.err, run.err


def test_a_failed_build_leaves_the_previous_site_untouched(site):
    site.post("a.md", "first version", title="A", date="2024-01-01")
    assert site.build().code == 0
    before = site.files()
    site.post("a.md", "second version", title="A", date="2024-01-01")
    site.write("content/broken.md", "---\ndate: nope\n---\n")
    assert site.build().code == 1
    assert site.files() == before


def test_output_folder_that_holds_the_source_is_refused(site):
    site.post("a.md", "x", title="A", date="2024-01-01")
    for output in (site.root, site.root.parent):
        run = site.build("-o", str(output))
        assert run.code == 1 and "output folder is the site folder or contains it" in run.err


def test_foreign_files_stay_stale_files_go_and_a_second_build_writes_nothing(site):
    site.post("a.md", "x", title="A", date="2024-01-01", topics="[cnn]")
    site.post("b.md", "y", title="B", date="2024-01-02", topics="[gan]")
    assert site.build().code == 0
    site.write("public/CNAME", "blog.example.org")
    run = site.build()
    assert "(0 written, 0 removed)" in run.out
    (site.root / "content/b.md").unlink()
    run = site.build()
    assert run.code == 0
    assert not (site.out / "posts/b").exists() and not (site.out / "topics/gan").exists()
    assert (site.out / "CNAME").read_text() == "blog.example.org"
    assert "posts/a/index.html" in site.files()


def test_strict_turns_warnings_into_errors(site):
    site.write("content/raw.md", "# A raw draft\n\nNo front matter.\n")
    assert site.build().code == 0
    run = site.build("--strict")
    assert run.code == 1 and "warning" in run.err


def test_front_matter_is_escaped_and_raw_html_in_markdown_is_kept(site):
    site.post(
        "x.md",
        '<figure class="fig"><img src="a.png" alt="a"></figure>\n',
        title='"<script>alert(1)</script>"',
        date="2024-01-01",
    )
    assert site.build().code == 0
    page = site.page("posts/x/index.html")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<figure class="fig"><img src="a.png" alt="a"></figure>' in page


def test_posts_without_front_matter_infer_title_date_and_topics(site):
    site.write(
        "content/notes.md",
        """\
        Convolutional networks
        ======================

        A CNN applies convolution filters; pooling shrinks each feature map.
        Convolution layers stack. A GAN has a discriminator, and GANs are fun.
        <!--more-->
        More text.
        """,
    )
    run = site.build()
    assert run.code == 0, run.err
    assert (
        "content/notes.md:1: warning: no title in front matter; using "
        "'Convolutional networks' from the first heading (line 1)" in run.err
    )
    assert "content/notes.md:1: warning: no date in front matter" in run.err
    assert "inferred from the text: cnn, gan" in run.err
    assert (site.out / "topics/cnn/index.html").exists()
    index = site.page("index.html")
    assert "pooling shrinks" in index and "More text." not in index


@pytest.mark.parametrize("marker", ["<!-- more -->", "<!--More-->", "<!-- PELICAN_END_SUMMARY -->"])
def test_the_summary_ends_at_any_spelling_of_the_more_marker(site, marker):
    site.post("a.md", f"First part.\n\nSecond part.\n\n{marker}\n\nThe rest.\n", title="A",
              date="January 5, 2024")  # fmt: skip
    assert site.build().code == 0
    index = site.page("index.html")
    assert "Second part." in index and "The rest." not in index
    assert '<time datetime="2024-01-05' in index, "a date written out by hand"


def test_config_unknown_keys_warn_and_bad_values_fail_with_lines(site):
    site.post("a.md", "x", title="A", date="2024-01-01")
    site.write("tensorpress.yaml", "title: Blog\ncolour: blue\n")
    run = site.build()
    assert run.code == 0 and "tensorpress.yaml:2: warning: unknown key 'colour'" in run.err
    site.write("tensorpress.yaml", "title: Blog\nposts_per_page: lots\n")
    run = site.build()
    assert run.code == 1 and "tensorpress.yaml:2: error: posts_per_page" in run.err
    site.write("tensorpress.yaml", "title: [unclosed\n")
    run = site.build()
    assert run.code == 1 and "tensorpress.yaml:" in run.err and "invalid YAML" in run.err


def test_config_topic_vocabulary_drives_inference(site):
    site.write(
        "tensorpress.yaml",
        """\
        topics:
          - name: Diffusion models
            slug: diffusion
            description: Denoising all the way down.
            keywords: [diffusion, denoising, score matching]
        """,
    )
    site.write("content/d.md", "# Diffusion\n\nDenoising diffusion and score matching.\n")
    assert site.build().code == 0
    assert "Denoising all the way down." in site.page("topics/diffusion/index.html")


def test_site_templates_override_the_theme_file_by_file(site):
    site.post("a.md", "x", title="A", date="2024-01-01")
    site.write("templates/404.html", "custom 404 for {{ site.title }}")
    assert site.build().code == 0
    assert site.page("404.html") == "custom 404 for A deep-learning blog"
    assert "<html" in site.page("index.html"), "other templates still come from the theme"


def test_no_content_folder_is_a_clear_error(tmp_path, capsys):
    from tensorpress.cli import main

    assert main(["build", "-s", str(tmp_path)]) == 1
    assert "no content/ folder" in capsys.readouterr().err


def test_unwritable_output_is_an_error_not_a_traceback(site):
    site.post("a.md", "x", title="A", date="2024-01-01")
    site.write("public", "a file where the output folder should be")
    run = site.build()
    assert run.code == 1 and "Traceback" not in run.err
    assert "public: error: the output folder is a file; choose another with --output" in run.err


def test_a_write_that_fails_midway_leaves_the_old_site(site, monkeypatch):
    from pathlib import Path

    site.post("a.md", "one", title="A", date="2024-01-01")
    site.post("b.md", "two", title="B", date="2024-01-02")
    assert site.build().code == 0
    before = site.files()
    site.post("a.md", "one changed", title="A", date="2024-01-01")
    site.post("b.md", "two changed", title="B", date="2024-01-02")
    real = Path.write_bytes
    calls = []

    def full_disk(self, data):
        calls.append(self)
        if len(calls) > 1:
            raise OSError(28, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    run = site.build()
    monkeypatch.undo()
    assert run.code == 1 and "No space left on device" in run.err
    assert site.files() == before, "no temporary files left, no page half-updated"


def test_feeds_carry_readable_content_without_page_only_markup(site):
    site.post(
        "a.md",
        "Claim.[^1]\n\n```python\nx = 1\n```\n\n[^1]: Source.\n",
        title="A",
        date="2024-01-01",
    )
    assert site.build().code == 0
    content = ET.parse(site.out / "feed.xml").getroot().find(f"{ATOM}entry/{ATOM}content").text
    assert "<pre" in content and "x = 1" in content and "<span" not in content
    assert "header-anchor" not in content and "data-copy" not in content
    assert content.count("Source.") == 1, "the footnote, not its sidenote twin"


def test_control_characters_never_make_a_feed_ill_formed(site):
    """XML 1.0 refuses C0 controls even escaped: a title written "\\x1b" in YAML or
    terminal colours pasted into a post made the whole feed unreadable."""
    site.post("a.md", "Output: \x1b[31mred\x1b[0m.\n", title='"A\\x1b title"', date="2024-01-01")
    assert site.build().code == 0
    for feed in ("feed.xml", "sitemap.xml"):
        ET.parse(site.out / feed)  # well-formed
    assert "A title" in (site.out / "feed.xml").read_text()


def test_topic_pages_are_paginated_like_the_index(site):
    site.write("tensorpress.yaml", "posts_per_page: 2\n")
    for i in range(5):
        site.post(
            f"p{i}.md", f"Post {i}.", title=f"Post {i}", date=f"2024-01-0{i + 1}", topics="[gan]"
        )
    assert site.build().code == 0
    first, third = site.page("topics/gan/index.html"), site.page("topics/gan/page/3/index.html")
    assert "Post 4" in first and "Post 2" not in first and "5 posts" in first
    assert "Post 0" in third and 'href="../../../../topics/gan/page/2/"' in third
    assert "Page 3 of 3" in third


def test_the_code_stylesheet_follows_the_configured_styles_and_survives_tampering(site):
    """The stylesheet is known by its styles (and the pipeline): made again when they
    change or when the file on disk is not what the last build wrote."""
    site.post("a.md", "```python\nx = 1\n```\n", title="A", date="2024-01-01")
    site.write("tensorpress.yaml", "pygments_style: {light: solarized-light, dark: github-dark}\n")
    assert site.build().code == 0
    css = site.out / "assets/highlight.css"
    assert "solarized-light (light), github-dark (dark)" in css.read_text()
    assert "(0 written, 0 removed)" in site.build().out
    site.write("tensorpress.yaml", "pygments_style: {light: default, dark: github-dark}\n")
    assert site.build().code == 0
    assert "default (light), github-dark (dark)" in css.read_text()
    made = css.read_bytes()
    css.write_text("tampered")
    assert "(1 written, 0 removed)" in site.build().out and css.read_bytes() == made
    site.write("tensorpress.yaml", "pygments_style: no-such-style\n")
    run = site.build()
    assert run.code == 1 and "unknown Pygments style 'no-such-style' for light mode" in run.err
    assert "friendly" in run.err and css.read_bytes() == made


def test_old_urls_in_aliases_or_redirect_from_send_readers_to_the_post(site):
    """Hugo's ``aliases`` and Jekyll's ``redirect_from``: a page at each old URL sends
    the reader on (and tells search engines where the post lives); never outside the
    output folder; an old URL that is another page's is an error."""
    site.post("a.md", "Text.", title="New home", date="2024-01-01",
              aliases="[/2019/05/old-name/, old.html]")  # fmt: skip
    site.post("b.md", "B.", title="B", date="2024-01-02", redirect_from="/b-old/")
    assert site.build().code == 0
    page = site.page("2019/05/old-name/index.html")
    assert '<meta http-equiv="refresh" content="0; url=../../../posts/a/">' in page
    assert '<link rel="canonical" href="http://localhost:8000/posts/a/">' in page
    assert 'content="noindex"' in page and '<a href="../../../posts/a/">New home</a>' in page
    assert 'url=posts/a/">' in site.page("old.html")
    assert 'url=../posts/b/">' in site.page("b-old/index.html")
    assert "old-name" not in site.page("sitemap.xml")
    site.post("c.md", "C.", title="C", date="2024-01-03", aliases="[../../etc/x]")
    run = site.build()
    assert run.code == 1 and "content/c.md:4: error: 'aliases': expected site paths" in run.err
    site.post("c.md", "C.", title="C", date="2024-01-03", aliases="[/posts/a/]")
    run = site.build()
    assert run.code == 1 and "two files would be written to posts/a/index.html" in run.err
    site.post("c.md", "C.", title="C", date="2024-01-03", aliases="[/feed.xml]")
    run = site.build()
    assert "content/c.md: error: feed.xml/index.html needs a folder feed.xml, which is a " in (
        run.err
    )
    assert 'url=../posts/b/">' in site.page("b-old/index.html"), "the last good site stays"


def test_a_broken_link_is_reported_at_its_own_line_in_a_paragraph(site):
    site.post(
        "a.md", "Para start\nsecond line\nthird [x](nowhere.md).\n", title="A", date="2024-01-01"
    )
    run = site.build()
    assert "content/a.md:8: warning: link to 'nowhere.md' points to no post" in run.err, run.err


def test_a_link_to_a_file_in_static_is_no_missing_post_and_each_warning_counts_once(site):
    """static/ and content/ both fill the site's root: ``assets/html/demo.ipynb`` from a
    post at content/ finds static/assets/html/demo.ipynb (a file, not a post) and leads
    to it from the page. A broken link in the first paragraph, which is also the
    summary, is one warning, counted once."""
    site.write("static/assets/html/demo.ipynb", "{}")
    site.write("static/assets/html/demo.html", "<p>demo</p>")
    site.post(
        "a.md",
        "[the notebook](assets/html/demo.ipynb), [root](/assets/html/demo.ipynb),\n"
        "[the page](assets/html/demo.html), [gone](assets/html/none.ipynb).\n",
        title="A",
        date="2024-01-01",
    )
    run = site.build()
    assert run.lines == [
        "content/a.md:7: warning: link to 'assets/html/none.ipynb' points to no post in "
        "content/: fix the path"
    ]
    assert run.out.endswith("; 1 warning(s)\n"), run.out
    page = site.page("posts/a/index.html")
    assert (
        '<a href="../../assets/html/demo.ipynb">the notebook</a>, '
        '<a href="../../assets/html/demo.ipynb">root</a>,\n'
        '<a href="../../assets/html/demo.html">the page</a>, '
        '<a href="assets/html/none.ipynb">gone</a>.'
    ) in page
    site.capsys.readouterr()
    assert main(["check", "-s", str(site.root)]) == 0
    out, err = site.capsys.readouterr()
    assert out.splitlines() == [
        "content/a.md:7: warning: link to 'assets/html/none.ipynb' points to no post in "
        "content/: fix the path"
    ]
    assert err.endswith("0 error(s), 1 warning(s), 0 note(s)\n"), err


def test_an_image_from_the_site_root_that_the_site_lacks_is_a_warning(site):
    """Hugo and Jekyll posts give images from the old site's root (``/assets/a.png``):
    each one that no file of this site is at is named, with where to put it."""
    site.write("static/assets/here.png", b"\x89PNG\r\n\x1a\n")
    site.post(
        "a.md",
        '![ok](/assets/here.png)\n\n![gone](/assets/gone.png "t")\n\n[page](/about/)\n',
        title="A",
        date="2024-01-01",
    )
    run = site.build()
    assert run.code == 0, run.err
    warned = "content/a.md:8: warning: image '/assets/gone.png' is not in the site: "
    assert warned + "put the file at static/assets/gone.png" in run.err, run.err
    assert "here.png" not in run.err and "/about/" not in run.err


def test_links_from_the_site_root_to_what_the_site_has_become_relative_to_the_page(site):
    """``/assets/a.png``, ``{{ 'x' | relative_url }}`` (Jekyll), ``/posts/b/``: relative
    to the page once the site has them, so they hold under a sub-path and from
    ``file://``, and images get their size; the base URL's own path is taken off."""
    from .test_figures import _png

    site.write("tensorpress.yaml", "base_url: https://example.org/blog/\n")
    site.write("static/assets/img/a.png", _png(64, 48))
    site.write("static/assets/html/demo.html", "<p>demo</p>")
    site.post("b.md", "B.", title="B", date="2024-01-02")
    site.post(
        "a.md",
        '![Loss](/assets/img/a.png) <img src="/blog/assets/img/a.png">\n\n'
        "<iframe src=\"{{ 'assets/html/demo.html' | relative_url }}\"></iframe>\n\n"
        "[b](/posts/b/#top), [home](/), [gone](/nope/x.html), [out](//cdn.example.org/x)\n",
        title="A",
        date="2024-01-01",
    )
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    body = site.page("posts/a/index.html").split('class="prose', 1)[1].split("</article>")[0]
    assert body.count('<img width="64" height="48" ') == 2
    assert body.count('src="../../assets/img/a.png"') == 2
    assert '<iframe src="../../assets/html/demo.html">' in body
    assert 'href="../../posts/b/#top"' in body and 'href="../../"' in body
    assert 'href="/nope/x.html"' in body and 'href="//cdn.example.org/x"' in body


def test_images_and_links_in_raw_html_are_checked_and_resolved_like_markdowns(site):
    site.post("b.md", "B.", title="B", date="2024-01-02")
    site.post(
        "a.md",
        '<div class="row">\n  <img src="gone.png">\n  <a href="b.md">B</a>\n</div>\n\n'
        'Text <a href="b.md">inline</a>.\n',
        title="A",
        date="2024-01-01",
    )
    run = site.build()
    assert run.code == 0, run.err
    text = (site.root / "content/a.md").read_text().splitlines()
    line = next(n for n, t in enumerate(text, 1) if "gone.png" in t)
    assert f"content/a.md:{line}: warning: image 'gone.png' not found" in run.err, run.err
    page = site.page("posts/a/index.html")
    assert page.count('href="../../posts/b/"') >= 2, "raw HTML's links lead to the post too"


def test_a_summarys_links_lead_where_they_led_from_every_page_that_lists_it(site):
    """Relative to the post's page in the post; on the home page (not as deep) and the
    topic pages they must lead to the same files, under a sub-path too."""
    from .test_figures import _png

    site.write("tensorpress.yaml", "base_url: https://example.org/blog/\n")
    site.post("b.md", "B.", title="B", date="2024-01-02")
    site.post(
        "a/index.md",
        "See [B](../b.md), ![plot](plot.png), [part two](#two) and [home](/).\n\n## Two\n",
        title="A",
        date="2024-01-01",
        topics="[gan]",
    )
    site.write("content/a/plot.png", _png(8, 8))
    assert site.build().code == 0
    home, topic = site.page("index.html"), site.page("topics/gan/index.html")
    for page, root in ((home, ""), (topic, "../../")):
        cards = page.split('<div class="summary prose">')[1:]
        summary = next(c for c in cards if "See" in c).split("</div>", 1)[0]
        assert f'href="{root}posts/b/"' in summary, summary
        assert f'src="{root}posts/a/plot.png"' in summary
        assert f'href="{root}posts/a/#two"' in summary
        assert f'href="{root or "./"}"' in summary


def test_files_with_spaces_in_their_names_are_found_and_linked(site):
    """Markdown percent-encodes a target (``<loss curve.png>`` is ``loss%20curve.png``):
    it was compared with the file's name as written, warned about, and left broken."""
    site.write("content/loss curve.png", b"\x89PNG\r\n\x1a\n")
    site.write("content/other post.md", "---\ntitle: Other\ndate: 2024-01-01\n---\nHi.\n")
    site.post(
        "a.md",
        "![loss](<loss curve.png>) and [the other](other%20post.md).\n",
        title="A",
        date="2024-01-02",
    )
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    page = site.page("posts/a/index.html")
    assert 'src="../../loss%20curve.png"' in page and 'href="../../posts/other-post/"' in page
    assert (site.out / "loss curve.png").is_file()


def test_the_files_of_drafts_stay_out_with_their_posts(site):
    """content/_drafts/ holds drafts: their images and notes were published anyway."""
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    site.write("content/_drafts/embargo.md", "---\ntitle: E\ndate: 2024-01-01\n---\n![](b.png)\n")
    site.write("content/_drafts/b.png", b"\x89PNG\r\n\x1a\nEMBARGOED")
    site.write("content/_drafts/notes.txt", "reviewer 2")
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    assert not (site.out / "_drafts").exists()
    assert main(["build", "-s", str(site.root), "--drafts", "-q"]) == 0
    assert (site.out / "_drafts/b.png").is_file() and (site.out / "posts/embargo").is_dir()


def test_a_hugo_bundle_image_given_from_the_old_root_points_to_the_posts_own_file(site):
    site.post(
        "2023-03-26_flash/index.md",
        "![Res](/post/2023-03-26_flash/images/res.png)\n",
        title="Flash",
        date="2024-01-01",
    )
    site.write("content/2023-03-26_flash/images/res.png", b"\x89PNG\r\n\x1a\n")
    run = site.build()
    where = "content/2023-03-26_flash/index.md:6: warning: image "
    hint = "'/post/2023-03-26_flash/images/res.png' is not in the site, but the post's own"
    assert f"{where}{hint} images/res.png is: write that" in run.err, run.err


def test_files_named_with_an_underscore_are_partials_not_posts(site):
    """Quarto includes ``_cta.md`` into posts and, like Jekyll, publishes no file or
    folder named with ``_``: a Quarto blog's 47 FAQ partials were each a post (some an
    error: a partial may open with ``---`` as a rule). Jekyll's ``_posts/`` still holds
    posts."""
    site.post("faq.qmd", "The answer.\n", title="FAQ", date="2024-01-05")
    site.write("content/_cta.md", "---\n\nSubscribe.\n")
    site.write("content/_docs/AGENT.md", "# Notes for the agent\n")
    site.write("content/section/_index.md", "---\ntitle: Section\n---\nA list page.\n")
    site.post("_posts/2024-01-06-moved.md", "Moved.\n", title="Moved")
    run = site.build()
    assert run.code == 0, run.err
    assert "_cta" not in run.err and "AGENT" not in run.err and "_index" not in run.err
    assert sorted(p.name for p in (site.out / "posts").iterdir()) == ["faq", "moved"]
    assert not any("_" in name for name in site.files())
    code = main(["check", "-s", str(site.root)])
    said = site.capsys.readouterr().out
    assert code == 0
    assert "content/_cta.md: note: not a post: a name starting with '_' is a partial" in said


def test_an_index_beside_other_posts_is_no_bundle(site):
    """Quarto's ``notes/index.qmd`` is the folder's page, and the posts beside it and
    below it use the folder's files: taken for a bundle, it took them all to its own
    page's folder (276 images of one Quarto blog not found). A bundle holds no post."""
    site.post("notes/index.qmd", "![Map](map.png)\n", title="Notes", date="2024-01-01")
    site.post("notes/k8s/logging.qmd", "![Logs](logs.png)\n", title="Logs", date="2024-01-02")
    site.write("content/notes/map.png", b"\x89PNG\r\n\x1a\n")
    site.write("content/notes/k8s/logs.png", b"\x89PNG\r\n\x1a\n")
    site.post("gan/index.md", "![Loss](loss.png)\n", title="GAN", date="2024-01-03")
    site.write("content/gan/loss.png", b"\x89PNG\r\n\x1a\n")
    assert site.build().lines == []
    assert '<img src="../../notes/map.png" alt="Map"' in site.page("posts/notes/index.html")
    assert '<img src="../../notes/k8s/logs.png"' in site.page("posts/logging/index.html")
    assert '<img src="loss.png" alt="Loss"' in site.page("posts/gan/index.html")
    assert (site.out / "posts/gan/loss.png").exists() and not (site.out / "gan").exists()
