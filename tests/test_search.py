"""Client-side search: the JSON index built with the site, and the page in Chromium."""

import json

from .browser import chromium, static_server


def _blog(site):
    site.post(
        "gan.md",
        "Generators and discriminators play a minimax game. They are hard to train\n"
        "because the generator can collapse.\n",
        title="GANs explained",
        date="2024-02-01",
        topics="[gan]",
    )
    site.post(
        "lstm.md",
        "Gates decide what the cell state keeps. The minimax word too.\n",
        title="LSTM gates",
        date="2024-01-01",
        topics="[rnn]",
    )
    site.post("cafe.md", "Un réseau de neurones au café.\n", title="Réseaux", date="2023-01-01")


def test_the_index_lists_every_post_with_title_topics_and_text(site):
    _blog(site)
    assert site.build().code == 0
    index = json.loads((site.out / "search.json").read_text("utf-8"))
    assert [e["t"] for e in index] == ["GANs explained", "LSTM gates", "Réseaux"]
    gan = index[0]
    assert gan["u"] == "posts/gan/" and gan["k"] == ["GANs"] and gan["d"] == "2024-02-01"
    assert "minimax game" in gan["x"]
    assert "hard to train because the generator" in gan["x"], "a line end is a space"
    assert (site.out / "search/index.html").exists()


def test_searching_as_you_type_in_chromium(site):
    _blog(site)
    assert site.build("--base-url", "http://127.0.0.1/sub/").code == 0
    with static_server(site.root) as base, chromium() as browser:
        page = browser.new_page()
        page.goto(base + "public/search/")
        page.fill("#search-q", "minimax")
        page.wait_for_function("document.querySelectorAll('.search-results li').length == 2")
        titles = page.locator(".search-results li a").all_inner_texts()
        assert titles == ["GANs explained", "LSTM gates"]
        page.fill("#search-q", "gates minimax")
        page.wait_for_function("document.querySelectorAll('.search-results li').length == 1")
        page.fill("#search-q", "reseau")  # accents folded
        page.wait_for_function("document.querySelectorAll('.search-results li').length == 1")
        page.locator(".search-results li a").click()
        page.wait_for_load_state()
        assert page.url.endswith("/public/posts/cafe/")
        page.goto(base + "public/search/?q=zebra")
        page.wait_for_function("document.querySelector('.search-status').textContent.length")
        assert page.locator(".search-status").inner_text() == "No posts match."


def test_prose_collapses_white_space_as_a_regular_expression_would():
    """The fast ``str.split`` form against the obvious one, on random text made of the
    white space characters Unicode knows: the speed-up must not change the index."""
    import random
    import re

    from tensorpress.search import TEXT_LIMIT, prose

    rng = random.Random(5)
    chars = list("a\u00e9 \n\t\r\x0b\x1c\x85\xa0\u2003")
    for _ in range(5000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 40)))
        text *= rng.choice((1, 1, 7, 400))
        assert prose(text) == re.sub(r"\s+", " ", text[: TEXT_LIMIT * 2])[:TEXT_LIMIT]


def test_plain_text_is_the_tags_out_and_white_space_collapsed():
    import random
    import re

    from tensorpress.search import plain_text

    rng = random.Random(6)
    chars = [
        "a",
        "\u00e9",
        " ",
        "\n",
        "\t",
        "\x0b",
        "\x1c",
        "\x85",
        "\xa0",
        "\u2003",
        "<b>",
        "</p>",
    ]
    for _ in range(3000):
        html = "".join(rng.choice(chars) for _ in range(rng.randint(0, 30)))
        expected = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()
        assert plain_text(html) == expected, repr(html)
