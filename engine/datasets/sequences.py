"""Sequence datasets: a sine forecast and algorithmic token tasks (numpy only, seeded).

Sequences are ``(T, F)`` per sample. Token tasks give ``x: (N, T)`` integer token ids stored
as float32 (an Embedding or OneHot layer turns them into vectors) and, for per-position tasks,
``y: (N, T)`` int64 labels: one class per time step, the network ends in a ``(T, K)`` output
(e.g. LSTM(return_sequences) → TimeDistributed(Dense softmax)). Id 0 is the blank "·" (also
the padding); it is the label wherever there is nothing to answer yet.

- ``sine_forecast`` (regression): one long sum of ``n_waves`` sines (periods and amplitudes
  from the seed) plus noise; ``x: (N, window, 1)`` = ``window`` consecutive values,
  ``y: (N, horizon)`` = the next ``horizon`` values.
- ``copy`` / ``reverse`` / ``sort`` (per position, ``T = 2·length``): ``x`` = ``length``
  random symbols (ids 1..vocab_size) then ``length`` blanks; ``y`` = blanks while the symbols
  are read, then the symbols again (copy), backwards (reverse) or in increasing order (sort).
  e.g. copy, length 3: ``x = [3 1 2 · · ·]``, ``y = [· · · 3 1 2]``. The network must carry
  the symbols across ``length`` steps: a SimpleRNN manages length 5 but fails at 20, an LSTM
  holds on far longer.
- ``add_digits`` (per position, ``T = 3·length + 3``): ``x = [a₁…a_L + b₁…b_L = · … ·]`` with
  ``length``-digit numbers a and b, ``y`` blank until '=' and then the ``length + 1`` digits of
  a + b in the last ``length + 1`` positions. With ``reversed_digits`` every number is
  written least-significant digit first (the carry then moves forward, as an RNN reads).
  Tokens: 0 blank, 1..10 digits 0..9, 11 '+', 12 '='.
- ``brackets`` (one label per sequence): ``x: (N, length)`` of '(' (id 1) and ')' (id 2);
  ``y = 1`` when the brackets are balanced. Unbalanced sequences have as many '(' as ')' (a
  shuffled balanced one), so counting alone is not enough: the running depth must never dip
  below zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.datasets.base import CLASSIFICATION, REGRESSION, RawData
from engine.datasets.options import Option
from engine.types import ConfigError

BLANK = "·"
DIGITS = [BLANK, *"0123456789", "+", "="]
SEED = Option("seed", 0, "int", "Random seed: the same seed gives the same data.", low=0,
              high=2**32 - 1)
VAL = Option("val_split", 0.2, "float", "Share of samples held out for validation.", low=0.0,
             high=0.9)
# token ids must not be rescaled: the form hides these, load_dataset reads them
NO_RESCALE = [Option("standardize", False, "bool", "", hidden=True),
              Option("normalize", "none", "choice", "", choices=("none", "minmax"), hidden=True)]
TAIL = [SEED, VAL, *NO_RESCALE]


def n_samples_option(default: int) -> Option:
    return Option("n_samples", default, "int", "How many sequences to generate.", low=10,
                  high=200_000)


def split_raw(x: np.ndarray, y: np.ndarray, val_split: float, task: str, n_classes: int,
              names: list[str], class_names: list[str], description: str,
              input_parts: list[tuple[str, tuple[int, ...]]] | None = None) -> RawData:
    """RawData whose last ``round(N·val_split)`` samples are the validation part (the samples
    are independent draws, so no shuffle is needed; per-position labels cannot be stratified).
    ``input_parts``: named parts packed side by side in ``x`` (``Dataset.input_parts``)."""
    n_val = int(round(len(x) * val_split))
    cut = len(x) - n_val
    return RawData(np.ascontiguousarray(x[:cut], np.float32), y[:cut], task, n_classes, names,
                   class_names, description,
                   fixed_split=(np.ascontiguousarray(x[cut:], np.float32), y[cut:]),
                   input_parts=list(input_parts or []))


# -- sine forecast ----------------------------------------------------------------------------
def sine_series(length: int, n_waves: int, noise: float, rng: np.random.Generator
                ) -> np.ndarray:
    """``(length,)`` values: Σ aᵢ·sin(2π·t/pᵢ + φᵢ) with periods pᵢ ~ U(8, 40) steps, aᵢ ~
    U(0.3, 1), divided by Σaᵢ (so |value| ≤ 1), plus Gaussian ``noise``."""
    periods = rng.uniform(8.0, 40.0, n_waves)
    amps = rng.uniform(0.3, 1.0, n_waves)
    phases = rng.uniform(0.0, 2 * np.pi, n_waves)
    t = np.arange(length, dtype=np.float64)[:, None]
    clean = (amps * np.sin(2 * np.pi * t / periods + phases)).sum(axis=1) / amps.sum()
    return clean + noise * rng.standard_normal(length)


def sine_forecast(o: dict[str, Any]) -> RawData:
    """Windows of one long series: ``x: (N, window, 1)``, ``y: (N, horizon)`` (the next values).
    The validation windows come from the end of the series, after every training window."""
    rng = np.random.default_rng(o["seed"])
    n, window, horizon = o["n_samples"], o["window"], o["horizon"]
    span = window + horizon
    series = sine_series(n + span, o["n_waves"], o["noise"], rng)
    idx = np.arange(n)[:, None] + np.arange(span)[None, :]
    windows = series[idx].astype(np.float32)  # (N, span), consecutive starts
    x, y = windows[:, :window, None], windows[:, window:]
    n_val = int(round(n * o["val_split"]))
    cut = n - n_val
    keep = np.arange(max(cut - span, 0))  # drop training windows overlapping the validation
    order = rng.permutation(len(keep))
    desc = (f"Sine forecast: {o['n_waves']} sine waves added, {window} values in, the next "
            f"{horizon} out, {n} windows, noise {o['noise']:g}")
    return RawData(np.ascontiguousarray(x[keep][order]), y[keep][order], REGRESSION, 0,
                   [f"t{i + 1}" for i in range(window)], [], desc,
                   fixed_split=(np.ascontiguousarray(x[cut:]), y[cut:]))


# -- copy / reverse / sort --------------------------------------------------------------------
def recall_task(kind: str, n: int, length: int, vocab_size: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """``x, y: (n, 2·length)`` int64 as in the module docstring (kind copy|reverse|sort)."""
    symbols = rng.integers(1, vocab_size + 1, (n, length))
    answer = {"copy": symbols, "reverse": symbols[:, ::-1],
              "sort": np.sort(symbols, axis=1)}[kind]
    blank = np.zeros((n, length), dtype=np.int64)
    return np.concatenate([symbols, blank], 1), np.concatenate([blank, answer], 1)


def _recall_builder(kind: str) -> Callable[[dict[str, Any]], RawData]:
    def build(o: dict[str, Any]) -> RawData:
        rng = np.random.default_rng(o["seed"])
        length, vocab = o["length"], o["vocab_size"]
        x, y = recall_task(kind, o["n_samples"], length, vocab, rng)
        names = [BLANK] + [str(i) for i in range(1, vocab + 1)]
        desc = (f"{kind.capitalize()}: read {length} symbols (1..{vocab}), then write them "
                f"{RECALL_WHAT[kind]} — one label per position, {o['n_samples']} sequences")
        return split_raw(x, y, o["val_split"], CLASSIFICATION, vocab + 1,
                         [f"t{i + 1}" for i in range(2 * length)], names, desc)
    return build


RECALL_WHAT = {"copy": "again", "reverse": "backwards", "sort": "in increasing order"}


# -- addition ---------------------------------------------------------------------------------
def add_digits_task(n: int, length: int, reversed_digits: bool, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``x, y: (n, 3·length + 3)`` int64 (tokens: 0 blank, d+1 digit d, 11 '+', 12 '=')."""
    a = rng.integers(0, 10, (n, length))  # digits, most significant first
    b = rng.integers(0, 10, (n, length))
    place = 10 ** np.arange(length - 1, -1, -1)
    total = a @ place + b @ place  # (n,)
    s = (total[:, None] // 10 ** np.arange(length, -1, -1)) % 10  # (n, length + 1)
    if reversed_digits:
        a, b, s = a[:, ::-1], b[:, ::-1], s[:, ::-1]
    col = np.full((n, 1), 1, dtype=np.int64)
    x = np.concatenate([a + 1, 11 * col, b + 1, 12 * col, 0 * s], 1)
    y = np.concatenate([np.zeros((n, 2 * length + 2), dtype=np.int64), s + 1], 1)
    return x, y


def add_digits(o: dict[str, Any]) -> RawData:
    rng = np.random.default_rng(o["seed"])
    length = o["length"]
    x, y = add_digits_task(o["n_samples"], length, o["reversed_digits"], rng)
    order = "least significant digit first" if o["reversed_digits"] else "as usual"
    desc = (f"Add digits: two {length}-digit numbers ({order}) → the {length + 1} digits of "
            f"their sum, one label per position, {o['n_samples']} sums")
    return split_raw(x, y, o["val_split"], CLASSIFICATION, len(DIGITS),
                     [f"t{i + 1}" for i in range(x.shape[1])], list(DIGITS), desc)


# -- brackets ---------------------------------------------------------------------------------
def balanced(length: int, rng: np.random.Generator) -> np.ndarray:
    """A random balanced sequence of ``length`` (even) brackets: +1 '(' and -1 ')'."""
    steps = np.empty(length, dtype=np.int64)
    depth, opens_left = 0, length // 2
    for i in range(length):
        left = length - i
        p_open = 0.0 if opens_left == 0 else (1.0 if depth == 0 else 0.5)
        if depth >= left:  # every step left must close an open bracket
            p_open = 0.0
        step = 1 if rng.random() < p_open else -1
        steps[i], depth = step, depth + step
        opens_left -= step == 1
    return steps


def brackets_task(n: int, length: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``x: (n, length)`` ids (1 '(', 2 ')'), ``y: (n,)`` 1 balanced / 0 not; half each."""
    x = np.empty((n, length), dtype=np.int64)
    y = (np.arange(n) % 2 == 0).astype(np.int64)
    for i in range(n):
        s = balanced(length, rng)
        while not y[i] and np.cumsum(s).min() >= 0:  # shuffle until a prefix dips below 0
            s = rng.permutation(s)
        x[i] = np.where(s > 0, 1, 2)
    order = rng.permutation(n)
    return x[order], y[order]


def brackets(o: dict[str, Any]) -> RawData:
    if o["length"] % 2:
        raise ConfigError(f"The option 'length' of the dataset 'brackets' must be even (each "
                          f"'(' needs its ')'), but it is {o['length']}.")
    rng = np.random.default_rng(o["seed"])
    x, y = brackets_task(o["n_samples"], o["length"], rng)
    desc = (f"Brackets: are the {o['length']} brackets '(' and ')' balanced? "
            f"{o['n_samples']} sequences, half of them balanced")
    return split_raw(x, y, o["val_split"], CLASSIFICATION, 2,
                     [f"t{i + 1}" for i in range(o["length"])], ["unbalanced", "balanced"], desc)


# -- catalogue rows: (name, title, group, task, options, build) ------------------------------
def _length(default: int, high: int, what: str = "Symbols to remember") -> Option:
    return Option("length", default, "int", what + " (longer: harder for an RNN).", low=1,
                  high=high)


VOCAB = Option("vocab_size", 8, "int", "Number of different symbols.", low=2, high=200)
GROUP = "sequences"
CATALOG: list[tuple[str, str, str, str, list[Option], Callable[[dict[str, Any]], RawData]]] = [
    ("sine_forecast", "Sine forecast (next values)", GROUP, REGRESSION,
     [n_samples_option(1000),
      Option("window", 30, "int", "Values the network sees.", low=2, high=1000),
      Option("horizon", 1, "int", "How many next values to predict.", low=1, high=100),
      Option("n_waves", 2, "int", "Number of sine waves added up.", low=1, high=10),
      Option("noise", 0.05, "float", "Spread of the random jitter.", low=0.0, high=5.0),
      SEED, VAL, Option("standardize", False, "bool", "Shift and scale each input to mean 0, "
                        "spread 1."),
      NO_RESCALE[1]], sine_forecast),
    *[(kind, f"{kind.capitalize()} a sequence", GROUP, CLASSIFICATION,
       [n_samples_option(2000), _length(5, 200), VOCAB, *TAIL], _recall_builder(kind))
      for kind in ("copy", "reverse", "sort")],
    ("add_digits", "Add two numbers digit by digit", GROUP, CLASSIFICATION,
     [n_samples_option(3000), _length(3, 30, "Digits per number"),
      Option("reversed_digits", True, "bool", "Write numbers least-significant digit first "
             "(the carry then moves the way the network reads)."), *TAIL], add_digits),
    ("brackets", "Balanced brackets", GROUP, CLASSIFICATION,
     [n_samples_option(2000),
      Option("length", 12, "int", "Brackets per sequence (even).", low=2, high=400),
      *TAIL], brackets),
]
