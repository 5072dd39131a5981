"""`tensorpress check`: the build's diagnostics plus a linter's, without writing the site."""

import json
import os
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_raw_cell

from tensorpress.cli import main
from tensorpress.codecheck import stray_code
from tensorpress.findings import Finding, dedupe, split_hint
from tensorpress.markdown import make_parser

from .conftest import REPO, Run

FENCE = "```"
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def check(site, *args: str) -> Run:
    site.capsys.readouterr()
    code = main(["check", "-s", str(site.root), *args])
    captured = site.capsys.readouterr()
    return Run(code, captured.out, captured.err)


def findings(site, *args: str) -> list[dict]:
    run = check(site, "--format", "json", *args)
    return json.loads(run.out)


def test_the_example_blog_is_clean_even_strict(capsys):
    code = main(["check", "-s", str(REPO), "--strict"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out == "" and "0 error(s), 0 warning(s)" in err


def test_check_writes_nothing(site):
    site.post("a.md", "Hello.", title="A", date="2024-01-01")
    before = sorted(p for p in site.root.rglob("*"))
    assert check(site).code == 0
    assert sorted(p for p in site.root.rglob("*")) == before, "no public/, no cache"


def test_check_reads_the_build_cache_and_writes_nothing_to_it(site):
    """With a built site, check takes unchanged posts from the cache, changes neither
    the cache nor the site, and reports what it reports without them."""
    site.post("a.md", "Hello [b](b.md).", title="A", date="2024-01-01")
    site.post("b.md", "```\nimport torch\nx = 1\n```\n", title="B", date="2024-01-02")
    assert site.build().code == 0
    site.post("b.md", "```\nimport torch\nx = 2\n```\n", title="B", date="2024-01-02")

    def state() -> dict[str, tuple[int, int]]:
        return {
            str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in site.root.rglob("*")
            if p.is_file() and "content" not in p.parts
        }

    before = state()
    cached = check(site)
    assert state() == before
    shutil.rmtree(site.root / ".tensorpress-cache")
    shutil.rmtree(site.out)
    assert "content/b.md:6: warning: code fence has no language" in cached.out, cached
    assert check(site) == cached


def test_json_is_an_array_of_path_line_severity_message_hint(site):
    site.post("a.md", f"{FENCE}\nimport os\n{FENCE}\n", title="A", date="2024-01-01")
    [item] = findings(site)
    assert item == {
        "path": "content/a.md",
        "line": 6,
        "severity": "warning",
        "message": "code fence has no language; highlighted as 'python' (a guess)",
        "hint": "write ```python to pin it",
    }


def test_strict_fails_on_warnings_and_errors_always_fail(site):
    site.post("a.md", f"{FENCE}\nimport os\n{FENCE}\n", title="A", date="2024-01-01")
    assert check(site).code == 0
    run = check(site, "--strict")
    assert run.code == 1 and "--strict: warnings fail" in run.err
    site.post("b.md", "x", title="B", date="yesterday")
    run = check(site)
    assert run.code == 1
    assert "content/b.md:3: error: 'date': 'yesterday' is not a date" in run.out


def test_fences_left_open_and_code_outside_fences_are_pointed_at(site):
    site.post(
        "a.md",
        """\
        Here is the model:
        ```python
        model = Sequential()
        model.add(Dense(10))

        ## Training

        Training the model takes a few minutes on a laptop, so be patient with it.
        ```python
        model.fit(x, y)
        model.evaluate(x, y)
        ```
        """,
        title="A",
        date="2024-01-01",
    )
    run = check(site)
    assert "content/a.md:7: warning: code fence opened here seems to end before the prose" in (
        run.out
    )
    assert (
        "content/a.md:15: warning: lines 15-16 look like Python code outside any code block as "
        "written: the ```python at line 14 closes the block opened at line 7" not in run.out
    ), "a fence with an info string never closes one"


def test_code_pasted_as_prose_is_reported_with_its_lines():
    body = "Intro.\n\nimport numpy as np\nx = np.zeros(3)\nprint(x)\n\nMore prose here.\n"
    [finding] = stray_code("content/a.md", body, 10, make_parser())
    assert finding.line == 12
    assert finding.message.startswith("lines 12-14 look like Python code outside any code block")
    assert "```python" in finding.hint


def test_prose_and_lone_code_looking_lines_are_not_code():
    body = (
        "The update is w = w - lr * grad, applied once per step of the training loop.\n\n"
        "for example:\n\nmodel.fit(x, y)\n\nIf you want: try it.\n"
        "## A heading\n\n# Another\n\n"
        "\\begin{align}\na &= b + c \\\\\nd &= e\n\\end{align}\n\n"
        "| x = 1 |\n| y = f(x) |\n"
    )
    assert stray_code("content/a.md", body, 1, make_parser()) == []


def test_an_html_tag_wrapped_over_lines_is_not_code():
    """The BAIR blog wraps its tags (``<a\nhref="...">text</a>``, ``<img style=..\nsrc=..
    \nalt=.. width="50%">``): their attributes looked like assignments (16 warnings in
    7 posts)."""
    body = (
        'There <a\nhref="https://a.example/1">have</a> <a\nhref="https://a.example/2">'
        'been</a> many.\n\n<img style="float:right"\nsrc="https://a.example/x.gif"\n'
        'alt="control" width="50%">\n'
    )
    assert stray_code("content/a.md", body, 1, make_parser()) == []


def test_what_markdown_keeps_raw_is_not_code_outside_a_block(site):
    """``<script>``, ``<style>``, ``<pre>`` and ``<textarea>`` blocks run to their end tag
    over blank lines (CommonMark's HTML block 1): their text is no prose to fence. The
    same lines in prose are, and the hint names the language the message names."""
    site.post(
        "a.md",
        """\
        <script type="text/bibliography">
        @article{a,
          title={Feature visualization},
          year={2017},
        }

        @article{b,
          title={Feature visualization},
          year={2017},
        }
        </script>

        <style>
        pre { margin: 0; }

        x = f(y)
        z = g(x)
        </style>

        <pre>
        model = Net()

        model.fit(x)
        </pre>

        <textarea>
        a = b(c)

        d = e(f)
        </textarea>

        Pasted as prose:

        title={Feature visualization},
        year={2017},

        And Python:

        import torch
        x = torch.ones(3)
        """,
        title="A",
        date="2024-01-01",
    )
    assert [f"{f['path']}:{f['line']}: {f['message']}: {f['hint']}" for f in findings(site)] == [
        "content/a.md:39: lines 39-40 look like code outside any code block; Markdown shows "
        "them as prose: put them between a ``` line naming their language and a ``` line",
        "content/a.md:44: lines 44-45 look like Python code outside any code block; Markdown "
        "shows them as prose: put them between a ```python line and a ``` line",
    ]


def test_python_that_does_not_parse_is_reported_at_its_file_line(site):
    site.post(
        "a.md",
        """\
        Text.

        ```python
        def f(x):
            return x +
        ```

        ```python
        %matplotlib inline
        !pip install torch
        print "python 2"
        ```

        ```text
        def not python(
        ```
        """,
        title="A",
        date="2024-01-01",
    )
    out = check(site).out
    assert (
        "content/a.md:10: warning: Python does not parse: invalid syntax (line 2 of the block "
        "that opens at line 8)" in out
    )
    assert "content/a.md:16: warning: Python does not parse: Missing parentheses" in out
    assert out.count("does not parse") == 2, "magics are fine, text blocks are not Python"


def test_pyflakes_reports_names_never_defined_in_the_posts_blocks_taken_together(site):
    site.post(
        "a.md",
        """\
        ```python
        import numpy as np
        x = np.zeros(3)
        ```

        Later:

        ```python
        y = np.sum(x) + z
        print(z)
        ```
        """,
        title="A",
        date="2024-01-01",
    )
    assert "never defined" not in check(site).out, "only with --pyflakes"
    out = check(site, "--pyflakes").out
    assert (
        "content/a.md:14: warning: name 'z' is used but never defined or imported in this "
        "post's Python blocks (also on line 15): import or define 'z' in an earlier block"
    ) in out
    assert "'np'" not in out and "'x'" not in out


def test_notebook_code_cells_are_checked_as_ipython_runs_them(site):
    """A Python notebook's code cells are checked, in order, as a post's blocks are: line
    magics, shell escapes (continued, or assigned: ``files = !ls``) and help (``np.sum?``)
    are IPython's; a cell magic's body is Python for ``%%capture`` (whose output variable
    it defines), ``%%time`` and ``%%timeit``, and not for ``%%bash``, ``%%writefile`` or
    ``%%html``, in a notebook or a Python fence."""
    cells = [
        new_raw_cell("---\ntitle: N\ndate: 2024-01-01\n---"),
        new_code_cell(
            "%matplotlib inline\n!pip install torch \\\n    numpy\n"
            "files = !ls\nimport numpy as np\nnp.sum?"
        ),
        new_code_cell("%%bash\nfor i in 1 2; do echo $i; done"),
        new_code_cell("%%writefile train.py\nimport torch\ndef f(:\n    return in_file"),
        new_code_cell("%%html\n<b>bold</b>"),
        new_code_cell("%%capture --no-stderr cap\nprint(np.sum(files), in_capture)"),
        new_code_cell("%%time\ncap.show()\nin_time = in_time + 1"),
        new_code_cell("def broken(:\n    pass"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNEL})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    text = nbformat.writes(nb)
    site.write("content/nb.ipynb", text)
    site.post(
        "md.md", f"{FENCE}python\n%%bash\nls -la | head\n{FENCE}\n", title="M", date="2024-01-02"
    )

    def line(needle: str) -> int:
        return text[: text.index(needle)].count("\n") + 1

    out = check(site, "--pyflakes").out
    assert f"content/nb.ipynb:{line('def broken(')}: warning: Python does not parse" in out
    assert "(line 1 of cell 8): fix the code, or make it a raw cell if it is not" in out
    for name in ("in_capture", "in_time"):
        assert f"content/nb.ipynb:{line(name)}: warning: name '{name}' is used but never" in out
    assert out.count("does not parse") == 1 and out.count("never defined") == 2, out


def test_links_anchors_images_and_alt_text(site):
    site.write("content/images/plot.png", b"\x89PNG")
    site.write("content/data.csv", "a,b\n")
    site.post(
        "b.md",
        """\
        ## Results

        Text.
        """,
        title="B",
        date="2024-01-02",
    )
    site.post("c.md", "Draft.", title="C", date="2024-01-03", draft="true")
    site.post(
        "a.md",
        """\
        ## Setup

        [ok](#setup), [bad](#set-up), [other](b.md#results), [other bad](b.md#result).
        [gone](nowhere.md), [draft](c.md), [csv](data.csv), [no csv](data.tsv).

        ![A plot](images/plot.png) ![](images/plot.png) ![Missing](images/none.png)

        <img src="images/plot.png"> <img src="images/plot.png" alt="">

        <a name="qa"></a>[to the anchor](#qa), [to the name](b.md#old-name).
        """,
        title="A",
        date="2024-01-01",
    )
    site.write(
        "content/b.md", site.root.joinpath("content/b.md").read_text() + '\n<a name="old-name" />\n'
    )
    out = check(site).out
    lines = [ln for ln in out.splitlines() if ln.startswith("content/a.md:")]
    assert "content/a.md:8: warning: link '#set-up': this post has no heading or anchor " in out
    assert "did you mean '#setup'?" in out
    assert "content/a.md:8: warning: link 'b.md#result': content/b.md has no heading" in out
    assert "content/a.md:9: warning: link to 'nowhere.md' points to no post" in out
    assert "content/a.md:9: warning: link 'c.md' goes to a draft" in out
    assert "content/a.md:9: warning: link to 'data.tsv': no such file under content/" in out
    assert sum("has no alt text" in ln for ln in lines) == 2, "![](x) and <img> without alt"
    assert sum("'images/none.png' not found" in ln for ln in lines) == 1, "reported once"
    assert "#setup'" not in out.replace("did you mean '#setup'", "")
    assert "data.csv" not in out and "b.md#results" not in out
    assert "#qa" not in out and "old-name" not in out, "<a name=...> is a target too"


def test_duplicate_titles_and_slugs(site):
    site.post("a.md", "x", title='"Same"', date="2024-01-01")
    site.post("b.md", "y", title='"same"', date="2024-01-02")
    site.post("c.md", "z", title="C", date="2024-01-03", slug="a")
    run = check(site)
    assert "content/a.md:2: warning: title 'Same' is also the title of content/b.md" in run.out
    assert "content/b.md:2: warning: title 'same' is also the title of content/a.md" in run.out
    assert "content/c.md:1: error: URL /posts/a/ is shared by" in run.out
    assert run.code == 1


def test_generation_artefacts_are_reported(site):
    site.write(
        "content/raw.md",
        "Write a blog post about dropout.\n\n# Dropout\n\nDropout helps. [end of text]\n",
    )
    out = check(site).out
    assert "content/raw.md:1: warning: this line looks like a prompt echoed" in out
    assert "content/raw.md:5: warning: '[end of text]' is a generation artefact" in out


def test_front_matter_keys_typos_warn_others_are_notes_that_never_fail(site):
    site.write(
        "content/a.md",
        """\
        ---
        title: A
        date: 2024-01-01
        tpoics: [cnn]
        layout: post
        ---

        Text.
        """,
    )
    run = check(site, "--strict")
    assert "content/a.md:4: warning: unknown front-matter key 'tpoics': did you mean 'topics'?" in (
        run.out
    )
    assert "content/a.md:5: note: front-matter key 'layout' is not one of tensorpress's" in (
        run.out
    )
    assert run.code == 1
    site.write("content/a.md", "---\ntitle: A\ndate: 2024-01-01\nlayout: post\n---\n\nText.\n")
    run = check(site, "--strict")
    assert run.code == 0 and "note:" in run.out, "a note informs, never fails"


def test_toc_is_a_key_of_ours_as_a_flag_or_al_folios_list_of_sections(site):
    """``toc: false`` leaves the contents out, al-folio's ``toc:`` list of sections keeps
    them (made from the headings), neither is a note; text is neither true nor false."""
    body = "## One\n\na\n\n## Two\n\nb\n"
    site.post("off.md", body, title="Hidden", date="2024-01-01", toc="false")
    site.write(
        "content/folio.md",
        "---\ntitle: Folio\ndate: 2024-01-02\ntoc:\n  - name: One\n  - name: Two\n"
        "    subsections:\n      - name: Deeper\n---\n\n" + body,
    )
    site.post("text.md", body, title="Text", date="2024-01-03", toc='"false"')
    assert [str(Finding(**f)) for f in findings(site, "--strict")] == [
        "content/text.md:4: warning: 'toc': 'false' is neither true nor false, so the post "
        "shows its table of contents: write toc: false to leave it out"
    ]
    assert site.build().code == 0
    assert "has-toc" not in site.page("posts/off/index.html")
    assert "has-toc" in site.page("posts/folio/index.html")
    assert "has-toc" in site.page("posts/text/index.html")


def test_math_that_fails_to_render_comes_from_the_build(site):
    site.post("a.md", "Bad $\\unknowncmd x$ math.", title="A", date="2024-01-01")
    out = check(site).out
    assert out.count("cannot convert math") == 1
    assert out.startswith("content/a.md:6: warning: cannot convert math")


def test_migrated_syntax_is_reported_with_file_and_line(site):
    site.post("a.md", "Intro.\n\n{% include toc.html %}\n", title="A", date="2024-01-01")
    out = check(site).out
    assert "content/a.md:8: warning: Liquid tag {% include %} is not supported" in out


def test_each_message_once():
    a = Finding("p", 3, "warning", "image 'x' not found", "", "image-missing", "x")
    b = Finding("p", 4, "warning", "image 'x' not found here", "fix", "image-missing", "x")
    c = Finding("p", 1, "warning", "m")
    assert dedupe([a, b, c, c]) == (c, a)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("no title; got 'A': add 'title:'", ("no title; got 'A'", "add 'title:'")),
        ("'d': 'x' is not a date; write 2024-1-5", ("'d': 'x' is not a date", "write 2024-1-5")),
        ("nothing to suggest", ("nothing to suggest", "")),
    ],
)  # fmt: skip
def test_hints_are_split_from_build_messages(message, expected):
    assert split_hint(message) == expected


