"""Checkpoints of a run (every recipe): its whole state at a bounded number of past moments.

``CheckpointStore`` is fed by the training thread between two pulls of ``Trainer.run``
(``app.worker`` calls ``maybe_record(trainer)`` after each pull and before the first): it
records on a geometric schedule — every step at first, then each ``growth`` (10 %) of the
steps so far — so early training, where most changes, is dense and late training thin.
A checkpoint holds every model array (parameters and running statistics, float32), the
optimizer's buffers and step count, the sample-order generator's state, the step, the epoch
and the last epoch metrics. An array equal to the previous checkpoint's is shared, not copied
(frozen layers, running statistics of an inference-only layer), so it costs no memory.

The memory cap (``cap_bytes``; None: sized to the model on the first record, at most
``DEFAULT_CAP_BYTES``) and a count cap (``max_count``) always hold: when over either, every
other checkpoint of the older ones is dropped (the first and the newest are kept) and the
schedule's spacing doubles, so a long run keeps a log-spaced timeline in flat memory.

The GAN and the perceptron (trainers with their own loop, ``engine.trainer_state``) say
themselves what their whole state is (``OwnStateTrainer.capture_state``: both optimizers'
buffers and step counts, the sample order, the place in the epoch, the noise streams...), kept
in the same ``Checkpoint`` (``extra`` holds their JSON-safe values), so every recipe's moments
can be trained on from (``can_resume``). ``capture_weights`` (``resumable`` False: shown, not
trained on from, which ``restore`` refuses in plain words) remains for any other trainer and
for files of an earlier version.

``restore(trainer, checkpoint)`` loads one into a trainer (weights, optimizer state, step,
epoch, sample order), e.g. a copy built to show the network as it was then. The store is
read from the GUI thread (``checkpoints()``, a list of immutable ``Checkpoint``s) under a lock.
No Qt here.
"""

from __future__ import annotations

import copy
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from engine.model import Model
from engine.optimizers import Optimizer
from engine.trainer_state import (
    OwnStateTrainer,
    TrainerState,
    compact,
    layer_streams,
    load_optimizer,
    optimizer_arrays,
    set_streams,
    stream_states,
)
from engine.training import Trainer
from engine.types import LayerLabError

if TYPE_CHECKING:  # narrows both ways (mypy); no runtime dependency
    from typing_extensions import TypeIs

DEFAULT_CAP_BYTES = 200 * 1024 * 1024  # the most the default cap allows
MIN_CAP_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_COUNT = 200
DEFAULT_GROWTH = 0.1  # record when the steps have grown by this share since the last record
TARGET_COUNT = 100  # the default cap is sized so about this many checkpoints fit


class Checkpointable(Protocol):
    """What a checkpoint is taken from and restored into (``engine.training.Trainer``)."""

    model: Model
    optimizer: Optimizer
    rng: np.random.Generator
    step: int
    epoch: int
    epoch_start_rng: dict[str, Any]
    epoch_pos: int
    epoch_losses: list[float]
    resume: tuple[int, list[float]] | None


@dataclass(frozen=True)
class Checkpoint:
    """One recorded moment. ``arrays``: ``"layer/param"`` / ``"layer/state:key"`` (float32)
    and ``"optimizer/I/J"`` (buffer J of parameter array I); may share arrays with the
    previous checkpoint. ``new_bytes``: bytes this one added. ``rng_state``: the sample
    order's generator before the epoch's order was drawn when ``epoch_pos`` (batches done in
    the epoch) > 0, so a restored run goes on inside the epoch exactly (``epoch_losses``)."""

    step: int
    epoch: int
    arrays: dict[str, np.ndarray]
    optimizer_iterations: int
    rng_state: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    new_bytes: int = 0
    epoch_pos: int = 0
    epoch_losses: tuple[float, ...] = ()
    resumable: bool = True  # False: the weights only (an earlier version's GAN): shown only
    generators: dict[str, Any] = field(default_factory=dict)  # other random streams' states
    extra: dict[str, Any] = field(default_factory=dict)  # an OwnStateTrainer's (JSON-safe)

    @property
    def fits_graph_edits(self) -> bool:
        """Whether a branch may train an edited network from it (``engine.checkpoint_graft``):
        a supervised run's or an autoencoder's, not a GAN's or the perceptron's."""
        return self.resumable and "trainer" not in self.extra

    @property
    def label(self) -> str:
        """Plain words for the learner: "epoch 5, step 1,234"."""
        return f"epoch {self.epoch}, step {self.step:,}"


