"""Compile every family's numba kernels before a learner's first Play (one shared warm-up).

numba compiles a kernel the first time it meets a new argument signature (dtype, ndim,
layout) and, with ``cache=True``, stores the machine code under ``__pycache__``; a later
process only loads it (milliseconds). ``warm_engine`` runs each ``WarmupTask`` — a bundled
example, or a small network for a layer the examples do not use (GRU, BatchNormalization,
Conv1D, ...) — exactly as the app trains it: ``engine.recipes.prepare``, the same
``TrainConfig`` and dtype, two optimizer steps on a shrunk copy of its data, the end-of-epoch
evaluation, the live probes (decision grid, curve, confusion, weights, neuron maps, latent
views) and the introspection probes of the Look-inside views. So every signature the first
Play meets is compiled here. Users: ``main.py warmup`` (the install step, with a progress
line), ``widgets/window/startup.py`` (a background thread at start-up) and ``tests/warm_engine.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from engine.graph import Graph
from engine.probes import ProbeSet
from engine.project import Project, load_project
from engine.resources import examples_dir
from engine.training import TrainConfig

log = logging.getLogger(__name__)

EXAMPLES = examples_dir()
FAMILIES = ("dense", "conv", "pooling", "normalization", "recurrent", "attention", "embedding",
            "generative")
# every probe name the views ask for (unknown ones are skipped by each trainer's probe set)
LIVE_PROBES = ["decision_grid", "curve", "confusion", "weights", "neuron_maps", "latent_codes",
               "latent_grid", "reconstructions", "interpolation", "gan_samples", "gan_surface",
               "mode_coverage", "introspection"]
# the Look-inside probes each kind of network's views request (widgets/views/*.probe_requests)
Requests = dict[str, dict[str, Any]]
Layers = list[tuple[str, dict[str, Any]]]
DENSE_INSIDE: Requests = {"saliency": {"index": 0}, "fgsm": {"index": 0}, "dynamics": {},
                "evaluation": {"limit": 20}}
CONV_INSIDE: Requests = {**DENSE_INSIDE, "cnn_filters": {}, "cnn_maps": {},
                         "cnn_misclassified": {}}
SEQUENCE_INSIDE: Requests = {"dynamics": {}, "attention": {}, "hidden_states": {},
                             "time_gradients": {}}
INSIDE: dict[str, Requests] = {
    "dense": DENSE_INSIDE, "conv": CONV_INSIDE, "pooling": CONV_INSIDE,
    "normalization": CONV_INSIDE, "recurrent": SEQUENCE_INSIDE, "attention": SEQUENCE_INSIDE,
    "embedding": SEQUENCE_INSIDE}
WARM_BATCHES = 2  # optimizer steps per task (the shrunk training split holds this many batches)


@dataclass(frozen=True)
class WarmupTask:
    """One short run: ``family`` (see FAMILIES), ``label`` for the progress line, ``make``
    builds the project (a fresh one each call)."""

    family: str
    label: str
    make: Callable[[], Project]
    inside: dict[str, dict[str, Any]] | None = None  # None: INSIDE[family] (or none)


@dataclass(frozen=True)
class WarmupProgress:
    """Reported before each task: ``index`` of ``count`` within ``family``; ``done`` of
    ``total`` overall; ``elapsed`` seconds since the warm-up began."""

    family: str
    label: str
    index: int
    count: int
    done: int
    total: int
    elapsed: float

    def line(self) -> str:
        """``Preparing the engine: conv 3/9 (resnet_tiny)…``"""
        return f"Preparing the engine: {self.family} {self.index}/{self.count} ({self.label})…"


@dataclass
class WarmupReport:
    seconds: float = 0.0
    tasks: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, message)


def _example(name: str) -> Callable[[], Project]:
    return lambda: load_project(EXAMPLES / f"{name}.layerlab.json")


def _chain(dataset: dict[str, Any], layers: Layers,
           batch: int = 16) -> Callable[[], Project]:
    """A project of ``layers`` wired one after another (Input first) on ``dataset``."""
    def make() -> Project:
        graph, previous = Graph(), None
        for i, (kind, options) in enumerate(layers):
            name = graph.add_node(kind, f"{kind.lower()}_{i}", dict(options)).name
            if previous is not None:
                graph.connect(previous, name)
            previous = name
        return Project(graph=graph, dataset=dict(dataset), name="warm-up",
                       training=TrainConfig(batch_size=batch, epochs=1))
    return make


COPY = {"name": "copy", "length": 5, "vocab_size": 4, "n_samples": 200}
SINE = {"name": "sine_forecast", "n_samples": 200, "window": 30, "noise": 0.05}
DIGIT_IMAGES = {"name": "digits", "as_image": True}
TOKENS_IN: Layers = [("Input", {"shape": [10]}), ("Embedding", {"input_dim": 5, "output_dim": 8})]
TOKENS_OUT: Layers = [("TimeDistributed", {"units": 5, "activation": "softmax"})]
SINE_IN: Layers = [("Input", {"shape": [30, 1]})]
SINE_OUT: Layers = [("Dense", {"units": 1})]


def _recurrent(kind: str, **options: Any) -> Layers:
    return [(kind, {"units": 8, "return_sequences": True, **options})]


TASKS: tuple[WarmupTask, ...] = (
    *(WarmupTask("dense", n, _example(n)) for n in
      ("xor", "spiral", "circles", "regression_sine", "digits_mlp", "perceptron_and")),
    *(WarmupTask("conv", n, _example(n)) for n in
      ("digits_cnn", "overfitting_cnn", "shapes_cnn", "resnet_tiny", "finetune_digits",
       "finetune_shapes_pretrained")),
    WarmupTask("conv", "Conv1D", _chain(SINE, [
        *SINE_IN, ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same",
                              "activation": "relu"}), ("Flatten", {}), *SINE_OUT])),
    WarmupTask("pooling", "AvgPool2D, Upsample2D, Conv2DTranspose, GlobalMaxPool2D", _chain(
        DIGIT_IMAGES, [("Input", {"shape": [1, 8, 8]}),
                       ("Conv2D", {"filters": 4, "kernel_size": [3, 3], "padding": "same"}),
                       ("AvgPool2D", {"pool_size": [2, 2]}), ("Upsample2D", {"size": [2, 2]}),
                       ("Conv2DTranspose", {"filters": 4, "kernel_size": [3, 3]}),
                       ("GlobalMaxPool2D", {}), ("Dense", {"units": 10,
                                                           "activation": "softmax"})])),
    WarmupTask("normalization", "BatchNormalization, SpatialDropout2D", _chain(
        DIGIT_IMAGES, [("Input", {"shape": [1, 8, 8]}),
                       ("Conv2D", {"filters": 4, "kernel_size": [3, 3]}),
                       ("BatchNormalization", {}), ("SpatialDropout2D", {"rate": 0.1}),
                       ("MaxPool2D", {"pool_size": [2, 2]}), ("Flatten", {}),
                       ("BatchNormalization", {}),
                       ("Dense", {"units": 10, "activation": "softmax"})])),
    *(WarmupTask("recurrent", n, _example(n)) for n in ("sine_rnn", "copy_lstm_vs_rnn")),
    *(WarmupTask("recurrent", f"{kind} on tokens{note}", _chain(
        COPY, [*TOKENS_IN, *_recurrent(kind, **opts), *TOKENS_OUT]))
      for kind, note, opts in (("GRU", "", {}), ("GRU", ", reset_after off",
                                                 {"reset_after": False}),
                               ("SimpleRNN", "", {}))),
    *(WarmupTask("recurrent", f"{kind} on numbers", _chain(
        SINE, [*SINE_IN, *_recurrent(kind, return_sequences=False), *SINE_OUT]))
      for kind in ("LSTM", "GRU")),
    WarmupTask("recurrent", "Bidirectional", _chain(COPY, [
        *TOKENS_IN, ("Bidirectional", {"cell": "GRU", "units": 8, "return_sequences": True}),
        *TOKENS_OUT])),
    WarmupTask("recurrent", "SequencePooling", _chain(SINE, [
        *SINE_IN, *_recurrent("SimpleRNN"), ("SequencePooling", {"mode": "max"}), *SINE_OUT])),
    WarmupTask("attention", "tiny_transformer", _example("tiny_transformer")),
    WarmupTask("attention", "dates_seq2seq_attention", _example("dates_seq2seq_attention"),
               {**SEQUENCE_INSIDE, "translate": {}}),
    WarmupTask("embedding", "char_lstm", _example("char_lstm"),
               {**SEQUENCE_INSIDE, "generate": {"prompt": "The ", "length": 20}}),
    WarmupTask("embedding", "OneHot", _chain(COPY, [
        ("Input", {"shape": [10]}), ("OneHot", {"depth": 5}), *_recurrent("LSTM"),
        *TOKENS_OUT])),
    *(WarmupTask("generative", n, _example(n)) for n in
      ("ae_digits_2d", "denoising_ae", "vae_digits_2d", "gan_digits", "cgan_digits",
       "gan_ring_of_gaussians")),
)


def shrink(data: Any, n_train: int, n_val: int) -> Any:
    """A copy of ``data`` (a ``Dataset``) with its first ``n_train``/``n_val`` samples."""
    changes: dict[str, Any] = {}
    n = len(data.x_train)
    m = len(data.x_val)
    for f in fields(data):
        value = getattr(data, f.name)
        if not isinstance(value, np.ndarray) or value.ndim == 0:
            continue
        if f.name.endswith("train") or f.name.endswith("train_raw"):
            changes[f.name] = value[:n_train] if len(value) == n else value
        elif f.name.endswith("val") or f.name.endswith("val_raw"):
            changes[f.name] = value[:n_val] if len(value) == m else value
    return replace(data, **changes)


def run_task(task: WarmupTask) -> None:
    """Train ``task``'s project for ``WARM_BATCHES`` steps + one epoch end, with every probe."""
    from engine.introspection import probe_batch_from
    from engine.recipes import prepare

    project = task.make()
    cfg = project.training
    cfg.epochs, cfg.max_steps_per_second, cfg.snapshot_every = 1, 0.0, 1
    cfg.early_stopping, cfg.probes = False, list(LIVE_PROBES)
    prepared = prepare(project)
    trainer, data = prepared.trainer, prepared.data
    batch = cfg.effective_batch(len(data.x_train))
    if len(data.x_train) > WARM_BATCHES * batch:
        trainer.replace_data(shrink(data, WARM_BATCHES * batch, 2 * batch))
    grid = trainer.probe_grid
    inside = task.inside if task.inside is not None else INSIDE.get(task.family, {})
    if isinstance(grid, ProbeSet) and inside:
        grid.probe_batch = probe_batch_from(trainer)
        grid.introspection_budget_s = None
        grid.set_introspection(inside)
    for _ in trainer.run():
        pass


