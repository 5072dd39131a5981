"""The default theme as a reader sees it, in headless Chromium at phone and desktop widths."""

import re

import pytest

from tensorpress.cli import main

from .browser import chromium, static_server
from .conftest import REPO


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example blog, built under a sub-path and served over HTTP."""
    root = tmp_path_factory.mktemp("www")
    out = root / "blog"
    assert (
        main(
            [
                "build",
                "-s",
                str(REPO),
                "-o",
                str(out),
                "-q",
                "--no-cache",
                "--base-url",
                "http://127.0.0.1/blog/",
            ]
        )
        == 0
    )
    with static_server(root) as url:
        yield url + "blog/", out


def _pages(out):
    post = sorted(p.parent.name for p in (out / "posts").glob("*/index.html"))[0]
    return ["", f"posts/{post}/", "topics/", "archive/"]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_the_screen_and_show_their_content(served, width, scheme, tmp_path):
    base, out = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
        failed = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        for rel in _pages(out):
            page.goto(base + rel)
            assert page.locator("h1").count() >= 1, rel
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{rel} scrolls sideways by {overflow}px at {width}px"
            font = page.evaluate("getComputedStyle(document.body).fontSize")
            assert float(font.removesuffix("px")) >= 15, f"{rel}: body text is {font}"
            if rel.startswith("posts/"):
                code = page.locator("div.highlight pre").first
                assert code.count() == 1
                assert code.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
                page.screenshot(path=str(tmp_path / f"post-{width}-{scheme}.png"), full_page=True)
        assert failed == [], f"requests that failed: {failed}"
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        brightness = sum(int(c) for c in re.findall(r"\d+", bg)[:3])
        assert brightness > 600 if scheme == "light" else brightness < 200, bg


def test_posts_read_well_with_javascript_off(served):
    base, out = served
    post = sorted(p.parent.name for p in (out / "posts").glob("*/index.html"))[0]
    with chromium() as browser:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 900}
        )
        page = context.new_page()
        page.goto(base + f"posts/{post}/")
        assert page.locator("article h1").is_visible()
        assert page.locator(".post-body p").first.is_visible()
        assert page.locator("math").count() > 0 or page.locator(".highlight").count() > 0
        toc = page.locator("details.toc-inline")
        if toc.count():
            toc.locator("summary").click()
            assert toc.locator("a").first.is_visible(), "the contents open without JavaScript"
        assert page.locator(".copy-button, button.copy").count() == 0
