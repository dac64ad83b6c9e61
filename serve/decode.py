"""Uploaded bytes -> one 227 x 227 uint8 gray patch (or, for /inspect, a whole 8-bit gray film), with limits
checked before the pixels are decoded.

Rules (the README's "Serving" section repeats them):
- Formats: PNG, JPEG, TIFF, recognised from the bytes (never from the file name or content type).
- Size guard: Pillow's Image.open reads only the header; width x height above the pixel limit is refused (413)
  before anything is decoded, so a decompression bomb never reaches the decoder.
- 8-bit grayscale, and colour files whose channels are all equal, decode exactly as in the pipeline
  (riawelc.images.decode_gray).
- Colour (RGB) becomes gray by ITU-R BT.601 luminance (OpenCV's BGR2GRAY); an alpha channel is ignored.
- 16-bit (or any other non-8-bit) pixels are windowed, not clipped to their low byte: the 0.5th and 99.5th
  percentiles of the image's own values map to 0 and 255, linearly in between (values outside saturate).
  A flat image (the two percentiles equal) maps by its type's full range (uint16 / 257).
- Another size than 227 x 227 is resized (area interpolation when shrinking, bilinear otherwise), and the
  response says so; the aspect ratio is not kept.
- Films (/inspect, `decode_film_upload`): PNG, JPEG and TIFF get the same header check against the film pixel
  limit; DICONDE files (the 'DICM' magic, or a .dcm/.dicom name) their own, read by pydicom without the pixels:
  rows x columns x frames over the limit is 413, a transfer syntax no installed pixel handler decodes 415 (naming
  it), anything else unreadable 422. Then riawelc.radiograph.decode_radiograph reads the film as `riawelc
  inspect` does: the pipeline's film rule for images (8-bit gray as is, 16-bit windowed as above, a colour file
  only if its channels are equal; never resized), rescale, polarity and windowing for DICONDE, and the scale the
  file gives (DICOM pixel spacing, TIFF resolution) unless the request gives one.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from riawelc.constants import PATCH_SIZE
from riawelc.images import WINDOW_PERCENTILES, BadImage, decode_gray, window_to_uint8
from riawelc.radiograph import DICOM_SUFFIXES, Radiograph, RadiographError, decode_radiograph
from riawelc.radiograph.dicom import DicomError, DicomTooLarge, UndecodableTransferSyntax, check_header, is_dicom

FORMATS = ("PNG", "JPEG", "TIFF")
ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")


class DecodeError(ValueError):
    """An upload the service cannot use: HTTP status, a short problem slug and title, and the reason."""

    def __init__(self, status: int, slug: str, title: str, detail: str):
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail


@dataclass
class DecodedPatch:
    pixels: np.ndarray  # (227, 227) uint8
    original_size: tuple[int, int]  # (height, width) as uploaded
    format: str  # PNG | JPEG | TIFF
    mode: str  # Pillow's mode of the upload: L, I;16, RGB, RGBA, ...
    conversions: list[str] = field(default_factory=list)  # what was done to get an 8-bit gray patch

    @property
    def resized(self) -> bool:
        return self.original_size != (PATCH_SIZE, PATCH_SIZE)


@dataclass
class DecodedFilm:
    radiograph: Radiograph  # the film as riawelc.radiograph reads it: uint8 pixels, scale, header strings
    format: str  # PNG | JPEG | TIFF | DICOM
    mode: str  # Pillow's mode of the upload, or the DICOM photometric interpretation and bits
    conversions: list[str] = field(default_factory=list)

    @property
    def pixels(self) -> np.ndarray:
        return self.radiograph.pixels

    @property
    def size(self) -> tuple[int, int]:
        return int(self.pixels.shape[0]), int(self.pixels.shape[1])


def read_header(data: bytes, name: str, max_pixels: int) -> tuple[str, str, int, int]:
    """(format, mode, width, height) from the header alone, or a DecodeError (415 / 413 / 422)."""
    if not data:
        raise DecodeError(422, "empty-file", "Empty file", f"{name}: the uploaded file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit follows
            with Image.open(io.BytesIO(data)) as image:
                fmt, mode, (width, height) = image.format, image.mode, image.size
    except Image.DecompressionBombError as error:
        raise DecodeError(413, "too-many-pixels", "Image has too many pixels", f"{name}: {error}") from None
    except UnidentifiedImageError:
        raise DecodeError(415, "unsupported-image-format", "Unsupported image format",
                          f"{name}: not a PNG, JPEG or TIFF image") from None
    except Exception as error:  # noqa: BLE001 - a malformed header can raise almost anything in a plugin
        raise DecodeError(422, "undecodable-image", "Undecodable image",
                          f"{name}: the image header cannot be read ({type(error).__name__}: {error})") from None
    if fmt not in FORMATS:
        raise DecodeError(415, "unsupported-image-format", "Unsupported image format",
                          f"{name}: {fmt} images are not accepted, send one of {', '.join(FORMATS)}")
    if width * height > max_pixels:
        raise DecodeError(413, "too-many-pixels", "Image has too many pixels",
                          f"{name}: {width} x {height} = {width * height} pixels, the limit is {max_pixels}")
    if width < 1 or height < 1:
        raise DecodeError(422, "undecodable-image", "Undecodable image", f"{name}: {width} x {height} pixels")
    return fmt, mode, width, height


def _to_gray(array: np.ndarray, conversions: list[str]) -> np.ndarray:
    if array.ndim == 3:
        channels = array.shape[2]
        if channels in (2, 4):
            conversions.append("alpha channel ignored")
            array = array[..., : channels - 1]
        if array.shape[2] == 3:
            colour = array
            if np.array_equal(colour[..., 0], colour[..., 1]) and np.array_equal(colour[..., 0], colour[..., 2]):
                array = np.ascontiguousarray(colour[..., 0])
            else:
                conversions.append("colour to gray (BT.601 luminance)")
                if colour.dtype not in (np.uint8, np.uint16, np.float32):
                    colour = colour.astype(np.float32)
                array = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
        else:
            array = np.ascontiguousarray(array[..., 0])
    if array.ndim != 2:
        raise BadImage(f"unexpected pixel array of shape {array.shape}")
    if array.dtype != np.uint8:
        conversions.append(f"{array.dtype} pixels windowed to 8 bits (percentiles "
                           f"{WINDOW_PERCENTILES[0]}-{WINDOW_PERCENTILES[1]})")
        array = window_to_uint8(array)
    return array


def decode_upload(data: bytes, name: str = "file", max_pixels: int = 4_000_000) -> DecodedPatch:
    """Bytes of a PNG, JPEG or TIFF -> a 227 x 227 gray patch and what was done to it, or a DecodeError."""
    fmt, mode, width, height = read_header(data, name, max_pixels)
    conversions: list[str] = []
    try:
        try:
            gray = decode_gray(data, name)  # the pipeline's own rules: 8-bit gray (or equal channels)
            if mode in ALPHA_MODES:  # decode_gray drops alpha without saying so
                conversions.append("alpha channel ignored")
        except BadImage:
            array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
            if array is None:
                raise
            gray = _to_gray(array, conversions)
    except BadImage as error:
        raise DecodeError(422, "undecodable-image", "Undecodable image",
                          f"{error} (the {fmt} file may be truncated or corrupt)") from None
    original = gray.shape
    if original != (height, width):  # the decoder must agree with the header we checked
        raise DecodeError(422, "undecodable-image", "Undecodable image",
                          f"{name}: header says {width} x {height}, the pixels are {original[1]} x {original[0]}")
    if original != (PATCH_SIZE, PATCH_SIZE):
        shrinking = original[0] >= PATCH_SIZE and original[1] >= PATCH_SIZE
        gray = cv2.resize(gray, (PATCH_SIZE, PATCH_SIZE),
                          interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
        conversions.append(f"resized from {original[1]} x {original[0]} to {PATCH_SIZE} x {PATCH_SIZE}")
    return DecodedPatch(gray, (int(original[0]), int(original[1])), fmt, mode, conversions)


def read_dicom_header(data: bytes, name: str, max_pixels: int) -> tuple[str, int, int]:
    """(mode, width, height) of a DICONDE file from its header alone (pydicom stops before the pixel data), or a
    DecodeError: 413 over the pixel limit, 415 a compressed transfer syntax no installed handler decodes, 422
    anything else this reader cannot use."""
    import pydicom

    try:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    except Exception as error:  # noqa: BLE001 - a malformed header can raise almost anything in pydicom
        raise DecodeError(422, "undecodable-dicom", "Undecodable DICOM file",
                          f"{name}: not a readable DICOM file ({type(error).__name__}: {error})") from None
    try:
        check_header(ds, name, max_pixels)  # riawelc.radiograph's own checks, before any pixel is decoded
    except DicomTooLarge as error:
        raise DecodeError(413, "too-many-pixels", "Image has too many pixels", str(error)) from None
    except UndecodableTransferSyntax as error:
        raise DecodeError(415, "unsupported-transfer-syntax", "Unsupported DICOM transfer syntax",
                          f"{error}; send the film uncompressed (Explicit VR Little Endian) or install a pydicom "
                          "pixel handler beside the service") from None
    except DicomError as error:
        raise DecodeError(422, "unusable-dicom", "Unusable DICOM file", str(error)) from None
    columns, rows = int(ds.Columns), int(ds.Rows)
    bits = ds.get("BitsStored")
    return f"{ds.PhotometricInterpretation}" + (f" {bits}-bit" if bits else ""), columns, rows


def decode_film_upload(data: bytes, name: str = "film", max_pixels: int = 8_000_000, mm_per_pixel: float | None = None,
                       invert: bool = False, limit_setting: str = "RIAWELC_MAX_FILM_PIXELS") -> DecodedFilm:
    """Bytes of a whole film (PNG, JPEG, TIFF or DICONDE) -> the film by riawelc.radiograph, with its scale (the
    request's mm_per_pixel, else the file's), or a DecodeError: 413 checked from the header before any pixel is
    decoded, 415 not an image or an undecodable transfer syntax, 422 undecodable, truncated or colour."""
    dicom = is_dicom(data) or Path(name).suffix.lower() in DICOM_SUFFIXES
    try:
        if not data:
            read_header(data, name, max_pixels)  # the empty-file problem
        if dicom:
            fmt, (mode, width, height) = "DICOM", read_dicom_header(data, name, max_pixels)
        else:
            fmt, mode, width, height = read_header(data, name, max_pixels)
    except DecodeError as error:
        if error.status == 413 and limit_setting:
            error.detail += f" ({limit_setting})"
        if error.status == 415 and not dicom:
            error.detail += "; a film may also be a DICONDE (DICOM) file"
        raise
    try:
        radiograph = decode_radiograph(data, name, mm_per_pixel, invert=invert, max_pixels=max_pixels)
    except RadiographError as error:
        hint = "send a grayscale film" if "colour" in str(error) else f"the {fmt} file may be truncated or corrupt"
        raise DecodeError(422, "undecodable-image", "Undecodable image", f"{error} ({hint})") from None
    film = radiograph.pixels
    if film.shape != (height, width):
        raise DecodeError(422, "undecodable-image", "Undecodable image",
                          f"{name}: header says {width} x {height}, the pixels are {film.shape[1]} x {film.shape[0]}")
    conversions = []
    if mode in ALPHA_MODES:
        conversions.append("alpha channel ignored")
    if not dicom and (mode.startswith("I") or mode == "F"):  # 16-bit or 32-bit gray
        conversions.append(f"{mode} pixels windowed to 8 bits (percentiles "
                           f"{WINDOW_PERCENTILES[0]}-{WINDOW_PERCENTILES[1]})")
    return DecodedFilm(radiograph, fmt, mode, conversions + radiograph.notes)
