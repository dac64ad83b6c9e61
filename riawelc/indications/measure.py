"""The regions of a FilmInspection as indications: class, length along the weld, width across it, area, position
(distance from the film's start along its x axis, and the 1 cm cell), and for porosity the cluster's pore count,
largest pore and projected area share per reference length of weld. In mm with a scale, in px without one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from riawelc.indications.geometry import feret_diameter, oriented_extent
from riawelc.radiograph.scale import Scale

POROSITY = "porosity"
CELL_MM = 10.0  # the inspectors' 1 cm cells, counted from the film's start


@dataclass(frozen=True)
class IndicationSettings:
    cluster_distance_mm: float = 2.0  # pores whose edges are closer than this are one porosity indication
    reference_length_mm: float = 100.0  # the length of weld that summed lengths and area shares are taken over

    def __post_init__(self) -> None:
        if not (self.cluster_distance_mm >= 0 and self.reference_length_mm > 0):
            raise ValueError("cluster distance must be >= 0 mm and the reference length > 0 mm")


@dataclass
class Indication:
    number: int  # 1, 2, ... in order along the film
    cls: str
    score: float  # the highest defect probability of its regions
    box: tuple[int, int, int, int]  # x, y, width, height (film px) of all its pixels
    centre_px: tuple[float, float]
    length_px: float  # along the weld (oriented extent)
    width_px: float  # across the weld
    angle_deg: float  # of its length to the film's x axis
    area_px: int
    pores: int | None = None  # porosity only
    largest_pore_px: float | None = None  # porosity only: the largest pore's Feret diameter
    length_mm: float | None = None  # the mm fields: None without a scale
    width_mm: float | None = None
    area_mm2: float | None = None
    position_mm: float | None = None  # its centre's distance from the film's start
    start_mm: float | None = None
    end_mm: float | None = None
    cell: int | None = None  # 1 cm cell of its centre, 1-based
    largest_pore_mm: float | None = None
    area_share_percent: float | None = None  # porosity: pore area / (reference length x weld width) around it
    summed_length_mm: float | None = None  # this class's lengths within the reference length around it

    def as_dict(self) -> dict:
        out = asdict(self)
        out["class"] = out.pop("cls")
        return out


@dataclass
class FilmIndications:
    indications: list[Indication]
    scale: Scale
    settings: IndicationSettings
    weld_width_mm: float | None  # the seam band's height; None without a seam or a scale
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"scale": self.scale.as_dict(), "reference_length_mm": self.settings.reference_length_mm,
                "cluster_distance_mm": self.settings.cluster_distance_mm, "weld_width_mm": self.weld_width_mm,
                "notes": self.notes, "indications": [i.as_dict() for i in self.indications]}


@dataclass
class _Part:  # one region's pixels
    cls: str
    score: float
    xs: np.ndarray
    ys: np.ndarray


def region_parts(inspection) -> list[_Part]:
    """Each region of the inspection with its own pixels (its 8-connected component of the mask)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inspection.mask.astype(np.uint8), connectivity=8)
    by_box = {}
    for k in range(1, count):
        by_box.setdefault((tuple(int(v) for v in stats[k][:4]), int(stats[k][4])), []).append(k)
    parts = []
    for region in inspection.regions:
        label = by_box[(tuple(region.box), region.area_px)].pop(0)
        x, y, w, h = region.box
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == label)
        parts.append(_Part(region.cls, region.score, xs + x, ys + y))
    return parts


