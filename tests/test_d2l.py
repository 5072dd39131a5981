"""Posts written for d2lbook (d2l.ai's source) build as d2lbook shows them (d2l.py)."""

import re
import time

from tensorpress.compat import migrate

from .test_compat import build_one
from .test_figures import _png


def warnings_of(err):
    return [ln for ln in err.splitlines() if ": warning: " in ln]


CHAPTER = """\
# Linear Regression
:label:`sec_linreg`

As :numref:`fig_fit` shows and :numref:`subsec_loss` says, we fit a line; see
:ref:`sec_linreg`, :eqref:`eq_model` and :numref:`eq_loss`.

![Fit data with a *linear* model.](fit.svg)
:width:`400px`
:label:`fig_fit`

$$\\hat{y} = w x + b.$$
:eqlabel:`eq_model`

## Loss Function
:label:`subsec_loss`

$$
l(w) = \\frac{1}{2} (\\hat{y} - y)^2
$$
:label:`eq_loss`

Back to :numref:`fig_fit`.
"""


def test_d2l_labels_give_ids_and_references_link_with_title_or_number(site):
    site.write("content/fit.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
    html, err = build_one(site, CHAPTER, title='"Linear Regression"')
    assert warnings_of(err) == []
    assert '<h2 id="subsec_loss">Loss Function' in html
    figure = re.search(r'<figure class="figure" id="fig_fit">.*?</figure>', html, re.S).group()
    assert 'style="width: 400px"' in figure and 'alt="Fit data with a linear model."' in figure
    assert "<figcaption><span" in figure and "Figure 1.</span> Fit data with a <em>linear" in figure
    assert 'id="eq-eq_model"' in html and 'id="eq-eq_loss"' in html
    assert '<a href="#fig_fit">Figure 1</a> shows' in html
    assert '<a href="#subsec_loss">Loss Function</a> says' in html
    assert '<a class="eqref" href="#eq-eq_model">(1)</a>' in html
    assert '<a class="eqref" href="#eq-eq_loss">(2)</a>' in html
    assert 'Back to <a href="#fig_fit">Figure 1</a>.' in html
    # the chapter's heading is the page's title: its id stays for the links to it
    assert '<div id="sec_linreg"></div>' in html
    assert '<a href="#sec_linreg">Linear Regression</a>' in html
    assert not re.search(r":(label|eqlabel|width|numref|ref|eqref):", html)


def test_d2l_tabs_are_shown_one_after_another_under_the_framework(site):
    html, err = build_one(
        site,
        """\
        Install it.

        :begin_tab:`mxnet`
        The *MXNet* way.
        :end_tab:

        :begin_tab:`pytorch`
        ```python
        import torch
        ```
        :end_tab:

        :begin_tab:`tensorflow, jax`
        Both.
        :end_tab:
        """,
    )
    assert warnings_of(err) == []
    assert "<p><strong>MXNet</strong><br />\nThe <em>MXNet</em> way.</p>" in html
    assert '<p><strong>PyTorch</strong></p>\n<div class="highlight" data-lang="python">' in html
    assert "<p><strong>TensorFlow, JAX</strong><br />\nBoth.</p>" in html
    assert "_tab:" not in html


def test_d2l_markers_it_cannot_honour_are_warned_at_their_line(site):
    html, err = build_one(
        site,
        """\
        As shown by :cite:`Legendre.1805,Gauss.1809` and :numref:`sec_elsewhere`.

        | a | b |
        |---|---|
        | 1 | 2 |
        :label:`tab_data`

        A paragraph.
        :label:`para`

        Sized in a sentence :width:`300px` here.

        :bibliography:`../d2l.bib`

        Code is code: `:numref:`x`` and

        ```text
        ![A cat.](cat.jpg)
        :label:`img_cat`
        :begin_tab:`pytorch`
        ```
        """,
    )
    assert [ln.split(": warning: ") for ln in warnings_of(err)] == [
        [
            "content/moved.md:6",
            "citation @Gauss.1809, but the post names no bibliography; shown as written: "
            "add 'bibliography: refs.bib' to the front matter, with refs.bib beside the post",
        ],
        [
            "content/moved.md:6",
            "citation @Legendre.1805, but the post names no bibliography; shown as written: "
            "add 'bibliography: refs.bib' to the front matter, with refs.bib beside the post",
        ],
        [
            "content/moved.md:6",
            "d2lbook's :numref:`sec_elsewhere` names no :label: of this post; shown as "
            "written: label the heading, figure or formula here, or link to another post's "
            "as [text](other-post.md#sec_elsewhere)",
        ],
        [
            "content/moved.md:11",
            "d2lbook's :label:`tab_data` after a table is not supported; it was dropped: "
            "put :label: on the line right after a heading, an image or a display formula "
            "(:width: and :height: after an image)",
        ],
        [
            "content/moved.md:14",
            "d2lbook's :label:`para` follows no heading, image or formula; it was dropped: "
            "put :label: on the line right after a heading, an image or a display formula "
            "(:width: and :height: after an image)",
        ],
        [
            "content/moved.md:16",
            "d2lbook's :width:`300px` is read only on a line of its own; shown as written: "
            "put it on the line after the heading, image or formula it is about",
        ],
        [
            "content/moved.md:18",
            "d2lbook's :bibliography:`../d2l.bib` goes unread; shown as written: name the "
            "BibTeX file in the front matter instead (bibliography: d2l.bib), and citations "
            "find it",
        ],
    ]
    assert "As shown by [@Legendre.1805; @Gauss.1809] and" in html
    assert "<td>2</td>" in html and "tab_data" not in html, "the table keeps its rows"
    assert "<p>A paragraph.</p>" in html
    assert "<code>:numref:</code>x`` and" in html
    assert ":label:`img_cat`\n:begin_tab:`pytorch`\n" in html


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


def test_d2l_markers_keep_every_line_where_it_was():
    body = (
        "# A\n:label:`a`\n\n![c](c.png)\n:width:`1px`\n:label:`c`\n\n"
        ":begin_tab:`jax`\nx\n:end_tab:\nSee :numref:`c`.\n"
    )
    moved = migrate(body, "p.md", 1)
    assert moved.text.count("\n") == body.count("\n") and not moved.diagnostics
    assert moved.text.split("\n")[:2] == ["# A {#a}", ""]


def test_many_d2l_markers_take_linear_time():
    n = 20_000
    body = (
        "# T\n"
        + ":label:`t`\n" * n
        + "\n"
        + " ".join(":numref:`t`" for _ in range(n))
        + "\n\n"
        + " ".join(":numref:`missing`" for _ in range(n))
        + "\n"
    )
    start = time.perf_counter()
    moved = migrate(body, "p.md", 1)
    assert time.perf_counter() - start < 10
    assert moved.text.count("[](#t)") == n and len(moved.diagnostics) == n
