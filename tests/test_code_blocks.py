"""Code fence attributes through whole builds: titles, highlighted and numbered lines,
diffs, folds, sessions and the warnings an author gets for what was not understood."""

import re
from html import unescape

import pytest

from tensorpress.cli import main
from tensorpress.highlight import LONG_BLOCK

PYTHON = "import torch\nx = torch.ones(3)\ny = x * 2\nz = y.sum()\nprint(z)\n"


def _blocks(html: str) -> list[str]:
    """Each code block's HTML, from its outer div to the end of its ``<pre>``."""
    return re.findall(r'<div class="highlight[" ].*?</pre>', html, re.S)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _code(block: str) -> str:
    """What the ``<code>`` holds as text: what a reader selects, and what JS copies."""
    return _text(re.search(r"<code[^>]*>(.*)</code>", block, re.S).group(1))


def _lines(block: str) -> list[tuple[str, str | None, str]]:
    """(classes, number, text) of each line span."""
    found = re.findall(r'<span class="(line[^"]*)"(?: data-n="(\d+)")?>(.*?)\n</span>', block)
    return [(cls, n or None, _text(body)) for cls, n, body in found]


def _build_one(site, body: str) -> tuple[list[str], str]:
    site.post("code.md", body, title="Code", date="2024-03-01")
    run = site.build()
    assert run.code == 0, run.err
    return _blocks(site.page("posts/code/index.html")), run.err


def _fence(info: str, code: str = PYTHON) -> str:
    return f"Some text.\n\n```{info}\n{code}```\n"


def test_a_plain_fence_keeps_its_simple_markup(site):
    [block], _ = _build_one(site, _fence("python"))
    assert block.startswith('<div class="highlight" data-lang="python"><pre tabindex="0"><code')
    assert 'class="line' not in block and "<details" not in block and "code-title" not in block
    assert _code(block) == PYTHON


@pytest.mark.parametrize(
    "info",
    ['python title="train.py"', "python title='train.py'", 'python {title="train.py"}',
     '{.python title="train.py"}', "python title=train.py"],
)  # fmt: skip
def test_a_title_names_the_block(site, info):
    [block], err = _build_one(site, _fence(info))
    assert '<div class="code-title"><span class="code-name">train.py</span></div><pre' in block
    assert 'data-lang="python"' in block and "warning" not in err


def test_a_title_is_escaped(site):
    [block], _ = _build_one(site, _fence('python title="<model> & co.py"'))
    assert '<span class="code-name">&lt;model&gt; &amp; co.py</span>' in block


@pytest.mark.parametrize(
    ("info", "marked"),
    [
        ('python {hl_lines="2 4-5"}', ["2", "4", "5"]),
        ('python hl_lines="1 3-4"', ["1", "3", "4"]),
        ("python hl_lines=2,5", ["2", "5"]),
        ("python {1,3-4}", ["1", "3", "4"]),
    ],
)
def test_hl_lines_mark_exactly_those_lines(site, info, marked):
    [block], err = _build_one(site, _fence(info + " linenums=1"))
    lines = _lines(block)
    assert len(lines) == 5 and "warning" not in err
    assert [n for cls, n, _ in lines if "hll" in cls.split()] == marked
    assert "".join(text for *_, text in lines) == PYTHON.replace("\n", "")


def test_line_numbers_are_present_and_not_part_of_the_code_text(site):
    body = _fence('python linenums="9"') + _fence("python linenos")
    [from_nine, from_one], _ = _build_one(site, body)
    assert [n for _, n, _ in _lines(from_nine)] == ["9", "10", "11", "12", "13"]
    assert 'data-digits="2"' in from_nine
    assert [n for _, n, _ in _lines(from_one)] == ["1", "2", "3", "4", "5"]
    for block in (from_nine, from_one):
        assert _code(block) == PYTHON, "the numbers live in data-n, drawn by CSS"


def test_hl_lines_count_from_the_first_line_whatever_the_first_number(site):
    [block], _ = _build_one(site, _fence('python linenums="100" hl_lines="1"'))
    assert _lines(block)[0][:2] == ("line hll", "100")


def test_diff_lines_are_classed(site):
    diff = (
        "--- a/train.py\n+++ b/train.py\n@@ -1,3 +1,3 @@\n import torch\n"
        "-lr = 1e-3\n+lr = 3e-4\n model = build()\n"
    )
    [block], _ = _build_one(site, _fence("diff", diff))
    kinds = [cls for cls, *_ in _lines(block)]
    assert kinds == [
        "line diff-meta", "line diff-meta", "line diff-meta", "line",
        "line diff-del", "line diff-add", "line",
    ]  # fmt: skip
    assert '<span class="gd">-lr = 1e-3</span>' in block
    assert _code(block) == diff


def test_a_diff_of_python_highlights_the_code_after_the_markers(site):
    diff = " import torch\n-lr = 1e-3\n+lr = 3e-4\n"
    [block], _ = _build_one(site, _fence('diff-python title="train.py"', diff))
    assert 'data-lang="diff-python"' in block and "code-name" in block
    assert [cls for cls, *_ in _lines(block)] == ["line", "line diff-del", "line diff-add"]
    assert '<span class="gi">+</span><span class="n">lr</span>' in block
    assert '<span class="kn">import</span>' in block
    assert _code(block) == diff