def pore_clusters(pores: list[_Part], distance_px: float) -> list[list[_Part]]:
    """Pores whose oriented extents come closer than distance_px, joined transitively."""
    if not pores:
        return []
    centres = np.array([[p.xs.mean(), p.ys.mean()] for p in pores])
    sizes = np.array([feret_diameter(p.xs, p.ys) for p in pores])
    parent = list(range(len(pores)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(pores)):
        for j in range(i + 1, len(pores)):
            gap = np.hypot(*(centres[i] - centres[j])) - (sizes[i] + sizes[j]) / 2
            if gap < distance_px:
                parent[root(i)] = root(j)
    groups: dict[int, list[_Part]] = {}
    for i, pore in enumerate(pores):
        groups.setdefault(root(i), []).append(pore)
    return list(groups.values())


def measure_indications(inspection, scale: Scale, settings: IndicationSettings = IndicationSettings()
                        ) -> FilmIndications:
    """The inspection's regions as indications (see the module docstring)."""
    seam = inspection.seam if inspection.seam is not None and inspection.seam.fits else None
    width_px = inspection.mask.shape[1]
    notes = [] if seam is not None else ["no seam line: lengths are taken along the film's x axis and no area "
                                         "share is given (the weld's width is unknown)"]
    if not scale.known:
        notes.append(f"no scale ({scale.note}): sizes in px, no mm, no cell, no verdict")
    mm = scale.mm_per_pixel
    distance_px = settings.cluster_distance_mm / mm if mm else 0.0  # without a scale, touching pores only
    parts = region_parts(inspection)
    groups = [[p] for p in parts if p.cls != POROSITY]
    groups += pore_clusters([p for p in parts if p.cls == POROSITY], distance_px)
    found = [_indication(group, seam) for group in groups]
    found.sort(key=lambda i: (i.box[0], i.box[1]))
    for number, item in enumerate(found, 1):
        item.number = number
    weld_px = 2.0 * seam.half_height if seam is not None else None
    if mm:
        for item in found:
            _add_mm(item, mm)
        add_window_measures(found, mm, width_px, weld_px, settings.reference_length_mm)
    return FilmIndications(found, scale, settings, round(weld_px * mm, 3) if weld_px and mm else None, notes)


def _indication(group: list[_Part], seam) -> Indication:
    xs, ys = np.concatenate([p.xs for p in group]), np.concatenate([p.ys for p in group])
    extent = oriented_extent(xs, ys, seam)
    box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    item = Indication(0, group[0].cls, max(p.score for p in group), box, extent.centre, round(extent.along, 2),
                      round(extent.across, 2), extent.angle, len(xs))
    if group[0].cls == POROSITY:
        item.pores = len(group)
        item.largest_pore_px = round(max(feret_diameter(p.xs, p.ys) for p in group), 2)
    return item


def _add_mm(item: Indication, mm: float) -> None:
    item.length_mm, item.width_mm = round(item.length_px * mm, 3), round(item.width_px * mm, 3)
    item.area_mm2 = round(item.area_px * mm * mm, 4)
    item.position_mm = round(item.centre_px[0] * mm, 2)
    item.start_mm, item.end_mm = round(item.box[0] * mm, 2), round((item.box[0] + item.box[2]) * mm, 2)
    item.cell = int(item.position_mm // CELL_MM) + 1
    if item.largest_pore_px is not None:
        item.largest_pore_mm = round(item.largest_pore_px * mm, 3)


def add_window_measures(found: list[Indication], mm: float, film_px: int, weld_px: float | None,
                        reference_mm: float) -> None:
    """Per indication: the reference length of weld centred on it (moved inside the film, shortened to the film
    when the film is shorter), the summed length of its class there and, for porosity, the pore area share.
    Lengths that are not known (None) add nothing."""
    length = min(reference_mm / mm, film_px)
    for item in found:
        start = min(max(item.centre_px[0] - length / 2, 0.0), film_px - length)
        inside = [o for o in found if o.cls == item.cls and start <= o.centre_px[0] <= start + length]
        item.summed_length_mm = round(sum(o.length_mm or 0.0 for o in inside), 3)
        if item.cls == POROSITY and weld_px:
            share = 100.0 * sum(o.area_px for o in inside) / (length * weld_px)
            item.area_share_percent = round(share, 3)
