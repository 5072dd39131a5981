"""Citations from a BibTeX file: Pandoc's [@key], Distill's <d-cite>, d2lbook's :cite:."""

import re

from .test_compat import build_one

BIB = r"""
@inproceedings{vaswani2017attention,
  title={Attention is {All} you Need},
  author={Vaswani, Ashish and Shazeer, Noam and Parmar, Niki},
  booktitle={Advances in Neural Information Processing Systems},
  year={2017},
  url={https://arxiv.org/abs/1706.03762}
}
@article{he2016, title = "Deep Residual Learning", author = "Kaiming He and Xiangyu Zhang",
  journal = {CVPR}, year = 2016, doi = {10.1109/CVPR.2016.90}}
@article{lstm, title={Long Short-Term Memory},
  author={Hochreiter, Sepp and Schmidhuber, J{\"u}rgen}, journal={Neural Computation}, year={1997}}
"""


def test_citations_link_to_a_reference_list_made_from_the_bibtex_file(site):
    site.write("content/refs.bib", BIB)
    html, err = build_one(
        site,
        """\
        Transformers [@vaswani2017attention] replaced recurrence [see @he2016; @lstm, p. 3].
        As @vaswani2017attention note, and [-@he2016] too. Unknown [@nobody2020].

        Distill's <d-cite key="lstm,he2016"></d-cite> too; :cite:`he2016` from d2lbook.

        Mail a@b.com [or c@d.org], thank @someone, and `[@code]` stay.

        ```python
        @torch.no_grad()
        def f(): ...
        ```
        """,
        bibliography="refs.bib",
    )
    link = '<a class="citation" href="#ref-{}">{}</a>'
    assert f"Transformers ({link.format('vaswani2017attention', 'Vaswani et al., 2017')})" in html
    assert (
        f"(see {link.format('he2016', 'He &amp; Zhang, 2016')}; "
        f"{link.format('lstm', 'Hochreiter &amp; Schmidhuber, 1997')}, p. 3)"
    ) in html
    assert f"As {link.format('vaswani2017attention', 'Vaswani et al. (2017)')} note" in html
    assert f"and ({link.format('he2016', '2016')}) too" in html
    assert "Unknown [@nobody2020]." in html
    assert f"Distill's ({link.format('lstm', 'Hochreiter &amp; Schmidhuber, 1997')}; " in html
    assert f"; ({link.format('he2016', 'He &amp; Zhang, 2016')}) from d2lbook" in html
    assert "Mail a@b.com [or c@d.org], thank @someone, and <code>[@code]</code> stay." in html
    assert "@torch" in html and "citation" not in html.split("<pre")[1]
    refs = html.split('<section class="references" id="references">')[1]
    assert re.findall(r'<li id="ref-([\w]+)">', refs) == ["he2016", "lstm", "vaswani2017attention"]
    assert (
        '<li id="ref-vaswani2017attention">Vaswani, A., Shazeer, N., &amp; Parmar, N. (2017). '
        '<a href="https://arxiv.org/abs/1706.03762">Attention is All you Need</a>. '
        "<em>Advances in Neural Information Processing Systems</em>.</li>"
    ) in refs
    assert "Schmidhuber, J. (1997). Long Short-Term Memory." in refs
    assert 'href="https://doi.org/10.1109/CVPR.2016.90"' in refs
    assert err.splitlines() == [
        "content/moved.md:8: warning: citation @nobody2020 is not in content/refs.bib; "
        "shown as written: add it there, or fix the key"
    ], err
    index = site.page("index.html")
    assert "Transformers (Vaswani et al., 2017) replaced" in index, "summaries: text"


def test_a_bibliography_found_nowhere_unreadable_or_missing_is_said(site):
    site.write("content/bad.bib", "@article{ok, title={Fine}, year=2020}\n@article{b, title={x}\n")
    _, err = build_one(site, "See [@ok] and [@gone].\n", bibliography="[bad.bib, nowhere.bib]")
    assert "content/moved.md:1: warning: bibliography 'nowhere.bib' not found" in err
    assert re.search(r"content/bad.bib:\d+: warning: BibTeX not read: ", err), err
    assert "content/moved.md:7: warning: citation @gone is not in content/bad.bib" in err
    _, err = build_one(site, "See [@ok].\n", name="plain.md")
    assert "content/plain.md:6: warning: citation @ok, but the post names no bibliography" in err


def test_editing_the_bibliography_rebuilds_the_pages_that_cite_it(site):
    site.write("static/refs.bib", "@article{k, title={First}, author={Ng, Andrew}, year=2020}\n")
    site.post("a.md", "See [@k].\n", title="A", date="2024-01-01", bibliography="refs.bib")
    assert site.build().code == 0
    assert "Ng, 2020" in site.page("posts/a/index.html")
    site.write("static/refs.bib", "@article{k, title={First}, author={Ng, Andrew}, year=2021}\n")
    run = site.build()
    assert run.code == 0 and "Ng, 2021" in site.page("posts/a/index.html"), run.err


def test_distill_citations_as_al_folio_posts_write_them(site):
    """Keys unquoted, a closing tag forgotten, a citation in a heading (the table of
    contents showed the raw tag), a key given twice in the .bib (al-folio's posts)."""
    site.write(
        "static/assets/bibliography/post.bib",
        BIB + "\n@article{he2016, title={Again}, year=2099}\n",
    )
    html, err = build_one(
        site,
        """\
        ## Method <d-cite key="lstm"></d-cite>

        ## Results

        Deep nets<d-cite key=he2016></d-cite> and transformers<d-cite key=vaswani2017attention>.
        """,
        bibliography="post.bib",
    )
    assert "d-cite" not in html, html
    assert 'nets (<a class="citation" href="#ref-he2016">He &amp; Zhang, 2016</a>)' in html
    assert 'transformers (<a class="citation" href="#ref-vaswani2017attention">' in html
    page = site.page("posts/moved/index.html")
    assert "d-cite" not in page and "Method</a></li>" in page
    assert re.search(
        r"static/assets/bibliography/post.bib:13: warning: the key 'he2016' is given twice "
        r"\(first at line 8\); the first entry is used: remove or rename the other",
        err,
    ), err


def test_works_by_the_same_authors_in_one_year_are_told_apart(site):
    site.write(
        "content/refs.bib",
        "@article{b, title={Zebras}, author={Ng, Andrew}, year=2020}\n"
        "@article{a, title={Apes}, author={Ng, Andrew}, year=2020}\n"
        "@article{c, title={Cats}, author={Ng, Andrew}, year=2021}\n",
    )
    html, err = build_one(site, "See [@b; @a] and [@c].\n", bibliography="refs.bib")
    assert "warning" not in err, err
    assert '">Ng, 2020b</a>; <a class="citation" href="#ref-a">Ng, 2020a</a>)' in html
    assert '">Ng, 2021</a>)' in html
    refs = html.split('id="references"')[1]
    assert "Ng, A. (2020a). Apes." in refs and "Ng, A. (2020b). Zebras." in refs
