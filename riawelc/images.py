"""Reading and checking patch images, and any-depth radiographs to 8 bits by a window (not by clipping to the low
byte): one rule for the service's uploads and whole-film inspection. numpy + OpenCV only (the service uses this)."""

from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import PATCH_SIZE, UNET_SIZE

IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")


def image_files(folder: Path) -> list[Path]:
    """The image files directly in `folder`, sorted; listed with iterdir, never globbed (names hold brackets)."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


class BadImage(ValueError):
    """An image that cannot be used; the message is the reason, for rejects reports."""


def decode_gray(data: bytes, name: str = "image") -> np.ndarray:
    """Decode image bytes to a 2-D uint8 array, or raise BadImage saying why.

    Colour files whose channels are all equal are accepted as grayscale (some tools save gray as RGB);
    anything else that is not 8-bit single-channel is refused rather than silently converted.
    """
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    if array is None:
        raise BadImage(f"{name}: not a decodable image")
    if array.dtype != np.uint8:
        raise BadImage(f"{name}: {array.dtype} pixels, expected 8-bit grayscale")
    if array.ndim == 3:
        colour = array[..., :3]
        if not (np.array_equal(colour[..., 0], colour[..., 1]) and np.array_equal(colour[..., 0], colour[..., 2])):
            raise BadImage(f"{name}: colour image with {array.shape[2]} channels, expected grayscale")
        array = np.ascontiguousarray(colour[..., 0])
    return array


def decode_patch(data: bytes, name: str = "image", size: int = PATCH_SIZE) -> np.ndarray:
    """Decode a patch and check it is size x size 8-bit grayscale."""
    array = decode_gray(data, name)
    if array.shape != (size, size):
        raise BadImage(f"{name}: {array.shape[1]}x{array.shape[0]} pixels, expected {size}x{size}")
    return array


def read_patch(path: Path | str, size: int = PATCH_SIZE) -> np.ndarray:
    path = Path(path)
    return decode_patch(path.read_bytes(), str(path), size)


def read_patches(paths, size: int = PATCH_SIZE) -> np.ndarray:
    """Stack patches into (N, size, size, 1) uint8, the layout every model here takes."""
    patches = np.zeros((len(paths), size, size, 1), np.uint8)
    for i, path in enumerate(paths):
        patches[i, ..., 0] = read_patch(path, size)
    return patches


def read_mask(path: Path | str, size: int = PATCH_SIZE) -> np.ndarray:
    """A binary mask file (any nonzero pixel is defect) as uint8 0/1."""
    return (read_patch(path, size) > 0).astype(np.uint8)


def encode_png(array: np.ndarray, compression: int | None = None) -> bytes:
    """uint8 gray (H, W) or BGR (H, W, 3) as PNG bytes (OpenCV's default compression unless given): the one PNG
    encoder of the project (files, the sample, the service's answers)."""
    ok, buffer = cv2.imencode(".png", array, [] if compression is None else [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise OSError(f"could not encode a PNG of shape {np.shape(array)} and dtype {np.asarray(array).dtype}")
    return buffer.tobytes()


def write_png(path: Path | str, array: np.ndarray) -> None:
    """Write through imencode so that brackets and other odd characters in names are safe."""
    data = encode_png(array)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(data)



def _resize_batch(arrays: np.ndarray, size: int, is_mask: bool) -> np.ndarray:
    arrays = np.asarray(arrays)
    if arrays.ndim not in (3, 4) or (arrays.ndim == 4 and arrays.shape[-1] != 1):
        raise ValueError(f"expected (N, H, W) or (N, H, W, 1) arrays, got shape {arrays.shape}")
    # Nearest neighbour keeps masks exactly binary; bilinear for images and probabilities.
    interpolation = cv2.INTER_NEAREST if is_mask else cv2.INTER_LINEAR
    # OpenCV resizes only some dtypes (not bool or int64): work in uint8 / float32 then cast back.
    work_dtype = arrays.dtype if arrays.dtype in (np.uint8, np.float32) else np.uint8 if is_mask else np.float32
    planes = arrays.reshape(arrays.shape[:3]).astype(work_dtype)
    resized = np.zeros((len(planes), size, size), planes.dtype)
    for i, plane in enumerate(planes):
        resized[i] = cv2.resize(plane, (size, size), interpolation=interpolation)
    resized = resized.astype(arrays.dtype)
    return resized[..., None] if arrays.ndim == 4 else resized


def to_unet_size(images_or_masks: np.ndarray, is_mask: bool) -> np.ndarray:
    """Resize a batch of 227 x 227 patches (bilinear) or masks (nearest neighbour: they stay binary) to the
    U-Net's 224 x 224, keeping rank and dtype."""
    return _resize_batch(images_or_masks, UNET_SIZE, is_mask)


def from_unet_size(mask_probs: np.ndarray) -> np.ndarray:
    """Resize U-Net outputs (N, 224, 224[, 1]) back to the patch size (bilinear: they are probabilities)."""
    return _resize_batch(mask_probs, PATCH_SIZE, is_mask=False)


WINDOW_PERCENTILES = (0.5, 99.5)  # the window of window_to_uint8


def window_to_uint8(array: np.ndarray) -> np.ndarray:
    """Map any-depth gray pixels to uint8: the 0.5th and 99.5th percentiles of the image's own values map to 0
    and 255, linearly in between (values outside saturate); a flat image maps by its type's full range."""
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise BadImage("pixels contain NaN or infinite values")
    low, high = np.percentile(values, WINDOW_PERCENTILES)
    if high <= low:
        if np.issubdtype(array.dtype, np.integer):
            info = np.iinfo(array.dtype)
            low, high = float(info.min), float(info.max)
        else:
            low, high = low - 0.5, low + 0.5
    scaled = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
