"""Stage verdicts (issue 18): the acceptance verdict of every tabled film, the inspection's against the table's, with
the same rules (params verdicts: the rule file, its levels, one assumed wall thickness t for every BAM plate).

The reference verdict comes from the table's rows of the four classes (code -> class as riawelc.films.flawtable
reads it; length l and width b in mm; a single pore's l is its diameter); rows of other codes are out of scope and
counted. The inspection's comes from the real-film detector at GDXray's 0.0403 mm per px: the rejector that never
saw the scored film (the shipped detector's, trained on the three hand-masked films, for the W0003 films; the
held-out one for RRT-12R and RRT-22R), with the delineator chosen the same way (stage delineate), and a component
classifier fitted under the cells stage's film folds (its
first seed), so that no film's classes come from a classifier that saw that film's table rows. The shipped
detector's classifier, which saw every tabled film, is scored beside it as "shipped (in-sample classes)".
Films, table and detectors are found with stages.realfilms.cells' and stages.realfilms.model's helpers (this
stage imports those two stage modules rather than copy them). Writes results-real/realfilms/verdicts.json.
`python -m stages.realfilms.verdicts`.
"""

import math
from pathlib import Path

import numpy as np

from riawelc.acceptance import REJECT, judge, load_rules
from riawelc.constants import DEFECT_CLASSES, MM_PER_PIXEL
from riawelc.digest import sha256_of
from riawelc.films.flawtable import OTHER, read_flaw_table
from riawelc.films.tree import find_table
from riawelc.indications import (
    FilmIndications,
    Indication,
    IndicationSettings,
    add_window_measures,
    measure_indications,
)
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.inspect.delineator import delineator_of
from riawelc.inspect.detector import DETECTOR_FILE, Detector
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film
from riawelc.learn.detector import BoostingParams, fit_ensemble
from riawelc.radiograph import RadiographError, Scale, read_radiograph
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT, RESULTS, TREES_RULES
from stages.realfilms.detection import CELLS_RULES, DETECTOR_RULES, class_rows, films_to_score, held_out_detector
from stages.realfilms.rules import MASKED_RULES
from stages.validation import Rule, number, text

VERDICT_RULES = {"rules": text(), "thickness_mm": number(0, low_open=True),
                 "levels": Rule("a non-empty list of level names",
                                lambda v: isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v))}
SCALE = Scale(MM_PER_PIXEL, "GDXray profile", "GDXray/BAM films: 40.3 um per pixel (630 dpi)")
SINGLE_CAVITIES = ("2011", "2015", "2016")  # one pore or cavity: its l is its largest dimension
GAS_PORE = "2011"  # round: its projected area is pi l^2 / 4 (other porosity rows give no area)
VARIANTS = ("folds", "shipped")


class Subset:
    """The stored candidates of some films only (what stages.realfilms.model.class_rows reads)."""

    def __init__(self, stored, films):
        self.stored, self.files = stored, [k for k in stored.files if k.split("/")[0] in films]

    def __getitem__(self, key):
        return self.stored[key]


def fold_classifiers(shipped: Detector, cells: dict, seed: int) -> tuple[dict, list, list]:
    """film -> the component classifier fitted on the other folds' films (the cells stage's folds, first seed);
    None (regions unclassified) where the other folds lack a class, as the model stage does; the folds; notes."""
    stored = np.load(OUT / "cells" / "candidates.npz")
    names = sorted({key.split("/")[0] for key in stored.files})
    order = np.random.default_rng(cells["seeds"][0]).permutation(names)
    folds = [sorted(order[k::cells["folds"]]) for k in range(cells["folds"])]
    boosting = BoostingParams(cells["class_estimators"], 0.05, 7, 10)
    chosen, notes = {}, []
    for k, fold in enumerate(folds):
        x, y, _ = class_rows(Subset(stored, set(names) - set(fold)), shipped.threshold)
        try:
            model = fit_ensemble(x, y, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES), seed, boosting)
        except ValueError as error:
            model = None
            notes.append(f"fold {k}: no component classifier ({error}): its films' regions are unclassified")
        chosen.update({film: model for film in fold})
    return chosen, folds, notes


