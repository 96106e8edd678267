"""Data augmentation for images: random variations of each training batch, made on the fly.

``augment(x, options, rng)`` returns a new batch ``(B, C, H, W)`` (the input is never changed);
each sample gets its own random draw of every enabled operation, in this order:

- ``flip``: mirror left ↔ right with probability ½;
- ``shift`` (pixels), ``rotation`` (degrees), ``zoom`` (fraction): one affine move per sample —
  a whole-pixel shift in ``[-shift, shift]`` along each axis, a turn about the image centre by
  an angle in ``[-rotation, rotation]``, a scale in ``[1 − zoom, 1 + zoom]`` (> 1 zooms in);
  pixels read by bilinear interpolation, what comes in from outside is 0;
- ``cutout`` (pixels): a ``cutout × cutout`` square, fully inside the image, set to 0;
- ``noise``: Gaussian noise of standard deviation ``noise`` added to every pixel.

The options live in the training settings (``TrainConfig.augment``; ``{}`` = off): the trainer
augments training batches only — validation data and metrics see the data as it is.
``preview(x, options, seed)`` shows the dataset panel what the network will see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.datasets.imaging import sample_bilinear
from engine.datasets.options import Option, resolve_options
from engine.types import ConfigError, format_shape

AUGMENT_OPTIONS = [
    Option("shift", 0, "int", "Move each image by up to this many pixels (each direction).",
           low=0, high=64),
    Option("rotation", 0.0, "float", "Turn each image by up to this many degrees.", low=0.0,
           high=180.0),
    Option("flip", False, "bool", "Mirror half of the images left ↔ right."),
    Option("zoom", 0.0, "float", "Scale each image by up to this fraction (0.1: 90%–110%).",
           low=0.0, high=0.9),
    Option("noise", 0.0, "float", "Standard deviation of Gaussian noise added to each pixel.",
           low=0.0, high=10.0),
    Option("cutout", 0, "int", "Blank out a random square of this many pixels per side.", low=0,
           high=512),
]
_WHERE = "augmentation"


def check_augment(options: dict[str, Any] | None) -> dict[str, Any]:
    """Every option with its default filled in, or a learner-readable ``ConfigError``."""
    if not isinstance(options, dict):
        raise ConfigError(f"The augmentation settings must be a set of options such as "
                          f"{{'shift': 2}}, not {options!r}.")
    try:
        return resolve_options(_WHERE, AUGMENT_OPTIONS, options)
    except ConfigError as err:  # the shared checks speak of "the dataset 'augmentation'"
        text = str(err).replace("of the dataset 'augmentation'", "of augmentation")
        raise ConfigError(text.replace("The dataset 'augmentation'", "Augmentation")) from None


def augment_option_specs() -> list[dict[str, Any]]:
    """The options as JSON-safe dicts for a GUI form (kind, default, bounds, help)."""
    return [o.to_dict() for o in AUGMENT_OPTIONS]


def is_active(options: dict[str, Any] | None) -> bool:
    """True when at least one operation would change an image."""
    if not options:
        return False
    o = check_augment(options)
    return bool(o["shift"] or o["rotation"] or o["flip"] or o["zoom"] or o["noise"]
                or o["cutout"])


def augment(x: np.ndarray, options: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """x: (B, C, H, W) -> a new (B, C, H, W) array of the same dtype, randomly varied."""
    o = check_augment(options)
    if x.ndim != 4:
        raise ConfigError(f"Augmentation works on batches of images (B, C, H, W), not on "
                          f"arrays of shape {x.shape}.")
    out = np.array(x, copy=True)
    b_count, _, h, w = out.shape
    if o["flip"]:
        flip = rng.random(b_count) < 0.5
        out[flip] = out[flip][..., ::-1]
    if o["shift"] or o["rotation"] or o["zoom"]:
        out = _affine(out, o, rng)
    if o["cutout"]:
        out = _cutout(out, min(o["cutout"], h, w), rng)
    if o["noise"]:
        out += rng.normal(0.0, o["noise"], out.shape).astype(out.dtype)
    return out


def _affine(x: np.ndarray, o: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Per sample: out(p) = x(c + R(−θ)·(p − c − t) / s) with centre c, shift t, scale s."""
    b_count, _, h, w = x.shape
    shift = rng.integers(-o["shift"], o["shift"] + 1, (b_count, 2)) if o["shift"] else \
        np.zeros((b_count, 2), np.int64)
    theta = np.deg2rad(rng.uniform(-o["rotation"], o["rotation"], b_count)) if o["rotation"] \
        else np.zeros(b_count)
    scale = rng.uniform(1 - o["zoom"], 1 + o["zoom"], b_count) if o["zoom"] else np.ones(b_count)
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    py, px = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    dy = py[None] - cy - shift[:, 0, None, None]  # (B, H, W)
    dx = px[None] - cx - shift[:, 1, None, None]
    cos, sin = (np.cos(theta) / scale)[:, None, None], (np.sin(theta) / scale)[:, None, None]
    ys = cy + cos * dy - sin * dx
    xs = cx + sin * dy + cos * dx
    return sample_bilinear(x, ys, xs, outside="zero")


def _cutout(x: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    b_count, _, h, w = x.shape
    top = rng.integers(0, h - size + 1, b_count)
    left = rng.integers(0, w - size + 1, b_count)
    rows = np.arange(h)[None, :] - top[:, None]  # (B, H)
    cols = np.arange(w)[None, :] - left[:, None]
    inside = ((rows >= 0) & (rows < size))[:, :, None] & ((cols >= 0) & (cols < size))[:, None]
    x[np.broadcast_to(inside[:, None], x.shape)] = 0
    return x


def preview(x: np.ndarray, options: dict[str, Any], seed: int = 0) -> np.ndarray:
    """x: (n, C, H, W) -> (n, C, H, W): what the network would see (for the dataset panel)."""
    return augment(np.asarray(x), options, np.random.default_rng(seed))


def make_augmenter(options: dict[str, Any], input_shape: tuple[int, ...], seed: int
                   ) -> Callable[[np.ndarray], np.ndarray]:
    """A ``batch -> batch`` function with its own random stream (for the trainer), or a
    ConfigError when the samples are not images."""
    check_augment(options)
    if len(input_shape) != 3:
        raise ConfigError(
            f"Augmentation (shift, rotation, flip, zoom, noise, cutout) varies images "
            f"(C, H, W), but this dataset's samples have shape {format_shape(input_shape)}. "
            f"Turn augmentation off or choose an image dataset.")
    rng = np.random.default_rng([seed, 0xA06])
    return lambda batch: augment(batch, options, rng)
