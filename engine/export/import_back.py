"""Import back: weights trained by an exported PyTorch or NumPy script into the project.

The exported PyTorch script saves its ``state_dict`` as ``.npz`` (plain arrays, no pickle), so
LayerLab reads it without torch. ``read_torch_state(path)`` checks the file (numbers only,
finite, size limits) and ``weights_from_torch(project, state)`` renames and re-lays-out the
arrays to LayerLab's ``"layer/param"`` (``torch_weights.from_torch``), returning them with the
state-dict entries nothing matched (a project changed since the export). A NumPy script's
``NAME_numpy_trained.npz`` already uses LayerLab's names; ``read_exported_weights`` reads
either file (the same checks) and says which kind it is.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from engine import validation
from engine.datasets.registry import load_dataset
from engine.export.plan import ExportError, make_plan
from engine.export.torch_weights import from_torch
from engine.project import Project


def read_torch_state(path: str | Path) -> dict[str, np.ndarray]:
    """``{state-dict name: array}`` from an ``.npz`` saved by the exported script."""
    name = Path(path).name
    bad = (f"'{name}' is not a weights file saved by an exported PyTorch or NumPy script (an "
           ".npz of its weights); export again and train with that script.")
    try:
        with np.load(path, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile) or len(data.files) > 100_000:
                raise ExportError(bad)
            state = {}
            for key in data.files:
                array = data[key]
                if array.dtype.kind not in "biuf" or array.size > validation.MAX_DATA_VALUES:
                    raise ExportError(bad)
                if not np.all(np.isfinite(array)):
                    raise ExportError(f"'{name}' holds {key} with missing (NaN) or infinite "
                                      "values: that run diverged. Train again with a lower "
                                      "learning rate.")
                state[key] = array
    except ExportError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
        raise ExportError(bad) from None
    return state


def read_exported_weights(path: str | Path) -> tuple[dict[str, np.ndarray], str]:
    """(the file's arrays, "numpy" or "torch"): a NumPy script's weights are named as LayerLab
    names them (``"layer/param"``), a PyTorch script's as its ``state_dict``
    (``"layer.weight"``)."""
    arrays = read_torch_state(path)
    return arrays, "numpy" if arrays and all("/" in k for k in arrays) else "torch"


def weights_from_torch(project: Project, state: dict[str, np.ndarray]
                       ) -> tuple[dict[str, np.ndarray], list[str]]:
    """(LayerLab weights, state-dict names no layer of the project took). A GAN's state dict
    (``generator.…`` / ``discriminator.…``, saved by the exported GAN script) needs the two
    networks, which are found from the project's dataset as the trainer finds them."""
    gan = project.recipe == "gan"
    plan = make_plan(project, load_dataset(project.dataset) if gan else None)
    try:
        weights = from_torch(plan, state)
    except (KeyError, ValueError, IndexError):
        raise ExportError("The file's arrays do not fit this network (a layer's entries are "
                          "missing or have other shapes); export the project again and train "
                          "with the new script.") from None
    parts = [("generator.", plan), ("discriminator.", plan.gan.discriminator)] \
        if plan.gan is not None else [("", plan)]
    taken = {prefix + s.var for prefix, part in parts for s in part.steps
             if s.params or s.kind == "BatchNormalization"}
    # the layer an entry belongs to: "hidden.weight" -> hidden, "generator.up.bias" -> that
    unused = sorted(k for k in state if ".".join(k.split(".")[:1 + gan]) not in taken)
    return weights, unused
