"""Posts moved from other generators build without edits (compat.py)."""

import re
from html import unescape

import pytest

from tensorpress.cli import main
from tensorpress.compat import code_spans, migrate

from .test_figures import _png
from .test_math import article


def build_one(site, body, name="moved.md", **meta):
    meta = {"title": '"Moved"', "date": "2024-01-05", **meta}
    site.post(name, body, **meta)
    run = site.build()
    assert run.code == 0, run.err
    return article(site.page(f"posts/{name.rsplit('.', 1)[0]}/index.html")), run.err


def test_migration_keeps_every_line_where_it_was():
    body = (
        "a {{ site.x }}\n{% highlight python %}\nx = 1\n{% endhighlight %}\n"
        "{{< highlight go >}}\ny\n{{< /highlight >}}\nThe $$x$$ is.\n{{<figure src=a>}}\n"
    )
    moved = migrate(body, "p.md", 1)
    assert moved.text.count("\n") == body.count("\n")


def test_jekyll_highlight_becomes_a_highlighted_fenced_block(site):
    html, err = build_one(
        site,
        """\
        Before.

        {% highlight python linenos %}
        def f(x):
            return x + 1
        {% endhighlight %}

        {%- highlight ruby mark_lines="2" -%}
        a = 1
        b = 2
        {%- endhighlight -%}

        After.
        """,
    )
    assert '<div class="highlight" data-lang="python">' in html
    assert 'data-n="1"' in html and 'data-n="2"' in html, "linenos numbers the lines"
    assert '<div class="highlight" data-lang="ruby">' in html
    assert '<span class="line hll">' in html, "mark_lines highlights line 2"
    assert "highlight" not in re.sub(r'class="[^"]*"|data-lang="[^"]*"', "", html)
    assert "endhighlight" not in html and "warning" not in err


def test_hugo_highlight_shortcode_becomes_a_fenced_block(site):
    html, err = build_one(
        site,
        """\
        {{< highlight python "linenos=table,hl_lines=2,linenostart=10" >}}
        import numpy as np
        x = np.zeros(3)
        {{< /highlight >}}
        """,
    )
    assert '<div class="highlight" data-lang="python">' in html
    assert 'data-n="10"' in html and 'data-n="11"' in html
    assert '<span class="line hll" data-n="11">' in html
    assert "warning" not in err


_CODE = """\
# a comment, not a heading
import torch

def f(x):
    return x * 2 * torch.ones(3)
"""


def _details(html):
    """The first <details> element of a body, and whether its code was highlighted
    whole: the comment a comment, the stars operators, the indentation kept."""
    inside = html.split("<details", 1)[1].split("</details>", 1)[0]
    return inside, (
        '<div class="highlight" data-lang="python">' in inside
        and '<span class="c1"># a comment, not a heading</span>' in inside
        and "\n    <span" in inside
        and inside.count('<span class="o">*</span>') == 2
        and "<h1" not in inside
        and "<em>" not in inside
        and "highlight %}" not in html
    )


@pytest.mark.parametrize(
    ("opener", "gap"),
    [
        ("<details>\n<summary>Show code</summary>", ""),
        ("<details>\n<summary>Show code</summary>", "\n"),
        ('<details markdown="1">\n<summary>Show code</summary>', ""),
        ('<details markdown="1">\n<summary>Show code</summary>', "\n"),
        ("<details><summary>Show code</summary>", ""),
    ],
)
def test_jekyll_highlight_inside_details_is_a_code_block_inside_it(site, opener, gap):
    """al-folio's folded code (ICLR's blog-post track): Liquid makes the code block before
    Markdown reads the page, so it is code wherever it is, as Jekyll shows it."""
    body = (
        f"{opener}\n{gap}{{% highlight python %}}\n{_CODE}{{% endhighlight %}}\n{gap}</details>\n"
    )
    html, err = build_one(site, f"Intro.\n\n{body}\nAfter *this*.\n")
    inside, whole = _details(html)
    assert whole, html
    assert "<summary>Show code</summary>" in inside and "markdown=" not in html
    assert "<p>After <em>this</em>.</p>" in html, "Markdown again after the element"
    assert "warning" not in err


def test_highlight_blocks_in_nested_indented_html_are_code_blocks(site):
    html, err = build_one(
        site,
        '<div class="l-page">\n  <details>\n    <summary>Show code</summary>\n'
        "    {% highlight python %}\n"
        + "".join(f"    {ln}\n" if ln else "\n" for ln in _CODE.splitlines())
        + "    {% endhighlight %}\n    {{< highlight go >}}\n    x := 1\n    {{< /highlight >}}\n"
        "  </details>\n</div>\n",
    )
    inside, whole = _details(html)
    assert whole, html
    assert '<div class="highlight" data-lang="go">' in inside and "</details>\n</div>" in html
    assert "warning" not in err


def test_highlight_in_html_that_cannot_end_before_it_is_said(site):
    html, err = build_one(
        site,
        "<details\n  open>\n{% highlight python %}\nx = 1\n{% endhighlight %}\n</details>\n",
    )
    assert "{% highlight python %}" in html
    assert "content/moved.md:8: warning: highlight tag without its closing tag" in err


def test_a_highlight_block_holding_a_fence_gets_a_longer_fence():
    moved = migrate("{% highlight markdown %}\n```python\nx\n```\n{% endhighlight %}\n", "p", 1)
    assert moved.text.split("\n")[0] == "````markdown"
    assert moved.text.split("\n")[4] == "````"


def test_unclosed_highlight_stays_visible_with_a_warning(site):
    html, err = build_one(site, "Text.\n\n{% highlight python %}\nx = 1\n")
    assert "{% highlight python %}" in html
    assert "content/moved.md:8: warning: highlight tag without its closing tag" in err


def test_kramdown_inline_double_dollars_are_inline_math(site):
    html, err = build_one(
        site,
        """\
        The loss $$L = \\sum_i x_i^2$$ is minimised, and `$$code$$` is code.

        $$
        y = 1
        $$

        $$z = 2$$
        """,
    )
    prose = html.split("is minimised")[0]
    assert '<math display="inline">' in prose and "math-display" not in prose
    assert "<code>$$code$$</code>" in html
    assert html.count('<math display="block">') == 2, "display blocks stay display"
    assert "warning" not in err


def test_inline_double_dollars_that_number_themselves_stay_display():
    line = r"see $$x \label{eq:a}$$ here"
    assert migrate(line, "p", 1).text == line
    assert migrate("a $$x$$ b", "p", 1).text == r"a \(x\) b"
    assert migrate(r"a \$$x$$ b", "p", 1).text == r"a \$$x$$ b", "escaped dollars stay"
    assert migrate("$$x$$", "p", 1).text == "$$x$$", "alone on its line: display"


@pytest.mark.parametrize(
    ("source", "shown", "warned"),
    [
        ("{% include fig.html path='a.png' %}", "{% include fig.html", "Liquid tag {% include %}"),
        ("See {{ page.title }} here.", "{{ page.title }}", "Liquid expression {{ page.title }}"),
        ('See {{< figure src="a.png" >}} here.', "{{&lt; figure", "Hugo shortcode {{< figure >}}"),
        ('{{<figure caption="no src">}}', "{{&lt;figure", "Hugo shortcode {{< figure >}}"),
        ("{{% notice info %}}", "{{% notice info %}}", "Hugo shortcode {{% notice %}}"),
        ("See {{< video https://e.org/v.mp4 >}}", "{{&lt; video", "Quarto shortcode {{< video >}}"),
        ("{{< include _faq.md >}}", "{{&lt; include", "Quarto shortcode {{< include >}}"),
    ],
)  # fmt: skip
def test_unsupported_template_syntax_stays_visible_with_a_warning(site, source, shown, warned):
    html, err = build_one(site, f"Intro.\n\n{source}\n")
    assert shown in html
    line = [ln for ln in err.splitlines() if warned in ln]
    assert line and line[0].startswith("content/moved.md:8: warning: "), err
    assert "<figure" not in html, "a shortcode never becomes a tag"


