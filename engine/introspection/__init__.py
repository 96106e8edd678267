"""Live introspection probes: one entry point the app calls between training chunks.

``compute_probes(model, batch, requests, state)`` runs the requested probes on a fixed
``ProbeBatch`` (same samples every frame, so frames are comparable) and returns
``{probe name: result dict}``; a probe that cannot run (e.g. Grad-CAM on a flat layer)
returns ``{"error": learner-readable message}`` instead of raising, so training goes on.
``state`` (a ``ProbeState``) keeps what must persist between frames: the latent projectors'
bases, histogram edges, the previous weights, and each probe's last cost in seconds.

Requests are ``{name: options}``; names and options (defaults in brackets):

- ``"saliency"``: ``method`` [vanilla] | grad_x_input | smoothgrad | integrated, ``index``
  [0] (sample of the batch), ``target`` [None = predicted class], ``n`` [20], ``sigma``
  [0.15], ``steps`` [32] -> see ``saliency.saliency``.
- ``"grad_cam"``: ``layer`` (required, output (C, H, W)), ``index``, ``target``.
- ``"fgsm"``: ``index``, ``epsilon`` [0.1 × data range] -> see ``adversarial.fgsm``.
- ``"latent"``: ``layer`` (required) -> ``points`` (N, 2), ``explained``, ``labels`` (N,).
- ``"dynamics"``: no options -> see ``dynamics.dynamics``.
- ``"evaluation"``: ``bins`` [10], ``limit`` [100] -> see ``curves.evaluation_report``
  (classification only), computed on the probe batch.

No probe changes ``model.grads_flat`` or the parameters.

How the app calls it (between two pulls of ``Trainer.run``, on the training thread)::

    batch, state = probe_batch_from(trainer), ProbeState()      # once per run / data swap
    results = compute_probes(trainer.model, batch, requests, state, budget_s=0.02)
    snap = dataclasses.replace(snap, probes={**snap.probes, **{
        f"introspection:{name}": value for name, value in results.items()}})

One key per probe, so a frame that skipped a probe (budget) keeps its previous result when
the worker merges snapshots. The ``"dynamics"`` results, oldest first, feed ``engine.coach``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.introspection.adversarial import fgsm
from engine.introspection.curves import evaluation_report
from engine.introspection.dynamics import DynamicsState, dynamics
from engine.introspection.latent import LatentProjector, latent_points
from engine.introspection.saliency import grad_cam, saliency
from engine.model import Model
from engine.types import ConfigError, LayerLabError

PROBE_SAMPLES = 256


@dataclass
class ProbeBatch:
    """Fixed probe samples. x: (N, *input_shape); labels: (N,) raw targets (class ints for
    classification); y_enc: the same encoded for ``loss`` (both may be None)."""

    x: np.ndarray
    labels: np.ndarray | None = None
    y_enc: np.ndarray | None = None
    loss: Any = None
    coder: Any = None  # engine.targets.TargetCoder: network outputs -> class scores
    task: str = "classification"
    n_classes: int = 0
    data_range: tuple[float, float] = (0.0, 1.0)


@dataclass
class ProbeState:
    """What probes keep between frames (one per run; make a new one when the model changes)."""

    dynamics: DynamicsState = field(default_factory=DynamicsState)
    projectors: dict[str, LatentProjector] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # last cost of each probe
    frame: int = 0  # calls of compute_probes so far
    last_frame: dict[str, int] = field(default_factory=dict)  # frame each probe last ran


def probe_batch_from(trainer: Any, size: int = PROBE_SAMPLES, seed: int = 0) -> ProbeBatch:
    """Up to ``size`` fixed samples of the validation split (the training split when there is
    no validation data) of a ``Trainer``, with encoded targets and its loss."""
    data = trainer.data
    use_val = len(data.x_val) > 0
    x, y = (data.x_val, data.y_val) if use_val else (data.x_train, data.y_train)
    sup = trainer.supervision  # None: perceptron, GAN (RecipeTrainer.supervision)
    y_enc = None if sup is None else sup.targets(use_val)
    pick = np.sort(np.random.default_rng(seed).permutation(len(x))[:size])
    lo, hi = (float(np.min(data.x_train)), float(np.max(data.x_train))) if len(x) else (0.0, 1.0)
    return ProbeBatch(x=np.ascontiguousarray(x[pick], dtype=trainer.model.dtype),
                      labels=np.asarray(y)[pick], y_enc=None if y_enc is None else y_enc[pick],
                      loss=None if sup is None else sup.loss,
                      coder=None if sup is None else sup.coder,
                      task=data.task, n_classes=int(data.n_classes), data_range=(lo, hi))


def _sample(batch: ProbeBatch, opts: dict[str, Any]) -> np.ndarray:
    index = int(opts.get("index", 0))
    if not 0 <= index < len(batch.x):
        raise ConfigError(f"Sample {index} is not in the probe batch (0 to {len(batch.x) - 1}).")
    return batch.x[index]


def _label(batch: ProbeBatch, opts: dict[str, Any]) -> int | None:
    if batch.labels is None or batch.task != "classification":
        return None
    return int(np.asarray(batch.labels).reshape(len(batch.x), -1)[int(opts.get("index", 0)), 0])


STEP_ACTIVATIONS = ("step",)  # flat, with a jump at 0: zero gradient everywhere


def _needs_gradient(model: Model, what: str) -> None:
    """Decline (``ConfigError``) a gradient probe on a network with a step activation (the
    perceptron): every gradient through it is 0, the map would be blank and misleading."""
    if any(str(node.options.get("activation", "")) in STEP_ACTIVATIONS
           for node in model.graph.nodes.values()):
        raise ConfigError(f"The perceptron's step function has no gradient, so {what} cannot be "
                          "computed — use the MLP examples.")


def sequence_labels(batch: ProbeBatch) -> bool:
    """Whether the batch's labels are classes per sequence position: integer ``(N, T)``."""
    labels = None if batch.labels is None else np.asarray(batch.labels)
    return labels is not None and labels.ndim >= 2 and labels[0].size > 1 and \
        bool(np.issubdtype(labels.dtype, np.integer))


