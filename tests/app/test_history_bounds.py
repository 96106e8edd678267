"""Long runs stay flat: the session's history, the trainer's per-epoch lists and the loss
plot's series are bounded, keep the newest data exact and the run's start."""

from __future__ import annotations

from app.history import TrainingHistory
from engine.coach import history_from_columns
from engine.snapshots import STEP, Snapshot
from engine.training import trim_history


def snap(step: int, losses: list[float], rows: list[dict[str, float]]) -> Snapshot:
    return Snapshot(event=STEP, step=step, epoch=0, epoch_progress=0.0, samples_seen=0,
                    batch_losses=tuple(losses), train_loss=None, val_loss=None, metrics={},
                    learning_rate=0.1, elapsed=1.0, samples_per_second=0.0,
                    time_to_first_step=None, epoch_rows=tuple(rows))


def feed(history: TrainingHistory, steps: int, per_epoch: int = 4, chunk: int = 40) -> None:
    for start in range(0, steps, chunk):
        losses = [float(s + 1) for s in range(start, start + chunk)]
        rows = [{"epoch": (s + 1) // per_epoch, "step": s + 1, "train_loss": float(s + 1)}
                for s in range(start, start + chunk) if (s + 1) % per_epoch == 0]
        history.add(snap(start + chunk, losses, rows))


def test_step_losses_keep_the_newest_window_with_their_step_numbers():
    history = TrainingHistory(max_steps=1000, max_rows=200)
    feed(history, 10_000)
    assert len(history.step_losses) <= 1000 and history.steps_seen == 10_000
    # step_losses[i] is the loss of step first_step + i (the fed loss equals its step)
    assert history.step_losses[0] == history.first_step and history.step_losses[-1] == 10_000
    coach_view = history_from_columns(history.epochs, history.metrics, history.step_losses,
                                      first_step=history.first_step)
    assert coach_view.first_step == history.first_step


def test_epoch_rows_are_thinned_in_their_older_half_only():
    history = TrainingHistory(max_steps=1000, max_rows=200)
    feed(history, 40_000)  # 10,000 epochs
    epochs = history.epochs
    assert len(epochs) <= 200 and epochs[0] == 1 and epochs[-1] == 10_000
    assert epochs == sorted(set(epochs))
    assert epochs[-50:] == list(range(9951, 10_001))  # the newest rows are all there
    assert history.metrics["train_loss"] == [4.0 * e for e in epochs]  # rows stay aligned


def test_a_short_run_is_kept_whole():
    history = TrainingHistory()
    feed(history, 4000)
    assert history.step_losses == [float(s) for s in range(1, 4001)]
    assert history.epochs == list(range(1, 1001)) and history.first_step == 1


def test_trainer_history_is_trimmed_to_its_newest_entries():
    history = {"train_loss": [float(i) for i in range(50)], "val_loss": [0.0] * 10}
    trim_history(history, 20)
    assert history["train_loss"] == [float(i) for i in range(30, 50)]
    assert len(history["val_loss"]) == 10  # under 2 * keep: left alone

