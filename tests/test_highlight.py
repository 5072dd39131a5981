"""Code fences: our fence rule, language choice, guessing and the stylesheet."""

import re
from html import unescape

import pytest

from tensorpress.fences import Attrs, line_spec, parse_attrs, parse_info
from tensorpress.highlight import diff_kinds, guess_language, render_fence, stylesheet
from tensorpress.markdown import make_parser, render


def test_fence_html_has_a_single_pre_and_css_classes():
    fence = render_fence("x = 1\n", "python")
    assert fence.html.count("<pre") == 1
    assert fence.html.startswith(
        '<div class="highlight" data-lang="python"><pre tabindex="0"><code'
    )
    assert '<span class="n">x</span>' in fence.html and "style=" not in fence.html
    assert fence.notes == ()


def test_aliases_resolve_to_the_lexer():
    assert render_fence("echo hi\n", "sh").lang == "bash"
    assert render_fence("pip install tensorflow\n", "bsh").lang == "bash"
    assert render_fence("a: 1\n", "yml").lang == "yaml"
    assert render_fence("x = 1\n", "py").lang == "python"
    # The same page wherever it is built: IPython's plugin lexer is not asked for.
    assert render_fence("%timeit f()\n", "ipython3").lang == "python"
    assert render_fence('{"a": 1}\n{"a": 2}\n', "jsonl").lang == "json"
    for plain in ("csv", "log", "stdout"):
        fence = render_fence("a,b\n1,2\n", plain)
        assert fence.lang == "text" and fence.notes == (), "output, not an unknown language"


def test_unknown_language_is_escaped_plain_text_with_a_note():
    fence = render_fence("<b>&</b>\n", "klingon")
    assert fence.lang == "text" and "&lt;b&gt;&amp;&lt;/b&gt;" in fence.html
    [note] = fence.notes
    assert "unknown code language 'klingon'" in note


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("import torch\nmodel = torch.nn.Linear(2, 3)\n", "python"),
        ("pip install torch\ncd project\n", "bash"),
        ("$ python train.py\nepoch 1\n", "console"),
        ('{"lr": 0.001, "epochs": 10}\n', "json"),
        ("model:\n  layers: 4\n  dropout: 0.1\n", "yaml"),
        (">>> 1 + 1\n2\n", "pycon"),
        ("#include <stdio.h>\nint main() { return 0; }\n", "cpp"),
        ('@article{weng2023,\n  title = "Prompt Engineering",\n  year = "2023",\n}\n', "bibtex"),
        ("@torch.no_grad()\ndef f(x):\n    return x\n", "python"),
        # A prompt has the shape of YAML, with sentences for values.
        ("Q: What is the capital of France?\nA: Paris.\n", "text"),
        ("User: Tell me a joke about GPUs.\nAssistant:\n", "text"),
        ("name: resnet\ndescription: A residual network for images.\nlayers: 50\n", "yaml"),
    ],
)
def test_guessing_the_language_of_a_bare_fence(code, lang):
    assert guess_language(code) == lang


def test_a_bare_fence_gets_a_guess_and_a_note():
    fence = render_fence("from keras.models import Sequential\n", "")
    [note] = fence.notes
    assert fence.lang == "python" and "no language" in note and "```python" in note


def test_info_string_forms():
    assert parse_info('python title="train.py"') == ("python", 'title="train.py"')
    assert parse_info("{.python}") == ("python", "")
    assert parse_info("") == ("", "")
    assert parse_info('{.python title="x"}') == ("python", 'title="x"}')
    assert parse_info("diff-py") == ("diff-py", "")
    assert parse_info('hl_lines="2"') == ("", 'hl_lines="2"'), "an attribute, not a language"
    assert parse_info('{hl_lines="2"}') == ("", '{hl_lines="2"}')


@pytest.mark.parametrize(
    ("text", "attrs"),
    [
        ('title="a b.py"', Attrs(title="a b.py")),
        ("filename='x.py'", Attrs(title="x.py")),
        ('{hl_lines="1 3-4"}', Attrs(hl_lines=frozenset({1, 3, 4}))),
        ("hl-lines=2,3", Attrs(hl_lines=frozenset({2, 3}))),
        ("{2, 4-5}", Attrs(hl_lines=frozenset({2, 4, 5}))),
        ("linenos", Attrs(numbered=True)),
        ('linenums="7"', Attrs(numbered=True, start=7)),
        ("linenums=off", Attrs(numbered=False)),
        ("linenos=false", Attrs(numbered=False)),
        ("{.input .no-copy .input}", Attrs(classes=("input", "no-copy"))),
        ('.numberLines startFrom="10"', Attrs(numbered=True, start=10)),
        (".number-lines", Attrs(numbered=True)),
    ],
)
def test_fence_attributes(text, attrs):
    assert parse_attrs(text) == (attrs, ())