def test_template_syntax_in_code_is_neither_warned_nor_touched(site):
    html, err = build_one(
        site,
        """\
        Inline `{{ site.x }}` and `{% include a %}` and `{{<figure>}}`.

        ```jinja
        {% for post in posts %}{{ post.title }}{# comment #}{% endfor %}
        ```

            {{ indented.code }}
        """,
    )
    assert "warning" not in err
    assert "<code>{{ site.x }}</code>" in html and "<code>{{&lt;figure&gt;}}</code>" in html
    assert "{# comment #}" in html or "{#" in html


def test_braces_are_never_evaluated_by_jinja_or_anything_else(site):
    html, _ = build_one(
        site,
        """\
        Prose {{ 7 * 7 }} and {% if true %}yes{% endif %} and {# hidden? #} and {{ site.title }}.

        ```python
        print("{{ 7 * 7 }}", "{% raw %}", "{#")
        ```
        """,
        title='"Title {{ 5 * 5 }} {% if 1 %}x{% endif %}"',
        summary='"{{ 6 * 7 }} in the summary"',
    )
    prose, code = html.split('data-lang="python"')
    assert "{{ 7 * 7 }}" in prose and "49" not in html
    assert "{% if true %}yes{% endif %}" in prose and "{# hidden? #}" in prose
    assert "{{ site.title }}" in prose
    code = unescape(re.sub(r"<[^>]+>", "", code))
    assert 'print("{{ 7 * 7 }}", "{% raw %}", "{#")' in code
    page = site.page("posts/moved/index.html")
    assert "<title>Title {{ 5 * 5 }} {% if 1 %}x{% endif %}" in page and "25" not in page
    index = site.page("index.html")
    assert "{{ 6 * 7 }} in the summary" in index and "42 in the summary" not in index


def test_html_blocks_and_embeds_are_kept_as_written(site):
    script = '<script>\nvar t = "{{ x }} *not em* $a$";\n\nvar u = "$$y$$ [l](m)";\n</script>'
    iframe = (
        '<iframe src="https://www.youtube-nocookie.com/embed/x" title="talk" '
        "allowfullscreen></iframe>"
    )
    div = '<div class="note">\n*kept* as {{ written }} and $$z$$ here\n</div>'
    html, _ = build_one(site, f"{script}\n\n{iframe}\n\n{div}\n", math="true")
    assert script in html
    assert iframe in html
    before, _, after = div.partition("$$z$$")
    assert before in html and after in html, "as written, but for the formula in its text"
    assert html.count("<math") == 1


def test_code_spans_are_found_in_linear_time():
    assert code_spans("a `b` c ``d`e`` f `g") == [(2, 5), (8, 15)]
    line = "".join("`" * n + "x" for n in range(1, 1500))  # runs of every length, none closed
    assert code_spans(line) == []


def test_front_matter_of_other_generators_is_understood(site):
    site.write(
        "content/2020-05-01-old.md",
        """\
        ---
        layout: post
        title: "From al-folio"
        categories: ml
        tags: [cnn, pytorch]
        giscus_comments: true
        ---

        {% include figure.liquid path="assets/img/a.png" class="img-fluid" caption="A plot." %}

        {% include figure.liquid loading="eager" %}

        Text.
        """,
    )
    site.write("static/assets/img/a.png", _png(64, 48))
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/old/index.html")
    assert "From al-folio" in page
    assert re.search(
        r'<figure class="figure" id="figure-1"><img width="64" height="48" '
        r'[^>]*src="\.\./\.\./assets/img/a.png"',
        page,
    ), "from the site's root, made relative to the page: it holds under a sub-path"
    assert "Figure 1.</span> A plot.</figcaption>" in page
    warned = [ln for ln in run.err.splitlines() if "warning" in ln]
    assert warned == [
        "content/2020-05-01-old.md:11: warning: Liquid tag {% include %} is not supported; it "
        "is shown as written: paste what it includes, or use Markdown: ![alt](image.png) for a "
        "figure"
    ], "one without a path stays as written"


def test_a_hugging_face_blog_post_builds_with_its_authors_shown(site):
    """Its front matter names authors as ``- user: name`` mappings (al-folio and Quarto
    use ``name:``): the names are the authors, the mappings stay for templates."""
    site.write(
        "content/whisper.md",
        """\
        ---
        title: "Fine-Tune Whisper For Multilingual ASR"
        date: 2022-11-03
        thumbnail: /blog/assets/111_fine_tune_whisper/thumbnail.jpg
        authors:
        - user: sanchit-gandhi
        - user: reach-vb
          guest: true
        ---

        <!-- {blog_metadata} -->
        <!-- {authors} -->

        Whisper is a pre-trained model for speech recognition.
        """,
    )
    run = site.build()
    assert run.code == 0 and "error" not in run.err, run.err
    page = site.page("posts/whisper/index.html")
    assert "By sanchit-gandhi, reach-vb" in page
    assert '<meta name="citation_author" content="sanchit-gandhi">' in page


def test_a_hugo_figure_on_its_own_line_becomes_our_figure(site):
    """Hugo's most used shortcode: ``src``, ``caption`` (or ``title``) and ``alt`` make a
    numbered figure; a dropped ``link`` is said; quotes and brackets survive."""
    site.write("content/moved/loss.png", _png(64, 48))
    site.post(
        "moved/index.md",
        """\
        Intro.

        {{< figure src="loss.png" caption="Loss [smoothed], \\"EMA\\"" width="80%" >}}

        {{% figure src=`loss.png` alt='Plain' link="https://example.org/full.png" %}}
        """,
        title="Moved",
        date="2024-01-05",
    )
    run = site.build()
    assert run.code == 0, run.err
    html, err = article(site.page("posts/moved/index.html")), run.err
    assert "shortcode" not in err
    figure = re.search(r'<figure class="figure" id="figure-1">(.*?)</figure>', html, re.S)
    assert figure, html
    assert 'alt="Loss [smoothed], &quot;EMA&quot;"' in figure.group(1)
    assert "Figure 1.</span> Loss [smoothed], &quot;EMA&quot;</figcaption>" in figure.group(1)
    plain = re.search(r'<p class="image"><img [^>]*alt="Plain"', html)
    assert plain, "no caption: an image, not a figure"
    (line,) = [ln for ln in err.splitlines() if "link to https://example.org/full.png" in ln]
    assert line.startswith("content/moved/index.md:10: warning: Hugo figure read as an image")


def test_a_pelican_post_builds_as_it_is(site):
    """Pelican's metadata lines and CodeHilite's ``:::python`` / ``#!python`` markers in
    indented code: the post, its topics and its highlighted, numbered code."""
    site.write(
        "content/super.md",
        """\
        Title: My super title: with a colon
        Date: 2010-12-03 10:20
        Category: Python
        Tags: pelican, publishing
        Slug: my-super-post
        Authors: Alexis Metaireau, Conan Doyle
        Summary: Short version for index and feeds

        This is the content of my super blog post.

            :::python
            def f(x):

                return x + 1

        Numbered:

            #!python
            y = f(1)
        """,
    )
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    page = site.page("posts/my-super-post/index.html")
    assert '<h1 class="post-title">My super title: with a colon' in page
    assert "By Alexis Metaireau, Conan Doyle" in page and ":::" not in page
    blocks = re.findall(r'<div class="highlight" data-lang="python">(.*?)</div>\n', page, re.S)
    assert len(blocks) == 2 and "data-n=" not in blocks[0] and 'data-n="1"' in blocks[1]
    assert '<span class="k">def</span>' in blocks[0] and "#!python" not in blocks[1]
    assert "publishing" in site.page("topics/publishing/index.html")
    assert re.search(r"<title>Python", site.page("topics/python/index.html"))


