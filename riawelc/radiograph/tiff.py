"""TIFF resolution tags as a pixel size, read with tifffile from the header only (no pixel is decoded here)."""

from __future__ import annotations

import io

from riawelc.radiograph.scale import NO_SCALE, Scale, square_pixels

MM_PER_UNIT = {2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}  # ResolutionUnit: inch, centimetre (and tifffile's mm, um)
SOFTWARE_DEFAULT_DPI = (72.0, 96.0)  # what many programs write when they know nothing of the scan


def _rational(tag) -> float | None:
    value = tag.value if tag is not None else None
    if isinstance(value, tuple) and len(value) == 2 and value[1]:
        return value[0] / value[1]
    return float(value) if isinstance(value, (int, float)) else None


def tiff_header(data: bytes, name: str) -> tuple[tuple[int, ...], Scale]:
    """(the first page's shape, its scale) of a TIFF file's bytes; ValueError when tifffile cannot read it."""
    try:
        import tifffile
    except ImportError:  # the pipeline and service extras bring it; without it the pixels still read
        return (), Scale(None, NO_SCALE, "tifffile is not installed: the TIFF's resolution tags were not read")
    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            tags = page.tags
            shape = tuple(page.shape)
            unit_tag = tags.get("ResolutionUnit")
            unit = int(unit_tag.value) if unit_tag is not None else 2  # TIFF's default unit is the inch
            x, y = _rational(tags.get("XResolution")), _rational(tags.get("YResolution"))
    except (tifffile.TiffFileError, ValueError, IndexError, OSError) as error:
        raise ValueError(f"{name}: not a readable TIFF ({error})") from None
    return shape, tiff_scale(x, y, unit)


def tiff_scale(x_per_unit: float | None, y_per_unit: float | None, unit: int) -> Scale:
    if not x_per_unit or not y_per_unit:
        return Scale(None, NO_SCALE, "the TIFF has no resolution tags")
    if unit not in MM_PER_UNIT:
        return Scale(None, NO_SCALE, "the TIFF's resolution has no physical unit (ResolutionUnit none)")
    found = square_pixels(MM_PER_UNIT[unit] / y_per_unit, MM_PER_UNIT[unit] / x_per_unit, "TIFF resolution")
    if found.known and unit == 2 and x_per_unit in SOFTWARE_DEFAULT_DPI:
        return Scale(found.mm_per_pixel, found.source, f"{x_per_unit:g} dpi is a common software default, not "
                                                       "necessarily the scan's: check it")
    return found
