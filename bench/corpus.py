"""A deterministic synthetic deep-learning corpus, written for each generator we compare.

Every post has prose with headings, a list, a table, links, inline and display math, and
3 to 6 code fences of 10 to 40 lines (Python, bash, YAML, JSON), with 1 to 4 topics.
The same posts are written in the layout each generator reads: tensorpress, Hugo,
Pelican and MkDocs (with front matter each understands).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

TOPICS = [
    "cnn",
    "rnn",
    "gan",
    "transformers",
    "autoencoders",
    "training",
    "nlp",
    "computer-vision",
    "backpropagation",
    "numpy",
    "pytorch",
    "applications",
]
WORDS = (  # noqa: SIM905
    "gradient loss tensor layer weight bias batch epoch optimizer activation "
    "convolution attention embedding token sequence encoder decoder latent sample "
    "network model training validation dropout normalization residual kernel stride "
    "learning rate momentum variance mean distribution probability softmax logits "
    "feature map channel pooling recurrent hidden state transformer head query key "
    "value mask"
).split()


PER_PAGE = 10
"""Posts per list page: tensorpress's default, set in the others."""
FEED_ITEMS = 20
"""Entries per feed: tensorpress's fixed number, set in the others."""


@dataclass(frozen=True)
class FakePost:
    slug: str
    title: str
    date: str
    topics: tuple[str, ...]
    body: str


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
    return text + " The update is $w_{t+1} = w_t - \\eta \\nabla L(w_t)$ for step $t$."


def _python(rng: random.Random, n: int) -> str:
    lines = [
        "import numpy as np",
        "",
        "",
        "def step(w, grad, lr=0.01):",
        '    """One step of gradient descent."""',
        "    return w - lr * grad",
        "",
    ]
    while len(lines) < n:
        k = len(lines)
        lines.append(f"x{k} = np.random.default_rng({k}).normal(size=({k % 7 + 1}, 3))")
        lines.append(f"print(x{k}.mean(axis=0), step(x{k}, x{k} * 0.5).shape)  # check {k}")
    return "\n".join(lines[:n])


def _bash(rng: random.Random, n: int) -> str:
    cmds = [
        "pip install torch numpy",
        "python train.py --epochs 10 --lr 3e-4",
        "nvidia-smi",
        "export CUDA_VISIBLE_DEVICES=0",
        "mkdir -p runs && cd runs",
        "tensorboard --logdir runs --port 6006",
        "git log --oneline | head",
    ]
    return "\n".join(rng.choice(cmds) for _ in range(n))


def _yaml(rng: random.Random, n: int) -> str:
    lines = ["model:"]
    while len(lines) < n:
        lines.append(f"  layer_{len(lines)}: {{units: {rng.randint(16, 512)}, dropout: 0.1}}")
    return "\n".join(lines)


def _json(rng: random.Random, n: int) -> str:
    data = {
        f"run_{i}": {"lr": round(rng.random() / 100, 5), "loss": round(rng.random(), 4)}
        for i in range(max(2, n // 4))
    }
    return json.dumps(data, indent=2)


def make_post(i: int) -> FakePost:
    rng = random.Random(i)
    topics = tuple(rng.sample(TOPICS, rng.randint(1, 4)))
    title = f"Notes on {rng.choice(WORDS)} and {rng.choice(WORDS)}, part {i}"
    parts = [_paragraph(rng), "<!--more-->"]
    fences = rng.randint(3, 6)
    for k in range(fences):
        word = rng.choice(WORDS)
        parts.append(f"## Section {k + 1}: the {word}")
        parts.append(_paragraph(rng))
        if k == 0:
            parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(4)))
            parts.append(
                "| name | value |\n| --- | --- |\n"
                + "\n".join(f"| {rng.choice(WORDS)} | {rng.random():.3f} |" for _ in range(4))
            )
            parts.append(
                "$$\nL(\\theta) = -\\frac{1}{N} \\sum_{i=1}^N \\log p_\\theta(y_i \\mid x_i)\n$$"
            )
        lang, make = rng.choice(
            [
                ("python", _python),
                ("python", _python),
                ("bash", _bash),
                ("yaml", _yaml),
                ("json", _json),
            ]
        )
        parts.append(f"```{lang}\n{make(rng, rng.randint(10, 40))}\n```")
        parts.append(
            f"See [the next post](https://example.org/posts/{(i + 1)}) and "
            f"[an anchor](#section-{k + 1}-the-{word})."
        )
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    year = 2000 + i // 336  # 336 posts a year: 5,000 posts end in 2014, in the past
    return FakePost(
        f"post-{i:05d}", title, f"{year}-{month:02d}-{day:02d}", topics, "\n\n".join(parts) + "\n"
    )


def write_tensorpress(posts: list[FakePost], root: Path) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "tensorpress.yaml").write_text(
        f"title: Bench\nbase_url: https://example.org/\nposts_per_page: {PER_PAGE}\n"
    )
    for p in posts:
        front = f'---\ntitle: "{p.title}"\ndate: {p.date}\ntopics: [{", ".join(p.topics)}]\n---\n\n'
        (root / "content" / f"{p.slug}.md").write_text(front + p.body)


