"""``ParamSpec``: one configurable option (of a layer, loss, ...), enough to generate a form.

Kept in its own module so losses and optimizers can describe their options without importing
the layer package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine import validation
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
        """Coerce ``value`` to this option's type or raise a learner-readable ConfigError.

        Goes through ``engine.validation`` (the one path for file, CLI and widget values):
        whole numbers refuse 1.5, NaN and 1e400; shapes refuse sizes below 1 (except -1)
        and samples above ``MAX_SAMPLE_VALUES``; texts refuse broken characters."""
        if type(value) is int and self.type in ("int", "float") or (
                type(value) is float and self.type == "float" and math.isfinite(value)):
            if ((self.min is None or value >= self.min) and value <= (
                    self.max if self.max is not None else validation.MAX_DIM)):
                return float(value) if self.type == "float" else value  # the common case, fast
        where = f"{layer}: option '{self.name}'"
        if self.type == "int":
            high = int(self.max) if self.max is not None else validation.MAX_DIM
            low = int(math.ceil(self.min)) if self.min is not None else None
            return validation.whole_number(value, where, low, high)
        if self.type == "float":
            return validation.real_number(value, where, self.min, self.max)
        if self.type == "choice":
            if value not in self.choices:
                raise ConfigError(f"{where} must be one of {', '.join(self.choices)}; "
                                  f"got {validation.describe(value)}.")
            return value
        if self.type == "shape":
            return validation.shape(value, where)
        if self.type == "bool":
            return _boolean(value, where)
        if isinstance(value, (dict, list)) or value is None:
            raise ConfigError(f"{where} must be text, not {validation.describe(value)}.")
        return validation.text(str(value), where, validation.MAX_TEXT_CHARS)


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    if isinstance(value, bool) or (isinstance(value, (int, float)) and value in (0, 1)):
        return bool(value)
    raise ConfigError(f"{where} must be true or false, not {validation.describe(value)}.")


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

