"""Probes computed in the engine on a fixed grid or probe batch, copied into snapshots.

- ``decision_grid`` (2-D data): the network's output over a ``G×G`` grid covering the data's
  points in the x₁/x₂ plane, ``(G, G)`` probability of class 1 for binary tasks or
  ``(G, G, K)`` probabilities, plus ``grid_extent`` ``[x_min, x_max, y_min, y_max]`` in the
  plane, and ``point_scores`` (the same scores at the data points themselves, training then
  validation, ``(N,)`` or ``(N, K)``) so a point exactly on the line is judged by the
  network's own rule. With derived input features (x₁², sin(x₁), ...) the grid points go
  through the same transformation (``Dataset.raw_to_inputs``) before the network sees them.
- ``curve`` (1-D regression): predictions over 200 points spanning the inputs; with
  polynomial features (x, x², …) the points span the input x before them
  (``line_points``) and go through the same expansion.
- ``weights``: copies of every parameter, keyed ``"weights:LAYER/PARAM"`` (network view).
- ``confusion`` (classification): ``(K, K)`` counts on up to 2000 validation samples
  (training samples when there is no validation split), rows = true class; sequence labels
  ``(N, T)`` count every position. The first ``QUICK_CONFUSIONS`` matrices of a probe set (the
  step-0 picture at load, the first frame after Play) look at no more than
  ``QUICK_POSITIONS`` predictions: an untrained network's matrix is noise, and a learner
  waits on them (2000 × 40 characters of char_lstm took ~0.9 s).
- ``neuron_maps`` (2-D data): each layer's activations over the grid, keyed
  ``"neuron_map:LAYER"`` with shape ``(G, G, units)`` (per-neuron maps in the network view).
- ``introspection`` (needs ``introspection`` requests and a ``probe_batch``, both set by the
  app): ``engine.introspection.compute_probes`` within ``introspection_budget_s``, keyed
  ``"introspection:NAME"``. Saliency and Grad-CAM results also carry the explained sample
  (``input``, input_shape), its ``index`` and ``label``; every result carries its
  ``options``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.introspection import ProbeBatch, ProbeState, compute_probes
from engine.metrics import confusion_matrix, per_position
from engine.model import Model

log = logging.getLogger(__name__)

GRID = 60
CONFUSION_SAMPLES = 2000
QUICK_CONFUSIONS = 2  # the first matrices of a probe set are quick ...
QUICK_POSITIONS = 4000  # ... at most this many predictions (whole sequences; ≥ 1 sample)
MIN_SPAN = 0.5  # a grid over one drawn point (or a line of them) still covers some area
INTROSPECTION_BUDGET_S = 0.03  # one frame of introspection probes while training runs
BROKEN_MESSAGE = ("This view cannot be computed for this network (an unexpected problem, "
                  "written to the log). The other views still work; changing one of its "
                  "options tries it again.")


def plane_points(model: Model, data: Dataset) -> np.ndarray | None:
    """All points of 2-D data in the x₁/x₂ plane ``(N, 2)`` (training then validation), or None."""
    raw = getattr(data, "x_train_raw", None)
    if raw is not None:
        val = getattr(data, "x_val_raw", None)
        return np.concatenate([raw, val]) if val is not None and len(val) else raw
    if model.input_shape == (2,) and getattr(data, "poly", None) is None:
        # a Dataset built by hand, without the plane fields (not x, x² of 1-D data)
        return np.concatenate([data.x_train, data.x_val]) if len(data.x_val) else data.x_train
    return None


def line_points(data: Dataset) -> np.ndarray | None:
    """The one input x ``(N, 1)`` of 1-D data expanded into polynomial features (training then
    validation), or None (no such expansion: the network's inputs are the points)."""
    if not getattr(data, "is_line", False) or data.x_train_base is None:
        return None
    val = data.x_val_base
    return np.concatenate([data.x_train_base, val]) if val is not None and len(val) \
        else data.x_train_base


def grid_extent(points: np.ndarray) -> np.ndarray:
    """``[x_min, x_max, y_min, y_max]``: the points' box, 10 % larger on each side (at least
    ``MIN_SPAN`` wide, so one point still gets a map around it)."""
    lo, hi = points.min(axis=0).astype(np.float64), points.max(axis=0).astype(np.float64)
    grow = np.maximum(MIN_SPAN - (hi - lo), 0.0) / 2
    lo, hi = lo - grow, hi + grow
    pad = 0.1 * (hi - lo) + 1e-6
    return np.array([lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]])


