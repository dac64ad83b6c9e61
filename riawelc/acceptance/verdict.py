"""A film's verdict at one acceptance level: reject when any indication breaks a rule (each rejection names the
indication and the rule), accept otherwise; none without a scale. What a rule could not assess (a measure the
indication lacks, a class no rule covers) is listed beside the verdict, not silently passed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from riawelc.acceptance.rules import ANY, MEASURES, AcceptanceError, Level, Rule

ACCEPT, REJECT = "accept", "reject"


@dataclass(frozen=True)
class Breach:
    indication: int  # the indication's number (for a count rule, each indication of the class counted)
    rule: int  # 1-based, in the level
    rule_text: str
    measure: str
    value: float
    limit: float
    unit: str = ""

    def text(self) -> str:
        unit = f" {self.unit}" if self.unit == "mm" else self.unit
        return (f"indication {self.indication}: {self.measure} {self.value:g}{unit} > {self.limit:g}{unit} "
                f"(rule {self.rule}: {self.rule_text})")


@dataclass
class Verdict:
    level: str
    decision: str | None  # "accept", "reject", or None (no verdict: see note)
    reasons: list[Breach] = field(default_factory=list)
    unassessed: list[str] = field(default_factory=list)
    note: str = ""
    t_mm: float | None = None

    def as_dict(self) -> dict:
        return {"level": self.level, "decision": self.decision, "t_mm": self.t_mm, "note": self.note,
                "reasons": [{**asdict(b), "text": b.text()} for b in self.reasons], "unassessed": self.unassessed}


def _applies(rule: Rule, cls: str) -> bool:
    return rule.cls == ANY or rule.cls == cls


def judge(film, level: Level, t: float | None = None) -> Verdict:
    """film: a riawelc.indications.FilmIndications (or anything with .scale and .indications of that shape)."""
    if not film.scale.known:
        return Verdict(level.name, None, note=f"no verdict: the film has no scale ({film.scale.note})", t_mm=t)
    verdict = Verdict(level.name, ACCEPT, t_mm=t)
    for number, rule in enumerate(level.rules, 1):
        try:
            limit = rule.limit.resolve(t)
        except AcceptanceError:
            raise AcceptanceError(f"level {level.name!r} rule {number} ({rule.text()}) needs the wall thickness t "
                                  "(--thickness)") from None
        hits = [i for i in film.indications if _applies(rule, i.cls)]
        if rule.measure == "count":
            if len(hits) > limit:
                verdict.reasons.extend(Breach(i.number, number, rule.text(), f"{rule.cls} count", len(hits), limit)
                                      for i in hits)
            continue
        field_name = MEASURES[rule.measure][0]
        for item in hits:
            value = getattr(item, field_name)
            if value is None:
                verdict.unassessed.append(f"rule {number} ({rule.text()}): indication {item.number} has no "
                                          f"{rule.measure}")
            elif value > limit:
                verdict.reasons.append(Breach(item.number, number, rule.text(), rule.measure, value, round(limit, 4),
                                              rule.unit))
    covered = {r.cls for r in level.rules}
    for item in film.indications:
        if ANY not in covered and item.cls not in covered:
            verdict.unassessed.append(f"indication {item.number} ({item.cls}): no rule of this level covers it")
    if verdict.reasons:
        verdict.decision = REJECT
    return verdict
