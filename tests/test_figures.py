"""Figures, image sizes, admonitions and sidenotes: in the HTML and in Chromium."""

import base64
import re
import struct

from .browser import chromium, static_server

PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _png(width: int, height: int) -> bytes:
    """A PNG header that says width x height (enough for the size reader)."""
    return PNG_1x1[:16] + struct.pack(">II", width, height) + PNG_1x1[24:]


def test_titled_images_become_numbered_figures_with_sizes(site):
    site.post(
        "viz/index.md",
        '![Loss](loss.png "Training loss")\n\n![Acc](acc.svg "Accuracy")\n\n'
        "Inline ![icon](loss.png) image.\n",
        title="Viz",
        date="2024-01-01",
    )
    site.write("content/viz/loss.png", _png(640, 480))
    site.write(
        "content/viz/acc.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"></svg>',
    )
    assert site.build().code == 0
    page = site.page("posts/viz/index.html")
    figures = re.findall(r'<figure class="figure" id="figure-(\d)">(.*?)</figure>', page, re.S)
    assert [n for n, _ in figures] == ["1", "2"]
    assert '<span class="figure-number">Figure 1.</span> Training loss</figcaption>' in page
    assert 'width="640" height="480"' in figures[0][1] and 'loading="lazy"' in figures[0][1]
    assert 'width="300" height="150"' in figures[1][1]
    assert re.search(r'<p>Inline <img width="640" height="480" src="loss.png"', page)


def test_a_caption_that_numbers_itself_keeps_the_authors_number(site):
    """Posts moved from elsewhere write "Fig. 3." into captions and refer to it."""
    site.post(
        "viz/index.md",
        '![Loss](loss.png "Fig. 3. Training loss")\n\n![Acc](loss.png "Accuracy")\n',
        title="Viz",
        date="2024-01-01",
    )
    site.write("content/viz/loss.png", _png(64, 48))
    assert site.build().code == 0
    page = site.page("posts/viz/index.html")
    assert "<figcaption>Fig. 3. Training loss</figcaption>" in page
    assert '<span class="figure-number">Figure 2.</span> Accuracy</figcaption>' in page


def test_a_missing_image_is_a_warning_with_file_and_line(site):
    site.post("p.md", "Text.\n\n![Gone](missing.png)\n", title="P", date="2024-01-01")
    run = site.build()
    assert run.code == 0
    assert "content/p.md:8: warning: image 'missing.png' not found" in run.err


def test_admonitions_in_both_syntaxes(site):
    site.post(
        "a.md",
        "> [!WARNING]\n> Mind the learning rate.\n\n"
        '!!! tip "Warm-up"\n    Start small.\n\n??? note "Details"\n    Hidden until opened.\n',
        title="A",
        date="2024-01-01",
    )
    assert site.build().code == 0
    page = site.page("posts/a/index.html")
    assert '<div class="markdown-alert markdown-alert-warning">' in page
    assert '<div class="admonition tip">\n<p class="admonition-title">Warm-up</p>' in page
    assert '<details class="admonition note">\n<summary class="admonition-title">Details' in page


FOOTNOTED = (
    "A claim.[^1] More text " + "filler words " * 60 + "\n\n[^1]: The *evidence*, with $x^2$.\n"
)


def test_footnotes_become_sidenotes_beside_their_reference(site):
    site.post("f.md", FOOTNOTED, title="F", date="2024-01-01")
    assert site.build().code == 0
    page = site.page("posts/f/index.html")
    assert re.search(
        r'</sup><span class="sidenote" role="note"><span class="sidenote-number">'
        r"1</span> The <em>evidence</em>, with <math",
        page,
    )
    assert '<section class="footnotes has-sidenotes">' in page


def test_sidenotes_sit_in_the_margin_on_wide_screens_and_footnotes_on_phones(site):
    site.post("f.md", FOOTNOTED, title="F", date="2024-01-01")
    assert site.build().code == 0
    with static_server(site.out) as base, chromium() as browser:
        wide = browser.new_page(viewport={"width": 1400, "height": 900})
        wide.goto(base + "posts/f/")
        note = wide.locator(".sidenote").bounding_box()
        body = wide.locator(".post-body").bounding_box()
        assert note is not None and note["x"] + note["width"] <= body["x"], "left of the text"
        assert not wide.locator("section.footnotes").is_visible()
        phone = browser.new_page(viewport={"width": 390, "height": 800})
        phone.goto(base + "posts/f/")
        assert not phone.locator(".sidenote").is_visible()
        assert phone.locator("section.footnotes").is_visible()
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0


def test_kramdown_attributes_on_images_and_links_are_applied(site):
    """The PyTorch blog's ``{:style="..."}`` after an image and ``{:target="_blank"}``
    after a link: applied, never shown as text."""
    site.post(
        "attrs.md",
        '![Plot](/assets/fg2.jpg){:style="width:100%"}{:style="max-width:600px; display:block"}\n\n'
        'Get [the data](https://example.org/d.zip){:target="_blank" .ext} and '
        "[x](https://example.org){: #lnk}.\n",
        title="Attrs",
        date="2024-01-05",
    )
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/attrs/index.html")
    assert 'style="max-width:600px; display:block"' in page
    assert '<a href="https://example.org/d.zip" class="ext" target="_blank">the data</a>' in page
    assert '<a href="https://example.org" id="lnk">x</a>' in page
    assert "{:" not in page


def test_a_caption_is_read_as_markdown_and_its_alt_text_is_plain(site):
    """Hugo renders a figure's caption as Markdown: bold and links in it were shown as
    ``**`` and ``](``; raw HTML in a title stays text, and so does TeX."""
    site.write("content/a.png", _png(4, 3))
    site.post(
        "cap.md",
        '{{< figure src="a.png" caption="**Left** - from [the paper](https://e.org/p)" >}}\n\n'
        '![Math](a.png "Loss $x^2$ and <b> kept")\n',
        title="Cap",
        date="2024-01-05",
    )
    run = site.build("--strict")
    assert run.code == 0, run.err
    page = site.page("posts/cap/index.html")
    assert (
        '<strong>Left</strong> - from <a href="https://e.org/p">the paper</a></figcaption>' in page
    )
    assert 'alt="Left - from the paper"' in page
    assert "Loss $x^2$ and &lt;b&gt; kept</figcaption>" in page


def test_an_image_size_given_as_a_bare_number_is_pixels(site):
    """Chirpy's ``{: width="700" height="400" }`` became ``width: 700`` in the style,
    which browsers ignore: a bare number is pixels, as in HTML's width attribute."""
    site.post(
        "p.md",
        '![Loss](loss.png){: width="700" height="400" .w-75}\n\n![Acc](acc.png){width=50%}\n',
        title="P",
        date="2024-01-05",
    )
    site.write("content/loss.png", b"\x89PNG\r\n\x1a\n")
    site.write("content/acc.png", b"\x89PNG\r\n\x1a\n")
    run = site.build()
    assert run.code == 0, run.err
    page = site.page("posts/p/index.html")
    assert 'style="width: 700px; height: 400px"' in page
    assert 'style="width: 50%"' in page
