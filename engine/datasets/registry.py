"""The dataset catalogue: names, declared options, and ``load_dataset(spec) -> Dataset``.

A spec is a JSON-safe dict ``{"name": "spiral", "n_samples": 400, "noise": 0.05, ...}`` as
stored in a project file. Every option is declared (``dataset_option_specs``) and checked, so
an unknown name or a bad value is a learner-readable ``ConfigError``; a file that cannot be
read is a ``DataError``. Common options: ``seed`` (generation and split), ``val_split`` (the
share of samples held out; shuffled, stratified by class), ``standardize`` (zero mean, unit
variance per input feature) or ``normalize="minmax"`` (each feature into [0, 1]), both fitted
on the training part only; generated sets also take ``n_samples`` and ``noise``, files and
digits take ``n_samples`` as the size of a random subset (empty: all).

Every dataset with 2 inputs (points in the x₁/x₂ plane) also takes ``features``: a list of
derived inputs such as ``["x1^2", "x2^2"]`` (``engine.datasets.features``; default: x₁, x₂ as
they are). ``points`` is the learner's own point set (``engine.datasets.points``).
The generated sets, the gates, ``points``, ``csv`` and ``numpy`` take ``poly_degree``:
polynomial features of their 1 or 2 inputs up to that degree, standardized
(``engine.datasets.polynomial``; empty: none) — what the capacity sweep's degree trains on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import gaussians, generated, sequences, text
from engine.datasets.base import (
    CLASSIFICATION,
    Dataset,
    RawData,
    apply_preprocessing,
    one_hot,
)
from engine.datasets.digits import digits
from engine.datasets.digits28 import digits28
from engine.datasets.features import check_features, feature_columns, feature_label
from engine.datasets.image_folder import image_folder
from engine.datasets.imbalance import OPTIONS as IMBALANCE_OPTIONS
from engine.datasets.imbalance import keep_indices
from engine.datasets.importers import load_csv, load_idx, load_numpy
from engine.datasets.options import Option, resolve_options
from engine.datasets.points import MAX_CLASSES, points_raw
from engine.datasets.polynomial import MAX_DEGREE, check_degree, fit_polynomial
from engine.datasets.preprocess import fit_preprocessing, split_indices, subsample
from engine.datasets.shapes import shapes
from engine.types import ConfigError, DataError, format_shape

__all__ = ["DATASET_NAMES", "load_dataset", "dataset_options", "dataset_option_specs",
           "dataset_catalog", "one_hot"]

TASKS = ("auto", "classification", "regression")
SEED = Option("seed", 0, "int", "Random seed: the same seed gives the same data.", low=0,
              high=2**32 - 1)
VAL = Option("val_split", 0.2, "float", "Share of samples held out for validation.", low=0.0,
             high=0.9)
STD = Option("standardize", False, "bool", "Shift and scale each input to mean 0, spread 1.")
NORM = Option("normalize", "none", "choice", "'minmax' rescales each input into [0, 1].",
              choices=("none", "minmax"))
SUBSET = Option("n_samples", None, "int", "Use a random subset of this many samples "
                "(empty: all of them).", low=2, high=10_000_000, optional=True)
TAIL = [SEED, VAL, STD, NORM]
POLY = Option("poly_degree", None, "int", "Polynomial features: every product of the inputs "
              "up to this degree (x, x², x³ …; with two inputs also x₁·x₂ …), each rescaled "
              "to mean 0, spread 1. The Input layer then needs one value per feature. Empty: "
              "the inputs as they are.", low=1, high=MAX_DEGREE, optional=True)


def _gen(n_samples: int, noise: float) -> list[Option]:
    return [Option("n_samples", n_samples, "int", "How many points to generate.", low=4,
                   high=200_000),
            Option("noise", noise, "float", "Spread of the random jitter.", low=0.0, high=5.0)]


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: how to build the raw data from checked options."""

    name: str
    title: str
    group: str
    task: str
    options: list[Option]
    build: Callable[[dict[str, Any]], RawData]
    subsample: bool = False  # n_samples picks a random subset of the loaded samples
    ignored: tuple[str, ...] = ()


def _generator(fn: Callable[..., RawData], extra: tuple[str, ...]
               ) -> Callable[[dict[str, Any]], RawData]:
    def build(o: dict[str, Any]) -> RawData:
        rng = np.random.default_rng(o["seed"])
        return fn(o["n_samples"], o["noise"], rng, **{k: o[k] for k in extra})
    return build


