"""Generated teaching datasets (numpy only, fully determined by the seed's random generator).

2-D classification sets live roughly in ``[-1.5, 1.5]²`` with inputs ``x: (N, 2)`` and labels
``y: (N,)``, classes balanced (counts differ by at most one): ``spiral`` (interleaved arms as in
TensorFlow Playground), ``circles``, ``moons``, ``xor`` (four quadrants), ``blobs`` (Gaussian
clusters) and ``linear`` (separable by a line, with a margin). 1-D regression sets have
``x: (N, 1)`` and ``y: (N, 1)``: ``sine``, ``polynomial`` and ``step``. ``noise`` is the
standard deviation of Gaussian jitter added to the points (classification) or to the targets
(regression). The logic gates ``and``, ``or``, ``nand`` and ``xor_gate`` are the four corners
of ``{0, 1}²`` with their truth table as labels, for the perceptron.
"""

from __future__ import annotations

import numpy as np

from engine.datasets.base import CLASSIFICATION, REGRESSION, RawData
from engine.types import ConfigError

XY = ["x1", "x2"]
TURNS = 1.75  # spiral arms wind 1.75 times around the centre, as in TensorFlow Playground


def class_counts(n_samples: int, n_classes: int) -> list[int]:
    """``(10, 3)`` -> ``[4, 3, 3]``: balanced counts that sum to ``n_samples``."""
    if n_samples < 2 * n_classes:
        raise ConfigError(
            f"{n_samples} samples are too few for {n_classes} classes: use at least "
            f"{2 * n_classes} so every class appears in training and validation."
        )
    return [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]


def _classes(parts: list[np.ndarray], noise: float, rng: np.random.Generator,
             class_names: list[str], description: str) -> RawData:
    """Stack per-class point arrays ``(n_k, 2)`` into a RawData with jitter ``noise``."""
    x = np.concatenate(parts)
    x = x + noise * rng.standard_normal(x.shape)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    return RawData(x.astype(np.float32), y, CLASSIFICATION, len(parts), list(XY), class_names,
                   description)


def spiral(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 2
           ) -> RawData:
    """``n_classes`` arms; arm k: radius r ~ U(0, 1), angle ``2π·(1.75·r + k/K)``."""
    parts = []
    for k, m in enumerate(class_counts(n_samples, n_classes)):
        r = rng.uniform(0.0, 1.0, m)
        t = 2 * np.pi * (TURNS * r + k / n_classes)
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    names = [f"arm {k + 1}" for k in range(n_classes)]
    return _classes(parts, noise, rng, names,
                    f"Spiral: {n_classes} interleaved arms, {n_samples} points, noise {noise:g}")


def circles(n_samples: int, noise: float, rng: np.random.Generator, factor: float = 0.5
            ) -> RawData:
    """Outer ring of radius 1 (class 0) around an inner ring of radius ``factor`` (class 1)."""
    parts = []
    for radius, m in zip((1.0, factor), class_counts(n_samples, 2)):
        t = rng.uniform(0.0, 2 * np.pi, m)
        parts.append(radius * np.stack([np.cos(t), np.sin(t)], axis=1))
    return _classes(parts, noise, rng, ["outer ring", "inner ring"],
                    f"Circles: a ring inside a ring (radius ratio {factor:g}), {n_samples} "
                    f"points, noise {noise:g}")


