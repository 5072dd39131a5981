"""Site configuration: ``tensorpress.yaml`` (optional) into a frozen ``SiteConfig``.

Bad values are errors that name the file and line; unknown keys are warnings, so a
typo never silently changes a site.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from tensorpress.diagnostics import Diagnostic, error, warning
from tensorpress.files import read_bytes
from tensorpress.frontmatter import load_yaml, repeated_keys

CONFIG_NAME = "tensorpress.yaml"


@dataclass(frozen=True, slots=True)
class TopicDef:
    """A topic of the vocabulary: how it is named, and which words reveal it in a text."""

    slug: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()


# The vocabulary used when a site defines none: the subjects a deep-learning blog covers.
DEFAULT_TOPICS: tuple[TopicDef, ...] = (
    TopicDef(
        "neural-networks",
        "Neural networks",
        "Layers, activations and how networks learn.",
        (
            "neural network",
            "neural networks",
            "perceptron",
            "multilayer perceptron",
            "mlp",
            "activation function",
            "hidden layer",
            "hidden layers",
        ),
    ),
    TopicDef(
        "backpropagation",
        "Backpropagation",
        "Gradients, the chain rule and automatic differentiation.",
        ("backpropagation", "backprop", "chain rule", "autograd", "gradient descent"),
    ),
    TopicDef(
        "cnn",
        "Convolutional networks",
        "Convolutions, pooling and networks for images.",
        ("cnn", "cnns", "convolutional", "convolution", "conv2d", "pooling", "feature map"),
    ),
    TopicDef(
        "rnn",
        "Recurrent networks",
        "RNNs, LSTMs and GRUs for sequences.",
        ("rnn", "rnns", "recurrent", "lstm", "lstms", "gru", "time series"),
    ),
    TopicDef(
        "autoencoders",
        "Autoencoders",
        "Encoders, decoders and latent representations.",
        ("autoencoder", "autoencoders", "variational autoencoder", "vae", "latent space"),
    ),
    TopicDef(
        "gan",
        "GANs",
        "Generative adversarial networks.",
        ("gan", "gans", "generative adversarial", "discriminator", "generator network"),
    ),
    TopicDef(
        "transformers",
        "Attention and transformers",
        "Self-attention, transformers and large language models.",
        (
            "transformer",
            "transformers",
            "self-attention",
            "attention mechanism",
            "multi-head attention",
            "bert",
            "gpt",
        ),
    ),
    TopicDef(
        "training",
        "Training and regularisation",
        "Optimisers, schedules, regularisation and making training work.",
        (
            "regularization",
            "regularisation",
            "dropout",
            "weight decay",
            "batch normalization",
            "overfitting",
            "learning rate",
            "optimizer",
            "early stopping",
        ),
    ),
    TopicDef(
        "nlp",
        "Natural language processing",
        "Text, tokens and language models.",
        (
            "natural language processing",
            "nlp",
            "language model",
            "tokenizer",
            "word embeddings",
            "machine translation",
        ),
    ),
    TopicDef(
        "computer-vision",
        "Computer vision",
        "Images, detection and segmentation.",
        (
            "computer vision",
            "image classification",
            "object detection",
            "segmentation",
            "imagenet",
            "mnist",
        ),
    ),
    TopicDef(
        "reinforcement-learning",
        "Reinforcement learning",
        "Agents, rewards and policies.",
        ("reinforcement learning", "q-learning", "policy gradient", "reward"),
    ),
    TopicDef(
        "applications",
        "Applications",
        "Deep learning at work in the real world.",
        ("applications", "application", "in production", "deployment"),
    ),
    TopicDef("numpy", "NumPy", "Deep learning with plain NumPy.", ("numpy", "np.array")),
    TopicDef(
        "pytorch",
        "PyTorch",
        "Models and training loops in PyTorch.",
        ("pytorch", "torch.nn", "import torch"),
    ),
    TopicDef(
        "tensorflow",
        "TensorFlow and Keras",
        "Models in TensorFlow and Keras.",
        ("tensorflow", "keras"),
    ),
)


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything a build needs to know about a site, fixed before the build starts."""

    root: Path
    output: Path
    title: str = "A deep-learning blog"
    description: str = ""
    author: str = ""
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "UTC"
    posts_per_page: int = 10
    style_light: str = "xcode"
    style_dark: str = "monokai"
    topics: tuple[TopicDef, ...] = DEFAULT_TOPICS
    drafts: bool = False
    line_numbers: bool = False
    """Number the lines of code blocks unless a block says otherwise (``linenums``)."""
    math_macros: tuple[tuple[str, str], ...] = ()
    """TeX macros for every formula: (name without backslash, expansion), sorted by name."""
    notebook_repo: str = ""
    """GitHub URL of the site folder on a branch (``https://github.com/o/r/blob/main/``),
    for the "open in Colab" links of notebook posts; empty: no such links."""
    extra_css: tuple[str, ...] = ()
    """Stylesheets every page links after the theme's: site paths (files in ``static/``)
    or full URLs."""
    extra_js: tuple[str, ...] = ()
    """Scripts every page loads (deferred; ``.mjs`` as modules), e.g. mermaid.js to draw
    ``mermaid`` blocks: site paths or full URLs."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    config_path: str = ""

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


KNOWN_KEYS = {
    "title", "description", "author", "base_url", "language", "timezone", "time_zone",
    "posts_per_page", "pygments_style", "topics", "extra", "line_numbers", "math_macros",
    "notebook_repo", "extra_css", "extra_js",
}  # fmt: skip


def _slugify_topic(name: str) -> str:
    return re.sub(r"[^\w]+", "-", name.lower(), flags=re.UNICODE).strip("-")


def _check_str(raw: dict[str, Any], key: str, rel: str, line: int, out: list[Diagnostic]):
    value = raw[key]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    out.append(error(rel, line, f"'{key}' must be a string, not {type(value).__name__}"))
    return None


def _parse_topics(value: Any, rel: str, line: int, out: list[Diagnostic]) -> tuple[TopicDef, ...]:
    if not isinstance(value, list):
        out.append(
            error(
                rel, line, "'topics' must be a list of {name, slug, description, keywords} entries"
            )
        )
        return DEFAULT_TOPICS
    topics: list[TopicDef] = []
    for item in value:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            out.append(error(rel, line, f"topic entry {item!r} needs at least a 'name' string"))
            continue
        keywords = item.get("keywords", [])
        if isinstance(keywords, str):
            keywords = [keywords]
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            out.append(
                error(rel, line, f"topic '{item['name']}': 'keywords' must be a list of strings")
            )
            keywords = []
        slug = str(item.get("slug") or _slugify_topic(item["name"]))
        if slug != _slugify_topic(slug):  # a page's folder and a link: ../x, a?b#c, a b
            out.append(
                error(
                    rel,
                    line,
                    f"topic '{item['name']}': slug {slug!r} must be lower-case letters, "
                    f"digits and hyphens, such as {_slugify_topic(slug) or 'vision'!r}",
                )
            )
            continue
        if any(t.slug == slug for t in topics):
            out.append(error(rel, line, f"topic '{item['name']}': slug {slug!r} is taken"))
            continue
        topics.append(
            TopicDef(
                slug,
                item["name"],
                str(item.get("description", "")),
                tuple(k.lower() for k in keywords),
            )
        )
    return tuple(topics)


def load_config(
    root: Path,
    output: Path | None = None,
    *,
    base_url: str | None = None,
    drafts: bool = False,
) -> tuple[SiteConfig, tuple[Diagnostic, ...]]:
    """Read ``tensorpress.yaml`` under ``root`` (if any) and apply command-line overrides."""
    root = root.resolve()
    config = SiteConfig(root=root, output=(output or root / "public").resolve(), drafts=drafts)
    diags: list[Diagnostic] = []
    path = root / CONFIG_NAME
    rel = CONFIG_NAME
    if path.is_file():
        config, diags = _read_file(path, rel, config)
    elif path.exists():  # a folder of that name: its settings would be silently lost
        diags.append(error(rel, 0, "is not a file: make it the site's YAML settings file"))
    if base_url is not None:
        config = replace(config, base_url=base_url)
    if not config.base_url.endswith("/"):
        config = replace(config, base_url=config.base_url + "/")
    if not _good_base_url(config.base_url):
        diags.append(
            error(
                "--base-url" if base_url is not None else rel,
                0,
                f"base_url {config.base_url!r} must be an absolute http(s) URL without "
                "spaces, a query or a fragment, such as https://example.org/blog/",
            )
        )
    return config, tuple(diags)


def _good_base_url(url: str) -> bool:
    """An http(s) URL every page can put its paths after: it ends up in canonical links,
    feeds, the sitemap and robots.txt (a line break there added a rule to robots.txt)."""
    if re.search(r"[\s\x00-\x1f\x7f\"'<>\\]", url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # http://[::1 (an unclosed address)
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not (parts.query or parts.fragment or "?" in url or "#" in url)
    )


def _read_file(path: Path, rel: str, config: SiteConfig) -> tuple[SiteConfig, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    try:
        text = read_bytes(path).decode("utf-8-sig")
        raw, lines0, repeated = load_yaml(text)
        lines = {k: v + 1 for k, v in lines0.items()}
        diags.extend(repeated_keys(rel, repeated, 1))
    except UnicodeDecodeError as exc:
        return config, [error(rel, 0, f"not valid UTF-8 ({exc.reason}); save it as UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        return config, [error(rel, line, f"invalid YAML: {problem}")]
    if raw is None:
        return replace(config, config_path=rel), diags
    if not isinstance(raw, dict):
        return config, [error(rel, 1, "the config must be a mapping of keys to values")]

    values: dict[str, Any] = {"config_path": rel}
    for key in raw:
        line = lines.get(str(key), 0)
        if key not in KNOWN_KEYS:
            diags.append(
                warning(
                    rel,
                    line,
                    f"unknown key '{key}' is ignored; known keys: " + ", ".join(sorted(KNOWN_KEYS)),
                )
            )
            continue
        value = raw[key]
        if key in ("title", "description", "author", "base_url", "language"):
            checked = _check_str(raw, key, rel, line, diags)
            if checked is not None:
                values[key] = checked
        elif key in ("timezone", "time_zone"):
            try:
                ZoneInfo(str(value))
                values["timezone"] = str(value)
            except (ZoneInfoNotFoundError, ValueError):
                diags.append(
                    error(
                        rel,
                        line,
                        f"unknown time zone {value!r}; use an IANA name "
                        "such as Europe/Paris or UTC",
                    )
                )
        elif key == "posts_per_page":
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                values["posts_per_page"] = value
            else:
                diags.append(
                    error(rel, line, f"posts_per_page must be a positive integer, not {value!r}")
                )
        elif key == "pygments_style":
            values.update(_parse_styles(value, rel, line, diags))
        elif key == "topics":
            values["topics"] = _parse_topics(value, rel, line, diags)
        elif key == "line_numbers":
            if isinstance(value, bool):
                values["line_numbers"] = value
            else:
                diags.append(error(rel, line, f"line_numbers must be true or false, not {value!r}"))
        elif key == "math_macros":
            values["math_macros"] = _parse_macros(value, rel, line, diags)
        elif key == "notebook_repo":
            values["notebook_repo"] = _parse_repo(value, rel, line, diags)
        elif key in ("extra_css", "extra_js"):
            values[key] = _parse_assets(config.root, key, value, rel, line, diags)
        elif key == "extra":
            if isinstance(value, dict):
                values["extra"] = value
            else:
                diags.append(error(rel, line, "'extra' must be a mapping"))
    return replace(config, **values), diags


def _parse_assets(
    root: Path, key: str, value: Any, rel: str, line: int, out: list[Diagnostic]
) -> tuple[str, ...]:
    """``extra_css``/``extra_js``: a path or a list of them, each a file of the site's
    ``static/`` (warned about when it is not there) or a full URL."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        out.append(error(rel, line, f"{key} must be a list of paths in static/ or URLs"))
        return ()
    from tensorpress.templates import theme_dir

    items = [i.strip() if _is_url(i.strip()) else i.strip().lstrip("/") for i in items]
    folders = (root / "static", theme_dir() / "static")
    for item in items:
        if not _is_url(item) and not any((f / item).is_file() for f in folders):
            out.append(
                warning(
                    rel,
                    line,
                    f"{key}: '{item}' is not a file in static/: put it there as "
                    f"static/{item}, or give a full URL",
                )
            )
    return tuple(items)


