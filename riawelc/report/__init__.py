"""The inspection report: one self-contained HTML file per film (inline CSS, pictures as data URIs, printable to
PDF from a browser) with the film overview and its numbered indications, a crop of each, the indications table in
mm, the verdict with its reasons, the calibration source, the model and its sha256, the training-data hash, the
date, the weld id, inspector and image quality indicator reading (else "not recorded"), and the line that the
verdict is an aid for the inspector, not a certification. Every string from a file or the user is escaped.
numpy and OpenCV only (the service imports this)."""

from riawelc.report.html import DISCLAIMER, NOT_RECORDED, ReportContext, columns, render_report

__all__ = ["DISCLAIMER", "NOT_RECORDED", "ReportContext", "columns", "render_report"]
