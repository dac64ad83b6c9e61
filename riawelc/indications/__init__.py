"""From regions to indications: each region of a riawelc.inspect.film.FilmInspection becomes an indication with its
class, length along the weld and width across it (oriented extent, not its box), area, position along the film and
1 cm cell, and for porosity (pores closer than a set distance form one indication) the pore count, the largest
pore and the projected area share per reference length of weld. In mm when the film has a scale; in px, with the
reason, when it has none. numpy and OpenCV only (the service imports this)."""

from riawelc.indications.geometry import Extent, feret_diameter, oriented_extent
from riawelc.indications.measure import (
                                         CELL_MM,
                                         POROSITY,
                                         FilmIndications,
                                         Indication,
                                         IndicationSettings,
                                         add_window_measures,
                                         measure_indications,
)

__all__ = [
                                         "CELL_MM",
                                         "POROSITY",
                                         "Extent",
                                         "FilmIndications",
                                         "Indication",
                                         "IndicationSettings",
                                         "add_window_measures",
                                         "feret_diameter",
                                         "measure_indications",
                                         "oriented_extent",
]
