"""Params checks: every stage checks its params.yaml section before any work and stops with one line that names
the key and what it allows (`dvc exp run -S classify.batch_size=0` must not end in a traceback minutes later).

A section's rules are {key: Rule}; a missing key, an unknown key (a typo) and a value the rule refuses are all
errors. Rules describe themselves, so the message says what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Rule:
    allowed: str  # what the key accepts, for the message: "an integer >= 1"
    accepts: Callable[[Any], bool]


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def _interval(low, high, low_open: bool, high_open: bool) -> tuple[str, Callable[[float], bool]]:
    if low is not None and high is not None:
        text = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    elif low is not None:
        text = f"{'>' if low_open else '>='} {low}"
    elif high is not None:
        text = f"{'<' if high_open else '<='} {high}"
    else:
        text = ""

    def inside(value) -> bool:
        above = low is None or (value > low if low_open else value >= low)
        below = high is None or (value < high if high_open else value <= high)
        return above and below

    return text, inside


def integer(low: int | None = None, high: int | None = None) -> Rule:
    text, inside = _interval(low, high, False, False)
    return Rule(f"an integer {text}".strip(), lambda v: _is_integer(v) and inside(v))


def odd_integer(low: int) -> Rule:
    return Rule(f"an odd integer >= {low}", lambda v: _is_integer(v) and v >= low and v % 2 == 1)


def number(low: float | None = None, high: float | None = None, *, low_open: bool = False,
           high_open: bool = False) -> Rule:
    text, inside = _interval(low, high, low_open, high_open)
    return Rule(f"a number {text}".strip(), lambda v: _is_number(v) and inside(v))


def number_pair(low: float | None = None, high: float | None = None, *, low_open: bool = False) -> Rule:
    """[a, b] with a <= b, both numbers in the interval (a range to draw from)."""
    text, inside = _interval(low, high, low_open, False)

    def accepts(value) -> bool:
        return (isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_number(v) and inside(v) for v in value)
                and value[0] <= value[1])

    return Rule(f"[low, high] with low <= high, both numbers {text}".strip(), accepts)


def numbers(low: float | None = None, high: float | None = None, *, integers: bool = False) -> Rule:
    """A non-empty list of distinct numbers (integers) in the interval: a grid to choose from."""
    text, inside = _interval(low, high, False, False)
    kind = "integers" if integers else "numbers"

    def accepts(value) -> bool:
        return (isinstance(value, list) and bool(value) and len(set(value)) == len(value)
                and all((_is_integer(v) if integers else _is_number(v)) and inside(v) for v in value))

    return Rule(f"a non-empty list of distinct {kind} {text}".strip(), accepts)


def choice(*options: str) -> Rule:
    return Rule("one of " + ", ".join(options), lambda v: v in options)


def flag() -> Rule:
    return Rule("true or false", lambda v: isinstance(v, bool))


def text() -> Rule:
    return Rule("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))


def mapping() -> Rule:
    return Rule("a mapping", lambda v: isinstance(v, dict))


def fractions(keys: tuple[str, ...]) -> Rule:
    """{key: share} for exactly `keys`, each share in (0, 1), summing to 1."""

    def accepts(value) -> bool:
        if not isinstance(value, dict) or set(value) != set(keys):
            return False
        shares = list(value.values())
        return all(_is_number(s) and 0 < s < 1 for s in shares) and abs(sum(shares) - 1) < 1e-6

    return Rule(f"{{{', '.join(f'{k}: share' for k in keys)}}} with every share in (0, 1) and a sum of 1", accepts)


def problems(section: str, values, rules: dict[str, Rule]) -> list[str]:
    """Every way `values` (the section's mapping) breaks `rules`, one message each; empty when it is valid."""
    if not isinstance(values, dict):
        return [f"{section} must be a mapping of keys to values, got {values!r}"]
    found = [f"{section}.{key} is not a known key (known: {', '.join(rules)})" for key in values if key not in rules]
    for key, rule in rules.items():
        if key not in values:
            found.append(f"{section}.{key} is missing; it must be {rule.allowed}")
        elif not rule.accepts(values[key]):
            found.append(f"{section}.{key} must be {rule.allowed}, got {values[key]!r}")
    return found
