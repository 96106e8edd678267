"""``main.py sweep PROJECT --param width|depth|degree|train_size|l2 --values a,b,c
[--folds k] [--epochs n] [--layer NAME] [--json [FILE]]``: the capacity sweep of
``engine.sweep`` without a window.

Prints one row per value — the value, the training error and the validation error (± the
spread over the folds with ``--folds k``) — and marks the value with the lowest validation
error. ``--json`` alone prints the result as JSON instead of the table; ``--json FILE``
writes it to FILE as well. Progress ("trained 3 of 12") goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from engine.types import ConfigError

STDOUT = "-"


def add_parser(sub: Any) -> None:
    """Add the ``sweep`` command to ``sub`` (an argparse sub-parsers object)."""
    from engine.sweep import MAX_FOLDS, PARAMS

    sweep = sub.add_parser("sweep", help="train variants of a project (width, depth, degree, "
                           "training size or L2) and compare training with validation error")
    sweep.add_argument("project")
    sweep.add_argument("--param", required=True, choices=list(PARAMS))
    sweep.add_argument("--values", required=True, help="comma-separated, e.g. 2,8,32")
    sweep.add_argument("--folds", type=int, default=0,
                       help=f"k-fold cross-validation, 2 to {MAX_FOLDS} (0: the project's "
                            "validation split)")
    sweep.add_argument("--epochs", type=int, help="epochs per variant (default: the project's)")
    sweep.add_argument("--layer", help="the hidden Dense layer of width/depth (default: the "
                       "first)")
    sweep.add_argument("--json", nargs="?", const=STDOUT, metavar="FILE",
                       help="print the result as JSON (or write it to FILE)")


def parse_values(text: str) -> list[float]:
    """``"2, 8,32"`` -> [2.0, 8.0, 32.0]; a ``ConfigError`` saying what to write otherwise."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if not values:
        raise ConfigError(f"The sweep's values must be numbers separated by commas, such as "
                          f"'2,8,32', but they are '{text}'.")
    return values


def _cell(value: float, spread: float, percent: bool, folds: int) -> str:
    if not math.isfinite(value):
        return "not finished"
    text = f"{value:.1%}" if percent else f"{value:.4g}"
    if folds:
        text += " ± " + (f"{spread:.1%}" if percent else f"{spread:.2g}")
    return text


def table_lines(result: Any) -> list[str]:
    """The printed table of a ``SweepResult``: a title, a header, one row per value."""
    from engine.sweep import PARAMS

    percent = result.metric == "error rate"
    how = f"{result.folds}-fold cross-validation" if result.folds else "the validation split"
    lines = [f"Sweep of the {PARAMS[result.param]} ({result.param}), {result.metric}, "
             f"on {how}:", f"  {'value':>10}  {'train error':>16}  {'val error':>18}"]
    best = result.best_index
    for i, value in enumerate(result.values):
        row = (f"  {value:>10g}  "
               f"{_cell(result.train_mean[i], result.train_std[i], percent, result.folds):>16}  "
               f"{_cell(result.val_mean[i], result.val_std[i], percent, result.folds):>18}")
        lines.append(row + ("   <- best" if i == best else ""))
    if best is not None:
        lines.append(f"Lowest validation error at {result.param} = {result.values[best]:g}.")
    return lines


def result_json(project_name: str, result: Any) -> dict[str, Any]:
    def numbers(arr: Any) -> list[float | None]:
        return [float(x) if math.isfinite(x) else None for x in arr]

    return {"project": project_name, "param": result.param, "values": result.values,
            "metric": result.metric, "folds": result.folds,
            "train_error": numbers(result.train_mean), "train_spread": numbers(result.train_std),
            "val_error": numbers(result.val_mean), "val_spread": numbers(result.val_std),
            "best_value": result.best_value}


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep; print the table (or JSON); exit 0."""
    from engine.fileio import atomic_write_json, check_writable
    from engine.project import load_project
    from engine.sweep import SweepSpec, run_sweep

    project = load_project(args.project)
    spec = SweepSpec(args.param, parse_values(args.values), layer=args.layer,
                     epochs=args.epochs, folds=args.folds)
    if args.folds == 1:
        raise ConfigError("Use at least 2 folds, or leave --folds out for no cross-validation.")
    if args.json not in (None, STDOUT):
        check_writable(Path(args.json), "the sweep report")

    def progress(done: int, total: int) -> None:
        print(f"trained {done} of {total}", file=sys.stderr, flush=True)

    result = run_sweep(project, spec, progress=progress)
    payload = result_json(project.name, result)
    if args.json == STDOUT:
        print(json.dumps(payload, indent=1))
        return 0
    for line in table_lines(result):
        print(line)
    if args.json is not None:
        atomic_write_json(Path(args.json), payload)
        print(f"sweep written to {args.json}")
    return 0
