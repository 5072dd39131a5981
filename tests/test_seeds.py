"""Raw drafts like the ones authors paste from a model build into readable posts."""

import re
import shutil
from html import unescape
from pathlib import Path

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def _seed_site(site):
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, site.root / "content" / (seed.stem + ".md"))
    return site.build()


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))


def test_seeds_build_with_warnings_that_name_file_and_line(site):
    run = _seed_site(site)
    assert run.code == 0, run.err
    for name in ("000_1442f74924e9fc19", "002_17aa6f43e2435efa"):
        lines = [ln for ln in run.lines if ln.startswith(f"content/{name}.md:")]
        assert any(":1: warning: this line looks like a prompt" in ln for ln in lines)
        assert any("no title in front matter" in ln for ln in lines)
        assert any("no date in front matter" in ln for ln in lines)
        assert any("no topics in front matter; inferred from the text" in ln for ln in lines)
        assert any("code fence has no language; highlighted as 'python'" in ln for ln in lines)
    assert "content/000_1442f74924e9fc19.md:112: warning: '[end of text]'" in run.err


def test_the_fence_left_open_in_the_keras_example_is_closed_before_the_prose(site):
    run = _seed_site(site)
    assert (
        "content/002_17aa6f43e2435efa.md:82: warning: code fence opened here seems to end "
        "before the prose at line 100; closed it at line 97"
    ) in run.err
    html = site.page("posts/002-17aa6f43e2435efa/index.html")
    assert html.count('<div class="highlight" data-lang="python">') == 4
    for heading in ("Building a Simple RNN", "Building a GAN", "Building an Autoencoder"):
        assert re.search(rf"<h3[^>]*>[^<]*{heading}", html), heading
    assert re.search(r"<h1[^>]*>FAQs", html)
    assert re.search(r"<p>Conclusion\s+Deep learning is a powerful tool for solving", html)
    assert re.search(r"<h1[^>]*>Background", html), "setext heading after a paragraph"


def test_nothing_the_author_wrote_is_lost_but_artefacts_are(site):
    _seed_site(site)
    for seed in sorted(SEEDS.glob("*.txt")):
        page = _text(site.page(f"posts/{seed.stem.replace('_', '-')}/index.html"))
        for line in seed.read_text().splitlines()[1:]:
            words = line.strip().lstrip("#").replace("[end of text]", "").strip()
            if len(words) > 20 and not set(words) <= set("=-`"):
                assert re.sub(r"\s+", " ", words) in page, words
        assert "[end of text]" not in page
        assert "Write a technical blog post" not in page
    assert "<title>Deep Learning" in site.page("posts/000-1442f74924e9fc19/index.html")


def _check_seeds(site):
    from tensorpress.cli import main

    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, site.root / "content" / (seed.stem + ".md"))
    site.capsys.readouterr()
    code = main(["check", "-s", str(site.root)])
    return code, site.capsys.readouterr().out


def test_check_points_at_the_open_fence_and_at_the_code_left_outside_it(site):
    code, out = _check_seeds(site)
    assert code == 0, "warnings only"
    name = "content/002_17aa6f43e2435efa.md"
    assert f"{name}:82: warning: code fence opened here seems to end before the prose" in out
    assert (
        f"{name}:102: warning: lines 102-110 look like Python code outside any code block as "
        "written: the ``` at line 101 closes the block opened at line 82 instead of opening "
        "one for them: end the block opened at line 82 where its code ends, so that line 101 "
        "opens this one"
    ) in out
    assert f"{name}:149: warning: lines 149-158 look like Python code" in out
    assert not any("outside any code block" in ln for ln in out.splitlines() if "000_" in ln)


def test_a_markdown_example_with_headings_is_never_closed_early(site):
    site.post(
        "a.md",
        """\
        How a post looks:

        ```markdown
        ## Results

        The model reached ninety percent accuracy on the held-out test set.
        ```
        """,
        title="A",
        date="2024-01-01",
    )
    run = site.build()
    assert run.code == 0 and "warning" not in run.err
    assert "<h2" not in site.page("posts/a/index.html").split('class="prose', 1)[1]


def test_drafts_as_they_come_in_txt_files_are_posts_and_other_txt_files_are_files(site):
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, site.root / "content" / seed.name)
    site.write("content/requirements.txt", "torch>=2.1\nnumpy\n")
    site.write("content/notes/LICENSE.txt", "MIT License\n\nPermission is hereby granted.\n")
    site.post("a.md", "See [the draft](000_1442f74924e9fc19.txt).", title="A", date="2024-01-01")
    run = site.build()
    assert run.code == 0, run.err
    name = "content/000_1442f74924e9fc19.txt"
    assert (
        f"{name}:1: warning: a plain-text draft that reads as Markdown: built as a post; "
        "rename it to 000_1442f74924e9fc19.md to say so"
    ) in run.lines
    assert f"{name}:112: warning: '[end of text]'" in run.err
    page = site.page("posts/000-1442f74924e9fc19/index.html")
    assert '<div class="highlight" data-lang="python">' in page
    assert "[end of text]" not in _text(page)
    assert "posts/002-17aa6f43e2435efa/index.html" in site.files()
    assert "000_1442f74924e9fc19.txt" not in site.files(), "a post, not also a file"
    assert 'href="../../posts/000-1442f74924e9fc19/"' in site.page("posts/a/index.html")
    assert site.files()["requirements.txt"] == b"torch>=2.1\nnumpy\n"
    assert "notes/LICENSE.txt" in site.files()
    assert "requirements" not in run.err and "LICENSE" not in run.err


def test_check_fix_gives_a_txt_draft_front_matter_in_place(site):
    from tensorpress.cli import main

    seed = sorted(SEEDS.glob("*.txt"))[0]
    draft = site.root / "content" / seed.name
    shutil.copy(seed, draft)
    assert main(["check", "--fix", "-s", str(site.root)]) == 0
    text = draft.read_text()
    assert text.startswith('---\ntitle: "Deep Learning"\n'), text[:200]
    assert "Write a technical blog post" not in text and "```python" in text
