"""Series, related posts and citation data on post pages."""

import json
import re


def _posts(site):
    site.post(
        "p1.md",
        "One.",
        title="Attention, part one",
        date="2024-01-01",
        topics="[transformers, nlp]",
        series='"Transformers from scratch"',
    )
    site.post(
        "p2.md",
        "Two.",
        title="Attention, part two",
        date="2024-02-01",
        topics="[transformers]",
        series='"Transformers from scratch"',
    )
    site.post("cnn.md", "Conv.", title="CNNs", date="2024-03-01", topics="[cnn]")
    site.post(
        "nlp.md",
        "Words.",
        title="Tokenizers",
        date="2024-04-01",
        topics="[nlp, transformers]",
        authors='["tensorpress team", "Research Group"]',
    )


def test_series_have_parts_navigation_and_a_page(site):
    _posts(site)
    assert site.build().code == 0
    two = site.page("posts/p2/index.html")
    assert "Part 2 of 2 in the series" in two
    assert 'href="../../series/transformers-from-scratch/"' in two
    assert re.search(r'<span aria-current="page">Attention, part two</span>', two)
    assert 'href="../../posts/p1/"' in two
    series = site.page("series/transformers-from-scratch/index.html")
    assert series.index("Attention, part one") < series.index("Attention, part two")
    assert "Part" not in site.page("posts/cnn/index.html").split("<main")[1].split("Related")[0]


def test_related_posts_share_topics(site):
    _posts(site)
    assert site.build().code == 0
    page = site.page("posts/nlp/index.html")
    related = page.split('id="related-heading"')[1].split("</nav>")[0]
    assert related.index("Attention, part one") < related.index("Attention, part two")
    assert "CNNs" not in related, "no shared topic, not related"
    assert 'id="related-heading"' not in site.page("posts/cnn/index.html")


def test_cite_this_post_bibtex_scholar_tags_and_json_ld(site):
    _posts(site)
    assert site.build("--base-url", "https://example.org/blog/").code == 0
    page = site.page("posts/nlp/index.html")
    assert '<meta name="citation_title" content="Tokenizers">' in page
    assert page.count('<meta name="citation_author"') == 2
    assert '<meta name="citation_publication_date" content="2024/04/01">' in page
    bib = re.search(r'<pre class="bibtex"[^>]*><code>(.*?)</code>', page, re.S).group(1)
    assert bib.startswith("@online{nlp2024,") and "title = {{Tokenizers}}" in bib
    assert "url = {https://example.org/blog/posts/nlp/}" in bib and "year = {2024}" in bib
    ld = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert ld["@type"] == "BlogPosting" and ld["headline"] == "Tokenizers"
    assert [a["name"] for a in ld["author"]] == ["tensorpress team", "Research Group"]
    assert ld["datePublished"].startswith("2024-04-01")


def test_json_ld_cannot_break_out_of_its_script(site):
    site.post("x.md", "x", title='"</script><script>alert(1)</script>"', date="2024-01-01")
    assert site.build().code == 0
    page = site.page("posts/x/index.html")
    script = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in script and json.loads(script)["headline"].startswith("</script>")


def test_related_posts_match_counting_by_hand():
    """The bitmask algorithm against the obvious quadratic one, on many random sites."""
    import random
    from datetime import datetime

    from tensorpress.models import Post, TopicRef
    from tensorpress.render import related_posts

    def post(i, topics):
        refs = tuple(TopicRef(t, t, f"topics/{t}/") for t in topics)
        return Post(
            f"content/{i}.md",
            f"P{i}",
            f"p{i}",
            f"posts/p{i}/",
            datetime(2024, 1, 1),
            None,
            refs,
            "",
            "",
            (),
            0,
            1,
            (),
            None,
            False,
        )

    rng = random.Random(7)
    for _ in range(50):
        posts = [
            post(i, rng.sample("abcdef", rng.randint(0, 4))) for i in range(rng.randint(1, 40))
        ]
        got = related_posts(posts)
        for i, p in enumerate(posts):
            mine = {t.slug for t in p.topics}
            scored = [
                (-len(mine & {t.slug for t in q.topics}), j)
                for j, q in enumerate(posts)
                if j != i and mine & {t.slug for t in q.topics}
            ]
            want = [posts[j].url for _, j in sorted(scored)[:3]]
            assert [posts[j].url for j in got[i]] == want
