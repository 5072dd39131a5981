"""Jupyter notebooks as posts: outputs, tags, front matter, links and hostile files."""

from __future__ import annotations

import base64
import json
import re
import time
from html import unescape

import nbformat
import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from tensorpress.ansi import ansi_to_html, terminal_text
from tensorpress.cells import close_fences
from tensorpress.cli import main
from tensorpress.serve import classify

from .conftest import REPO, Site
from .linkcheck import broken_links

# A 2x3 PNG and a 4x2 GIF, small enough to read.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAADCAYAAAC56t6BAAAAEklEQVR4nGNgYGD4z8DAwMDAAAAXAAHvSlGUAAAAAElFTkSuQmCC"
)
JPEG_HEAD = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x05\x00\x07\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="4"/></svg>'
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
FRONT = "---\ntitle: A notebook\ndate: 2024-01-05\ntopics: [numpy]\n---"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_nb(site: Site, name: str, cells: list, metadata: dict | None = None) -> str:
    """Write a v4 notebook under content/; returns its path relative to the site."""
    nb = new_notebook(cells=cells, metadata=KERNEL if metadata is None else metadata)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    rel = f"content/{name}"
    site.write(rel, nbformat.writes(nb))
    return rel


def body(site: Site, slug: str) -> str:
    page = site.page(f"posts/{slug}/index.html")
    return page[page.index('<div class="prose post-body">') : page.index('<section class="cite"')]


def line_of(site: Site, rel: str, needle: str) -> int:
    text = (site.root / rel).read_text("utf-8")
    return text[: text.index(needle)].count("\n") + 1


# ---------------------------------------------------------------- outputs


