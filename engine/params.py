"""``ParamSpec``: one configurable option (of a layer, loss, ...), enough to generate a form.

Kept in its own module so losses and optimizers can describe their options without importing
the layer package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.types import ConfigError


@dataclass(frozen=True)
class ParamSpec:
    """One configurable option of a layer, enough to generate an inspector form.

    ``type`` is one of "int", "float", "bool", "choice", "str", "shape".
    """

    name: str
    type: str
    default: Any
    help: str = ""
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    label: str = ""

    def validate(self, value: Any, layer: str) -> Any:
        """Coerce ``value`` to this option's type or raise a learner-readable ConfigError."""
        where = f"{layer}: option '{self.name}'"
        try:
            value = _coerce(self.type, value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be {_type_words(self.type)}, not {value!r}.") from None
        if self.type == "choice" and value not in self.choices:
            raise ConfigError(f"{where} must be one of {', '.join(self.choices)}; got {value!r}.")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number; got {value}.")
        if self.min is not None and isinstance(value, (int, float)) and value < self.min:
            raise ConfigError(f"{where} must be at least {self.min}; got {value}.")
        if self.max is not None and isinstance(value, (int, float)) and value > self.max:
            raise ConfigError(f"{where} must be at most {self.max}; got {value}.")
        return value


def _coerce(kind: str, value: Any) -> Any:
    if kind == "int":
        if isinstance(value, bool) or float(value) != int(float(value)):
            raise ValueError
        return int(float(value))
    if kind == "float":
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    if kind == "bool":
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return value.lower() in ("true", "1", "yes")
        return bool(value)
    if kind == "shape":
        if isinstance(value, str):
            value = [v for v in value.replace("×", ",").replace("x", ",").split(",") if v.strip()]
        dims = tuple(int(v) for v in value)
        if any(d <= 0 and d != -1 for d in dims):
            raise ValueError
        return list(dims)
    return str(value)


def _type_words(kind: str) -> str:
    return {
        "int": "a whole number",
        "float": "a number",
        "bool": "true or false",
        "shape": "a list of positive sizes such as 1, 28, 28",
    }.get(kind, "text")


def validate_options(specs: tuple[ParamSpec, ...], options: dict[str, Any], owner: str,
                     also_known: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every option of ``specs`` validated, defaults filled in; unknown keys are an error.

    ``owner`` names the thing in messages ("Dense 'hidden1'", "Adam optimizer");
    ``also_known`` lists options handled elsewhere, so the message can mention them.
    """
    known = {spec.name: spec for spec in specs}
    unknown = sorted(set(options) - set(known))
    if unknown:
        names = [*also_known, *known]
        raise ConfigError(
            f"{owner}: unknown option(s) {', '.join(unknown)}. "
            f"Known options: {', '.join(names) or 'none'}."
        )
    return {key: spec.validate(options.get(key, spec.default), owner)
            for key, spec in known.items()}