def test_long_blocks_fold_into_an_open_details(site):
    long = "".join(f"x{i} = {i}\n" for i in range(LONG_BLOCK + 1))
    short = "".join(f"x{i} = {i}\n" for i in range(LONG_BLOCK))
    body = _fence('python title="long.py"', long) + _fence("python", short)
    [folded, kept], _ = _build_one(site, body)
    assert re.search(
        r'<details class="code-fold" open><summary class="code-title">'
        rf'<span class="code-name">long.py</span><span class="code-count">{LONG_BLOCK + 1} lines'
        r"</span></summary><pre",
        folded,
    )
    assert folded.count("<pre") == 1 and _code(folded) == long
    assert "<details" not in kept


def test_a_fold_attribute_folds_shut_open_or_never(site):
    """``fold`` (Quarto's ``code-fold``): shut, the reader opens it; ``fold="show"``:
    foldable, shown; ``fold="false"``: a long block stays unfolded."""
    long = "".join(f"x{i} = {i}\n" for i in range(LONG_BLOCK + 1))
    body = (
        _fence("python fold")
        + _fence('python fold="show" title="t.py"', "x = 1\n")
        + _fence('python fold="false"', long)
        + _fence("python code-fold=true", "y = 2\n")
    )
    [shut, shown, never, quarto], err = _build_one(site, body)
    assert re.search(
        r'<details class="code-fold"><summary class="code-title"><span class="code-name">'
        r'Code</span><span class="code-count">5 lines</span></summary><pre',
        shut,
    )
    assert (
        '<details class="code-fold" open><summary class="code-title"><span class="code-name">t.py'
        in shown
    )
    assert '<span class="code-count">1 line</span>' in shown
    assert "<details" not in never and _code(never) == long
    assert '<details class="code-fold"><summary' in quarto and "warning" not in err
    assert [_code(b) for b in (shut, shown, quarto)] == [PYTHON, "x = 1\n", "y = 2\n"]


def test_sessions_carry_their_commands_without_prompts_or_output(site):
    pycon = (
        ">>> import numpy as np\n>>> np.arange(3)\narray([0, 1, 2])\n"
        ">>> for i in range(2):\n...     print(i)\n...\n0\n1\n"
    )
    console = (
        "$ pip install torch\nCollecting torch\n"
        "(venv) $ python train.py \\\n>   --lr 3e-4\nepoch 1\n"
    )
    shell = "$ ls\nmodel.pt\n"
    body = _fence("pycon", pycon) + _fence("console", console) + _fence("shell-session", shell)
    [py, sh, session], _ = _build_one(site, body)
    assert '<span class="gp">&gt;&gt;&gt; </span>' in py and '<span class="go">' in py
    copy = unescape(re.search(r'data-copy="([^"]*)"', py).group(1))
    assert copy == "import numpy as np\nnp.arange(3)\nfor i in range(2):\n    print(i)"
    copy = unescape(re.search(r'data-copy="([^"]*)"', sh).group(1))
    assert copy == "pip install torch\npython train.py \\\n  --lr 3e-4"
    assert (
        'data-lang="console" data-copy="ls"' in session and '<span class="gp">$ </span>' in session
    )


def test_pandoc_classes_are_the_blocks_and_an_unknown_attribute_is_said_once_per_post(site):
    """d2l's ``{.python .input  n=1}`` on every fence: ``.input`` is a class of the
    block (Pandoc's), ``.numberLines`` with ``startFrom`` numbers it, and ``n``, which
    nothing reads, is one warning for the post, at its first fence."""
    body = (
        _fence("{.python .input  n=1}")
        + _fence("{.python .input  n=2}")
        + _fence("{.python .input}")
        + _fence('{.python .numberLines startFrom="10"}', "a = 1\nb = 2\n")
    )
    blocks, err = _build_one(site, body)
    assert err.splitlines() == [
        "content/code.md:8: warning: unknown code fence attribute 'n' is ignored; known "
        "attributes: fold, hl_lines, linenos, linenums, title"
    ]
    assert len(blocks) == 4
    assert all(b.startswith('<div class="highlight input" data-lang="python">') for b in blocks[:3])
    assert blocks[3].startswith('<div class="highlight" data-lang="python">')
    assert [n for _, n, _ in _lines(blocks[3])] == ["10", "11"]


def test_bad_attributes_warn_with_file_and_line(site):
    body = (
        "Intro.\n\n"
        + _fence('python colour="red" hl_lines="two"')
        + _fence('python linenums=x fold="maybe"')
    )
    blocks, err = _build_one(site, body)
    text = (site.root / "content/code.md").read_text()
    first, second = (text[: m.start()].count("\n") + 1 for m in re.finditer("```python", text))
    assert f"content/code.md:{first}: warning: unknown code fence attribute 'colour'" in err
    assert f'content/code.md:{first}: warning: hl_lines="two" is not a list of lines' in err
    assert f'content/code.md:{second}: warning: linenums="x" is not a first line number' in err
    assert f'content/code.md:{second}: warning: fold="maybe" is not a fold' in err
    assert len(blocks) == 2 and all(_code(b) == PYTHON for b in blocks)


