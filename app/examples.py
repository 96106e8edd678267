"""The bundled example projects (``assets/examples/*.layerlab.json``) as a list for the gallery.

Only the JSON header is read here (name, description, dataset, layer list), not the full
project, so the gallery opens instantly and a damaged example cannot stop it: such a file is
listed with its problem as description and ``ok=False``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Any

from engine.resources import examples_dir

EXAMPLES_DIR = examples_dir()
SUFFIX = ".layerlab.json"
# The order a course would follow; examples not listed come after, alphabetically.
# the order of a course: perceptron and MLPs, CNNs, sequences and attention, generative models
PREFERRED_ORDER = ("perceptron_and", "xor", "circles", "spiral", "regression_sine",
                   "digits_mlp", "digits_cnn", "shapes_cnn", "overfitting_cnn", "resnet_tiny",
                   "finetune_shapes_pretrained", "finetune_digits",
                   "sine_rnn", "copy_lstm_vs_rnn", "char_lstm", "tiny_transformer",
                   "dates_seq2seq_attention", "ae_digits_2d", "denoising_ae", "vae_digits_2d",
                   "gan_ring_of_gaussians", "gan_digits", "cgan_digits")


@dataclass(frozen=True)
class Example:
    """One example project: where it is and what the gallery card shows."""

    key: str  # file stem, e.g. "spiral"
    path: Path
    name: str
    description: str
    dataset: str
    columns: tuple[tuple[str, int], ...] = field(default=())  # (layer kind, width) in order
    lesson: str = ""
    ok: bool = True


def list_examples(folder: str | Path | None = None) -> list[Example]:
    """Every ``*.layerlab.json`` in ``folder`` (default: the bundled examples), course order."""
    root = Path(folder) if folder is not None else EXAMPLES_DIR
    found = [read_example(p) for p in root.glob("*" + SUFFIX)]
    rank = {key: i for i, key in enumerate(PREFERRED_ORDER)}
    return sorted(found, key=lambda e: (rank.get(e.key, len(rank)), e.key))


def example_path(key: str, folder: str | Path | None = None) -> Path:
    root = Path(folder) if folder is not None else EXAMPLES_DIR
    return root / f"{key}{SUFFIX}"


def read_example(path: Path) -> Example:
    key = path.name[: -len(SUFFIX)]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a project")
    except (OSError, ValueError) as err:
        return Example(key, path, key, f"This example cannot be read ({err}).", "", ok=False)
    dataset = data.get("dataset") or {}
    return Example(
        key=key, path=path, name=str(data.get("name") or key),
        description=str(data.get("description") or ""),
        dataset=str(dataset.get("name", "")) if isinstance(dataset, dict) else "",
        columns=tuple(structure_columns(data.get("graph") or {})),
        lesson=str(data.get("lesson") or ""),
    )


def structure_columns(graph: dict[str, Any]) -> list[tuple[str, int]]:
    """Layers with a width (Input size, units, filters) ordered from the inputs to the output."""
    layers = [l for l in graph.get("layers", []) if isinstance(l, dict) and "name" in l]
    depth = _depths([l["name"] for l in layers], graph.get("edges", []))
    layers.sort(key=lambda l: (depth.get(l["name"], 0), _x(l)))
    columns = []
    for layer in layers:
        width = layer_width(layer)
        if width:
            columns.append((str(layer.get("kind", "")), width))
    return columns


def layer_width(layer: dict[str, Any]) -> int:
    """How many neurons a thumbnail draws for a layer (0: a layer without its own width)."""
    if layer.get("kind") == "Input":
        shape = layer.get("shape") or [1]
        return int(prod(int(s) for s in shape)) if isinstance(shape, list) else 1
    for key in ("units", "filters", "hidden_size"):
        if isinstance(layer.get(key), int):
            return int(layer[key])
    heads, size = layer.get("num_heads"), layer.get("key_dim")
    if isinstance(heads, int) and isinstance(size, int):  # attention: heads × key size
        return heads * size
    return 0


def _x(layer: dict[str, Any]) -> float:
    pos = layer.get("position") or [0, 0]
    return float(pos[0]) if isinstance(pos, list) and pos else 0.0


def _depths(names: list[str], edges: list[Any]) -> dict[str, int]:
    """Longest path from an input, so layers sort left to right even on a messy canvas."""
    depth = {n: 0 for n in names}
    pairs = [(e[0], e[1]) for e in edges if isinstance(e, list) and len(e) >= 2]
    for _ in range(len(names)):
        changed = False
        for src, dst in pairs:
            if src in depth and dst in depth and depth[dst] < depth[src] + 1:
                depth[dst], changed = depth[src] + 1, True
        if not changed:
            break
    return depth