def test_can_render_every_output_type_without_warnings(site):
    write_nb(
        site,
        "outputs.ipynb",
        [
            new_raw_cell(FRONT),
            new_markdown_cell("# A notebook\n\nEnergy is $E = mc^2$.\n\n## Results"),
            new_code_cell(
                "print('hi')\n1 + 1",
                execution_count=3,
                outputs=[
                    new_output("stream", name="stdout", text="hi\n\n\nafter blank lines\n"),
                    new_output("stream", name="stderr", text="careful <b>\n"),
                    new_output("execute_result", data={"text/plain": "2"}, execution_count=3),
                ],
            ),
            new_code_cell(
                "show()",
                execution_count=4,
                outputs=[
                    new_output("display_data", data={"image/png": b64(PNG), "text/plain": "F"}),
                    new_output("display_data", data={"image/jpeg": b64(JPEG_HEAD)}),
                    new_output("display_data", data={"image/svg+xml": SVG}),
                    new_output(
                        "display_data",
                        data={"image/png": b64(PNG)},
                        metadata={"image/png": {"width": 20, "height": 30}},
                    ),
                ],
            ),
            new_code_cell(
                "df",
                execution_count=5,
                outputs=[
                    new_output(
                        "execute_result",
                        data={
                            "text/html": '<table class="dataframe">\n\n<tr><td>1</td></tr>'
                            "\n\n</table>",
                            "text/plain": "   a\n0  1",
                        },
                        execution_count=5,
                    ),
                    new_output("display_data", data={"text/markdown": "**bold** and $x^2$"}),
                    new_output("display_data", data={"text/latex": r"\frac{a}{b}"}),
                ],
            ),
        ],
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    assert run.err == ""
    html = body(site, "outputs")
    assert '<div class="nb-prompt">In [3]:</div>' in html
    assert '<span class="nb">print</span>' in html  # highlighted as the kernel's language
    assert "hi\n\n\nafter blank lines</pre>" in html  # blank lines kept, block not broken
    assert 'class="nb-stream nb-stderr"' in html and "careful &lt;b&gt;" in html
    assert (
        '<div class="nb-prompt">Out [3]:</div><pre class="nb-result" tabindex="0">2</pre>' in html
    )
    assert (
        '<img src="output-4-1.png" alt="Output of In [4]" loading="lazy" width="2" height="3">'
        in html
    )
    assert 'src="output-4-2.jpg"' in html and 'width="7" height="5"' in html
    assert 'src="output-4-3.svg"' in html and 'width="40" height="30"' in html
    assert 'src="output-4-4.png"' in html and 'width="20" height="30"' in html
    assert '<table class="dataframe">\n\n<tr><td>1</td></tr>\n\n</table>' in html
    assert "<strong>bold</strong>" in html and html.count("<math") >= 3
    assert "<mfrac>" in html  # text/latex through the math pipeline
    assert "base64" not in html and "data:image" not in html
    assert (site.out / "posts/outputs/output-4-1.png").read_bytes() == PNG
    assert (site.out / "posts/outputs/output-4-2.jpg").read_bytes() == JPEG_HEAD
    assert (site.out / "posts/outputs/output-4-3.svg").read_text() == SVG
    assert broken_links(site.out) == []


def test_errors_keep_ansi_colours_and_long_tracebacks_fold(site):
    short = ["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"]
    long = [f"\x1b[0;32mframe {i}\x1b[0m" for i in range(80)] + short
    write_nb(
        site,
        "errors.ipynb",
        [
            new_raw_cell(FRONT),
            new_code_cell(
                "1/0",
                execution_count=1,
                outputs=[
                    new_output(
                        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=tb
                    )
                    for tb in (short, long)
                ],
            ),
        ],
    )
    assert site.build("--strict").code == 0
    html = body(site, "errors")
    assert '<div class="nb-error"><pre class="nb-traceback"' in html
    assert '<span class="ansi-red-fg">ZeroDivisionError</span>: division by zero' in html
    assert (
        '<details class="nb-error"><summary><span class="nb-error-name">'
        "ZeroDivisionError: division by zero</span>"
    ) in html
    assert '<span class="ansi-green-fg">frame 79</span>' in html  # folded whole, not cut
    assert "\x1b" not in html


def test_long_outputs_fold_and_huge_ones_are_cut_with_a_warning(site):
    rel = write_nb(
        site,
        "long.ipynb",
        [
            new_raw_cell(FRONT),
            new_code_cell(
                "for i in range(100): print(i)",
                execution_count=1,
                outputs=[
                    new_output("stream", name="stdout", text="".join(f"{i}\n" for i in range(100)))
                ],
            ),
            new_code_cell(
                "print(huge)",
                execution_count=2,
                outputs=[new_output("stream", name="stdout", text="y\n" * 50_000)],
            ),
        ],
    )
    run = site.build()
    assert run.code == 0, run.err
    html = body(site, "long")
    shown, _, folded = html.partition('<details class="nb-more"><summary>Show all (60 more lines)')
    assert "\n39</pre>" in shown and "\n40\n" not in shown
    assert folded.split("</details>")[0].startswith('</summary><pre class="nb-stream nb-stdout"')
    assert "\n99</pre>" in folded
    line = line_of(site, rel, '"print(huge)"')
    assert f"{rel}:{line}: warning: cell 3: output of 50,000 lines" in run.err
    assert "45,000 more lines not shown" in html
    assert html.count("y\n") < 5_100


def test_carriage_returns_rewrite_a_line_like_a_terminal():
    assert terminal_text("10%\r50%\r100%\ndone\r\n") == "100%\ndone\n"
    assert terminal_text("a\r") == "a"


def test_ansi_codes_become_spans_and_other_escapes_vanish():
    assert (
        ansi_to_html("\x1b[1;31mE\x1b[0m ok") == '<span class="ansi-red-fg ansi-bold">E</span> ok'
    )
    assert ansi_to_html("\x1b[38;5;196mx\x1b[39m") == '<span style="color:#ff0000">x</span>'
    assert ansi_to_html("\x1b[48;2;1;2;3mx") == '<span style="background-color:#010203">x</span>'
    assert ansi_to_html("\x1b[92mx\x1b[0m") == '<span class="ansi-green-intense-fg">x</span>'
    assert ansi_to_html("a\x1b[2Kb\x1b]0;title\x07c<") == "abc&lt;"


# ---------------------------------------------------------------- tags


def test_cell_tags_hide_or_remove_inputs_and_outputs(site):
    def cell(source: str, tag: str) -> dict:
        out = new_output("stream", name="stdout", text=f"out of {source}\n")
        return new_code_cell(source, metadata={"tags": [tag]}, execution_count=1, outputs=[out])

    write_nb(
        site,
        "tags.ipynb",
        [
            new_raw_cell(FRONT),
            cell("hidden_in", "hide-input"),
            cell("hidden_out", "hide-output"),
            cell("hidden_all", "hide-cell"),
            cell("removed_in", "remove-input"),
            cell("removed_out", "remove-output"),
            cell("removed_all", "remove-cell"),
            new_markdown_cell("Gone.", metadata={"tags": ["remove-cell"]}),
        ],
    )
    assert site.build("--strict").code == 0
    html = body(site, "tags")
    assert re.search(r'<details class="nb-hidden"><summary>Show code</summary>.*hidden_in', html)
    assert re.search(
        r'<summary>Show output</summary><div class="nb-outputs">.*out of hidden_out', html
    )
    assert re.search(r"<summary>Show cell</summary>.*hidden_all.*out of hidden_all", html, re.S)
    assert "out of removed_in" in html and "removed_in</span>" not in html
    assert "removed_out" in html and "out of removed_out" not in html
    assert "removed_all" not in html and "Gone." not in html


# ---------------------------------------------------------------- front matter


def test_fastpages_markers_and_quarto_options_hide_what_they_say(site):
    """``#hide``, ``#hide_input``, ``#collapse-hide`` (fastpages, nbdev's ``#|hide``) and
    Quarto's ``#| echo: false``, ``#| include: false``, ``#| code-fold: true`` do what
    they do there; the marker lines themselves are never shown."""

    def cell(source: str, name: str) -> dict:
        out = new_output("stream", name="stdout", text=f"out of {name}\n")
        return new_code_cell(f"{source}\nprint('{name}')", execution_count=1, outputs=[out])

    write_nb(
        site,
        "marks.ipynb",
        [
            new_raw_cell(FRONT),
            cell("#hide", "gone_a"),
            cell("#|hide", "gone_b"),
            cell("#| include: false", "gone_c"),
            cell("# hide_input", "in_a"),
            cell("#| echo: false\n#| label: fig-x", "in_b"),
            cell("#collapse-hide", "fold_a"),
            cell("#| code-fold: true", "fold_b"),
            cell("#hide_output", "out_a"),
            cell("# a comment, shown", "shown"),
        ],
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = body(site, "marks")
    for name in ("gone_a", "gone_b", "gone_c"):
        assert name not in html
    for name in ("in_a", "in_b"):
        assert f"out of {name}" in html and f"'{name}'" not in html.replace("&#39;", "'")
    for name in ("fold_a", "fold_b"):
        folded = rf"<summary>Show code</summary>.*{name}.*</details>.*out of {name}"
        assert re.search(folded, html, re.S)
    assert "out_a" in html and "out of out_a" not in html
    assert "a comment, shown" in html and "out of shown" in html
    assert "#hide" not in html and "#|" not in html and "collapse" not in html


def test_a_fastpages_notebook_reads_its_front_matter_cell(site):
    """fastpages' first cell (``# "Title"``, ``> summary``, ``- key: value``) is front
    matter: nothing of it is left in the body; its markdown cells read Jekyll's math."""
    write_nb(
        site,
        "2020-02-21-fp.ipynb",
        [
            new_markdown_cell(
                '# "TorchData: loading data"\n> "Pipes for datasets."\n\n'
                "- toc:true\n- author: Jane Roe\n- categories: [pytorch, data]\n"
            ),
            new_markdown_cell("The cost is \\\\(\\sum_i x_i\\\\) here."),
        ],
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    page = site.page("posts/fp/index.html")
    assert "<title>TorchData: loading data ·" in page and "&#34;" not in page.split("</title>")[0]
    assert 'content="Pipes for datasets."' in page and "Jane Roe" in page
    assert 'href="../../topics/pytorch/"' in page and "2020" in page
    html = body(site, "fp")
    assert "toc" not in html and "<blockquote>" not in html and "<h1" not in html
    assert "<math" in html and "\\(" not in html


MATH_DELIMITERS = r"""Interval \[ a^2 \] and f\(x^2\) here; code `\[y\]`.

\[
b^2 + c^2
\]

Doubled: \\[ d^2 \\] and \\( e_1 \\), braces \\(\{k\}\\).

Dollars $f^2$ and

$$g^2$$

<div>
\[h^2\]
</div>
"""


def _formulas(html: str) -> list[str]:
    """The text of each formula in ``html``: ``x2`` for ``x^2``."""
    return [unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<math.*?</math>", html)]


def test_markdown_cells_read_math_delimiters_as_jupyter_does(site):
    r"""Jupyter takes ``$``, ``$$``, ``\\[`` and ``\\(`` for math before Markdown reads the
    cell, which makes a single ``\[`` or ``\(`` an escaped bracket: the page shows what
    the notebook shows, and TeX between ``\\(`` and ``\\)`` as written. A Markdown post
    keeps ``\[`` and ``\(`` as math."""
    write_nb(site, "delims.ipynb", [new_raw_cell(FRONT), new_markdown_cell(MATH_DELIMITERS)])
    site.post("delims-md.md", MATH_DELIMITERS, title="Markdown", date="2024-01-06")
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = body(site, "delims")
    assert _formulas(html) == ["d2", "e1", "{k}", "f2", "g2", "h2"]
    assert "Interval [ a^2 ] and f(x^2) here" in html and "<code>\\[y\\]</code>" in html
    assert "<p>[\nb^2 + c^2\n]</p>" in html
    md = _formulas(body(site, "delims-md"))
    assert md == ["a2", "x2", "b2+c2", "d2", "e1", "k", "f2", "g2", "h2"]


def test_a_first_cell_with_prose_after_its_heading_is_not_front_matter(site):
    write_nb(site, "plain.ipynb", [new_markdown_cell("# Plain title\n\nSome prose.\n")])
    run = site.build()
    assert run.code == 0 and "using 'Plain title' from the first heading" in run.err, run.err
    assert "Some prose." in body(site, "plain")


def test_a_qmd_chunk_that_says_echo_or_include_false_is_not_shown(site):
    site.write(
        "content/q.qmd",
        """\
        ---
        title: Q
        date: 2024-01-05
        ---

        ```{python}
        #| include: false
        import secret_setup
        ```

        ```{python}
        #| echo: false
        plot_hidden()
        ```

        ```{python}
        #| label: shown
        visible()
        ```
        """,
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = site.page("posts/q/index.html")
    assert "secret_setup" not in html and "plot_hidden" not in html
    assert "visible" in html and "#|" not in html


def test_front_matter_from_notebook_metadata(site):
    write_nb(
        site,
        "meta.ipynb",
        [new_markdown_cell("Some prose about numpy arrays.")],
        {
            **KERNEL,
            "tensorpress": {"title": "From metadata", "date": "2023-04-01", "topics": ["cnn"]},
        },
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    page = site.page("posts/meta/index.html")
    assert '<h1 class="post-title">From metadata</h1>' in page
    assert 'datetime="2023-04-01' in page and "topics/cnn/" in page


def test_front_matter_from_a_first_markdown_cell_keeps_the_rest_as_body(site):
    write_nb(
        site,
        "cellfront.ipynb",
        [new_markdown_cell(FRONT + "\n\nThe body starts here."), new_code_cell("x = 1")],
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = body(site, "cellfront")
    assert "<p>The body starts here.</p>" in html and "title:" not in html
    assert "In [ ]:" in html


def test_bad_front_matter_in_a_cell_names_the_file_line(site):
    rel = write_nb(
        site,
        "badfront.ipynb",
        [new_raw_cell("---\ntitle: Fine\ndate: yesterday\n---"), new_markdown_cell("Text.")],
    )
    run = site.build()
    assert run.code == 1
    line = line_of(site, rel, '"date: yesterday')
    assert f"{rel}:{line}: error: 'date': 'yesterday' is not a date" in run.err


def test_an_unclosed_rule_in_a_markdown_cell_is_not_front_matter(site):
    write_nb(
        site,
        "rule.ipynb",
        [new_markdown_cell("---\n\nAfter a rule.")],
        {**KERNEL, "tensorpress": {"title": "Rule", "date": "2024-01-01", "topics": ["x"]}},
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    assert "<hr />\n<p>After a rule.</p>" in body(site, "rule")
    rel = write_nb(site, "rule.ipynb", [new_raw_cell("---\ntitle: x"), new_markdown_cell("Text.")])
    run = site.build()
    line = line_of(site, rel, '"---')
    assert f"{rel}:{line}: error: front matter opened with '---' is never closed" in run.err


def test_a_licence_between_rules_in_a_raw_cell_is_not_front_matter(site):
    # JAX's notebooks open with a raw cell of '---', the Apache licence, '---'
    licence = "---\nCopyright 2024 The Authors.\n\nLicensed under the Apache License: see\n\n---"
    rel = write_nb(
        site,
        "licensed.ipynb",
        [new_raw_cell(licence), new_markdown_cell("# Arrays\n\nText."), new_code_cell("x = 1")],
    )
    run = site.build()
    assert run.code == 0, run.err
    assert "error" not in run.err
    title_line = line_of(site, rel, '"# Arrays')
    assert f"{rel}:{title_line}: warning: no title in front matter; using 'Arrays'" in run.err
    assert "Copyright" not in body(site, "licensed")


def test_headings_answer_to_the_ids_jupyter_gives_them(site):
    # a notebook's table of contents links to Jupyter's ids: the text, spaces as '-'
    toc = "[Classification](#Classification:-Predicting-Labels) [Bayes](#Naive-Bayes)"
    cells = [new_markdown_cell(toc), new_markdown_cell("## Classification: Predicting Labels")]
    cells.append(new_markdown_cell("## Naive Bayes\n\n## Naive Bayes"))
    write_nb(site, "toc.ipynb", [new_raw_cell(FRONT), *cells])
    other = "[Bayes](toc.ipynb#Naive-Bayes)"
    front = FRONT.replace("A notebook", "Another")
    write_nb(site, "other.ipynb", [new_raw_cell(front), new_markdown_cell(other)])
    site.capsys.readouterr()
    code = main(["check", "-s", str(site.root), "--strict"])
    assert code == 0, site.capsys.readouterr()
    assert site.build("--strict").code == 0
    html = body(site, "toc")
    assert (
        '<h2 id="classification-predicting-labels"><span id="Classification:-Predicting-Labels">'
        in html
    )
    assert html.count('<span id="Naive-Bayes">') == 1  # ids stay unique


def test_missing_front_matter_is_inferred_with_warnings(site):
    rel = write_nb(
        site,
        "bare.ipynb",
        [
            new_markdown_cell("# Training a CNN\n\nA convolutional network with pooling layers."),
            new_code_cell("conv2d = 1\n# convolution and pooling again"),
        ],
    )
    run = site.build()
    assert run.code == 0, run.err
    title_line = line_of(site, rel, '"# Training a CNN')
    assert (
        f"{rel}:{title_line}: warning: no title in front matter; using 'Training a CNN' "
        f"from the first heading (line {title_line})"
    ) in run.err
    assert f"{rel}:1: warning: no date in front matter; using the file's modification" in run.err
    assert "no topics in front matter; inferred from the text: cnn" in run.err
    assert "topics/cnn/" in site.page("posts/bare/index.html")


DATED = {**KERNEL, "tensorpress": {"date": "2024-01-05", "topics": ["numpy"]}}
"""Metadata with all front matter but the title: the title is the one thing inferred."""


def test_a_bold_first_line_titles_a_notebook_over_a_generic_first_heading(site):
    """handson-ml3 opens with a bold line, then ``# Setup``: the bold line is the title
    (and is not repeated under it, nor as the summary); Setup stays a section."""
    rel = write_nb(
        site,
        "03_classification.ipynb",
        [
            new_markdown_cell(
                "**Chapter 3 \u2013 Classification**\n\n"
                "_This notebook contains the code of chapter 3._"
            ),
            new_markdown_cell("# Setup"),
            new_code_cell("import sys", execution_count=1),
            new_markdown_cell("# MNIST\n\nLet's load the data."),
        ],
        DATED,
    )
    run = site.build()
    assert run.code == 0, run.err
    line = line_of(site, rel, '"**Chapter 3')
    assert run.lines == [
        f"{rel}:{line}: warning: no title in front matter; using 'Chapter 3 \u2013 Classification' "
        f"from the bold first line (line {line}): add 'title:' to pin it"
    ]
    page = site.page("posts/03-classification/index.html")
    assert '<h1 class="post-title">Chapter 3 \u2013 Classification</h1>' in page
    html = body(site, "03-classification")
    assert "<strong>" not in html and "<em>This notebook contains" in html
    assert (
        '<h1 id="setup"><span id="Setup"></span>Setup' in html and 'href="#setup">Setup</a>' in page
    )  # in the TOC
    index = site.page("index.html")
    assert ">Chapter 3 \u2013 Classification</a></h2>" in index
    assert '<div class="summary prose"><p><em>This notebook contains' in index


@pytest.mark.parametrize(
    ("first", "title", "origin"),
    [
        # generic first headings yield to the file name, and the note says why
        ("# Setup\n\n# MNIST", "03 classification", "the file name (the first heading, "),
        ("## 1. Imports\n\n## Data", "03 classification", "the file name (the first heading, "),
        ("# Getting started:\n\n# Data", "03 classification", "the file name (the first heading, "),
        # ...unless it is the one top heading: it titles the page
        ("# Installation\n\n## With pip\n\n## With conda", "Installation", "the first heading"),
        # bold lines that are not titles: a label, a sentence, a generic name, text after it
        ("**Note:**\n\n# Training a CNN", "Training a CNN", "the first heading"),
        ("**Note**\n\n# Training a CNN", "Training a CNN", "the first heading"),
        ("**Run every cell in order.**\n\n# Training a CNN", "Training a CNN", "the first heading"),
        ("**Setup**\n\n# Training a CNN", "Training a CNN", "the first heading"),
        ("**Warning:** slow.\n\n# Training a CNN", "Training a CNN", "the first heading"),
        ("**A** and **B**\n\n# Training a CNN", "Training a CNN", "the first heading"),
        ("**" + "word " * 16 + "end**\n\n# Training a CNN", "Training a CNN", "the first heading"),
        # bold titles: underscores, escapes, code and a line of text after it
        ("__Tools \\- `NumPy`__\n\n# Arrays", "Tools - NumPy", "the bold first line"),
        ("**Math: Linear Algebra**\nVectors and matrices.", "Math: Linear Algebra", "the bold"),
    ],
)
def test_which_line_titles_a_notebook_without_one(site, first, title, origin):
    write_nb(site, "03_classification.ipynb", [new_markdown_cell(first)], DATED)
    run = site.build()
    assert run.code == 0, run.err
    assert f"no title in front matter; using {title!r} from {origin}" in run.err, run.err
    page = site.page("posts/03-classification/index.html")
    assert f'<h1 class="post-title">{title}</h1>' in page


def test_a_markdown_post_takes_its_title_by_the_same_rule(site):
    """One inference serves Markdown posts and notebooks alike."""
    site.write(
        "content/2024-03-01-adam.md",
        "---\ndate: 2024-03-01\ntopics: [training]\n---\n\n"
        "**Adam, step by step**\n\nMomentum and scale, derived.\n\n## Setup\n\nText.\n",
    )
    site.write("content/2024-03-02-sgd.md", "## Setup\n\nText.\n\n## The update\n\nMore.\n")
    run = site.build()
    assert run.code == 0, run.err
    assert (
        "content/2024-03-01-adam.md:6: warning: no title in front matter; using "
        "'Adam, step by step' from the bold first line (line 6)" in run.err
    )
    assert (
        "content/2024-03-02-sgd.md:1: warning: no title in front matter; using 'Sgd' from the "
        "file name (the first heading, 'Setup' (line 1), names a section)" in run.err
    )
    html = site.page("posts/adam/index.html")
    assert '<h1 class="post-title">Adam, step by step</h1>' in html
    assert "<strong>Adam" not in html and "<p>Momentum and scale, derived.</p>" in html
    assert '<div class="summary prose"><p>Momentum and scale' in site.page("index.html")


# ---------------------------------------------------------------- links and the rest of the site


def test_download_and_colab_links(site):
    site.write("tensorpress.yaml", "notebook_repo: https://github.com/org/blog/tree/main/site\n")
    write_nb(site, "nb/colab.ipynb", [new_raw_cell(FRONT), new_markdown_cell("Hi.")])
    run = site.build("--strict")
    assert run.code == 0, run.err
    page = site.page("posts/colab/index.html")
    assert '<a href="../../posts/colab/colab.ipynb" download>Download notebook</a>' in page
    assert (
        '<a href="https://colab.research.google.com/github/org/blog/blob/main/site/'
        'content/nb/colab.ipynb">Open in Colab</a>'
    ) in page
    assert 'href="../../css/notebook.css"' in page
    assert "notebook.css" not in site.page("index.html")
    copied = site.out / "posts/colab/colab.ipynb"
    assert copied.read_bytes() == (site.root / "content/nb/colab.ipynb").read_bytes()


def test_notebook_repo_must_be_a_github_branch_url(site):
    site.write("tensorpress.yaml", "notebook_repo: https://gitlab.com/org/blog\n")
    site.post("a.md", title="A", date="2024-01-01", topics="[x]")
    run = site.build()
    assert run.code == 1
    assert (
        "tensorpress.yaml:1: error: notebook_repo 'https://gitlab.com/org/blog' must be" in run.err
    )


def test_notebooks_join_topics_feeds_search_and_links_from_markdown(site):
    write_nb(site, "nb.ipynb", [new_raw_cell(FRONT), new_markdown_cell("Searchable words here.")])
    site.post(
        "other.md",
        "See [the notebook](nb.ipynb).",
        title="Other",
        date="2024-01-02",
        topics="[numpy]",
    )
    assert site.build("--strict").code == 0
    assert "posts/nb/" in site.page("topics/numpy/index.html")
    assert "A notebook" in site.page("feed.xml")
    index = json.loads(site.page("search.json"))
    assert any(e["t"] == "A notebook" and "Searchable words" in e["x"] for e in index)
    assert 'href="../../posts/nb/"' in site.page("posts/other/index.html")


def test_images_are_written_when_the_body_comes_from_the_cache(site):
    write_nb(
        site,
        "cached.ipynb",
        [
            new_raw_cell(FRONT),
            new_markdown_cell("See [other](other.md)."),
            new_code_cell(
                "p",
                execution_count=1,
                outputs=[new_output("display_data", data={"image/png": b64(PNG)})],
            ),
        ],
    )
    site.post("other.md", title="Other", date="2024-01-02", topics="[numpy]")
    assert site.build("--strict").code == 0
    (site.out / "posts/cached/output-3-1.png").unlink()
    (site.out / ".tensorpress-manifest.json").unlink()
    run = site.build("--strict")  # bodies from .tensorpress-cache/, images from the notebook
    assert run.code == 0, run.err
    assert (site.out / "posts/cached/output-3-1.png").read_bytes() == PNG
    assert site.build("--strict").code == 0


def test_markdown_cell_attachments_become_files(site):
    cell = new_markdown_cell("![diagram](attachment:my%20diagram.png)")
    cell["attachments"] = {"my%20diagram.png": {"image/png": b64(PNG)}}
    write_nb(site, "attach.ipynb", [new_raw_cell(FRONT), cell])
    run = site.build("--strict")
    assert run.code == 0, run.err
    assert 'src="attachment-2-my-20diagram.png"' in body(site, "attach")
    assert (site.out / "posts/attach/attachment-2-my-20diagram.png").read_bytes() == PNG


def test_data_uri_images_in_markdown_cells_become_files(site):
    """An image pasted into a markdown cell as a ``data:`` URI is a file beside the
    page, like an output image, not base64 in the page; a broken one stays as written."""
    cell = new_markdown_cell(
        f"![plot](data:image/png;base64,{b64(PNG)}) and ![bad](data:image/png;base64,@@@)"
    )
    write_nb(site, "inline.ipynb", [new_raw_cell(FRONT), cell])
    run = site.build()
    assert run.code == 0, run.err
    html = body(site, "inline")
    assert 'src="image-2-1.png"' in html and b64(PNG) not in html
    assert (site.out / "posts/inline/image-2-1.png").read_bytes() == PNG


def test_serve_treats_notebooks_as_content_and_skips_checkpoints(tmp_path):
    kinds = classify(["content/a.ipynb", "content/.ipynb_checkpoints/a-checkpoint.ipynb"], tmp_path)
    assert kinds.content == ("content/a.ipynb",)


def test_an_unclosed_fence_ends_with_its_cell():
    assert close_fences("```python\nx = 1") == "```python\nx = 1\n```\n"
    assert close_fences("````\n```\n````\n") == "````\n```\n````\n"
    assert close_fences("~~~\n```\n") == "~~~\n```\n~~~\n"


def test_a_cell_with_an_open_fence_does_not_swallow_the_next_cell(site):
    write_nb(
        site,
        "fence.ipynb",
        [
            new_raw_cell(FRONT),
            new_markdown_cell("```text\nleft open"),
            new_code_cell("y = 2", execution_count=1),
        ],
    )
    assert site.build("--strict").code == 0
    assert '<div class="nb-cell"><div class="nb-input">' in body(site, "fence")


def test_markdown_diagnostics_point_at_the_notebook_line(site):
    rel = write_nb(
        site,
        "lines.ipynb",
        [
            new_raw_cell(FRONT),
            new_code_cell("a = 1"),
            new_markdown_cell("Intro.\n\nMore.\n\n```nosuchlang\nx\n```"),
        ],
    )
    run = site.build()
    line = line_of(site, rel, '"```nosuchlang')
    assert f"{rel}:{line}: warning: unknown code language 'nosuchlang'" in run.err


def test_kernel_language_drives_highlighting_and_its_absence_is_a_warning(site):
    meta = {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}
    write_nb(site, "r.ipynb", [new_raw_cell(FRONT), new_code_cell("x <- c(1, 2)")], meta)
    write_nb(
        site,
        "none.ipynb",
        [new_raw_cell(FRONT.replace("A notebook", "B")), new_code_cell("x = 1")],
        {},
    )
    named = {"kernelspec": {"name": "ir", "display_name": "R"}}  # the name alone
    write_nb(
        site,
        "named.ipynb",
        [new_raw_cell(FRONT.replace("A notebook", "C")), new_code_cell("x <- 1")],
        named,
    )
    run = site.build()
    assert 'data-lang="splus"' in body(site, "r")  # Pygments' name for its R lexer
    assert 'data-lang="splus"' in body(site, "named") and "named.ipynb" not in run.err
    assert "content/none.ipynb:1: warning: the notebook names no kernel language" in run.err


def test_a_kernel_language_is_only_a_language_name_never_fence_options(site):
    """What follows the name in a kernel's language (``python {.x #y}``, ``python linenos
    hl_lines=1``) is no fence attribute; a name that is no name yields to the next field."""
    hostile = "Python {.evil #pwn data-x=1} linenos hl_lines=1 title=owned"
    write_nb(
        site,
        "hostile.ipynb",
        [new_raw_cell(FRONT), new_code_cell("x = 1\ny = 2")],
        {"kernelspec": {"name": "python3", "display_name": "P", "language": hostile}},
    )
    spec = {"language": "{.evil}", "name": "x", "display_name": "X"}
    odd = {"kernelspec": spec, "language_info": {"name": "julia"}}
    write_nb(
        site, "odd.ipynb", [new_raw_cell(FRONT.replace("A notebook", "B")), new_code_cell("1")], odd
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    html = body(site, "hostile")
    assert 'data-lang="python"' in html and '<code class="language-python">' in html
    for injected in ("evil", "pwn", "data-x", "data-n=", "hll", "owned", "code-name"):
        assert injected not in html, injected
    assert 'data-lang="julia"' in body(site, "odd") and "evil" not in body(site, "odd")


# ---------------------------------------------------------------- hostile notebooks


def test_unknown_mime_types_are_skipped_with_a_warning_and_widgets_show_their_text(site):
    rel = write_nb(
        site,
        "mime.ipynb",
        [
            new_raw_cell(FRONT),
            new_code_cell(
                "w",
                execution_count=1,
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "application/vnd.jupyter.widget-view+json": {"model_id": "abc123"},
                            "text/plain": "IntSlider(value=0)",
                        },
                    ),
                    new_output(
                        "display_data",
                        data={"application/vnd.weird+json": {"secret": "SECRETJSON"}},
                    ),
                    new_output("display_data", data={"application/javascript": "alert(1)"}),
                ],
            ),
        ],
        {
            **KERNEL,
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"abc123": {}}}},
        },
    )
    run = site.build()
    assert run.code == 0, run.err
    line = line_of(site, rel, '"w"')
    assert (
        f"{rel}:{line}: warning: cell 2: a widget output shown as the text saved with it, "
        "as nbconvert does" in run.err
    )
    assert (
        f"{rel}:{line}: warning: cell 2, output 2: output of type "
        "application/vnd.weird+json skipped" in run.err
    )
    assert "output 3: output of type application/javascript skipped" in run.err
    html = body(site, "mime")
    assert '<pre class="nb-result" tabindex="0">IntSlider(value=0)</pre>' in html
    assert "abc123" not in html and "SECRETJSON" not in html
    assert "alert(1)" not in html


def _widget(text: str | None, model: str, **more: str) -> dict:
    """A widget's display output, as ipywidgets saves it, with its text form if any."""
    data = {"application/vnd.jupyter.widget-view+json": {"model_id": model}, **more}
    return new_output("display_data", data={**data, "text/plain": text} if text else data)


def test_widgets_show_their_text_with_one_warning_per_cell(site):
    """tqdm.notebook and ipywidgets save a text form beside the widget; the page shows it,
    as nbconvert and GitHub do, and says so once per cell, not once per bar."""
    bars = [f"Epoch {i}/3:   0%|          | 0/362 [00:00<?, ?it/s]" for i in (1, 2, 3)]
    rel = write_nb(
        site,
        "bars.ipynb",
        [
            new_raw_cell(FRONT),
            new_code_cell(
                "for epoch in trange(3): train()",
                execution_count=1,
                outputs=[
                    *(_widget(bar, f"m{i}") for i, bar in enumerate(bars)),
                    _widget(None, "m9"),
                    new_output("stream", name="stdout", text="done\n"),
                ],
            ),
            new_code_cell(
                "slider",
                execution_count=2,
                outputs=[
                    new_output(
                        "execute_result",
                        data={
                            "application/vnd.jupyter.widget-view+json": {"model_id": "s1"},
                            "text/plain": "IntSlider(value=3, max=10)",
                        },
                        execution_count=2,
                    )
                ],
            ),
            new_code_cell(
                "fig",
                execution_count=3,
                outputs=[_widget("FigureWidget()", "f1", **{"text/html": "<b>a static plot</b>"})],
            ),
            new_code_cell(
                "trange(5)",
                execution_count=4,
                outputs=[_widget("0%| | 0/5", "r1")],
                metadata={"tags": ["remove-output"]},
            ),
        ],
    )
    run = site.build()
    assert run.code == 0, run.err
    first, second = line_of(site, rel, '"for epoch'), line_of(site, rel, '"slider"')
    assert run.lines == [
        f"{rel}:{first}: warning: cell 2: 3 widget outputs shown as the text saved with them, "
        "as nbconvert does; a widget output with no text skipped (a page cannot run widgets, "
        "and a progress bar's text is its first state): use tqdm's text mode "
        "(from tqdm import tqdm) for progress bars, or tag the cell remove-output",
        f"{rel}:{second}: warning: cell 3: a widget output shown as the text saved with it, "
        "as nbconvert does (a page cannot run widgets, and a progress bar's text is its first "
        "state): use tqdm's text mode (from tqdm import tqdm) for progress bars, or tag the "
        "cell remove-output",
    ]
    html = body(site, "bars")
    for bar in bars:
        assert f'<pre class="nb-result" tabindex="0">{bar.replace("<", "&lt;")}</pre>' in html
    assert html.index("Epoch 3/3") < html.index('data-label="stdout">done</pre>')  # in order
    assert (
        '<div class="nb-prompt">Out [2]:</div><pre class="nb-result" tabindex="0">'
        "IntSlider(value=3, max=10)</pre>" in html
    )
    assert '<div class="nb-html"><b>a static plot</b></div>' in html  # HTML beats the text
    assert "FigureWidget()" not in html and "0/5" not in html
    assert "model_id" not in html and "m9" not in html


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '{\n "cells": [\n  {"cell_type": "code",,}\n ]\n}',
            3,
            "not a valid notebook: invalid JSON",
        ),
        ("[1, 2]", 1, "not a Jupyter notebook: no 'nbformat' version number"),
        ('{"nbformat": 5, "nbformat_minor": 0, "cells": []}', 1, "nbformat 5 is newer than"),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
            1,
            "not a valid notebook: no 'cells' list",
        ),
        (
            '{"nbformat": 3, "nbformat_minor": 0, "worksheets": 7}',
            0,
            "cannot upgrade this nbformat 3",
        ),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "cells": [],\n "metadata": {"tensorpress": 3}}',
            2,
            "metadata.tensorpress must be a mapping",
        ),
    ],
)
def test_broken_notebooks_are_errors_that_name_the_file(site, text, line, message):
    site.write("content/bad.ipynb", text, dedent=False)
    site.post("good.md", title="Good", date="2024-01-01", topics="[x]")
    run = site.build("--debug")
    assert run.code == 1
    where = f"content/bad.ipynb:{line}" if line else "content/bad.ipynb"
    assert f"{where}: error: {message}" in run.err
    assert "Traceback" not in run.err


