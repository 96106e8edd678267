"""A GAN run's whole state for the timeline (``engine.trainer_state.TrainerState``), so a
moment of it can be trained on from exactly (a branch, a comparison, a reopened run).

Besides both networks' weights (captured by ``engine.checkpoints``), ``capture_gan`` keeps:
the generator's optimizer buffers (``"optimizer/g/I/J"``) and step count
(``optimizer_iterations``), the discriminator's (``"optimizer/d/I/J"``,
``extra["optimizer_d_iterations"]``; ``extra`` keys that start with "optimizer" go with the
optimizer memory), the discriminator-step counter (``extra["d_count"]``: when the
next generator step comes), the sample order (the generator state at the epoch's start when
inside an epoch) and the batches done in it with their losses (``epoch_losses``: the
discriminator's; ``extra["epoch_rows"]``: the generator's, mean D(x), mean D(G(z))), the noise
stream and each layer's own stream of both networks (Dropout). ``restore_gan`` puts them back
(a moment whose optimizer memory was dropped, ``app.branch_settings.adapted``: an empty
memory). No Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.trainer_state import (
    TrainerState,
    layer_streams,
    load_optimizer,
    optimizer_arrays,
    set_streams,
    stream_states,
)
from engine.types import LayerLabError

if TYPE_CHECKING:
    from engine.generative.gan import GANTrainer

G_PREFIX, D_PREFIX = "optimizer/g/", "optimizer/d/"
ROW_KEYS = ("g", "real", "fake")  # the epoch's rows besides the discriminator losses


def _streams(trainer: GANTrainer) -> dict[str, Any]:
    layers = {**trainer.generator.layers, **trainer.discriminator.layers}  # names are unique
    return {**layer_streams(layers), "noise": trainer.noise_rng}


def capture_gan(trainer: GANTrainer) -> TrainerState:
    """``trainer``'s state between two pulls (see the module docstring)."""
    pos = int(trainer.epoch_pos)
    rng = trainer.epoch_start_rng if pos > 0 else trainer.rng.bit_generator.state
    rows = trainer.epoch_rows if pos > 0 else {}
    return TrainerState(
        arrays={**optimizer_arrays(trainer.g_optimizer, G_PREFIX),
                **optimizer_arrays(trainer.d_optimizer, D_PREFIX)},
        optimizer_iterations=int(trainer.g_optimizer.iterations),
        rng_state=dict(rng), epoch_pos=pos,
        epoch_losses=tuple(float(v) for v in rows.get("d", ())),
        generators=stream_states(_streams(trainer)),
        extra={"trainer": "gan",
               "optimizer_d_iterations": int(trainer.d_optimizer.iterations),
               "d_count": int(trainer.d_count),
               "epoch_rows": {k: [float(v) for v in rows.get(k, ())] for k in ROW_KEYS}})


def restore_gan(trainer: GANTrainer, state: TrainerState) -> None:
    """Put ``state`` back into ``trainer`` (its weights, step and epoch are loaded already);
    the next ``run()`` goes on exactly there. ``LayerLabError`` for another trainer's state."""
    extra = state.extra
    if extra.get("trainer") != "gan":
        raise LayerLabError("This moment was recorded while training another kind of network, "
                            "so a GAN cannot train on from it.")
    dtype = trainer.generator.dtype
    load_optimizer(trainer.g_optimizer, state.arrays, G_PREFIX, state.optimizer_iterations,
                   dtype)
    load_optimizer(trainer.d_optimizer, state.arrays, D_PREFIX,
                   int(extra.get("optimizer_d_iterations", 0)), trainer.discriminator.dtype)
    trainer.rng.bit_generator.state = dict(state.rng_state)
    set_streams(_streams(trainer), state.generators)
    trainer.d_count = int(extra.get("d_count", trainer.step))
    pos = int(state.epoch_pos)
    trainer.epoch_pos = pos
    saved = dict(extra.get("epoch_rows", {}))
    rows = {"d": [float(v) for v in state.epoch_losses],
            **{k: [float(v) for v in saved.get(k, [])] for k in ROW_KEYS}}
    trainer.resume = (pos, rows) if pos > 0 else None
