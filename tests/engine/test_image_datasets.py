"""Image datasets: digits28, shapes, image_folder (and its PNG/PGM decoding)."""

import struct
import time
import zlib

import numpy as np
import pytest

from engine import backend
from engine.datasets import dataset_options, load_dataset
from engine.datasets.digits import digits
from engine.datasets.digits28 import digits28
from engine.datasets.png import decode_png
from engine.datasets.shapes import CLASS_NAMES, shapes
from engine.types import ConfigError, DataError


# -- a tiny PNG encoder that uses every row filter -----------------------------------------
def _filter_row(kind, row, prev, bpp):
    row, prev = row.astype(np.int64), prev.astype(np.int64)
    left = np.concatenate([np.zeros(bpp, np.int64), row[:-bpp]])
    corner = np.concatenate([np.zeros(bpp, np.int64), prev[:-bpp]])
    if kind == 0:
        pred = np.zeros_like(row)
    elif kind == 1:
        pred = left
    elif kind == 2:
        pred = prev
    elif kind == 3:
        pred = (left + prev) // 2
    else:
        p = left + prev - corner
        pa, pb, pc = np.abs(p - left), np.abs(p - prev), np.abs(p - corner)
        pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, corner))
    return bytes([kind]) + ((row - pred) % 256).astype(np.uint8).tobytes()


def encode_png(samples, color, depth=8, palette=None):
    """samples: (H, W, channels) integers -> PNG bytes (row filters 0..4 in turn)."""
    h, w, ch = samples.shape
    if depth == 16:
        rows = samples.astype(">u2").reshape(h, -1).view(np.uint8)
    elif depth == 8:
        rows = samples.astype(np.uint8).reshape(h, -1)
    else:
        bits = (samples.reshape(h, -1, 1) >> np.arange(depth - 1, -1, -1)) & 1
        rows = np.packbits(bits.reshape(h, -1).astype(np.uint8), axis=1)
    bpp = max(1, ch * depth // 8)
    prev, raw = np.zeros(rows.shape[1], np.uint8), b""
    for r in range(h):
        raw += _filter_row(r % 5, rows[r], prev, bpp)
        prev = rows[r]

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0,
                                                          0))
    if palette is not None:
        out += chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


CASES = [(0, 8, 1), (0, 16, 1), (0, 1, 1), (0, 4, 1), (2, 8, 3), (2, 16, 3), (4, 8, 2),
         (6, 8, 4)]


@pytest.mark.parametrize("color,depth,channels", CASES)
@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_png_decoder_reads_every_filter_and_depth(color, depth, channels, name):
    rng = np.random.default_rng(depth + color)
    samples = rng.integers(0, 2**depth, (7, 6, channels))
    with backend.using(name):
        img = decode_png(encode_png(samples, color, depth))
    np.testing.assert_allclose(img, samples / (2**depth - 1), rtol=1e-6)
    assert img.dtype == np.float32


def test_png_palette_and_damage():
    palette = np.array([[255, 0, 0], [0, 128, 255], [10, 20, 30]])
    index = np.array([[[0], [1]], [[2], [1]]])
    img = decode_png(encode_png(index, 3, 8, palette))
    np.testing.assert_allclose(img * 255, palette[index[..., 0]], atol=1e-4)
    blob = encode_png(index, 0, 8)
    with pytest.raises(ValueError, match="truncated|damaged"):
        decode_png(blob[:-20])
    with pytest.raises(ValueError, match="not a PNG"):
        decode_png(b"GIF89a...")


# -- digits28 and shapes ---------------------------------------------------------------------
def test_digits28_is_the_upscaled_digits():
    big, small = digits28(), digits(as_image=True)
    assert big.x.shape == (1797, 1, 28, 28) and big.x.dtype == np.float32
    np.testing.assert_array_equal(big.y, small.y)
    assert 0.0 <= big.x.min() and big.x.max() <= 1.0
    # bilinear: the mean brightness is (nearly) kept, each 28×28 corner equals the 8×8 corner
    np.testing.assert_allclose(big.x.mean(axis=(1, 2, 3)), small.x.mean(axis=(1, 2, 3)),
                               atol=0.02)
    np.testing.assert_allclose(big.x[:, 0, 0, 0], small.x[:, 0, 0, 0], atol=1e-6)
    data = load_dataset({"name": "digits28", "n_samples": 300, "val_split": 0.2})
    assert data.input_shape == (1, 28, 28) and data.n_train + data.n_val == 300