def test_codehilite_markers_become_fences_without_moving_a_line():
    body = "Intro.\n\n    :::python\n    a = 1\n\n    b = 2\n\nAfter.\n"
    moved = migrate(body, "p.md", 1).text
    assert moved == "Intro.\n\n```python\na = 1\n\nb = 2\n```\nAfter.\n"
    for kept in ("- item\n\n    :::python\n    x\n", "Intro.\n\n    :::python\n    x\nText\n"):
        assert migrate(kept, "p.md", 1).text == kept, "a list's, or nothing to close it"


def test_kramdown_doubled_backslash_math_is_math(site):
    """Jekyll posts write ``\\\\( x \\\\)`` and ``\\\\[ ... \\\\]`` (Markdown eats one backslash
    before MathJax): they become formulas, with the TeX as MathJax saw it."""
    html, err = build_one(
        site,
        r"""
        The state \\( h_t = \tanh ( W_{hh} h_{t-1} ) \\) and the set \\( \\{ x\_1 \\} \\).

        \\[
        \begin{aligned} a &= b \\\\ c &= d \end{aligned}
        \\]

        Code `\\(x\\)` and a lone \\( stay as written.
        """,
    )
    assert "warning" not in err, err
    assert html.count('<math display="inline">') == 2 and html.count('<math display="block">') == 1
    assert "<mi>tanh</mi>" in html and "&#x0007B;</mo><msub><mi>x</mi><mn>1</mn>" in html
    assert "<mtable" in html, "the aligned rows: four backslashes were a line break"
    assert r"<code>\\(x\\)</code>" in html and r"a lone \( stay" in html


def test_jupyter_book_and_quarto_posts_build_with_their_blocks(site):
    """MyST directives and roles, Quarto callouts and divs, MkDocs content tabs: made
    ours where we have the same thing, shown as text with a warning where we do not."""
    site.write("content/book/fig.png", _png(64, 48))
    site.post(
        "book/index.md",
        """\
        ```{note}
        A MyST note.
        ```

        ```{math}
        :label: energy
        E = mc^2
        ```

        By {eq}`energy`, and {math}`x^2` inline; `` {eq}`energy` `` is code.

        ````{admonition} Careful: "this"
        :class: dropdown
        Folded, with code:
        ```python
        x = 1
        ```
        ````

        ```{code-cell} ipython3
        :tags: [hide-input]
        :emphasize-lines: 2
        import numpy as np
        y = np.ones(3)
        ```

        :::{figure} fig.png
        :name: fig-one
        A figure from a colon fence.
        :::

        ::: {.callout-tip title="Quarto tip" collapse="true"}
        Collapsed tip.
        :::

        ::: {.column-margin}
        A margin note.
        :::

        === "PyTorch"

            ```python
            import torch
            ```

        ```{glue:figure} boot_fig
        :figwidth: 300px
        ```

        ```{dropdown} Click to see
        Hidden answer.
        ```
        """,
        title="Book",
        date="2024-01-05",
    )
    run = site.build()
    assert run.code == 0, run.err
    html = article(site.page("posts/book/index.html"))
    warned = [ln for ln in run.err.splitlines() if "warning" in ln]
    assert [ln.split(": warning: ")[0] for ln in warned] == [
        "content/book/index.md:41",
        "content/book/index.md:51",
    ], warned
    assert "the div {.column-margin} is not supported" in warned[0]
    assert "MyST directive {glue:figure} is not supported" in warned[1]
    assert '<div class="admonition note">' in html and "<p>A MyST note.</p>" in html
    assert 'id="eq-energy"' in html and '<a class="eqref" href="#eq-energy">(1)</a>' in html
    assert html.count('<math display="inline">') == 1 and "<code>{eq}`energy`</code>" in html
    assert re.search(r'<details class="admonition note">\s*<summary[^>]*>Careful: .this.<', html)
    assert '<span class="kn">import</span>' in html and '<span class="line hll">' in html
    assert "hide-input" not in html and "emphasize" not in html
    assert re.search(r'<figure class="figure" id="figure-1"><img [^>]*src="fig.png"', html)
    assert "Figure 1.</span> A figure from a colon fence.</figcaption>" in html
    assert re.search(r'<details class="admonition tip">\s*<summary[^>]*>Quarto tip<', html)
    assert "<p>A margin note.</p>" in html and ":::" not in html
    assert "<p><strong>PyTorch</strong></p>" in html and "```" not in html
    assert ":figwidth: 300px" in html and "{glue:figure} boot_fig" in html, "nothing lost"
    assert re.search(r'<details class="admonition note">\s*<summary[^>]*>Click to see<', html)


