"""Project files (``*.layerlab.json``): versioned JSON + a sidecar ``.npz`` for weights.

The JSON holds the graph (layers, options, canvas positions, edges), the dataset spec, the
training recipe and its hyper-parameters (seed included), the view layout and an optional
lesson text. Weights and training history go to ``NAME.layerlab.npz`` beside it. Reading a
corrupt, truncated or newer-version file raises ``ProjectFileError`` with advice; writing is
atomic.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine import validation
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
        """A project from parsed JSON; every entry is checked (``engine.validation``) and any
        problem is a ``ProjectFileError`` naming the file, the entry and the fix."""
        recipe = _check_header(data, source)
        section = "its entries"
        try:
            section = "its name, description or lesson"
            texts = {key: validation.text(data.get(key, default), f"The project's {key}",
                                          limit)
                     for key, default, limit in (
                         ("name", "Untitled", validation.MAX_NAME_CHARS),
                         ("description", "", validation.MAX_TEXT_CHARS),
                         ("lesson", "", validation.MAX_TEXT_CHARS))}
            section = "the 'dataset' section"
            dataset = dict(validation.mapping(data.get("dataset", {"name": "spiral"}),
                                              "The 'dataset' section"))
            section = "the 'view' section"
            view = dict(validation.mapping(data.get("view", {}), "The 'view' section"))
            section = "the 'training' section"
            training = TrainConfig.from_dict(
                validation.mapping(data.get("training", {}), "The 'training' section"))
            section = "the 'graph' section"
            graph = Graph.from_dict(data.get("graph", {}))
        except LayerLabError as err:
            raise ProjectFileError(f"{source} cannot be loaded: {err}") from None
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError):
            raise ProjectFileError(
                f"{source} is damaged: an entry in {section} is missing or has the wrong type. "
                "Nothing was changed; open a backup or an example instead."
            ) from None
        return cls(graph=graph, dataset=dataset, training=training, recipe=recipe,
                   view=view, **texts)


def _check_header(data: Any, source: str) -> str:
    """Check a parsed project file's format, version and recipe; return the recipe."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(f"{source} is not a LayerLab project file.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(f"{source} has no valid format version.")
    if version > VERSION:
        raise ProjectFileError(
            f"{source} was saved by a newer LayerLab (file format {version}); this version "
            f"reads formats up to {VERSION}. Update LayerLab to open it."
        )
    recipe = data.get("recipe", "supervised")
    if recipe not in RECIPES:
        raise ProjectFileError(f"{source} uses an unknown training recipe "
                               f"{validation.describe(recipe)}; it must be one of "
                               f"{', '.join(RECIPES)}.")
    return str(recipe)


def load_project(path: str | Path) -> Project:
    """Read a project file or raise a ProjectFileError a learner can act on.

    The limits of ``engine.validation`` apply: file size, nesting depth, number length,
    finite numbers, texts without broken characters."""
    path = Path(path)
    name = f"'{validation.describe(path.name)[1:-1]}'"
    try:
        size = path.stat().st_size
        if size > validation.MAX_PROJECT_BYTES:
            raise ProjectFileError(
                f"The file {name} is {size / 2**20:.0f} MB; LayerLab opens project files up to "
                f"{validation.MAX_PROJECT_BYTES // 2**20} MB. It is not a project file, or its "
                "lesson or layers are far too large.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectFileError(f"The file {name} does not exist.") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{name} is a folder, not a project file.") from None
    except UnicodeDecodeError:
        raise ProjectFileError(f"The file {name} is not a LayerLab project file (it is not "
                               "text); open a .layerlab.json file.") from None
    except OSError as err:
        reason = err.strerror or "it cannot be opened"
        raise ProjectFileError(f"The file {name} cannot be read ({reason.lower()}).") from None
    data = validation.parse_json(text, f"The file {name}", ProjectFileError)
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
    """``(weights, history)`` from a sidecar ``.npz``, every array checked: plain finite
    numbers (weights), 1-D numbers (history; NaN allowed there: an epoch without a validation
    loss). Any problem is a ``ProjectFileError`` that says what to do; nothing is half-read."""
    path = Path(path)
    name = f"'{validation.describe(path.name)[1:-1]}'"
    if not path.is_file():
        raise ProjectFileError(f"The weights file {name} does not exist (the project was saved "
                               "without trained weights, or the file was moved). Train again, "
                               "or put the .npz file beside the project file.")
    damaged = (f"The weights file {name} is damaged or is not a LayerLab weights file; train "
               "again and save, or restore the file from a backup.")
    try:
        with np.load(path, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ProjectFileError(damaged)
            if len(data.files) > 100_000:
                raise ProjectFileError(damaged)
            weights = {k[2:]: _checked_array(data, k, name, True)
                       for k in data.files if k.startswith("w:")}
            history = {k[2:]: _checked_array(data, k, name, False).tolist()
                       for k in data.files if k.startswith("h:")}
    except ProjectFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, MemoryError,
            NotImplementedError, RuntimeError, zlib.error):
        raise ProjectFileError(damaged) from None
    return weights, history


def _checked_array(data: Any, key: str, name: str, weight: bool) -> np.ndarray:
    """One array of the sidecar: declared size first (a header may claim terabytes), then
    numbers only, then finite weights."""
    entry = validation.describe(key[2:])
    array = data[key]
    if array.size > validation.MAX_DATA_VALUES or array.dtype.kind not in "biuf":
        raise ProjectFileError(f"The weights file {name} holds {entry}, which is not an array "
                               "of plain numbers; the file is damaged. Train again and save.")
    if weight and not np.all(np.isfinite(array)):
        raise ProjectFileError(f"The weights file {name} holds {entry} with missing (NaN) or "
                               "infinite values — it was saved from a run that diverged. Train "
                               "again (with a lower learning rate) and save.")
    if not weight and array.ndim != 1:
        raise ProjectFileError(f"The weights file {name} holds a training history {entry} "
                               "that is not a list of numbers; the file is damaged.")
    return array
