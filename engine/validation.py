"""One validation path for every value that enters LayerLab from a file, the CLI or a widget.

The limits below are explicit and stated in the messages, so a learner reads "The file
'x.layerlab.json' nests its entries more than 100 levels deep" rather than a RecursionError.
Every check raises a ``LayerLabError`` subclass (``ConfigError`` unless the caller passes
another) whose message says what, where, and what to do. ``ParamSpec.validate`` (layer, loss
and optimizer options), ``TrainConfig.check`` (training settings, CLI overrides included) and
``project.load_project`` (JSON text, names, lesson, graph structure) all come through here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.types import ConfigError, LayerLabError

# -- limits ------------------------------------------------------------------------------------
MAX_PROJECT_BYTES = 32 * 1024 * 1024  # a project file (JSON); weights live in the .npz
MAX_NESTING = 100  # levels of [ ] and { } in a project file
MAX_NUMBER_CHARS = 40  # characters of one number literal in a project file
MAX_LAYERS = 2_000  # a ResNet-152 drawn layer by layer is ~500; 20,000 opened in ~2 s of GUI
MAX_EDGES = 10_000  # time (canvas not drawn); 2,000 open in ~0.3 s, so the window never stalls
MAX_NAME_CHARS = 200  # a layer's or project's name
MAX_TEXT_CHARS = 200_000  # a project's description or lesson text
MAX_DIM = 10_000_000  # one axis of a shape (an Input shape, units, a kernel size...)
MAX_SAMPLE_VALUES = 50_000_000  # numbers in one sample (the product of a shape)
MAX_PARAMS = 200_000_000  # trainable numbers of one layer (800 MB of float32)
MAX_WHOLE = 2**53  # any whole-number option (exact in a float64)
MAX_EPOCHS = 1_000_000  # a lecture-long run fits; infinity does not
MAX_BATCH = 1_000_000
MAX_SEED = 2**32 - 1
MAX_DATA_VALUES = 500_000_000  # numbers in one imported data array (2 GB of float32)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


# -- scalars -----------------------------------------------------------------------------------
def whole_number(value: Any, where: str, low: int | None = None, high: int | None = None,
                 error: type[LayerLabError] = ConfigError) -> int:
    """``value`` as an int (``3.0`` and ``"3"`` accepted), inside ``[low, high]``.

    ``1.5``, NaN, ``1e400``, ``True`` and text that is not a whole number are refused."""
    high = MAX_WHOLE if high is None else high
    number: float | int
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.integer,
                                                          np.floating)):
        raise error(f"{where} must be a whole number, not {describe(value)}.")
    try:
        number = int(value) if isinstance(value, (int, np.integer)) else float(value)
    except (ValueError, OverflowError):
        raise error(f"{where} must be a whole number, not {describe(value)}.") from None
    if isinstance(number, float):
        if not math.isfinite(number) or number != math.floor(number):
            raise error(f"{where} must be a whole number, not {describe(value)}.")
        if abs(number) > MAX_WHOLE:
            raise error(f"{where} is far too large ({describe(value)}); it must be at most "
                        f"{high:,}.")
        number = int(number)
    _check_range(number, where, low, high, error)
    return int(number)


def real_number(value: Any, where: str, low: float | None = None, high: float | None = None,
                error: type[LayerLabError] = ConfigError) -> float:
    """``value`` as a finite float inside ``[low, high]``; NaN, infinity and text refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.integer,
                                                          np.floating)):
        raise error(f"{where} must be a number, not {describe(value)}.")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise error(f"{where} must be a number, not {describe(value)}.") from None
    if not math.isfinite(number):
        raise error(f"{where} must be a finite number, not {describe(value)}.")
    _check_range(number, where, low, high, error)
    return number


def _check_range(number: float, where: str, low: float | None, high: float | None,
                 error: type[LayerLabError]) -> None:
    if low is not None and number < low:
        raise error(f"{where} must be at least {low:,}; it is {_short(number)}.")
    if high is not None and number > high:
        raise error(f"{where} must be at most {high:,}; it is {_short(number)}.")


def text(value: Any, where: str, max_chars: int = MAX_NAME_CHARS,
         error: type[LayerLabError] = ConfigError) -> str:
    """``value`` as a string that can be saved and printed (no lone surrogate halves)."""
    if not isinstance(value, str):
        raise error(f"{where} must be text, not {describe(value)}.")
    if len(value) > max_chars:
        raise error(f"{where} is {len(value):,} characters long; the limit is {max_chars:,}. "
                    f"Shorten it.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{where} contains a broken character (half of an emoji or another "
                    f"symbol) that cannot be saved; retype it.") from None
    return value


def mapping(value: Any, where: str, error: type[LayerLabError] = ConfigError) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise error(f"{where} must be a set of named entries ({{...}}), not {describe(value)}.")
    return value


def sequence(value: Any, where: str, max_items: int | None = None,
             error: type[LayerLabError] = ConfigError) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise error(f"{where} must be a list ([...]), not {describe(value)}.")
    if max_items is not None and len(value) > max_items:
        raise error(f"{where} has {len(value):,} entries; LayerLab handles at most "
                    f"{max_items:,}.")
    return list(value)


