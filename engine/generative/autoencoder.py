"""Autoencoder and VAE training: the target is the input itself.

The graph maps an input ``(*S)`` to a reconstruction with as many values (``(*S)`` or flat);
the reconstruction loss is MSE or binary cross-entropy (on logits when the output layer ends in
sigmoid). Variants, all in ``TrainConfig.recipe_options`` (``engine.generative.options``):

- denoising: Gaussian (``x + σ·ε``) or masking (each input zeroed with probability p) noise is
  added to the *input* of training batches only; the target stays the clean input;
- sparse: ``sparsity·mean_batch Σ|h|`` on the code layer's activations h, whose gradient enters
  the backward pass at the code layer (``Model.backward(extra=...)``);
- VAE (recipe ``"vae"``): the graph contains a Sampling layer; its β·KL arrives through the
  layer ``aux_loss`` mechanism. The KL weight is ``β·min(1, epochs done / kl_warmup_epochs)``
  (counted in steps), a function of the global step set on every Sampling layer before each
  mini-batch, so a run gives the same numbers however it is cut into chunks (the app's chunk
  sizes follow timing; a branch resumes mid-run).

``AutoencoderTrainer`` reuses ``Trainer.run`` (the snapshot loop); metrics: ``loss`` (the
objective), ``recon`` (VAE: summed over the output values per sample) and, for a VAE, ``kl``
(unweighted) and ``kl_weight``, for both splits. The final report adds the per-value ``mse``
and, for labelled data, ``code_knn_accuracy``: 5-nearest-neighbour accuracy of validation codes
among training codes (how well the code layer separates the classes; chance is ~1/classes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.frozen import FrozenParams
from engine.generative.graph_tools import code_layer
from engine.generative.latent import encode, knn_accuracy
from engine.generative.latent_probes import LatentProbeSet
from engine.generative.options import resolve
from engine.losses import Loss, get_loss
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.schedules import schedule_from_config
from engine.stepper import (
    GenericStepper,
    apply_penalties,
    clip_gradients,
    make_stepper,
    penalized_params,
    step_trainable,
)
from engine.stepper_delegate import DelegatingStepper
from engine.targets import TargetCoder
from engine.training import TrainConfig, Trainer, check_data_fits
from engine.types import ConfigError, format_shape


def reconstruction_loss(name: str, model: Model) -> tuple[Loss, bool]:
    """(loss, logits_mode) for ``"mse"`` or ``"bce"`` and this model's output activation."""
    if name == "mse":
        return get_loss("mse"), False
    act = model.output_activation()
    if act in ("sigmoid", "linear"):
        return get_loss("binary_crossentropy", from_logits=True), True
    raise ConfigError(f"Binary cross-entropy compares values in [0, 1]: end the decoder with a "
                      f"sigmoid (it uses {act}), or choose mean squared error.")


def corrupt(x: np.ndarray, kind: str, level: float, rng: np.random.Generator) -> np.ndarray:
    """x: (B, *S) -> a noisy copy: ``"gaussian"`` adds N(0, level²), ``"masking"`` zeroes each
    value with probability ``level``; ``"none"`` returns x itself."""
    if kind == "gaussian" and level > 0:
        return (x + level * rng.standard_normal(x.shape)).astype(x.dtype)
    if kind == "masking" and level > 0:
        return x * (rng.random(x.shape) >= level).astype(x.dtype)
    return x


