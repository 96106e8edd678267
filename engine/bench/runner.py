"""``python main.py bench``: median s/epoch of the engine, plain numpy and PyTorch, side by side.

Every (competitor, threads, workload) runs in a fresh subprocess (``python -m
engine.bench.runner --child train ...``, one JSON line on stdout), interleaved across
competitors, with the thread count fixed before numpy/torch load (``OMP/OPENBLAS/MKL/
NUMBA_NUM_THREADS``, ``LAYERLAB_THREADS``) and again with threadpoolctl once every BLAS is
loaded (numba's ``np.dot`` calls scipy's OpenBLAS, which loads late) and
``torch.set_num_threads``; the engine child runs as the app does: thread budget = the count
measured, BLAS at one thread outside its training calls (``engine.threads``). ``--threads
1,2,4`` picks the counts (default: 1 and every usable core) and prints a scaling table per
workload; ``--repeat N`` runs the whole interleaved sequence N times and reports the median
and spread. Every measurement records the machine's load (``engine.bench.machine``); the GEMM
peak is measured per thread count and each workload's GFLOP/s is quoted against it. Timing
(shared README): warm-up of at least one epoch and 0.5 s, then at least 3 epochs and 3 s,
median epoch (``--quick``: the first thread count only, one warm-up epoch, ≥ 1 timed epoch and
≥ 0.3 s). Time to first step (import + build + one batch) is measured in fresh processes too:
cold (empty numba cache) and warm (second run). This module imports no numpy at the top so the
child can measure import time and set threads first. The environment is left as it is
(benchmark machines may set ``OPENBLAS_CORETYPE``, which picks OpenBLAS's kernels).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from engine.bench import machine
from engine.bench.report import (  # noqa: F401  (summarize, format_summary: the public API)
    COMPETITORS,
    aggregate,
    format_summary,
    progress_line,
    scaling_table,
    summarize,
)
from engine.resources import package_root
from engine.types import ConfigError

ROOT = package_root()  # the folder holding engine/: the clone or site-packages
THREAD_VARS = machine.THREAD_VARS


# == child side ===============================================================================
def time_epochs(epoch: Callable[[], tuple[float, int]], quick: bool) -> dict[str, Any]:
    """Warm up, then time whole epochs; ``epoch() -> (last loss, steps)``."""
    warm_s, min_epochs, min_s = (0.0, 1, 0.3) if quick else (0.5, 3, 3.0)
    t0, warm, first = time.perf_counter(), 0, float("nan")
    while warm < 1 or time.perf_counter() - t0 < warm_s:
        loss, steps = epoch()
        first = loss if warm == 0 else first
        warm += 1
    times: list[float] = []
    t_all = time.perf_counter()
    while len(times) < min_epochs or time.perf_counter() - t_all < min_s:
        ts = time.perf_counter()
        loss, steps = epoch()
        times.append(time.perf_counter() - ts)
    return {"warmup_epochs": warm, "timed_epochs": len(times),
            "epoch_s_median": statistics.median(times), "epoch_s_min": min(times),
            "epoch_s_max": max(times), "steps_per_epoch": steps,
            "loss_after_warmup_epoch": first, "loss_last": loss}


def _make_epoch(competitor: str, wl: Any, threads: int,
                variant: str) -> tuple[Callable[[], tuple[float, int]], dict[str, Any]]:
    import numpy as np

    x, y = wl.make_data()
    rng = np.random.default_rng(0)
    extra: dict[str, Any] = {"samples": len(x)}
    if competitor == "probes":
        from engine.bench.probe_overhead import make_probed_epoch
        from engine.bench.workloads import build_engine

        run = build_engine(wl)
        epoch, counters = make_probed_epoch(run, x, y, wl.batch, rng)
        extra.update(stepper=run.stepper_name, probes=counters)
        return epoch, extra
    if competitor == "engine":
        from engine.bench.workloads import build_engine, engine_epoch

        run = build_engine(wl)
        extra["stepper"] = run.stepper_name
        return (lambda: engine_epoch(run, x, y, wl.batch, rng)), extra
    if competitor == "numpy":
        from engine.bench import numpy_reference

        net = numpy_reference.build(wl)
        return (lambda: numpy_reference.train_epoch(net, x, y, wl.batch, rng)), extra
    import torch

    from engine.bench import torch_reference

    torch.set_num_threads(threads)
    extra["torch"] = torch.__version__
    return torch_reference.make_epoch(wl, x, y, variant), extra


def child_train(competitor: str, workload_id: str, threads: int, variant: str,
                quick: bool) -> dict[str, Any]:
    """Time one (competitor, threads, variant) on one workload in this (fresh) process."""
    from threadpoolctl import threadpool_limits

    from engine.bench.workloads import get_workload

    wl = get_workload(workload_id)
    threadpool_limits(limits=threads)
    engine_side = competitor in ("engine", "probes")
    if engine_side:  # as the app runs it: budget = threads, BLAS 1 outside training calls
        from engine import threads as engine_threads

        engine_threads.set_budget(threads)  # a chosen count: no load guard (engine.threads)
        engine_threads.install(1)
    epoch, extra = _make_epoch(competitor, wl, threads, variant)
    primed: list[bool] = []

    def limited_epoch() -> tuple[float, int]:
        out = epoch()
        if not primed and not engine_side:  # again once every library is loaded
            threadpool_limits(limits=threads)
            primed.append(True)
        return out

    stats = time_epochs(limited_epoch, quick)
    med, steps, samples = stats["epoch_s_median"], stats["steps_per_epoch"], extra["samples"]
    return {"workload": wl.id, "competitor": competitor, "threads": threads,
            "variant": variant, **extra, **stats, "us_per_step": med / steps * 1e6,
            "samples_per_s": samples / med, "gflops": 6.0 * wl.fwd_macs * samples / med / 1e9,
            "blas": machine.blas_info()}


def child_ttfs(workload_id: str) -> dict[str, Any]:
    """Import + build + the first stepper.run of one batch, in this fresh process."""
    t0 = time.perf_counter()
    import numpy as np

    import engine.fused_mlp  # noqa: F401  (what make_stepper loads for a Dense chain)
    import engine.graph  # noqa: F401
    import engine.model  # noqa: F401
    import engine.stepper  # noqa: F401
    from engine.bench.workloads import build_engine, get_workload

    t_import = time.perf_counter() - t0
    wl = get_workload(workload_id)
    ts = time.perf_counter()
    x, y = wl.make_data()
    t_data = time.perf_counter() - ts
    ts = time.perf_counter()
    run = build_engine(wl)
    t_build = time.perf_counter() - ts
    ts = time.perf_counter()
    run.stepper.run(x, y, [np.random.default_rng(0).permutation(len(x))[: wl.batch]])
    t_step = time.perf_counter() - ts
    return {"workload": wl.id, "stepper": run.stepper_name, "import_s": t_import,
            "build_s": t_build, "first_step_s": t_step, "data_s": t_data,
            "total_s": t_import + t_build + t_step}


def child_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="engine.bench.runner")
    ap.add_argument("--child", choices=["train", "ttfs", "gemm"], required=True)
    ap.add_argument("--competitor", choices=COMPETITORS, default="engine")
    ap.add_argument("--workload", default="a")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--variant", default="default")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.child == "ttfs":
        row = child_ttfs(a.workload)
    elif a.child == "gemm":
        row = machine.child_gemm(a.threads, a.quick)
    else:
        row = child_train(a.competitor, a.workload, a.threads, a.variant, a.quick)
    print(json.dumps(row), flush=True)
    return 0


# == parent side ==============================================================================
def _child_env(threads: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def run_child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one child; its JSON row, or ``{"error": ...}`` with the end of its stderr."""
    cmd = [sys.executable, "-m", "engine.bench.runner", *args]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 900 s"}
    wall = time.perf_counter() - t0
    rows = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not rows:
        tail = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit status {p.returncode}: {tail}"}
    return {**json.loads(rows[-1]), "process_wall_s": wall}