def table_widths(path: Path) -> dict[int, float]:
    """1-based spreadsheet row -> the table's width b (mm) where it gives one (riawelc.films.flawtable keeps no b)."""
    import xlrd

    sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    rows = [sheet.row_values(r) for r in range(sheet.nrows)]
    header = next(k for k, row in enumerate(rows) if str(row[0]).strip().upper().startswith("ROC"))
    column = [str(v).strip() for v in rows[header]].index("b")
    return {k + 1: float(row[column]) for k, row in enumerate(rows[header + 2:], header + 2)
            if isinstance(row[column], float) and row[column] > 0}


def reference(flaws, widths: dict, film_px: int, weld_width_mm: float | None, settings) -> FilmIndications:
    """The table's rows of the four classes as indications: from the start of their cell, l long, b wide."""
    items = []
    for flaw in (f for f in flaws.flaws if f.label != OTHER):
        length, width, start = flaw.length_mm, widths.get(flaw.row), (flaw.cell - 1) * 10.0
        single = flaw.label == "porosity" and flaw.code in SINGLE_CAVITIES
        area = math.pi * length**2 / 4 if flaw.code == GAS_PORE and length else 0.0
        px = 1.0 / MM_PER_PIXEL
        items.append(Indication(
            len(items) + 1, flaw.label, 1.0, (int(start * px), 0, int((length or 0) * px), 0),
            ((start + (length or 0) / 2) * px, 0.0), (length or 0) * px, (width or 0) * px, 0.0, int(area * px * px),
            pores=1 if single else None, length_mm=length, width_mm=width, area_mm2=round(area, 4),
            position_mm=round(start + (length or 0) / 2, 2), start_mm=start, end_mm=start + (length or 0),
            cell=flaw.cell, largest_pore_mm=length if single else None))
    weld_px = weld_width_mm / MM_PER_PIXEL if weld_width_mm else None
    add_window_measures(items, MM_PER_PIXEL, film_px, weld_px, settings.reference_length_mm)
    return FilmIndications(items, SCALE, settings, weld_width_mm)


def overlap(item, start: float, end: float) -> float:
    return max(0.0, min(item.end_mm, end) - max(item.start_mm, start))


def flaw_match(flaw, found: FilmIndications) -> dict:
    """Detected when an indication lies along the flaw's span (from its cell's start to the end of that cell plus
    l: the table does not say where in the cell it starts); the length error is that of the overlapping
    indication of its class with the largest overlap."""
    start, end = (flaw.cell - 1) * 10.0, flaw.cell * 10.0 + (flaw.length_mm or 0.0)
    near = [i for i in found.indications if overlap(i, start, end) > 0]
    same = sorted((i for i in near if i.cls == flaw.label), key=lambda i: -overlap(i, start, end))
    out = {"detected": bool(near), "detected_as_its_class": bool(same), "classes_found": sorted({i.cls for i in near})}
    if same:
        out["indication"] = same[0].number
        out["indication_length_mm"] = same[0].length_mm
        if flaw.length_mm:
            out["length_error_mm"] = round(same[0].length_mm - flaw.length_mm, 3)
    return out


def confusion(rows: list[dict], variant: str, level: str) -> dict:
    pairs = [(r["reference"][level], r[variant][level]) for r in rows]
    table = {f"reference_{a}": {f"inspection_{b}": sum(p == (a, b) for p in pairs) for b in ("reject", "accept")}
             for a in ("reject", "accept")}
    agree = sum(a == b for a, b in pairs)
    rejects = sum(a == REJECT for a, _ in pairs)
    # a reject where the table accepts may still be a real flaw: one of the codes out of scope here
    other = sum(r["reference"][level] != REJECT and r[variant][level] == REJECT and r["other_code_rows"] > 0
                for r in rows)
    out = {"confusion": table, "agreement": round(agree / len(pairs), 4), "always_reject_agreement":
           round(rejects / len(pairs), 4), "films": len(pairs), "extra_rejects_on_films_with_other_codes": other}
    if variant == "folds":  # which indications caused each disagreement: the inspection's, or the table's rows
        out["disagreements"] = [{"film": r["film"], "reference": r["reference"][level], "inspection": r[variant][level],
                                 "caused_by": r["reasons"]["folds" if r[variant][level] == REJECT
                                                           else "reference"][level]}
                                for r in rows if r["reference"][level] != r[variant][level]]
    return out


