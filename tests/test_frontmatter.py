"""Front matter: splitting, decoding and validating, as pure functions."""

from datetime import datetime, timedelta

import pytest
import yaml

from tensorpress.frontmatter import decode, load_front, parse_date, split, validate


def meta(text: str):
    sp, diags = split(text, "content/p.md")
    assert not diags
    data, lines, load_diags = load_front(sp, "content/p.md")
    fm, val_diags = validate(data, lines, "content/p.md")
    return fm, [str(d) for d in (*load_diags, *val_diags)]


def test_yaml_front_matter_is_split_from_the_body():
    sp, _ = split("---\ntitle: A\n---\nbody\n", "p.md")
    assert (sp.kind, sp.front, sp.body, sp.body_line) == ("yaml", "title: A", "body\n", 4)


def test_toml_front_matter_is_read_like_hugo_and_zola():
    fm, diags = meta('+++\ntitle = "GANs"\ndate = 2024-01-05\ntags = ["gan"]\n+++\nx')
    assert not diags
    assert fm.title == "GANs" and fm.topics == ("gan",)
    assert fm.date == datetime(2024, 1, 5)


def test_a_file_without_front_matter_is_all_body():
    sp, diags = split("# Title\n\ntext", "p.md")
    assert sp.kind is None and sp.body.startswith("# Title") and not diags


def test_unclosed_front_matter_is_an_error_with_a_hint():
    _, diags = split("---\ntitle: x\n\nbody", "content/p.md")
    assert str(diags[0]).startswith("content/p.md:1: error: front matter opened with '---'")
    assert "add a line '---'" in str(diags[0])


def test_bom_and_crlf_are_accepted():
    text, diags = decode("\ufeff---\r\ntitle: A\r\n---\r\nbody\r\n".encode(), "p.md")
    assert not diags and text == "---\ntitle: A\n---\nbody\n"


def test_invalid_utf8_names_the_line():
    text, diags = decode(b"line one\nbad \xff byte\n", "content/p.md")
    assert text is None
    assert str(diags[0]).startswith("content/p.md:2: error: not valid UTF-8")


def test_nul_bytes_are_refused():
    text, diags = decode(b"ok\n\x00", "content/p.md")
    assert text is None and "NUL" in str(diags[0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05", datetime(2024, 1, 5)),
        ("2024-01-05 10:30", datetime(2024, 1, 5, 10, 30)),
        (
            "2024-01-05T10:30:00+02:00",
            datetime(2024, 1, 5, 8, 30)
            .replace(tzinfo=datetime.now().astimezone().tzinfo)
            .replace(tzinfo=None),
        ),
    ],
)
def test_dates_in_the_usual_forms(value, expected):
    parsed = parse_date(value)
    if parsed.tzinfo:
        assert parsed.utcoffset() == timedelta(hours=2)
        assert parsed.replace(tzinfo=None) - parsed.utcoffset() == expected
    else:
        assert parsed == expected


def test_wrong_types_are_errors_on_the_key_line():
    _fm, diags = meta("---\ntitle: ok\ndate: yesterday\ntopics: 5\ndraft: maybe\n---\n")
    assert any(
        d.startswith("content/p.md:3: error: 'date': 'yesterday' is not a date") for d in diags
    )
    assert any(d.startswith("content/p.md:4: error: 'topics'") for d in diags)
    assert any(d.startswith("content/p.md:5: error: 'draft'") for d in diags)


def test_bad_yaml_names_the_line():
    _, diags = meta("---\ntitle: ok\ntopics: [a, b\n---\n")
    assert diags and diags[0].startswith("content/p.md:") and "invalid YAML" in diags[0]


def test_yaml_tags_that_build_objects_are_refused():
    _, diags = meta("---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n")
    assert diags and "invalid YAML" in diags[0]


def test_unsafe_slugs_are_refused():
    for slug in ("../../etc", "a/b", "..", "a\\\\b"):
        _, diags = meta(f'---\nslug: "{slug}"\n---\n')
        assert diags and "'slug'" in diags[0], slug


def test_tags_is_an_alias_of_topics_and_extra_keys_are_kept():
    fm, diags = meta("---\ntags: cnn, gan\nmath: true\n---\n")
    assert not diags
    assert fm.topics == ("cnn", "gan") and fm.extra["math"] is True