def test_fence_attributes_not_understood_are_named():
    attrs, notes = parse_attrs('annotate colour=red title="open')
    assert attrs.title == "open"
    assert "unknown code fence attribute 'annotate'" in notes[0]
    assert "unknown code fence attribute 'colour'" in notes[1]
    assert "'title' has no closing quote" in notes[2]
    assert "'title' needs a value" in parse_attrs("title")[1][0]


@pytest.mark.parametrize(
    ("text", "lines"),
    [("3", {3}), ("1 3-5", {1, 3, 4, 5}), ("1,2", {1, 2}), ("0", None), ("5-3", None),
     ("a", None), ("1-", None), ("", None)],
)  # fmt: skip
def test_line_specs(text, lines):
    assert line_spec(text) == (frozenset(lines) if lines is not None else None)


def test_diff_kinds_read_headers_only_before_the_first_hunk():
    lines = ["diff --git a/x b/x", "--- a/x", "+++ b/x", "@@ -1 +1 @@", "--- x", "+y", " z"]
    assert diff_kinds(lines) == ["meta", "meta", "meta", "meta", "del", "add", ""]
    assert diff_kinds(["-a", "+b", "c"]) == ["del", "add", ""], "no hunks: no headers"


def test_windows_and_powershell_sessions_copy_without_prompts():
    assert 'data-copy="dir"' in render_fence("C:\\> dir\nfoo\n", "doscon").html
    assert 'data-copy="Get-Item x"' in render_fence("PS C:\\> Get-Item x\nout\n", "ps1con").html


def test_the_site_default_numbers_blocks_of_two_lines_or_more_except_sessions():
    md = make_parser(line_numbers=True)
    body = "```python\na\nb\n```\n\n```python\na\n```\n\n```pycon\n>>> 1\n1\n```\n"
    html = render(md, body, "x.md", 1).html
    assert html.count("data-n=") == 2
    assert "data-n=" not in render(make_parser(), body, "x.md", 1).html


def test_stylesheet_has_light_and_dark_modes():
    css = stylesheet("friendly", "monokai")
    assert ".highlight" in css and "@media (prefers-color-scheme: dark)" in css


def test_ipython_shell_and_magic_lines_are_not_python_errors():
    """``!pip install`` and ``%matplotlib`` (notebooks, and code pasted from Colab) were
    Pygments error tokens, boxed in red; a ``%`` that continues an expression is not."""
    code = "!pip install -q torch\n%matplotlib inline\n%%time\nx = (1\n     % 2)\ny = 1 != 2\n"
    html = render_fence(code, "python").html
    assert 'class="err"' not in html
    assert '<span class="o">!</span>pip<span class="w"> </span>install' in html
    assert (
        '<span class="k">%matplotlib</span> inline' in html
        and '<span class="k">%%time</span>' in html
    )
    assert '     <span class="o">%</span> <span class="mi">2</span>' in html
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert text.rstrip("\n") == code.rstrip("\n")


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_default_code_colours_are_readable_on_the_themes_code_background():
    """WCAG AA (4.5:1) for every token colour of the default styles, on the background
    the theme gives code blocks in each mode (``--bg-soft``); friendly, the former
    light default, had comments at 2.6:1."""
    from pathlib import Path

    from pygments.styles import get_style_by_name
    from pygments.token import STANDARD_TYPES, Error, Whitespace

    from tensorpress.config import SiteConfig

    theme = (Path(__file__).parents[1] / "static/css/theme.css").read_text()
    light, dark = re.findall(r"--bg-soft:\s*(#[0-9a-fA-F]{6})", theme)[:2]
    defaults = SiteConfig(root=Path("."), output=Path("public"))
    for name, background in ((defaults.style_light, light), (defaults.style_dark, dark)):
        style = get_style_by_name(name)
        low = []
        for token in STANDARD_TYPES:
            color = style.style_for_token(token)["color"]
            if not color or token in (Whitespace, Error):
                continue
            a, b = sorted((_luminance(color), _luminance(background)), reverse=True)
            if (a + 0.05) / (b + 0.05) < 4.5:
                low.append((str(token), color))
        assert low == [], f"{name} on {background}: {low}"


def test_prose_that_opens_lines_as_python_statements_do_is_not_python():
    """A model's sample text in a bare fence ("with thy love", "return to...") was
    guessed Python, and check then said it did not parse."""
    sample = (
        "ROMEO:\n"
        "with the love of heaven, and for all in\n"
        "return to thy house, my lord.\n"
        "The king is dead.\n"
    )
    assert guess_language(sample) == "text"
    assert guess_language("with open(p) as f:\n    data = f.read()\n") == "python"
    assert guess_language("for x, y in pairs:\n    total += x * y\n") == "python"
    assert guess_language("@torch.no_grad()\ndef f(x):\n    return x\n") == "python"