def main() -> None:
    trees = load_params("trees", TREES_RULES, REAL_PARAMS)
    masked_root = load_params("masked", MASKED_RULES, REAL_PARAMS)["root"]
    cells = load_params("cells", CELLS_RULES, REAL_PARAMS)
    seed = load_params("detector", DETECTOR_RULES, REAL_PARAMS)["seed"]
    p = load_params("verdicts", VERDICT_RULES, REAL_PARAMS)
    films_dir = Path(trees["films"])
    try:
        rules = load_rules(p["rules"])
        levels = rules.check(p["levels"], p["thickness_mm"])
        table_path = find_table(films_dir)
        table, widths = read_flaw_table(table_path), table_widths(table_path)
        paths, masks = films_to_score(films_dir, masked_root)
    except ValueError as error:
        fail(str(error))
    settings = IndicationSettings(rules.cluster_distance_mm, rules.reference_length_mm)
    shipped = Detector.load(OUT / "models" / DETECTOR_FILE)
    entry = shipped.delineation
    outlines = {None: delineator_of(entry, OUT / "models")}
    outlines.update({name: delineator_of(entry, OUT / "delineator", file=f"delineator-{name}.onnx") for name in masks})
    by_fold, folds, notes = fold_classifiers(shipped, cells, seed)
    rows, flaws_out, other_rows = [], [], {}
    for name in sorted(table.films):
        flaws = table.films[name]
        if flaws.unusable or name not in paths:
            notes.append(f"{name}: left out ({flaws.unusable or 'in the table, not in the folder'})")
            continue
        try:
            film = read_radiograph(paths[name], gdxray=True)
        except RadiographError as error:
            notes.append(f"{name}: left out, unreadable ({error})")
            continue
        for flaw in flaws.flaws:  # counted on the scored films, as the rows of the four classes are
            if flaw.label == OTHER:
                other_rows[flaw.code] = other_rows.get(flaw.code, 0) + 1
        rejector = held_out_detector(OUT / "masked", name, shipped)
        found = {}
        for variant, classifier in (("folds", by_fold.get(name, shipped.classifier)), ("shipped", shipped.classifier)):
            detector = Detector(rejector.settings, rejector.rejector, classifier)
            delineator = outlines.get(name if name in masks else None)
            inspection = inspect_film(film.pixels, FilmModels(None, None, 1.0, detector=detector,
                                                              delineator=delineator), FilmSettings(source="candidates"))
            found[variant] = measure_indications(inspection, film.scale, settings)
        ref = reference(flaws, widths, film.pixels.shape[1], found["folds"].weld_width_mm, settings)
        verdicts = {"reference": {lv.name: judge(ref, lv, p["thickness_mm"]) for lv in levels},
                    **{v: {lv.name: judge(found[v], lv, p["thickness_mm"]) for lv in levels} for v in VARIANTS}}
        row = {"film": name, "in_folds": name in by_fold,
               "rejector": "held out" if rejector is not shipped else "shipped",
               "weld_width_mm": found["folds"].weld_width_mm, "table_rows": len(ref.indications),
               "other_code_rows": sum(f.label == OTHER for f in flaws.flaws),
               **{v: {lv: verdicts[v][lv].decision for lv in verdicts[v]} for v in verdicts},
               "indications": {v: len(found[v].indications) for v in VARIANTS},
               "reasons": {v: {lv: reasons(verdicts[v][lv], found.get(v, ref)) for lv in verdicts[v]}
                           for v in ("reference", "folds")},
               "unassessed": {v: {lv: len(verdicts[v][lv].unassessed) for lv in verdicts[v]} for v in verdicts}}
        rows.append(row)
        for item, flaw in zip(ref.indications, (f for f in flaws.flaws if f.label != OTHER)):
            flaws_out.append({"film": name, "row": flaw.row, "code": flaw.code, "class": flaw.label,
                              "cell": flaw.cell, "l_mm": flaw.length_mm, "b_mm": widths.get(flaw.row),
                              "rule_outcome": {lv.name: rule_outcome(verdicts["reference"][lv.name], item.number)
                                               for lv in levels},
                              **flaw_match(flaw, found["folds"])})
        print(f"{name}: {len(ref.indications)} table rows, {len(found['folds'].indications)} indications; "
              + "; ".join(f"{lv.name} reference {row['reference'][lv.name]} inspection {row['folds'][lv.name]}"
                          for lv in levels), flush=True)
    write_json(RESULTS / "verdicts.json", summary(rows, flaws_out, notes, other_rows, levels, p, folds))