def test_keys_from_jekyll_and_hugo_are_understood():
    fm, diags = meta(
        "---\nlayout: post\ncategories: deep-learning pytorch\nlastmod: 2024-03-01\n"
        "description: A short one.\npublished: false\nauthor: tensorpress team\n"
        "date: 2019-01-05 10:00:00 +0200\n---\n"
    )
    assert not diags
    assert fm.topics == ("deep-learning", "pytorch")
    assert fm.updated == datetime(2024, 3, 1)
    assert fm.summary == "A short one." and fm.extra["description"] == "A short one."
    assert fm.draft is True and fm.authors == ("tensorpress team",)
    assert fm.date.utcoffset() == timedelta(hours=2)
    assert fm.extra["layout"] == "post"


AUTHOR_FORMS = [
    # The Hugging Face blog.
    "authors:\n- user: sanchit-gandhi\n- user: reach-vb\n  guest: true\n",
    # al-folio's distill posts and Hugo themes.
    "authors:\n  - name: Ada Lovelace\n    url: https://example.org\n",
    # Quarto: one mapping, and names given in parts or literally.
    "author:\n  name: Norah Jones\n  orcid: 0000-0001\n",
    "author:\n  - name: {given: Norah, family: Jones}\n  - name: {literal: The Team}\n",
]
AUTHOR_NAMES = [
    ("sanchit-gandhi", "reach-vb"),
    ("Ada Lovelace",),
    ("Norah Jones",),
    ("Norah Jones", "The Team"),
]


@pytest.mark.parametrize(("front", "names"), list(zip(AUTHOR_FORMS, AUTHOR_NAMES, strict=True)))
def test_authors_given_as_mappings_are_read_by_their_name_and_kept_whole(front, names):
    fm, diags = meta(f"---\ntitle: A\n{front}---\nx")
    assert not diags and fm.authors == names
    key = front.split(":")[0]
    assert fm.extra[key] == yaml.safe_load(front)[key], "urls and affiliations, for templates"


def test_an_author_mapping_without_a_name_is_an_error_that_says_how():
    _, diags = meta("---\nauthors:\n- url: https://example.org\n---\nx")
    assert diags == [
        "content/p.md:2: error: 'authors': expected a name, a list of names or of mappings "
        "with a name (- name: Ada Lovelace), got [{'url': 'https://example.org'}]"
    ]


def test_errors_name_the_key_the_author_wrote():
    _, diags = meta("---\ntitle: t\nlastmod: someday\n---\n")
    assert diags == [
        "content/p.md:3: error: 'lastmod': 'someday' is not a date; write "
        "2024-01-05, 2024-01-05 10:30 or 2024-01-05T10:30:00+02:00"
    ]


def test_pelican_and_multimarkdown_metadata_is_front_matter():
    """``Key: value`` lines up to the first blank line, read as text (a title may hold a
    colon); Pelican's keys map to ours, authors split at commas, a draft by status."""
    text = (
        "Title: GANs: a tour\nDate: 2010-12-03 10:20\nModified: 2010-12-05 19:30\n"
        "Category: Deep Learning\nTags: gan, vision\nSlug: gan-tour\n"
        "Authors: Ada Lovelace, Grace Hopper\nSummary: A short tour\n    of GANs.\n"
        "Status: draft\nLang: en\n\nThe body.\n"
    )
    sp, diags = split(text, "content/p.md")
    assert not diags and sp.kind == "meta" and sp.body == "\nThe body.\n" and sp.body_line == 12
    fm, diags = meta(text)
    assert not diags
    assert fm.title == "GANs: a tour" and fm.slug == "gan-tour" and fm.draft is True
    assert fm.date == datetime(2010, 12, 3, 10, 20) and fm.updated == datetime(2010, 12, 5, 19, 30)
    assert fm.topics == ("Deep Learning", "gan", "vision")
    assert fm.authors == ("Ada Lovelace", "Grace Hopper") and fm.summary == "A short tour of GANs."
    assert fm.extra == {"status": "draft", "lang": "en"}


@pytest.mark.parametrize(
    "text",
    [
        "Note: this post is about GANs.\n\nBody.\n",  # prose that opens with a colon
        "Date: 2024-01-01\nTags: x\n\nBody.\n",  # no title: not metadata
        "Title: X\nnot a key line\n\nBody.\n",
        "Title: X\nDate: 2024-01-01\nBody right after, no blank line.\n",
        "Title: prose that a rule\nunderlines as a heading\n---\n\nBody.\n",
        "Date: 2024-01-01\n\nBody.\n---\n",  # a blank line first: not front matter
    ],
)
def test_text_that_only_looks_like_metadata_stays_body(text):
    sp, diags = split(text, "content/p.md")
    assert not diags and sp.kind is None and sp.body == text


