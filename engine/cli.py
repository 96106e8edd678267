"""Headless commands: ``train`` a project and write a JSON report, ``check`` its shapes,
``bench`` the engine against plain numpy (and PyTorch when installed), ``warmup``: compile
every kernel family once (the install step; ``engine.warmup``), ``lesson``: play a lesson's
reference solution and print each check (``engine.lessons.runner``), ``lrfind``: the
learning-rate range test (``engine.lr_finder``), ``sweep``: the capacity sweep
(``engine.cli_sweep``).

Errors a learner can cause (bad file, bad shapes, diverging run) print one readable line to
stderr and exit with status 1 or 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.bench.runner import add_bench_parser
from engine.cli_sweep import add_parser as add_sweep_parser
from engine.cli_sweep import cmd_sweep
from engine.fileio import atomic_write_json, check_writable, clean_folder_temps
from engine.project import load_project, save_weights, weights_path
from engine.snapshots import EPOCH_END_EVENTS
from engine.types import LayerLabError, format_shape
from engine.weights_transfer import read_project_weights

if TYPE_CHECKING:  # imported when training starts (keeps `--help` fast)
    from engine.recipes import Prepared


def _init_from(prepared: Prepared, weights: dict[str, np.ndarray], other: str) -> None:
    """Load the matching layers of another project's weights and print what matched."""
    from engine.frozen import FrozenParams
    from engine.weights_transfer import match_weights

    model = prepared.model
    picked, report = match_weights(model.get_weights(), weights)
    model.set_weights(picked)
    for line in report.lines(other):
        print(line)
    frozen = FrozenParams(model).count
    if frozen:
        print(f"{frozen:,} of {model.n_params:,} parameters are frozen (not trained).")


def cmd_check(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    report = project.graph.infer_shapes()
    width = max((len(n) for n in project.graph.nodes), default=4)
    for name in _order_or_insertion(project):
        node = project.graph.nodes[name]
        if name in report.shapes:
            shape, count = format_shape(report.shapes[name]), report.params[name]
            lock = "  frozen" if name in report.frozen else ""
            print(f"  {name:<{width}}  {node.kind:<12} {shape:<14} {count:>10,} params{lock}")
        else:
            print(f"  {name:<{width}}  {node.kind:<12} {'?':<14}")
    for name, message in report.errors.items():
        print(f"error in {name}: {message}", file=sys.stderr)
    print(f"total: {report.params_text()}" if report.frozen
          else f"total: {report.total_params:,} trainable parameters")
    return 1 if report.errors else 0


def _order_or_insertion(project: Any) -> list[str]:
    try:
        return project.graph.topological_order()
    except LayerLabError:
        return list(project.graph.nodes)


def cmd_train(args: argparse.Namespace) -> int:
    """Train headless (temp files of saves killed earlier beside the project are removed).
    Every setting is checked and the report path tried BEFORE training; a run stopped by an
    error still writes its report (and, with ``--save-weights``, the
    weights of its last good epoch) before the error is printed."""
    from engine.recipes import prepare

    project = load_project(args.project)
    clean_folder_temps(Path(args.project).parent)
    if args.epochs is not None:
        project.training.epochs = args.epochs
    if args.seed is not None:
        project.training.seed = args.seed
    from engine import backend

    if args.backend or project.training.backend == "cuda":
        # "cuda" without a GPU: the CPU engine, and one sentence saying why
        backend.set_backend(args.backend or project.training.backend)
        project.training.backend = args.backend or project.training.backend
    if backend.fallback_message():
        print(backend.fallback_message())
    project.training.check()  # --epochs/--seed through the same checks as the file's values
    report_path = Path(args.report) if args.report else _default_report(args.project)
    check_writable(report_path, "the report")
    if args.save_weights:
        check_writable(weights_path(args.project), "the weights file")
    init = read_project_weights(args.init_from) if args.init_from else None
    t0 = time.perf_counter()
    prepared = prepare(project)
    setup = time.perf_counter() - t0
    print(f"{project.name}: {prepared.model.n_params:,} parameters, dataset "
          f"{prepared.data.name} ({len(prepared.data.x_train)} train / "
          f"{len(prepared.data.x_val)} validation)")
    if init is not None:
        _init_from(prepared, init, Path(args.init_from).name)
    if backend.current() == "cuda":  # before training: which layers stay on the CPU, and why
        from engine.cuda.report import placement_report

        print("\n".join(placement_report(prepared)), flush=True)
    last, good, failure = None, None, None
    try:
        for snap in prepared.trainer.run():
            last = snap
            if snap.event != "step":
                print(_progress_line(snap, project.training.epochs), flush=True)
            if snap.message:
                print(snap.message)
            if args.save_weights and snap.event in EPOCH_END_EVENTS:
                good = prepared.model.get_weights()  # the last good epoch's weights
    except (LayerLabError, KeyboardInterrupt) as err:
        failure = err
    report = build_report(project, prepared, last, setup)
    if failure is not None:
        report["stopped_because"] = "error"
        report["message"] = "interrupted" if isinstance(failure, KeyboardInterrupt) else str(
            failure)
    atomic_write_json(report_path, report)
    print(f"report written to {report_path}")
    if args.save_weights and good is not None:
        save_weights(weights_path(args.project), good, prepared.trainer.history)
        print(f"weights written to {weights_path(args.project)} (last good epoch)")
    if failure is not None:
        raise failure
    return 2 if last is not None and last.event == "diverged" else 0


def _progress_line(snap: Any, epochs: int) -> str:
    parts = [f"epoch {snap.epoch}/{epochs}"]
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "val_r2"):
        if key in snap.metrics and np.isfinite(snap.metrics[key]):
            parts.append(f"{key} {snap.metrics[key]:.4f}")
    parts.append(f"{snap.elapsed:.2f}s")
    return "  ".join(parts)


