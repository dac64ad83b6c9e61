"""One film file -> a Radiograph: 8-bit pixels in the training films' polarity, its scale and where it came from.

DICONDE (by its 'DICM' magic or a .dcm/.dicom name) through riawelc.radiograph.dicom; TIFF with its resolution
tags; PNG and the rest through riawelc.inspect.film's decoder, with no scale of their own. Every format's size is
checked from its header against a pixel limit before the pixels are decoded."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from riawelc.images import IMAGE_SUFFIXES, BadImage
from riawelc.inspect.filmfile import decode_film
from riawelc.radiograph.dicom import DicomError, decode_dicom, is_dicom
from riawelc.radiograph.scale import NO_SCALE, Scale, choose_scale
from riawelc.radiograph.tiff import tiff_header

DICOM_SUFFIXES = (".dcm", ".dicom")
FILM_SUFFIXES = IMAGE_SUFFIXES + DICOM_SUFFIXES
DEFAULT_MAX_PIXELS = 64_000_000  # a long digital detector strip; the service passes its own, lower limit


class RadiographError(ValueError):
    """A film file that cannot be read; the message names the file and the problem."""


@dataclass
class Radiograph:
    name: str  # the file name (untrusted text)
    pixels: np.ndarray  # (H, W) uint8, defects darker than the weld
    scale: Scale
    format: str  # "DICOM", "TIFF", "PNG", ...
    header: dict[str, str] = field(default_factory=dict)  # descriptive header strings (untrusted text)
    notes: list[str] = field(default_factory=list)  # how the pixels were turned into the film

    def as_dict(self) -> dict:
        return {"file": self.name, "format": self.format, "height": int(self.pixels.shape[0]),
                "width": int(self.pixels.shape[1]), "scale": self.scale.as_dict(), "header": self.header,
                "notes": self.notes}


def film_paths(folder: Path) -> list[Path]:
    """The film files directly in `folder` (images and DICOM files), sorted; never globbed (names hold brackets)."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in FILM_SUFFIXES)


def read_radiograph(path: str | Path, mm_per_pixel: float | None = None, gdxray: bool = False,
                    invert: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS) -> Radiograph:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RadiographError(f"{path.name}: cannot read ({error.strerror})") from None
    return decode_radiograph(data, path.name, mm_per_pixel, gdxray, invert, max_pixels)


def decode_radiograph(data: bytes, name: str, mm_per_pixel: float | None = None, gdxray: bool = False,
                      invert: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS) -> Radiograph:
    """A film file's bytes -> Radiograph. The scale: mm_per_pixel (the user's), else GDXray's when `gdxray`, else
    the header's; `invert` flips the polarity a header got wrong (or a PNG/TIFF stored as a negative)."""
    choose_scale(None, mm_per_pixel, gdxray)  # a bad request fails before any decoding
    if is_dicom(data) or Path(name).suffix.lower() in DICOM_SUFFIXES:
        try:
            pixels, own, header, notes = decode_dicom(data, name, max_pixels, invert)
        except DicomError as error:
            raise RadiographError(str(error)) from None
        return Radiograph(name, pixels, choose_scale(own, mm_per_pixel, gdxray), "DICOM", header, notes)
    own, kind = Scale(None, NO_SCALE, "a PNG or other image file has no pixel size"), _kind(data)
    if kind == "TIFF":
        try:
            shape, own = tiff_header(data, name)
        except ValueError as error:
            raise RadiographError(str(error)) from None
        if shape:
            _check_size(name, int(np.prod(shape[:2])), max_pixels)
    elif kind == "PNG" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])  # IHDR, always the first chunk
        _check_size(name, width * height, max_pixels)
    try:
        pixels = decode_film(data, name)
    except BadImage as error:
        raise RadiographError(str(error)) from None
    notes = []
    if invert:
        pixels = 255 - pixels
        notes.append("inverted on request (--invert)")
    return Radiograph(name, pixels, choose_scale(own, mm_per_pixel, gdxray), kind, {}, notes)


def _kind(data: bytes) -> str:
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    return "image"


def _check_size(name: str, pixels: int, max_pixels: int) -> None:
    if pixels > max_pixels:
        raise RadiographError(f"{name}: {pixels} px is over the pixel limit {max_pixels}")