@pytest.mark.parametrize(
    ("key", "value"),
    [("lastmod", "2021-18-12T00:16:23+05:30"), ("date", "2021-02-30"), ("updated", "2024-13-01")],
)
def test_a_date_no_calendar_has_is_an_error_at_its_line(site, key, value):
    """YAML reads these as timestamps and PyYAML raised a bare ValueError: the whole
    build stopped with an internal error (a Wowchemy post had lastmod 2021-18-12)."""
    site.post(
        "a.md",
        "Body.\n",
        title="A",
        **({"date": "2024-01-05"} if key != "date" else {}),
        **{key: value},
    )
    run = site.build()
    assert run.code == 1 and "internal error" not in run.err, run.err
    assert "content/a.md:" in run.err and f"'{key}': '{value}' is not a date" in run.err


def test_an_image_mapping_of_hugo_themes_is_read_not_refused(site):
    """Wowchemy writes ``image:`` as a mapping (caption, focal point, maybe a file name):
    every such post was a hard error; the mapping goes to ``post.extra`` as written."""
    site.post(
        "a.md", "Body.\n", title="A", date="2024-01-05", image='\n  caption: "x"\n  focal_point: ""'
    )
    site.post(
        "b.md",
        "Body.\n",
        title="B",
        date="2024-01-06",
        image="\n  filename: cover.png\n  caption: y",
    )
    site.write("content/cover.png", b"\x89PNG\r\n\x1a\n")
    run = site.build()
    assert run.code == 0, run.err
    assert "cover.png" in site.page("posts/b/index.html")


def test_text_that_yaml_read_as_a_list_is_taken_as_text_with_a_warning(site):
    """``description: [This post discusses X, Y]`` is a YAML list; Jekyll themes print
    it anyway: one post of two QA blogs stopped the whole site with an error."""
    site.post("a.md", "Body.\n", title="[A, B]", date="2024-01-05", description="[Text, more]")
    site.post("b.md", "Body.\n", title="B", date="2024-01-06", series="{a: 1}")
    run = site.build()
    assert run.code == 1
    assert "content/a.md:2: warning: 'title' is a list, as YAML reads [...]: taken as the " in (
        run.err
    )
    assert "content/b.md:4: error: 'series': expected text, got dict: write it in quotes" in (
        run.err
    )
    site.write("content/b.md", "---\ntitle: B\ndate: 2024-01-06\n---\nBody.\n")
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/a/index.html")
    assert "<title>A, B" in page and '<meta name="description" content="Text, more">' in page


def test_a_thumbnail_is_the_image_unless_an_image_is_given():
    fm, diags = meta("---\ntitle: A\nthumbnail: /blog/assets/t.png\n---\n")
    assert not diags
    assert fm.image == "/blog/assets/t.png"
    fm, _ = meta("---\ntitle: A\nthumbnail: t.png\nimage: i.png\n---\n")
    assert fm.image == "i.png" and fm.extra["thumbnail"] == "t.png"


def test_a_key_given_twice_is_a_warning_naming_both_lines():
    """YAML lets the last one win silently: draft: true then draft: false published it."""
    fm, diags = meta("---\ntitle: A\ndraft: true\ndraft: false\n---\n")
    assert fm.draft is False
    assert diags == [
        "content/p.md:4: warning: 'draft' is given twice (lines 3 and 4); "
        "the last one counts: remove the other"
    ]


def test_quartos_last_modified_date_is_the_files_modification_time(site):
    """Quarto posts write ``date: last-modified`` (and ``date-modified:``): each such post
    was an error that failed the whole build."""
    import os

    page = site.post(
        "faq.qmd", "Answer.\n", title="Q", date="last-modified", **{"date-modified": "today"}
    )
    stamp = datetime(2024, 3, 9, 12, 30).timestamp()
    os.utime(page, (stamp, stamp))
    run = site.build()
    assert run.code == 0, run.err
    assert "is not a date" not in run.err and "no date in front matter" not in run.err
    assert "content/faq.qmd:4: warning: 'date-modified': Quarto's 'today'" in run.err
    html = site.page("posts/faq/index.html")
    assert 'datetime="2024-03-09T12:30:00+00:00"' in html


def test_an_author_written_in_html_is_its_text(site):
    """The BAIR blog writes its bylines in HTML (links, ``$^*$`` and ``<sup>`` marks,
    ``<br>``): the byline, meta tags and citation showed the tags as text."""
    site.post(
        "a.md",
        "Body.\n",
        title="A",
        date="2024-01-05",
        author='<a href="https://a.example/~ada">Ada Lovelace</a>$^*$,\n'
        '  <a href="https://b.example/">Alan Turing</a><sup class="mark">1</sup>, and Grace'
        " Hopper<br>",
    )
    run = site.build()
    assert run.code == 0, run.err
    html = site.page("posts/a/index.html")
    names = "Ada Lovelace, Alan Turing, and Grace Hopper"
    assert f'<span class="authors">By {names}</span>' in html
    assert f'<meta name="citation_author" content="{names}">' in html
    assert "&lt;a" not in html and "$^*$" not in html


