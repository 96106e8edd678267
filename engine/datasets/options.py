"""Declared dataset options: their defaults, allowed values and learner-readable checks.

Each dataset declares a list of ``Option``s; the GUI builds its form from them
(``registry.dataset_option_specs``) and ``load_dataset`` validates a spec against them, so a
wrong value is reported as "The option 'noise' of the dataset 'spiral' must be a number of at
least 0, but it is -1." rather than as a traceback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.datasets.points import check_points
from engine.types import ConfigError


@dataclass(frozen=True)
class Option:
    """One option: ``kind`` is int | float | bool | choice | str | path | column | floats |
    names (a list of texts) | points (``[[x1, x2, class], ...]``).

    ``hidden`` options are edited by dedicated views (the point editor), not by the generic
    form: ``registry.dataset_option_specs`` leaves them out.
    """

    name: str
    default: Any
    kind: str
    help: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False  # None is allowed (means "automatic" / "all")
    hidden: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description for a GUI form."""
        return {"name": self.name, "default": self.default, "kind": self.kind,
                "help": self.help, "low": self.low, "high": self.high,
                "choices": list(self.choices), "optional": self.optional}


def _fail(opt: Option, dataset: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(
        f"The option '{opt.name}' of the dataset '{dataset}' must be {expected}, but it is "
        f"{value!r}. {opt.help}".strip()
    )


def _range_text(opt: Option) -> str:
    if opt.low is not None and opt.high is not None:
        return f" between {opt.low:g} and {opt.high:g}"
    if opt.low is not None:
        return f" of at least {opt.low:g}"
    if opt.high is not None:
        return f" of at most {opt.high:g}"
    return ""


def _check_number(opt: Option, dataset: str, value: Any) -> int | float:
    whole = opt.kind == "int"
    noun = "a whole number" if whole else "a number"
    ok_type = isinstance(value, int) if whole else isinstance(value, (int, float))
    if isinstance(value, float) and whole and value.is_integer():
        value, ok_type = int(value), True
    if isinstance(value, bool) or not ok_type or (not whole and not math.isfinite(value)):
        raise _fail(opt, dataset, noun + _range_text(opt), value)
    if (opt.low is not None and value < opt.low) or (opt.high is not None and value > opt.high):
        raise _fail(opt, dataset, noun + _range_text(opt), value)
    return int(value) if whole else float(value)


def check_option(opt: Option, dataset: str, value: Any) -> Any:
    """Return ``value`` converted to the option's type, or raise ``ConfigError``."""
    if value is None and opt.optional:
        return None
    if opt.kind in ("int", "float"):
        return _check_number(opt, dataset, value)
    if opt.kind == "bool":
        if not isinstance(value, bool):
            raise _fail(opt, dataset, "true or false", value)
        return value
    if opt.kind == "choice":
        if value not in opt.choices:
            listed = ", ".join(repr(c) for c in opt.choices)
            raise _fail(opt, dataset, f"one of {listed}", value)
        return value
    if opt.kind in ("str", "path"):
        if not isinstance(value, str):
            raise _fail(opt, dataset, "a text", value)
        return value
    if opt.kind == "column":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise _fail(opt, dataset, "a column name or a column number", value)
        return value
    if opt.kind == "floats":
        if not isinstance(value, (list, tuple)) or not value or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise _fail(opt, dataset, "a non-empty list of numbers", value)
        return [float(v) for v in value]
    if opt.kind == "names":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise _fail(opt, dataset, "a list of names", value)
        return [str(v) for v in value]
    if opt.kind == "points":
        return check_points(value, dataset)
    raise AssertionError(f"unknown option kind {opt.kind}")


def resolve_options(dataset: str, declared: list[Option], given: dict[str, Any],
                    ignored: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge ``given`` over the declared defaults and check every value.

    Names in ``ignored`` are accepted and dropped (e.g. ``n_samples`` for the logic gates).
    """
    by_name = {o.name: o for o in declared}
    unknown = [k for k in given if k not in by_name and k not in ignored]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise ConfigError(
            f"The dataset '{dataset}' has no option '{unknown[0]}'. Its options are: {known}."
        )
    out = {o.name: o.default for o in declared}
    for key, value in given.items():
        if key in by_name:
            out[key] = check_option(by_name[key], dataset, value)
    return out
