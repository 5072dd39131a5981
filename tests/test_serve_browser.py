"""Live reload in a real browser: headless Chromium sees edits without being told.

Chromium is a hard requirement (CI installs Debian's package): a missing browser fails
the test with the fix, it does not skip, so a green run always means the browser ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tensorpress.serve import DevServer

from .browser import chromium

WAIT_MS = 10_000


def post(title: str, body: str, date: str = "2024-02-01") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntopics: [gan]\n---\n\n{body}\n"


def save(path: Path, text: str) -> None:
    """Write a temporary file and rename it into place, as many editors do."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, "utf-8")
    os.replace(temp, path)


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def test_the_open_page_follows_edits_errors_and_stylesheets(site, browser):
    from playwright.sync_api import expect

    gan = site.write("content/gan.md", post("GANs", "Generators and critics."))
    css = site.write("static/css/extra.css", "body { outline-color: rgb(1, 2, 3); }\n")
    site.write("templates/base.html", _base_with_extra_css())
    with DevServer(site.root, port=0, quiet=0.02) as server:
        page = browser.new_page()
        page.goto(server.url + "posts/gan/")
        article = page.locator("article")
        expect(article).to_contain_text("Generators and critics.")

        save(gan, post("GANs", "Critics learn to **doubt** generators."))
        expect(article).to_contain_text("Critics learn to doubt generators.", timeout=WAIT_MS)

        save(gan, post("GANs", "Broken.").replace("date: 2024-02-01", "date: nope"))
        overlay = page.locator("#tensorpress-overlay")
        expect(overlay).to_be_visible(timeout=WAIT_MS)
        expect(overlay).to_contain_text("content/gan.md:3: error")
        expect(article).to_contain_text("Critics learn to doubt generators.")

        save(gan, post("GANs", "Fixed, and reloaded by itself."))
        expect(article).to_contain_text("Fixed, and reloaded by itself.", timeout=WAIT_MS)
        expect(overlay).to_have_count(0)

        page.evaluate("window.tensorpressMarker = 'still here'")
        save(css, "body { outline-color: rgb(4, 5, 6); }\n")
        page.wait_for_function(
            "getComputedStyle(document.body).outlineColor === 'rgb(4, 5, 6)'", timeout=WAIT_MS
        )
        assert page.evaluate("window.tensorpressMarker") == "still here", "swapped, not reloaded"


def _base_with_extra_css() -> str:
    """The theme's base template with one more stylesheet, so the test owns a CSS file."""
    from tensorpress.render import theme_dir

    base = (theme_dir() / "templates" / "base.html").read_text("utf-8")
    link = '<link rel="stylesheet" href="{{ \'css/extra.css\' | url }}">\n</head>'
    return base.replace("</head>", link, 1)
