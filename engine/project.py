"""Project files (``*.layerlab.json``): versioned JSON + a sidecar ``.npz`` for weights.

The JSON holds the graph (layers, options, canvas positions, edges), the dataset spec, the
training recipe and its hyper-parameters (seed included), the view layout and an optional
lesson text. Weights and training history go to ``NAME.layerlab.npz`` beside it. Reading a
corrupt, truncated or newer-version file raises ``ProjectFileError`` with advice; writing is
atomic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.fileio import atomic_write_json, atomic_write_npz
from engine.graph import Graph
from engine.training import TrainConfig
from engine.types import LayerLabError, ProjectFileError

FORMAT = "layerlab-project"
VERSION = 1
RECIPES = ("supervised", "perceptron", "autoencoder", "vae", "gan")
SUFFIX = ".layerlab.json"


@dataclass
class Project:
    """Everything a learner builds, minus the trained weights."""

    graph: Graph = field(default_factory=Graph)
    dataset: dict[str, Any] = field(default_factory=lambda: {"name": "spiral"})
    training: TrainConfig = field(default_factory=TrainConfig)
    recipe: str = "supervised"
    name: str = "Untitled"
    description: str = ""
    lesson: str = ""
    view: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "name": self.name,
            "description": self.description, "lesson": self.lesson, "recipe": self.recipe,
            "graph": self.graph.to_dict(), "dataset": dict(self.dataset),
            "training": self.training.to_dict(), "view": dict(self.view),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "the project") -> Project:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ProjectFileError(f"{source} is not a LayerLab project file.")
        version = data.get("version")
        if not isinstance(version, int) or version < 1:
            raise ProjectFileError(f"{source} has no valid format version.")
        if version > VERSION:
            raise ProjectFileError(
                f"{source} was saved by a newer LayerLab (file format {version}); this version "
                f"reads formats up to {VERSION}. Update LayerLab to open it."
            )
        recipe = data.get("recipe", "supervised")
        if recipe not in RECIPES:
            raise ProjectFileError(f"{source} uses an unknown training recipe '{recipe}'.")
        try:
            return cls(
                graph=Graph.from_dict(data.get("graph", {})),
                dataset=dict(data.get("dataset", {"name": "spiral"})),
                training=TrainConfig.from_dict(data.get("training", {})),
                recipe=recipe, name=str(data.get("name", "Untitled")),
                description=str(data.get("description", "")), lesson=str(data.get("lesson", "")),
                view=dict(data.get("view", {})),
            )
        except LayerLabError as err:
            raise ProjectFileError(f"{source} cannot be loaded: {err}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ProjectFileError(
                f"{source} is damaged: an entry is missing or has the wrong type ({err})."
            ) from None


def load_project(path: str | Path) -> Project:
    """Read a project file or raise a ProjectFileError a learner can act on."""
    path = Path(path)
    name = f"'{path.name}'"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectFileError(f"The file {name} does not exist.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProjectFileError(f"The file {name} cannot be read: {err}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ProjectFileError(
            f"The file {name} is corrupt or truncated (invalid JSON at line {err.lineno}, "
            f"column {err.colno}). Nothing was changed; open a backup or an example instead."
        ) from None
    return Project.from_dict(data, f"The file {name}")


def save_project(project: Project, path: str | Path) -> None:
    """Atomic save (temp file + rename)."""
    atomic_write_json(path, project.to_dict())


def weights_path(project_path: str | Path) -> Path:
    """``spiral.layerlab.json`` -> ``spiral.layerlab.npz``."""
    path = Path(project_path)
    stem = path.name[: -len(".json")] if path.name.endswith(".json") else path.name
    return path.with_name(stem + ".npz")


def save_weights(path: str | Path, weights: dict[str, np.ndarray],
                 history: dict[str, list[float]] | None = None) -> None:
    arrays = {f"w:{k}": v for k, v in weights.items()}
    for key, values in (history or {}).items():
        arrays[f"h:{key}"] = np.asarray(values, dtype=np.float64)
    atomic_write_npz(path, arrays)


def load_weights(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, list[float]]]:
    try:
        with np.load(path) as data:
            weights = {k[2:]: data[k] for k in data.files if k.startswith("w:")}
            history = {k[2:]: data[k].tolist() for k in data.files if k.startswith("h:")}
    except (OSError, ValueError) as err:
        raise ProjectFileError(f"The weights file '{Path(path).name}' is damaged: {err}") from None
    return weights, history
