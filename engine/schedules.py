"""Learning-rate schedules: ``lr_t = schedule(base_lr, t)`` with ``t`` the optimizer step count.

``t`` counts optimizer steps (mini-batches), starting at 0 for the first update, never epochs.
The base rate is the optimizer's ``learning_rate``, so a rate changed live during training
keeps its schedule. Every schedule has a JSON-safe config ``{"name": ..., **options}`` that
round-trips exactly, and every option has a default so ``{"name": "cosine"}`` alone is valid
(the training panel stores just the name). ``schedule_from_config(None)`` is ``None``: the
optimizer then uses its plain rate (as it does for ``{"name": "constant"}``).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from engine.params import ParamSpec, validate_options
from engine.types import ConfigError


class Schedule:
    """Base class: subclasses set the class attributes and implement ``__call__``."""

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    blurb: ClassVar[str] = ""
    config_spec: ClassVar[tuple[ParamSpec, ...]] = ()

    def __init__(self, **options: Any) -> None:
        self.options: dict[str, Any] = validate_options(
            self.config_spec, options, f"Learning-rate schedule '{self.name}'")

    def __call__(self, base_lr: float, step: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based) for base rate ``base_lr``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """JSON-safe ``{"name", **options}``; ``from_config`` inverts it."""
        return {"name": self.name, **self.options}

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Schedule:
        """Rebuild from ``get_config()``; on the base class the name picks the class."""
        options = {k: v for k, v in cfg.items() if k != "name"}
        if cls is Schedule:
            return get_schedule(str(cfg.get("name", "")), **options)
        return cls(**options)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    name = "constant"
    display_name = "Constant"
    blurb = "The same learning rate at every step."

    def __call__(self, base_lr: float, step: int) -> float:
        return float(base_lr)


class StepDecay(Schedule):
    name = "step_decay"
    display_name = "Step decay"
    blurb = "Multiply the rate by gamma every step_size steps: lr · gamma^floor(t / step_size)."
    config_spec = (
        ParamSpec("step_size", "int", 100, "Steps between two drops", min=1, label="Step size"),
        ParamSpec("gamma", "float", 0.1, "Factor applied at each drop", min=0.0, max=1.0,
                  label="Gamma"),
    )

    def __call__(self, base_lr: float, step: int) -> float:
        o = self.options
        return float(base_lr * o["gamma"] ** (step // o["step_size"]))


class Exponential(Schedule):
    name = "exponential"
    display_name = "Exponential decay"
    blurb = "Multiply the rate by gamma after every step: lr · gamma^t."
    config_spec = (
        ParamSpec("gamma", "float", 0.999, "Factor applied after each step", min=0.0, max=1.0,
                  label="Gamma"),
    )

    def __call__(self, base_lr: float, step: int) -> float:
        return float(base_lr * self.options["gamma"] ** step)


class Cosine(Schedule):
    name = "cosine"
    display_name = "Cosine annealing"
    blurb = ("Glide from lr down to min_lr along half a cosine over t_max steps, then stay at "
             "min_lr: min_lr + (lr - min_lr)·(1 + cos(π·t/t_max))/2.")
    config_spec = (
        ParamSpec("t_max", "int", 1000, "Steps to reach min_lr", min=1, label="Length (steps)"),
        ParamSpec("min_lr", "float", 0.0, "Rate at the end", min=0.0, label="Final rate"),
    )

    def __call__(self, base_lr: float, step: int) -> float:
        # NOTE: clamped at t_max (as Keras' CosineDecay); torch's CosineAnnealingLR would rise
        # again after t_max.
        t_max, min_lr = self.options["t_max"], self.options["min_lr"]
        frac = min(step, t_max) / t_max
        return float(min_lr + (base_lr - min_lr) * (1.0 + math.cos(math.pi * frac)) / 2.0)


class InverseTime(Schedule):
    name = "inverse_time"
    display_name = "Inverse-time decay"
    blurb = "Shrink the rate like 1/t: lr / (1 + k·t)."
    config_spec = (
        ParamSpec("k", "float", 0.01, "Decay rate per step", min=0.0, label="k"),
    )

    def __call__(self, base_lr: float, step: int) -> float:
        return float(base_lr / (1.0 + self.options["k"] * step))


class Warmup(Schedule):
    """Linear warm-up ``lr·(t+1)/warmup_steps`` for ``t < warmup_steps``, then ``after``
    (another schedule, or the constant rate when None) applied to ``t - warmup_steps``."""

    name = "warmup"
    display_name = "Linear warm-up"
    blurb = ("Ramp the rate up linearly over the first warmup_steps steps, then follow another "
             "schedule (or stay constant).")
    config_spec = (
        ParamSpec("warmup_steps", "int", 100, "Steps of the ramp", min=1, label="Warm-up steps"),
    )

    def __init__(self, after: Schedule | dict[str, Any] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.after = _as_schedule(after)
        if isinstance(self.after, Warmup):
            raise ConfigError("A warm-up cannot be followed by another warm-up; "
                              "use one warm-up with more steps.")

    def __call__(self, base_lr: float, step: int) -> float:
        w = self.options["warmup_steps"]
        if step < w:
            return float(base_lr * (step + 1) / w)
        return float(base_lr) if self.after is None else self.after(base_lr, step - w)

    def get_config(self) -> dict[str, Any]:
        after = None if self.after is None else self.after.get_config()
        return {**super().get_config(), "after": after}


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Constant, StepDecay, Exponential, Cosine, InverseTime, Warmup)
}
SCHEDULE_NAMES: tuple[str, ...] = tuple(SCHEDULES)


def get_schedule(name: str, /, **config: Any) -> Schedule:
    """A schedule by name (``SCHEDULE_NAMES``) with its options; ConfigError when unknown."""
    key = str(name).strip().lower()
    if "name" in config and str(config.pop("name")).strip().lower() != key:
        raise ConfigError(f"Learning-rate schedule: two different names given ('{name}').")
    if key not in SCHEDULES:
        raise ConfigError(
            f"Unknown learning-rate schedule '{name}'. Choose one of: {', '.join(SCHEDULE_NAMES)}."
        )
    return SCHEDULES[key](**config)


def schedule_from_config(cfg: dict[str, Any] | None) -> Schedule | None:
    """The schedule a project stores (``{"name": ..., **options}``), or None for a plain rate.

    ``None``, ``{}`` and ``{"name": "constant"}`` all give None (the optimizer's own rate).
    """
    if not cfg:
        return None
    if not isinstance(cfg, dict) or "name" not in cfg:
        raise ConfigError(f"A learning-rate schedule must be written as {{'name': ..., options}}; "
                          f"got {cfg!r}.")
    schedule = Schedule.from_config(cfg)
    return None if isinstance(schedule, Constant) else schedule


def _as_schedule(value: Schedule | dict[str, Any] | None) -> Schedule | None:
    """Accept a Schedule, its config dict, or None."""
    if value is None or isinstance(value, Schedule):
        return value
    if isinstance(value, dict):
        if "name" not in value:
            raise ConfigError(f"A learning-rate schedule needs a 'name'; got {value!r}.")
        return Schedule.from_config(value)
    raise ConfigError(
        f"A learning-rate schedule must be a schedule or its settings; got {value!r}."
    )