class WeightsModel(Protocol):
    def get_weights(self) -> dict[str, np.ndarray]: ...


@runtime_checkable
class WeightsSource(Protocol):
    """What a weights-only checkpoint is taken from (``GANTrainer``, ``PerceptronTrainer``)."""

    @property
    def model(self) -> WeightsModel: ...

    @property
    def step(self) -> int: ...

    @property
    def epoch(self) -> int: ...


def _weights(model: WeightsModel) -> dict[str, np.ndarray]:
    return {name: value if value.dtype == np.float32 else compact(value)
            for name, value in model.get_weights().items()}


def capture_weights(source: WeightsSource, previous: Checkpoint | None = None,
                    metrics: dict[str, float] | None = None) -> Checkpoint:
    """A weights-only checkpoint of ``source`` now (``resumable`` False), sharing arrays equal
    to ``previous``'s."""
    arrays = _weights(source.model)
    new_bytes = _share(arrays, previous)
    return Checkpoint(step=int(source.step), epoch=int(source.epoch), arrays=arrays,
                      optimizer_iterations=0, rng_state={}, metrics=dict(metrics or {}),
                      new_bytes=new_bytes, resumable=False)


def _share(arrays: dict[str, np.ndarray], previous: Checkpoint | None) -> int:
    """Replace arrays equal to ``previous``'s by its own (in place); the bytes left new."""
    if previous is None:
        return sum(v.nbytes for v in arrays.values())
    new_bytes = 0
    for name, value in arrays.items():
        old = previous.arrays.get(name)
        if old is not None and old.shape == value.shape and np.array_equal(old, value):
            arrays[name] = old
        else:
            new_bytes += value.nbytes
    return new_bytes


def can_resume(trainer: object) -> TypeIs[Trainer | OwnStateTrainer]:
    """Whether ``trainer``'s whole state is captured, so a moment of it can be trained on from
    (a supervised ``Trainer`` or subclass, or an ``OwnStateTrainer``)."""
    return isinstance(trainer, (Trainer, OwnStateTrainer))


def _capture_own(trainer: OwnStateTrainer, previous: Checkpoint | None,
                 metrics: dict[str, float] | None) -> Checkpoint:
    state = trainer.capture_state()
    arrays = {**_weights(trainer.model), **state.arrays}
    new_bytes = _share(arrays, previous)
    return Checkpoint(step=int(trainer.step), epoch=int(trainer.epoch), arrays=arrays,
                      optimizer_iterations=state.optimizer_iterations,
                      rng_state=dict(state.rng_state), metrics=dict(metrics or {}),
                      new_bytes=new_bytes, epoch_pos=state.epoch_pos,
                      epoch_losses=state.epoch_losses, generators=dict(state.generators),
                      extra=copy.deepcopy(state.extra))


def capture(trainer: Checkpointable | OwnStateTrainer, previous: Checkpoint | None = None,
            metrics: dict[str, float] | None = None) -> Checkpoint:
    """A checkpoint of ``trainer`` now (call between two steps, on the training thread);
    arrays equal to ``previous``'s are shared with it."""
    if isinstance(trainer, OwnStateTrainer):
        return _capture_own(trainer, previous, metrics)
    arrays = _weights(trainer.model)
    arrays.update(optimizer_arrays(trainer.optimizer, "optimizer/"))
    new_bytes = _share(arrays, previous)
    generators = stream_states(_generators(trainer))
    pos = int(trainer.epoch_pos)
    rng = trainer.epoch_start_rng if pos > 0 else trainer.rng.bit_generator.state
    return Checkpoint(step=int(trainer.step), epoch=int(trainer.epoch), arrays=arrays,
                      optimizer_iterations=int(trainer.optimizer.iterations),
                      rng_state=dict(rng), metrics=dict(metrics or {}), new_bytes=new_bytes,
                      epoch_pos=pos,
                      epoch_losses=tuple(float(v) for v in trainer.epoch_losses) if pos else (),
                      generators=generators)


