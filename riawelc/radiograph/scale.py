"""Where a film's pixel size comes from. The file's own header (DICOM spacing, TIFF resolution) unless the user
gives one; GDXray's 40.3 um only when asked for, never as a default."""

from __future__ import annotations

from dataclasses import dataclass

from riawelc.constants import MM_PER_PIXEL as GDXRAY_MM_PER_PIXEL

NO_SCALE = "none"
USER = "user"
GDXRAY = "GDXray profile"


@dataclass(frozen=True)
class Scale:
    """mm per pixel (None: unknown), where it came from, and what a reader should know about it."""

    mm_per_pixel: float | None
    source: str  # e.g. "DICOM PixelSpacing", "TIFF resolution", "user", "GDXray profile", "none"
    note: str = ""

    @property
    def known(self) -> bool:
        return self.mm_per_pixel is not None

    def as_dict(self) -> dict:
        return {"mm_per_pixel": self.mm_per_pixel, "source": self.source, "note": self.note}


def square_pixels(row_mm: float, column_mm: float, source: str, tolerance: float = 0.01) -> Scale:
    """One scale from a (row, column) pixel size; none when the pixels are not square (sizes would depend on the
    direction, and the indications measure in every direction)."""
    if not (row_mm > 0 and column_mm > 0):
        return Scale(None, NO_SCALE, f"{source} is not positive ({row_mm:g} x {column_mm:g} mm): ignored")
    if abs(row_mm - column_mm) > tolerance * max(row_mm, column_mm):
        return Scale(None, NO_SCALE, f"{source} gives non-square pixels ({row_mm:g} mm x {column_mm:g} mm): "
                                     "sizes in px; give --mm-per-pixel to measure anyway")
    return Scale((row_mm + column_mm) / 2, source)


def choose_scale(from_file: Scale | None, mm_per_pixel: float | None = None, gdxray: bool = False) -> Scale:
    """The user's mm_per_pixel, else the GDXray profile when asked for, else the file's scale, else none.
    A value the user gives overrides the header, and the note says what the header said."""
    if mm_per_pixel is not None and gdxray:
        raise ValueError("give a pixel size (mm_per_pixel) or the GDXray profile, not both")
    if mm_per_pixel is not None and not mm_per_pixel > 0:
        raise ValueError(f"mm per pixel must be positive, got {mm_per_pixel}")
    header = (f"the file says {from_file.mm_per_pixel:g} mm ({from_file.source})"
              if from_file is not None and from_file.known else "")
    if mm_per_pixel is not None:
        return Scale(float(mm_per_pixel), USER, "given by the user" + (f"; {header}" if header else ""))
    if gdxray:
        return Scale(GDXRAY_MM_PER_PIXEL, GDXRAY, "GDXray/BAM films: 40.3 um per pixel (630 dpi), asked for"
                     + (f"; {header}" if header else ""))
    if from_file is not None and from_file.known:
        return from_file
    reason = from_file.note if from_file is not None and from_file.note else "the file gives no pixel size"
    return Scale(None, NO_SCALE, f"{reason}; none given (--mm-per-pixel, or --gdxray for GDXray films): "
                                 "sizes in px and no verdict")