def test_missing_fields_are_skipped_with_warnings_not_tracebacks(site):
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": KERNEL,
        "cells": [
            {"cell_type": "raw", "metadata": {}, "source": FRONT},
            {"cell_type": "markdown", "metadata": {}},
            {"cell_type": "code", "metadata": {}, "source": "no_outputs_key = 1"},
            {
                "cell_type": "code",
                "source": "x",
                "outputs": [{"text": "?"}, {"output_type": "stream"}],
            },
            {"cell_type": "code", "source": "y", "outputs": "nope", "execution_count": "3"},
            {"cell_type": "code", "source": "z", "outputs": [{"output_type": "display_data"}]},
            {
                "cell_type": "code",
                "source": "i",
                "outputs": [
                    {"output_type": "display_data", "data": {"image/png": "!!not base64!!"}}
                ],
            },
            {"cell_type": "heading", "source": "old"},
            "not a cell",
            {"cell_type": "code", "source": ["e"], "outputs": [{"output_type": "error"}]},
        ],
    }
    site.write("content/holes.ipynb", json.dumps(nb, indent=1), dedent=False)
    run = site.build("--debug")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    for message in (
        "cell 2 has no text in 'source'; shown empty",
        "cell 4, output 1: an output without 'output_type'; skipped",
        "cell 4, output 2: a stream output without text; skipped",
        "cell 5: 'outputs' is not a list; outputs skipped",
        "cell 6, output 1: a display_data without 'data'; skipped",
        "cell 7, output 1: image/png image is not valid base64",
        "cell 8 has unknown cell_type 'heading'; skipped",
        "cell 9 is not a JSON object; skipped",
    ):
        assert f"warning: {message}" in run.err
    html = body(site, "holes")
    assert "no_outputs_key" in html and "In [ ]:" in html
    assert '<div class="nb-error"><pre class="nb-traceback" tabindex="0">Error</pre></div>' in html