def test_shapes_are_balanced_deterministic_and_fast():
    t = time.perf_counter()
    raw = shapes(10_000, 0.0, np.random.default_rng(0))
    assert time.perf_counter() - t < 2.0
    assert raw.x.shape == (10_000, 1, 28, 28) and raw.x.dtype == np.float32
    assert np.bincount(raw.y).tolist() == [1000] * 10
    assert raw.class_names == CLASS_NAMES
    assert 0.0 <= raw.x.min() and raw.x.max() == 1.0
    again = shapes(10_000, 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(raw.x, again.x)
    other = shapes(100, 0.0, np.random.default_rng(1))
    assert not np.array_equal(raw.x[:100], other.x)
    ink = raw.x.sum(axis=(1, 2, 3))
    assert ink.min() > 5  # every image shows its shape
    borders = np.concatenate([raw.x[:, 0, 0], raw.x[:, 0, -1], raw.x[:, 0, :, 0],
                              raw.x[:, 0, :, -1]], axis=1)
    assert borders.max() == 0  # shapes stay inside the frame


def test_shapes_classes_differ_as_drawn():
    raw = shapes(2000, 0.0, np.random.default_rng(0))
    x, y = raw.x[:, 0], raw.y
    mean = np.array([x[y == k].mean() for k in range(10)])
    assert mean[0] > mean[5] and mean[1] > mean[4]  # filled shapes carry more ink than lines
    wide = x.sum(axis=1).astype(bool).sum(axis=1)  # columns touched
    tall = x.sum(axis=2).astype(bool).sum(axis=1)  # rows touched
    assert np.all(wide[y == 6] > tall[y == 6]) and np.all(tall[y == 7] > wide[y == 7])


def test_shapes_dataset_options():
    data = load_dataset({"name": "shapes", "n_samples": 500, "noise": 0.1, "seed": 3})
    assert data.input_shape == (1, 28, 28) and data.n_train + data.n_val == 500
    assert dataset_options("shapes")["n_samples"] == 2000
    with pytest.raises(ConfigError, match="n_samples"):
        load_dataset({"name": "shapes", "n_samples": 1})


# -- image_folder ----------------------------------------------------------------------------
def make_folder(root, sizes=((6, 5), (6, 5)), per_class=3, color=2):
    rng = np.random.default_rng(0)
    for k, (h, w) in enumerate(sizes):
        folder = root / f"class_{'ab'[k]}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (h, w, 3 if color == 2 else 1))
            (folder / f"img{i}.png").write_bytes(encode_png(pixels, color))
    return root


def test_image_folder_loads_classes_and_sizes(tmp_path):
    make_folder(tmp_path / "pics")
    spec = {"name": "image_folder", "path": str(tmp_path / "pics"), "val_split": 0.0}
    data = load_dataset({**spec, "size": 8})
    assert data.input_shape == (1, 8, 8) and data.class_names == ["class_a", "class_b"]
    assert sorted(data.y_train.tolist()) == [0, 0, 0, 1, 1, 1]
    rgb = load_dataset({**spec, "size": None, "color": "rgb"})
    assert rgb.input_shape == (3, 6, 5) and 0.0 <= rgb.x_train.min() and rgb.x_train.max() <= 1
    gray = load_dataset({**spec, "size": None})
    luma = np.tensordot([0.299, 0.587, 0.114], rgb.x_train, axes=(0, 1))
    np.testing.assert_allclose(np.sort(gray.x_train[:, 0].ravel()), np.sort(luma.ravel()),
                               atol=1e-5)


def test_image_folder_shrinks_big_images(tmp_path):
    folder = tmp_path / "big"
    for name, value in (("dark", 40), ("light", 200)):
        (folder / name).mkdir(parents=True)
        (folder / name / "a.png").write_bytes(encode_png(np.full((64, 48, 1), value), 0))
        pgm = b"P5\n# comment\n48 64\n255\n" + bytes([value]) * (48 * 64)
        (folder / name / "b.pgm").write_bytes(pgm)
    data = load_dataset({"name": "image_folder", "path": str(folder), "size": 10,
                         "val_split": 0.0})
    assert data.x_train.shape == (4, 1, 10, 10)
    values = sorted(np.unique(np.round(data.x_train * 255)).tolist())
    assert values == [40, 200]


@pytest.mark.parametrize("problem,needle", [
    ("missing", "does not exist"),
    ("no_subfolders", "no sub-folders"),
    ("empty_class", "holds no images"),
    ("bad_file", "cannot be read"),
    ("mixed", "different sizes"),
    ("jpeg", "Pillow"),
])
def test_image_folder_problems_are_explained(tmp_path, problem, needle):
    root = tmp_path / "pics"
    if problem == "mixed":
        make_folder(root, sizes=((6, 5), (7, 5)))
    elif problem != "missing":
        make_folder(root)
    if problem == "no_subfolders":
        for folder in root.iterdir():
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    if problem == "empty_class":
        (root / "class_c").mkdir()
    if problem == "bad_file":
        (root / "class_a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnonsense")
    if problem == "jpeg":
        pytest.importorskip("engine.datasets.image_folder")
        from engine.datasets.image_folder import _pillow
        if _pillow() is not None:
            pytest.skip("Pillow reads JPEG")
        (root / "class_a" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    spec = {"name": "image_folder", "path": str(root), "size": None}
    with pytest.raises(DataError, match=needle) as info:
        load_dataset(spec)
    if problem == "bad_file":
        assert "class_a/broken.png" in str(info.value)