def plan(workloads: list[Any], competitors: list[str],
         threads: list[int]) -> list[dict[str, Any]]:
    """Jobs in run order: per workload, per thread count, every competitor in turn."""
    from engine.bench import torch_reference

    jobs = []
    for wl in workloads:
        for count in threads:
            extra = ["probes"] if "probes" in wl.targets else []  # probe overhead
            for comp in ["engine", *competitors, *extra]:
                if comp == "numpy" and (wl.mlp_sizes is None or wl.loss == "bce"):
                    continue
                variants = torch_reference.variants_for(wl) if comp == "torch" else ["default"]
                for variant in variants:
                    jobs.append({"workload": wl.id, "competitor": comp, "threads": count,
                                 "variant": variant})
    return jobs


Child = Callable[[list[str], dict[str, str]], dict[str, Any]]


def run_jobs(jobs: list[dict[str, Any]], quick: bool, repeat: int = 1,
             child: Child | None = None) -> list[dict[str, Any]]:
    """Every job ``repeat`` times, interleaved (the whole sequence, then again): the runs, each
    with its repeat number and the machine's load around it (``machine.load_end``)."""
    child = child or run_child
    runs = []
    for rep in range(max(1, repeat)):
        for job in jobs:
            args = ["--child", "train", "--competitor", job["competitor"], "--workload",
                    job["workload"], "--threads", str(job["threads"]), "--variant",
                    job["variant"]]
            args += ["--quick"] if quick else []
            mark = machine.load_start()
            result = child(args, _child_env(job["threads"]))
            run = {**job, **result, "repeat": rep, "load": machine.load_end(mark)}
            runs.append(run)
            print("  " + progress_line(run), flush=True)
    return runs