def _generated(name: str, title: str, task: str, fn: Callable[..., RawData],
               defaults: tuple[int, float], extra: list[Option]) -> Entry:
    group = "2-D classification" if task == CLASSIFICATION else "1-D regression"
    names = tuple(o.name for o in extra)
    rare = IMBALANCE_OPTIONS if task == CLASSIFICATION else []
    return Entry(name, title, group, task, _gen(*defaults) + extra + rare + [POLY] + TAIL,
                 _generator(fn, names))


def _gate(name: str) -> Entry:
    return Entry(name, f"{generated.GATE_TITLES[name]} gate", "logic gates", CLASSIFICATION,
                 [POLY, STD, NORM], lambda o: generated.gate(name),
                 ignored=("n_samples", "noise", "seed", "val_split"))


def _file_options(*specific: Option) -> list[Option]:
    return [*specific, SUBSET, *IMBALANCE_OPTIONS, *TAIL]


PATH_HELP = "The file to load."
TASK = Option("task", "auto", "choice", "'auto': whole numbers with at most 20 distinct values "
              "are classes, anything else is regression.", choices=TASKS)
ENTRIES: dict[str, Entry] = {e.name: e for e in [
    _generated("spiral", "Spiral", CLASSIFICATION, generated.spiral, (400, 0.05),
               [Option("n_classes", 2, "int", "Number of spiral arms.", low=2, high=8)]),
    _generated("circles", "Circles", CLASSIFICATION, generated.circles, (400, 0.05),
               [Option("factor", 0.5, "float", "Inner ring radius / outer ring radius.",
                       low=0.05, high=0.95)]),
    _generated("moons", "Moons", CLASSIFICATION, generated.moons, (400, 0.1), []),
    _generated("xor", "XOR (quadrants)", CLASSIFICATION, generated.xor, (400, 0.05), []),
    _generated("blobs", "Gaussian blobs", CLASSIFICATION, generated.blobs, (400, 0.0),
               [Option("n_classes", 3, "int", "Number of clusters.", low=2, high=10),
                Option("cluster_std", 0.35, "float", "Spread of each cluster.", low=0.01,
                       high=5.0)]),
    _generated("linear", "Linearly separable", CLASSIFICATION, generated.linear, (400, 0.0),
               [Option("margin", 0.2, "float", "Empty band around the separating line.",
                       low=0.0, high=1.0)]),
    _generated("sine", "Sine curve", "regression", generated.sine, (200, 0.1),
               [Option("frequency", 1.0, "float", "Waves per 2π.", low=0.1, high=20.0),
                Option("amplitude", 1.0, "float", "Height of the wave.", low=0.01,
                       high=100.0)]),
    _generated("polynomial", "Polynomial", "regression", generated.polynomial, (200, 0.05),
               [Option("degree", 3, "int", "Degree of the Chebyshev curve (when no "
                       "coefficients are given).", low=0, high=10),
                Option("coeffs", None, "floats", "Coefficients c0, c1, c2, ... of "
                       "c0 + c1·x + c2·x² + ... (empty: Chebyshev curve).", optional=True)]),
    _generated("step", "Step function", "regression", generated.step, (200, 0.05),
               [Option("steps", 1, "int", "Number of jumps of the staircase.", low=1,
                       high=10)]),
    Entry("gaussian_ring", "Ring of Gaussians (GANs)", "2-D distributions", CLASSIFICATION,
          _gen(2000, 0.03) + [Option("n_modes", 8, "int", "Number of Gaussians.", low=2,
                                     high=50),
                              Option("radius", 1.0, "float", "Radius of the ring.", low=0.1,
                                     high=10.0)] + TAIL,
          _generator(gaussians.gaussian_ring, ("n_modes", "radius"))),
    Entry("gaussian_grid", "Grid of Gaussians (GANs)", "2-D distributions", CLASSIFICATION,
          _gen(2000, 0.03) + [Option("side", 5, "int", "Gaussians per row (side × side).",
                                     low=2, high=10),
                              Option("spacing", 0.5, "float", "Distance between neighbours.",
                                     low=0.05, high=10.0)] + TAIL,
          _generator(gaussians.gaussian_grid, ("side", "spacing"))),
    _gate("and"), _gate("or"), _gate("nand"), _gate("xor_gate"),
    *[Entry(*row) for row in sequences.CATALOG + text.CATALOG],
    Entry("points", "Your own points (draw them)", "your own data", CLASSIFICATION,
          [Option("points", [], "points", "Your points: rows [x1, x2, class].", hidden=True),
           Option("n_classes", None, "int", "At least this many classes (empty: as many as "
                  "the points use, at least 2).", low=2, high=MAX_CLASSES, optional=True,
                  hidden=True),
           Option("class_names", None, "names", "Names of the classes.", optional=True,
                  hidden=True),
           SEED, Option("val_split", 0.0, "float", "Expected share of points held out for "
                        "validation (chosen point by point, so drawing never reshuffles).",
                        low=0.0, high=0.9), POLY, STD, NORM],
          points_raw),
    Entry("digits", "Handwritten digits (8×8)", "images", CLASSIFICATION,
          _file_options(Option("as_image", False, "bool", "Images 1×8×8 (for convolutions) "
                               "instead of vectors of 64 pixels.")),
          lambda o: digits(o["as_image"]), subsample=True),
    Entry("digits28", "Handwritten digits (28×28)", "images", CLASSIFICATION, _file_options(),
          lambda o: digits28(), subsample=True),
    Entry("shapes", "Shapes (28×28)", "images", CLASSIFICATION,
          [Option("n_samples", 2000, "int", "How many images to draw.", low=10, high=200_000),
           Option("noise", 0.0, "float", "Spread of random pixel noise.", low=0.0, high=1.0),
           *TAIL],
          lambda o: shapes(o["n_samples"], o["noise"], np.random.default_rng(o["seed"]))),
    Entry("image_folder", "Image folder (one sub-folder per class)", "your own data",
          CLASSIFICATION,
          _file_options(Option("path", "", "path", "The folder: one sub-folder of images per "
                               "class."),
                        Option("size", 28, "int", "Resize every image to size × size pixels "
                               "(empty: keep the size; all images must then match).", low=4,
                               high=512, optional=True),
                        Option("color", "grayscale", "choice", "Read images as grayscale "
                               "(1 channel) or RGB (3 channels).",
                               choices=("grayscale", "rgb"))),
          lambda o: image_folder(o["path"], o["size"], o["color"]), subsample=True),
    Entry("csv", "CSV file", "your own data", "auto",
          _file_options(Option("path", "", "path", PATH_HELP),
                        Option("target_column", None, "column", "Name or 0-based number of "
                               "the column to predict (empty: the last one).", optional=True),
                        Option("has_header", "auto", "choice", "Whether the first row holds "
                               "column names.", choices=("auto", True, False)), TASK, POLY),
          lambda o: load_csv(o["path"], o["target_column"], o["has_header"], o["task"]),
          subsample=True),
    Entry("numpy", "NumPy file (.npy/.npz)", "your own data", "auto",
          _file_options(Option("path", "", "path", PATH_HELP),
                        Option("x_key", "x", "str", "Name of the inputs array in an .npz."),
                        Option("y_key", "y", "str", "Name of the targets array in an .npz."),
                        TASK, POLY),
          lambda o: load_numpy(o["path"], o["x_key"], o["y_key"], o["task"]), subsample=True),
    Entry("idx", "MNIST IDX files", "your own data", CLASSIFICATION,
          _file_options(Option("images_path", "", "path", "The images file (…-images-idx3)."),
                        Option("labels_path", "", "path", "The labels file (…-labels-idx1).")),
          lambda o: load_idx(o["images_path"], o["labels_path"]), subsample=True),
]}
DATASET_NAMES: tuple[str, ...] = tuple(ENTRIES)


