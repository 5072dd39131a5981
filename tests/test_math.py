"""Math at build time: TeX in Markdown becomes MathML, numbered, linked and never a crash."""

import re

import pytest

from tensorpress.markdown import make_parser, render
from tensorpress.mathml import expand_macros, macro_problem, to_mathml


def build_post(site, body, **meta):
    """Build one post; returns (page HTML, stderr)."""
    meta = {"title": "Maths", "date": "2024-01-01", "topics": "[training]", **meta}
    site.post("m.md", body, **meta)
    run = site.build()
    assert run.code == 0, run.err
    return site.page("posts/m/index.html"), run.err


def article(page):
    """The post body only: the template's own markup stays out of the assertions."""
    return page.split('class="prose', 1)[1].split("</article>", 1)[0]


def line_of(site, needle):
    text = (site.root / "content/m.md").read_text("utf-8")
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def render_body(body, macros=()):
    return render(make_parser(math_macros=macros), body, "content/m.md", 1)


def test_every_delimiter_renders_mathml(site):
    page, err = build_post(
        site,
        r"""
        Dollars $a^2$, brackets \(b^2\) and $$c^2$$ in a line.

        $$
        d^2
        $$

        \[
        e^2
        \]

        \begin{equation}
        f^2
        \end{equation}

        \begin{align}
        g &= 1 \\
        h &= 2
        \end{align}

        \begin{align*}
        i &= 3
        \end{align*}

        \begin{gather}
        j \\ k
        \end{gather}

        \begin{multline}
        l + m
        \end{multline}
        """,
    )
    body = article(page)
    # $$c^2$$ inside a sentence is inline, as kramdown sets it (compat.py)
    assert body.count('<math display="inline">') == 3
    assert body.count('<math display="block">') == 7
    assert "$" not in body and "\\(" not in body and "\\[" not in body and "\\begin" not in body
    assert "warning" not in err
    assert '<div class="math-display"><math display="block"><mrow><msup><mi>d</mi>' in body
    prose = body.split("in a line")[0]
    assert '<math display="inline"><mrow><msup><mi>c</mi>' in prose, "$$ in a sentence: inline"


def test_math_is_not_emphasis_and_dollar_amounts_stay_prose(site):
    page, _ = build_post(site, "Product $a_1 * b_2$ and $c_1 * d_2$.\n\nIt costs $5 and $10.\n")
    body = article(page)
    assert "<em>" not in body
    assert body.count("<math") == 2
    assert "It costs $5 and $10." in body


def test_a_formula_with_spaces_inside_is_math_when_it_looks_like_tex(site):
    """MathJax takes ``$ \\bar{L} $``, and ``$ q(x) $`` (no word in it: it was prose);
    prose with two spaced dollars stays prose."""
    page, err = build_post(
        site,
        "Loss $ \\bar{L} $ and $ y = 2 $.\n\nA good $ q(x) $ for a $ d $-sphere.\n\n"
        "It is $ 5 each, or $ 20 for all.\n",
    )
    body = article(page)
    assert body.count("<math") == 4 and "warning" not in err
    assert "<mi>q</mi>" in body and "$ q(x) $" not in body
    assert "It is $ 5 each, or $ 20 for all." in body


def test_dollars_pair_as_mathjax_and_pandoc_pair_them(site):
    """A formula may start after a digit (``2$\\times$``), not end before one; a pair that
    holds prose is no formula, and what follows its first dollar is read on: a link after
    it stays a link, a formula after it stays a formula."""
    page, err = build_post(
        site,
        "A 2$\\times$ speedup, then 10$\\times$.\n\n"
        "Set $x = $0.02 and see [the docs](https://example.org/a_b) for $y$.\n\n"
        "A price of $5, and $z$ is a formula.\n",
    )
    body = article(page)
    paragraphs = re.findall(r"<p>(.*?)</p>", body, re.S)
    assert [p.count("<math") for p in paragraphs] == [2, 1, 1], paragraphs
    assert 'Set $x = $0.02 and see <a href="https://example.org/a_b">the docs</a>' in body
    assert "A price of $5, and <math" in body and "warning" not in err


