"""The timeline in the weights sidecar: checkpoints saved with ``NAME.layerlab.npz``.

``add_timeline(sidecar, checkpoints)`` adds a run's checkpoints (``engine.checkpoints``) to a
sidecar already written by ``engine.project.save_weights`` (rewritten atomically), under keys
``t:…`` that ``load_weights`` leaves alone, so files with and without a timeline read alike.
Each distinct array is written once (``t:aN``, float32 as recorded); ``t:manifest`` (UTF-8
JSON as uint8) lists per checkpoint its step, epoch, optimizer step count, sample-order state,
metrics and ``{array name: key}``. ``read_timeline(sidecar)`` gives the checkpoints back, or
``[]`` when the file has none; a damaged timeline raises ``ProjectFileError`` with a plain
message (the weights themselves are read by ``load_weights``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from engine.checkpoints import Checkpoint
from engine.fileio import atomic_write_npz
from engine.types import ProjectFileError

MANIFEST = "t:manifest"
MAX_CHECKPOINTS = 10_000


def timeline_arrays(checkpoints: list[Checkpoint]) -> dict[str, np.ndarray]:
    """The ``t:`` arrays of ``checkpoints``: each shared array once, and the manifest."""
    keys: dict[int, str] = {}
    arrays: dict[str, np.ndarray] = {}
    manifest: list[dict[str, Any]] = []
    for ckpt in checkpoints:
        names: dict[str, str] = {}
        for name, value in ckpt.arrays.items():
            key = keys.get(id(value))
            if key is None:
                key = keys[id(value)] = f"t:a{len(keys)}"
                arrays[key] = value
            names[name] = key
        manifest.append({"step": ckpt.step, "epoch": ckpt.epoch,
                         "iterations": ckpt.optimizer_iterations, "rng": ckpt.rng_state,
                         "metrics": ckpt.metrics, "arrays": names, "epoch_pos": ckpt.epoch_pos,
                         "epoch_losses": list(ckpt.epoch_losses)})
    text = json.dumps(manifest, default=_plain)
    arrays[MANIFEST] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return arrays


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")


def add_timeline(sidecar: str | Path, checkpoints: list[Checkpoint]) -> None:
    """Rewrite ``sidecar`` (written by ``save_weights``) with ``checkpoints`` added."""
    with np.load(sidecar, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("t:")}
    arrays.update(timeline_arrays(checkpoints))
    atomic_write_npz(sidecar, arrays)


def read_timeline(sidecar: str | Path) -> list[Checkpoint]:
    """The checkpoints saved in ``sidecar``; ``[]`` when it holds none."""
    damaged = (f"The timeline saved in '{Path(sidecar).name}' is damaged, so only the trained "
               "weights were loaded; save the project again with the timeline to replace it.")
    try:
        with np.load(sidecar, allow_pickle=False) as data:
            if MANIFEST not in data.files:
                return []
            manifest = json.loads(bytes(data[MANIFEST]).decode("utf-8"))
            if not isinstance(manifest, list) or len(manifest) > MAX_CHECKPOINTS:
                raise ProjectFileError(damaged)
            loaded: dict[str, np.ndarray] = {}
            out = []
            for entry in manifest:
                arrays = {}
                for name, key in dict(entry["arrays"]).items():
                    if key not in loaded:
                        value = data[key]
                        if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
                            raise ProjectFileError(damaged)
                        loaded[key] = value
                    arrays[str(name)] = loaded[key]
                metrics = {str(k): float(v) for k, v in dict(entry.get("metrics", {})).items()}
                out.append(Checkpoint(step=int(entry["step"]), epoch=int(entry["epoch"]),
                                      arrays=arrays, optimizer_iterations=int(entry["iterations"]),
                                      rng_state=dict(entry["rng"]), metrics=metrics,
                                      epoch_pos=int(entry.get("epoch_pos", 0)),
                                      epoch_losses=tuple(float(v) for v in
                                                         entry.get("epoch_losses", []))))
            return out
    except ProjectFileError:
        raise
    except Exception:  # noqa: BLE001 - zip, JSON and key errors alike: a damaged file
        raise ProjectFileError(damaged) from None
