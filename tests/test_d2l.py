"""Posts written for d2lbook (d2l.ai's source) build as d2lbook shows them (d2l.py)."""

from .test_compat import build_one
from .test_figures import _png


def warnings_of(err):
    return [ln for ln in err.splitlines() if ": warning: " in ln]


def test_a_link_without_text_shows_its_targets_words_or_says_it_has_none(site):
    html, err = build_one(
        site,
        """\
        ## The `relu` function {#relu}

        See [](#relu), and [](#nowhere).
        """,
    )
    assert '<a href="#relu">The <code>relu</code> function</a>' in html
    assert '<a href="#nowhere">nowhere</a>' in html
    assert warnings_of(err) == [
        "content/moved.md:8: warning: link to #nowhere has no text, and no heading or figure "
        "of this post has that id: give the link its words, or the heading or figure that id"
    ]


def test_a_link_without_text_to_the_title_heading_or_a_figure_lands_there(site):
    """The first heading repeats the title, so the page leaves it out: its id stays for
    the links of the post to it (and only then)."""
    site.write("content/plot.png", _png(4, 3))
    html, err = build_one(
        site,
        '# Moved {#top}\n\n![A plot.](plot.png "Losses"){#fig-plot}\n\n'
        "See [](#fig-plot), from [](#top).\n",
    )
    assert warnings_of(err) == []
    assert html.count('id="top"') == 1 and '<div id="top"></div>' in html
    assert '<a href="#fig-plot">Figure 1</a>, from <a href="#top">Moved</a>.' in html
    html, _ = build_one(site, "# Moved {#top}\n\nNo link to it.\n", name="other.md")
    assert 'id="top"' not in html
