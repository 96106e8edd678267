"""The registry and shared helpers of the NumPy export's code templates.

A template turns a plan ``Step`` into the lines of the script's ``forward`` function and,
where the script can train that kind, of its ``backward`` function. ``forward`` lines assign
the layer's variable (``step.var``) and may keep what the backward pass needs in
``cache["<name>"]``; ``backward(step, targets)`` lines read ``d_<var>`` (dLoss/d output) and
assign each input's gradient to the matching name in ``targets`` ("_" for the data) and the
parameters' gradients to ``G["<name>/<param>"]``. ``blocks`` are the functions of the
``numpy_*blocks`` modules the lines call.

The kind-specific modules (``numpy_templates``, ``numpy_more_templates``,
``numpy_seq_templates``) import only this one and register into ``NUMPY_TEMPLATES``;
``numpy_templates`` imports the other two, so importing it fills the whole registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.export.plan import Step

Lines = list[str]


@dataclass(frozen=True)
class NumpyTemplate:
    forward: Callable[[Step], Lines]
    backward: Callable[[Step, list[str]], Lines] | None
    blocks: tuple[str, ...] | Callable[[Step], tuple[str, ...]]  # fixed, or per the options

    def blocks_for(self, step: Step) -> tuple[str, ...]:
        return self.blocks(step) if callable(self.blocks) else self.blocks


NUMPY_TEMPLATES: dict[str, NumpyTemplate] = {}


def template(*kinds: str, blocks: tuple[str, ...] | Callable[[Step], tuple[str, ...]] = (),
             backward: Callable[[Step, list[str]], Lines] | None = None):
    """Register the decorated forward template for ``kinds``."""
    def wrap(forward: Callable[[Step], Lines]) -> Callable[[Step], Lines]:
        for kind in kinds:
            NUMPY_TEMPLATES[kind] = NumpyTemplate(forward, backward, blocks)
        return forward
    return wrap


def p(step: Step, key: str) -> str:
    """The expression for a parameter (``None`` when the layer has no such parameter)."""
    return f'P["{step.name}/{key}"]' if key in step.params else "None"


def g(step: Step, key: str) -> str:
    """Where a parameter's gradient goes (``_`` when the layer has no such parameter)."""
    return f'G["{step.name}/{key}"]' if key in step.params else "_"


def single(step: Step) -> str:
    return step.inputs[0]


# -- recurrent layers' arguments ----------------------------------------------------------
def state_names(step: Step) -> list[str]:
    """The initial states a recurrent layer can take after its sequence (ports 1, 2)."""
    return ["h0", "c0"] if step.kind == "LSTM" else ["h0"]


def recurrent_args(step: Step) -> str:
    """The forward call's optional arguments: the wired initial states and the padding mask
    (``keep``: True at the steps whose input vector is not all zeros)."""
    args = [f"{name}={var}" for name, var in zip(state_names(step), step.inputs[1:])]
    if step.options.get("mask_padding"):
        args.append(f"keep=np.any({single(step)} != 0, axis=2)")
    return "".join(f", {a}" for a in args)


def state_targets(step: Step, targets: list[str]) -> str:
    """Where the backward call's state gradients go (``_`` for a state that is not wired)."""
    wanted = targets[1:] + ["_"] * (len(state_names(step)) + 1 - len(targets))
    return ", ".join(wanted)


def bptt(step: Step) -> str:
    """The backward call's truncated-BPTT argument (nothing for the whole sequence)."""
    k = int(step.options.get("bptt_steps", 0) or 0)
    return f", bptt_steps={k}" if k > 0 else ""
