"""Import a folder of images with one sub-folder per class (``cats/…png``, ``dogs/…png``).

Class names are the sub-folder names (sorted; label = position). Each image is read as
grayscale (luma 0.299·R + 0.587·G + 0.114·B) or RGB, alpha dropped, pixels in [0, 1], and —
with ``size`` set — resized to ``size × size`` (halved by 2×2 averages while at least twice too
big, then bilinear). Without ``size`` every image must already have the same size.
``x: (N, C, H, W)`` with C = 1 or 3, ``y: (N,)``.

Decoding: with Pillow installed any format it knows; without it PNG (``engine.datasets.png``)
and binary PGM/PPM are read by LayerLab itself, and other formats (JPEG, ...) are explained as
needing Pillow. Problems are learner-readable ``DataError``s: a missing or empty folder, a
class folder without images, an unreadable file (named), mixed sizes without ``size``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData
from engine.datasets.imaging import resize_bilinear
from engine.datasets.png import PngError, decode_png
from engine.types import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm", ".pnm", ".tif",
                  ".tiff", ".webp")
OWN_DECODERS = (".png", ".pgm", ".ppm", ".pnm")
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _pillow():  # type: ignore[no-untyped-def]
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def read_image(path: Path) -> np.ndarray:
    """One file -> (H, W, channels) float32 in [0, 1]; raises DataError naming the file."""
    image_lib = _pillow()
    suffix = path.suffix.lower()
    try:
        if image_lib is not None:
            with image_lib.open(path) as img:
                rgb = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
            return rgb
        if suffix not in OWN_DECODERS:
            raise DataError(
                f"'{path.name}' is a {suffix[1:].upper()} image; without the Pillow package "
                f"LayerLab reads only PNG, PGM and PPM. Convert the images to PNG or install "
                f"Pillow (pip install pillow).")
        blob = path.read_bytes()
        return decode_png(blob) if suffix == ".png" else _decode_netpbm(blob)
    except DataError:
        raise
    except (OSError, ValueError, PngError) as err:
        raise DataError(f"The image '{path.parent.name}/{path.name}' cannot be read: {err}. "
                        f"Remove or replace that file.") from None


def _decode_netpbm(blob: bytes) -> np.ndarray:
    """Binary PGM (P5) / PPM (P6) -> (H, W, 1|3) float32 in [0, 1]."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while pos < len(blob) and blob[pos : pos + 1].isspace():
            pos += 1
        if blob[pos : pos + 1] == b"#":
            pos = blob.index(b"\n", pos)
            continue
        end = pos
        while end < len(blob) and not blob[end : end + 1].isspace():
            end += 1
        if end == pos:
            raise ValueError("its header is truncated")
        fields.append(blob[pos:end])
        pos = end
    magic, (width, height, top) = fields[0], (int(f) for f in fields[1:])
    if magic not in (b"P5", b"P6") or not 0 < top < 65536:
        raise ValueError("only binary PGM (P5) and PPM (P6) files are supported")
    channels = 1 if magic == b"P5" else 3
    dtype = np.uint8 if top < 256 else np.dtype(">u2")
    count = width * height * channels
    pixels = np.frombuffer(blob, dtype, count, pos + 1)
    return pixels.reshape(height, width, channels).astype(np.float32) / top


def _to_color(img: np.ndarray, color: str) -> np.ndarray:
    """(H, W, channels) -> (C, H, W), C = 1 (grayscale) or 3 (RGB); alpha dropped."""
    rgb = img[..., :3] if img.shape[2] >= 3 else np.repeat(img[..., :1], 3, axis=2)
    if color == "grayscale":
        if img.shape[2] < 3:
            return np.ascontiguousarray(img[None, :, :, 0])
        return (rgb @ LUMA)[None]
    return np.ascontiguousarray(rgb.transpose(2, 0, 1))


def _fit(img: np.ndarray, size: int) -> np.ndarray:
    """(C, H, W) -> (C, size, size): 2×2 averages while ≥ 2× too big, then bilinear."""
    while img.shape[1] >= 2 * size and img.shape[2] >= 2 * size:
        h, w = img.shape[1] // 2 * 2, img.shape[2] // 2 * 2
        img = img[:, :h, :w].reshape(img.shape[0], h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    return resize_bilinear(img[None], size, size)[0]


def class_folders(root: Path) -> list[Path]:
    """The class sub-folders of ``root`` (sorted), or a DataError explaining the layout."""
    if not str(root) or not root.is_dir():
        raise DataError(f"The folder '{root}' does not exist. Choose a folder that holds one "
                        f"sub-folder of images per class.")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(f"The folder '{root.name}' has no sub-folders. Put the images of each "
                        f"class in their own sub-folder (e.g. cats/, dogs/).")
    return folders


def image_folder(path: str, size: int | None, color: str) -> RawData:
    """All images under ``path``: ``x: (N, C, H, W)`` float32, ``y: (N,)`` int64 labels."""
    root = Path(path).expanduser()
    folders = class_folders(root)
    images, labels, first = [], [], None
    for label, folder in enumerate(folders):
        files = sorted(p for p in folder.iterdir() if p.is_file()
                       and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DataError(f"The class folder '{folder.name}' holds no images (PNG, JPEG, ...). "
                            f"Add images or remove the folder.")
        for file in files:
            img = _to_color(read_image(file), color)
            if size is not None:
                img = _fit(img, size)
            elif first is None:
                first = (file, img.shape)
            elif img.shape != first[1]:
                raise DataError(
                    f"The images have different sizes: '{first[0].parent.name}/"
                    f"{first[0].name}' is {first[1][2]}×{first[1][1]} but '{folder.name}/"
                    f"{file.name}' is {img.shape[2]}×{img.shape[1]}. Set the option 'size' to "
                    f"resize them all.")
            images.append(img.astype(np.float32))
            labels.append(label)
    x = np.stack(images)
    c, h, w = x.shape[1:]
    names = [f"pixel ({i // w}, {i % w})" for i in range(h * w)] if c == 1 else \
        [f"{ch} ({i // w}, {i % w})" for ch in "RGB" for i in range(h * w)]
    return RawData(x, np.asarray(labels, np.int64), CLASSIFICATION, len(folders), names,
                   [f.name for f in folders],
                   f"Images from '{root.name}': {len(x)} {color} images of {h}×{w} in "
                   f"{len(folders)} classes")