def same_options(a: Any, b: Any) -> bool:
    """Whether two probe option values are equal; options may hold numpy arrays (a sample
    image, ``(C, H, W)``; token ids, ``(T,)``), compared by shape, dtype and values — never
    with ``==`` on arrays, which is ambiguous or fails to broadcast."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_options(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and \
            all(same_options(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an object whose == gives no single truth value
        return False


class ProbeSet:
    """Fixed probe inputs for one model + dataset, so frames are comparable over time."""

    def __init__(self, model: Model, data: Dataset, coder: Any) -> None:
        self.last_seconds = 0.0  # what the latest compute() took
        self.model, self.data, self.coder = model, data, coder
        x = np.concatenate([data.x_train, data.x_val]) if len(data.x_val) else data.x_train
        self.grid_inputs = self.extent = self.curve_x = None
        self.point_inputs: np.ndarray | None = None  # the plane points' own inputs (N, ...)
        plane = plane_points(model, data)
        if plane is not None and len(plane):
            self.extent = grid_extent(plane)
            if len(x) == len(plane):  # training then validation, as ``plane_points``
                self.point_inputs = np.ascontiguousarray(x, dtype=model.dtype)
            gx = np.linspace(self.extent[0], self.extent[1], GRID)
            gy = np.linspace(self.extent[2], self.extent[3], GRID)
            xx, yy = np.meshgrid(gx, gy)  # row = y, column = x (row-major image)
            grid = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32)  # (G*G, 2)
            to_inputs = getattr(data, "raw_to_inputs", None)
            inputs = to_inputs(grid) if to_inputs is not None else grid  # (G*G, *input_shape)
            self.grid_inputs = np.ascontiguousarray(inputs, dtype=model.dtype)
        self.introspection: dict[str, dict[str, Any]] = {}  # requests {probe: options}
        self.introspection_budget_s: float | None = INTROSPECTION_BUDGET_S
        self.probe_batch: ProbeBatch | None = None  # fixed samples (introspection.probe_batch_from)
        self.probe_state = ProbeState()
        self.broken: dict[str, str] = {}  # probes that crashed -> message (until re-asked)
        self.confusions = 0  # confusion matrices computed so far (the first ones are quick)
        self.curve_inputs: np.ndarray | None = None  # what the network sees at curve_x
        line = line_points(data) if plane is None else None
        if line is not None and len(line):
            self.curve_x = np.linspace(line.min(), line.max(), 200).reshape(-1, 1).astype(
                np.float32)  # (200, 1) along x -> (200, P) polynomial features
            self.curve_inputs = np.ascontiguousarray(data.raw_to_inputs(self.curve_x),
                                                     dtype=model.dtype)
        elif plane is None and model.input_shape == (1,) and len(x):
            self.curve_x = np.linspace(x.min(), x.max(), 200).reshape(-1, 1).astype(model.dtype)
            self.curve_inputs = self.curve_x

    def confusion_samples(self, y: np.ndarray) -> int:
        """How many samples of ``y`` ``(N,)`` or ``(N, T)`` the current confusion looks at:
        ``CONFUSION_SAMPLES``, or as many whole sequences as ``QUICK_POSITIONS`` allows while
        the matrix is one of the first ``QUICK_CONFUSIONS``."""
        y = np.asarray(y)
        if self.confusions > QUICK_CONFUSIONS or y.ndim < 2 or \
                not np.issubdtype(y.dtype, np.integer):  # not sequences: cheap anyway
            return CONFUSION_SAMPLES
        positions = max(int(np.prod(y.shape[1:])), 1)
        return min(CONFUSION_SAMPLES, max(1, QUICK_POSITIONS // positions))

    def _confusion(self) -> np.ndarray:
        data = self.data
        x, y = (data.x_val, data.y_val) if len(data.x_val) else (data.x_train, data.y_train)
        self.confusions += 1
        n = self.confusion_samples(y)
        x, y = x[:n], y[:n]
        # a label per position (sequences): every position counts as one prediction
        truth, scores = per_position(y, self.coder.scores(self.model.predict(x)))
        predicted = (scores > 0.5).astype(np.int64).reshape(-1) if scores.ndim == 1 or \
            scores.shape[-1] == 1 else np.argmax(scores, axis=-1)
        return confusion_matrix(truth, predicted, data.n_classes)

    def set_introspection(self, requests: dict[str, dict[str, Any]]) -> None:
        """New requests; a probe whose options changed runs first at the next frame."""
        for name, opts in requests.items():
            if not same_options(self.introspection.get(name), opts):
                self.probe_state.last_frame.pop(name, None)
                self.broken.pop(name, None)
        self.introspection = {name: dict(opts or {}) for name, opts in requests.items()}

    def _introspect(self) -> dict[str, Any]:
        batch = self.probe_batch
        if batch is None or not self.introspection:
            return {}
        requests = {n: o for n, o in self.introspection.items() if n not in self.broken}
        try:
            results = compute_probes(self.model, batch, requests, self.probe_state,
                                     self.introspection_budget_s)
        except Exception:  # noqa: BLE001 - a probe must never end the training run
            results = self._find_broken(batch, requests)
        results.update({name: {"error": message} for name, message in self.broken.items()})
        out: dict[str, Any] = {}
        for name, value in results.items():
            opts = self.introspection.get(name, {})
            value["options"] = dict(opts)
            index = int(opts.get("index", 0))
            if name in ("saliency", "grad_cam") and 0 <= index < len(batch.x):
                value["input"], value["index"] = batch.x[index].copy(), index
                if batch.labels is not None and batch.task == "classification":
                    labels = np.asarray(batch.labels).reshape(len(batch.x), -1)
                    value.setdefault("label", int(labels[index, 0]))
            out[f"introspection:{name}"] = value
        return out

    def _find_broken(self, batch: ProbeBatch, requests: dict[str, Any]) -> dict[str, Any]:
        """Run the probes one by one after an unexpected error; a probe that fails is left
        out (with its message in ``broken``) until its options change."""
        results: dict[str, Any] = {}
        for name, opts in requests.items():
            try:
                results.update(compute_probes(self.model, batch, {name: opts}, self.probe_state))
            except Exception:  # noqa: BLE001 - reported in the view, logged here
                log.exception("introspection probe %r failed", name)
                self.broken[name] = BROKEN_MESSAGE
        return results

    def compute(self, names: list[str]) -> dict[str, np.ndarray]:
        """The named probes on the current weights; ``last_seconds`` records what it cost."""
        start = time.perf_counter()
        out = self._compute(names)
        self.last_seconds = time.perf_counter() - start
        return out

    def _neuron_maps(self) -> dict[str, np.ndarray]:
        """``(G, G, units)`` maps of every flat layer, from a forward pass over the grid."""
        return {f"neuron_map:{name}": value.reshape(GRID, GRID, -1).astype(np.float32)
                for name, value in self.model.activations_of().items()
                if name != self.model.input_name and value.ndim == 2}

    def _compute(self, names: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        grid_forward = False  # neuron maps read the layers of the decision grid's pass
        if "decision_grid" in names and self.grid_inputs is not None and self.extent is not None:
            if "neuron_maps" in names:  # one forward pass over the grid serves both probes
                model = self.model
                probs = model.finish_outputs(model.forward(self.grid_inputs, training=False))
                out.update(self._neuron_maps())
                grid_forward = True
            else:
                probs = self.model.predict(self.grid_inputs)
            scores = self.coder.scores(probs)
            out["decision_grid"] = scores.reshape(GRID, GRID, *scores.shape[1:]).astype(np.float32)
            out["grid_extent"] = self.extent.astype(np.float32)
            if self.point_inputs is not None:  # the points' own scores: a point on the line
                # is judged by the prediction rule itself, not by the nearest grid cell
                out["point_scores"] = np.asarray(
                    self.coder.scores(self.model.predict(self.point_inputs)), np.float32)
        if "curve" in names and self.curve_x is not None and self.curve_inputs is not None:
            out["curve_x"] = self.curve_x[:, 0].copy()
            out["curve_y"] = self.model.predict(self.curve_inputs)[:, 0].astype(np.float32)
        if "confusion" in names and self.data.task == "classification":
            out["confusion"] = self._confusion()
        if "weights" in names:
            for key, value in self.model.get_weights().items():
                out[f"weights:{key}"] = value
        if "neuron_maps" in names and self.grid_inputs is not None and not grid_forward:
            self.model.forward(self.grid_inputs, training=False)
            out.update(self._neuron_maps())
        if "introspection" in names:
            out.update(self._introspect())
        return out