def test_code_spans_and_fences_keep_their_dollars(site):
    page, _ = build_post(site, "Code `$x$` and `\\(y\\)`.\n\n```text\n$$ z $$ and \\[ w \\]\n```\n")
    body = article(page)
    assert "<math" not in body
    assert "<code>$x$</code>" in body and "<code>\\(y\\)</code>" in body
    assert "$$ z $$ and \\[ w \\]" in body


def test_display_math_in_lists_and_blockquotes(site):
    page, err = build_post(
        site,
        """
        - item

          $$
          a = b
          $$

        > quoted
        >
        > $$
        > c = d
        > $$
        >
        > \\[
        > e = f
        > \\]
        """,
    )
    body = article(page)
    assert re.search(r"<li>.*<div class=\"math-display\"><math display=\"block\">", body, re.S)
    quote = body.split("<blockquote>", 1)[1].split("</blockquote>", 1)[0]
    assert quote.count('<math display="block">') == 2
    assert "&gt;" not in quote, "the quote markers are not part of the formula"
    assert "warning" not in err


def test_a_matrix_inside_an_inline_formula_does_not_swallow_what_follows(site):
    """An environment at the start of a line is a formula of its own only if its own
    ``\\end`` ends a line and no ``$`` is open before it: else it took everything up to
    the next line ending in its ``\\end`` (a section later), headings and code too."""
    page, err = build_post(
        site,
        """
        $\\lambda M =
        \\begin{bmatrix}
          a & b
        \\end{bmatrix}$

        ## Products

        $E = A
        \\begin{bmatrix}
          1
        \\end{bmatrix}
        \\begin{bmatrix}
          2
        \\end{bmatrix}$

        ```python
        A @ D
        ```

        \\begin{bmatrix}
          3
        \\end{bmatrix}
        """,
    )
    body = article(page)
    paragraphs = re.findall(r"<p>(.*?)</p>", body, re.S)
    assert [p.count('<math display="inline">') for p in paragraphs] == [1, 1], paragraphs
    assert '<h2 id="products">' in body and '<span class="o">@</span>' in body
    assert body.count('<math display="block">') == 1, "the matrix alone on its lines"
    assert "\\begin" not in body and "$" not in body and "warning" not in err


def test_a_post_defines_its_own_macros_as_mathjax_and_katex_let_it(site):
    """``\\newcommand``, ``\\def`` and ``\\DeclareMathOperator`` in a post's formulas
    (often a hidden block at the top) define macros for that post only; the formula that
    only defines shows nothing."""
    site.post("other.md", "Here $\\R$ is unknown.", title="Other", date="2024-02-01")
    page, err = build_post(
        site,
        """
        $$
        \\newcommand{\\R}{\\mathbb{R}}
        \\DeclareMathOperator*{\\argmax}{argmax}
        \\DeclareMathOperator{\\Var}{V\\!ar}
        \\def\\pair#1#2{(#1, #2)}
        \\newcommand{\\given}[1][\\mid]{\\,#1\\,}
        \\require{mathtools}
        $$

        Let $x \\in \\R^n$, $\\argmax_x \\Var f$, $\\pair{a}{b}$,
        $p(a \\given b)$, $q(a \\given[\\Vert] b)$.

        <div style="display: none">$\\newcommand{\\KL}{\\mathrm{KL}}$</div>

        $$\\KL(p \\Vert q) \\newcommand{\\loop}{\\loop}$$
        """,
    )
    body = article(page)
    assert "&#x0211D;" in body and "<msub><mi>argmax</mi><mi>x</mi></msub>" in body
    assert '<mi mathvariant="normal">V</mi><mspace width="-0.1667em" />' in body
    assert "<mi>KL</mi>" in body
    assert body.count('<math display="inline">') == 5 and body.count('<math display="block">') == 1
    assert "newcommand" not in body and "math-error" not in body and "mathtools" not in body
    assert "<mo>&#x02223;</mo>" in body and "&#x02016;" in body, "the default, then [\\Vert]"
    assert f"content/m.md:{line_of(site, 'KL(p')}: warning: macro \\loop uses itself" in err
    assert "content/m.md" not in err.replace(f"m.md:{line_of(site, 'KL(p')}:", ""), err
    assert "content/other.md:" in err and "unknown command \\R" in err, "a post's own only"