def _generators(trainer: Checkpointable) -> dict[str, np.random.Generator]:
    """The run's other random streams, by key: each layer's own (Dropout masks, a VAE's
    Sampling noise, recurrent and attention dropout: ``layer/NAME``) and the trainer's input
    noise (a denoising autoencoder: ``noise``). Looked up in the objects' own attributes, as
    these are private to each layer kind."""
    found: dict[str, Any] = layer_streams(trainer.model.layers)
    found["noise"] = vars(trainer).get("noise_rng")
    return {k: g for k, g in found.items() if isinstance(g, np.random.Generator)}


def model_weights(checkpoint: Checkpoint) -> dict[str, np.ndarray]:
    """The model's arrays of ``checkpoint`` (no optimizer buffers)."""
    return {k: v for k, v in checkpoint.arrays.items() if not k.startswith("optimizer/")}


def restore(trainer: Checkpointable | OwnStateTrainer, checkpoint: Checkpoint) -> None:
    """Load ``checkpoint`` into ``trainer``: weights and running statistics (strict: every
    array must fit), optimizer buffers and step count, sample-order state, step and epoch, and
    the place inside the epoch, so ``trainer.run()`` goes on exactly where the run was.
    A weights-only checkpoint raises ``LayerLabError`` (it cannot be trained on from)."""
    if not checkpoint.resumable:
        raise LayerLabError("This moment holds only the network's weights (it was saved by an "
                            "earlier version), so training cannot go on from it; train again "
                            "to record moments that can be branched from.")
    trainer.model.set_weights(model_weights(checkpoint), strict=True)
    if isinstance(trainer, OwnStateTrainer):
        trainer.step, trainer.epoch = checkpoint.step, checkpoint.epoch
        trainer.restore_state(TrainerState(
            {k: v for k, v in checkpoint.arrays.items() if k.startswith("optimizer/")},
            checkpoint.optimizer_iterations, dict(checkpoint.rng_state), checkpoint.epoch_pos,
            checkpoint.epoch_losses, dict(checkpoint.generators),
            copy.deepcopy(checkpoint.extra)))
        return
    load_optimizer(trainer.optimizer, checkpoint.arrays, "optimizer/",
                   checkpoint.optimizer_iterations, trainer.model.dtype)
    trainer.rng.bit_generator.state = dict(checkpoint.rng_state)
    # a layer added since (a branch's new Dropout) starts afresh
    set_streams(_generators(trainer), checkpoint.generators)
    trainer.step, trainer.epoch = checkpoint.step, checkpoint.epoch
    trainer.epoch_pos = checkpoint.epoch_pos
    trainer.resume = ((checkpoint.epoch_pos, list(checkpoint.epoch_losses))
                      if checkpoint.epoch_pos > 0 else None)


def unique_bytes(checkpoints: list[Checkpoint]) -> int:
    """Memory the checkpoints hold, each shared array counted once."""
    seen: dict[int, int] = {}
    for ckpt in checkpoints:
        for value in ckpt.arrays.values():
            seen[id(value)] = value.nbytes
    return sum(seen.values())


