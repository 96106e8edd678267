"""A small PNG decoder (standard library ``zlib`` + numpy), so image folders load without Pillow.

Reads non-interlaced PNGs of every colour type (grey, grey + alpha, RGB, RGBA, palette) with 1,
2, 4, 8 or 16 bits per sample, and returns ``(H, W, channels)`` float32 in [0, 1] (channels 1
grey, 2 grey + alpha, 3 RGB, 4 RGBA; palette images come back as RGB). Each row of a PNG is
"filtered" (stored as a difference to its left/upper neighbours); ``unfilter`` undoes that,
byte by byte — a numba kernel with the same plain-Python function as its reference twin.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numba import njit

from engine.backend import pick

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


class PngError(ValueError):
    """The bytes are not a PNG this decoder can read (the message says why)."""


def unfilter_ref(data: np.ndarray, height: int, stride: int, bpp: int) -> np.ndarray:
    """data: (height·(stride + 1),) uint8 rows, each led by its filter type -> (height, stride)."""
    out = np.zeros((height, stride), np.uint8)
    for r in range(height):
        kind = data[r * (stride + 1)]
        row = data[r * (stride + 1) + 1 : (r + 1) * (stride + 1)]
        for i in range(stride):
            left = np.int32(out[r, i - bpp]) if i >= bpp else np.int32(0)
            up = np.int32(out[r - 1, i]) if r > 0 else np.int32(0)
            corner = np.int32(out[r - 1, i - bpp]) if (r > 0 and i >= bpp) else np.int32(0)
            if kind == 0:
                pred = np.int32(0)
            elif kind == 1:
                pred = left
            elif kind == 2:
                pred = up
            elif kind == 3:
                pred = (left + up) // 2
            elif kind == 4:  # Paeth: the neighbour closest to left + up − corner
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                if pa <= pb and pa <= pc:
                    pred = left
                elif pb <= pc:
                    pred = up
                else:
                    pred = corner
            else:
                return out[:0]  # unknown filter: the caller reports a damaged file
            out[r, i] = (np.int32(row[i]) + pred) & 255
    return out


unfilter = njit(cache=True, nogil=True)(unfilter_ref)


def _chunks(blob: bytes) -> list[tuple[bytes, bytes]]:
    if not blob.startswith(SIGNATURE):
        raise PngError("it is not a PNG file")
    out, pos = [], len(SIGNATURE)
    while pos + 8 <= len(blob):
        length, kind = struct.unpack(">I4s", blob[pos : pos + 8])
        out.append((kind, blob[pos + 8 : pos + 8 + length]))
        pos += 12 + length
        if kind == b"IEND":
            return out
    raise PngError("the file is truncated")


def decode_png(blob: bytes) -> np.ndarray:
    """PNG bytes -> (H, W, channels) float32 in [0, 1]; raises ``PngError``."""
    chunks = _chunks(blob)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise PngError("its header is missing")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if color not in CHANNELS or depth not in (1, 2, 4, 8, 16) or width == 0 or height == 0:
        raise PngError(f"its colour type {color} / bit depth {depth} is not valid")
    if interlace:
        raise PngError("it is interlaced; save it again without interlacing")
    channels = CHANNELS[color]
    stride = (width * channels * depth + 7) // 8
    try:
        data = np.frombuffer(zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT")),
                             np.uint8)
    except zlib.error as err:
        raise PngError(f"its pixel data is damaged ({err})") from None
    if len(data) < height * (stride + 1):
        raise PngError("its pixel data is truncated")
    rows = pick(unfilter, unfilter_ref)(data, height, stride, max(1, channels * depth // 8))
    if rows.shape[0] != height:
        raise PngError("a row uses an unknown filter")
    samples = _samples(rows, width * channels, depth).reshape(height, width, channels)
    if color == 3:
        palette = next((d for k, d in chunks if k == b"PLTE"), None)
        if palette is None:
            raise PngError("its palette is missing")
        table = np.frombuffer(palette, np.uint8).reshape(-1, 3)
        index = np.minimum(samples[..., 0], len(table) - 1)
        return table[index].astype(np.float32) / 255.0
    return samples.astype(np.float32) / float(2**depth - 1)


def _samples(rows: np.ndarray, count: int, depth: int) -> np.ndarray:
    """(H, stride) bytes -> (H, count) integer samples of ``depth`` bits."""
    if depth == 16:
        return rows.view(">u2")[:, :count].astype(np.int64)
    if depth == 8:
        return rows[:, :count].astype(np.int64)
    bits = np.unpackbits(rows, axis=1)  # (H, stride·8), most significant bit first
    bits = bits[:, : count * depth].reshape(rows.shape[0], count, depth).astype(np.int64)
    return (bits << np.arange(depth - 1, -1, -1)).sum(axis=2)
