"""Built math as a reader sees it: headless Chromium lays out the MathML in the served font."""

import pytest

from tensorpress.cli import main

from .browser import chromium, static_server

POST = r"""---
title: Formulas
date: 2024-01-01
topics: [training]
---

The loss $\mathcal{L}(\boldsymbol{\theta})$ over $\mathbf{x} \in \mathbb{R}^n$.

$$
\hat{\theta} = \operatorname*{argmin}_{\theta} \frac{1}{N} \sum_{n=1}^{N}
\ell\big(f_\theta(x_n), y_n\big) + \lambda \lVert \theta \rVert_2^2 \label{eq:fit}
$$

\begin{align}
\nabla_\theta J &= \mathbb{E}\left[\sum_t \nabla_\theta \log \pi_\theta(a_t \mid s_t) R\right] \\
W &= \begin{pmatrix} w_{11} & w_{12} & w_{13} & w_{14} & w_{15} & w_{16} & w_{17} & w_{18} \\
w_{21} & w_{22} & w_{23} & w_{24} & w_{25} & w_{26} & w_{27} & w_{28} \end{pmatrix}
\end{align}

By \eqref{eq:fit}.
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("mathsite")
    (root / "content").mkdir()
    (root / "content" / "formulas.md").write_text(POST, "utf-8")
    out = root / "public"
    assert main(["build", "-s", str(root), "-o", str(out), "-q", "--no-cache"]) == 0
    with static_server(out) as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_math_is_laid_out_in_the_served_font_and_fits_a_phone(served, scheme, tmp_path):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800}, color_scheme=scheme)
        fonts, failed = [], []
        page.on("response", lambda r: fonts.append(r.url) if r.url.endswith(".woff2") else None)
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(served + "posts/formulas/")
        loaded = page.evaluate(
            """async () => {
                await document.fonts.load('16px "STIX Math"', '\u2211');
                await document.fonts.ready;
                return [...document.fonts]
                    .filter(f => f.family.replace(/"/g, '') === 'STIX Math')
                    .map(f => f.status);
            }"""
        )
        assert loaded == ["loaded"], "the @font-face of math.css loaded"
        assert page.evaluate("document.fonts.check('16px \"STIX Math\"')")
        assert [u for u in fonts if u.startswith(served)], "the font came from the site itself"
        assert failed == []
        family = page.locator("math").first.evaluate("m => getComputedStyle(m).fontFamily")
        assert family.startswith('"STIX Math"')

        sizes = page.locator("math").evaluate_all(
            "ms => ms.map(m => { const r = m.getBoundingClientRect(); return [r.width, r.height] })"
        )
        assert len(sizes) == 4
        assert all(w > 0 and h > 0 for w, h in sizes), sizes
        tall = page.locator(".math-display math").first.bounding_box()
        assert tall["height"] > 30, "display math is set large, fractions stacked"

        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        wide = page.locator("#eq-fit ~ .math-display math")
        assert wide.evaluate("m => m.scrollWidth > m.clientWidth"), "a wide formula scrolls itself"
        assert wide.evaluate("m => getComputedStyle(m).overflowX") == "auto"
        number = page.locator("#eq-fit .eq-no").bounding_box()
        formula = page.locator("#eq-fit math").bounding_box()
        assert number["x"] >= formula["x"] + formula["width"] - 1, "the number sits to the right"
        page.screenshot(path=str(tmp_path / f"math-{scheme}.png"), full_page=True)


ALIGNED = r"""---
title: Aligned
date: 2024-01-01
---

$$
\begin{aligned}
\nabla_\theta J(\theta) &= \nabla_\theta V(s_0) & \text{; start} \\
&= \sum_{s} \eta(s) \phi(s) + \frac{a}{b} \\
x &= {\color{blue} y}
\end{aligned}
$$

Inline $x_0$, $x_T$ and $f$, and an image ![formula](a.gif) inside the sentence.

![Alone](b.gif)
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_aligned_rows_line_up_and_inline_math_is_not_clipped(tmp_path, scheme):
    """Chromium's MathML ignores columnalign: without our CSS the rows of an aligned
    block were centred (their = signs apart), inline formulas lost the bottom of their
    subscripts to their scrolling box, and \\color{blue} vanished on the dark page."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "aligned.md").write_text(ALIGNED, "utf-8")
    out = tmp_path / "public"
    assert main(["build", "-s", str(tmp_path), "-o", str(out), "-q", "--no-cache"]) == 0
    with static_server(out) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        page.goto(url + "posts/aligned/")
        page.evaluate("document.fonts.ready")
        equals = page.evaluate(
            """() => [...document.querySelectorAll('mtr')].map(row =>
                [...row.querySelectorAll('mo')].find(mo => mo.textContent === '=')
                .getBoundingClientRect().left)"""
        )
        assert len(equals) == 3 and max(equals) - min(equals) < 1, equals
        lhs = page.evaluate(
            """() => [...document.querySelectorAll('mtr')].map(row => {
                const cell = row.querySelector('mtd').getBoundingClientRect();
                const last = row.querySelector('mtd').lastElementChild;
                return last ? cell.right - last.getBoundingClientRect().right : null; })"""
        )
        assert lhs[0] < 1 and lhs[2] < 1, f"left sides end at the = sign: {lhs}"
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('p math')]
                .filter(m => m.scrollHeight > m.clientHeight).length"""
        )
        assert clipped == 0
        blue = page.locator('[mathcolor="blue"]').evaluate("e => getComputedStyle(e).color")
        assert blue == ("rgb(0, 0, 255)" if scheme == "light" else "rgb(130, 170, 255)")
        inline = page.locator('img[alt="formula"]').evaluate("e => getComputedStyle(e).display")
        alone = page.locator('img[alt="Alone"]').evaluate("e => getComputedStyle(e).display")
        assert (inline, alone) == ("inline", "block")