def test_an_nbformat_3_notebook_is_upgraded(site):
    from nbformat import v3

    cells = [
        v3.new_text_cell("markdown", source="# Old notebook\n\nStill readable."),
        v3.new_code_cell(
            input="print(1)",
            prompt_number=2,
            outputs=[v3.new_output("stream", output_text="1\n", stream="stdout")],
        ),
    ]
    nb = v3.new_notebook(
        worksheets=[v3.new_worksheet(cells=cells)], metadata={"language": "python"}
    )
    site.write("content/old.ipynb", nbformat.writes(nb, version=3), dedent=False)
    run = site.build()
    assert run.code == 0, run.err
    html = body(site, "old")
    assert "<p>Still readable.</p>" in html and "In [2]:" in html and ">1</pre>" in html


def test_an_empty_notebook_is_an_error(site):
    write_nb(site, "empty.ipynb", [])
    run = site.build()
    assert run.code == 1
    assert "content/empty.ipynb:1: error: the post is empty: add cells" in run.err


def test_a_big_notebook_renders_quickly(site):
    cells = [new_raw_cell(FRONT)]
    for i in range(300):
        cells.append(new_markdown_cell(f"## Step {i}\n\nSome words about step {i}."))
        out = new_output("stream", name="stdout", text="loss 0.1\n" * 20)
        cells.append(new_code_cell(f"train({i})\nlog({i})", execution_count=i, outputs=[out]))
    write_nb(site, "big.ipynb", cells)
    start = time.perf_counter()
    assert site.build("--strict", "--no-cache").code == 0
    assert time.perf_counter() - start < 10