def _entry(name: Any) -> Entry:
    if name not in ENTRIES:
        raise ConfigError(f"There is no dataset called '{name}'. Choose one of: "
                          f"{', '.join(DATASET_NAMES)}.")
    return ENTRIES[name]


def dataset_options(name: str) -> dict[str, Any]:
    """The default value of every option of dataset ``name`` (for a GUI form or a spec)."""
    return {o.name: o.default for o in _entry(name).options}


def dataset_option_specs(name: str) -> list[dict[str, Any]]:
    """Every option with its kind, default, bounds, choices and help text (the form's options:
    ``features`` and the hidden options of ``points`` have their own editors)."""
    return [o.to_dict() for o in _entry(name).options if not o.hidden]


def dataset_catalog() -> list[dict[str, str]]:
    """``[{"name", "title", "group", "task"}]`` in display order."""
    return [{"name": e.name, "title": e.title, "group": e.group, "task": e.task}
            for e in ENTRIES.values()]


def load_dataset(spec: dict[str, Any]) -> Dataset:
    """Build the dataset described by ``spec`` (``{"name": ..., **options}``)."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise ConfigError("A dataset spec needs a 'name', e.g. {'name': 'spiral'}.")
    entry = _entry(spec["name"])
    given = {k: v for k, v in spec.items() if k not in ("name", "features")}
    features = check_features(spec.get("features"), entry.name)
    opts = resolve_options(entry.name, entry.options, given, entry.ignored)
    raw = entry.build(opts)
    return _finish(entry, raw, opts, features)


def _split(entry: Entry, raw: RawData, opts: dict[str, Any]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if raw.fixed_split is not None:
        return raw.x, raw.y, raw.fixed_split[0], raw.fixed_split[1]
    rng = np.random.default_rng([opts["seed"], 1])
    x, y = raw.x, raw.y
    if entry.subsample:
        keep = subsample(len(x), opts["n_samples"], rng, entry.name)
        if keep is not None:
            x, y = x[keep], y[keep]
    classify = raw.task == CLASSIFICATION
    if opts.get("imbalance", 1.0) < 1.0:  # subsample one class (engine.datasets.imbalance)
        if not classify:
            raise ConfigError(f"The dataset '{entry.name}' is a regression task: it has no "
                              "classes to make rare. Set imbalance to 1.")
        keep = keep_indices(y, opts["imbalance"], opts["rare_class"],
                            np.random.default_rng([opts["seed"], 2]), entry.name)
        if keep is not None:
            x, y = x[keep], y[keep]
    if classify and len(np.unique(y)) < 2:
        raise DataError(f"The dataset '{entry.name}' has only one class; a classifier needs "
                        f"samples of at least two classes.")
    train, val = split_indices(y, opts["val_split"], classify, rng)
    if len(train) == 0:
        raise DataError(f"val_split {opts['val_split']:g} leaves no training samples out of "
                        f"{len(x)}; lower val_split or use more samples.")
    return x[train], y[train], x[val], y[val]


def _finish(entry: Entry, raw: RawData, opts: dict[str, Any], features: list[str]
            ) -> Dataset:
    x_tr, y_tr, x_val, y_val = _split(entry, raw, opts)
    prep = fit_preprocessing(x_tr, opts["standardize"], opts["normalize"], entry.name)
    x_tr = np.ascontiguousarray(apply_preprocessing(prep, x_tr.astype(np.float32)))
    x_val = np.ascontiguousarray(apply_preprocessing(prep, x_val.astype(np.float32)))
    raw_shape = tuple(int(d) for d in raw.x.shape[1:])
    plane = raw_shape == (2,)
    if features and not plane:
        raise ConfigError(
            f"Derived input features (x₁², sin(x₁), ...) are made from 2 inputs x₁, x₂, but "
            f"the dataset '{entry.name}' gives samples of shape {format_shape(raw_shape)}. "
            f"Remove the 'features' option.")
    plane_tr, plane_val = (x_tr, x_val) if plane else (None, None)
    names = [feature_label(f) for f in features] or raw.feature_names
    if features:
        x_tr, x_val = feature_columns(x_tr, features), feature_columns(x_val, features)
    base_shape = tuple(int(d) for d in x_tr.shape[1:])
    degree = check_degree(opts.get("poly_degree"), base_shape[0] if len(base_shape) == 1
                          else 0, entry.name, format_shape(base_shape))
    poly = base_tr = base_val = None
    if degree is not None:  # after the features: what the sweep's degree variant expands
        poly = fit_polynomial(x_tr, degree, list(names))
        base_tr, base_val = x_tr, x_val
        x_tr, x_val, names = poly.apply(x_tr), poly.apply(x_val), poly.names
    output_dim = raw.n_classes if raw.task == CLASSIFICATION else int(raw.y.shape[1])
    return Dataset(
        name=entry.name, x_train=x_tr, y_train=y_tr, x_val=x_val, y_val=y_val, task=raw.task,
        n_classes=raw.n_classes, input_shape=tuple(int(d) for d in x_tr.shape[1:]),
        output_dim=output_dim, feature_names=names, class_names=raw.class_names,
        description=raw.description, preprocessing=prep, features=list(features),
        x_train_raw=plane_tr, x_val_raw=plane_val, input_parts=list(raw.input_parts),
        poly=poly, x_train_base=base_tr, x_val_base=base_val,
    )