def test_macros_in_a_hidden_div_with_blank_lines_define_and_swallow_nothing(site):
    """al-folio posts keep MathJax macros in ``<div style="display: none">$$ ... $$</div>``
    with blank lines between them (kramdown kept the block whole): the closing ``$$``
    opened a formula that swallowed the headings and prose after it."""
    page, err = build_post(
        site,
        """
        <div style="display: none">
        $$
        \\newcommand{\\R}{\\mathbb{R}}

        \\def\\czero{0}
        $$
        </div>

        ## Overview

        Let $x \\in \\R$ and $\\czero$.
        """,
    )
    body = article(page)
    assert '<h2 id="overview">' in body and body.count('<math display="inline">') == 2
    assert "&#x0211D;" in body and "$$" not in body and "warning" not in err, err


def test_environments_in_raw_html_are_math_and_their_labels_are_known(site):
    """MathJax finds ``\\begin{equation}`` in a page's text: one on its own line in a
    ``<p>`` is numbered like any other (its label referenced), one deeper in the HTML is
    shown unnumbered; a ``\\label`` in a formula of raw HTML goes."""
    page, err = build_post(
        site,
        """
        <p>
        \\begin{equation}\\label{eq:loss}
        L = x^2
        \\end{equation}
        </p>

        See \\eqref{eq:loss}.

        <p class="framed">
            <b>Update:</b>
            \\begin{equation*}
            w = w - \\eta g
            \\end{equation*}
        </p>

        <div>$$ y \\label{eq:b} $$</div>
        """,
    )
    body = article(page)
    assert '<div class="math-display" id="eq-loss">' in body and '<span class="eq-no">(1)' in body
    assert '<a class="eqref" href="#eq-loss">(1)</a>' in body
    prose = body.split('<section class="cite"')[0]
    assert "\\begin" not in prose and "\\label" not in prose and "<pre" not in prose
    assert body.count('<math display="block">') == 3 and "warning" not in err, err


def test_labels_number_equations_and_references_link_to_them(site):
    page, err = build_post(
        site,
        r"""
        By \eqref{eq:loss}, and by \ref{eq:norm} (forward references work).

        $$
        L = \sum_i \ell_i \label{eq:loss}
        $$

        $$ \text{unnumbered} $$

        \begin{equation}
        x = 1
        \end{equation}

        \begin{align*}
        y &= 2
        \end{align*}

        \[ \lVert w \rVert \label{eq:norm} \]

        $$ z = 3 \tag{A} \label{eq:z} $$

        In math too: $a = \eqref{eq:loss}$.
        """,
    )
    body = article(page)
    assert "warning" not in err
    assert '<div class="math-display" id="eq-loss">' in body
    numbers = re.findall(r'<span class="eq-no">\((\w+)\)</span>', body)
    assert numbers == ["1", "2", "3", "A"], "labels and numbered environments, in order"
    assert '<a class="eqref" href="#eq-loss">(1)</a>' in body
    assert '<a class="eqref" href="#eq-norm">3</a>' in body
    assert '<mtext><a class="eqref" href="#eq-loss">(1)</a></mtext>' in body
    assert '<div class="math-display" id="eq-z">' in body
    assert "\\label" not in body and "\\eqref" not in body


