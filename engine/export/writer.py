"""Write an exported project to a folder: the script, its weights and its data.

``export_project(project, "numpy" | "torch", folder, weights=None, data=None)`` writes

- ``<stem>_numpy.py`` or ``<stem>_torch.py`` — the readable script;
- ``<stem>_weights.npz`` — the weights: LayerLab's names (``"layer/param"``) for NumPy,
  PyTorch's ``state_dict`` names and layouts for PyTorch (``torch_weights.to_torch``);
- ``<stem>_data.npz`` — the dataset as the loss wants it: ``x_train``, ``y_train`` (targets
  encoded as the engine encodes them: labels, 0/1 or ±1 columns, regression values),
  ``x_val``, ``y_val`` and the raw labels ``labels_train``/``labels_val``.

``weights`` are the project's trained weights (``session.weights_snapshot()`` or the sidecar
``.npz``); without them the project's initial weights from its seed are written. Files are
written atomically; returns their paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.export.plan import ExportError, Plan, make_plan, python_name
from engine.fileio import atomic_write_bytes, atomic_write_npz
from engine.model import Model
from engine.project import Project
from engine.targets import TargetCoder, output_units

TARGETS = ("numpy", "torch")


def export_project(project: Project, target: str, folder: str | Path,
                   weights: dict[str, np.ndarray] | None = None,
                   data: Dataset | None = None) -> list[Path]:
    """Write the script, weights and data of ``project`` for ``target`` into ``folder``."""
    if target not in TARGETS:
        raise ExportError(f"Unknown export target '{target}'; choose numpy or torch.")
    data = data if data is not None else load_dataset(project.dataset)
    plan = make_plan(project, data)
    stem = script_stem(project.name)
    if plan.gan is not None:
        return _export_gan(project, plan, target, Path(folder), weights, data)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    if weights:
        model.set_weights(weights)
    arrays = model.get_weights()
    if target == "numpy":
        from engine.export.numpy_script import numpy_script

        source = numpy_script(plan, stem)
    else:
        from engine.export.torch_script import torch_script
        from engine.export.torch_weights import to_torch

        source = torch_script(plan, stem)
        arrays = to_torch(plan, arrays)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / f"{stem}_{target}.py"
    atomic_write_bytes(script, source.encode("utf-8"))
    weights_file = folder / f"{stem}_weights.npz"
    atomic_write_npz(weights_file, arrays)
    data_file = folder / f"{stem}_data.npz"
    atomic_write_npz(data_file, data_arrays(plan, data, model))
    return [script, weights_file, data_file]


def _export_gan(project: Project, plan: Plan, target: str, folder: Path,
                weights: dict[str, np.ndarray] | None, data: Dataset) -> list[Path]:
    """A GAN: both networks' weights (float64, seeded as the engine seeds them; torch names
    for PyTorch, LayerLab's for NumPy) and the real samples."""
    from engine.export.numpy_gan import numpy_gan_script
    from engine.export.torch_gan import torch_gan_script
    from engine.export.torch_weights import to_torch
    from engine.generative.gan import split_gan

    assert plan.gan is not None
    g_graph, d_graph = split_gan(project.graph, plan.gan.discriminator.input_shape)
    seed = project.training.seed
    arrays: dict[str, np.ndarray] = {}
    for graph, s in ((g_graph, seed), (d_graph, seed + 1)):
        model = Model(graph, seed=s, dtype=np.float64)
        if weights:
            model.set_weights(weights)
        arrays.update(model.get_weights())
    stem = script_stem(project.name)
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / f"{stem}_{target}.py"
    source = numpy_gan_script(plan, stem) if target == "numpy" else torch_gan_script(plan, stem)
    atomic_write_bytes(script, source.encode("utf-8"))
    weights_file, data_file = folder / f"{stem}_weights.npz", folder / f"{stem}_data.npz"
    atomic_write_npz(weights_file, arrays if target == "numpy" else to_torch(plan, arrays))
    atomic_write_npz(data_file, {"x_train": np.asarray(data.x_train, np.float64),
                                 "x_val": np.asarray(data.x_val, np.float64),
                                 "labels_train": np.asarray(data.y_train),
                                 "labels_val": np.asarray(data.y_val)})
    return [script, weights_file, data_file]


def script_stem(name: str) -> str:
    """The file-name stem of a project's exported files (``"Digits CNN"`` -> ``digits_cnn``)."""
    return python_name(name, set())


def data_arrays(plan: Plan, data: Dataset, model: Model) -> dict[str, Any]:
    """The dataset with targets encoded as the engine's loss sees them (float64 inputs);
    autoencoder and VAE: the target is the input, shaped as the output."""
    if plan.reconstruction is not None:
        x_train, x_val = (np.asarray(x, np.float64) for x in (data.x_train, data.x_val))
        return {"x_train": x_train, "y_train": x_train.reshape(len(x_train), *model.output_shape),
                "x_val": x_val, "y_val": x_val.reshape(len(x_val), *model.output_shape),
                "labels_train": np.asarray(data.y_train), "labels_val": np.asarray(data.y_val)}
    coder = TargetCoder(plan.task, plan.n_classes, output_units(model.output_shape),
                        plan.encoding)
    return {"x_train": np.asarray(data.x_train, np.float64),
            "y_train": coder.encode(data.y_train, np.float64),
            "x_val": np.asarray(data.x_val, np.float64),
            "y_val": coder.encode(data.y_val, np.float64),
            "labels_train": np.asarray(data.y_train), "labels_val": np.asarray(data.y_val)}
