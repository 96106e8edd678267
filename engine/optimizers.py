"""Optimizers (SGD, momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam, AdamW) and clipping.

An optimizer updates a list of parameter arrays in place from a list of gradient arrays of
the same shapes (any shape, C-contiguous; normally ONE flat buffer holding every parameter of
the model, ``params: (n,)``, ``grads: (n,)``). Each array is updated by one fused numba pass
(``engine.kernels.optimizers``); state buffers (momentum, moving averages) are allocated lazily
per list index, in the array's dtype. Formulas and defaults are PyTorch's ``torch.optim`` (stated
in each class) with Keras-style option names: ``learning_rate``, ``momentum``, ``nesterov``,
``rho``, ``epsilon``, ``beta_1``, ``beta_2``, ``weight_decay``. ``learning_rate`` may be changed
between steps; a ``schedule`` (``engine.schedules``) then scales the new base rate.
Gradient clipping (``clip_by_value``, ``clip_by_global_norm``) works on the same gradient lists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from engine.backend import pick
from engine.kernels import optimizers as K
from engine.params import ParamSpec, validate_options
from engine.schedules import Schedule, _as_schedule
from engine.types import ConfigError, TrainingError

_EPS_HELP = "Small number added to the denominator so it is never zero"
_WD_HELP = "L2 weight decay: adds weight_decay·w to the gradient"


def _lr(default: float) -> ParamSpec:
    return ParamSpec("learning_rate", "float", default, "Size of each step", min=0.0,
                     label="Learning rate")


def _eps(default: float) -> ParamSpec:
    return ParamSpec("epsilon", "float", default, _EPS_HELP, min=0.0, label="Epsilon")


def _wd(default: float = 0.0, help: str = _WD_HELP) -> ParamSpec:
    return ParamSpec("weight_decay", "float", default, help, min=0.0, label="Weight decay")


def _rho(default: float, help: str) -> ParamSpec:
    return ParamSpec("rho", "float", default, help, min=0.0, max=1.0, label="Rho")


class Optimizer:
    """Base class. Subclasses set the class attributes, ``state_names`` (one buffer each per
    parameter array) and ``_scalars`` (the kernel's scalar arguments after the buffers).
    Options are in ``self.hyper`` and readable as attributes (``opt.momentum``)."""

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    blurb: ClassVar[str] = ""
    config_spec: ClassVar[tuple[ParamSpec, ...]] = ()
    state_names: ClassVar[tuple[str, ...]] = ()
    below_one: ClassVar[tuple[str, ...]] = ()  # options that must be < 1 (not just <= 1)
    kernel: ClassVar[Callable[..., None]]
    reference: ClassVar[Callable[..., None]]

    def __init__(self, learning_rate: float | None = None,
                 schedule: Schedule | dict[str, Any] | None = None, **hyper: Any) -> None:
        if learning_rate is not None:
            hyper["learning_rate"] = learning_rate
        where = f"{self.display_name} optimizer"
        self.hyper: dict[str, Any] = validate_options(self.config_spec, hyper, where,
                                                      also_known=("schedule",))
        for key in self.below_one:
            if self.hyper[key] >= 1.0:
                raise ConfigError(f"{where}: option '{key}' must be below 1 (e.g. 0.9 or 0.999); "
                                  f"got {self.hyper[key]}.")
        self.schedule: Schedule | None = _as_schedule(schedule)
        self.iterations = 0
        self.use_reference = False  # True: run the numpy references instead of the kernels
        self._state: dict[int, list[np.ndarray]] = {}

    def __getattr__(self, key: str) -> Any:
        hyper = self.__dict__.get("hyper", {})
        if key in hyper:
            return hyper[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    @property
    def learning_rate(self) -> float:
        """The base learning rate (before any schedule); may be set between steps."""
        return float(self.hyper["learning_rate"])

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        spec = next(s for s in self.config_spec if s.name == "learning_rate")
        self.hyper["learning_rate"] = spec.validate(value, f"{self.display_name} optimizer")

    def current_lr(self) -> float:
        """The rate the next ``step()`` uses: ``schedule(learning_rate, iterations)``."""
        if self.schedule is None:
            return self.learning_rate
        return float(self.schedule(self.learning_rate, self.iterations))

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One update of every ``params[i]`` (in place) from ``grads[i]`` (same shape)."""
        if len(params) != len(grads):
            raise TrainingError(f"The optimizer got {len(params)} parameter arrays but "
                                f"{len(grads)} gradient arrays; give one gradient per parameter.")
        lr, t = self.current_lr(), self.iterations + 1
        fn = type(self).reference if self.use_reference else pick(type(self).kernel,
                                                                   type(self).reference)
        scalars = self._scalars(lr, t)
        for i, (p, g) in enumerate(zip(params, grads)):
            state = self._state_for(i, p, g)
            fn(p.reshape(-1), g.reshape(-1), *state, *scalars)
        self.iterations = t

    def _state_for(self, i: int, p: np.ndarray, g: np.ndarray) -> list[np.ndarray]:
        if p.shape != g.shape:
            raise TrainingError(f"Parameter array {i} has shape {p.shape} but its gradient has "
                                f"shape {g.shape}; they must match.")
        if not (p.flags.c_contiguous and g.flags.c_contiguous and p.flags.writeable):
            raise TrainingError(f"Parameter array {i} (or its gradient) is not a contiguous, "
                                "writable array; the optimizer updates it in place.")
        state = self._state.get(i)
        if state is None or state[0].size != p.size or state[0].dtype != p.dtype:
            if state is not None and self.iterations > 0:
                raise TrainingError(
                    f"Parameter array {i} changed size or type since the last step, so the "
                    "optimizer's memory no longer fits it. Call reset_state() (or build a new "
                    "optimizer) after changing the network.")
            state = [self._new_buffer(name, p) for name in self.state_names]
            self._state[i] = state
        return state

    def _new_buffer(self, name: str, p: np.ndarray) -> np.ndarray:
        return np.zeros(p.size, dtype=p.dtype)

    def _scalars(self, lr: float, t: int) -> tuple[Any, ...]:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Forget all state buffers and the step count (Adam's bias correction restarts)."""
        self._state.clear()
        self.iterations = 0

    def get_config(self) -> dict[str, Any]:
        """JSON-safe ``{"name", **options, "schedule": dict | None}``; round-trips exactly."""
        schedule = None if self.schedule is None else self.schedule.get_config()
        return {"name": self.name, **self.hyper, "schedule": schedule}

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Optimizer:
        """Rebuild from ``get_config()``; on the base class the name picks the class."""
        options = {k: v for k, v in cfg.items() if k != "name"}
        if cls is Optimizer:
            return get_optimizer(str(cfg.get("name", "")), **options)
        return cls(**options)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args}, schedule={self.schedule!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch convention (``torch.optim.SGD``, dampening 0):

    ``d = g + weight_decay·w``; with momentum μ: ``v ← μ·v + d`` (v starts at 0), then
    ``w ← w - lr·v`` or, with Nesterov, ``w ← w - lr·(d + μ·v)``; without momentum
    ``w ← w - lr·d``. NOTE: Keras/course notes often write ``v ← μ·v - lr·g; w ← w + v``;
    both agree for a constant lr (v_keras = -lr·v_torch) but differ once lr changes.
    """

    name = "sgd"
    display_name = "SGD"
    blurb = "Step straight down the gradient: w ← w − lr·g."
    state_names = ("momentum_buffer",)
    config_spec = (
        _lr(0.01),
        ParamSpec("momentum", "float", 0.0, "Fraction of the previous step kept (0 = none)",
                  min=0.0, max=1.0, label="Momentum"),
        ParamSpec("nesterov", "bool", False, "Look ahead along the momentum before stepping",
                  label="Nesterov"),
        _wd(),
    )
    kernel = staticmethod(K.sgd_update)
    reference = staticmethod(K.sgd_update_ref)

    def __init__(self, learning_rate: float | None = None,
                 schedule: Schedule | dict[str, Any] | None = None, **hyper: Any) -> None:
        super().__init__(learning_rate, schedule, **hyper)
        if self.hyper["nesterov"] and self.hyper["momentum"] == 0.0:
            raise ConfigError(f"{self.display_name} optimizer: Nesterov needs a momentum above 0 "
                              "(e.g. 0.9).")

    def _scalars(self, lr: float, t: int) -> tuple[Any, ...]:
        h = self.hyper
        return lr, h["momentum"], h["nesterov"], h["weight_decay"]


class Momentum(SGD):
    """SGD with momentum 0.9 (same formulas as ``SGD``): ``v ← 0.9·v + g; w ← w − lr·v``."""

    name = "momentum"
    display_name = "SGD + momentum"
    blurb = "SGD that keeps rolling: v ← μ·v + g, w ← w − lr·v (μ = 0.9)."
    config_spec = (_lr(0.01), ParamSpec("momentum", "float", 0.9, SGD.config_spec[1].help,
                                        min=0.0, max=1.0, label="Momentum"),
                   *SGD.config_spec[2:])


class Nesterov(Momentum):
    """SGD with Nesterov momentum 0.9 (``torch.optim.SGD(nesterov=True)``):
    ``v ← μ·v + g; w ← w − lr·(g + μ·v)``."""

    name = "nesterov"
    display_name = "SGD + Nesterov"
    blurb = "Momentum that looks ahead: v ← μ·v + g, w ← w − lr·(g + μ·v)."
    config_spec = (*Momentum.config_spec[:2],
                   ParamSpec("nesterov", "bool", True, SGD.config_spec[2].help, label="Nesterov"),
                   *Momentum.config_spec[3:])


class Adagrad(Optimizer):
    """Adagrad, PyTorch convention (``torch.optim.Adagrad``, lr_decay 0):

    ``d = g + weight_decay·w; s ← s + d²; w ← w − lr·d / (√s + eps)``, ``s`` starting at
    ``initial_accumulator_value`` (0 as in PyTorch; Keras starts it at 0.1).
    """

    name = "adagrad"
    display_name = "Adagrad"
    blurb = "Each weight gets its own rate, shrinking as its squared gradients add up."
    state_names = ("sum",)
    config_spec = (
        _lr(0.01), _eps(1e-10), _wd(),
        ParamSpec("initial_accumulator_value", "float", 0.0,
                  "Starting value of the running sum of squared gradients", min=0.0,
                  label="Initial sum"),
    )
    kernel = staticmethod(K.adagrad_update)
    reference = staticmethod(K.adagrad_update_ref)

    def _new_buffer(self, name: str, p: np.ndarray) -> np.ndarray:
        return np.full(p.size, self.hyper["initial_accumulator_value"], dtype=p.dtype)

    def _scalars(self, lr: float, t: int) -> tuple[Any, ...]:
        return lr, self.hyper["epsilon"], self.hyper["weight_decay"]


class RMSprop(Optimizer):
    """RMSprop, PyTorch convention (``torch.optim.RMSprop``, not centered, no momentum):

    ``d = g + weight_decay·w; s ← ρ·s + (1−ρ)·d²; w ← w − lr·d / (√s + eps)`` with s from 0.
    ``rho`` is PyTorch's ``alpha``. NOTE: Keras puts eps inside the root (``√(s + eps)``) and
    defaults lr to 0.001; here lr defaults to PyTorch's 0.01.
    """

    name = "rmsprop"
    display_name = "RMSprop"
    blurb = "Divide each step by a running average of the gradient's size."
    state_names = ("square_avg",)
    config_spec = (_lr(0.01), _rho(0.99, "How slowly the average of g² forgets"), _eps(1e-8),
                   _wd())
    below_one = ("rho",)
    kernel = staticmethod(K.rmsprop_update)
    reference = staticmethod(K.rmsprop_update_ref)

    def _scalars(self, lr: float, t: int) -> tuple[Any, ...]:
        h = self.hyper
        return lr, h["rho"], h["epsilon"], h["weight_decay"]


class Adadelta(Optimizer):
    """Adadelta, PyTorch convention (``torch.optim.Adadelta``):

    ``d = g + weight_decay·w; s ← ρ·s + (1−ρ)·d²; Δ = √(u + eps) / √(s + eps) · d;
    u ← ρ·u + (1−ρ)·Δ²; w ← w − lr·Δ`` with s and u from 0. lr defaults to 1.0 (the original
    method has no learning rate; Keras' default 0.001 barely moves).
    """

    name = "adadelta"
    display_name = "Adadelta"
    blurb = "Like RMSprop, but the step size is set by the size of recent steps."
    state_names = ("square_avg", "acc_delta")
    config_spec = (_lr(1.0), _rho(0.9, "How slowly the running averages forget"), _eps(1e-6),
                   _wd())
    kernel = staticmethod(K.adadelta_update)
    reference = staticmethod(K.adadelta_update_ref)

    def _scalars(self, lr: float, t: int) -> tuple[Any, ...]:
        h = self.hyper
        return lr, h["rho"], h["epsilon"], h["weight_decay"]


class Adam(Optimizer):
    """Adam, PyTorch convention (``torch.optim.Adam``), t = 1, 2, ... the step number:

    ``d = g + weight_decay·w; m ← β1·m + (1−β1)·d; v ← β2·v + (1−β2)·d²;
    w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)`` with m, v from 0. NOTE: eps is added
    after the bias correction of √v (as in PyTorch and the paper), not to the raw √v as Keras
    does.
    """

    name = "adam"
    display_name = "Adam"
    blurb = "Momentum plus a per-weight step size, with a correction for the first steps."
    state_names = ("exp_avg", "exp_avg_sq")
    decoupled: ClassVar[bool] = False
    config_spec = (
        _lr(0.001),
        ParamSpec("beta_1", "float", 0.9, "How slowly the average of g forgets", min=0.0,
                  max=1.0, label="Beta 1"),
        ParamSpec("beta_2", "float", 0.999, "How slowly the average of g² forgets", min=0.0,
                  max=1.0, label="Beta 2"),
        _eps(1e-8), _wd(),
    )
    below_one = ("beta_1", "beta_2")
    kernel = staticmethod(K.adam_update)
    reference = staticmethod(K.adam_update_ref)

    def _scalars(self, lr: float, t: int) -> tuple[Any, ...]:
        h = self.hyper
        return (lr, h["beta_1"], h["beta_2"], h["epsilon"], h["weight_decay"], self.decoupled,
                t)


class AdamW(Adam):
    """AdamW, PyTorch convention (``torch.optim.AdamW``): decoupled weight decay
    ``w ← w − lr·weight_decay·w`` first, then the Adam step on the raw gradient g
    (weight_decay defaults to 0.01)."""

    name = "adamw"
    display_name = "AdamW"
    blurb = "Adam with weight decay applied to the weights directly, not through the gradient."
    decoupled = True
    config_spec = (*Adam.config_spec[:4],
                   _wd(0.01, "Shrinks every weight by lr·weight_decay·w at each step"))


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls
    for cls in (SGD, Momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam, AdamW)
}
OPTIMIZER_NAMES: tuple[str, ...] = tuple(OPTIMIZERS)


def get_optimizer(name: str, /, **config: Any) -> Optimizer:
    """An optimizer by name (``OPTIMIZER_NAMES``) and options; ConfigError if either is bad.

    ``config`` may be a ``get_config()`` dict (its ``"name"`` key must then agree).
    """
    key = str(name).strip().lower()
    if "name" in config and str(config.pop("name")).strip().lower() != key:
        raise ConfigError(f"Optimizer: two different names given ('{name}').")
    if key not in OPTIMIZERS:
        raise ConfigError(
            f"Unknown optimizer '{name}'. Choose one of: {', '.join(OPTIMIZER_NAMES)}."
        )
    return OPTIMIZERS[key](**config)


# -- gradient clipping ------------------------------------------------------------------------
def clip_by_value(grads: list[np.ndarray], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    if not clip_value > 0:
        raise ConfigError(f"Gradient clipping: the clip value must be above 0; got {clip_value}.")
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)


def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> float:
    """Scale all gradients together so their joint L2 norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: ``norm = √(Σ_arrays Σ g²)``; when
    ``max_norm / (norm + 1e-6) < 1`` every gradient is multiplied by that factor in place.
    Returns the norm *before* clipping (useful to plot).
    """
    if not max_norm > 0:
        raise ConfigError(f"Gradient clipping: the maximum norm must be above 0; got {max_norm}.")
    norm = math.sqrt(sum(K.sum_squares(g.reshape(-1)) for g in grads))
    factor = max_norm / (norm + 1e-6)
    if factor < 1.0:
        for g in grads:
            g *= factor
    return norm
