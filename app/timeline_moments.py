"""Small pieces of the timeline's controller (``app.timeline``): a checkpoint as the moment
the views are asked for (``moment_of``), the banner's words (``banner_text``) and the
snapshot a moment's views are drawn on when the run has none yet (``blank_snapshot``: a
branch being prepared, or one switched to that had already ended). No Qt."""

from __future__ import annotations

from app.moment_probes import Moment
from engine.checkpoints import Checkpoint, model_weights
from engine.snapshots import STEP, Snapshot


def moment_of(checkpoint: Checkpoint) -> Moment:
    """The views' request for ``checkpoint``: its model weights, step, epoch and metrics."""
    return Moment(model_weights(checkpoint), checkpoint.step, checkpoint.epoch,
                  dict(checkpoint.metrics), True)


def banner_text(epoch: int, step: int) -> str:
    return f"Showing epoch {epoch} (step {step:,}) — press Play or 'Back to now'."


def blank_snapshot() -> Snapshot:
    """A snapshot with no numbers yet, to draw a past moment's views on."""
    return Snapshot(event=STEP, step=0, epoch=0, epoch_progress=0.0, samples_seen=0,
                    batch_losses=(), train_loss=None, val_loss=None, metrics={},
                    learning_rate=0.0, elapsed=0.0, samples_per_second=0.0,
                    time_to_first_step=None)