def test_hl_lines_beyond_the_block_warn(site):
    _, err = _build_one(site, _fence('python hl_lines="2 9"'))
    assert "warning: hl_lines names line 9, but the block has 5 lines" in err


def test_language_guessing_and_unknown_languages_still_warn(site):
    body = _fence("", "import torch\nmodel = torch.nn.Linear(2, 3)\n") + _fence("klingon", "<b>\n")
    [guessed, plain], err = _build_one(site, body)
    assert 'data-lang="python"' in guessed and 'data-lang="text"' in plain
    assert "code fence has no language; highlighted as 'python'" in err
    assert "unknown code language 'klingon'" in err and "&lt;b&gt;" in plain


def test_a_bare_fence_of_plain_text_is_shown_as_written_without_a_warning(site):
    """Program output and prose in a bare fence are plain text, as Markdown shows them:
    nothing was inferred, so nothing is said (a blog had dozens of such warnings)."""
    body = _fence("", "Epoch 1/10: loss 0.693, accuracy 0.51\nEpoch 2/10: loss 0.41\n")
    [plain], err = _build_one(site, body)
    assert 'data-lang="text"' in plain and "Epoch 1/10: loss 0.693" in plain
    assert "no language" not in err, err


def test_line_numbers_config_must_be_a_boolean(site):
    site.write("tensorpress.yaml", "title: T\nline_numbers: 3\n")
    site.post("a.md", "Hi.", title="A", date="2024-01-01")
    run = site.build()
    assert (
        run.code == 1 and "tensorpress.yaml:2: error: line_numbers must be true or false" in run.err
    )


def test_line_numbers_site_default_numbers_code_but_not_sessions(site):
    site.write("tensorpress.yaml", "line_numbers: true\n")
    body = _fence("python") + _fence("pycon", ">>> 1\n1\n") + _fence("python linenums=off")
    [numbered, session, off], _ = _build_one(site, body)
    assert [n for _, n, _ in _lines(numbered)] == ["1", "2", "3", "4", "5"]
    assert "data-n" not in session and "data-n" not in off


def test_mermaid_blocks_math_fences_and_extra_scripts(site):
    """A ``mermaid`` block keeps its source in ``<pre class="mermaid">``, the element
    mermaid.js draws, which a site loads with ``extra_js``; GitHub's ```` ```math ````
    is display math; ``extra_css`` links a stylesheet; a missing local file is said."""
    site.write("static/js/mermaid.min.js", "// the site's copy of mermaid.js\n")
    site.write(
        "tensorpress.yaml",
        "extra_js: [js/mermaid.min.js, 'https://cdn.example.org/m.mjs']\n"
        "extra_css: css/missing.css\n",
    )
    site.post(
        "d.md",
        "```mermaid\ngraph TD; A-->B;\n```\n\n```math\n\\frac{a}{b}\n```\n",
        title="D",
        date="2024-01-01",
    )
    run = site.build()
    assert run.code == 0
    assert run.err.splitlines()[0] == (
        "tensorpress.yaml:2: warning: extra_css: 'css/missing.css' is not a file in static/: "
        "put it there as static/css/missing.css, or give a full URL"
    )
    page = site.page("posts/d/index.html")
    assert '<pre class="mermaid" tabindex="0">graph TD; A--&gt;B;\n</pre>' in page
    assert "unknown code language" not in run.err
    assert '<math display="block"><mrow><mfrac>' in page
    assert '<script src="../../js/mermaid.min.js" defer></script>' in page
    assert '<script src="https://cdn.example.org/m.mjs" type="module"></script>' in page
    assert '<link rel="stylesheet" href="../../css/missing.css">' in page
    assert (site.out / "js/mermaid.min.js").is_file()
    site.write("tensorpress.yaml", "extra_js: {a: 1}\n")
    run = site.build()
    assert run.code == 1
    assert (
        "tensorpress.yaml:1: error: extra_js must be a list of paths in static/ or URLs" in run.err
    )


def test_a_session_written_in_a_python_fence_is_a_session(site):
    """``>>>`` prompts in a ```` ```python ```` fence (karpathy's and a Quarto blog's
    posts: 15 blocks): the prompts were lexed as operators, the copy button copied them
    and the output, and ``check`` said the block does not parse."""
    session = ">>> r = requests.get(url)\n>>> r.status_code\n200\n"
    [block], err = _build_one(site, _fence("python", session))
    assert "warning" not in err
    assert 'data-lang="pycon"' in block and '<span class="gp">&gt;&gt;&gt; </span>' in block
    assert unescape(re.search(r'data-copy="([^"]*)"', block).group(1)) == (
        "r = requests.get(url)\nr.status_code"
    )
    code = main(["check", "-s", str(site.root)])
    assert code == 0 and "does not parse" not in site.capsys.readouterr().out
