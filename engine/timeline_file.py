"""The timeline in the weights sidecar: checkpoints saved with ``NAME.layerlab.npz``.

``add_timeline(sidecar, checkpoints)`` adds a run's checkpoints (``engine.checkpoints``) to a
sidecar already written by ``engine.project.save_weights`` (rewritten atomically), under keys
``t:…`` that ``load_weights`` leaves alone, so files with and without a timeline read alike.
Each distinct array is written once (``t:aN``, float32 as recorded); ``t:manifest`` (UTF-8
JSON as uint8) lists per checkpoint its step, epoch, optimizer step count, sample-order state,
metrics, ``{array name: key}`` and a GAN's or the perceptron's own values (``extra``).
``read_timeline(sidecar)`` gives the checkpoints back, or ``[]`` when the file has none.
The run's branches (``SavedBranch``: name, fork step, learning rate, settings, and for a
branch not training its whole state when left and its own timeline) go under ``t:branches``
(JSON: ``{"current": i, "branches": [...]}``, their checkpoints in the manifest's format,
arrays shared with the run's), read back by ``read_branches(sidecar)`` (``([], 0)`` when
none); a damaged timeline raises ``ProjectFileError`` with a plain message (the weights
themselves are read by ``load_weights``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.checkpoints import Checkpoint
from engine.fileio import atomic_write_npz
from engine.types import ProjectFileError

MANIFEST = "t:manifest"
BRANCHES = "t:branches"
MAX_CHECKPOINTS = 10_000
MAX_BRANCHES = 100


@dataclass
class SavedBranch:
    """One branch of a saved timeline (``app.timeline.Branch`` without Qt): ``moments`` are
    empty for the branch that was training (its moments are the run's), whose ``present`` is
    its whole state when saved (None in files of an earlier version); ``graph``: the network
    it trains (``Graph.to_dict()``; None: the project's)."""

    name: str
    fork_step: int | None = None
    learning_rate: float | None = None
    settings: dict[str, Any] | None = None
    present: Checkpoint | None = None
    moments: list[Checkpoint] = field(default_factory=list)
    graph: dict[str, Any] | None = None


def _json_array(value: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(value, default=_plain).encode("utf-8"), dtype=np.uint8)


def _entry(ckpt: Checkpoint, keys: dict[int, str], arrays: dict[str, np.ndarray],
           ) -> dict[str, Any]:
    names: dict[str, str] = {}
    for name, value in ckpt.arrays.items():
        key = keys.get(id(value))
        if key is None:
            key = keys[id(value)] = f"t:a{len(keys)}"
            arrays[key] = value
        names[name] = key
    return {"step": ckpt.step, "epoch": ckpt.epoch, "iterations": ckpt.optimizer_iterations,
            "rng": ckpt.rng_state, "metrics": ckpt.metrics, "arrays": names,
            "epoch_pos": ckpt.epoch_pos, "epoch_losses": list(ckpt.epoch_losses),
            "resumable": ckpt.resumable, "generators": ckpt.generators, "extra": ckpt.extra}


def timeline_arrays(checkpoints: list[Checkpoint], branches: list[SavedBranch] | None = None,
                    current: int = 0) -> dict[str, np.ndarray]:
    """The ``t:`` arrays of ``checkpoints`` (and ``branches``): each shared array once, the
    manifest (and the branch list)."""
    keys: dict[int, str] = {}
    arrays: dict[str, np.ndarray] = {}
    arrays[MANIFEST] = _json_array([_entry(c, keys, arrays) for c in checkpoints])
    if branches:
        listed = [{"name": b.name, "fork_step": b.fork_step, "learning_rate": b.learning_rate,
                   "settings": b.settings, "graph": b.graph,
                   "present": None if b.present is None else _entry(b.present, keys, arrays),
                   "moments": [_entry(c, keys, arrays) for c in b.moments]}
                  for b in branches]
        arrays[BRANCHES] = _json_array({"current": int(current), "branches": listed})
    return arrays


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")


def add_timeline(sidecar: str | Path, checkpoints: list[Checkpoint],
                 branches: list[SavedBranch] | None = None, current: int = 0) -> None:
    """Rewrite ``sidecar`` (written by ``save_weights``) with ``checkpoints`` (and the branch
    list, ``current`` the one training) added."""
    with np.load(sidecar, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("t:")}
    arrays.update(timeline_arrays(checkpoints, branches, current))
    atomic_write_npz(sidecar, arrays)


def _damaged(sidecar: str | Path) -> ProjectFileError:
    return ProjectFileError(
        f"The timeline saved in '{Path(sidecar).name}' is damaged, so only the trained "
        "weights were loaded; save the project again with the timeline to replace it.")


class _Reader:
    """Checkpoints of manifest entries, each array read (and checked) once."""

    def __init__(self, data: Any, sidecar: str | Path) -> None:
        self.data, self.sidecar = data, sidecar
        self.loaded: dict[str, np.ndarray] = {}

    def json(self, key: str) -> Any:
        return json.loads(bytes(self.data[key]).decode("utf-8"))

    def checkpoint(self, entry: dict[str, Any]) -> Checkpoint:
        arrays = {}
        for name, key in dict(entry["arrays"]).items():
            if key not in self.loaded:
                value = self.data[key]
                if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
                    raise _damaged(self.sidecar)
                self.loaded[key] = value
            arrays[str(name)] = self.loaded[key]
        metrics = {str(k): float(v) for k, v in dict(entry.get("metrics", {})).items()}
        return Checkpoint(step=int(entry["step"]), epoch=int(entry["epoch"]), arrays=arrays,
                          optimizer_iterations=int(entry["iterations"]),
                          rng_state=dict(entry["rng"]), metrics=metrics,
                          epoch_pos=int(entry.get("epoch_pos", 0)),
                          epoch_losses=tuple(float(v) for v in entry.get("epoch_losses", [])),
                          resumable=bool(entry.get("resumable", True)),
                          generators=dict(entry.get("generators", {})),
                          extra=dict(entry.get("extra", {})))

    def checkpoints(self, entries: Any) -> list[Checkpoint]:
        if not isinstance(entries, list) or len(entries) > MAX_CHECKPOINTS:
            raise _damaged(self.sidecar)
        return [self.checkpoint(entry) for entry in entries]


def read_timeline(sidecar: str | Path) -> list[Checkpoint]:
    """The checkpoints saved in ``sidecar``; ``[]`` when it holds none."""
    try:
        with np.load(sidecar, allow_pickle=False) as data:
            if MANIFEST not in data.files:
                return []
            reader = _Reader(data, sidecar)
            return reader.checkpoints(reader.json(MANIFEST))
    except ProjectFileError:
        raise
    except Exception:  # noqa: BLE001 - zip, JSON and key errors alike: a damaged file
        raise _damaged(sidecar) from None


def read_branches(sidecar: str | Path) -> tuple[list[SavedBranch], int]:
    """The branch list saved in ``sidecar`` and the index of the one that was training;
    ``([], 0)`` when it holds none."""
    try:
        with np.load(sidecar, allow_pickle=False) as data:
            if BRANCHES not in data.files:
                return [], 0
            reader = _Reader(data, sidecar)
            saved = reader.json(BRANCHES)
            listed = saved["branches"]
            if not isinstance(listed, list) or not 0 < len(listed) <= MAX_BRANCHES:
                raise _damaged(sidecar)
            out = []
            for item in listed:
                present = item.get("present")
                rate, fork = item.get("learning_rate"), item.get("fork_step")
                settings, graph = item.get("settings"), item.get("graph")
                out.append(SavedBranch(
                    name=str(item["name"]), fork_step=None if fork is None else int(fork),
                    learning_rate=None if rate is None else float(rate),
                    settings=dict(settings) if settings is not None else None,
                    present=None if present is None else reader.checkpoint(present),
                    moments=reader.checkpoints(item.get("moments", [])),
                    graph=dict(graph) if isinstance(graph, dict) else None))
            current = int(saved.get("current", 0))
            if not 0 <= current < len(out):
                raise _damaged(sidecar)
            return out, current
    except ProjectFileError:
        raise
    except Exception:  # noqa: BLE001 - zip, JSON and key errors alike: a damaged file
        raise _damaged(sidecar) from None
