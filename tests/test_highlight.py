"""Code fences: our fence rule, language choice, guessing and the stylesheet."""

import pytest

from tensorpress.highlight import guess_language, parse_info, render_fence, stylesheet


def test_fence_html_has_a_single_pre_and_css_classes():
    fence = render_fence("x = 1\n", "python")
    assert fence.html.count("<pre") == 1
    assert fence.html.startswith(
        '<div class="highlight" data-lang="python"><pre tabindex="0"><code'
    )
    assert '<span class="n">x</span>' in fence.html and "style=" not in fence.html
    assert fence.note is None


def test_aliases_resolve_to_the_lexer():
    assert render_fence("echo hi\n", "sh").lang == "bash"
    assert render_fence("a: 1\n", "yml").lang == "yaml"
    assert render_fence("x = 1\n", "py").lang == "python"


def test_unknown_language_is_escaped_plain_text_with_a_note():
    fence = render_fence("<b>&</b>\n", "klingon")
    assert fence.lang == "text" and "&lt;b&gt;&amp;&lt;/b&gt;" in fence.html
    assert "unknown code language 'klingon'" in fence.note


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
    ],
)
def test_guessing_the_language_of_a_bare_fence(code, lang):
    assert guess_language(code) == lang


def test_a_bare_fence_gets_a_guess_and_a_note():
    fence = render_fence("from keras.models import Sequential\n", "")
    assert fence.lang == "python" and "no language" in fence.note and "```python" in fence.note


def test_info_string_forms():
    assert parse_info('python title="train.py"') == ("python", 'title="train.py"')
    assert parse_info("{.python}") == ("python", "")
    assert parse_info("") == ("", "")


def test_stylesheet_has_light_and_dark_modes():
    css = stylesheet("friendly", "monokai")
    assert ".highlight" in css and "@media (prefers-color-scheme: dark)" in css