def test_an_unknown_label_is_a_warning_with_its_line(site):
    page, err = build_post(site, "$$ a \\label{eq:a} $$\n\nSee\nalso \\eqref{eq:nope}.\n")
    line = line_of(site, "eq:nope")
    assert f"content/m.md:{line}: warning: \\eqref{{eq:nope}}: no equation has" in err
    assert "(labels: eq:a)" in err
    assert '<span class="eqref-missing" title="unknown label eq:nope">(??)</span>' in page


@pytest.mark.parametrize(
    ("tex", "why"),
    [
        (r"\frac{a", "'{' that is never closed"),
        (r"\left( x", r"\left without its \right"),
        (r"a^b^c", "double superscript"),
        (r"\undefinedthing x < y", r"unknown command \undefinedthing"),
        (r"\begin{pmatrix} a", r"\begin without its \end"),
    ],
)
def test_a_broken_formula_warns_at_its_line_and_shows_its_source(site, tex, why):
    page, err = build_post(site, f"Some prose.\n\nA paragraph\nover lines ${tex}$ here.\n")
    line = line_of(site, tex)
    warnings = [w for w in err.splitlines() if "cannot convert math" in w]
    assert len(warnings) == 1, err
    assert warnings[0].startswith(f"content/m.md:{line}: warning: cannot convert math (")
    assert why in warnings[0]
    body = article(page)
    shown = re.search(r'<code class="math-error" title="([^"]*)">([^<]*)</code>', body)
    assert shown and why.replace("'", "&#x27;") in shown.group(1)
    assert shown.group(2) == "$" + tex.replace("<", "&lt;") + "$"
    assert "here." in body


def test_a_broken_display_formula_keeps_its_box_and_number(site):
    page, err = build_post(site, "$$\n\\frac{a \\label{eq:bad}\n$$\n\nSee \\eqref{eq:bad}.\n")
    assert f"content/m.md:{line_of(site, '$$')}: warning: cannot convert math" in err
    body = article(page)
    assert '<div class="math-display" id="eq-bad"><code class="math-error"' in body
    assert '<span class="eq-no">(1)</span>' in body
    assert '<a class="eqref" href="#eq-bad">(1)</a>' in body


def test_text_inside_math_is_escaped():
    html = render_body(r"$\text{a<b & c} < d$").html
    assert "<b" not in html.replace("<mtext", "")
    assert "a&lt;b&#x000A0;&amp;&#x000A0;c" in html


def test_macros_expand_whole_control_words_only():
    macros = (("R", r"\mathbb{R}"), ("norm", r"\left\lVert #1 \right\rVert"))
    assert expand_macros(r"\R^n \Rightarrow \R", macros) == r"\mathbb{R}^n \Rightarrow \mathbb{R}"
    assert expand_macros(r"\norm{x+y}_2", macros) == r"\left\lVert x+y \right\rVert_2"
    assert expand_macros(r"\\R", macros) == r"\\R", r"\\ is a line break before R"
    html = render_body(r"$\R^n \Rightarrow \norm{x}$", macros).html
    assert "&#x0211D;" in html and "&#x021D2;" in html and "&#x02016;" in html
    assert "\\" not in html


def test_a_macro_that_uses_itself_is_a_warning_not_a_hang():
    assert macro_problem("R", r"\R x") == r"macro \R uses itself"
    assert to_mathml(r"\A", False, (("A", r"\B"), ("B", r"\A"))).error


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [
        ("R2", "x", "letters only"),
        ("R", r"\mathbb{R", "never closed"),
        ("R", r"\mathbb{R}", None),
    ],
)
def test_macro_problems(name, body, problem):
    found = macro_problem(name, body)
    assert found is None if problem is None else problem in found


