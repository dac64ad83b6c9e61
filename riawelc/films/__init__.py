"""Real films (GDXray/BAM round-robin radiographs) to RIAWELC-layout patch trees: the flaw table, cell labels, the
windows cut along the seam, the options file, contact sheets of what was cut, and the 1 cm cells an inspector
reports on (the table's truth per cell, cell-level scores). May import numpy, OpenCV,
pandas (the .xls table) and the top level of riawelc."""

from riawelc.films.cells import cell_truth, cells_hit, every_cell_scores, precision_recall_f1
from riawelc.films.flawtable import FlawTable, FlawTableError, read_flaw_table
from riawelc.films.labels import cell_of, flaw_spans, label_window
from riawelc.films.options import FilmOptions, FilmsError, load_options
from riawelc.films.tree import convert, convert_film
from riawelc.films.windows import film_windows

__all__ = ["cell_truth", "cells_hit", "every_cell_scores", "precision_recall_f1", "FilmOptions", "FilmsError", "FlawTable", "FlawTableError", "cell_of", "convert", "convert_film",
           "film_windows", "flaw_spans", "label_window", "load_options", "read_flaw_table"]
