"""The candidate-rule lexing loop gives Pygments' own tokens, for every regex lexer."""

import random
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pygments.lexer import RegexLexer
from pygments.lexers import PythonLexer, YamlLexer, get_all_lexers, get_lexer_by_name

from tensorpress.lexing import _starts, _states, _Table, faster

REPO = Path(__file__).resolve().parents[1]
SLOW = {"maple", "nit"}
"""Lexers whose own patterns backtrack for seconds on character soup (maple) or on
slices of these tests (nit, on a slice of test_hostile.py)."""


def _samples() -> list[str]:
    """Code from the example blog's fences, and the tests' own sources."""
    md = MarkdownIt()
    found = [
        token.content
        for path in sorted((REPO / "content").rglob("*.md"))
        for token in md.parse(path.read_text("utf-8"))
        if token.type == "fence"
    ]
    found += [path.read_text("utf-8") for path in sorted((REPO / "tests").glob("test_*.py"))]
    return found


def _inputs(rng: random.Random, samples: list[str]) -> list[str]:
    """Samples, slices that start and stop anywhere, and character soup."""
    soup = "abcXYZ_019 \t\n\n'\"`\\#/*-+=<>()[]{}:;,.$@!?%&|~^\u00e9\u03bb\u4e2d\r"
    texts = [text[:4000] for text in rng.sample(samples, 2)]
    for _ in range(2):
        text = rng.choice(samples)
        i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
        texts.append(text[i:j])
    texts += ["".join(rng.choice(soup) for _ in range(rng.randint(0, 300))) for _ in range(2)]
    return [*texts, ""]


def _run(tokens):
    try:
        return list(tokens)
    except Exception as exc:  # the same failure, if Pygments fails
        return type(exc).__name__


def test_every_regex_lexer_gives_pygments_own_tokens():
    rng = random.Random(3)
    samples = _samples()
    checked = 0
    for _name, aliases, _files, _mimes in get_all_lexers():
        if not aliases or aliases[0] in SLOW:
            continue
        own = get_lexer_by_name(aliases[0], stripnl=False, ensurenl=True)
        if type(own).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
            continue
        fast = faster(get_lexer_by_name(aliases[0], stripnl=False, ensurenl=True), after=0)
        for text in _inputs(rng, samples):
            expected = _run(own.get_tokens_unprocessed(text))
            assert _run(fast.get_tokens_unprocessed(text)) == expected, (aliases[0], text[:80])
        checked += 1
    assert checked > 300, "Pygments ships hundreds of regex lexers"


def test_only_the_rules_that_can_match_are_tried_in_their_order():
    lexer = faster(PythonLexer())
    assert lexer.get_tokens_unprocessed.__name__ == "tokens"
    root = _states(_Table(lexer._tokens))["root"]
    rules = [rule for rule, _starts_with, _empty in root.rules]
    for char in "d1 \n'\"#@x":
        kept = root.candidates(char)
        assert kept and len(kept) < len(rules) / 2, char
        assert [r for r in rules if r in kept] == list(kept), "order is Pygments' order"
    assert root.candidates("") == tuple(r for r, _s, empty in root.rules if empty)


def test_lexers_with_their_own_loop_are_left_alone():
    yaml = YamlLexer()
    assert "get_tokens_unprocessed" not in vars(faster(yaml))


@pytest.mark.parametrize(
    ("pattern", "flags", "can_start", "cannot_start", "empty"),
    [
        (r"def\b", 0, "d", "De ", False),
        (r"(?i)def", 0, "dD", "e", False),
        (r"def", re.IGNORECASE, "dD", "e", False),
        (r"\s*#", 0, " \t\n#", "a", False),
        (r"(?=x)\w+|[0-9]", 0, "x_a5", " -", False),
        (r"[^a-c]", 0, "dZ\n", "abc", False),
        (r".", 0, "a ", "\n", False),
        (r".", re.DOTALL, "a\n", "", False),
        (r"(?:ab)?c*", 0, "", "", True),
        (r"", 0, "", "", True),
    ],
)
def test_what_a_rule_can_start_with(pattern, flags, can_start, cannot_start, empty):
    starts, can_be_empty = _starts((re.compile(pattern, flags).match, None, None))
    assert can_be_empty is empty
    if not can_start and not cannot_start:
        return
    assert starts is not None
    assert all(starts(c) for c in can_start), pattern
    assert not any(starts(c) for c in cannot_start), pattern


@pytest.mark.parametrize("pattern", [r"(?i:d)ef", r"(a?)\1x", r"(a)?(?(1)b|c)"])
def test_what_the_analysis_does_not_follow_is_always_tried(pattern):
    assert _starts((re.compile(pattern).match, None, None)) == (None, True)


def test_a_lexer_switches_loops_after_enough_text_with_the_same_tokens(monkeypatch):
    """The first characters are lexed Pygments' own way, then through candidates."""
    import tensorpress.lexing as lexing

    calls = []
    real = lexing._tokens
    monkeypatch.setattr(lexing, "_tokens", lambda *a: calls.append(1) or real(*a))
    own, fast = PythonLexer(), faster(PythonLexer(), after=2000)
    texts = [text[:900] for text in _samples()[:8]]
    for text in texts:
        assert list(fast.get_tokens_unprocessed(text)) == list(own.get_tokens_unprocessed(text))
    assert 0 < len(calls) < len(texts)