class CheckpointStore:
    """The recorded checkpoints of one run, under a memory and a count cap (see module)."""

    def __init__(self, cap_bytes: int | None = None, max_count: int = DEFAULT_MAX_COUNT,
                 growth: float = DEFAULT_GROWTH) -> None:
        self._lock = threading.Lock()
        self._items: list[Checkpoint] = []
        self.cap_bytes = cap_bytes
        self.max_count = max(2, int(max_count))
        self.growth = float(growth)
        self._next_due = 0
        self.bytes = 0
        self.too_big: str | None = None  # why nothing could be recorded, in words

    # -- reading (any thread) ----------------------------------------------------------------
    def checkpoints(self) -> list[Checkpoint]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def nearest(self, step: int) -> Checkpoint | None:
        """The checkpoint recorded closest to ``step`` (the earlier one on a tie)."""
        items = self.checkpoints()
        if not items:
            return None
        return min(items, key=lambda c: (abs(c.step - step), c.step))

    def set_cap(self, cap_bytes: int) -> None:
        """A new memory cap (the learner's); thins at once when over it."""
        with self._lock:
            self.cap_bytes = max(0, int(cap_bytes))
            self._thin()

    def replace_all(self, checkpoints: list[Checkpoint]) -> None:
        """Hold ``checkpoints`` (a saved timeline, oldest first) instead; thins to the caps."""
        with self._lock:
            self._items = sorted(checkpoints, key=lambda c: c.step)
            last = self._items[-1].step if self._items else 0
            self._next_due = last + max(1, math.floor(last * self.growth))
            self._thin()

    # -- recording (training thread) ---------------------------------------------------------
    def steps_until_due(self, step: int) -> int:
        """Steps from ``step`` to the next scheduled record (>= 1)."""
        return max(1, self._next_due - step)

    def maybe_record(self, trainer: object, metrics: dict[str, float] | None = None,
                     force: bool = False) -> bool:
        """Record ``trainer`` when the schedule says so (or ``force``: the run ends); True
        when recorded. A step already recorded is not recorded again. A supervised
        ``Trainer`` and an ``OwnStateTrainer`` give whole checkpoints, any other
        ``WeightsSource`` weights-only ones (False for anything else)."""
        if not isinstance(trainer, (Trainer, OwnStateTrainer, WeightsSource)):
            return False
        step = int(trainer.step)
        with self._lock:
            last = self._items[-1] if self._items else None
        if last is not None and last.step == step:
            return False
        if not force and step < self._next_due:
            return False
        checkpoint = (capture(trainer, last, metrics)
                      if isinstance(trainer, (Trainer, OwnStateTrainer))
                      else capture_weights(trainer, last, metrics))
        with self._lock:
            if self.cap_bytes is None:  # the model's arrays and the optimizer's, once made
                weights = sum(v.nbytes for v in model_weights(checkpoint).values())
                self.cap_bytes = default_cap(weights * (1 + _buffers_per_weight(trainer)))
            self._items.append(checkpoint)
            self.bytes += checkpoint.new_bytes  # exact: it shares only with the one before
            self._next_due = step + max(1, math.floor(step * self.growth))
            self._thin(recount=False)
        return True

    def _thin(self, recount: bool = True) -> None:
        """Drop every other older checkpoint while over a cap (lock held)."""
        if recount:
            self.bytes = unique_bytes(self._items)
        cap = self.cap_bytes if self.cap_bytes is not None else DEFAULT_CAP_BYTES
        while len(self._items) > self.max_count or (self.bytes > cap and len(self._items) > 1):
            items = self._items
            if len(items) <= 2:  # first and newest alone exceed the cap: keep the newest
                self._items = items[-1:]
            else:
                self._items = [c for i, c in enumerate(items[:-1]) if i % 2 == 0] + items[-1:]
                self.growth = (1 + self.growth) ** 2 - 1
            self.bytes = unique_bytes(self._items)
            if len(self._items) == 1 and self.bytes > cap:
                self.too_big = ("One moment of this network needs more memory than the "
                                "timeline may use; raise the timeline's memory limit.")
                self._items, self.bytes = [], 0
                break


def _buffers_per_weight(trainer: object) -> int:
    if isinstance(trainer, Trainer):
        return len(trainer.optimizer.state_names)
    return int(trainer.buffers_per_weight) if isinstance(trainer, OwnStateTrainer) else 0


def default_cap(checkpoint_bytes: int) -> int:
    """The default memory cap for checkpoints of ``checkpoint_bytes`` each: room for about
    ``TARGET_COUNT`` of them, between ``MIN_CAP_BYTES`` and ``DEFAULT_CAP_BYTES``."""
    return int(min(DEFAULT_CAP_BYTES, max(MIN_CAP_BYTES, TARGET_COUNT * checkpoint_bytes)))
