"""Frozen layers: keep the parameters of layers with ``trainable: false`` out of training.

The optimizer updates one flat buffer (``Model.params_flat``). ``FrozenParams`` holds the
slices of that buffer that belong to frozen layers and, around each optimizer step:

* ``mask_grads(grads_flat)`` zeroes their gradients (after backward, before clipping), so
  the global-norm clip and the optimizer see only trainable gradients, as in Keras where
  frozen weights are not in ``trainable_weights``;
* ``hold(params_flat)`` / ``restore(params_flat)`` copy their values aside before the step
  and back after it, so momentum, Adam's moments and weight decay cannot move them: a frozen
  layer's weights stay bit-identical.

Gradients still flow *through* a frozen layer (its ``backward`` runs as usual), so layers
before it keep learning. BatchNormalization frozen also keeps its running statistics (it
runs in inference mode, ``engine.layers.normalization``), as Keras does.
``same_but_trainable`` tells the window that only freezing changed, so weights are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from engine.graph import Graph
    from engine.model import Model


def frozen_layer_names(model: Model) -> list[str]:
    """Names of the model's frozen layers that have parameters."""
    return [name for name, layer in model.layers.items()
            if layer.params and not layer.trainable]


class FrozenParams:
    """The frozen parts of one model's flat parameter buffer (empty when nothing is frozen)."""

    def __init__(self, model: Model) -> None:
        names = set(frozen_layer_names(model))
        self.slices: list[slice] = [part for (layer, _key), part in model.slices.items()
                                    if layer in names]
        self._saved: list[np.ndarray] = []

    def __bool__(self) -> bool:
        return bool(self.slices)

    @property
    def count(self) -> int:
        """How many scalars are frozen."""
        return sum(s.stop - s.start for s in self.slices)

    def mask_grads(self, grads_flat: np.ndarray) -> None:
        """grads_flat: (n,) — zero the entries of frozen parameters, in place."""
        for part in self.slices:
            grads_flat[part] = 0.0

    def hold(self, params_flat: np.ndarray) -> None:
        """params_flat: (n,) — remember the frozen values before an optimizer step."""
        self._saved = [params_flat[part].copy() for part in self.slices]

    def restore(self, params_flat: np.ndarray) -> None:
        """params_flat: (n,) — put the remembered frozen values back after the step."""
        for part, value in zip(self.slices, self._saved):
            params_flat[part] = value


def same_but_trainable(a: Graph, b: Graph) -> bool:
    """Whether two graphs compute the same thing and differ at most in which layers are
    frozen (and in canvas positions): freezing never needs fresh weights."""
    return _without_trainable(a) == _without_trainable(b)


def _without_trainable(graph: Graph) -> tuple[Any, Any]:
    data = graph.to_dict()
    skip = ("position", "trainable")
    layers = [{k: v for k, v in layer.items() if k not in skip} for layer in data["layers"]]
    return layers, data.get("edges")