def test_config_math_macros_are_checked_with_their_line(site):
    site.write(
        "tensorpress.yaml",
        """
        title: T
        math_macros:
          R: '\\mathbb{R}'
          'R2': x
        """,
    )
    site.post("m.md", "$\\R$", title="M", date="2024-01-01", topics="[cnn]")
    run = site.build()
    assert run.code != 0
    assert "tensorpress.yaml:2: error: macro name 'R2' must be letters only" in run.err


def test_config_math_macros_reach_the_posts(site):
    site.write("tensorpress.yaml", "math_macros:\n  R: '\\mathbb{R}'\n")
    page, err = build_post(site, "$x \\in \\R$")
    assert "&#x0211D;" in article(page), err


def test_conversion_is_memoised():
    to_mathml.cache_clear()
    for _ in range(3):
        to_mathml(r"\alpha + \beta", False, ())
    info = to_mathml.cache_info()
    assert (info.hits, info.misses) == (2, 1)


def test_letters_browsers_cannot_style_become_unicode_math_letters():
    html = to_mathml(r"\boldsymbol{\theta} \mathscr{L} \bm{x}", False).html
    assert "mathvariant" not in html
    assert "\U0001d73d" in html and "\u2112" in html and "\U0001d499" in html


def test_limits_go_under_operators_in_display_math():
    html = to_mathml(r"\max_i \lim_{n \to \infty} \operatorname*{argmin}_\theta", True).html
    assert html.count("<munder>") == 3 and "<msub>" not in html
    assert to_mathml(r"\max_i x", False).html.count("<msub>") == 1


def test_pages_link_the_math_stylesheet_and_ship_the_font(site):
    build_post(site, "$x$")
    files = site.files()
    assert "css/math.css" in files and "fonts/STIXMath-Regular.woff2" in files
    assert b"SIL OPEN FONT LICENSE" in files["fonts/OFL.txt"]
    assert b'url("../fonts/STIXMath-Regular.woff2")' in files["css/math.css"]
    assert 'href="../../css/math.css"' in site.page("posts/m/index.html")


def test_an_alignment_keeps_its_number_unless_every_row_says_nonumber():
    html = render_body(
        "\\begin{align}\na &= b \\nonumber \\\\\n&= c\n\\end{align}\n\n"
        "\\begin{align}\nd &= e \\notag\n\\end{align}\n"
    ).html
    assert html.count('<span class="eq-no">') == 1


def test_what_mathjax_blogs_write_converts_where_latex2mathml_alone_failed():
    """Lil'Log-style formulas: ``\\color{red}{x}`` in an aligned row (the colour ran on
    past ``&``), ``\\big\\vert`` and its kin (latex2mathml sizes characters only), and a
    ``cases`` row that starts with ``[`` (taken for an option the environment lacks)."""
    colored = to_mathml(
        r"\begin{aligned} =& \Big( \color{red}{b} \Big) & c \\ &= d \end{aligned}", True
    )
    assert colored.error == "" and 'mathcolor="red"' in colored.html
    assert colored.html.count("<mtd") == 5 and "<mi>&amp;</mi>" not in colored.html
    sized = to_mathml(
        r"\big\vert x \big\vert + \Bigg\langle y \Bigg\rangle + \big\| z \big\|", False
    )
    assert sized.error == "" and "\\" not in sized.html
    assert sized.html.count("|</mo>") == 2 and "\u27e8" in sized.html and "\u2016" in sized.html
    cases = to_mathml(r"g = \begin{cases} [1, 0] & p_1 \\ [0, 1] & p_2 \end{cases}", True)
    assert cases.error == "" and cases.html.count("<mtr") == 2 and "[</mo>" in cases.html
    switch = to_mathml(r"\begin{aligned} a &= {\color{blue} \frac{1}{2}} \end{aligned}", True)
    assert switch.error == "" and 'mathcolor="blue"' in switch.html and "<mfrac>" in switch.html
    braket = to_mathml(r"\set{x \mid x>0}", False)
    assert braket.error == "" and braket.html.count("&#x0007B;</mo>") == 1
    spaced = to_mathml(r"\begin{cases}1 & n=0,\\[0.5ex] 2r & n=1\end{cases}", True)
    assert spaced.error == "" and spaced.html.count("<mtr") == 2 and "ex" not in spaced.html