def reasons(verdict, found) -> list[str]:
    """One line per broken rule: the indications that break it, their cells and values (films have dozens)."""
    cells = {i.number: i.cell for i in found.indications}
    lines = []
    for rule in sorted({b.rule for b in verdict.reasons}):
        broken = [b for b in verdict.reasons if b.rule == rule]
        lines.append(f"rule {rule} ({broken[0].rule_text}): " + ", ".join(
            f"{b.indication} (cell {cells[b.indication]}, {b.measure} {b.value:g})" for b in broken))
    return lines


def rule_outcome(verdict, number: int) -> str:
    if any(b.indication == number for b in verdict.reasons):
        return "reject"
    return "unassessed" if any(f"indication {number} " in u for u in verdict.unassessed) else "accept"


def summary(rows, flaws_out, notes, other_rows, levels, p, folds) -> dict:
    per_class = {}
    for c in DEFECT_CLASSES:
        mine = [f for f in flaws_out if f["class"] == c]
        errors = [f["length_error_mm"] for f in mine if "length_error_mm" in f]
        per_class[c] = {"rows": len(mine), "detected": sum(f["detected"] for f in mine),
                        "detected_as_its_class": sum(f["detected_as_its_class"] for f in mine),
                        "length_errors": len(errors),
                        "median_length_error_mm": round(float(np.median(errors)), 3) if errors else None,
                        "median_abs_length_error_mm": round(float(np.median(np.abs(errors))), 3) if errors else None}
    return {
        "what": "acceptance verdict per tabled film: the inspection's (real-film detector at 0.0403 mm/px) against "
                "the flaw table's, with the same rules",
        "rules": {"file": p["rules"], "sha256": sha256_of(p["rules"]), "levels": [lv.name for lv in levels],
                  "thickness_mm": p["thickness_mm"],
                  "thickness_note": "ASSUMED for every BAM plate: the sources document no wall thickness (the "
                                    "table's S, OD and D columns are unexplained, S mostly blank)"},
        "variants": {"folds": "component classifier fitted under the cells stage's film folds (first seed): no "
                              "film's classes come from its own table rows",
                     "shipped": "realfilms/out/models/detector.json's classifier, trained on every tabled film's "
                                "cells: in-sample classes, for comparison"},
        "folds": [list(f) for f in folds], "films": len(rows), "notes": notes,
        "reasons_are": "per broken rule, the indications (number, cell, value) that break it; the reference's "
                       "indications are the table's rows of the four classes, numbered in table order",
        "table_rows": {"four_classes": len(flaws_out), "other_codes_out_of_scope": sum(other_rows.values()),
                       "other_codes": dict(sorted(other_rows.items()))},
        "levels": {lv.name: {v: confusion(rows, v, lv.name) for v in VARIANTS} for lv in levels},
        "flaws_per_class": per_class, "flaws": flaws_out, "per_film": rows,
    }


if __name__ == "__main__":
    main()
