"""The whole state of a trainer with its own loop (the GAN's, the perceptron's), for the
timeline's checkpoints (``engine.checkpoints``).

The supervised ``Trainer`` (and the autoencoder/VAE, its subclass) is captured field by field
by ``engine.checkpoints.capture``. A trainer with its own loop says itself what it needs to
go on exactly (``OwnStateTrainer``): ``capture_state()`` returns a ``TrainerState`` — arrays
besides the model's weights (optimizer buffers, keyed ``"optimizer/…/I/J"``: buffer J of
parameter array I), the optimizer's step count, the sample order's generator state (at the
epoch's start when inside an epoch, ``epoch_pos`` > 0), the batches done in the epoch and
their losses, the other random streams (``generators``) and JSON-safe ``extra`` values
(``extra["trainer"]`` names the trainer kind); ``restore_state(state)`` puts it back after
``engine.checkpoints.restore`` has loaded the weights, the step and the epoch.

Helpers shared with ``engine.checkpoints``: ``optimizer_arrays``/``load_optimizer`` (an
optimizer's buffers as float32 arrays and back) and ``stream_states``/``set_streams`` (random
generators' states by key). No Qt.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from engine.optimizers import Optimizer


@dataclass(frozen=True)
class TrainerState:
    """What an ``OwnStateTrainer`` needs besides its weights, step and epoch (see module)."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    optimizer_iterations: int = 0
    rng_state: dict[str, Any] = field(default_factory=dict)
    epoch_pos: int = 0
    epoch_losses: tuple[float, ...] = ()
    generators: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class StateModel(Protocol):
    """The model side of an ``OwnStateTrainer`` (a ``Model``, a GAN's ``GANPair``)."""

    def get_weights(self) -> dict[str, np.ndarray]: ...

    def set_weights(self, weights: dict[str, Any], strict: bool = False) -> list[str]: ...


@runtime_checkable
class OwnStateTrainer(Protocol):
    """A trainer that captures and restores its own state (``GANTrainer``,
    ``PerceptronTrainer``). ``buffers_per_weight``: optimizer buffers per weight once made
    (sizes the timeline's default memory cap)."""

    step: int
    epoch: int

    @property
    def model(self) -> StateModel: ...

    @property
    def buffers_per_weight(self) -> int: ...

    def learning_rate(self) -> float: ...

    def capture_state(self) -> TrainerState: ...

    def restore_state(self, state: TrainerState) -> None: ...


def compact(value: np.ndarray) -> np.ndarray:
    """A float32 copy of a float array (any other dtype: a plain copy)."""
    if value.dtype.kind == "f" and value.dtype != np.float32:
        return value.astype(np.float32)
    return np.array(value, copy=True)


def optimizer_arrays(optimizer: Optimizer, prefix: str) -> dict[str, np.ndarray]:
    """``{prefix + "I/J": copy of buffer J of parameter array I}`` of ``optimizer``."""
    state: dict[int, list[np.ndarray]] = optimizer._state
    return {f"{prefix}{i}/{j}": compact(buf)
            for i, buffers in state.items() for j, buf in enumerate(buffers)}


def load_optimizer(optimizer: Optimizer, arrays: Mapping[str, np.ndarray], prefix: str,
                   iterations: int, dtype: Any) -> None:
    """Give ``optimizer`` the buffers under ``prefix`` in ``arrays`` (``"I/J"`` after it;
    none: an empty memory) as ``dtype`` copies, and its step count."""
    state: dict[int, list[tuple[int, np.ndarray]]] = {}
    for name, value in arrays.items():
        parts = name[len(prefix):].split("/") if name.startswith(prefix) else []
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            state.setdefault(int(parts[0]), []).append((int(parts[1]), value))
    optimizer._state = {i: [np.array(v, dtype=dtype) for _, v in sorted(pairs, key=lambda p: p[0])]
                        for i, pairs in state.items()}
    optimizer.iterations = int(iterations)


def stream_states(streams: Mapping[str, Any]) -> dict[str, Any]:
    """The states of the ``np.random.Generator``s among ``streams`` (others are skipped)."""
    return {key: dict(gen.bit_generator.state) for key, gen in streams.items()
            if isinstance(gen, np.random.Generator)}


def set_streams(streams: Mapping[str, Any], saved: Mapping[str, Any]) -> None:
    """Put the ``saved`` states back into the generators of ``streams`` of the same key (a
    stream without a saved state, e.g. a layer added since, goes on afresh)."""
    for key, state in saved.items():
        gen = streams.get(key)
        if isinstance(gen, np.random.Generator):
            gen.bit_generator.state = copy.deepcopy(state)


def layer_streams(layers: Mapping[str, Any]) -> dict[str, Any]:
    """``{"layer/NAME": its own generator}`` (Dropout masks, Sampling noise, recurrent and
    attention dropout), looked up in each layer's attributes as they are private to each
    layer kind; layers without one are left out."""
    found = {f"layer/{name}": vars(layer).get("_rng") for name, layer in layers.items()}
    return {k: g for k, g in found.items() if isinstance(g, np.random.Generator)}
