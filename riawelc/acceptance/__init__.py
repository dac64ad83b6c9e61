"""Acceptance rules as data and the verdict they give. A YAML file (format riawelc-acceptance-1, closed schema:
unknown keys refused, read with yaml.safe_load) holds levels; each rule names a class (or "any"), a measure
(length, width, diameter, summed_length, area_share, count) and a limit: a number (mm, %, or a count) or a factor
of the nominal wall thickness t with an optional cap in mm. `judge` gives the verdict of a film's indications at
one level: accept or reject, each rejection naming the indication and the rule it breaks. The user supplies the
limits of the standard and contract they work to; profiles/acceptance-example.yaml is only an example. PyYAML
only (the service imports this)."""

from riawelc.acceptance.rules import (
                                      ANY,
                                      FORMAT,
                                      MEASURES,
                                      AcceptanceError,
                                      Level,
                                      Limit,
                                      Rule,
                                      RuleSet,
                                      load_rules,
                                      parse_rules,
)
from riawelc.acceptance.verdict import ACCEPT, REJECT, Breach, Verdict, judge

__all__ = ["ACCEPT", "ANY", "FORMAT", "MEASURES", "REJECT", "AcceptanceError", "Breach", "Level", "Limit", "Rule",
           "RuleSet", "Verdict", "judge", "load_rules", "parse_rules"]
