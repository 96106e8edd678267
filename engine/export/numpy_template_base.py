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
    if float(step.options.get("recurrent_dropout", 0.0) or 0.0):
        args.append(f'rmask=cache["{step.name}:state"]')
    return "".join(f", {a}" for a in args)


def dropout_lines(step: Step) -> Lines:
    """The lines drawing a recurrent layer's dropout masks before its forward call, as the
    engine draws them (Keras: one per batch, the same at every step; input mask first):
    ``cache["<name>:in"]`` (B, F) and ``cache["<name>:state"]`` (B, units)."""
    x, lines = single(step), []
    for key, rate, size, words in (
            ("in", step.options.get("dropout"), step.in_shapes[0][-1], "each input feature"),
            ("state", step.options.get("recurrent_dropout"), step.options["units"],
             "each state value where it meets the recurrent kernel")):
        keep = 1.0 - float(rate or 0.0)
        if keep < 1.0:
            off = f"np.ones((len({x}), {size}))" if key == "in" else "None"
            lines += [f"# {key} dropout while training: keeps {words} with probability "
                      f"{keep:g} (scaled by 1/{keep:g}), one mask per sample for all steps",
                      f'cache["{step.name}:{key}"] = (rng.random((len({x}), {size})) < '
                      f"{keep!r}) / {keep!r} if training else {off}"]
    return lines


def sequence_input(step: Step) -> str:
    """The sequence a recurrent layer's cell reads: its input, times the input dropout mask."""
    if float(step.options.get("dropout", 0.0) or 0.0):
        return f'{single(step)} * cache["{step.name}:in"][:, None, :]'
    return single(step)


def input_dropout_backward(step: Step, target: str) -> Lines:
    """The line passing the input's gradient back through the input dropout mask."""
    if target == "_" or not float(step.options.get("dropout", 0.0) or 0.0):
        return []
    return [f'{target} = {target} * cache["{step.name}:in"][:, None, :]']


def state_targets(step: Step, targets: list[str]) -> str:
    """Where the backward call's state gradients go (``_`` for a state that is not wired)."""
    wanted = targets[1:] + ["_"] * (len(state_names(step)) + 1 - len(targets))
    return ", ".join(wanted)


def bptt(step: Step) -> str:
    """The backward call's truncated-BPTT argument (nothing for the whole sequence)."""
    k = int(step.options.get("bptt_steps", 0) or 0)
    return f", bptt_steps={k}" if k > 0 else ""