def test_jupytext_myst_cells_keep_off_the_page_what_jupyter_book_does(site):
    """A ``{raw-cell}`` and a code cell tagged ``remove-cell`` are not shown; a cell's
    options may be a block of YAML between ``---`` lines (Colab's metadata), never code;
    ``hide-input`` folds the code."""
    site.post(
        "jt.md",
        """\
        ```{raw-cell}

        ---
        Copyright 2024 The Authors.
        ---
        ```

        ```{code-cell}
        :tags: [remove-cell]

        import setup_only
        ```

        ```{code-cell} ipython3
        ---
        executionInfo:
          elapsed: 52
        id: PyAGnWc9yI8T
        tags:
          - hide-input
        ---
        import functools
        ```

        ```{code-cell} ipython3
        ---
        id: abc
        ---
        x = 1
        ```
        """,
        title="Jupytext",
        date="2024-01-05",
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = article(site.page("posts/jt/index.html"))
    assert "Copyright" not in html and "setup_only" not in html and "raw-cell" not in html
    assert "executionInfo" not in html and "PyAGnWc9yI8T" not in html and "abc" not in html
    assert re.search(r'<details class="code-fold">.*?functools.*?</details>', html, re.S)
    assert '<span class="n">x</span>' in html


def test_myst_roles_and_targets_read_as_jupyter_book_shows_them(site):
    """``(label)=`` names the heading after it, never shown; ``{ref}`` links to it (its
    heading's words), ``{doc}`` to a post, ``{func}`` and kin show the name as code."""
    site.post(
        "other.md",
        "Other.",
        title="Other",
        date="2024-01-04",
    )
    site.post(
        "roles.md",
        """\
        See {ref}`sec-a`, {ref}`the setup <sec-a>`, {ref}`elsewhere`, {doc}`other`
        and {doc}`that post <other>`; call {func}`~jax.numpy.sum`, {py:class}`jax.Array`
        or {mod}`jax.typing`; `{func}` stays code.

        (sec-a)=
        ## Section A

        Text.

        (loose)=
        Before a paragraph.
        """,
        title="Roles",
        date="2024-01-05",
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = article(site.page("posts/roles/index.html"))
    assert (
        ")=" not in html
        and "{ref}" not in html
        and "{func}" not in html.replace("<code>{func}</code>", "")
    )
    assert '<a href="#sec-a">Section A</a>, <a href="#sec-a">the setup</a>, elsewhere' in html
    assert '<a href="../../posts/other/">other</a>' in html
    assert '<a href="../../posts/other/">that post</a>' in html
    assert "<code>sum</code>, <code>jax.Array</code>" in html and "<code>jax.typing</code>" in html
    assert '<h2 id="sec-a">Section A' in html and '<a id="loose"></a>' in html


def test_a_quarto_qmd_post_builds_with_its_chunks_shown_and_their_options_hidden(site):
    """Quarto's ``.qmd`` is Markdown: its ```` ```{python} ```` chunks are shown (not run)
    without the ``#|`` options Quarto never shows; ```` ```{r} ```` too; callouts work."""
    site.write(
        "content/loss/index.qmd",
        """\
        ---
        title: "Loss landscapes"
        date: 2024-02-01
        categories: [optimization]
        ---

        ```{python}
        #| echo: true
        #| label: fig-loss
        import numpy as np
        ```

        ```{r}
        x <- 1
        ```

        ```{python}
        #| code-fold: true
        folded = True
        ```

        ::: {.callout-note}
        Shown as a note.
        :::
        """,
    )
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    html = article(site.page("posts/loss/index.html"))
    assert 'data-lang="python"' in html and '<span class="kn">import</span>' in html
    assert "#|" not in html and "fig-loss" not in html
    folded = re.search(r'<details class="code-fold">(?:(?!</details>).)*folded', html, re.S)
    assert folded, "code-fold: true folds the chunk shut"
    assert '<span class="o">&lt;-</span>' in html and '<div class="admonition note">' in html
    assert "Loss landscapes" in site.page("topics/optimization/index.html")
    check = site.root / "content/loss/index.qmd"
    assert main(["check", "-s", str(site.root)]) == 0 and check.is_file()


def test_al_folio_figures_in_rows_of_html_are_figures_too(site):
    """al-folio lays figures out in ``<div class="row">``: raw HTML, where Markdown is not
    read, so the include becomes the ``<figure>`` in HTML (it was shown as written)."""
    site.write("static/assets/img/a.png", _png(64, 48))
    html, err = build_one(
        site,
        """\
        <div class="row mt-3">
            <div class="col-sm mt-3 mt-md-0">
                {% include figure.html path="assets/img/a.png" class="img-fluid" caption="A <b>" %}
            </div>
        </div>
        """,
    )
    assert "{%" not in html and "warning" not in err, err
    assert (
        '        <figure class="figure"><img width="64" height="48" src="../../assets/img/a.png" '
        'alt="A &lt;b&gt;" loading="lazy" decoding="async"><figcaption>A &lt;b&gt;</figcaption>'
        "</figure>\n"
    ) in html


def test_heading_attributes_set_the_id_and_classes(site):
    """``## Title {#id .class}`` (Pandoc, Quarto, kramdown, Hugo, MkDocs): the id links
    resolve to, in the table of contents and for the check; text ending in braces that
    is no attribute list stays."""
    html, err = build_one(
        site,
        """\
        ## Results {#sec-results .unnumbered}

        See [the results](#sec-results) and [the setup](#setup).

        ## Setup {: #setup}

        ## A dict {a: 1}
        """,
    )
    assert "warning" not in err, err
    assert '<h2 id="sec-results" class="unnumbered">Results <a class="header-anchor"' in html
    assert '<h2 id="setup">Setup <a' in html and '<h2 id="a-dict-a-1">A dict {a: 1} <a' in html
    assert '<a href="#sec-results">Results</a>' in site.page("posts/moved/index.html")
    assert main(["check", "-s", str(site.root), "--strict"]) == 0


def test_image_attributes_and_quarto_figures(site):
    """``{#fig-x width=80%}`` after an image sets its id and size instead of showing as
    text; with a ``fig-`` id the image is a figure, its alt the caption (Quarto), and
    links to the id land on it."""
    site.write("content/q/loss.png", _png(64, 48))
    site.post(
        "q/index.qmd",
        "![Loss curve](loss.png){#fig-loss width=80%}\n\n"
        "See [the curve](#fig-loss); ![icon](loss.png){.icon} inline.\n\n"
        "![Alone in its paragraph](loss.png)\n",
        title="Q",
        date="2024-01-05",
    )
    run = site.build()
    assert run.code == 0 and "warning" not in run.err, run.err
    html = article(site.page("posts/q/index.html"))
    figure = re.search(r'<figure class="figure" id="fig-loss">(.*?)</figure>', html, re.S)
    assert figure and 'style="width: 80%"' in figure.group(1)
    assert "Figure 1.</span> Loss curve</figcaption>" in figure.group(1)
    assert re.search(r'<img [^>]*class="icon"', html) and "{" not in html.split("cite")[0]
    assert "Figure 2.</span> Alone in its paragraph</figcaption>" in html, "implicit (.qmd)"
    assert main(["check", "-s", str(site.root), "--strict"]) == 0


def test_jekyll_raw_tags_produce_nothing_and_what_they_wrap_is_shown_unwarned(site):
    """``{% raw %}`` only keeps Liquid off what it wraps: gone from the page, also on a
    line of its own inside a code block; what it wraps is shown as written, unwarned."""
    html, err = build_one(
        site,
        """\
        {% raw %}
        Templates write {{ page.title }} here.
        {% endraw %}

        Inline: {% raw %}{{ site.url }}{% endraw %}; code: `{% raw %}`.

        ```liquid
        {% raw %}
        {{ content }}
        {% endraw %}
        ```
        """,
    )
    assert "warning" not in err, err
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "Templates write {{ page.title }} here." in text
    assert "Inline: {{ site.url }}; code: {% raw %}." in text
    assert "{% endraw %}" not in text and "{{ content }}" in text


def test_jekyll_links_and_kramdown_attribute_lines(site):
    """A Jekyll post's links to other posts (``{% post_url %}``, which names no suffix:
    here a ``.markdown`` file) and to the site root lead where they led; kramdown's
    attribute lines and its ``* TOC`` marker leave nothing on the page; code keeps all."""
    site.post("2017-08-20-gan.markdown", "On GANs.\n", title="GAN", date="2017-08-20")
    site.write("static/assets/overview.png", b"\x89PNG\r\n\x1a\n")
    html, err = build_one(
        site,
        """\
        See [GAN]({{ site.baseurl }}{% post_url 2017-08-20-gan %}) and [home]({{ site.url }}/).

        * TOC
        {:toc}

        ![Overview]({{ '/assets/overview.png' | relative_url }})
        {: style="width: 100%;" class="center"}
        Fig. 1. An overview.
        {:.image-caption}

        In code: `{% post_url 2017-08-20-gan %}` and `{: .x}`.
        """,
    )
    assert "warning" not in err, err
    assert 'href="../../posts/gan/"' in html and 'href="../../"' in html
    assert 'src="../../assets/overview.png"' in html, "from the root, as relative_url made it"
    assert "<p>Fig. 1. An overview.</p>" in html, "the attribute line ended a paragraph"
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "TOC" not in text and "{:" not in text.replace("{: .x}", "")
    assert "{% post_url 2017-08-20-gan %}" in text and "{: .x}" in text
    moved = migrate("a\n{: .c}\n* TOC\n{:toc}\n", "p.md", 1)
    assert moved.text == "a\n\n\n\n", "no line moves"


def test_a_post_url_to_a_missing_post_is_a_broken_link_warning(site):
    _, err = build_one(site, "See [x]({% post_url 2001-01-01-gone %}).\n")
    assert "moved.md:6: warning: link to '2001-01-01-gone.md' points to no post" in err, err


def test_a_subscript_of_slices_is_math_not_a_kramdown_attribute_list():
    """``{:,j}`` after ``_`` is a subscript (NumPy slicing in a formula); kramdown's
    attribute lists name a class, an id or a key: ``**b**{: .red}``."""
    moved = migrate("$C_{:,j}$ and $B_{:}$, *em*{: .c} **b**{:#x} _i_{:lang=py}\n", "p.md", 1)
    assert moved.text == "$C_{:,j}$ and $B_{:}$, *em* **b** _i_\n"


def test_an_anchor_left_open_or_self_closed_on_its_own_line_keeps_what_follows(site):
    """``<a name="x">`` (never closed) or ``<a name="x" />`` on a line of its own, in a
    post with no other syntax to migrate: the heading or text after it is Markdown
    (CommonMark took it for raw HTML: ``## Appendix`` was shown as written)."""
    html, err = build_one(
        site, 'Text.\n\n<a name="appendix">\n## Appendix\n\n<a id="q" />\n**Q**\n'
    )
    assert '<a name="appendix"></a>' in html and '<h2 id="appendix">Appendix' in html
    assert '<a id="q"></a>\n<strong>Q</strong>' in html and "##" not in html, html
    assert "warning" not in err, err


def test_kramdown_habits_with_html_and_math_in_lists(site):
    """What kramdown read as a paragraph stays one: an anchor written ``<a name=x />``
    (HTML would leave it open, CommonMark swallow the lines after it as raw HTML) and a
    ``<br/>`` on a line of its own; ``{:target=...}`` after a link goes; a formula opened
    by ``- $$`` in a list item ends at its own ``$$``, so the prose after it is read."""
    site.write("static/assets/plot.png", b"\x89PNG\r\n\x1a\n")
    html, err = build_one(
        site,
        """\
        <a name='qa' />
        **Question answering**
        - [SQuAD](https://example.org/squad)

        <br/>
        ![Plot]({{ '/assets/plot.png' | relative_url }})

        Get [the data]({{ '/data.zip' | relative_url }}){:target="_blank"} here.

        - Loss:
            - $$
            \\mathcal{L} = x
            $$

        See [home]({{ site.baseurl }}/).
        """,
    )
    assert "warning" not in err, err
    assert "<a name='qa'></a>" in html and "<strong>Question answering</strong>" in html
    assert '<a href="https://example.org/squad">SQuAD</a>' in html
    assert "<br/><!---->" in html and 'src="../../assets/plot.png"' in html
    assert '<a href="/data.zip" target="_blank">the data</a> here.' in html
    assert "<math" in html and 'href="../../"' in html
    body = html.split('<section class="cite"')[0]
    text = unescape(re.sub(r"<[^>]+>", "", body))
    assert "{{" not in text and "{:" not in text and "**" not in text


def test_fastpages_footnotes_and_toc_false(site):
    """fastpages' ``{% fn 1 %}`` and ``{{ 'text' | fndetail: 1 }}`` are a footnote; a
    post that says ``toc: false`` (Jekyll themes' key) gets no table of contents."""
    html, err = build_one(
        site,
        """\
        ## One

        A claim.{% fn 1 %}

        ## Two

        More.

        {{ 'The source, 2020.' | fndetail: 1 }}
        """,
        toc="false",
    )
    assert "warning" not in err, err
    assert 'class="footnote-ref"' in html and "The source, 2020." in html
    assert "{%" not in html.split('<section class="cite"')[0]
    page = site.page("posts/moved/index.html")
    assert "toc-side" not in page and "has-toc" not in page
    site.post("other.md", "## One\n\nA.\n\n## Two\n\nB.\n", title="Other", date="2024-01-06")
    assert site.build().code == 0 and "toc-side" in site.page("posts/other/index.html")


def test_jekyll_links_inside_raw_html_are_made_too(site):
    site.write("static/assets/swa.png", _png(64, 48))
    html, err = build_one(
        site,
        """\
        <div class="text-center">
          <img src="{{ site.url }}/assets/swa.png" width="100%">
        </div>

        <script>const root = "{{ site.url }}";</script>
        """,
    )
    assert "warning" not in err, err
    assert '<img src="../../assets/swa.png" width="100%">' in html, "its own width kept"
    assert 'const root = "{{ site.url }}";' in html, "a script is the author's own code"


def test_markdown_right_after_a_closing_html_tag_is_markdown(site):
    """kramdown ends an HTML block where its element closes; CommonMark would show the
    caption below as raw text up to the next blank line. Lines keep their numbers."""
    html, err = build_one(
        site,
        """\
        <div class="text-center">
          <img src="/assets/swa.png" width="100%">
        </div>
        **Figure 5**. Fast-SWA, by [its authors](https://example.org), $\\nosuchcommand x$.

        <table><tr><td>a</td></tr></table>
        After the table.
        """,
    )
    assert "<p><strong>Figure 5</strong>. Fast-SWA, by <a href" in html
    assert "<p>After the table.</p>" in html and "**" not in html
    assert "moved.md:9: warning: cannot convert math" in err, err


def test_an_opening_tag_whose_attributes_run_onto_the_next_lines_stays_one_block(site):
    """Hugging Face's Spaces embed and prettier's HTML put each attribute on a line: the
    tag name alone opens the element (it ended the block: the attributes became code)."""
    iframe = '<iframe\n\tsrc="https://x.hf.space"\n\twidth="850"\n></iframe>'
    html, err = build_one(
        site, f'Before.\n\n{iframe}\n\n<div\n  class="c"\n>\n\n**bold** in.\n\n</div>\n'
    )
    assert iframe in html and '<div\n  class="c"\n>' in html, html
    assert "<p><strong>bold</strong> in.</p>" in html
    assert "<pre><code>src" not in html and "<blockquote" not in html and "warning" not in err


def test_kramdowns_markdown_1_makes_an_elements_content_markdown(site):
    """``<aside markdown="1">``: kramdown reads what the element holds as Markdown (the
    first paragraph stayed raw, ``**`` and link syntax shown as written)."""
    html, err = build_one(
        site,
        '<aside class="note" markdown="1">\n**Note:** see [it](https://example.org).\n\n'
        '- an item\n</aside>\n\n<div markdown="1">\n*em* here\n</div>\n',
    )
    assert '<aside class="note">\n<p><strong>Note:</strong> see <a href' in html, html
    assert "<li>an item</li>\n</ul>\n</aside>" in html
    assert "<div>\n<p><em>em</em> here</p>\n</div>" in html and "markdown=" not in html
    assert "warning" not in err, err


def test_the_migration_reads_the_lines_after_a_closed_html_element_as_prose(site):
    """Where the parser ends an HTML block (``element_end``), the migration does too: a
    footnote tag on the caption line after ``</div>`` is a footnote, not raw text."""
    html, err = build_one(
        site,
        """\
        <div class="text-center">
        </div>
        **Figure 5**. A claim.{% fn 1 %}

        {{ 'The source.' | fndetail: 1 }}
        """,
    )
    assert "warning" not in err, err
    assert 'class="footnote-ref"' in html and "{%" not in html.split('<section class="cite"')[0]


def test_dollars_around_an_environment_after_prose_and_escaped_brackets(site):
    """``$$`` on the line after prose with ``\\begin{align*}`` inside paired with the
    wrong dollars (markdown-it's amsmath rule took the environment out of the paragraph):
    the heading after it vanished into a formula. ``\\[CLS\\]`` in a sentence is Markdown's
    escaped brackets, not display math."""
    html, err = build_one(
        site,
        """\
        Plugging it back into our $\\mathcal{L}$
        $$
        \\begin{align*}
        a &= b
        \\end{align*}
        $$
        Let us divide the final term.

        ## The next part

        The first token is (\\[CLS\\]), and \\[x^2\\] is math.
        """,
    )
    assert "warning" not in err, err
    assert html.count('class="math-display"') == 2 and "$$" not in html
    assert "<p>Let us divide the final term.</p>" in html and 'id="the-next-part"' in html
    assert "The first token is ([CLS]), and <span" in html


def test_an_html_comment_ends_where_it_closes_and_hides_what_it_holds(site):
    """A one-line comment is a block that ends on its line (markdown-it's rule): the
    figure under it was left raw; a comment over several paragraphs hides them all,
    template syntax included, without warnings."""
    site.write("content/fig2.png", _png(4, 3))
    html, err = build_one(
        site,
        """\
        <!-- - ![](old.png) -->
        {{< figure src="fig2.png" caption="Source" >}}

        <!--
        {{< notice >}} old

        {% include old.html %}
        -->
        After.
        """,
    )
    assert "warning" not in err, err
    assert '<figure class="figure"' in html and "Source</figcaption>" in html
    assert "{{" not in html.split('<section class="cite"')[0].replace("<!--", "").split("-->")[-1]


def test_hugo_ref_shortcodes_link_to_the_post(site):
    """``{{< ref "/posts/transformers/index" >}}`` (from content/), ``relref`` relative to
    the post, a bundle named by its folder: links to the post, checked like any other."""
    site.post(
        "posts/transformers/index.md", "## Attention\n\nText.\n", title="T", date="2024-01-01"
    )
    site.post("posts/other.md", "Other.\n", title="O", date="2024-01-02")
    site.post(
        "posts/gpt/index.md",
        'See [one]({{< ref "/posts/transformers/index" >}} "Transformers"), '
        '[two]({{< relref "../other.md" >}}), [three]({{< ref "/posts/transformers" >}}) '
        'and [gone]({{< ref "/posts/none" >}}).\n',
        title="G",
        date="2024-01-03",
    )
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/gpt/index.html")
    assert (
        page.count('href="../../posts/transformers/"') == 2 and 'href="../../posts/other/"' in page
    )
    assert "{{" not in page.split('<section class="cite"')[0]
    assert "link to '../none.md' points to no post" in run.err


@pytest.mark.parametrize(
    ("line", "player"),
    [
        ("{{< video https://youtu.be/xUUB11yeMmc >}}", "www.youtube.com/embed/xUUB11yeMmc"),
        ('{{< video https://www.youtube.com/watch?v=4dUFIRj-BWo title="Talk" start="30" >}}',
         "www.youtube.com/embed/4dUFIRj-BWo?start=30"),
        ("{{< youtube w7Ft2ymGmfc >}}", "www.youtube.com/embed/w7Ft2ymGmfc"),
        ('{{< youtube id="w7Ft2ymGmfc" >}}', "www.youtube.com/embed/w7Ft2ymGmfc"),
        ("{{< vimeo 146022717 >}}", "player.vimeo.com/video/146022717"),
        ('{% include youtubePlayer.html id="i6K3GI2_EgU" %}', "www.youtube.com/embed/i6K3GI2_EgU"),
        ("{{< video clip.mp4 >}}", '<video src="clip.mp4" title="Video" controls>'),
    ],
)  # fmt: skip
def test_a_video_on_a_line_of_its_own_is_its_player(site, line, player):
    """Quarto's ``video``, Hugo's ``youtube`` and ``vimeo`` and Jekyll themes' YouTube
    include were shown as written with a warning (27 videos of a Quarto blog, 20 of a
    Jekyll one): each is the player its generator made."""
    html, err = build_one(site, f"Watch:\n\n{line}\nAs shown.\n\n  {line}\n")
    assert html.count('<div class="video">') == 2 and html.count(player) == 2, html
    assert "{{&lt;" not in html and "{%" not in html
    assert "warning" not in err
    assert "<p>As shown.</p>" in html


def test_quartos_conditional_content_shows_as_in_its_html(site):
    """``::: {.content-visible unless-format="pdf"}`` was unwrapped with a warning on
    every use (12 in one Quarto blog), and content meant for the PDF alone was shown;
    ``::: callout-warning`` (Pandoc's one-word class) was no callout."""
    html, err = build_one(
        site,
        """\
        ::: {.content-visible unless-format="pdf"}
        For the web.
        :::

        ::: {.content-visible when-format="pdf"}
        For the PDF.
        :::

        ::: {.content-hidden when-format="html"}
        Hidden here.
        :::

        ::: callout-warning
        Mind the cache.
        :::
        """,
        name="moved.qmd",
    )
    assert "<p>For the web.</p>" in html
    assert "PDF" not in html and "Hidden" not in html
    assert "admonition warning" in html and "Mind the cache." in html
    assert "warning:" not in err, err


def test_markdown_inside_a_div_of_a_qmd_post_is_read_as_pandoc_does(site):
    """Pandoc reads Markdown in HTML blocks: a Quarto blog's call to action in a
    ``<div>`` showed its links as ``[text](url)`` (32 links in 9 posts). In other posts
    HTML blocks stay as CommonMark keeps them."""
    body = (
        '<div class="cta" style="text-align: center;">\n'
        "<strong>See our [course](https://example.com/c).</strong>\n"
        "</div>\n\nAfter.\n"
    )
    html, err = build_one(site, body, name="cta.qmd")
    assert '<a href="https://example.com/c">course</a>' in html
    assert '<div class="cta" style="text-align: center;">' in html and "</div>" in html
    assert "<p>After.</p>" in html and "warning" not in err
    html, _ = build_one(site, body, name="plain.md")
    assert "[course](https://example.com/c)" in html


def test_hugo_themes_block_shortcodes_are_callouts_folds_math_and_tabs(site):
    """The paired shortcodes of popular Hugo themes (LoveIt's admonition, PaperMod's
    collapse, hugo-book's hint, details and tabs, Docsy's alert, Hextra's callout, the
    Learn theme's notice, katex) were shown as written with a warning each."""
    html, err = build_one(
        site,
        """\
        {{< admonition type=tip title="Mixed precision" open=true >}}
        Use **bf16** to save memory.
        {{< /admonition >}}

        {{< admonition warning "Careful" false >}}
        Folded.
        {{< /admonition >}}

        {{% notice info %}}
        A *note*.
        {{% /notice %}}

        {{< hint danger >}}
        Danger.
        {{< /hint >}}

        {{% alert title="Heads up" color="warning" %}}
        Docsy.
        {{% /alert %}}

        {{< collapse summary="Show the code" >}}
        ```python
        import torch
        ```
        {{< /collapse >}}

        {{< details "Open one" open >}}
        Shown at first.
        {{< /details >}}

        {{< katex display >}}
        \\sum_i x_i
        {{< /katex >}}

        {{< tabs "frameworks" >}}
        {{< tab "PyTorch" >}}
        Torch text.
        {{< /tab >}}
        {{< tab "JAX" >}}
        Jax text.
        {{< /tab >}}
        {{< /tabs >}}

        ```markdown
        {{< hint info >}}
        In code: as written.
        {{< /hint >}}
        ```
        """,
    )
    assert "warning" not in err, err
    assert re.search(
        r'<div class="admonition tip">\s*<p class="admonition-title">Mixed precision</p>\s*'
        r"<p>Use <strong>bf16</strong>",
        html,
    )
    assert re.search(r'<details class="admonition warning">\s*<summary[^>]*>Careful<', html)
    assert '<div class="admonition info">' in html and "<em>note</em>" in html
    assert '<div class="admonition danger">' in html
    assert re.search(r'<div class="admonition warning">\s*<p[^>]*>Heads up</p>', html)
    assert re.search(r'<details class="admonition note">\s*<summary[^>]*>Show the code<', html)
    assert 'data-lang="python"' in html.split("Show the code")[1].split("</details>")[0]
    assert re.search(
        r'<details class="admonition note" open(?:="")?>\s*<summary[^>]*>Open one<', html
    )
    assert html.count('<div class="math-display">') == 1 and "<munder><mo>" in html
    assert "<strong>PyTorch</strong>" in html and "<strong>JAX</strong>" in html
    assert "Torch text." in html and "Jax text." in html
    assert "{{&lt; hint info &gt;}}" in html, "a shortcode in a code block stays as written"
    assert "{{&lt;" not in html.replace("{{&lt; hint info &gt;}}", "").replace(
        "{{&lt; /hint &gt;}}", ""
    )


def test_what_a_callout_holds_is_made_ours_like_any_other_line(site):
    """A callout's body was skipped by the migration: a shortcode, a Liquid tag or a
    highlight tag inside a Quarto, MyST or Hugo callout was neither made ours nor said."""
    html, err = build_one(
        site,
        """\
        ::: {.callout-tip title="Watch"}
        {{< video https://youtu.be/dQw4w9WgXcQ >}}

        {% highlight python %}
        x = 1
        {% endhighlight %}

        {{< hint warning >}}
        Nested {{< tweet user="a" id="1" >}}
        {{< /hint >}}
        :::
        """,
    )
    assert re.search(
        r'<div class="admonition tip">\s*<p[^>]*>Watch</p>\s*<div class="video">', html
    )
    assert 'src="https://www.youtube.com/embed/dQw4w9WgXcQ"' in html
    inner = html.split('<div class="admonition tip">')[1]
    assert 'data-lang="python"' in inner and '<div class="admonition warning">' in inner
    assert "content/moved.md:14: warning: Hugo shortcode {{< tweet >}} is not supported" in err


def test_callouts_nest_eight_deep_and_deeper_openers_show_as_written():
    body = "{{< hint info >}}\n" * 20 + "x\n" + "{{< /hint >}}\n" * 20
    moved = migrate(body, "p.md", 1)
    assert moved.text.count("!!! info") == 8
    assert moved.text.count("\n") == body.count("\n")
    assert max(len(line) for line in moved.text.split("\n")) < 80


def test_quarto_cross_references_tabsets_and_pandoc_spans(site):
    """Quarto's @fig-x, @sec-x and @eq-x (with $$ ... $$ {#eq-x}) were shown as text
    (and @fig-x, once @-citations came, taken for a citation); a tabset showed its tabs as
    headings with a warning; `code`{.python} and [text]{.mark} showed their braces; a
    bare width (width=300) gave CSS without a unit, which browsers drop."""
    site.write("content/plot.png", _png(4, 2))
    html, err = build_one(
        site,
        """\
        ![Loss curve](plot.png){#fig-loss width=300}

        ## Method {#sec-method}

        $$
        L = -\\log p
        $$ {#eq-nll}

        $$ a = b $$ {#eq-two}

        As @fig-loss shows, see @sec-method, @eq-nll and @eq-two.

        ::: {.panel-tabset}
        ## PyTorch
        Torch text.

        ```python
        # a comment, no tab
        ```
        ## JAX
        Jax text.
        :::

        Inline `x = 1`{.python} and [marked]{.mark}.
        """,
        name="q.qmd",
    )
    assert "warning" not in err, err
    assert 'style="width: 300px"' in html
    assert '<a href="#fig-loss">Figure 1</a>' in html
    assert '<a href="#sec-method">Method</a>' in html
    assert '<a class="eqref" href="#eq-nll">(1)</a>' in html
    assert '<a class="eqref" href="#eq-two">(2)</a>' in html
    assert 'id="eq-nll"' in html and "{#eq" not in html
    assert "<strong>PyTorch</strong>" in html and "<strong>JAX</strong>" in html
    assert "<h2" not in html.split("Method")[1], "the tabs are no headings"
    assert "# a comment, no tab" in html
    assert 'Inline <code>x = 1</code> and <span class="mark">marked</span>.' in html


def test_pandoc_table_captions_number_the_table_and_quarto_links_to_it(site):
    html, err = build_one(
        site,
        """\
        | model | acc |
        |-------|-----|
        | MLP   | 0.9 |

        : Accuracy on the *test* set {#tbl-acc}

        Table: Caption before.

        | a |
        |---|
        | 1 |

        | plain |
        |-------|
        | 3     |

        As @tbl-acc shows, and [](#table-2).
        """,
        name="t.qmd",
    )
    assert "warning" not in err, err
    assert re.search(
        r'<figure class="figure table-figure" id="tbl-acc"><figcaption><span class='
        r'"figure-number">Table 1.</span> Accuracy on the <em>test</em> set</figcaption>\s*'
        r"<table>",
        html,
    )
    assert '<figure class="figure table-figure" id="table-2">' in html
    assert html.count("<figure") == 2 and "Caption before" not in html.split("<figure")[0]
    assert '<a href="#tbl-acc">Table 1</a> shows, and <a href="#table-2">Table 2</a>' in html
    assert ": Accuracy" not in html and "{#tbl" not in html


def test_distill_footnotes_and_math_tags_are_ours(site):
    """al-folio's distill posts: <d-footnote> showed its text in the middle of the
    sentence, <d-math> its TeX."""
    html, err = build_one(
        site,
        """\
        A claim<d-footnote>A note with $x^2$.</d-footnote> and <d-math>\\alpha + 1</d-math>.

        <d-math block>E = mc^2</d-math>

        In code: `<d-footnote>kept</d-footnote>`.
        """,
    )
    assert "warning" not in err, err
    assert re.search(r'A claim<sup class="footnote-ref">.*<span class="sidenote"', html)
    assert "A note with <math" in html and "<d-footnote>A note" not in html
    assert 'and <math display="inline">' in html and "\\alpha" not in html
    assert '<math display="block">' in html
    assert "<code>&lt;d-footnote&gt;kept&lt;/d-footnote&gt;</code>" in html


def test_a_post_on_x_is_a_quoted_link_not_liquid_or_a_shortcode(site):
    html, err = build_one(
        site,
        """\
        {% twitter https://twitter.com/karpathy/status/1617979122625712128 maxwidth=500 %}

        {{< tweet user="ylecun" id="1234" >}}

        Inline {{< tweet user="a" id="1" >}} stays, with a warning.
        """,
    )
    assert (
        '<blockquote class="tweet"><p><a href="https://twitter.com/karpathy/status/'
        '1617979122625712128">A post on X by @karpathy</a></p></blockquote>'
    ) in html
    assert '<a href="https://x.com/ylecun/status/1234">A post on X by @ylecun</a>' in html
    assert err.count("warning") == 1 and "{{< tweet >}} is not supported" in err, err


def test_a_shortcode_whose_arguments_run_on_to_later_lines_is_read_as_one(site):
    """Hugo reads a shortcode's arguments across lines (``{{< figure`` then ``src=..``
    lines, then ``>}}``): it was shown as broken text, its ``>}}`` a blockquote, with no
    warning."""
    site.write("content/loss.png", b"\x89PNG\r\n\x1a\n")
    html, err = build_one(
        site,
        """\
        Before.

        {{< figure
            src="loss.png"
            caption="Training loss"
        >}}

        {{< youtube
          id="dQw4w9WgXcQ" >}}

        {{< admonition
            type=tip title="Mixed precision" >}}
        Use **bf16**.
        {{< /admonition >}}

        {{< github
        repo="karpathy/nanoGPT"
        >}}

        ```text
        {{< figure
        src="kept.png"
        >}}
        ```

        After.
        """,
    )
    assert '<img src="../../loss.png"' in html and "Training loss</figcaption>" in html
    assert "youtube.com/embed/dQw4w9WgXcQ" in html
    assert re.search(
        r'<div class="admonition tip">\s*<p class="admonition-title">Mixed precision</p>\s*'
        r"<p>Use <strong>bf16</strong>",
        html,
    )
    assert "<blockquote>" not in html
    assert "{{&lt; github repo=&quot;karpathy/nanoGPT&quot; &gt;}}" in html
    assert "{{&lt; figure\nsrc=&quot;kept.png&quot;\n&gt;}}" in html, "code is as written"
    assert "moved.md:21: warning: Hugo shortcode {{< github >}}" in err
    assert err.count("warning") == 1, err


def test_a_box_shortcode_is_a_callout(site):
    """``{{< box info >}}`` ... ``{{< /box >}}``, many Hugo sites' boxed aside, was shown
    as written with a warning; a first argument that names no kind is its title."""
    html, err = build_one(
        site,
        """\
        {{< box info >}}
        The **hypothesis**.
        {{< /box >}}

        {{< box "Related posts" >}}
        A list.
        {{< /box >}}
        """,
    )
    assert "warning" not in err, err
    assert re.search(r'<div class="admonition info">\s*<p[^>]*>Info</p>\s*<p>The <strong>hyp', html)
    assert re.search(r'<div class="admonition note">\s*<p[^>]*>Related posts</p>', html)


def test_hugo_blox_spoiler_folds_and_its_toc_shortcode_goes(site):
    """Hugo Blox (Wowchemy), the academic theme: ``{{< spoiler text=".." >}}`` folds and
    ``{{< toc >}}`` places the contents, which every post page has; both were shown as
    written with a warning."""
    html, err = build_one(
        site,
        """\
        {{< toc mobile_only=true is_open=true >}}

        ## Quiz

        {{< spoiler text="Click to view the solution" >}}
        It is **42**.
        {{< /spoiler >}}
        """,
    )
    assert "warning" not in err, err
    assert "{{&lt;" not in html
    assert re.search(
        r'<details class="admonition note">\s*<summary[^>]*>Click to view the solution<', html
    )
    assert "<strong>42</strong>" in html


def test_mdx_posts_are_read_and_their_components_shown_as_their_generator_showed(site):
    """``.mdx`` posts (Astro, Next.js, Docusaurus, the Hugging Face course) were no posts
    at all, without a word. Imports and comments show nothing; image, video, callout and
    tab components become ours; any other component shows nothing, with a warning."""
    site.write("static/img/aids.png", b"\x89PNG\r\n\x1a\n")
    site.write(
        "content/gan.mdx",
        """\
        ---
        title: GAN in PyTorch
        pubDate: 2017-01-20
        ---

        import BlogImage from "@/components/BlogImage.astro";
        import {
          Tabs,
          TabItem,
        } from "@theme/Tabs";

        {/* a note to self */}

        export const meta = {
          authors: ["a"],
        }

        We then
        export the model.

        ## Setup[[setup]]

        <BlogImage
          imagePath='/img/aids.png'
          altText='Intermediate distributions.'
        />

        <Youtube id="1pedAIvTWXk"/>

        <Tip warning={true}>
        Mind the **learning rate**.
        </Tip>

        <Tabs>
        <TabItem value="pt" label="PyTorch">
        Torch text.
        </TabItem>
        </Tabs>

        {#if fw === 'pt'}
        Use `torch`.
        {:else}
        Use `tf`.
        {/if}

        <Question
          choices={[
            {text: "A {nested} choice", correct: true},
          ]}
        />

        ```js
        import x from "y";
        <Kept />
        ```
        """,
    )
    run = site.build()
    assert run.code == 0, run.err
    html = article(site.page("posts/gan/index.html"))
    assert "import" not in html.split("<pre")[0] and "note to self" not in html
    assert "authors" not in html and "We then\nexport the model.</p>" in html
    assert 'id="setup"' in html and "[[" not in html
    assert '<img src="../../img/aids.png" alt="Intermediate distributions."' in html
    assert "youtube.com/embed/1pedAIvTWXk" in html
    assert re.search(r'<div class="admonition warning">[\s\S]*<strong>learning rate', html)
    assert "<strong>PyTorch</strong>" in html and "Torch text." in html
    assert "<strong>TensorFlow</strong>" in html and "<code>tf</code>" in html
    assert "{#if" not in html and "{/if}" not in html and "choices" not in html
    assert '<span class="nx">Kept</span>' in html and ">import</span>" in html, "code stays"
    assert run.lines == [
        "content/gan.mdx:46: warning: MDX component <Question /> is not supported; it shows "
        "nothing: replace it with Markdown or HTML"
    ], run.err
    assert '<time datetime="2017-01-20' in site.page("posts/gan/index.html")


def test_a_sites_own_image_shortcode_on_its_line_is_a_figure(site):
    """A site's own image shortcode (``{{< lightbox src=.. caption=.. >}}``, ``{{< media
    src=.. >}}``), alone on its line, was shown as written with a warning: its ``src`` is
    an image, so it is a figure; one whose ``src`` is no image is still said."""
    site.write("content/fidelity.png", b"\x89PNG\r\n\x1a\n")
    html, err = build_one(
        site,
        """\
        {{< lightbox src="fidelity.png" alt="Calibration" caption="Mean field." >}}

        {{< media src="clip.mp4" >}}
        """,
    )
    assert re.search(r'<img src="../../fidelity.png" alt="Calibration"', html)
    assert "Mean field.</figcaption>" in html
    assert err.count("warning") == 1 and "{{< media >}}" in err, err


def test_hugo_inline_katex_raw_html_and_mermaid_shortcodes_are_ours(site):
    """hugo-book's inline ``{{< katex >}}x^2{{< /katex >}}``, PaperMod blogs'
    ``{{< rawhtml >}}`` wrapper and ``{{< mermaid >}}`` diagrams were shown as written."""
    html, err = build_one(
        site,
        """\
        Inline {{< katex >}}x^2{{< /katex >}} math.

        {{< rawhtml >}}
        <div class="note"><b>Raw</b> block</div>
        {{< /rawhtml >}}

        {{< mermaid >}}
        graph LR; A-->B
        {{< /mermaid >}}
        """,
    )
    assert "warning" not in err, err
    assert "{{&lt;" not in html
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in html
    assert '<div class="note"><b>Raw</b> block</div>' in html
    assert '<pre class="mermaid" tabindex="0">graph LR; A--&gt;B' in html


def test_chirpys_prompts_are_callouts(site):
    """Chirpy, the most used Jekyll theme, writes callouts as a blockquote followed by
    ``{: .prompt-tip }``: it showed as a plain quote."""
    html, err = build_one(
        site,
        """\
        Intro.

        > Use **bf16** for training
        > on two lines.
        {: .prompt-tip }

        Text right before.
        > A quote that stays one.
        {: .prompt-warning }
        """,
    )
    assert "warning" not in err, err
    assert re.search(
        r'<div class="admonition tip">\s*<p class="admonition-title">Tip</p>\s*'
        r"<p>Use <strong>bf16</strong> for training\non two lines.</p>",
        html,
    )
    assert "<blockquote>\n<p>A quote that stays one.</p>" in html


def test_a_hugo_gist_on_its_line_is_githubs_embed(site):
    """``{{< gist user id >}}`` was shown as written with a warning; Hugo embeds the gist
    with GitHub's script, and so does the page now (a file named too)."""
    html, err = build_one(
        site,
        """\
        {{< gist karpathy d4dee566867f8291f086 >}}

        {{< gist spf13 7896402 "img.html" >}}
        """,
    )
    assert "warning" not in err, err
    assert '<script src="https://gist.github.com/karpathy/d4dee566867f8291f086.js">' in html
    assert '<script src="https://gist.github.com/spf13/7896402.js?file=img.html">' in html