def write_hugo(posts: list[FakePost], root: Path) -> None:
    """A bare Hugo site (no theme): post pages, paginated home/section/tag lists, RSS.

    Hugo's defaults already render RSS for home, sections and taxonomies; they are spelled
    out so the comparison does not depend on them. Feeds are capped at 20 items like
    tensorpress's. Posts dated in the future are built, as the others do (Hugo skips
    them by default).
    """
    (root / "content" / "posts").mkdir(parents=True, exist_ok=True)
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\n'
        'title = "Bench"\n'
        "buildFuture = true\n"
        "[taxonomies]\n"
        '  tag = "tags"\n'
        "[outputs]\n"
        '  home = ["html", "rss"]\n'
        '  section = ["html", "rss"]\n'
        '  taxonomy = ["html", "rss"]\n'
        '  term = ["html", "rss"]\n'
        "[services.rss]\n"
        f"  limit = {FEED_ITEMS}\n"
        "[pagination]\n"
        f"  pagerSize = {PER_PAGE}\n"
        "[markup.highlight]\n"
        "  noClasses = false\n"
    )
    base = (
        "<!doctype html><html><head><title>{{ .Title }}</title></head><body>"
        '{{ block "main" . }}{{ end }}</body></html>'
    )
    (layouts / "baseof.html").write_text(base)
    (layouts / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}'
        '{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>'
        "{{ end }}{{ end }}"
    )
    (layouts / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}'
        '<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}{{ end }}'
        "{{ end }}"
    )
    (layouts / "terms.html").write_text(
        '{{ define "main" }}{{ range .Data.Terms.Alphabetical }}'
        '<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }}){{ end }}'
        "{{ end }}"
    )
    for p in posts:
        front = f'---\ntitle: "{p.title}"\ndate: {p.date}\ntags: [{", ".join(p.topics)}]\n---\n\n'
        (root / "content" / "posts" / f"{p.slug}.md").write_text(front + p.body)


def write_pelican(posts: list[FakePost], root: Path) -> None:
    """Pelican with its default theme, set up to build what tensorpress builds.

    Tag pages and one Atom feed per tag are on (TAG_FEED_ATOM is off by default); the
    author pages and the author, category and translation feeds Pelican makes by default
    are off (tensorpress has none of them). The category pages stay: without them Pelican
    gives articles no category and its default theme fails. Feeds hold 20 items like
    tensorpress's. The content cache (off by default) is on, so rebuilds can skip
    unchanged posts the way tensorpress's cache does.
    """
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "bench"\n'
        'SITENAME = "Bench"\n'
        'SITEURL = "https://example.org"\n'
        'PATH = "content"\n'
        'TIMEZONE = "UTC"\n'
        'DEFAULT_LANG = "en"\n'
        f"DEFAULT_PAGINATION = {PER_PAGE}\n"
        'FEED_ALL_ATOM = "feeds/all.atom.xml"\n'
        'TAG_FEED_ATOM = "feeds/{slug}.tag.atom.xml"\n'
        "CATEGORY_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\n"
        "AUTHOR_FEED_RSS = None\n"
        "TRANSLATION_FEED_ATOM = None\n"
        f"FEED_MAX_ITEMS = {FEED_ITEMS}\n"
        'AUTHOR_SAVE_AS = ""\n'
        'DIRECT_TEMPLATES = ["index", "tags", "categories", "archives"]\n'
        "CACHE_CONTENT = True\n"
        "LOAD_CONTENT_CACHE = True\n"
        'CACHE_PATH = "cache"\n'
        "MARKDOWN = {\n"
        '    "extension_configs": {\n'
        '        "markdown.extensions.codehilite": {"css_class": "highlight"},\n'
        '        "markdown.extensions.extra": {},\n'
        '        "markdown.extensions.meta": {},\n'
        '        "markdown.extensions.toc": {},\n'
        "    },\n"
        '    "output_format": "html5",\n'
        "}\n"
    )
    for p in posts:
        front = f"Title: {p.title}\nDate: {p.date}\nTags: {', '.join(p.topics)}\nSlug: {p.slug}\n\n"
        (root / "content" / f"{p.slug}.md").write_text(front + p.body)


def write_mkdocs(posts: list[FakePost], root: Path) -> None:
    """MkDocs with its default theme; it has no tags and no feeds.

    The nav holds only the home page, which lists every post (newest first) the way a
    blog index does: left to itself MkDocs puts every page in the nav of every page,
    which makes the build quadratic in the number of posts. The search plugin is on, as
    by default (tensorpress builds a search index too; Hugo and Pelican build none).
    """
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(
        "site_name: Bench\n"
        "site_url: https://example.org/\n"
        "use_directory_urls: true\n"
        "nav:\n"
        "  - Home: index.md\n"
        "not_in_nav: |\n"
        "  /post-*.md\n"
        "markdown_extensions:\n"
        "  - toc:\n"
        "      permalink: true\n"
        "  - tables\n"
        "  - codehilite\n"
        "  - fenced_code\n"
        "  - footnotes\n"
    )
    newest = sorted(posts, key=lambda p: (p.date, p.slug), reverse=True)
    (docs / "index.md").write_text(
        "# Bench\n\n" + "".join(f"- [{p.title}]({p.slug}.md) ({p.date})\n" for p in newest)
    )
    for p in posts:
        front = f'---\ntitle: "{p.title}"\ndate: {p.date}\ntags: [{", ".join(p.topics)}]\n---\n\n'
        (docs / f"{p.slug}.md").write_text(front + f"# {p.title}\n\n" + p.body)


def post_path(kind: str, root: Path, slug: str) -> Path:
    """The source file of one post in the site of ``kind`` under ``root``."""
    sub = {
        "tensorpress": "content",
        "hugo": "content/posts",
        "pelican": "content",
        "mkdocs": "docs",
    }[kind]
    return root / sub / f"{slug}.md"


WRITERS = {
    "tensorpress": write_tensorpress,
    "hugo": write_hugo,
    "pelican": write_pelican,
    "mkdocs": write_mkdocs,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--for", dest="kinds", default="tensorpress", help="comma-separated: " + ",".join(WRITERS)
    )
    args = parser.parse_args()
    posts = [make_post(i) for i in range(args.n)]
    for kind in args.kinds.split(","):
        WRITERS[kind](posts, args.out / kind)


if __name__ == "__main__":
    main()
