"""Copy buttons and code layout as a reader meets them, in headless Chromium."""

import textwrap

import pytest

from tensorpress.cli import main

from .browser import chromium, static_server

NUMBERED = "import torch\n\nmodel = torch.nn.Linear(2, 3)  # <b>&\nprint(model)"
PYCON = (
    ">>> import math\n>>> math.sqrt(4)\n2.0\n>>> for i in range(2):\n...     print(i)\n...\n0\n1"
)
CONSOLE = "$ pip install torch\nCollecting torch\n  Downloading torch.whl\n$ python train.py"
LONG_LINE = "y = " + " + ".join(f"weights_{i} * inputs_{i}" for i in range(20))
POST = textwrap.dedent(
    """\
    ---
    title: Copying code
    date: 2024-03-01
    ---

    Some text before the code.

    ```python title="model.py" linenums="1" hl_lines="3"
    {numbered}
    ```

    ```pycon
    {pycon}
    ```

    ```console
    {console}
    ```

    ```python
    {long_line}
    ```
    """
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("code-site")
    body = POST.format(numbered=NUMBERED, pycon=PYCON, console=CONSOLE, long_line=LONG_LINE)
    (root / "content").mkdir()
    (root / "content" / "copying.md").write_text(body, "utf-8")
    out = root / "public"
    assert main(["build", "-s", str(root), "-o", str(out), "-q", "--no-cache"]) == 0
    with static_server(out) as url, chromium() as browser:
        yield url + "posts/copying/", browser


@pytest.fixture
def page(served):
    url, browser = served
    context = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1000, "height": 900}
    )
    page = context.new_page()
    page.goto(url)
    yield page
    context.close()


def _clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def _copied(page, button) -> str:
    page.evaluate("navigator.clipboard.writeText('-')")
    button.click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t !== '-')")
    return _clipboard(page)


def test_every_block_gets_a_real_labelled_button(page):
    buttons = page.locator("div.highlight > button.code-copy")
    assert buttons.count() == page.locator("div.highlight").count() == 4
    assert buttons.first.get_attribute("aria-label") == "Copy code: model.py"
    assert buttons.nth(1).get_attribute("aria-label") == "Copy code"
    assert buttons.first.get_attribute("type") == "button" and buttons.first.is_visible()


def test_a_numbered_block_copies_its_source_exactly(page):
    block = page.locator("div.highlight").first
    assert block.locator(".line[data-n]").count() == 4
    assert _copied(page, block.locator("button.code-copy")) == NUMBERED


def test_sessions_copy_the_commands_only(page):
    blocks = page.locator("div.highlight")
    pycon = _copied(page, blocks.nth(1).locator("button"))
    assert pycon == "import math\nmath.sqrt(4)\nfor i in range(2):\n    print(i)"
    console = _copied(page, blocks.nth(2).locator("button"))
    assert console == "pip install torch\npython train.py"


def test_the_button_works_from_the_keyboard_and_says_copied(page):
    target = page.locator("div.highlight").nth(2).locator("button")
    page.evaluate("navigator.clipboard.writeText('-')")
    for _ in range(40):
        page.keyboard.press("Tab")
        if target.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the console block's copy button")
    page.keyboard.press("Enter")
    page.wait_for_function("navigator.clipboard.readText().then(t => t !== '-')")
    assert _clipboard(page) == "pip install torch\npython train.py"
    assert target.inner_text() == "Copied"
    status = page.locator(".code-copy-status[aria-live='polite']")
    assert status.count() == 1 and status.text_content() == "Copied to clipboard"
    assert target.evaluate("b => b === document.activeElement"), "focus stays on the button"


def test_without_javascript_there_is_no_button(served):
    url, browser = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    assert page.locator("div.highlight").count() == 4
    assert page.locator("button").count() == 0
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_long_line_scrolls_inside_its_block_on_a_phone(served, scheme):
    url, browser = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    pre = page.locator("div.highlight pre").nth(3)
    assert pre.evaluate("e => e.scrollWidth > e.clientWidth + 100")
    assert pre.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
    button = page.locator("div.highlight").nth(3).locator("button")
    box, frame = button.bounding_box(), page.locator("div.highlight").nth(3).bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"], "the button stays inside"
    assert box["height"] >= 24, "a touch target of at least 24px"
    context.close()