def shape(value: Any, where: str, allow_free: bool = True,
          error: type[LayerLabError] = ConfigError) -> list[int]:
    """A sample shape: positive sizes (``-1`` = free length where allowed), each at most
    ``MAX_DIM`` and at most ``MAX_SAMPLE_VALUES`` numbers in all. Text "1, 28, 28" or
    "28x28" is accepted (a widget's field)."""
    words = "a list of positive sizes such as 1, 28, 28"
    if isinstance(value, str):
        value = [v for v in value.replace("×", ",").replace("x", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 8:
        raise error(f"{where} must be {words} (1 to 8 sizes), not {describe(value)}.")
    dims = [whole_number(v, f"{where}: size {i + 1}", None, MAX_DIM, error)
            for i, v in enumerate(value)]
    if any(d == 0 or d < -1 or (d == -1 and not allow_free) for d in dims):
        raise error(f"{where} must be {words}; a size of {min(dims)} is not allowed.")
    total = math.prod(abs(d) for d in dims)
    if total > MAX_SAMPLE_VALUES:
        raise error(f"{where} describes samples of {total:,} numbers each; LayerLab handles at "
                    f"most {MAX_SAMPLE_VALUES:,} per sample. Use smaller sizes.")
    return dims


def choice(value: Any, where: str, choices: tuple[str, ...],
           error: type[LayerLabError] = ConfigError) -> str:
    if not isinstance(value, str) or value not in choices:
        raise error(f"{where} must be one of {', '.join(choices)}; got {describe(value)}.")
    return value


def describe(value: Any) -> str:
    """A short, safe rendering of any value for a message (never a 50 MB repr)."""
    if isinstance(value, str):
        safe = value.encode("utf-8", "replace").decode("utf-8")
        return repr(safe if len(safe) <= 40 else safe[:37] + "...")
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "nothing (null)"}[value]
    if isinstance(value, (int, np.integer)):
        digits = len(str(abs(int(value)))) if abs(int(value)) < 10**60 else 61
        return str(int(value)) if digits <= 20 else f"a {digits}-digit number"
    if isinstance(value, (float, np.floating)):
        return _short(float(value))
    if isinstance(value, dict):
        return "a set of named entries ({...})"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} entries"
    return "a value of the wrong type"


def _short(number: float) -> str:
    if isinstance(number, float) and math.isnan(number):
        return "not a number (NaN)"
    if isinstance(number, float) and math.isinf(number):
        return "infinite"
    return f"{number:.6g}" if isinstance(number, float) else f"{number:,}"


# -- JSON text ---------------------------------------------------------------------------------
def nesting_depth(text_: str) -> int:
    """Deepest level of ``[``/``{`` outside strings, without recursion (linear time)."""
    stripped = _STRING.sub('""', text_)
    codes = np.frombuffer(stripped.encode("utf-8", "replace"), dtype=np.uint8)
    steps = (np.isin(codes, (ord("["), ord("{"))).astype(np.int64)
             - np.isin(codes, (ord("]"), ord("}"))).astype(np.int64))
    return int(np.cumsum(steps).max()) if len(steps) else 0


def _number_parser(kind: Callable[[str], Any], source: str,
                   error: type[LayerLabError]) -> Callable[[str], Any]:
    """A ``json.loads`` number hook: ``kind(literal)``, refusing over-long and non-finite
    numbers with ``error``."""
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_CHARS:
            raise error(f"{source} holds a number {len(literal):,} digits long; numbers in "
                        f"a project file have at most {MAX_NUMBER_CHARS} characters. The "
                        f"file is damaged; open a backup or an example instead.")
        value = kind(literal)
        if isinstance(value, float) and not math.isfinite(value):
            raise error(f"{source} holds the number {literal}, too large to use. Replace "
                        f"it with an ordinary number.")
        return value
    return parse


def _constant_refuser(source: str, error: type[LayerLabError]) -> Callable[[str], Any]:
    """A ``json.loads`` constant hook refusing NaN and Infinity with ``error``."""
    def constant(literal: str) -> Any:
        raise error(f"{source} holds '{literal}', which is not a number LayerLab can use. "
                    f"Replace it with an ordinary number.")
    return constant


def parse_json(raw: str, source: str, error: type[LayerLabError]) -> Any:
    """Parse JSON text within the limits: nesting, number size, finite numbers only."""
    if len(raw) > MAX_PROJECT_BYTES:
        raise error(f"{source} is {len(raw) / 2**20:.0f} MB of text; LayerLab opens project "
                    f"files up to {MAX_PROJECT_BYTES // 2**20} MB. It is not a project file, "
                    f"or its lesson or layers are far too large.")
    depth = nesting_depth(raw)
    if depth > MAX_NESTING:
        raise error(f"{source} nests its entries {depth:,} levels deep; a project file needs "
                    f"a few and LayerLab reads at most {MAX_NESTING}. The file is damaged or "
                    f"not a project file.")

    try:
        data = json.loads(raw, parse_int=_number_parser(int, source, error),
                          parse_float=_number_parser(float, source, error),
                          parse_constant=_constant_refuser(source, error))
    except json.JSONDecodeError as err:
        raise error(f"{source} is corrupt or truncated (invalid JSON at line {err.lineno}, "
                    f"column {err.colno}). Nothing was changed; open a backup or an example "
                    f"instead.") from None
    except (RecursionError, ValueError):
        raise error(f"{source} cannot be read: its contents are damaged. Nothing was "
                    f"changed; open a backup or an example instead.") from None
    where = broken_text_at(data)
    if where is not None:
        raise error(f"{source} has a broken character (half of an emoji or another symbol) "
                    f"in {where}; it cannot be shown or saved. Retype that text, or open a "
                    f"backup.")
    return data


def broken_text_at(data: Any) -> str | None:
    """Where in a parsed JSON value a string holds a lone surrogate half, or None."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    stack: list[tuple[str, Any]] = [("the file", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((f"'{describe(key)[1:-1]}'", key))
                stack.append((f"the entry '{describe(key)[1:-1]}'", item))
        elif isinstance(value, list):
            stack.extend((path, item) for item in value)
    return "a name"
