"""A branch and its parent trained side by side from the moment they part.

From a past checkpoint of the timeline the learner asks for "Branch and compare side by
side": the parent goes on with its own settings and the branch with what the learner changed
(a ``app.variants.VariantSpec``: learning rate, optimizer, batch size, layer options, a
Dropout added or taken out). ``fork_plans(...)`` returns the two ``ForkPlan``s; each becomes
a ``app.variants.VariantRun`` started from its checkpoint (its own thread, model and data copy,
exactly as the variants run), so the pair trained together gives the numbers each gives alone
from that checkpoint.

- the parent: the run's project, the checkpoint as recorded, the rate it trained with;
- the branch: ``make_variant(parent, spec)``; the checkpoint ``adapted`` to its optimizer and
  batch size (``app.branch_settings``) and, when the graph changed, ``graft``ed onto the new
  network (``engine.checkpoint_graft``: layers whose weights still fit keep them, the others
  start fresh; ``ForkPlan.kept`` says which); its rate is the spec's, else the parent's.

``history_before(history, epoch)`` is the parent's curve up to the fork (epoch, train loss),
drawn grey where the two curves part. Each side runs as a ``ForkRun``, which also keeps its
curve (the snapshots it handed out, without their probes) and records its moments as the main
run does (``moments``, an ``engine.checkpoints.CheckpointStore`` starting with the fork: on
the training thread after each pull, each pull cut to end where the next moment is due, the
end forced; the same memory and count caps); ``kept_run(plan, run)`` turns an ended run into
a ``KeptRun`` — its network and settings, the fork, its whole final state, its rate, curve
and moments — for the timeline to keep as a branch of the main run
(``TimelineController.keep_run``), which can then be scrubbed. Every recipe can fork
(``engine.checkpoints.can_resume``). No Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from app.branch_settings import adapted
from app.variants import CHUNK_STEPS, VariantRun, VariantSpec, make_variant
from engine.checkpoint_graft import graft, kept_text, require_graftable
from engine.checkpoints import Checkpoint, CheckpointStore, can_resume, capture
from engine.model import Model
from engine.project import Project
from engine.snapshots import DIVERGED, Snapshot


@dataclass(frozen=True)
class ForkPlan:
    """One side of the comparison: what trains, from which checkpoint, at which rate."""

    label: str
    project: Project
    start: Checkpoint
    learning_rate: float | None
    kept: str = ""  # which layers kept the checkpoint's weights (a graph edit), in words

    def run(self, data: Any = None, cap_bytes: int | None = None) -> ForkRun:
        """The run of this plan (not started); ``cap_bytes``: its moments' memory cap (None:
        sized to the model, as the main run's default)."""
        return ForkRun(self.project, self.label, data, start=self.start,
                       learning_rate=self.learning_rate, cap_bytes=cap_bytes)


class ForkRun(VariantRun):
    """A ``VariantRun`` that also keeps its curve (every snapshot drained, probes left out)
    and its moments (``moments``; read them once the run has ended)."""

    def __init__(self, *args: Any, cap_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.curve: list[Snapshot] = []
        self.moments = CheckpointStore(cap_bytes)
        if self.fork is not None:
            self.moments.replace_all([self.fork])  # its timeline starts at the fork

    def drain(self) -> list[Snapshot]:
        new = super().drain()
        self.curve.extend(replace(snap, probes={}) for snap in new)
        return new

    def _starting(self, trainer: Any) -> None:
        self.moments.maybe_record(trainer)
        self._cut(trainer)

    def _pulled(self, trainer: Any, snap: Snapshot) -> None:
        if snap.event != DIVERGED:  # as the main run: no moment of a diverged state
            metrics = {k: v[-1] for k, v in trainer.history.items() if v and k != "epoch_time"}
            self.moments.maybe_record(trainer, metrics, force=snap.is_final)
        self._cut(trainer)

    def _cut(self, trainer: Any) -> None:
        """The next pull ends where the next moment is due (at most ``CHUNK_STEPS``)."""
        trainer.config.snapshot_every = min(CHUNK_STEPS,
                                            self.moments.steps_until_due(trainer.step))


@dataclass(frozen=True)
class KeptRun:
    """An ended run of the comparison, to be kept as a branch of the main run."""

    name: str
    project: Project  # its network and settings
    start: Checkpoint  # where it started (fitted to its network and settings)
    present: Checkpoint  # its whole state at the end
    learning_rate: float | None
    snapshots: list[Snapshot] = field(default_factory=list)  # its curve, oldest first
    moments: list[Checkpoint] = field(default_factory=list)  # its timeline: fork ... present


def kept_run(plan: ForkPlan, run: ForkRun) -> KeptRun | str:
    """``run`` (of ``plan``) as a ``KeptRun``, or why it cannot be kept, in plain words."""
    if run.alive:
        return "Let the runs finish or press Stop all first: a run is kept as it ends."
    trainer = run.trainer
    if not can_resume(trainer) or run.last is None:
        return f"'{plan.label}' did not train, so there is nothing to keep."
    moments = run.moments.checkpoints()
    last = moments[-1] if moments else None
    if last is None or (last.step, last.epoch) != (trainer.step, trainer.epoch):
        moments.append(capture(trainer, last))  # ended without a moment (diverged)
    return KeptRun(plan.label, plan.project, plan.start, moments[-1], plan.learning_rate,
                   list(run.curve), moments)


def _same_graph(a: Project, b: Project) -> bool:
    return a.graph.to_dict() == b.graph.to_dict()


def fork_plans(parent: Project, checkpoint: Checkpoint, parent_lr: float | None,
               spec: VariantSpec) -> list[ForkPlan]:
    """``[parent plan, branch plan]`` from ``checkpoint`` (see the module docstring); a
    ``ConfigError`` in plain words when the branch cannot be made."""
    branch = make_variant(parent, spec)
    start = adapted(checkpoint, parent.training, branch.training)
    kept = ""
    if not _same_graph(parent, branch):
        require_graftable(start)
        start, report = graft(start, Model(branch.graph, seed=branch.training.seed))
        kept = kept_text(report)
    rate = spec.training.get("learning_rate", parent_lr)
    at = f"epoch {checkpoint.epoch}"
    parent_label = f"parent from {at}" + (f", lr {parent_lr:g}" if parent_lr else "")
    branch_label = f"branch from {at}: {spec.label()}"
    return [ForkPlan(parent_label, parent, checkpoint, parent_lr),
            ForkPlan(branch_label, branch, start, None if rate is None else float(rate), kept)]


def history_before(epochs: list[int], losses: list[float], epoch: int,
                   ) -> list[tuple[int, float]]:
    """``(epoch, train loss)`` of the parent's epochs up to ``epoch`` (finite values only)."""
    return [(e, float(v)) for e, v in zip(epochs, losses, strict=False)
            if e <= epoch and math.isfinite(v)]