def warm_engine(tasks: tuple[WarmupTask, ...] | None = None,
                progress: Callable[[WarmupProgress], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> WarmupReport:
    """Run every task (see the module docstring); a task that fails is recorded, not raised
    (the learner's own Play reports real errors). Stops early when ``should_stop()``.
    ``tasks``: default ``TASKS`` (every family)."""
    tasks = TASKS if tasks is None else tasks
    report, start = WarmupReport(), time.perf_counter()
    counts = {family: sum(t.family == family for t in tasks) for family in FAMILIES}
    seen: dict[str, int] = {}
    for done, task in enumerate(tasks):
        if should_stop is not None and should_stop():
            break
        seen[task.family] = seen.get(task.family, 0) + 1
        if progress is not None:
            progress(WarmupProgress(task.family, task.label, seen[task.family],
                                    counts.get(task.family, 1), done, len(tasks),
                                    time.perf_counter() - start))
        try:
            with np.errstate(all="ignore"):
                run_task(task)
        except Exception as err:  # noqa: BLE001 - a warm-up must never stop the app
            log.warning("warm-up task %s failed: %s: %s", task.label, type(err).__name__, err)
            report.failed.append((task.label, f"{type(err).__name__}: {err}"))
        report.tasks += 1
    report.seconds = time.perf_counter() - start
    return report
