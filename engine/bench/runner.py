"""``python main.py bench``: median s/epoch of the engine, plain numpy and PyTorch, side by side.

Every (competitor, threads, workload) runs in a fresh subprocess (``python -m
engine.bench.runner --child train ...``, one JSON line on stdout), interleaved across
competitors, with the thread count fixed before numpy/torch load (``OMP/OPENBLAS/MKL/
NUMBA_NUM_THREADS``) and again with threadpoolctl once every BLAS is loaded (numba's ``np.dot``
calls scipy's OpenBLAS, which loads late) and ``torch.set_num_threads``. Timing (shared
README): warm-up of at least one epoch and 0.5 s, then at least 3 epochs and 3 s, median
epoch (``--quick``: one thread count, one warm-up epoch, ≥ 1 timed epoch and ≥ 0.3 s).
Time to first step (import + build + one batch) is measured in fresh processes too: cold
(empty numba cache) and warm (second run). This module imports no numpy at the top so the
child can measure import time and set threads first. The environment is left as it is
(benchmark machines may set ``OPENBLAS_CORETYPE``, which picks OpenBLAS's kernels); the header
prints it with threadpoolctl's view of numpy's and scipy's (numba's) BLAS libraries.
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
from pathlib import Path
from typing import Any

from engine.resources import package_root
from engine.types import ConfigError

ROOT = package_root()  # the folder holding engine/: the clone or site-packages
COMPETITORS = ("engine", "numpy", "torch", "probes")  # probes: engine + live probes
THREADS = (1, 2)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


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


def blas_info() -> list[dict[str, Any]]:
    """The BLAS/OpenMP libraries loaded in this process (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "version", "architecture", "num_threads")
    return [{**{k: i.get(k) for k in keys}, "library": Path(i["filepath"]).name}
            for i in threadpool_info()]


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
    epoch, extra = _make_epoch(competitor, wl, threads, variant)
    primed: list[bool] = []

    def limited_epoch() -> tuple[float, int]:
        out = epoch()
        if not primed:  # again once every library is loaded (numba -> scipy's OpenBLAS)
            threadpool_limits(limits=threads)
            primed.append(True)
        return out

    stats = time_epochs(limited_epoch, quick)
    med, steps, samples = stats["epoch_s_median"], stats["steps_per_epoch"], extra["samples"]
    return {"workload": wl.id, "competitor": competitor, "threads": threads,
            "variant": variant, **extra, **stats, "us_per_step": med / steps * 1e6,
            "samples_per_s": samples / med, "gflops": 6.0 * wl.fwd_macs * samples / med / 1e9,
            "blas": blas_info()}


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
    ap.add_argument("--child", choices=["train", "ttfs"], required=True)
    ap.add_argument("--competitor", choices=COMPETITORS, default="engine")
    ap.add_argument("--workload", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--variant", default="default")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.child == "ttfs":
        row = child_ttfs(a.workload)
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


def plan(workloads: list[Any], competitors: list[str], quick: bool) -> list[dict[str, Any]]:
    """Jobs in run order: per workload, per thread count, every competitor in turn."""
    from engine.bench import torch_reference

    jobs = []
    for wl in workloads:
        for threads in THREADS[:1] if quick else THREADS:
            extra = ["probes"] if "probes" in wl.targets else []  # probe overhead
            for comp in ["engine", *competitors, *extra]:
                if comp == "numpy" and (wl.mlp_sizes is None or wl.loss == "bce"):
                    continue
                variants = torch_reference.variants_for(wl) if comp == "torch" else ["default"]
                for variant in variants:
                    jobs.append({"workload": wl.id, "competitor": comp, "threads": threads,
                                 "variant": variant})
    return jobs


def run_jobs(jobs: list[dict[str, Any]], quick: bool) -> list[dict[str, Any]]:
    rows = []
    for job in jobs:
        args = ["--child", "train", "--competitor", job["competitor"], "--workload",
                job["workload"], "--threads", str(job["threads"]), "--variant", job["variant"]]
        args += ["--quick"] if quick else []
        row = {**job, **run_child(args, _child_env(job["threads"]))}
        rows.append(row)
        print("  " + progress_line(row), flush=True)
    return rows


def progress_line(row: dict[str, Any]) -> str:
    head = f"({row['workload']}) {row['competitor']:<6} {config_text(row):<26}"
    if "error" in row:
        return f"{head} FAILED: {row['error']}"
    return (f"{head} {row['epoch_s_median']:.4f} s/epoch  {row['us_per_step']:8.1f} µs/step  "
            f"loss {row['loss_after_warmup_epoch']:.3f} -> {row['loss_last']:.3f}")


def config_text(row: dict[str, Any]) -> str:
    text = f"{row['threads']} thread{'s' if row['threads'] > 1 else ''}"
    if row["competitor"] == "torch":
        text += ", fused Adam" if row["variant"] == "fused" else ", default optim"
    if row.get("stepper"):
        text += f", {row['stepper']}"
    return text


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


def summarize(wl: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Best (lowest median) row per competitor, ratios engine ÷ competitor, target checks."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["workload"] == wl.id and "error" not in row:
            cur = best.get(row["competitor"])
            if cur is None or row["epoch_s_median"] < cur["epoch_s_median"]:
                best[row["competitor"]] = row
    out: dict[str, Any] = {"workload": wl.id, "title": wl.title, "best": {}, "ratios": {},
                           "checks": [], "torch_reference_s": wl.torch_reference_s}
    for comp, row in best.items():
        out["best"][comp] = {"epoch_s": row["epoch_s_median"], "config": config_text(row),
                             "us_per_step": row["us_per_step"]}
    engine = best.get("engine")
    for comp in ("numpy", "torch"):
        if engine and comp in best:
            out["ratios"][comp] = engine["epoch_s_median"] / best[comp]["epoch_s_median"]
    if engine and "probes" in best:  # the other way round: the slowdown probes cause
        out["ratios"]["probes"] = best["probes"]["epoch_s_median"] / engine["epoch_s_median"]
    for comp, target in wl.targets.items():
        ratio = out["ratios"].get(comp)
        status = "n/a" if ratio is None else ("PASS" if ratio <= target else "MISS")
        out["checks"].append({"competitor": comp, "target": target, "ratio": ratio,
                              "status": status})
    return out


def format_summary(s: dict[str, Any], ttfs: dict[str, Any] | None) -> list[str]:
    lines = [f"({s['workload']}) {s['title']}",
             f"  {'':<8}{'s/epoch':>10}{'µs/step':>10}   best of"]
    for comp in COMPETITORS:
        b = s["best"].get(comp)
        if b:
            lines.append(f"  {comp:<8}{b['epoch_s']:>10.4f}{b['us_per_step']:>10.1f}   "
                         f"{b['config']}")
    targets = {c["competitor"]: c for c in s["checks"]}
    for comp, ratio in s["ratios"].items():
        check = targets.get(comp)
        mark = f"   target ≤ {check['target']:.2f}  {check['status']}" if check else ""
        name = "probes ÷ engine" if comp == "probes" else f"engine ÷ {comp:<6}"
        lines.append(f"  {name}{ratio:>8.3f}{mark}")
    for comp, check in targets.items():
        if check["status"] == "n/a":
            lines.append(f"  engine ÷ {comp:<6}{'–':>8}   target ≤ {check['target']:.2f}  "
                         f"n/a ({comp} not run)")
    if ttfs:
        lines.append("  " + format_ttfs(ttfs))
    return lines


def format_ttfs(t: dict[str, Any]) -> str:
    warm, cold = t["warm"], t.get("cold")
    if "error" in warm:
        return f"time to first step: FAILED ({warm['error']})"
    text = (f"time to first step {warm['total_s']:.2f} s (import {warm['import_s']:.2f} + build "
            f"{warm['build_s']:.3f} + first batch {warm['first_step_s']:.3f}; process "
            f"{warm['process_wall_s']:.2f} s)")
    if cold and "error" not in cold:
        text += f"; cold numba cache {cold['total_s']:.2f} s"
    return text


def header_info(competitors: list[str], quick: bool) -> dict[str, Any]:
    """Versions, CPU, thread-related environment and the BLAS libraries numpy/numba use."""
    import platform
    from importlib import metadata

    import numpy as np

    try:
        import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba's np.dot calls)
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        pass
    versions: dict[str, str | None] = {}
    for pkg in ("numpy", "numba", "torch", "threadpoolctl"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", *THREAD_VARS)}
    return {"python": platform.python_version(), "versions": versions, "numpy": np.__version__,
            "cpu_count": os.cpu_count(), "machine": platform.machine(), "environment": env,
            "blas": blas_info(), "competitors": ["engine", *competitors], "quick": quick,
            "threads": list(THREADS[:1] if quick else THREADS)}


def format_header(info: dict[str, Any]) -> list[str]:
    v = info["versions"]
    lines = [f"LayerLab bench: python {info['python']}, numpy {v['numpy']}, numba {v['numba']}, "
             f"torch {v['torch'] or 'not installed'}; {info['cpu_count']} logical CPUs",
             "environment (left as is): " + ", ".join(
                 f"{k}={val if val is not None else 'unset'}"
                 for k, val in info["environment"].items())]
    for lib in info["blas"]:
        lines.append(f"BLAS: {lib['internal_api']} {lib['version']} ({lib['architecture']}), "
                     f"{lib['num_threads']} threads by default, {lib['library']}")
    lines.append("timing: " + ("QUICK smoke test (1 timed epoch, ≥ 0.3 s)" if info["quick"] else
                               "warm-up ≥ 1 epoch & ≥ 0.5 s, then ≥ 3 epochs & ≥ 3 s, median")
                 + f"; threads {info['threads']}; one fresh process per measurement")
    return lines


def parse_compare(text: str | None) -> list[str]:
    names = [c.strip().lower() for c in (text or "").split(",") if c.strip()]
    for name in names:
        if name not in ("numpy", "torch"):
            raise ConfigError(f"Unknown competitor '{name}' in --compare. Choose from: numpy, "
                              "torch (comma-separated, e.g. --compare numpy,torch).")
    return [c for c in ("numpy", "torch") if c in names]


def cmd_bench(args: argparse.Namespace) -> int:
    """The ``bench`` command; returns the exit status (1 if a measurement failed)."""
    from engine.bench import torch_reference
    from engine.bench.workloads import WORKLOADS, get_workload

    workloads = [get_workload(i) for i in (args.only or list(WORKLOADS))]
    competitors = parse_compare(args.compare)
    notes = []
    if "torch" in competitors and not torch_reference.available():
        competitors.remove("torch")
        notes.append("PyTorch is not installed: the torch comparison is skipped.")
    info = header_info(competitors, args.quick)
    print("\n".join(format_header(info) + notes), flush=True)
    rows = run_jobs(plan(workloads, competitors, args.quick), args.quick)
    ttfs = {}
    for wl in workloads:
        ttfs[wl.id] = measure_ttfs(wl.id, args.quick)
    summary = [summarize(wl, rows) for wl in workloads]
    for s in summary:
        print("\n" + "\n".join(format_summary(s, ttfs.get(s["workload"]))))
    if args.json:
        from engine.fileio import atomic_write_json

        atomic_write_json(args.json, {"info": info, "notes": notes, "rows": rows,
                                      "ttfs": list(ttfs.values()), "summary": summary})
        print(f"\nresults written to {args.json}")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