def _saliency(model: Model, batch: ProbeBatch, opts: dict[str, Any],
              state: ProbeState) -> dict[str, Any]:
    _needs_gradient(model, "saliency")
    keys = ("method", "target", "n", "sigma", "steps")
    out = saliency(model, _sample(batch, opts), **{k: opts[k] for k in keys if k in opts})
    out["label"] = _label(batch, opts)
    return out


def _grad_cam(model: Model, batch: ProbeBatch, opts: dict[str, Any],
              state: ProbeState) -> dict[str, Any]:
    if "layer" not in opts:
        raise ConfigError("Grad-CAM needs a layer: choose a convolution layer to explain.")
    return grad_cam(model, _sample(batch, opts), opts["layer"], opts.get("target"))


def _fgsm(model: Model, batch: ProbeBatch, opts: dict[str, Any],
          state: ProbeState) -> dict[str, Any]:
    _needs_gradient(model, "an adversarial example")
    lo, hi = batch.data_range
    eps = float(opts.get("epsilon", 0.1 * (hi - lo)))
    return fgsm(model, _sample(batch, opts), _label(batch, opts), eps, batch.data_range)


def _latent(model: Model, batch: ProbeBatch, opts: dict[str, Any],
            state: ProbeState) -> dict[str, Any]:
    layer = opts.get("layer")
    if layer is None:
        raise ConfigError("The latent view needs a layer: choose whose activations to show.")
    projector = state.projectors.setdefault(layer, LatentProjector())
    out = latent_points(model, batch.x, layer, projector)
    out["labels"] = None if batch.labels is None else np.asarray(batch.labels)
    return out


def _dynamics(model: Model, batch: ProbeBatch, opts: dict[str, Any],
              state: ProbeState) -> dict[str, Any]:
    return dynamics(model, batch.x, batch.y_enc, batch.loss, state.dynamics)


def _evaluation(model: Model, batch: ProbeBatch, opts: dict[str, Any],
                state: ProbeState) -> dict[str, Any]:
    if batch.task != "classification" or batch.labels is None:
        raise ConfigError("Per-class curves need a classification task with labels.")
    if sequence_labels(batch):
        raise ConfigError("Per-class curves are for one class per sample; this network "
                          "predicts a class at every position of a sequence, so there is no single "
                          "class to score each sample by.")
    outputs = model.predict(batch.x)
    scores = batch.coder.scores(outputs) if batch.coder is not None else outputs
    return evaluation_report(batch.labels, scores, max(batch.n_classes, 2),
                             int(opts.get("bins", 10)), int(opts.get("limit", 100)))


RUNNERS: dict[str, Callable[[Model, ProbeBatch, dict[str, Any], ProbeState], dict[str, Any]]]
RUNNERS = {"saliency": _saliency, "grad_cam": _grad_cam, "fgsm": _fgsm, "latent": _latent,
           "dynamics": _dynamics, "evaluation": _evaluation}


def register_runners(runners: dict[str, Any]) -> None:
    """Add a family's probes (CNN filters/maps, sequence attention/states...) to ``RUNNERS``."""
    RUNNERS.update(runners)


def _register_families() -> None:
    from engine.introspection.feature_maps import CNN_RUNNERS
    from engine.introspection.sequence_probes import SEQUENCE_RUNNERS

    register_runners(CNN_RUNNERS)
    register_runners(SEQUENCE_RUNNERS)


_register_families()


def compute_probes(model: Model, batch: ProbeBatch, requests: dict[str, dict[str, Any]],
                   state: ProbeState, budget_s: float | None = None) -> dict[str, dict[str, Any]]:
    """Run each requested probe; see the module docstring. Unknown names are errors too.

    ``budget_s`` bounds the cost of one call: probes run least recently run first, and a probe
    whose last cost would overshoot the budget is left for a later call (absent from the
    result; at least one probe always runs), so every probe still refreshes in turn."""
    out: dict[str, dict[str, Any]] = {}
    state.frame += 1
    begin = time.perf_counter()
    order = sorted(requests, key=lambda n: state.last_frame.get(n, -1))
    for name in order:
        opts = requests[name]
        start = time.perf_counter()
        if (budget_s is not None and out
                and start - begin + state.seconds.get(name, 0.0) > budget_s):
            continue
        state.last_frame[name] = state.frame
        runner = RUNNERS.get(name)
        try:
            if runner is None:
                raise ConfigError(f"Unknown probe '{name}': choose from {', '.join(RUNNERS)}.")
            out[name] = runner(model, batch, dict(opts or {}), state)
        except LayerLabError as err:
            out[name] = {"error": str(err)}
        state.seconds[name] = time.perf_counter() - start
    return out
