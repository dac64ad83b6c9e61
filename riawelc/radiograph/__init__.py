"""Reading a radiograph file with its scale: DICONDE (DICOM for NDE) through pydicom, TIFF with its resolution tags,
PNG and other images with the user's scale only. Every film comes out as 8-bit pixels in the training films'
polarity (defects darker than the weld) with a Scale that says where its mm per pixel came from ("DICOM
PixelSpacing", "TIFF resolution", "user", "GDXray profile", or "none" with the reason). GDXray's 40.3 um is used
only when asked for (`gdxray=True`). numpy, OpenCV, pydicom and tifffile only (the service imports this)."""

from riawelc.radiograph.reader import (
                                       DEFAULT_MAX_PIXELS,
                                       DICOM_SUFFIXES,
                                       FILM_SUFFIXES,
                                       Radiograph,
                                       RadiographError,
                                       decode_radiograph,
                                       film_paths,
                                       read_radiograph,
)
from riawelc.radiograph.scale import GDXRAY, GDXRAY_MM_PER_PIXEL, NO_SCALE, USER, Scale, choose_scale

__all__ = ["DEFAULT_MAX_PIXELS", "DICOM_SUFFIXES", "FILM_SUFFIXES", "GDXRAY", "GDXRAY_MM_PER_PIXEL", "NO_SCALE",
           "USER", "Radiograph", "RadiographError", "Scale", "choose_scale", "decode_radiograph", "film_paths",
           "read_radiograph"]
