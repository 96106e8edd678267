"""The digits examples open without importing scikit-learn (2–3 s of SciPy): the bundled
table is read directly, and it is exactly what ``sklearn.datasets.load_digits`` returns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from engine.datasets.digits import digits

ROOT = Path(__file__).resolve().parents[2]


def test_same_digits_as_scikit_learn():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    raw = digits()
    np.testing.assert_array_equal(raw.x, (bunch.data / 16.0).astype(np.float32))
    np.testing.assert_array_equal(raw.y, bunch.target)
    assert digits(as_image=True).x.shape == (1797, 1, 8, 8)


def test_loading_digits_does_not_import_scikit_learn():
    code = ("import sys; from engine.datasets.digits import digits; digits(); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120).stdout.strip()
    assert out == "False"