def _default_report(project_path: str) -> Path:
    name = Path(project_path).name.replace(".layerlab.json", "").replace(".json", "")
    return Path("reports") / f"{name}.report.json"


def build_report(project: Any, prepared: Prepared, last: Any,
                 setup_seconds: float) -> dict[str, Any]:
    """Everything the issue asks the headless run to report, JSON-safe."""
    from engine.evaluation import final_metrics

    trainer = prepared.trainer
    history = {k: [float(v) for v in vals] for k, vals in trainer.history.items()}
    epochs = len(history.get("epoch_time", []))
    return {
        "project": project.name,
        "recipe": project.recipe,
        "dataset": project.dataset,
        "parameters": int(prepared.model.n_params),
        "epochs_run": epochs,
        "stopped_because": last.event if last else "no epochs",
        "message": last.message if last else None,
        "setup_seconds": setup_seconds,
        "time_to_first_step": trainer.time_to_first_step,
        "time_per_epoch": history.get("epoch_time", []),
        "per_epoch": [
            {key: vals[i] for key, vals in history.items() if i < len(vals)} for i in range(epochs)
        ],
        "final": final_metrics(trainer, prepared.data),
    }


def cmd_export(args: argparse.Namespace) -> int:
    """Write the project as a NumPy or PyTorch script with its weights and data beside it:
    the trained weights of ``NAME.layerlab.npz`` when present, else the initial ones."""
    from engine.export import export_project
    from engine.project import load_weights

    project = load_project(args.project)
    sidecar = weights_path(args.project)
    weights = load_weights(sidecar)[0] if sidecar.is_file() else None
    folder = Path(args.out) if args.out else Path(args.project).resolve().parent / "export"
    for path in export_project(project, args.to, folder, weights=weights):
        print(f"wrote {path}")
    print("weights: " + ("trained (" + sidecar.name + ")" if weights else "initial (from the "
                         "seed; train and save with --save-weights to export trained ones)"))
    return 0


def cmd_warmup(args: argparse.Namespace) -> int:
    """Compile (or load from numba's cache) every family's kernels, one progress line each."""
    from engine.warmup import FAMILIES, TASKS, WarmupProgress, warm_engine

    families = args.only or FAMILIES
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        print(f"error: unknown family {', '.join(unknown)}; choose from {', '.join(FAMILIES)}",
              file=sys.stderr)
        return 1
    tasks = tuple(t for t in TASKS if t.family in families)
    live = sys.stdout.isatty()

    def show(p: WarmupProgress) -> None:
        line = f"{p.line()}  [{p.done + 1}/{p.total}, {p.elapsed:.0f} s]"
        print(f"\r{line:<100}" if live else line, end="" if live else "\n", flush=True)

    report = warm_engine(tasks, progress=None if args.quiet else show)
    if live and not args.quiet:
        print()
    for label, message in report.failed:
        print(f"warning: the warm-up of {label} failed ({message}); its first Play will "
              "compile instead", file=sys.stderr)
    print(f"Engine ready: {report.tasks} networks prepared in {report.seconds:.1f} s.")
    return 0


def cmd_lesson(args: argparse.Namespace) -> int:
    """Play a lesson's reference solution headless; print every check before and after.
    Exit 1 when a check is true from the start, unreachable, or an action is refused."""
    from engine.lessons import load_lesson
    from engine.lessons.runner import run_lesson

    report = run_lesson(load_lesson(args.file))
    for line in report.lines():
        print(line, flush=True)
    return 0 if report.ok else 1


