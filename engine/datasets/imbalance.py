"""Class imbalance on demand: keep only a share of one class's samples (a "rare" class).

Used by every generated 2-D classification set and by imported data (CSV, NumPy, IDX, image
folders, digits) through the options ``imbalance`` (share of the rare class kept, 1 = all)
and ``rare_class`` (its number). Done before the train/validation split, so both parts show
the same imbalance; the kept samples are chosen with the dataset's seed.
"""

from __future__ import annotations

import numpy as np

from engine.datasets.options import Option
from engine.types import ConfigError

IMBALANCE = Option("imbalance", 1.0, "float", "Share of the rare class's samples to keep "
                   "(1: all of them; 0.1: one in ten), to study imbalanced classes.",
                   low=0.01, high=1.0)
RARE = Option("rare_class", 1, "int", "Which class (0, 1, ...) becomes rare when imbalance "
              "is below 1.", low=0, high=1000)
OPTIONS = [IMBALANCE, RARE]


def keep_indices(y: np.ndarray, share: float, rare: int, rng: np.random.Generator,
                 dataset: str) -> np.ndarray | None:
    """Indices (sorted) of the samples kept when class ``rare`` keeps ``share`` of its
    samples (at least 2, so it still appears in training and validation); y: (N,) labels.
    None when nothing changes (``share`` 1)."""
    if share >= 1.0:
        return None
    labels = np.asarray(y).reshape(len(y), -1)[:, 0]
    members = np.flatnonzero(labels == rare)
    if len(members) == 0:
        present = ", ".join(str(int(c)) for c in np.unique(labels))
        raise ConfigError(f"The dataset '{dataset}' has no class {rare} to make rare; its "
                          f"classes are {present}. Change 'rare_class'.")
    keep = max(2, int(round(share * len(members))))
    dropped = rng.permutation(members)[keep:]
    mask = np.ones(len(labels), dtype=bool)
    mask[dropped] = False
    return np.flatnonzero(mask)
