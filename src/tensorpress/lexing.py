"""Pygments' regex lexers, driven with fewer regex attempts: the same tokens, faster.

A ``RegexLexer`` tries the rules of its current state one by one at each position until
one matches: about thirty failed attempts per token for Python, two thirds of a cold
build. Most rules can only match if the next character is one of a few (``def`` needs a
``d``, a number a digit), so for each state and next character we keep the rules that
could match there, in their order, and try only those. The first rule that matches is
the one Pygments would have chosen, and what follows (tokens, callbacks, the state
stack) is exactly ``RegexLexer.get_tokens_unprocessed``'s rules.

What a rule's first character can be comes from the parsed pattern (``re._parser``);
whatever the analysis does not understand makes the rule one that is always tried, so
it can only be too careful, never wrong. Lexers with their own loop (``ExtendedRegexLexer``
and hand-written ones) are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

try:
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # a Python without it: lexers are left as they are
    sre_parse = None

_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}

Rule = tuple[Callable[..., Any], Any, Any]
"""A processed Pygments rule: (the pattern's ``match``, action, new state)."""
Token = tuple[int, Any, str]


class _Unknown(Exception):
    """A part of a pattern the analysis does not follow: the rule is always tried."""


def _char(code: int) -> str:
    return re.escape(chr(code))


def _class(items: list[tuple[Any, Any]]) -> str:
    parts = []
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            parts.append("^")
        elif name == "LITERAL":
            parts.append(_char(arg))
        elif name == "RANGE":
            parts.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif name == "CATEGORY" and str(arg) in _CATEGORIES:
            parts.append(_CATEGORIES[str(arg)])
        else:
            raise _Unknown(name)
    if not parts or parts == ["^"]:
        raise _Unknown("empty class")
    return "[" + "".join(parts) + "]"


def _first(items: list[tuple[Any, Any]]) -> tuple[list[str], bool]:
    """One-character patterns the match must start with, and whether it can be empty."""
    starts: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return [*starts, _char(arg)], False
        if name == "NOT_LITERAL":
            return [*starts, f"[^{_char(arg)}]"], False
        if name == "IN":
            return [*starts, _class(arg)], False
        if name == "ANY":
            return [*starts, "."], False
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # takes no character: what follows decides (a superset: fine)
        if name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = arg
            if add_flags or del_flags:
                raise _Unknown("local flags")
            inner, empty = _first(list(sub))
        elif name == "ATOMIC_GROUP":
            inner, empty = _first(list(arg))
        elif name == "BRANCH":
            inner, empty = [], False
            for branch in arg[1]:
                more, can_be_empty = _first(list(branch))
                inner += more
                empty = empty or can_be_empty
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            inner, empty = _first(list(sub))
            empty = empty or low == 0
        else:
            raise _Unknown(name)
        starts += inner
        if not empty:
            return starts, False
    return starts, True


def _starts(rule: Rule) -> tuple[Callable[[str], Any] | None, bool]:
    """(a matcher of the characters ``rule`` can start with, or None: any; can it match
    the empty string)."""
    try:
        pattern = rule[0].__self__
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        starts, empty = _first(list(parsed))
        if not starts:
            return None, True
        flags = parsed.state.flags & ~re.MULTILINE
        return re.compile("|".join(starts), flags).match, empty
    except Exception:  # _Unknown, or anything a future Python parses differently
        return None, True


class _State:
    """One lexer state's rules, and which of them can match before each character."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = [(rule, *_starts(rule)) for rule in rules]
        self.before: dict[str, tuple[Rule, ...]] = {}

    def candidates(self, char: str) -> tuple[Rule, ...]:
        """The rules that can match where ``char`` comes next ("" at the end), in order."""
        found = self.before.get(char)
        if found is None:
            found = tuple(
                rule
                for rule, starts, empty in self.rules
                if empty or (char and (starts is None or starts(char)))
            )
            self.before[char] = found
        return found


class _Table:
    """A lexer's processed rules (``_tokens``, usually its class's; some lexers choose
    one of several per instance), hashed by identity for the cache of states."""

    __slots__ = ("tokens",)

    def __init__(self, tokens: dict[str, list[Rule]]) -> None:
        self.tokens = tokens

    def __hash__(self) -> int:
        return id(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Table) and other.tokens is self.tokens


class _States(dict[str, _State]):
    """A lexer's states, each analysed when first entered: a code block visits few of
    them, and analysing all of Python's takes longer than highlighting a post."""

    def __init__(self, tokens: dict[str, list[Rule]]) -> None:
        super().__init__()
        self.tokens = tokens

    def __missing__(self, name: str) -> _State:
        state = self[name] = _State(self.tokens[name])
        return state


@lru_cache(maxsize=128)
def _states(table: _Table) -> _States:
    return _States(table.tokens)


AFTER = 20_000
"""Characters a lexer lexes Pygments' own way first: analysing a state's rules costs
about as much as lexing ten thousand characters slowly, so a rebuild that highlights
one post never pays it, and a big build pays it once."""


def faster(lexer: Lexer, after: int = AFTER) -> Lexer:
    """``lexer``, lexing through candidate rules once it has lexed ``after`` characters,
    when it is a plain ``RegexLexer`` (the tokens are the same either way)."""
    cls = type(lexer)
    if sre_parse is None or cls.get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer
    table = _Table(lexer._tokens)
    seen = [0]

    def tokens(text: str, stack: tuple[str, ...] = ("root",)) -> Iterator[Token]:
        if seen[0] < after:
            seen[0] += len(text)
            return RegexLexer.get_tokens_unprocessed(lexer, text, stack)
        return _tokens(lexer, _states(table), text, stack)

    lexer.get_tokens_unprocessed = tokens  # type: ignore[method-assign]
    return lexer


def _tokens(lexer: Lexer, states: _States, text: str, stack: tuple[str, ...]) -> Iterator[Token]:
    """``RegexLexer.get_tokens_unprocessed``, trying only the candidate rules."""
    pos = 0
    statestack = list(stack)
    state = states[statestack[-1]]
    while True:
        for rexmatch, action, new_state in state.candidates(text[pos : pos + 1]):
            m = rexmatch(text, pos)
            if not m:
                continue
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(lexer, m)
            pos = m.end()
            if new_state is not None:
                if isinstance(new_state, tuple):
                    for name in new_state:
                        if name == "#pop":
                            if len(statestack) > 1:
                                statestack.pop()
                        elif name == "#push":
                            statestack.append(statestack[-1])
                        else:
                            statestack.append(name)
                elif isinstance(new_state, int):
                    if abs(new_state) >= len(statestack):  # keep at least one state
                        del statestack[1:]
                    else:
                        del statestack[new_state:]
                elif new_state == "#push":
                    statestack.append(statestack[-1])
                else:
                    raise AssertionError(f"wrong state def: {new_state!r}")
                state = states[statestack[-1]]
            break
        else:  # no rule matched: a newline resets to "root"; anything else is an error
            if pos >= len(text):
                return
            if text[pos] == "\n":
                statestack = ["root"]
                state = states["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1
