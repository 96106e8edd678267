"""The ``gradients`` check's measurement: how much of the gradient reaches the first layer.

``start_gradient_ratio(project)`` builds the project's network with fresh weights (the
project's seed, as Reset does), runs one forward + backward pass of the training loss on up
to ``SAMPLES`` training samples (``engine.introspection.dynamics``, the code behind the
dynamics view) and returns ``grad_rms[first] / grad_rms[last]``: the root-mean-square
gradient of the first layer with parameters over that of the last one. Around 1 the early
layers learn as fast as the late ones; 1e-3 and below the gradients vanish on the way back.
``None`` when the network cannot be built or has fewer than two layers with parameters.

Results are cached per network, dataset, loss and seed (the check is judged after every
edit and epoch; the measurement takes milliseconds to a second for a digits network).
"""

from __future__ import annotations

import copy
import json
import math
from collections import OrderedDict

from engine.introspection.dynamics import DynamicsState, dynamics
from engine.project import Project
from engine.types import LayerLabError

SAMPLES = 128
_CACHE: OrderedDict[str, float | None] = OrderedDict()
_CACHE_SIZE = 16


def _key(project: Project) -> str:
    t = project.training
    return json.dumps([project.graph.to_dict(), project.dataset, project.recipe, t.loss,
                       t.loss_options, t.seed], sort_keys=True, default=str)


def start_gradient_ratio(project: Project) -> float | None:
    """First layer's gradient RMS / last layer's, at fresh weights (see the module docstring)."""
    key = _key(project)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = _measure(project)
    _CACHE[key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


def _measure(project: Project) -> float | None:
    from engine.recipes import prepare

    if project.recipe != "supervised" or not project.graph.infer_shapes().ok:
        return None
    try:
        prepared = prepare(copy.deepcopy(project))
    except (LayerLabError, ValueError):
        return None
    model, trainer, data = prepared.model, prepared.trainer, prepared.data
    sup = trainer.supervision
    if sup is None:
        return None
    y_enc, loss = sup.y_train, sup.loss
    n = min(SAMPLES, len(data.x_train))
    out = dynamics(model, data.x_train[:n], y_enc[:n], loss, DynamicsState())
    rms, layers = out["grad_rms"], [n for n in out["layers"] if n in out["grad_rms"]]
    if len(layers) < 2 or not rms[layers[-1]] > 0:
        return None
    ratio = rms[layers[0]] / rms[layers[-1]]
    return ratio if math.isfinite(ratio) else None
