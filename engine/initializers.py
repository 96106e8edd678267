"""Weight initializers: ``get_initializer(name)(shape, fan_in, fan_out, rng, dtype) -> array``.

Keras names (``glorot_uniform``...) with PyTorch-style aliases (``xavier_*``, ``kaiming_*``).
``fan_in`` / ``fan_out`` are given by the layer (Dense ``(in, out)`` kernel: in, out; a conv
kernel: ``in_channels·kh·kw``, ``out_channels·kh·kw``). Random values are drawn in float64 from
the given ``np.random.Generator`` and then cast, so the same seed gives the same weights in
float32 and float64. NOTE: the ``*_normal`` variants use a plain (untruncated) normal with the
stated standard deviation, as PyTorch does; Keras truncates at 2σ and rescales.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.types import ConfigError, Shape

# name -> (kind, scale rule, blurb); scale rule gives the uniform limit or the normal std.
_VARIANCE: dict[str, tuple[str, Callable[[int, int], float], str]] = {
    "glorot_uniform": ("uniform", lambda fi, fo: math.sqrt(6.0 / (fi + fo)),
                       "Uniform in ±√(6/(fan_in+fan_out)): keeps signal size both ways (tanh)."),
    "glorot_normal": ("normal", lambda fi, fo: math.sqrt(2.0 / (fi + fo)),
                      "Normal with std √(2/(fan_in+fan_out)): Glorot/Xavier, for tanh/sigmoid."),
    "he_uniform": ("uniform", lambda fi, fo: math.sqrt(6.0 / fi),
                   "Uniform in ±√(6/fan_in): He/Kaiming, made for ReLU layers."),
    "he_normal": ("normal", lambda fi, fo: math.sqrt(2.0 / fi),
                  "Normal with std √(2/fan_in): He/Kaiming, made for ReLU layers."),
    "lecun_uniform": ("uniform", lambda fi, fo: math.sqrt(3.0 / fi),
                      "Uniform in ±√(3/fan_in): LeCun, keeps the variance for SELU/linear."),
    "lecun_normal": ("normal", lambda fi, fo: math.sqrt(1.0 / fi),
                     "Normal with std √(1/fan_in): LeCun, keeps the variance for SELU/linear."),
}
_SIMPLE: dict[str, tuple[dict[str, float], str]] = {
    "zeros": ({}, "All zeros (fine for biases; for weights every unit would stay identical)."),
    "ones": ({}, "All ones (e.g. a scale factor that should start at 1)."),
    "constant": ({"value": 0.0}, "Every entry equals the given value."),
    "random_uniform": ({"minval": -0.05, "maxval": 0.05},
                       "Uniform in [minval, maxval) (default ±0.05), whatever the layer size."),
    "random_normal": ({"mean": 0.0, "stddev": 0.05},
                      "Normal with mean and stddev (default 0, 0.05), whatever the layer size."),
}
ALIASES = {
    "xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal",
    "kaiming_uniform": "he_uniform", "kaiming_normal": "he_normal",
}
INITIALIZER_NAMES: tuple[str, ...] = (*_SIMPLE, *_VARIANCE)


class Initializer:
    """A named initializer with its options; call it to get a new array."""

    def __init__(self, name: str, **options: float) -> None:
        self.name = name
        defaults = _SIMPLE[name][0] if name in _SIMPLE else {}
        unknown = sorted(set(options) - set(defaults))
        if unknown:
            known = ", ".join(defaults) or "none"
            raise ConfigError(f"Initializer '{name}': unknown option(s) {', '.join(unknown)}. "
                              f"Known options: {known}.")
        try:
            self.options = {k: float(options.get(k, v)) for k, v in defaults.items()}
        except (TypeError, ValueError):
            raise ConfigError(f"Initializer '{name}': options must be numbers; got {options}.")
        if not all(math.isfinite(v) for v in self.options.values()):
            raise ConfigError(f"Initializer '{name}': options must be finite; got {options}.")
        if name == "random_uniform" and self.options["minval"] > self.options["maxval"]:
            raise ConfigError(f"Initializer '{name}': minval must not exceed maxval.")
        if name == "random_normal" and self.options["stddev"] < 0:
            raise ConfigError(f"Initializer '{name}': stddev must be 0 or more.")

    def __call__(self, shape: Shape, fan_in: int, fan_out: int, rng: np.random.Generator,
                 dtype: Any = np.float32) -> np.ndarray:
        """A new array of ``shape`` and ``dtype``; random draws come from ``rng``."""
        shape = tuple(int(d) for d in shape)
        o = self.options
        if self.name in _VARIANCE:
            kind, rule, _ = _VARIANCE[self.name]
            if fan_in <= 0 or fan_out < 0:
                raise ConfigError(f"Initializer '{self.name}' needs a positive fan-in; got "
                                  f"fan_in={fan_in}, fan_out={fan_out}.")
            scale = rule(fan_in, fan_out)
            if kind == "uniform":
                return rng.uniform(-scale, scale, size=shape).astype(dtype)
            return rng.normal(0.0, scale, size=shape).astype(dtype)
        if self.name == "random_uniform":
            return rng.uniform(o["minval"], o["maxval"], size=shape).astype(dtype)
        if self.name == "random_normal":
            return rng.normal(o["mean"], o["stddev"], size=shape).astype(dtype)
        value = {"zeros": 0.0, "ones": 1.0}.get(self.name, o.get("value", 0.0))
        return np.full(shape, value, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """JSON-safe ``{"name", **options}``."""
        return {"name": self.name, **self.options}

    def __repr__(self) -> str:
        return f"Initializer({self.name!r}, {self.options})"


def _canonical(name: str) -> str:
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in INITIALIZER_NAMES:
        raise ConfigError(f"Unknown initializer '{name}'. Choose one of: "
                          f"{', '.join(INITIALIZER_NAMES)} (or {', '.join(ALIASES)}).")
    return key


def get_initializer(name: str, **config: float) -> Initializer:
    """The initializer called ``name`` (or an alias) with its options (e.g. ``value=0.1``)."""
    return Initializer(_canonical(name), **config)


def describe(name: str) -> str:
    """One-line teaching blurb of an initializer."""
    key = _canonical(name)
    return _VARIANCE[key][2] if key in _VARIANCE else _SIMPLE[key][1]