def measure_gemm(threads: list[int], quick: bool) -> dict[int, dict[str, Any]]:
    """The float32 GEMM peak at each thread count (fresh child each, with its load)."""
    out = {}
    for count in threads:
        mark = machine.load_start()
        args = ["--child", "gemm", "--threads", str(count)] + (["--quick"] if quick else [])
        row = out[count] = {**run_child(args, _child_env(count)), "load": machine.load_end(mark)}
        text = (f"{row['gflops_best']:.1f} GFLOP/s (median {row['gflops_median']:.1f})"
                if "error" not in row else f"FAILED: {row['error']}")
        print(f"GEMM peak, float32 1024³, {count} thread(s): {text}  "
              f"[{machine.load_text(row['load'])}]", flush=True)
    return out


def parse_thread_list(text: str | None, quick: bool) -> list[int]:
    """``--threads 1,2,4`` -> [1, 2, 4]; default 1 and every usable core (quick: 1)."""
    if not text:
        counts = sorted({1, machine.cores()})
        return counts[:1] if quick else counts
    counts = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise ConfigError(f"--threads takes whole numbers of threads, 1 or more, "
                              f"comma-separated (got '{text}'), e.g. --threads 1,2,4.")
        if int(part) not in counts:
            counts.append(int(part))
    return counts


def measure_ttfs(workload_id: str, quick: bool) -> dict[str, Any]:
    """Warm time to first step (second run on a numba cache the first run filled) + cold."""
    args = ["--child", "ttfs", "--workload", workload_id]
    if quick:  # the project's own cache, already warm from the timing runs
        return {"workload": workload_id, "warm": run_child(args, _child_env(1)), "cold": None}
    cache = tempfile.mkdtemp(prefix="layerlab-numba-cache-")
    try:
        env = _child_env(1, {"NUMBA_CACHE_DIR": cache})
        cold = run_child(args, env)
        warm = run_child(args, env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {"workload": workload_id, "warm": warm, "cold": cold}


def parse_compare(text: str | None) -> list[str]:
    names = [c.strip().lower() for c in (text or "").split(",") if c.strip()]
    for name in names:
        if name not in ("numpy", "torch"):
            raise ConfigError(f"Unknown competitor '{name}' in --compare. Choose from: numpy, "
                              "torch (comma-separated, e.g. --compare numpy,torch).")
    return [c for c in ("numpy", "torch") if c in names]


def add_bench_parser(sub: Any) -> None:
    """The ``bench`` subcommand's arguments (``engine.cli``)."""
    bench = sub.add_parser("bench", help="time the engine against plain numpy and PyTorch")
    bench.add_argument("--only", nargs="*", help="workload ids, e.g. a b c")
    bench.add_argument("--compare", default="numpy,torch", help="competitors, comma-separated")
    bench.add_argument("--json", help="write the results to this JSON file")
    bench.add_argument("--quick", action="store_true", help="short timing (smoke test)")
    bench.add_argument("--threads", help="thread counts to measure, e.g. 1,2,4 (default: 1 "
                       "and every core); more than one prints a scaling table")
    bench.add_argument("--repeat", type=int, default=1, help="interleaved repeats of every "
                       "measurement; the median and spread are reported (default 1)")


def cmd_bench(args: argparse.Namespace) -> int:
    """The ``bench`` command; returns the exit status (1 if a measurement failed)."""
    from engine.bench import torch_reference
    from engine.bench.workloads import WORKLOADS, get_workload

    workloads = [get_workload(i) for i in (args.only or list(WORKLOADS))]
    competitors = parse_compare(args.compare)
    threads = parse_thread_list(getattr(args, "threads", None), args.quick)
    repeat = max(1, int(getattr(args, "repeat", 1) or 1))
    notes = []
    if "torch" in competitors and not torch_reference.available():
        competitors.remove("torch")
        notes.append("PyTorch is not installed: the torch comparison is skipped.")
    info = machine.header_info(competitors, args.quick, threads, repeat)
    print("\n".join(machine.format_header(info) + notes), flush=True)
    gemm = measure_gemm(threads, args.quick)
    peaks = {t: g["gflops_best"] for t, g in gemm.items() if "error" not in g}
    runs = run_jobs(plan(workloads, competitors, threads), args.quick, repeat)
    rows = aggregate(runs)
    ttfs = {}
    for wl in workloads:
        ttfs[wl.id] = measure_ttfs(wl.id, args.quick)
    summary = [summarize(wl, rows) for wl in workloads]
    for s in summary:
        print("\n" + "\n".join(format_summary(s, ttfs.get(s["workload"]), peaks)
                               + scaling_table(s["workload"], rows, peaks)))
    loaded = sum(bool(r.get("load", {}).get("loaded")) for r in runs)
    if loaded:
        print(f"\n{loaded} of {len(runs)} measurements ran under load (other processes used "
              f"> {machine.LOADED_PER_CORE} of each core): compare their ratios with care.")
    if args.json:
        from engine.fileio import atomic_write_json

        atomic_write_json(args.json, {"info": info, "notes": notes, "gemm": list(gemm.values()),
                                      "runs": runs, "rows": rows, "ttfs": list(ttfs.values()),
                                      "summary": summary})
        print(f"\nresults written to {args.json}")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