# ---------------------------------------------------------------- the example blog


def test_the_example_blog_has_a_notebook_post_with_its_plot(tmp_path, capsys):
    from tensorpress.cli import main

    out = tmp_path / "public"
    assert main(["build", "-s", str(REPO), "-o", str(out), "--strict", "--no-cache"]) == 0
    post = out / "posts/linear-regression-numpy"
    page = (post / "index.html").read_text()
    assert (post / "linear-regression-numpy.ipynb").is_file()
    images = re.findall(r'<img src="(output-[\d-]+\.png)"', page)
    assert images and all((post / name).read_bytes()[:4] == b"\x89PNG" for name in images)
    assert "nb-stderr" in page and "RuntimeWarning" in page
    assert capsys.readouterr().err == ""


def test_backspaces_and_private_control_sequences_do_what_a_terminal_does():
    """Keras' progress bars step back with backspaces; pip hides its cursor with
    ``ESC [?25l``: neither leaves a trace on the page, as in Jupyter."""
    bar = "1/3 [=>....] - loss: 0.9" + "\b" * 24 + "3/3 [=====] - loss: 0.5"
    assert terminal_text(bar) == "3/3 [=====] - loss: 0.5"
    assert terminal_text("\b\bab\bc") == "ac", "nothing to take back at the start"
    html = ansi_to_html("Building wheel ... \x1b[?25ldone\n\x1b[?25h\x1b[32mok\x1b[0m")
    assert html == 'Building wheel ... done\n<span class="ansi-green-fg">ok</span>'