def moons(n_samples: int, noise: float, rng: np.random.Generator) -> RawData:
    """Two interleaved half circles (scikit-learn's shape), centred on the origin."""
    m0, m1 = class_counts(n_samples, 2)
    t0, t1 = rng.uniform(0.0, np.pi, m0), rng.uniform(0.0, np.pi, m1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    shift = np.array([0.5, 0.25])
    return _classes([upper - shift, lower - shift], noise, rng,
                    ["upper moon", "lower moon"],
                    f"Moons: two interleaved half circles, {n_samples} points, noise {noise:g}")


def xor(n_samples: int, noise: float, rng: np.random.Generator, padding: float = 0.05
        ) -> RawData:
    """Points in the four quadrants of ``[-1, 1]²``; class 1 where x1 and x2 differ in sign."""
    parts = []
    for k, m in enumerate(class_counts(n_samples, 2)):
        mag = rng.uniform(padding, 1.0, (m, 2))
        same = rng.integers(0, 2, m) * 2 - 1  # ±1: which of the class's two quadrants
        sign = np.stack([same, same * (1 if k == 0 else -1)], axis=1)
        parts.append(mag * sign)
    return _classes(parts, noise, rng, ["same sign", "different sign"],
                    f"XOR: four quadrants, opposite corners share a class, {n_samples} points, "
                    f"noise {noise:g}")


def blobs(n_samples: int, noise: float, rng: np.random.Generator, n_classes: int = 3,
          cluster_std: float = 0.35) -> RawData:
    """Gaussian clusters whose centres sit evenly on a circle of radius 1.5 (random turn)."""
    turn = rng.uniform(0.0, 2 * np.pi)
    parts = []
    for k, m in enumerate(class_counts(n_samples, n_classes)):
        angle = turn + 2 * np.pi * k / n_classes
        centre = 1.5 * np.array([np.cos(angle), np.sin(angle)])
        parts.append(centre + cluster_std * rng.standard_normal((m, 2)))
    return _classes(parts, noise, rng, [f"blob {k + 1}" for k in range(n_classes)],
                    f"Blobs: {n_classes} Gaussian clusters (spread {cluster_std:g}), "
                    f"{n_samples} points")


def linear(n_samples: int, noise: float, rng: np.random.Generator, margin: float = 0.2
           ) -> RawData:
    """Uniform points in ``[-1, 1]²`` on both sides of a random line through the origin,
    none closer to it than ``margin / 2`` (before the jitter ``noise``)."""
    angle = rng.uniform(0.0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    parts = []
    for k, m in enumerate(class_counts(n_samples, 2)):
        side, have = (1.0 if k == 1 else -1.0), 0
        got: list[np.ndarray] = []
        while have < m:
            cand = rng.uniform(-1.0, 1.0, (4 * m + 16, 2))
            got.append(cand[side * (cand @ normal) >= margin / 2])
            have += len(got[-1])
        parts.append(np.concatenate(got)[:m])
    return _classes(parts, noise, rng, ["side A", "side B"],
                    f"Linear: two classes split by a straight line (margin {margin:g}), "
                    f"{n_samples} points, noise {noise:g}")


def _curve(x: np.ndarray, clean: np.ndarray, noise: float, rng: np.random.Generator,
           description: str) -> RawData:
    """``x: (N,)``, ``clean: (N,)`` -> RawData with ``x: (N, 1)``, ``y: (N, 1)`` + jitter."""
    y = clean + noise * rng.standard_normal(clean.shape)
    return RawData(x.reshape(-1, 1).astype(np.float32), y.reshape(-1, 1).astype(np.float32),
                   REGRESSION, 0, ["x"], [], description)


def sine(n_samples: int, noise: float, rng: np.random.Generator, frequency: float = 1.0,
         amplitude: float = 1.0) -> RawData:
    """``y = amplitude · sin(frequency · x)`` for ``x ~ U(-π, π)``."""
    x = rng.uniform(-np.pi, np.pi, n_samples)
    return _curve(x, amplitude * np.sin(frequency * x), noise, rng,
                  f"Sine: y = {amplitude:g}·sin({frequency:g}·x) on [-π, π], {n_samples} "
                  f"points, noise {noise:g}")


def polynomial(n_samples: int, noise: float, rng: np.random.Generator, degree: int = 3,
               coeffs: list[float] | None = None) -> RawData:
    """``y = Σ coeffs[i]·xⁱ`` for ``x ~ U(-1, 1)``; without ``coeffs`` the Chebyshev
    polynomial of the given degree (it wiggles between -1 and 1, ``degree`` times)."""
    x = rng.uniform(-1.0, 1.0, n_samples)
    if coeffs is None:
        clean = np.polynomial.chebyshev.chebval(x, [0.0] * degree + [1.0])
        what = f"Chebyshev polynomial of degree {degree}"
    else:
        clean = np.polynomial.polynomial.polyval(x, coeffs)
        what = "y = " + " + ".join(f"{c:g}·x^{i}" for i, c in enumerate(coeffs))
    return _curve(x, clean, noise, rng,
                  f"Polynomial: {what} on [-1, 1], {n_samples} points, noise {noise:g}")


def step(n_samples: int, noise: float, rng: np.random.Generator, steps: int = 1) -> RawData:
    """A staircase on ``x ~ U(-1, 1)``: ``steps`` jumps, levels 0, 1/steps, ..., 1."""
    x = rng.uniform(-1.0, 1.0, n_samples)
    level = np.minimum(np.floor((x + 1.0) / 2.0 * (steps + 1)), steps) / steps
    return _curve(x, level, noise, rng,
                  f"Step: a staircase with {steps} jump(s) on [-1, 1], {n_samples} points, "
                  f"noise {noise:g}")


GATE_TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0],
               "xor_gate": [0, 1, 1, 0]}
GATE_TITLES = {"and": "AND", "or": "OR", "nand": "NAND", "xor_gate": "XOR"}


def gate(name: str) -> RawData:
    """The truth table of a logic gate: ``x: (4, 2)`` corners of ``{0, 1}²``, ``y: (4,)``."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array(GATE_TABLES[name], dtype=np.int64)
    title = GATE_TITLES[name]
    return RawData(x, y, CLASSIFICATION, 2, ["a", "b"], ["0", "1"],
                   f"{title} gate: the 4 inputs (a, b) in {{0, 1}}² and their {title} output",
                   fixed_split=(x.copy(), y.copy()))
