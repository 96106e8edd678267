"""The spec of an edited point set: any 2-D dataset becomes the ``"points"`` dataset.

Kept apart from ``engine.datasets.points`` because it reads the defaults of the dataset it
replaces from the registry, and the registry imports ``points`` (the ``"points"`` entry): here
the import goes one way only (point_edits -> registry -> points).
"""

from __future__ import annotations

from typing import Any

from engine.datasets.base import CLASSIFICATION
from engine.datasets.registry import dataset_options


def edited_spec(spec: dict[str, Any], rows: list[list[float | int]],
                data: Any = None) -> dict[str, Any]:
    """The spec of the ``"points"`` dataset holding ``rows`` after an edit of ``spec``'s data.

    A points spec just gets the new rows. Any other 2-D dataset becomes a points dataset with
    its points as shown (so rescaling is dropped: the rows are already rescaled), keeping its
    input features, polynomial degree, seed and validation share and, when ``data`` is given,
    its class names and number of classes.
    """
    if spec.get("name") == "points":
        return {**spec, "points": [list(r) for r in rows]}
    defaults = dataset_options(spec["name"])
    out: dict[str, Any] = {"name": "points", "points": [list(r) for r in rows]}
    for key in ("features", "poly_degree", "seed", "val_split"):
        value = spec.get(key, defaults.get(key))
        if value is not None:
            out[key] = value
    if data is not None and getattr(data, "task", None) == CLASSIFICATION:
        out["n_classes"] = int(data.n_classes)
        out["class_names"] = list(data.class_names)
    return out
