"""GAN training: a generator and a discriminator drawn as two sub-networks on one canvas.

How a project marks them: *nothing to tag*. The canvas must hold exactly two separate
(unconnected) sub-networks, each with one Input and one output. The **discriminator** is the
one whose output has a single unit and whose Input takes a data sample (flat data: ``(D,)``,
``(D + K,)`` when conditional; images ``(C, H, W)``); the **generator** is the other one: its
Input takes the noise z (``(noise_dim,)``, ``(noise_dim + K,)`` when conditional) and its
output must have the data's shape. When both parts could be the discriminator (1-D data), the
first one placed on the canvas is the generator.

Training (``GANTrainer.run``, a generator of ``Snapshot``s like ``Trainer.run``): each
mini-batch of real samples makes one discriminator step (loss ``−log D(x) − log(1 − D(G(z)))``,
the sigmoid applied to D's logit, fused and stable) and every ``d_steps``-th batch also one
generator step with the non-saturating loss ``−log D(G(z))``. Each network has its own
optimizer and learning rate (``g_optimizer``/``g_learning_rate``, ``d_…``; read live, like the
noise distribution). Conditional GAN: the one-hot label is appended to the noise and to the
discriminator's input (flat data only).

Snapshots: ``batch_losses`` are the discriminator losses; ``extra`` holds ``d_loss``,
``g_loss``, ``d_real`` (mean D(x)) and ``d_fake`` (mean D(G(z))) over the chunk, and their
per-step tuples ``d_losses``, ``g_losses``. Epoch metrics: ``train_loss`` (= d_loss + g_loss),
``d_loss``, ``g_loss``, ``d_real``, ``d_fake``, ``val_d_real`` (mean D on validation data)
and, on 2-D labelled data, ``modes_covered``: how many modes get at least ``coverage_share``
of 1000 generated points within 3σ of their centre (``gan_probes.mode_coverage``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.diagnosis import diagnose_divergence
from engine.divergence import DivergenceWatch
from engine.frozen import FrozenParams
from engine.generative.gan_parts import GANPair, split_gan
from engine.generative.gan_probes import GANProbeSet
from engine.generative.gan_state import capture_gan, restore_gan
from engine.generative.options import resolve
from engine.graph import Graph
from engine.model import Model
from engine.optimizers import Optimizer, get_optimizer
from engine.snapshots import DIVERGED, EPOCH, FINISHED, STEP, STOPPED, Snapshot
from engine.stepper import apply_penalties, clip_gradients, penalized_params, step_trainable
from engine.trainer_state import TrainerState
from engine.training import TrainConfig, data_magnitude
from engine.types import ConfigError, DataError, GraphError, format_shape

__all__ = ["GANPair", "GANTrainer", "split_gan"]


def _softplus(v: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, v)


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * v))


class GANTrainer:
    """Alternating generator/discriminator training (see the module docstring)."""

    def __init__(self, graph: Graph, data: Dataset, config: TrainConfig) -> None:
        config.check()
        self.config, self.data = config, data
        self.opts = resolve("gan", config.recipe_options)
        self.conditional = bool(self.opts["conditional"])
        self.n_classes = data.n_classes if data.task == "classification" else 0
        if self.conditional and (len(data.input_shape) != 1 or self.n_classes < 2):
            raise ConfigError("A conditional GAN appends the one-hot class to flat samples: use "
                              "a classification dataset of flat vectors (not images).")
        k = self.n_classes if self.conditional else 0
        self.data_shape = tuple(data.input_shape)
        d_in = (self.data_shape[0] + k,) if self.conditional else self.data_shape
        g_graph, d_graph = split_gan(graph, d_in)
        self.generator = Model(g_graph, seed=config.seed)
        self.discriminator = Model(d_graph, seed=config.seed + 1)
        self._check_shapes(k)
        self._check_discriminator()
        self.discriminator.set_logits_mode(True)
        self.model = GANPair(self.generator, self.discriminator)
        self.g_optimizer = self._optimizer("g")
        self.d_optimizer = self._optimizer("d")
        self.optimizer = self.g_optimizer  # what a generic panel shows
        self.g_penalized = penalized_params(self.generator)
        self.d_penalized = penalized_params(self.discriminator)
        self.g_frozen = FrozenParams(self.generator)  # layers with trainable: false
        self.d_frozen = FrozenParams(self.discriminator)
        self.rng = np.random.default_rng(config.seed)
        self.noise_rng = np.random.default_rng([config.seed, 11])
        self.step = self.epoch = self.d_count = 0
        # the place in the epoch (``gan_state``): the order's generator state at the epoch's
        # start, batches done, their rows; ``resume`` = (done, rows): the next run() there
        self.epoch_start_rng: dict[str, Any] = dict(self.rng.bit_generator.state)
        self.epoch_pos = 0
        self.epoch_rows: dict[str, list[float]] = {}
        self.resume: tuple[int, dict[str, list[float]]] | None = None
        self.history: dict[str, list[float]] = {"train_loss": [], "val_loss": [],
                                                "epoch_time": []}
        self.time_to_first_step: float | None = None
        self.metrics: dict[str, float] = {}
        self.probe_grid = GANProbeSet(self)

    def _check_discriminator(self) -> None:
        act = self.discriminator.output_activation()
        if act not in ("sigmoid", "linear"):
            raise ConfigError(f"The discriminator's last layer must use sigmoid (or linear, read "
                              f"as a logit), not {act}.")

    def _check_shapes(self, k: int) -> None:
        g_in, g_out = self.generator.input_shape, self.generator.output_shape
        if tuple(g_out) != self.data_shape:
            raise GraphError(f"The generator's output gives {format_shape(g_out)} but the data's "
                             f"samples are {format_shape(self.data_shape)}; make its last layer "
                             f"produce that shape.")
        if len(g_in) != 1 or g_in[0] <= k:
            raise GraphError(f"The generator's Input must be a flat noise vector (plus the {k} "
                             f"class values when conditional); it is {format_shape(g_in)}.")
        self.noise_dim = int(g_in[0]) - k
        if self.opts["noise_dim"] and self.opts["noise_dim"] != self.noise_dim:
            raise ConfigError(f"noise_dim is {self.opts['noise_dim']} but the generator's Input "
                              f"takes {self.noise_dim} noise values; change one to match.")

    def _optimizer(self, which: str) -> Optimizer:
        name = self.opts[f"{which}_optimizer"] or self.config.optimizer
        options = dict(self.config.optimizer_options) if name == self.config.optimizer else {}
        lr = self.opts[f"{which}_learning_rate"]
        if lr > 0:
            options["learning_rate"] = lr
        return get_optimizer(name, **options)

    # -- the timeline's checkpoints (engine.trainer_state.OwnStateTrainer) ---------------------
    @property
    def buffers_per_weight(self) -> int:
        return max(len(self.g_optimizer.state_names), len(self.d_optimizer.state_names))

    def capture_state(self) -> TrainerState:
        return capture_gan(self)

    def restore_state(self, state: TrainerState) -> None:
        restore_gan(self, state)

    # -- sampling ----------------------------------------------------------------------------
    def noise(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """(n, noise_dim) noise from the chosen distribution (normal, or uniform in [-1, 1])."""
        rng = rng or self.noise_rng
        if self.opts["noise_distribution"] == "uniform":
            return rng.uniform(-1.0, 1.0, (n, self.noise_dim))
        return rng.standard_normal((n, self.noise_dim))

    def _with_labels(self, x: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        if not self.conditional or labels is None:
            return np.ascontiguousarray(x, dtype=np.float32)
        onehot = np.eye(self.n_classes, dtype=np.float32)[labels]
        return np.concatenate([x.reshape(len(x), -1).astype(np.float32), onehot], axis=1)

    def generate(self, z: np.ndarray, labels: np.ndarray | None = None,
                 training: bool = False) -> np.ndarray:
        """z: (n, noise_dim) -> samples (n, *data_shape)."""
        return self.generator.forward(self._with_labels(z, labels), training)

    def d_prob(self, x: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """x: (n, *data_shape) -> (n,) D(x), the probability that x is real (inference)."""
        logits = self.discriminator.forward(self._with_labels(x, labels), False)
        return _sigmoid(logits.reshape(len(x)).astype(np.float64))

    # -- steps -------------------------------------------------------------------------------
    def d_step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, float, float]:
        """One discriminator update -> (d_loss, mean D(x), mean D(G(z)))."""
        d, n = self.discriminator, len(xb)
        labels = yb if self.conditional else None
        fake = self.generate(self.noise(n), labels, training=True)
        lr = d.forward(self._with_labels(xb, labels), True).reshape(n).astype(np.float64)
        d.backward(((_sigmoid(lr) - 1.0) / n).reshape(n, 1).astype(d.dtype))
        real_grads = d.grads_flat.copy()
        lf = d.forward(self._with_labels(fake, labels), True).reshape(n).astype(np.float64)
        d.backward((_sigmoid(lf) / n).reshape(n, 1).astype(d.dtype))
        d.grads_flat += real_grads
        loss = float(_softplus(-lr).mean() + _softplus(lf).mean())
        loss += apply_penalties(self.d_penalized)
        step_trainable(self.d_optimizer, d, self.d_frozen,
                       lambda grads: clip_gradients(grads, self.config))
        return loss, float(_sigmoid(lr).mean()), float(_sigmoid(lf).mean())

    def g_step(self, n: int, yb: np.ndarray) -> float:
        """One generator update with the non-saturating loss −log D(G(z)) -> its value."""
        g, d = self.generator, self.discriminator
        labels = yb if self.conditional else None
        fake = self.generate(self.noise(n), labels, training=True)
        lf = d.forward(self._with_labels(fake, labels), True).reshape(n).astype(np.float64)
        grad_in = d.backward(((_sigmoid(lf) - 1.0) / n).reshape(n, 1).astype(d.dtype))
        grad_fake = grad_in[:, : int(np.prod(self.data_shape))] if self.conditional else grad_in
        g.backward(np.ascontiguousarray(grad_fake).reshape(fake.shape))
        loss = float(_softplus(-lf).mean()) + apply_penalties(self.g_penalized)
        step_trainable(self.g_optimizer, g, self.g_frozen,
                       lambda grads: clip_gradients(grads, self.config))
        return loss

    # -- the loop ----------------------------------------------------------------------------
    def check_replacement(self, data: Dataset) -> None:
        """Raise ``DataError`` when ``data`` cannot replace the current data mid-run."""
        if tuple(data.input_shape) != self.data_shape or len(data.x_train) == 0:
            raise DataError(f"The new data must have training samples of shape "
                            f"{format_shape(self.data_shape)}, like the generator's output.")
        if self.conditional and data.n_classes != self.n_classes:
            raise DataError(f"A conditional GAN needs {self.n_classes} classes in new data.")

    def replace_data(self, data: Dataset) -> None:
        """Train on ``data`` from the next pull on (the learner edited the points)."""
        self.check_replacement(data)
        self.data, self.probe_grid = data, GANProbeSet(self)

    def run(self, should_stop: Callable[[], bool] | None = None) -> Generator[Snapshot, None, None]:
        """Train for ``config.epochs`` epochs, yielding snapshots (as ``Trainer.run``)."""
        cfg = self.config
        start = time.perf_counter()
        g, d = self.generator, self.discriminator
        watch = DivergenceWatch(lambda: (g.params_flat, d.params_flat),  # engine.divergence
                                data_magnitude(self.data.x_train),
                                lambda: (g.grads_flat, d.grads_flat))
        while self.epoch < cfg.epochs:
            x, y, n = self.data.x_train, self.data.y_train, len(self.data.x_train)
            if n == 0:
                raise DataError("The training set is empty: add data or lower val_split.")
            batch, epoch_start = cfg.effective_batch(n), time.perf_counter()
            self.epoch_start_rng = dict(self.rng.bit_generator.state)
            order = self.rng.permutation(n) if cfg.shuffle else np.arange(n)
            starts, pos = list(range(0, n, batch)), 0
            rows: dict[str, list[float]] = {"d": [], "g": [], "real": [], "fake": []}
            if self.resume is not None:  # a restored checkpoint's place inside its epoch
                (pos, rows), self.resume = self.resume, None
            self.epoch_rows = rows
            while pos < len(starts):
                self._refresh_options()
                chunk = len(starts) - pos if cfg.snapshot_every <= 0 else cfg.snapshot_every
                part = self._chunk([order[s : s + batch] for s in starts[pos : pos + chunk]],
                                   x, y)
                pos = self.epoch_pos = pos + len(part["d"])
                for key in rows:
                    rows[key].extend(part[key])
                if self.time_to_first_step is None:
                    self.time_to_first_step = time.perf_counter() - start
                if not all(np.all(np.isfinite(part[k])) for k in ("d", "g")):
                    yield self._snapshot(DIVERGED, part, start, pos / len(starts),
                                         self._nan_message(rows["d"]))
                    return
                reason = watch.check(np.asarray(part["d"] + part["g"]), self.step,
                                     self.learning_rate())
                if reason is not None:  # diverging, not yet NaN
                    yield self._snapshot(DIVERGED, part, start, pos / len(starts), reason)
                    return
                if should_stop is not None and should_stop():
                    yield self._snapshot(STOPPED, part, start, pos / len(starts))
                    return
                if pos < len(starts):
                    yield self._snapshot(STEP, part, start, pos / len(starts))
            self.epoch, self.epoch_pos = self.epoch + 1, 0
            self._end_epoch(rows, time.perf_counter() - epoch_start)
            event = FINISHED if self.epoch >= cfg.epochs else EPOCH
            # the last chunk's losses only: the earlier chunks went out in STEP snapshots
            # (the whole epoch's again would draw every loss twice, the step axis doubled)
            yield self._snapshot(event, part, start, 1.0, probes=True)

    def _nan_message(self, d_losses: list[float]) -> str:
        """Why the run stopped on a NaN/infinite loss, and the fix (``engine.diagnosis``)."""
        bad = next((i for i, v in enumerate(d_losses) if not np.isfinite(v)), len(d_losses))
        step = self.step - len(d_losses) + min(bad, len(d_losses) - 1) + 1
        return (diagnose_divergence(d_losses[: bad + 1] or [float("nan")], step,
                                    self.learning_rate())
                + " A GAN has two learning rates (generator and discriminator, in the recipe "
                "options): lower both.")

    def learning_rate(self) -> float:
        """The generator's learning rate (what a generic panel shows and sets)."""
        return float(self.g_optimizer.current_lr())

    def set_learning_rate(self, lr: float) -> None:
        self.g_optimizer.learning_rate = lr

    @property
    def supervision(self) -> None:
        """None: the two networks train against each other, not towards targets."""
        return None

    def final_metrics(self, data: Dataset) -> dict[str, Any]:
        """Report numbers: mean D on real data and on 1000 generated samples, and (2-D labelled
        data) the mode coverage."""
        x = data.x_val if len(data.x_val) else data.x_train
        y = data.y_val if len(data.x_val) else data.y_train
        labels = np.arange(1000) % self.n_classes if self.conditional else None
        fake = self.generate(self.noise(1000, np.random.default_rng(5)), labels)
        out: dict[str, Any] = {"split": "validation" if len(data.x_val) else "train",
                               "d_real": float(self.d_prob(x[:2000], y[:2000] if
                                                           self.conditional else None).mean()),
                               "d_fake": float(self.d_prob(fake, labels).mean())}
        cov = self.probe_grid.compute(["mode_coverage"])
        if cov:
            out.update(modes_covered=int(cov["modes_covered"]), n_modes=int(cov["n_modes"]),
                       high_quality=float(cov["high_quality"]))
        return out

    def _refresh_options(self) -> None:
        """Re-read ``recipe_options`` (changed live): k, noise, the two learning rates."""
        self.opts = resolve("gan", self.config.recipe_options)
        for which, opt in (("g", self.g_optimizer), ("d", self.d_optimizer)):
            lr = self.opts[f"{which}_learning_rate"]
            if lr > 0 and lr != opt.learning_rate:
                opt.learning_rate = lr

    def _chunk(self, batches: list[np.ndarray], x: np.ndarray, y: np.ndarray
               ) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {"d": [], "g": [], "real": [], "fake": []}
        with np.errstate(over="ignore", invalid="ignore"):
            for idx in batches:
                d_loss, real, fake = self.d_step(x[idx], y[idx])
                out["d"].append(d_loss)
                out["real"].append(real)
                out["fake"].append(fake)
                self.d_count += 1
                if self.d_count % self.opts["d_steps"] == 0:
                    out["g"].append(self.g_step(len(idx), y[idx]))
        self.step += len(batches)
        return out

    def _end_epoch(self, rows: dict[str, list[float]], seconds: float) -> None:
        def mean(v: list[float]) -> float:
            return float(np.mean(v)) if v else float("nan")

        m = {"d_loss": mean(rows["d"]), "g_loss": mean(rows["g"]),
             "d_real": mean(rows["real"]), "d_fake": mean(rows["fake"])}
        m["train_loss"] = m["d_loss"] + (m["g_loss"] if rows["g"] else 0.0)
        if len(self.data.x_val):
            labels = self.data.y_val[:2000] if self.conditional else None
            m["val_d_real"] = float(self.d_prob(self.data.x_val[:2000], labels).mean())
        cov = self.probe_grid.compute(["mode_coverage"])
        if cov:  # 2-D labelled data (rings and grids of Gaussians)
            m["modes_covered"] = float(cov["modes_covered"])
        self.metrics = m
        self.history["epoch_time"].append(seconds)
        self.history["val_loss"].append(float("nan"))
        for key, value in m.items():
            self.history.setdefault(key, []).append(value)

    def _snapshot(self, event: str, part: dict[str, list[float]], start: float,
                  progress: float, message: str | None = None, probes: bool = False
                  ) -> Snapshot:
        elapsed = time.perf_counter() - start
        seen = self.step * self.config.effective_batch(len(self.data.x_train))
        want = self.config.probes if (probes or event == STEP) else []
        extra: dict[str, Any] = {
            "d_losses": tuple(part["d"]), "g_losses": tuple(part["g"]),
            **{k: float(np.mean(part[s])) if part[s] else float("nan") for k, s in
               (("d_loss", "d"), ("g_loss", "g"), ("d_real", "real"), ("d_fake", "fake"))}}
        metrics = dict(self.metrics)
        return Snapshot(
            event=event, step=self.step, epoch=self.epoch, epoch_progress=progress,
            samples_seen=seen, batch_losses=tuple(part["d"]),
            train_loss=metrics.get("train_loss"), val_loss=None, metrics=metrics,
            learning_rate=self.g_optimizer.current_lr(), elapsed=elapsed,
            samples_per_second=seen / elapsed if elapsed > 0 else 0.0,
            time_to_first_step=self.time_to_first_step, message=message,
            probes=self.probe_grid.compute(want) if want else {}, extra=extra,
            epoch_rows=(({"epoch": self.epoch, "step": self.step, **metrics},)
                        if event in (EPOCH, FINISHED) else ()),
        )