class AutoencoderTrainer(Trainer):
    """Trainer of the ``"autoencoder"`` and ``"vae"`` recipes (see the module docstring)."""

    def __init__(self, model: Model, data: Dataset, config: TrainConfig,
                 recipe: str = "autoencoder") -> None:
        config.check()
        self.recipe, self.model, self.data, self.config = recipe, model, data, config
        check_data_fits(model, data)
        self.opts = resolve(recipe, config.recipe_options)
        n_in, n_out = int(np.prod(model.input_shape)), int(np.prod(model.output_shape))
        if n_in != n_out:
            raise ConfigError(
                f"An autoencoder rebuilds its input, so its output layer must give "
                f"{format_shape(model.input_shape)} ({n_in} values) but it gives "
                f"{format_shape(model.output_shape)} ({n_out}). Set the last layer's units to "
                f"{n_in} (add a Reshape for images).")
        self.sampling = [layer for layer in model.layers.values() if layer.kind == "Sampling"]
        if recipe == "vae" and not self.sampling:
            raise ConfigError("A VAE needs a Sampling layer between its encoder and decoder: "
                              "feed it a mean and a log-variance layer of the same size.")
        self.code = code_layer(model, self.opts["code_layer"])
        self.loss, logits = reconstruction_loss(self.opts["reconstruction_loss"], model)
        # VAE: the reconstruction term is summed over the output values (mean over the batch),
        # the scale of the ELBO, so that β = 1 is the textbook VAE; autoencoder: mean per value
        self.recon_scale = float(n_out) if recipe == "vae" else 1.0
        model.set_logits_mode(logits)
        self.coder = TargetCoder("regression", 0, n_out, "raw")
        self.optimizer = get_optimizer(config.optimizer, **config.optimizer_options)
        self.optimizer.schedule = schedule_from_config(config.schedule)
        self.y_train, self.y_val = self.targets(data.x_train), self.targets(data.x_val)
        self.stepper = ReconstructionStepper(self)
        self.history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "epoch_time": []}
        self.rng = np.random.default_rng(config.seed)
        self.noise_rng = np.random.default_rng([config.seed, 7])
        self.step = self.epoch = 0
        # where the run is inside its epoch, as in Trainer (Trainer.run reads them; checkpoints)
        self.epoch_start_rng: dict[str, Any] = dict(self.rng.bit_generator.state)
        self.epoch_pos = 0
        self.epoch_losses: list[float] = []
        self.resume: tuple[int, list[float]] | None = None
        self.time_to_first_step: float | None = None
        self.recent: list[float] = []
        self.probe_grid: Any = LatentProbeSet(self)

    def targets(self, x: np.ndarray) -> np.ndarray:
        """x: (N, *input_shape) -> (N, *output_shape) clean targets."""
        return np.ascontiguousarray(x.reshape(len(x), *self.model.output_shape),
                                    dtype=self.model.dtype)

    def kl_weight(self, step: int | None = None) -> float:
        """β, scaled by the linear warm-up over ``kl_warmup_epochs`` (counted in steps), at
        global ``step`` (None: the steps done so far)."""
        beta, warm = self.opts.get("beta", 1.0), self.opts.get("kl_warmup_epochs", 0.0)
        if warm <= 0:
            return float(beta)
        per_epoch = math.ceil(len(self.data.x_train) /
                              self.config.effective_batch(len(self.data.x_train)))
        done = self.step if step is None else step
        return float(beta * min(1.0, done / (warm * max(per_epoch, 1))))

    def set_kl_weight(self, step: int) -> None:
        """Set the KL weight of global ``step`` on every Sampling layer (before its batch)."""
        weight = self.kl_weight(step)
        for layer in self.sampling:
            layer.aux_weight = weight  # type: ignore[attr-defined]

    def refresh_options(self) -> None:
        """Re-read ``recipe_options`` (changed live) and set the KL weight on Sampling layers."""
        self.opts = resolve(self.recipe, self.config.recipe_options)
        self.set_kl_weight(self.step)

    def check_replacement(self, data: Dataset) -> None:
        check_data_fits(self.model, data)
        if len(data.x_train) == 0:
            raise ConfigError("The new data has no training samples.")

    def replace_data(self, data: Dataset) -> None:
        self.check_replacement(data)
        self.data, self.y_train, self.y_val = data, self.targets(data.x_train), \
            self.targets(data.x_val)
        self.probe_grid = LatentProbeSet(self)

    def final_metrics(self, data: Dataset) -> dict[str, Any]:
        """Report numbers: the evaluation metrics and the plain per-value MSE."""
        x = data.x_val if len(data.x_val) else data.x_train
        out: dict[str, Any] = {"split": "validation" if len(data.x_val) else "train"}
        out.update(self.evaluate(x, self.targets(x), x))
        out["mse"] = float(np.mean((self.model.predict(x[:8000]) - self.targets(x[:8000])) ** 2))
        y = data.y_val if len(data.x_val) else data.y_train
        if np.asarray(y).ndim == 1 and len(data.x_val):  # labelled: do the codes sort classes?
            train = encode(self.model, self.code, data.x_train[:4000])
            out["code_knn_accuracy"] = knn_accuracy(train, data.y_train[:4000],
                                                    encode(self.model, self.code, x[:2000]),
                                                    y[:2000])
        return out

    def evaluate(self, x: np.ndarray, y_enc: np.ndarray, y_raw: np.ndarray) -> dict[str, float]:
        """The objective, the reconstruction loss and (VAE) the KL on up to 8000 samples."""
        if len(x) == 0:
            return {}
        n = min(len(x), 8000)
        out = self.model.forward(x[:n], training=False)
        recon = self.loss.value(out, y_enc[:n]) * self.recon_scale
        result = {"loss": recon, "recon": recon}
        lam = self.opts["sparsity"]
        if lam > 0:
            h = self.model.activations_of()[self.code]
            result["loss"] += lam * float(np.abs(h).sum()) / n
        if self.sampling:
            kl = float(sum(layer.kl for layer in self.sampling))  # type: ignore[attr-defined]
            weight = self.kl_weight()
            result.update(loss=result["loss"] + weight * kl, kl=kl, kl_weight=weight)
        return result