def _is_url(text: str) -> bool:
    return text.startswith("//") or re.match(r"[a-z][a-z0-9+.-]*:", text, re.I) is not None


def _parse_macros(
    value: Any, rel: str, line: int, out: list[Diagnostic]
) -> tuple[tuple[str, str], ...]:
    """``{R: "\\mathbb{R}"}`` -> sorted pairs: hashable, so math conversion can be memoised."""
    from tensorpress.mathml import macro_problem  # the math stack, only for sites with macros

    if not isinstance(value, dict):
        example = "{R: '\\mathbb{R}'}"
        out.append(error(rel, line, f"math_macros must map names to TeX, such as {example}"))
        return ()
    macros = {}
    for name, body in value.items():
        name = str(name).removeprefix("\\")
        if not isinstance(body, str):
            out.append(error(rel, line, f"math macro {name!r} must be TeX in a string"))
            continue
        problem = macro_problem(name, body)
        if problem:
            out.append(error(rel, line, problem))
        else:
            macros[name] = body
    return tuple(sorted(macros.items()))


def _parse_repo(value: Any, rel: str, line: int, out: list[Diagnostic]) -> str:
    """A GitHub URL down to the branch (and folder): Colab opens notebooks from GitHub."""
    example = "https://github.com/org/repo/blob/main/"
    url = str(value).strip() if isinstance(value, str) else ""
    m = re.match(r"^https?://github\.com/([^/\s]+/[^/\s]+)/(?:blob|tree)/(\S+?)/?$", url)
    if m is None:
        out.append(
            error(
                rel,
                line,
                f"notebook_repo {value!r} must be a GitHub URL that names a branch, such as "
                f"{example} (Colab opens notebooks from GitHub)",
            )
        )
        return ""
    return f"https://github.com/{m.group(1)}/blob/{m.group(2)}/"


def _parse_styles(value: Any, rel: str, line: int, out: list[Diagnostic]) -> dict[str, str]:
    from pygments.styles import STYLE_MAP, get_all_styles

    if isinstance(value, str):
        value = {"light": value}
    if not isinstance(value, dict):
        out.append(
            error(rel, line, "pygments_style must be a style name or {light: ..., dark: ...}")
        )
        return {}
    result: dict[str, str] = {}
    for mode in ("light", "dark"):
        if mode not in value:
            continue
        name = str(value[mode])
        # Pygments' own styles by its map; plugins' only if need be: finding them reads
        # every installed package's metadata, a tenth of a build with nothing to do.
        if name in STYLE_MAP or name in (known := set(get_all_styles())):
            result[f"style_{mode}"] = name
        else:
            out.append(
                error(
                    rel,
                    line,
                    f"unknown Pygments style {name!r} for {mode} mode; "
                    f"choose one of: {', '.join(sorted(known))}",
                )
            )
    return result
