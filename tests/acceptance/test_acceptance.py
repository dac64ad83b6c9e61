"""riawelc.acceptance: the rule file's closed schema and its errors (a file that does not parse, an unknown key, an
unknown level, t missing), the example rule set, and the verdict with the indication and rule behind each
rejection."""

import pytest

from riawelc.acceptance import AcceptanceError, judge, load_rules, parse_rules
from riawelc.indications import IndicationSettings, measure_indications
from riawelc.radiograph import Scale
from tests.conftest import REPO
from tests.indications.indication_films import MM, Drawing

EXAMPLE = REPO / "profiles" / "acceptance-example.yaml"
RULES = """
format: riawelc-acceptance-1
levels:
  tight:
    rules:
      - {class: crack, measure: count, limit: 0}
      - {class: porosity, measure: diameter, limit: {t: 0.2, cap_mm: 1.5}}
      - {class: porosity, measure: area_share, limit: 1.0}
  loose:
    rules:
      - {class: crack, measure: length, limit: 20}
      - {class: porosity, measure: diameter, limit: 3}
"""


def film(drawing: Drawing | None = None):
    """The indications of `drawing`, by default two pores of 21 px (1.05 mm) and 41 px (2.05 mm)."""
    drawing = drawing or Drawing().pore(1000, 200, 10).pore(1600, 200, 20)
    return measure_indications(drawing.inspection(), Scale(MM, "user"), IndicationSettings())


def test_the_example_file_is_labelled_as_an_example_and_refuses_cracks_and_lack_of_penetration_at_every_level():
    rules = load_rules(EXAMPLE)
    assert "not the text" in rules.notice.lower() and "example" in rules.title.lower()
    assert "NOT the text" in EXAMPLE.read_text()
    for level in rules.levels.values():
        zero = {(r.cls, r.measure) for r in level.rules if r.limit.value == 0}
        assert {("crack", "count"), ("lack_of_penetration", "count")} <= zero
        assert any(r.measure == "diameter" and r.limit.t_factor for r in level.rules)
        assert any(r.measure == "area_share" for r in level.rules)


def test_a_crack_is_rejected_with_the_indication_and_the_rule_named():
    found = film(Drawing().pore(400, 200, 5).crack(1000, 200, 100))
    verdict = judge(found, parse_rules(RULES).level("tight"), t=10.0)
    assert verdict.decision == "reject"
    (breach,) = verdict.reasons
    assert (breach.indication, breach.rule) == (2, 1) and "crack count" in breach.text()
    assert "indication 2" in breach.text() and "rule 1" in breach.text()


def test_pore_diameter_against_a_factor_of_t_with_its_cap():
    found = film()  # pores of 21 px (1.05 mm) and 41 px (2.05 mm)
    tight = parse_rules(RULES).level("tight")
    at_5 = judge(found, tight, t=5.0)  # 0.2 x 5 = 1.0 mm: both pores too large
    assert at_5.decision == "reject" and [b.indication for b in at_5.reasons] == [1, 2]
    assert at_5.reasons[0].limit == pytest.approx(1.0) and at_5.reasons[0].measure == "diameter"
    at_20 = judge(found, tight, t=20.0)  # 0.2 x 20 = 4 mm, capped at 1.5 mm: only the large pore
    assert [(b.indication, b.limit) for b in at_20.reasons] == [(2, 1.5)]
    assert judge(found, parse_rules(RULES).level("loose")).decision == "accept"


def test_area_share_over_its_limit_rejects():
    drawing = Drawing(half_height=20.0)  # a narrow weld: 2 mm
    for x in range(1000, 1400, 60):
        drawing.pore(x, 200, 12)
    found = measure_indications(drawing.inspection(), Scale(MM, "user"))
    verdict = judge(found, parse_rules(RULES).level("tight"), t=100.0)  # diameters pass (cap 1.5 mm)
    assert {b.measure for b in verdict.reasons} == {"area_share"} and verdict.decision == "reject"


def test_no_scale_gives_no_verdict_with_the_reason():
    found = measure_indications(Drawing().crack(1000, 200, 100).inspection(), Scale(None, "none", "PNG, no scale"))
    verdict = judge(found, parse_rules(RULES).level("tight"), t=10.0)
    assert verdict.decision is None and "no scale" in verdict.note and "PNG, no scale" in verdict.note


def test_unclassified_indications_and_missing_measures_are_listed_not_passed_silently():
    found = film(Drawing().pore(1000, 200, 10))
    found.indications[0].cls = "unclassified"
    verdict = judge(found, parse_rules(RULES).level("loose"))
    assert verdict.decision == "accept" and "no rule of this level covers it" in verdict.unassessed[0]


def test_an_unknown_level_names_the_levels_there_are():
    with pytest.raises(AcceptanceError, match=r"unknown level 'B' \(the file has: tight, loose\)"):
        parse_rules(RULES).check(["B"], 10.0)


def test_t_missing_when_a_rule_needs_it_is_an_error_naming_the_rule():
    rules = parse_rules(RULES)
    assert [level.name for level in rules.check(["loose"], None)] == ["loose"]  # loose needs no t
    with pytest.raises(AcceptanceError, match=r"level 'tight' rule 2 \(porosity diameter <= 0.2 t .*\) needs the "
                                              r"wall thickness t"):
        rules.check(["tight"], None)
    with pytest.raises(AcceptanceError, match="needs the wall thickness t"):
        judge(film(), rules.level("tight"), t=None)


@pytest.mark.parametrize("text, problem", [
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: count, limit: 0}]}}\nextra: 1",
     r"unknown key\(s\) extra"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: count, limit: 0, eval: x}]}}",
     r"levels.a rule 1: unknown key\(s\) eval"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: depth, limit: 1}]}}",
     "unknown measure 'depth'"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: slag, measure: length, limit: 1}]}}",
     "unknown class 'slag'"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: diameter, limit: 1}]}}",
     "diameter applies to porosity only"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: porosity, measure: area_share, limit: {t: 1}}]}}",
     "a factor of t is a length"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: porosity, measure: diameter, "
     "limit: {t: 0.3, max: 3}}]}}", r"unknown key\(s\) max"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: count, limit: -1}]}}",
     "expected a number >= 0"),
    ("format: other\nlevels: {}", "format must be 'riawelc-acceptance-1'"),
    ("levels: [unclosed", "does not parse as YAML"),
    ("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: count, limit: !!python/name:os.system "
     "''}]}}", "does not parse as YAML"),
])
def test_a_bad_rule_file_is_one_error_naming_the_problem(text, problem):
    with pytest.raises(AcceptanceError, match=problem):
        parse_rules(text, "bad.yaml")


def test_a_missing_rule_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(AcceptanceError, match="nothing.yaml: cannot read the rule file"):
        load_rules(tmp_path / "nothing.yaml")