def test_formulas_in_the_text_of_raw_html_are_math_as_mathjax_finds_them():
    """A notebook's or a blog's HTML table with ``$Y$`` in a cell: MathJax renders it
    wherever it is; code, comments and prices stay as written."""
    rendered = render_body(
        "<table>\n<tr><td>One-hot $Y$</td><td>\\(a &lt; b\\)</td><td>$$\\sum_i x_i$$</td></tr>\n"
        "<tr><td>costs $5 and $10</td><td><code>$x$</code></td><td><!-- $q$ --></td></tr>\n"
        "<tr><td>$\\nosuch$</td></tr>\n</table>\n"
    )
    html = rendered.html
    assert html.count("<math") == 3 and '<math display="block">' in html
    assert "costs $5 and $10" in html and "<code>$x$</code>" in html and "<!-- $q$ -->" in html
    assert "<mo>&#x0003C;</mo>" in html, "entities are read back before the TeX is"
    assert [d.line for d in rendered.diagnostics] == [1] and "$\\nosuch$" in html


def test_an_escaped_underscore_is_a_subscript_outside_text(site):
    """Hugo's Markdown (and kramdown's, around single dollars) unescapes ``\\_`` before
    KaTeX or MathJax reads it, so such posts escape every subscript: ``$y\\_0$`` showed a
    literal underscore. With nothing to subscript it stays one; in text, ``\\_`` and
    ``\\%`` showed their backslash."""
    html, _ = build_post(
        site,
        r"""
        Take $y\_0$ and $\mathcal{G}\_{\theta}$, with $\text{max\_len}$ and $a \_ b$.

        And $p = \text{95\% CI}$.

        $$
        x^{t+1}\_{n} = \mathrm{lr\_init}
        $$
        """,
    )
    assert "<msub><mi>y</mi><mn>0</mn></msub>" in html
    assert re.search(r"<msub><mi>[^<]+</mi><mrow><mi>&#x003B8;</mi></mrow></msub>", html)
    assert re.search(r"<msubsup><mi>x</mi><mrow><mi>n</mi></mrow><mrow>", html)
    assert "<mtext>max_len</mtext>" in html and "<mtext>95%&#x000A0;CI</mtext>" in html
    assert "<mi>a</mi><mi>&#x0005F;</mi><mi>b</mi>" in html
    assert "<mi>lr_init</mi>" in html
    assert "&#x0005F;" not in html.split("max_len")[0], "no literal underscore before"


def test_an_environment_after_a_list_items_line_or_an_aligned_one_is_display_math(site):
    """MathJax sets ``\\begin{align}`` on the line after a list item's text, and a bare
    ``\\begin{aligned}`` after prose, as display formulas: both were raw TeX in the text."""
    html, err = build_post(
        site,
        r"""
        - We act on many patterns at once:
        \begin{align}
          \Xi = (\xi_{1}, \ldots, \xi_{S})
        \end{align}
        so that

        Taylor expansion gives
        \begin{aligned}
        f(x) &= f(\mu) + \nabla f(\mu)
        \end{aligned}

        Consider, with $a$ and $b$,
        $$
        \begin{aligned}
        h_0 &= 0
        \end{aligned}
        $$
        """,
    )
    body = article(html)
    assert "warning" not in err, err
    assert body.count('<div class="math-display">') == 2 and "\\begin" not in body
    assert body.count('<span class="math-display">') == 1 and "$$" not in body
    assert "<li>We act on many patterns at once:</li>" in body
    assert '<span class="eq-no">(1)</span>' in body and "(2)" not in body