# -- --fix ----------------------------------------------------------------------------------

RAW = """\
Write a blog post about training tricks.

# Training tricks

Warm-up and clipping keep training stable.

```
import torch
torch.nn.utils.clip_grad_norm_(params, 1.0)
```

That is all. [end of text]
"""


def test_fix_adds_front_matter_languages_and_removes_artefacts(site):
    path = site.write("content/2024-03-04-tricks.md", RAW)
    os.utime(path, (0, 1_700_000_000))
    before = site.build()
    page_before = site.page("posts/tricks/index.html")
    run = check(site, "--fix")
    fixed = path.read_text("utf-8")
    assert fixed.startswith(
        '---\ntitle: "Training tricks"\ndate: 2024-03-04\ntopics: []\n---\n\n# Training tricks\n'
    )
    assert "```python\nimport torch" in fixed
    assert fixed.endswith("That is all.\n")
    assert "Write a blog post" not in fixed
    assert "--- a/content/2024-03-04-tricks.md" in run.out and "+++ b/" in run.out
    assert "-```\n+```python" in run.out
    backups = list((site.root / ".tensorpress-backup").rglob("*.md"))
    assert [b.read_text("utf-8") for b in backups] == [RAW]
    assert "original in .tensorpress-backup/" in run.err
    assert not any("tricks" in ln and "warning" in ln for ln in run.out.splitlines())
    after = site.build()
    assert after.code == 0 and before.code == 0
    assert site.page("posts/tricks/index.html") == page_before, "the same page, pinned"


