"""One self-contained HTML report per film (inline CSS, pictures as data URIs, printable to PDF from a browser).
Every string that comes from a file (its name, its header, a rule file) or from the user is HTML-escaped here."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from riawelc.report.pictures import crop, overview

NOT_RECORDED = "not recorded"
DISCLAIMER = ("The verdict is an aid for the inspector, not a certification: the inspector checks the film and the "
              "indications, decides, and signs.")
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111}h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}.accept{color:#05620f;font-weight:700}
.reject{color:#a30000;font-weight:700}.none{color:#555;font-weight:700}img{max-width:100%;image-rendering:pixelated}
.crops{display:flex;flex-wrap:wrap;gap:10px}.crops figure{margin:0;break-inside:avoid}.note{color:#444}
.disclaimer{border:2px solid #a30000;padding:8px;margin-top:18px}code{word-break:break-all}
@media print{body{margin:10mm}h2{break-after:avoid}}
"""


@dataclass
class ReportContext:
    """What the report says besides the film: who and what, from where."""

    weld_id: str | None = None
    inspector: str | None = None
    iqi: str | None = None  # the image quality indicator reading, as the inspector writes it
    created: str = ""  # date and time, ISO 8601
    model: dict = field(default_factory=dict)  # name, source, version, files [{path, sha256}], training_data
    rules: dict | None = None  # path, sha256, title, notice; None: no rules asked for


def _text(value) -> str:
    return escape(str(value)) if value not in (None, "") else escape(NOT_RECORDED)


def number(value, digits: int = 2) -> str:
    """A table cell's number: fixed digits; '-' when there is none."""
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def columns(calibrated: bool) -> list[tuple[str, str, int]]:
    """(heading, Indication field, digits) of the indications table."""
    if calibrated:
        return [("No.", "number", 0), ("class", "cls", 0), ("length mm", "length_mm", 2), ("width mm", "width_mm", 2),
                ("area mm²", "area_mm2", 2), ("position mm", "position_mm", 1), ("cell", "cell", 0),
                ("pores", "pores", 0), ("largest pore mm", "largest_pore_mm", 2),
                ("area share %", "area_share_percent", 2), ("score", "score", 2)]
    return [("No.", "number", 0), ("class", "cls", 0), ("length px", "length_px", 1), ("width px", "width_px", 1),
            ("area px", "area_px", 0), ("pores", "pores", 0), ("largest pore px", "largest_pore_px", 1),
            ("score", "score", 2)]


def _table(indications, calibrated: bool) -> str:
    cols = columns(calibrated)
    head = "".join(f"<th>{escape(h)}</th>" for h, _, _ in cols)
    rows = []
    for item in indications:
        cells = []
        for _, name, digits in cols:
            value = getattr(item, name)
            cells.append(f"<td>{escape(value)}</td>" if isinstance(value, str)
                         else f'<td class="n">{number(value, digits)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(cols)}">no indication</td></tr>'
    return f'<table id="indications"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _verdicts(verdicts) -> str:
    if not verdicts:
        return '<p class="note">No acceptance rules were given: no verdict.</p>'
    parts = []
    for v in verdicts:
        decision = v.decision or "no verdict"
        css = v.decision or "none"
        t = f", t = {v.t_mm:g} mm" if v.t_mm is not None else ""
        parts.append(f'<h3>Level {escape(v.level)}{escape(t)}: <span class="{css}">{escape(decision)}</span></h3>')
        if v.note:
            parts.append(f'<p class="note">{escape(v.note)}</p>')
        if v.reasons:
            parts.append("<ul>" + "".join(f"<li>{escape(b.text())}</li>" for b in v.reasons) + "</ul>")
        if v.unassessed:
            parts.append('<p class="note">Not assessed:</p><ul>'
                         + "".join(f"<li>{escape(u)}</li>" for u in v.unassessed) + "</ul>")
    return "".join(parts)


def _rows(pairs) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in pairs) + "</table>"


def render_report(film, radiograph, inspection: dict, found, verdicts, context: ReportContext) -> str:
    """The report of one film. film: its uint8 pixels; radiograph: riawelc.radiograph.Radiograph; inspection: the
    FilmInspection's summary() (what was inspected); found: riawelc.indications.FilmIndications; verdicts: one
    riawelc.acceptance.Verdict per level."""
    scale = found.scale
    calibrated = scale.known
    model = context.model
    files = "".join(f"<li><code>{escape(str(f.get('path', '')))}</code> sha256 <code>{escape(str(f.get('sha256')))}"
                    "</code></li>" for f in model.get("files", []))
    calibration = (f"{scale.mm_per_pixel:.5g} mm per pixel, from {escape(scale.source)}" if calibrated
                   else f"none ({escape(scale.source)})")
    subject = _rows([("film", _text(radiograph.name)), ("format", _text(radiograph.format)),
                     ("size", f"{film.shape[1]} x {film.shape[0]} px"), ("weld id", _text(context.weld_id)),
                     ("inspector", _text(context.inspector)), ("image quality indicator", _text(context.iqi)),
                     *[(f"header: {k}", _text(v)) for k, v in radiograph.header.items()],
                     ("date of report", _text(context.created))])
    provenance = _rows([
        ("calibration", calibration + (f'<br><span class="note">{escape(scale.note)}</span>' if scale.note else "")),
        ("reading", "<br>".join(escape(n) for n in radiograph.notes) or "-"),
        ("inspected", _text(inspection.get("region"))),
        ("method", _text(model.get("source"))), ("model", _text(model.get("name"))),
        ("model version", _text(model.get("version"))),
        ("model files", f"<ul>{files}</ul>" if files else _text(None)),
        ("training data hash", _text(model.get("training_data"))),
        ("acceptance rules", _rules(context.rules)),
        ("indications", f"reference length {found.settings.reference_length_mm:g} mm, pores closer than "
                        f"{found.settings.cluster_distance_mm:g} mm form one indication; weld width "
                        f"{number(found.weld_width_mm)} mm" + "".join(f"<br>{escape(n)}" for n in found.notes))])
    crops = "".join(f'<figure><img alt="indication {i.number}" src="{crop(film, i)}"><figcaption>{i.number}: '
                    f"{escape(i.cls)}</figcaption></figure>" for i in found.indications)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Inspection report: '
            f"{escape(radiograph.name)}</title><style>{CSS}</style></head><body>"
            f"<h1>Inspection report: {escape(radiograph.name)}</h1>{subject}"
            f'<h2>Verdict</h2>{_verdicts(verdicts)}<p class="disclaimer">{escape(DISCLAIMER)}</p>'
            f'<h2>Film and indications</h2><img alt="film overview" src="{overview(film, found.indications)}">'
            f"<h2>Indications ({'mm' if calibrated else 'px: no scale'})</h2>{_table(found.indications, calibrated)}"
            f'<h2>Indication crops</h2><div class="crops">{crops or "none"}</div>'
            f"<h2>Calibration and provenance</h2>{provenance}</body></html>\n")


def _rules(rules: dict | None) -> str:
    if not rules:
        return _text(None)
    return (f"<code>{escape(str(rules.get('path')))}</code> sha256 <code>{escape(str(rules.get('sha256')))}</code>"
            f"<br>{escape(str(rules.get('title', '')))}<br><span class=\"note\">{escape(str(rules.get('notice', '')))}"
            "</span>")
