"""The registry and shared pieces of the PyTorch export's code templates.

A template returns ``TorchCode``: the lines of ``Network.__init__`` that create the layer's
modules (attribute ``self.<var>``), the expression of its forward pass over its input
variables, and two weight maps between LayerLab's arrays (``{"kernel": ...}``) and the
module's ``state_dict`` entries (``{"weight": ...}``, without the ``<var>.`` prefix):
``to_torch`` for export, ``from_torch`` for import back (and for comparing gradients).
``COMPOSITE_SOURCES`` collects the source text of the composite modules templates use.

The kind-specific modules (``torch_templates``, ``torch_attention``, ``torch_layers``,
``torch_recurrent``) import only this one and register into ``TORCH_TEMPLATES``;
``torch_templates`` imports the other three, so importing it fills the whole registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.export.plan_steps import ExportError, Step

Arrays = dict[str, np.ndarray]

# softplus: torch's default threshold 20 turns it linear where the engine's log(1 + eˣ) is not;
# hard_sigmoid: F.hardsigmoid's gradient uses a float32 1/6 (5e-9 off in float64)
ACTIVATIONS = {"linear": "{x}", "sigmoid": "torch.sigmoid({x})", "tanh": "torch.tanh({x})",
               "relu": "F.relu({x})", "leaky_relu": "F.leaky_relu({x}, 0.01)",
               "elu": "F.elu({x})", "selu": "F.selu({x})",
               "softplus": "F.softplus({x}, threshold=40.0)", "silu": "F.silu({x})",
               "gelu": "F.gelu({x})", "hard_sigmoid": "F.relu6({x} + 3.0) / 6.0",
               "softmax": "torch.softmax({x}, dim=-1)"}


def same(arrays: Arrays) -> Arrays:
    return dict(arrays)


@dataclass
class TorchCode:
    init: list[str]
    forward: str
    to_torch: Callable[[Arrays], Arrays] = same
    from_torch: Callable[[Arrays], Arrays] = same
    classes: tuple[str, ...] = ()  # composite module classes the script must define
    notes: list[str] = field(default_factory=list)


TORCH_TEMPLATES: dict[str, Callable[[Step], TorchCode]] = {}
# source of the composites (``TorchCode.classes``) the template modules define
COMPOSITE_SOURCES: dict[str, str] = {}


def template(*kinds: str):
    def wrap(fn: Callable[[Step], TorchCode]) -> Callable[[Step], TorchCode]:
        for kind in kinds:
            TORCH_TEMPLATES[kind] = fn
        return fn
    return wrap


def act(name: str, x: str, where: str) -> str:
    if name not in ACTIVATIONS:
        raise ExportError(f"The activation {name} of {where} has no PyTorch equivalent in the "
                          f"export; supported: {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name].format(x=x)
