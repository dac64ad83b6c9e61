"""Small DICONDE and TIFF files for the tests, written with pydicom and tifffile."""

from pathlib import Path

import numpy as np


def weld_values(height=300, width=600, pore_at=(300, 150), pore_radius=8) -> np.ndarray:
    """Detector values of a weld as dose: the weld band absorbs more (fewer counts), a pore less (more counts)."""
    y, x = np.mgrid[:height, :width]
    dose = 30000.0 - 12000.0 * np.exp(-(((y - height / 2) / 60.0) ** 2))
    px, py = pore_at
    dose[(x - px) ** 2 + (y - py) ** 2 <= pore_radius**2] += 6000.0
    return dose


def write_dicom(path: Path, values: np.ndarray, photometric: str = "MONOCHROME1", spacing: dict | None = None,
                patient: str = "weld plate 7", slope: float = 1.0, intercept: float = 0.0,
                transfer_syntax=None) -> Path:
    """A one-frame 16-bit DICOM file; stored = (values - intercept) / slope. `spacing`: header attribute -> value
    (PixelSpacing, ImagerPixelSpacing, EstimatedRadiographicMagnificationFactor, NominalScannedPixelSpacing)."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.Modality = patient, "C-001", "DX"
    stored = np.clip(np.rint((values - intercept) / slope), 0, 65535).astype(np.uint16)
    ds.set_pixel_data(stored, photometric, 16)
    if slope != 1.0 or intercept != 0.0:
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    for key, value in (spacing or {}).items():
        setattr(ds, key, value)
    if transfer_syntax is not None:
        ds.compress(transfer_syntax) if transfer_syntax.is_compressed else None
    ds.save_as(str(path), enforce_file_format=True)
    return path


def write_jpeg_ls_without_handler(path: Path) -> Path:
    """A DICOM file that says JPEG-LS Lossless, with encapsulated bytes no installed handler decodes."""
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGLSLossless

    write_dicom(path, np.full((64, 64), 1000.0), "MONOCHROME2")
    import pydicom

    ds = pydicom.dcmread(str(path))
    ds.file_meta.TransferSyntaxUID = JPEGLSLossless
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xf7" + b"\0" * 64])
    ds["PixelData"].VR = "OB"
    ds.save_as(str(path), enforce_file_format=True)
    return path


def write_tiff(path: Path, pixels: np.ndarray, resolution=None, unit=None) -> Path:
    """A TIFF; resolution (x, y) pixels per unit, unit a tifffile RESUNIT name ("INCH", "CENTIMETER", "NONE")."""
    import tifffile

    kwargs = {}
    if resolution is not None:
        kwargs["resolution"] = resolution
        kwargs["resolutionunit"] = unit
    tifffile.imwrite(str(path), pixels, **kwargs)
    return path
