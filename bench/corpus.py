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

TOPICS = ["cnn", "rnn", "gan", "transformers", "autoencoders", "training", "nlp",
          "computer-vision", "backpropagation", "numpy", "pytorch", "applications"]
WORDS = ("gradient loss tensor layer weight bias batch epoch optimizer activation "
         "convolution attention embedding token sequence encoder decoder latent sample "
         "network model training validation dropout normalization residual kernel stride "
         "learning rate momentum variance mean distribution probability softmax logits "
         "feature map channel pooling recurrent hidden state transformer head query key "
         "value mask").split()


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
    return text + f" The update is $w_{{t+1}} = w_t - \\eta \\nabla L(w_t)$ for step $t$."


def _python(rng: random.Random, n: int) -> str:
    lines = ["import numpy as np", "", "", "def step(w, grad, lr=0.01):",
             "    \"\"\"One step of gradient descent.\"\"\"", "    return w - lr * grad", ""]
    while len(lines) < n:
        k = len(lines)
        lines.append(f"x{k} = np.random.default_rng({k}).normal(size=({k % 7 + 1}, 3))")
        lines.append(f"print(x{k}.mean(axis=0), step(x{k}, x{k} * 0.5).shape)  # check {k}")
    return "\n".join(lines[:n])


def _bash(rng: random.Random, n: int) -> str:
    cmds = ["pip install torch numpy", "python train.py --epochs 10 --lr 3e-4",
            "nvidia-smi", "export CUDA_VISIBLE_DEVICES=0", "mkdir -p runs && cd runs",
            "tensorboard --logdir runs --port 6006", "git log --oneline | head"]
    return "\n".join(rng.choice(cmds) for _ in range(n))


def _yaml(rng: random.Random, n: int) -> str:
    lines = ["model:"]
    while len(lines) < n:
        lines.append(f"  layer_{len(lines)}: {{units: {rng.randint(16, 512)}, dropout: 0.1}}")
    return "\n".join(lines)


def _json(rng: random.Random, n: int) -> str:
    data = {f"run_{i}": {"lr": round(rng.random() / 100, 5), "loss": round(rng.random(), 4)}
            for i in range(max(2, n // 4))}
    return json.dumps(data, indent=2)


def make_post(i: int) -> FakePost:
    rng = random.Random(i)
    topics = tuple(rng.sample(TOPICS, rng.randint(1, 4)))
    title = f"Notes on {rng.choice(WORDS)} and {rng.choice(WORDS)}, part {i}"
    parts = [_paragraph(rng), "<!--more-->"]
    fences = rng.randint(3, 6)
    for k in range(fences):
        parts.append(f"## Section {k + 1}: the {rng.choice(WORDS)}")
        parts.append(_paragraph(rng))
        if k == 0:
            parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(4)))
            parts.append("| name | value |\n| --- | --- |\n" +
                         "\n".join(f"| {rng.choice(WORDS)} | {rng.random():.3f} |"
                                   for _ in range(4)))
            parts.append("$$\nL(\\theta) = -\\frac{1}{N} \\sum_{i=1}^N \\log p_\\theta(y_i "
                         "\\mid x_i)\n$$")
        lang, make = rng.choice([("python", _python), ("python", _python), ("bash", _bash),
                                 ("yaml", _yaml), ("json", _json)])
        parts.append(f"```{lang}\n{make(rng, rng.randint(10, 40))}\n```")
        parts.append(f"See [the next post](https://example.org/posts/{(i + 1)}) and "
                     f"[an anchor](#section-{k + 1}).")
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    year = 2015 + i // 336
    return FakePost(f"post-{i:05d}", title, f"{year}-{month:02d}-{day:02d}", topics,
                    "\n\n".join(parts) + "\n")


def write_tensorpress(posts: list[FakePost], root: Path) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "tensorpress.yaml").write_text("title: Bench\nbase_url: https://example.org/\n")
    for p in posts:
        front = (f'---\ntitle: "{p.title}"\ndate: {p.date}\ntopics: [{", ".join(p.topics)}]\n'
                 "---\n\n")
        (root / "content" / f"{p.slug}.md").write_text(front + p.body)


def write_hugo(posts: list[FakePost], root: Path) -> None:
    (root / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "Bench"\n[taxonomies]\n  tag = "tags"\n'
        "[markup.highlight]\n  noClasses = false\n")
    layouts = root / "layouts" / "_default"
    base = ("<!doctype html><html><head><title>{{ .Title }}</title></head><body>"
            "{{ block \"main\" . }}{{ end }}</body></html>")
    (layouts / "baseof.html").write_text(base)
    (layouts / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}'
        "{{ range .Params.tags }}<a>{{ . }}</a>{{ end }}{{ end }}")
    (layouts / "list.html").write_text(
        '{{ define "main" }}{{ range .Paginator.Pages }}<h2><a href="{{ .RelPermalink }}">'
        "{{ .Title }}</a></h2>{{ .Summary }}{{ end }}{{ end }}")
    (layouts / "terms.html").write_text(
        '{{ define "main" }}{{ range .Data.Terms }}<a>{{ .Page.Title }}</a>{{ end }}{{ end }}')
    for p in posts:
        front = (f'---\ntitle: "{p.title}"\ndate: {p.date}\ntags: [{", ".join(p.topics)}]\n'
                 "---\n\n")
        (root / "content" / "posts" / f"{p.slug}.md").write_text(front + p.body)


def write_pelican(posts: list[FakePost], root: Path) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "bench"\nSITENAME = "Bench"\nSITEURL = ""\nPATH = "content"\n'
        'TIMEZONE = "UTC"\nDEFAULT_LANG = "en"\nDEFAULT_PAGINATION = 10\n'
        "FEED_ALL_ATOM = 'feeds/all.atom.xml'\nTAG_FEED_ATOM = 'feeds/{slug}.tag.atom.xml'\n"
        "MARKDOWN = {'extension_configs': {'markdown.extensions.codehilite': "
        "{'css_class': 'highlight'}, 'markdown.extensions.extra': {}, "
        "'markdown.extensions.toc': {}}, 'output_format': 'html5'}\n")
    for p in posts:
        front = (f"Title: {p.title}\nDate: {p.date}\nTags: {', '.join(p.topics)}\n"
                 f"Slug: {p.slug}\n\n")
        (root / "content" / f"{p.slug}.md").write_text(front + p.body)


def write_mkdocs(posts: list[FakePost], root: Path) -> None:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(
        "site_name: Bench\nsite_url: https://example.org/\nuse_directory_urls: true\n"
        "markdown_extensions:\n  - toc:\n      permalink: true\n  - tables\n"
        "  - codehilite\n  - fenced_code\n  - footnotes\n")
    (docs / "index.md").write_text("# Bench\n")
    for p in posts:
        front = f'---\ntitle: "{p.title}"\ndate: {p.date}\ntags: [{", ".join(p.topics)}]\n---\n\n'
        (docs / f"{p.slug}.md").write_text(front + f"# {p.title}\n\n" + p.body)


WRITERS = {"tensorpress": write_tensorpress, "hugo": write_hugo, "pelican": write_pelican,
           "mkdocs": write_mkdocs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--for", dest="kinds", default="tensorpress",
                        help="comma-separated: " + ",".join(WRITERS))
    args = parser.parse_args()
    posts = [make_post(i) for i in range(args.n)]
    for kind in args.kinds.split(","):
        WRITERS[kind](posts, args.out / kind)


if __name__ == "__main__":
    main()
