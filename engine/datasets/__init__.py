"""Datasets: generated teaching sets, scikit-learn's digits and importers for the learner's files.

Use ``load_dataset({"name": "spiral", "n_samples": 400})``; see ``registry`` for the catalogue
and ``base.Dataset`` for the data model.
"""

from engine.datasets.base import Dataset, RawData, one_hot
from engine.datasets.registry import (
    DATASET_NAMES,
    dataset_catalog,
    dataset_option_specs,
    dataset_options,
    load_dataset,
)

__all__ = ["Dataset", "RawData", "one_hot", "DATASET_NAMES", "dataset_catalog",
           "dataset_option_specs", "dataset_options", "load_dataset"]
