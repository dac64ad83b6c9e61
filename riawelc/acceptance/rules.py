"""Acceptance rules as data: a YAML file of levels, each a list of rules (class, measure, limit), read with a closed
schema (an unknown key is refused) and yaml.safe_load (nothing in the file is evaluated as code)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from riawelc.constants import DEFECT_CLASSES

FORMAT = "riawelc-acceptance-1"
ANY = "any"  # a rule for every indication, whatever its class (unclassified ones too)
CLASSES = (*DEFECT_CLASSES, ANY)
# measure -> (the Indication field it compares, unit); count is the film's number of indications of the class
MEASURES = {"length": ("length_mm", "mm"), "width": ("width_mm", "mm"), "diameter": ("largest_pore_mm", "mm"),
            "summed_length": ("summed_length_mm", "mm"), "area_share": ("area_share_percent", "%"),
            "count": (None, "")}
POROSITY_ONLY = ("diameter", "area_share")
TOP_KEYS = {"format", "title", "notice", "reference_length_mm", "cluster_distance_mm", "levels"}
LEVEL_KEYS = {"description", "rules"}
RULE_KEYS = {"class", "measure", "limit", "note"}
LIMIT_KEYS = {"t", "cap_mm"}


class AcceptanceError(ValueError):
    """A rule file or a request that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class Limit:
    value: float | None = None  # mm, %, or a count
    t_factor: float | None = None  # the limit is t_factor x t (mm) ...
    cap_mm: float | None = None  # ... and at most this

    def resolve(self, t: float | None) -> float:
        if self.t_factor is None:
            return self.value
        if t is None:
            raise AcceptanceError("needs the wall thickness t")
        return min(self.t_factor * t, self.cap_mm) if self.cap_mm is not None else self.t_factor * t

    def text(self, unit: str) -> str:
        if self.t_factor is None:
            return f"{self.value:g}{' ' + unit if unit == 'mm' else unit}"
        return f"{self.t_factor:g} t" + (f" (at most {self.cap_mm:g} mm)" if self.cap_mm is not None else "")


@dataclass(frozen=True)
class Rule:
    cls: str
    measure: str
    limit: Limit
    note: str = ""

    @property
    def unit(self) -> str:
        return MEASURES[self.measure][1]

    def text(self) -> str:
        per = " per reference length" if self.measure in ("summed_length", "area_share") else ""
        return f"{self.cls} {self.measure}{per} <= {self.limit.text(self.unit)}"


@dataclass(frozen=True)
class Level:
    name: str
    description: str
    rules: tuple[Rule, ...]

    def needs_t(self) -> list[int]:
        return [k for k, r in enumerate(self.rules, 1) if r.limit.t_factor is not None]


@dataclass(frozen=True)
class RuleSet:
    path: str
    title: str
    notice: str
    levels: dict[str, Level]
    reference_length_mm: float = 100.0
    cluster_distance_mm: float = 2.0

    def level(self, name: str) -> Level:
        if name not in self.levels:
            raise AcceptanceError(f"{self.path}: unknown level {name!r} (the file has: {', '.join(self.levels)})")
        return self.levels[name]

    def check(self, names: list[str], t: float | None) -> list[Level]:
        """The levels asked for, once each; an unknown level or a missing/invalid t is an error here, before any
        film is inspected."""
        levels = [self.level(n) for n in dict.fromkeys(names)]
        if t is not None and not t > 0:
            raise AcceptanceError(f"the wall thickness t must be positive, got {t:g} mm")
        for level in levels:
            if t is None and (needs := level.needs_t()):
                raise AcceptanceError(f"{self.path}: level {level.name!r} rule {needs[0]} "
                                      f"({level.rules[needs[0] - 1].text()}) needs the wall thickness t (--thickness)")
        return levels


def _keys(where: str, value, allowed: set[str], required: set[str]) -> dict:
    if not isinstance(value, dict):
        raise AcceptanceError(f"{where}: expected a mapping, got {type(value).__name__}")
    if unknown := sorted(set(map(str, value)) - allowed):
        raise AcceptanceError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    if missing := sorted(required - set(value)):
        raise AcceptanceError(f"{where}: missing key(s) {', '.join(missing)}")
    return value


def _number(where: str, value, low: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (strict and value <= low):
        raise AcceptanceError(f"{where}: expected a number {'>' if strict else '>='} {low:g}, got {value!r}")
    return float(value)


def _limit(where: str, measure: str, value) -> Limit:
    if isinstance(value, dict):
        if MEASURES[measure][1] != "mm":
            raise AcceptanceError(f"{where}: a factor of t is a length; {measure} takes a plain number")
        _keys(where, value, LIMIT_KEYS, {"t"})
        cap = value.get("cap_mm")
        return Limit(None, _number(f"{where}.t", value["t"], strict=True),
                     None if cap is None else _number(f"{where}.cap_mm", cap, strict=True))
    number = _number(where, value)
    if measure == "count" and not number.is_integer():
        raise AcceptanceError(f"{where}: a count limit is a whole number, got {value!r}")
    return Limit(number)


def _rule(where: str, value) -> Rule:
    _keys(where, value, RULE_KEYS, {"class", "measure", "limit"})
    cls, measure = value["class"], value["measure"]
    if cls not in CLASSES:
        raise AcceptanceError(f"{where}: unknown class {cls!r} (one of: {', '.join(CLASSES)})")
    if measure not in MEASURES:
        raise AcceptanceError(f"{where}: unknown measure {measure!r} (one of: {', '.join(MEASURES)})")
    if measure in POROSITY_ONLY and cls != "porosity":
        raise AcceptanceError(f"{where}: {measure} applies to porosity only, not {cls}")
    return Rule(cls, measure, _limit(f"{where}.limit", measure, value["limit"]), str(value.get("note", "")))


def parse_rules(text: str, path: str = "rules") -> RuleSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AcceptanceError(f"{path}: does not parse as YAML ({' '.join(str(error).split())})") from None
    _keys(path, data, TOP_KEYS, {"format", "levels"})
    if data["format"] != FORMAT:
        raise AcceptanceError(f"{path}: format must be {FORMAT!r}, got {data['format']!r}")
    if not isinstance(data["levels"], dict) or not data["levels"]:
        raise AcceptanceError(f"{path}: levels must map at least one level name to its rules")
    levels = {}
    for name, level in data["levels"].items():
        where = f"{path}: levels.{name}"
        _keys(where, level, LEVEL_KEYS, {"rules"})
        if not isinstance(level["rules"], list) or not level["rules"]:
            raise AcceptanceError(f"{where}.rules: expected a non-empty list of rules")
        rules = tuple(_rule(f"{where} rule {k}", r) for k, r in enumerate(level["rules"], 1))
        levels[str(name)] = Level(str(name), str(level.get("description", "")), rules)
    return RuleSet(path, str(data.get("title", "")), str(data.get("notice", "")), levels,
                   _number(f"{path}: reference_length_mm", data.get("reference_length_mm", 100.0), strict=True),
                   _number(f"{path}: cluster_distance_mm", data.get("cluster_distance_mm", 2.0)))


def load_rules(path: str | Path) -> RuleSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise AcceptanceError(f"{path}: cannot read the rule file ({reason})") from None
    return parse_rules(text, str(path))
