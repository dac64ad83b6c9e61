"""Upload decoding: formats, depths, channels, sizes and the limits checked before decoding."""

import struct
import zlib

import cv2
import numpy as np
import pytest

from riawelc.constants import PATCH_SIZE
from riawelc.images import decode_gray, window_to_uint8
from serve.decode import DecodeError, decode_upload
from tests.serve.conftest import encode, patch_image


def png_header_only(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header claims width x height 8-bit gray pixels, with `idat` as its only image data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_8bit_gray_patch_decodes_exactly_as_the_pipeline():
    data = encode(patch_image())
    decoded = decode_upload(data)
    assert np.array_equal(decoded.pixels, decode_gray(data))
    assert decoded.format == "PNG" and not decoded.resized and decoded.conversions == []


def test_16bit_tiff_is_windowed_by_percentiles_not_clipped():
    gray = patch_image().astype(np.uint16) * 40 + 1000  # 1000..11200: every value above 255
    decoded = decode_upload(encode(gray, ".tiff"))
    assert decoded.format == "TIFF" and decoded.pixels.dtype == np.uint8
    assert any("windowed" in c for c in decoded.conversions)
    low, high = np.percentile(gray, (0.5, 99.5))
    expected = np.clip(np.rint((gray - low) * 255.0 / (high - low)), 0, 255).astype(np.uint8)
    assert np.array_equal(decoded.pixels, expected)
    # The window keeps the structure: the result is the 8-bit patch up to a linear map, not saturated.
    assert np.corrcoef(decoded.pixels.ravel(), patch_image().ravel())[0, 1] > 0.99
    assert 0 < decoded.pixels.mean() < 255


def test_flat_16bit_image_maps_by_its_full_range():
    assert np.all(window_to_uint8(np.full((4, 4), 65535, np.uint16)) == 255)
    assert np.all(window_to_uint8(np.full((4, 4), 0, np.uint16)) == 0)


def test_rgba_drops_alpha_and_rgb_uses_luminance():
    gray = patch_image()
    bgra = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)
    bgra[..., 3] = 17  # a translucent alpha must not change the pixels
    decoded = decode_upload(encode(bgra))
    assert np.array_equal(decoded.pixels, gray) and "alpha channel ignored" in decoded.conversions

    colour = np.dstack([gray, gray // 2, 255 - gray])
    decoded = decode_upload(encode(colour))
    assert np.array_equal(decoded.pixels, cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY))
    assert any("luminance" in c for c in decoded.conversions)


def test_other_sizes_are_resized_and_say_so():
    decoded = decode_upload(encode(cv2.resize(patch_image(), (300, 200)), ".jpg"))
    assert decoded.format == "JPEG" and decoded.pixels.shape == (PATCH_SIZE, PATCH_SIZE)
    assert decoded.resized and decoded.original_size == (200, 300)
    assert any("resized from 300 x 200" in c for c in decoded.conversions)


@pytest.mark.parametrize("data, status, slug", [
    (b"", 422, "empty-file"),
    (b"hello, this is text", 415, "unsupported-image-format"),
    (encode(np.zeros((8, 8), np.uint8), ".bmp"), 415, "unsupported-image-format"),
    (encode(patch_image())[:400], 422, "undecodable-image"),  # truncated PNG
])
def test_bad_uploads_are_refused_with_the_reason(data, status, slug):
    with pytest.raises(DecodeError) as caught:
        decode_upload(data, "x.png")
    assert (caught.value.status, caught.value.slug) == (status, slug)
    assert caught.value.detail


def test_pixel_limit_is_checked_from_the_header_before_decoding():
    # 3000 x 3000 of real, decodable zeros (9 MB of pixels in 9 kB): refused by the header alone.
    rows = b"".join(b"\x00" + bytes(3000) for _ in range(3000))
    small_bomb = png_header_only(3000, 3000, zlib.compress(rows, 9))
    assert len(small_bomb) < 100_000
    with pytest.raises(DecodeError, match="9000000 pixels, the limit is 4000000") as caught:
        decode_upload(small_bomb, max_pixels=4_000_000)
    assert caught.value.status == 413
    # A header claiming 2.5 billion pixels (Pillow's own bomb guard fires first): still 413, never decoded.
    with pytest.raises(DecodeError) as caught:
        decode_upload(png_header_only(50_000, 50_000, zlib.compress(b"\x00" * 1000)))
    assert caught.value.status == 413 and caught.value.slug == "too-many-pixels"