def test_fix_adds_missing_keys_to_existing_front_matter_and_keeps_crlf(site):
    text = "---\r\ntopics: [cnn]\r\n---\r\n\r\n# Pooling\r\n\r\nText.\r\n"
    path = site.write("content/pool.md", text.encode())
    os.utime(path, (0, 1_700_000_000))
    check(site, "--fix")
    data = path.read_bytes()
    assert data.startswith(b'---\r\ntitle: "Pooling"\r\ndate: 2023-11-14 22:13:20\r\ntopics:')
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_fix_adds_a_date_to_pelican_metadata_in_its_own_form(site):
    path = site.write("content/pel.md", "Title: Pooling: a note\nTags: cnn\n\nText.\n")
    os.utime(path, (0, 1_700_000_000))
    check(site, "--fix")
    assert path.read_text() == (
        "Title: Pooling: a note\ndate: 2023-11-14 22:13:20\nTags: cnn\n\nText.\n"
    )
    assert site.build().code == 0 and "Pooling: a note" in site.page("posts/pel/index.html")


def test_fix_never_writes_what_it_cannot_prove(site, monkeypatch):
    import tensorpress.fix as fix_module

    text = "---\ntitle: A\ndate: 2024-01-01\n---\n\n```\nimport os\n```\n"
    path = site.write("content/a.md", text)
    monkeypatch.setattr(fix_module, "guess_language", lambda code: "javascript")
    run = check(site, "--fix")
    assert path.read_text("utf-8") == text
    assert "content/a.md: warning: not fixed: the fixed file would render differently" in run.err
    assert not (site.root / ".tensorpress-backup").exists()


def test_fix_leaves_mixed_line_endings_and_clean_files_alone(site):
    mixed = b"---\ntitle: A\r\n---\n\n```\nx = 1\n```\n"
    path = site.write("content/a.md", mixed)
    site.post("b.md", "Clean.", title="B", date="2024-01-01")
    run = check(site, "--fix")
    assert path.read_bytes() == mixed
    assert "mixed line endings" in run.err
    assert "content/b.md" not in run.out
