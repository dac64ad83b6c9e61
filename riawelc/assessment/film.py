"""One film from file to decision: read with its scale, inspect, measure its indications, judge them at each level,
and the record the CLI writes as indications/<name>.json."""

from __future__ import annotations

from dataclasses import dataclass, field

from riawelc.acceptance import Level, RuleSet, Verdict, judge
from riawelc.indications import FilmIndications, IndicationSettings, measure_indications
from riawelc.inspect.film import FilmInspection, FilmModels, FilmSettings, inspect_film
from riawelc.radiograph import Radiograph


@dataclass(frozen=True)
class Judging:
    """The rules asked for: the levels, the wall thickness and the indications' settings."""

    levels: tuple[Level, ...] = ()
    t_mm: float | None = None
    indications: IndicationSettings = field(default_factory=IndicationSettings)

    @classmethod
    def from_rules(cls, rules: RuleSet, levels: list[str] | None = None, t_mm: float | None = None) -> Judging:
        """The named levels of a rule set (default: all), checked against t; raises AcceptanceError."""
        return cls(tuple(rules.check(levels or list(rules.levels), t_mm)), t_mm,
                   IndicationSettings(rules.cluster_distance_mm, rules.reference_length_mm))


@dataclass
class Assessment:
    radiograph: Radiograph
    inspection: FilmInspection
    found: FilmIndications
    verdicts: list[Verdict]

    def record(self) -> dict:
        return {"film": self.radiograph.as_dict(), "inspected": self.inspection.region_note,
                "threshold": self.inspection.threshold, **self.found.as_dict(),
                "verdicts": [v.as_dict() for v in self.verdicts]}


def assess(radiograph: Radiograph, models: FilmModels, settings: FilmSettings, judging: Judging = Judging()
           ) -> Assessment:
    inspection = inspect_film(radiograph.pixels, models, settings)
    found = measure_indications(inspection, radiograph.scale, judging.indications)
    verdicts = [judge(found, level, judging.t_mm) for level in judging.levels]
    return Assessment(radiograph, inspection, found, verdicts)
