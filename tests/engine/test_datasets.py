"""Datasets: generated sets (geometry, seeds, balance), split, rescaling, digits, importers."""

import gzip
import struct

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from engine.datasets import DATASET_NAMES, dataset_option_specs, dataset_options, load_dataset
from engine.datasets.base import apply_preprocessing, encode_target, one_hot
from engine.datasets.importers import load_csv, load_idx, load_numpy, preview_csv
from engine.types import ConfigError, DataError

GEN_2D = ["spiral", "circles", "moons", "xor", "blobs", "linear"]
GEN_1D = ["sine", "polynomial", "step"]


def all_points(d):
    return np.concatenate([d.x_train, d.x_val]), np.concatenate([d.y_train, d.y_val])


@pytest.mark.parametrize("name", GEN_2D + GEN_1D)
def test_generated_is_deterministic_per_seed(name):
    a = load_dataset({"name": name, "seed": 3})
    b = load_dataset({"name": name, "seed": 3})
    c = load_dataset({"name": name, "seed": 4})
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", GEN_2D)
def test_2d_classification_shapes_and_balance(name):
    d = load_dataset({"name": name, "n_samples": 301})
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.input_shape == (2,) and d.x_train.shape == (241, 2) and d.x_val.shape == (60, 2)
    assert d.task == "classification" and d.output_dim == d.n_classes == len(d.class_names)
    counts = np.bincount(all_points(d)[1])
    assert counts.max() - counts.min() <= 1 and counts.sum() == 301


@pytest.mark.parametrize("name", GEN_1D)
def test_1d_regression_shapes(name):
    d = load_dataset({"name": name, "n_samples": 50, "val_split": 0.1})
    assert d.x_train.shape == (45, 1) and d.y_train.shape == (45, 1) and d.y_val.shape == (5, 1)
    assert d.y_train.dtype == np.float32 and d.task == "regression"
    assert d.n_classes == 0 and d.output_dim == 1 and d.input_shape == (1,)


def test_spiral_points_lie_on_their_arms():
    d = load_dataset({"name": "spiral", "noise": 0.0, "n_classes": 3, "n_samples": 90})
    x, y = all_points(d)
    r = np.hypot(x[:, 0], x[:, 1])
    expected = 2 * np.pi * (1.75 * r + y / 3)  # angle measured from the +x2 axis
    diff = np.angle(np.exp(1j * (np.arctan2(x[:, 0], x[:, 1]) - expected)))
    assert r.max() <= 1.0 and np.abs(diff).max() < 1e-4


def test_circles_radii_and_xor_quadrants():
    d = load_dataset({"name": "circles", "noise": 0.0, "factor": 0.3})
    x, y = all_points(d)
    np.testing.assert_allclose(np.hypot(x[:, 0], x[:, 1]), np.where(y == 0, 1.0, 0.3),
                               rtol=1e-5)
    x, y = all_points(load_dataset({"name": "xor", "noise": 0.0}))
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))
    assert np.abs(x).min() >= 0.05 and np.abs(x).max() <= 1.0


def train_accuracy(name, **opts):
    x, y = all_points(load_dataset({"name": name, **opts}))
    return LogisticRegression(C=100.0, max_iter=2000).fit(x, y).score(x, y)


def test_only_linear_is_linearly_separable():
    assert train_accuracy("linear") == 1.0
    assert train_accuracy("linear", noise=0.05) > 0.95
    assert train_accuracy("spiral") < 0.75
    assert train_accuracy("circles") < 0.75
    assert train_accuracy("xor") < 0.75


def test_regression_curves_without_noise():
    x, y = all_points(load_dataset({"name": "sine", "noise": 0.0, "frequency": 2.0,
                                    "amplitude": 3.0}))
    np.testing.assert_allclose(y, 3.0 * np.sin(2.0 * x), atol=1e-5)
    assert np.abs(x).max() <= np.pi
    x, y = all_points(load_dataset({"name": "polynomial", "noise": 0.0}))
    np.testing.assert_allclose(y, 4 * x**3 - 3 * x, atol=1e-5)  # Chebyshev T3
    x, y = all_points(load_dataset({"name": "polynomial", "noise": 0.0,
                                    "coeffs": [1, 0, -2]}))
    np.testing.assert_allclose(y, 1 - 2 * x**2, atol=1e-5)
    x, y = all_points(load_dataset({"name": "step", "noise": 0.0, "steps": 2}))
    np.testing.assert_array_equal(y[:, 0], np.select([x[:, 0] < -1 / 3, x[:, 0] < 1 / 3],
                                                     [0.0, 0.5], 1.0))