class ReconstructionStepper(DelegatingStepper):
    """Runs optimizer steps of an ``AutoencoderTrainer`` over a chunk of mini-batches.

    A plain autoencoder that is a chain of Dense layers (no Sampling layer) runs its chunks on
    the fused Dense-chain path (``engine.stepper.make_stepper`` -> ``FusedMLPStepper``, same
    numbers, target = the clean input) whenever no input noise and no sparsity are set; the
    options are read per chunk, so switching them on live falls back to the layer-by-layer pass.
    """

    def __init__(self, trainer: AutoencoderTrainer) -> None:
        self.trainer = trainer
        self.model, self.loss, self.optimizer = trainer.model, trainer.loss, trainer.optimizer
        self.penalized = penalized_params(trainer.model)
        self.frozen = FrozenParams(trainer.model)  # layers with trainable: false
        self.fused: Any = None
        if trainer.recon_scale == 1.0 and not trainer.sampling:
            fast = make_stepper(self.model, self.loss, self.optimizer, trainer.config)
            self.fused = None if isinstance(fast, GenericStepper) else fast

    @property
    def name(self) -> str:
        """The stepper that runs the next plain chunk (for the benchmark's report)."""
        return type(self.fused).__name__ if self.fused is not None else type(self).__name__

    def run(self, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> np.ndarray:
        """x: (N, *in), y: clean targets (N, *out), batches: index arrays -> losses (steps,)."""
        self.trainer.refresh_options()
        opts = self.trainer.opts
        clean = opts["input_noise"] == "none" or opts["noise_level"] <= 0
        if self.fused is not None and clean and opts["sparsity"] <= 0:
            return self.fused.run(x, y, batches)  # type: ignore[no-any-return]
        losses = np.empty(len(batches))
        for i, idx in enumerate(batches):
            if self.trainer.sampling:  # the KL weight of this batch's own step
                self.trainer.set_kl_weight(self.trainer.step + i)
            xb = corrupt(x[idx], opts["input_noise"], opts["noise_level"], self.trainer.noise_rng)
            losses[i] = self.train_batch(xb, y[idx], opts["sparsity"])
        return losses

    def train_batch(self, xb: np.ndarray, yb: np.ndarray, sparsity: float) -> float:
        model, code = self.model, self.trainer.code
        out = model.forward(xb, training=True)
        value, grad = self.loss.value_and_grad(out, yb)
        scale = self.trainer.recon_scale
        if scale != 1.0:
            value, grad = value * scale, grad * grad.dtype.type(scale)
        value += model.aux_loss()
        extra = None
        if sparsity > 0:
            h = model.activations_of()[code]
            value += sparsity * float(np.abs(h).sum()) / len(h)
            extra = {code: (sparsity / len(h)) * np.sign(h).astype(h.dtype)}
        model.backward(grad, extra=extra)
        value += apply_penalties(self.penalized)
        step_trainable(self.optimizer, model, self.frozen,
                       lambda grads: clip_gradients(grads, self.trainer.config))
        return float(value)
