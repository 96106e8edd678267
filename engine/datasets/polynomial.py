"""Polynomial input features: every product of the inputs up to a degree, rescaled.

A dataset with 1 or 2 network inputs may ask for ``"poly_degree": d``. The network then
receives, instead of the inputs, every monomial of degree 1 to ``d`` in a fixed order — 1-D:
x, x², …, x^d; 2-D: x₁, x₂, x₁², x₁·x₂, x₂², x₁³, … (``itertools.combinations_with_replacement``
of the input positions, degree by degree) — each column standardized (mean 0, spread 1) with
the training part's statistics. This is exactly what the capacity sweep's ``degree`` variant
trains on (``engine.sweep.polynomial_data`` calls ``fit_polynomial``), so a sweep's best degree
can be applied to the project. The inputs before the expansion stay in the dataset
(``Dataset.x_train_base``), and ``Polynomial.apply`` turns any new points (a probe grid in the
x₁/x₂ plane, a curve along x) into network inputs with the same statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement
from math import comb
from typing import Any

import numpy as np

from engine.types import ConfigError

MAX_DEGREE = 10
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def poly_terms(n_inputs: int, degree: int) -> list[tuple[int, ...]]:
    """The monomials as tuples of input positions, degree 1 first: ``(2, 2)`` ->
    ``[(0,), (1,), (0, 0), (0, 1), (1, 1)]``."""
    return [c for k in range(1, degree + 1)
            for c in combinations_with_replacement(range(n_inputs), k)]


def poly_size(n_inputs: int, degree: int) -> int:
    """How many columns ``degree`` gives for ``n_inputs`` inputs: C(n + d, d) − 1."""
    return comb(n_inputs + degree, degree) - 1


def term_name(term: tuple[int, ...], names: list[str]) -> str:
    """``(0, 0, 1)`` with names ``["x1", "x2"]`` -> ``"x1²·x2"``."""
    parts = []
    for j in sorted(set(term)):
        power = term.count(j)
        parts.append(names[j] + (str(power).translate(SUPERSCRIPTS) if power > 1 else ""))
    return "·".join(parts)


def expand(x: np.ndarray, terms: list[tuple[int, ...]]) -> np.ndarray:
    """``x: (N, D)`` -> ``(N, P)`` float64 products, one column per term."""
    x64 = np.asarray(x).astype(np.float64)
    if not terms or len(x64) == 0:
        return np.zeros((len(x64), len(terms)))
    return np.stack([np.prod(x64[:, list(t)], axis=1) for t in terms], axis=1)


@dataclass(frozen=True)
class Polynomial:
    """A fitted expansion: ``terms`` and the training statistics ``mean``/``std`` (P,)."""

    degree: int
    n_inputs: int
    terms: tuple[tuple[int, ...], ...]
    mean: np.ndarray  # (P,) float64
    std: np.ndarray  # (P,) float64, 1 where a column is constant
    base_names: tuple[str, ...]  # the inputs' names before the expansion

    @property
    def names(self) -> list[str]:
        return [term_name(t, list(self.base_names)) for t in self.terms]

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``x: (N, D)`` inputs -> ``(N, P)`` float32 standardized monomials."""
        return ((expand(x, list(self.terms)) - self.mean) / self.std).astype(np.float32)


def check_degree(value: Any, n_inputs: int, dataset: str, shape_text: str) -> int | None:
    """The checked degree (None: no expansion), or a ``ConfigError`` for the learner."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or not 1 <= value <= MAX_DEGREE:
        raise ConfigError(f"The option 'poly_degree' of the dataset '{dataset}' must be a "
                          f"whole number between 1 and {MAX_DEGREE} (or empty: no polynomial "
                          f"features), but it is {value!r}.")
    if n_inputs not in (1, 2):
        raise ConfigError(f"Polynomial features are made from 1 or 2 inputs, but the dataset "
                          f"'{dataset}' gives {shape_text} per sample. Clear 'Polynomial "
                          f"features' in the Dataset panel.")
    return int(value)


def fit_polynomial(x_train: np.ndarray, degree: int, base_names: list[str]) -> Polynomial:
    """Fit the expansion on ``x_train: (N, D)`` (D = 1 or 2): statistics of the training
    part only, as the capacity sweep does."""
    d = int(x_train.shape[1])
    terms = poly_terms(d, degree)
    tr = expand(x_train, terms)
    if len(tr) == 0:  # no training points yet (a point set being drawn): plain monomials
        return Polynomial(degree, d, tuple(terms), np.zeros(len(terms)), np.ones(len(terms)),
                          tuple(_names(base_names, d)))
    mean, std = tr.mean(axis=0), tr.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return Polynomial(degree, d, tuple(terms), mean, std, tuple(_names(base_names, d)))


def _names(base_names: list[str], d: int) -> list[str]:
    return list(base_names) if len(base_names) == d else [f"x{j + 1}" for j in range(d)]