@pytest.mark.parametrize("gate,table", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                        ("nand", [1, 1, 1, 0]), ("xor_gate", [0, 1, 1, 0])])
def test_logic_gates(gate, table):
    d = load_dataset({"name": gate, "n_samples": 999, "val_split": 0.5})
    np.testing.assert_array_equal(d.x_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(d.y_train, table)
    np.testing.assert_array_equal(d.x_val, d.x_train)
    np.testing.assert_array_equal(d.y_val, d.y_train)
    assert d.n_classes == 2 and d.output_dim == 2


def test_stratified_split_sizes():
    d = load_dataset({"name": "blobs", "n_classes": 3, "n_samples": 300})
    assert np.bincount(d.y_val).tolist() == [20, 20, 20]
    assert np.bincount(d.y_train).tolist() == [80, 80, 80]
    d = load_dataset({"name": "moons", "n_samples": 101, "val_split": 0.3})
    # 30 held out; classes 51/50 -> exact shares 15.15/14.85 -> largest remainder 15/15
    assert np.bincount(d.y_val).tolist() == [15, 15] and len(d.y_train) == 71
    raw = load_dataset({"name": "moons", "n_samples": 101, "val_split": 0.0})
    assert len(raw.x_val) == 0 and raw.x_val.shape == (0, 2)
    assert sorted(map(tuple, all_points(d)[0])) == sorted(map(tuple, raw.x_train))


def test_standardize_uses_training_statistics_only():
    raw = load_dataset({"name": "moons", "seed": 5})
    std = load_dataset({"name": "moons", "seed": 5, "standardize": True})
    mean, sd = raw.x_train.mean(0), raw.x_train.std(0)
    np.testing.assert_allclose(std.x_train.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(std.x_train.std(0), 1.0, atol=1e-5)
    np.testing.assert_allclose(std.x_val, (raw.x_val - mean) / sd, atol=1e-5)
    assert np.all(np.abs(std.x_val.mean(0)) > 1e-4)
    np.testing.assert_allclose(std.prepare_inputs(raw.x_val), std.x_val, atol=1e-6)
    assert apply_preprocessing(std.preprocessing, raw.x_val.astype(np.float64)).dtype == (
        np.float64)


def test_minmax_and_conflicting_rescaling():
    d = load_dataset({"name": "blobs", "normalize": "minmax"})
    np.testing.assert_allclose(d.x_train.min(0), 0.0, atol=1e-6)
    np.testing.assert_allclose(d.x_train.max(0), 1.0, atol=1e-6)
    with pytest.raises(ConfigError, match="choose one"):
        load_dataset({"name": "blobs", "normalize": "minmax", "standardize": True})


def test_digits_shapes_and_subset():
    flat = load_dataset({"name": "digits"})
    img = load_dataset({"name": "digits", "as_image": True})
    assert flat.n_train + flat.n_val == 1797 and flat.input_shape == (64,)
    assert img.input_shape == (1, 8, 8) and img.x_train.shape[1:] == (1, 8, 8)
    np.testing.assert_array_equal(img.x_train.reshape(-1, 64), flat.x_train)
    assert flat.x_train.min() == 0.0 and flat.x_train.max() == 1.0 and flat.n_classes == 10
    assert np.bincount(flat.y_val, minlength=10).min() >= 35  # stratified: ~36 per digit
    sub = load_dataset({"name": "digits", "n_samples": 100})
    assert sub.n_train == 80 and sub.n_val == 20
    with pytest.raises(ConfigError, match="only 1797 samples"):
        load_dataset({"name": "digits", "n_samples": 5000})


def test_option_checks_are_readable():
    with pytest.raises(ConfigError, match="no dataset called 'spirals'.*spiral"):
        load_dataset({"name": "spirals"})
    with pytest.raises(ConfigError, match="no option 'factor'.*noise"):
        load_dataset({"name": "spiral", "factor": 0.5})
    with pytest.raises(ConfigError, match="'noise'.*between 0 and 5, but it is -1"):
        load_dataset({"name": "spiral", "noise": -1})
    with pytest.raises(ConfigError, match="whole number"):
        load_dataset({"name": "spiral", "n_samples": True})
    with pytest.raises(ConfigError, match="too few for 4 classes"):
        load_dataset({"name": "spiral", "n_classes": 4, "n_samples": 6})
    assert dataset_options("spiral") == {"n_samples": 400, "noise": 0.05, "n_classes": 2,
                                         "imbalance": 1.0, "rare_class": 1,
                                         "poly_degree": None, "seed": 0,
                                         "val_split": 0.2, "standardize": False,
                                         "normalize": "none"}
    assert {s["name"] for s in dataset_option_specs("csv")} >= {"path", "target_column"}
    # every set is declared once; the catalogue grows with each family (images, sequences, ...)
    assert len(DATASET_NAMES) == len(set(DATASET_NAMES))
    assert {"spiral", "xor", "digits", "csv", "shapes", "gaussian_ring"} <= set(DATASET_NAMES)


def test_one_hot_and_target_encoding():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(DataError, match="outside 0..2"):
        one_hot(np.array([3]), 3)
    y, task, k, names = encode_target(np.array([3.0, 7.0, 3.0]))
    assert task == "classification" and k == 2 and names == ["3", "7"] and y.tolist() == [0, 1, 0]
    y, task, k, _ = encode_target(np.array([0.5, 1.0, 2.0]))
    assert task == "regression" and k == 0 and y.shape == (3, 1)
    _, task, k, _ = encode_target(np.arange(21))
    assert task == "regression"


# ---------------------------------------------------------------- CSV


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "age,height,label\n30,1.8,cat\n25,1.6,dog\n41,1.7,cat\n33,1.9,bird\n"


def test_csv_with_header_and_text_classes(tmp_path):
    raw = load_csv(write(tmp_path, GOOD))
    assert raw.feature_names == ["age", "height"]
    np.testing.assert_allclose(raw.x, [[30, 1.8], [25, 1.6], [41, 1.7], [33, 1.9]], rtol=1e-6)
    assert raw.class_names == ["bird", "cat", "dog"] and raw.y.tolist() == [1, 2, 1, 0]
    numeric = write(tmp_path, "age,height,code\n30,1.8,1\n25,1.6,2\n41,1.7,1\n33,1.9,3\n")
    by_name = load_csv(numeric, target_column="age", task="regression")
    assert by_name.task == "regression" and by_name.y[:, 0].tolist() == [30, 25, 41, 33]
    assert by_name.feature_names == ["height", "code"]
    by_index = load_csv(numeric, target_column=-1)
    assert by_index.class_names == ["1", "2", "3"] and by_index.y.tolist() == [0, 1, 0, 2]
    with pytest.raises(DataError, match="Row 2, column 'label' contains 'cat'"):
        load_csv(write(tmp_path, GOOD), target_column="age")  # text left among the inputs
    with pytest.raises(DataError, match="no column named 'size'.*'age'"):
        load_csv(write(tmp_path, GOOD), target_column="size")


def test_csv_header_detection_and_auto_task(tmp_path):
    raw = load_csv(write(tmp_path, "1.5;2;0\n2.5;3;1\n0.5;1;1\n"))  # no header, semicolons
    assert raw.x.shape == (3, 2) and raw.feature_names == ["column 1", "column 2"]
    assert raw.task == "classification" and raw.n_classes == 2
    reg = load_csv(write(tmp_path, "a,b\n1,0.25\n2,0.5\n3,0.75\n"))
    assert reg.task == "regression" and reg.y.shape == (3, 1)
    assert preview_csv(write(tmp_path, GOOD), n_rows=2) == (
        ["age", "height", "label"], [["30", "1.8", "cat"], ["25", "1.6", "dog"]])


def test_csv_text_in_numeric_column_names_row_and_column(tmp_path):
    rows = [f"{20 + i},1.{i},cat" for i in range(8)]
    rows[5] = "abc,1.5,cat"  # 6th data row -> spreadsheet row 7 (header is row 1)
    path = write(tmp_path, "age,height,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError) as err:
        load_csv(path)
    assert str(err.value) == ("Row 7, column 'age' contains 'abc', which is not a number. "
                              "Fix that cell or remove the column.")
    with pytest.raises(DataError, match="Row 3, column 'height' is empty"):
        load_csv(write(tmp_path, "age,height,label\n1,2,a\n3,,b\n"))
    with pytest.raises(DataError, match="decimal separator"):
        load_csv(write(tmp_path, "a;b;c\n1;2,5;0\n3;4;1\n"))
    with pytest.raises(DataError, match="Row 3 has 2 cells but the file has 3 columns"):
        load_csv(write(tmp_path, "a,b,c\n1,2,0\n3,4\n"))


def test_csv_through_the_registry(tmp_path):
    path = write(tmp_path, "x1,x2,y\n" + "".join(f"{i},{i * i},{i % 2}\n" for i in range(20)))
    d = load_dataset({"name": "csv", "path": str(path)})
    assert d.input_shape == (2,) and d.n_train == 16 and np.bincount(d.y_val).tolist() == [2, 2]
    with pytest.raises(DataError, match="does not exist"):
        load_dataset({"name": "csv", "path": str(tmp_path / "missing.csv")})
    with pytest.raises(DataError, match="pick a file first"):
        load_dataset({"name": "csv"})


# ---------------------------------------------------------------- NumPy


def test_npz_and_npy_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((30, 1, 4, 4)), np.arange(30) % 3
    np.savez(tmp_path / "d.npz", X=x, y=y)
    raw = load_numpy(tmp_path / "d.npz")
    np.testing.assert_allclose(raw.x, x.astype(np.float32))
    assert raw.y.tolist() == y.tolist() and raw.n_classes == 3 and raw.x.dtype == np.float32
    table = np.column_stack([rng.random((10, 3)), rng.random(10)])
    np.save(tmp_path / "t.npy", table)
    raw = load_numpy(tmp_path / "t.npy")
    np.testing.assert_allclose(raw.x, table[:, :3].astype(np.float32))
    np.testing.assert_allclose(raw.y[:, 0], table[:, 3].astype(np.float32))
    d = load_dataset({"name": "numpy", "path": str(tmp_path / "d.npz")})
    assert d.input_shape == (1, 4, 4) and d.n_val == 6


def test_numpy_errors_are_explained(tmp_path):
    np.savez(tmp_path / "k.npz", inputs=np.zeros((3, 2)), targets=np.zeros(3))
    with pytest.raises(DataError, match="no array named 'x'.*'inputs', 'targets'"):
        load_numpy(tmp_path / "k.npz")
    np.save(tmp_path / "v.npy", np.zeros(5))
    with pytest.raises(DataError, match="shape \\(5,\\)"):
        load_numpy(tmp_path / "v.npy")
    np.savez(tmp_path / "m.npz", x=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(DataError, match="3 input samples but 4 targets"):
        load_numpy(tmp_path / "m.npz")


# ---------------------------------------------------------------- IDX


def idx_bytes(images: np.ndarray, labels: np.ndarray) -> tuple[bytes, bytes]:
    n, rows, cols = images.shape
    img = struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()
    lab = struct.pack(">II", 2049, n) + labels.astype(np.uint8).tobytes()
    return img, lab


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    rng = np.random.default_rng(1)
    images, labels = rng.integers(0, 256, (6, 5, 3)), np.array([0, 3, 9, 1, 3, 0])
    img, lab = idx_bytes(images, labels)
    if compress:
        img, lab = gzip.compress(img), gzip.compress(lab)
    (tmp_path / "i").write_bytes(img)
    (tmp_path / "l").write_bytes(lab)
    raw = load_idx(tmp_path / "i", tmp_path / "l")
    assert raw.x.shape == (6, 1, 5, 3) and raw.x.dtype == np.float32
    np.testing.assert_allclose(raw.x[:, 0] * 255.0, images, atol=1e-4)
    assert raw.y.tolist() == labels.tolist() and raw.n_classes == 10


def test_corrupted_idx_is_a_data_error(tmp_path):
    img, lab = idx_bytes(np.zeros((4, 3, 3)), np.arange(4))
    (tmp_path / "i").write_bytes(img)
    (tmp_path / "l").write_bytes(lab)
    with pytest.raises(DataError, match="swap"):
        load_idx(tmp_path / "l", tmp_path / "i")
    (tmp_path / "cut").write_bytes(img[:-5])
    with pytest.raises(DataError, match="cut short: its header promises 36 bytes"):
        load_idx(tmp_path / "cut", tmp_path / "l")
    (tmp_path / "bad.gz").write_bytes(gzip.compress(img)[:20])
    with pytest.raises(DataError, match="damaged gzip"):
        load_idx(tmp_path / "bad.gz", tmp_path / "l")
    (tmp_path / "l3").write_bytes(idx_bytes(np.zeros((3, 3, 3)), np.arange(3))[1])
    with pytest.raises(DataError, match="4 images but the labels file 3 labels"):
        load_idx(tmp_path / "i", tmp_path / "l3")