def cmd_lrfind(args: argparse.Namespace) -> int:
    """Learning-rate range test on a copy of the project's model; print the curve (every
    tenth step) and the suggestion; ``--json`` writes every step."""
    from engine.lr_finder import find_learning_rate

    project = load_project(args.project)
    result = find_learning_rate(project, start=args.start, end=args.end, steps=args.steps)
    for i in range(0, len(result.lrs), 10):
        print(f"  lr {result.lrs[i]:<10.3g} loss {result.smoothed[i]:.4f}")
    if result.diverged:
        print(f"  the loss blew up at lr {result.lrs[-1]:.3g}; the sweep stopped there")
    print(result.summary())
    if args.json:
        check_writable(Path(args.json), "the learning-rate report")
        atomic_write_json(Path(args.json), {
            "project": project.name, "suggestion": result.suggestion, "min_lr": result.min_lr,
            "min_over_ten": result.min_over_ten, "diverged": result.diverged,
            "rule": result.rule, "steepest": result.steepest, "turned": result.turned,
            "rise_lr": result.rise_lr, "drop": result.drop, "lrs": result.lrs.tolist(),
            "losses": result.losses.tolist(), "smoothed": result.smoothed.tolist()})
        print(f"curve written to {args.json}")
    return 0


def make_parser(prog: str = "main.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="LayerLab, headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a project without a window")
    train.add_argument("project")
    train.add_argument("--epochs", help="whole number, 0 to 100000 (checked with the file's)")
    train.add_argument("--seed", help="whole number, 0 to 4294967295")
    train.add_argument("--report", help="where to write the JSON report")
    train.add_argument("--backend", choices=["auto", "numba", "numpy", "cuda"],
                       help="cuda: train on an NVIDIA GPU where the network allows (falls "
                       "back to the CPU engine, saying why)")
    train.add_argument("--save-weights", action="store_true", help="write NAME.layerlab.npz")
    train.add_argument("--init-from", metavar="OTHER.layerlab.json",
                       help="start from another project's saved weights (layers with the "
                            "same names and shapes; the rest keep their fresh weights)")
    check = sub.add_parser("check", help="print every layer's output shape and parameters")
    check.add_argument("project")
    add_bench_parser(sub)
    sub.choices["bench"].add_argument(
        "--backend", choices=["numba", "cuda"], default="numba",
        help="cuda: time the GPU engine against the CPU engine (engine.cuda.bench)")
    lesson = sub.add_parser("lesson", help="run a lesson's reference solution, print its checks")
    lesson.add_argument("file", help="a .lesson.json file")
    export = sub.add_parser("export", help="write the network as a NumPy or PyTorch script")
    export.add_argument("project")
    export.add_argument("--to", choices=["numpy", "torch"], default="numpy")
    export.add_argument("--out", help="folder for the script, weights and data "
                        "(default: export/ beside the project)")
    lrfind = sub.add_parser("lrfind", help="sweep the learning rate on a copy of the model and "
                            "suggest one (Smith 2017)")
    lrfind.add_argument("project")
    lrfind.add_argument("--start", type=float, default=1e-6, help="first learning rate")
    lrfind.add_argument("--end", type=float, default=10.0, help="last learning rate")
    lrfind.add_argument("--steps", type=int, default=200, help="mini-batches in the sweep")
    lrfind.add_argument("--json", help="write the curve and the suggestion to this file")
    add_sweep_parser(sub)
    warmup = sub.add_parser("warmup", help="compile the engine's kernels once (after install)")
    warmup.add_argument("--only", nargs="*", help="families, e.g. dense conv recurrent")
    warmup.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def main(argv: list[str], prog: str = "main.py") -> int:
    args = make_parser(prog).parse_args(argv)
    if args.command != "bench":  # bench's children set their own thread counts
        from engine import threads

        threads.install(1)  # BLAS: one thread outside training calls (engine.threads)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "warmup":
            return cmd_warmup(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "lesson":
            return cmd_lesson(args)
        if args.command == "lrfind":
            return cmd_lrfind(args)
        if args.command == "sweep":
            return cmd_sweep(args)
        if args.backend == "cuda":
            from engine.cuda.bench import cmd_bench_cuda

            return cmd_bench_cuda(args)
        from engine.bench.runner import cmd_bench

        return cmd_bench(args)
    except LayerLabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: the computer ran out of memory; use a smaller network, dataset or "
              "batch size.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
