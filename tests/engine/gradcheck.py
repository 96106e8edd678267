"""Finite-difference gradient checking in float64, shared by the engine tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def numeric_grad(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to ``x`` (modified in place)."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def assert_close(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-5,
                 atol: float = 1e-7, what: str = "") -> None:
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def assert_backends_agree(results: list, dtype: Any) -> None:
    """``results``: two ``(output, input grads, {param: grad})`` runs of one layer (numba and
    numpy): equal within float32 or float64 tolerance."""
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    (y1, g1, p1), (y2, g2, p2) = results
    np.testing.assert_allclose(y1, y2, **tol)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, **tol)
    for key in p1:
        np.testing.assert_allclose(p1[key], p2[key], **tol, err_msg=key)
