"""DICONDE (DICOM for NDE, ASTM E2339) films with pydicom: the header first (its size against a pixel limit, one
grey plane, a transfer syntax some installed handler decodes), then the pixels, rescaled, turned to the training
films' polarity (defects darker than the weld) and windowed to 8 bits."""

from __future__ import annotations

import io

import numpy as np

from riawelc.images import window_to_uint8
from riawelc.radiograph.scale import NO_SCALE, Scale, square_pixels

# DICONDE puts the component in the patient module; these header strings go into results and reports (escaped).
HEADER_FIELDS = {"PatientName": "component name", "PatientID": "component id", "StudyDescription": "study",
                 "SeriesDescription": "series", "Manufacturer": "manufacturer", "StudyDate": "date"}


class DicomError(ValueError):
    """A DICOM file that cannot be used; the message names the file and the problem."""


class DicomTooLarge(DicomError):
    """More pixels than the limit, read from the header (the service answers 413)."""


class UndecodableTransferSyntax(DicomError):
    """Pixels in a transfer syntax no installed pydicom handler decodes (the service answers 415)."""


def is_dicom(data: bytes) -> bool:
    """The DICOM file format's magic: 'DICM' after the 128-byte preamble."""
    return len(data) >= 132 and data[128:132] == b"DICM"


def _read(data: bytes, name: str, pixels: bool):
    try:
        import pydicom
        from pydicom.errors import InvalidDicomError
    except ImportError:  # the pipeline and service extras bring it
        raise DicomError(f"{name}: reading DICOM needs pydicom: pip install -e '.[pipeline]' or '.[service]'") from None

    try:
        return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=not pixels)
    except (InvalidDicomError, EOFError, ValueError, KeyError, TypeError) as error:
        raise DicomError(f"{name}: not a readable DICOM file ({error})") from None


def check_header(ds, name: str, max_pixels: int) -> None:
    """Refuse, before any pixel is decoded, what this reader cannot use."""
    rows, columns = ds.get("Rows"), ds.get("Columns")
    if not rows or not columns:
        raise DicomError(f"{name}: DICOM file without Rows/Columns (no image)")
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if rows * columns * frames > max_pixels:
        raise DicomTooLarge(f"{name}: {columns} x {rows} px x {frames} frame(s) = {rows * columns * frames} pixels, "
                            f"over the pixel limit {max_pixels}")
    if frames != 1:
        raise DicomError(f"{name}: {frames} frames; one film per file is read")
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        raise DicomError(f"{name}: {ds.get('SamplesPerPixel')} samples per pixel; a radiograph has one")
    if ds.get("PhotometricInterpretation") not in ("MONOCHROME1", "MONOCHROME2"):
        raise DicomError(f"{name}: photometric interpretation {ds.get('PhotometricInterpretation')!r}, "
                         "expected MONOCHROME1 or MONOCHROME2")
    _check_decoder(ds, name)


def _check_decoder(ds, name: str) -> None:
    from pydicom.pixels import get_decoder

    uid = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if uid is None:
        raise DicomError(f"{name}: no transfer syntax in the file meta information")
    try:
        decoder = get_decoder(uid)
    except NotImplementedError:
        raise UndecodableTransferSyntax(f"{name}: transfer syntax {uid.name} ({uid}) has no pixel decoder in "
                                        "pydicom") from None
    if not decoder.is_available:
        options = "; ".join(decoder.missing_dependencies) or "a pixel data plugin"
        raise UndecodableTransferSyntax(f"{name}: transfer syntax {uid.name} ({uid}) is compressed and no installed pixel "
                         f"handler decodes it (one of: {options})")


def dicom_scale(ds) -> Scale:
    """PixelSpacing, else ImagerPixelSpacing (divided by the estimated radiographic magnification when the header
    has it), else NominalScannedPixelSpacing; the source names the attribute used."""
    present = [k for k in ("PixelSpacing", "ImagerPixelSpacing", "NominalScannedPixelSpacing") if ds.get(k)]
    if not present:
        return Scale(None, NO_SCALE, "the DICOM header has no PixelSpacing, ImagerPixelSpacing or "
                                     "NominalScannedPixelSpacing")
    used = present[0]
    row, column = (float(v) for v in ds.get(used))
    others = f" (also present: {', '.join(present[1:])})" if len(present) > 1 else ""
    if used != "ImagerPixelSpacing":
        found = square_pixels(row, column, f"DICOM {used}")
        return Scale(found.mm_per_pixel, found.source, found.note + others) if found.known else found
    factor = ds.get("EstimatedRadiographicMagnificationFactor")
    if factor and float(factor) > 0:
        found = square_pixels(row / float(factor), column / float(factor),
                              "DICOM ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor")
        note = f"detector spacing {row:g} x {column:g} mm divided by the magnification {float(factor):g}"
    else:
        found = square_pixels(row, column, "DICOM ImagerPixelSpacing")
        note = ("no EstimatedRadiographicMagnificationFactor (0018,1114): sizes are at the detector, not corrected "
                "for the geometric magnification (they overstate the object's)")
    if not found.known:
        return found
    return Scale(found.mm_per_pixel, found.source, note + others)


def header_strings(ds) -> dict[str, str]:
    """The header's descriptive strings (untrusted text: whoever shows them escapes them)."""
    return {label: str(ds.get(key)) for key, label in HEADER_FIELDS.items() if ds.get(key) not in (None, "")}


def decode_dicom(data: bytes, name: str, max_pixels: int, invert: bool = False):
    """(uint8 film, its scale from the header, header strings, notes) of a DICONDE file's bytes."""
    check_header(_read(data, name, pixels=False), name, max_pixels)
    ds = _read(data, name, pixels=True)
    if "PixelData" not in ds:
        raise DicomError(f"{name}: DICOM file without pixel data")
    try:
        stored = ds.pixel_array
    except Exception as error:  # noqa: BLE001 - each pixel handler raises its own types for corrupt data
        uid = ds.file_meta.get("TransferSyntaxUID")
        raise DicomError(f"{name}: cannot decode the pixels ({getattr(uid, 'name', uid)}): {error}") from None
    slope, intercept = float(ds.get("RescaleSlope", 1) or 1), float(ds.get("RescaleIntercept", 0) or 0)
    values = stored.astype(np.float64) * slope + intercept
    notes = [f"{ds.BitsStored if 'BitsStored' in ds else stored.dtype.itemsize * 8}-bit "
             f"{ds.PhotometricInterpretation}, rescale slope {slope:g} intercept {intercept:g}, windowed to 8 bits"]
    # MONOCHROME1 shows high values dark: negate so that the film reads as displayed (defects darker than the weld).
    flip = (ds.PhotometricInterpretation == "MONOCHROME1") != invert
    if ds.PhotometricInterpretation == "MONOCHROME1":
        notes.append("MONOCHROME1: values inverted to the display polarity")
    if invert:
        notes.append("inverted on request (--invert): the header's polarity was overridden")
    if flip:
        values = -values
    return window_to_uint8(values), dicom_scale(ds), header_strings(ds), notes