def test_a_title_written_in_html_is_its_text(site):
    """The BAIR blog breaks long titles with ``<br>`` and sets words in ``<i>`` (13 of
    174 posts): the heading, the tab, the feeds and the lists showed ``&lt;br&gt;``."""
    site.post("a.md", "Body.\n", title='"Model-Based RL:<br>Theory and <i>Practice</i>"',
              date="2024-01-05")  # fmt: skip
    site.post("b.md", "Body.\n", title='"Why List<int> & x < y"', date="2024-01-06")
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/a/index.html")
    assert '<h1 class="post-title">Model-Based RL: Theory and Practice</h1>' in page
    assert "&lt;br" not in page and "&lt;i&gt;" not in site.page("index.html")
    assert "Why List&lt;int&gt; &amp; x &lt; y" in site.page("posts/b/index.html")


def test_front_matter_without_its_opening_fence_is_read_with_a_warning(site):
    """A post that lost its first ``---`` showed its front matter as a heading (the
    closing ``---`` underlined it) and had no title, date or tags."""
    site.write(
        "content/ds.md",
        'title: "DeepSpeed: fast"\ndate: 2020-05-19\ntags:\n  - training\n---\n\n'
        "Body text.\n\n```\nimport torch\n```\n",
    )
    run = site.build()
    assert run.code == 0, run.err
    assert (
        "content/ds.md:1: warning: front matter without its opening '---' (lines 1-4, "
        "closed at line 5); read as front matter: put '---' on a line before it"
    ) in run.lines
    assert "content/ds.md:9: warning: code fence has no language" in run.err, "body lines"
    page = site.page("posts/ds/index.html")
    assert "<title>DeepSpeed: fast" in page and "2020-05-19" in page and "<h2" not in page
    site.write("content/ds.md", "title: A\ndate: [2020\n---\nBody.\n")
    run = site.build()
    assert run.code == 1 and "content/ds.md:2: error: invalid YAML front matter" in run.err


def test_keys_left_empty_are_unset_as_in_hugo_and_jekyll(site):
    """Archetypes leave keys empty (``summary:``, ``tags:``, ``image:``, ``slug: ""``): each
    was an error that failed the whole build."""
    site.write(
        "content/empty.md",
        """\
        ---
        title: Loggers
        date: 2021-10-25
        summary:
        tags:
          - loggers
        categories:
        image:
        series: ""
        author:
        draft:
        updated:
        slug: ""
        aliases:
        ---

        How to use loggers.
        """,
    )
    run = site.build()
    assert run.code == 0 and "error" not in run.err, run.err
    assert "warning" not in run.err, run.err
    page = site.page("posts/empty/index.html")
    assert "How to use loggers." in page and 'href="../../topics/loggers/"' in page


def test_astro_and_hugo_publish_dates_are_the_date(site):
    """Astro's ``pubDate`` (or ``publishDate``) and ``heroImage`` were unknown keys, and the
    post was dated by its file; Hugo's ``publishDate`` beside a ``date`` leaves it be."""
    site.post("astro.md", "Text.\n", title="A", publishDate="2017-01-20 04:00")
    site.post("hugo.md", "Text.\n", title="H", date="2020-05-01", publishDate="2020-06-01")
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    assert '<time datetime="2017-01-20T04:00:00' in site.page("posts/astro/index.html")
    assert '<time datetime="2020-05-01T00:00:00' in site.page("posts/hugo/index.html")


def test_papermods_cover_and_loveits_featured_image_are_the_image(site):
    """PaperMod's ``cover: {image: ..}`` and LoveIt's ``featuredImage`` were unknown keys:
    the post had no image for its cards."""
    site.post("p.md", "Text.\n", title="P", date="2024-03-01", cover="\n  image: cover.png")
    site.post("l.md", "Text.\n", title="L", date="2024-03-01", featuredImage="feat.png")
    site.post("t.md", "Text.\n", title="T", date="2024-03-01", cover="true")
    run = site.build()
    assert run.code == 0, run.err
    assert 'og:image" content="http://localhost:8000/posts/p/cover.png"' in site.page(
        "posts/p/index.html"
    )
    assert 'og:image" content="http://localhost:8000/posts/l/feat.png"' in site.page(
        "posts/l/index.html"
    )
