"""The acceptance rules of /inspect: the RIAWELC_RULES file, loaded once at start-up (a file that cannot be used
keeps the service unready, with the reason), and the levels and wall thickness a request asks for, checked before
any film is decoded (400 naming the parameter, 409 when the service has no rules)."""

from __future__ import annotations

from pathlib import Path

from riawelc.acceptance import AcceptanceError, RuleSet, load_rules
from riawelc.assessment import Judging, rules_provenance
from riawelc.indications import IndicationSettings
from serve.problems import problem
from serve.runtime import ModelError

ALL_LEVELS = "all"


def load_acceptance(path: Path) -> tuple[RuleSet, dict]:
    """The rule set and what a report says of it (path, sha256, title, notice, levels); ModelError naming
    RIAWELC_RULES when the file cannot be used."""
    try:
        rules = load_rules(path)
    except AcceptanceError as error:
        raise ModelError(f"RIAWELC_RULES: {error}") from None
    return rules, {**rules_provenance(Path(path), rules), "levels": list(rules.levels)}


def _bad_parameter(key: str, slug: str, title: str, detail: str):
    return problem(400, slug, title, detail, extra=[{"key": key, "source": "query", "message": detail}])


def judging_for(rules: RuleSet | None, level: str | None, thickness: float | None) -> Judging:
    """The levels to judge (one, or every level of the file for `all` or none given) at wall thickness
    `thickness` (mm), with the rule file's indication settings; no rules and no level asked: no verdict."""
    if rules is None:
        if level is not None or thickness is not None:
            asked = "level" if level is not None else "thickness"
            raise problem(409, "no-rules", "No acceptance rules loaded",
                          f"{asked} asks for a verdict, but the service has no acceptance rules: set RIAWELC_RULES "
                          "to a rules YAML file (profiles/acceptance-example.yaml is an example, not a standard)")
        return Judging()
    if level is None or (level == ALL_LEVELS and level not in rules.levels):
        levels = list(rules.levels.values())
    elif level in rules.levels:
        levels = [rules.levels[level]]
    else:
        raise _bad_parameter("level", "unknown-level", "Unknown acceptance level",
                             f"level={level!r} is not a level of the acceptance rules: one of "
                             f"{', '.join(rules.levels)}, or {ALL_LEVELS}")
    for chosen in levels:
        if thickness is None and (needs := chosen.needs_t()):
            rule = chosen.rules[needs[0] - 1]
            raise _bad_parameter("thickness", "thickness-needed", "Wall thickness needed",
                                 f"level {chosen.name!r} rule {needs[0]} ({rule.text()}) is a factor of the "
                                 "nominal wall thickness t: give thickness=<t in mm>")
    return Judging(tuple(levels), thickness, IndicationSettings(rules.cluster_distance_mm, rules.reference_length_mm))