def test_template_syntax_in_a_markdown_cell_is_warned_at_its_file_line(site):
    rel = write_nb(
        site,
        "liquid.ipynb",
        [new_raw_cell(FRONT), new_markdown_cell("Intro.\n\nSee {{ page.title }}.")],
    )
    run = site.build()
    assert run.code == 0, run.err
    line = line_of(site, rel, "page.title")
    assert f"{rel}:{line}: warning: Liquid expression {{{{ page.title }}}}" in run.err, run.err


def test_an_error_with_no_traceback_and_no_name_shows_nothing(site):
    """A bash kernel reports a failed command's status as an error with an empty
    traceback: Jupyter shows nothing for it, and neither do we (it was a stray ': 1')."""
    status = new_output("error", ename="", evalue="1", traceback=[])
    named = new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[])
    cells = [new_raw_cell(FRONT), new_code_cell("false", execution_count=1, outputs=[status])]
    cells.append(new_code_cell("sleep 9", execution_count=2, outputs=[named]))
    write_nb(site, "bash.ipynb", cells)
    assert site.build("--strict").code == 0
    html = body(site, "bash")
    assert html.count('class="nb-error"') == 1 and ": 1" not in html
    assert "KeyboardInterrupt</" in html and "KeyboardInterrupt:" not in html
