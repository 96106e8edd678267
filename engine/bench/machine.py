"""What the benchmark knows about the machine: its load around each measurement, the GEMM peak,
and the header (versions, CPUs, thread variables, BLAS libraries).

Load: the 1-minute load average is recorded before and after every measurement
as the issue asks, but on a small machine it also carries the benchmark's own previous child
(it decays over a minute). So a run is marked *under load* from what other processes did
*during* it: the CPU time ``/proc/stat`` counts as busy on the whole machine minus the CPU
time of the benchmark's own children (``os.times()``), per second of wall
time, per core; above ``LOADED_PER_CORE`` (0.3) the run is marked. Where ``/proc/stat`` is
missing (not Linux) the 1-minute load average before the run, per core, decides instead.

GEMM peak: a float32 ``(n × n) @ (n × n)`` numpy product (n = 1024, 2·n³ flops) timed in a fresh
child at each thread count (``runner --child gemm``), best of the repeats: the achieved
GFLOP/s of each workload is quoted against it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from engine.thread_load import busy_seconds

LOADED_PER_CORE = 0.3
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
               "LAYERLAB_THREADS")


def cores() -> int:
    """CPUs this process may use (affinity mask)."""
    from engine.threads import available_cores

    return available_cores()


def _children_cpu() -> float:
    times = os.times()  # portable (Windows reports 0 for children: then the load decides)
    return times.children_user + times.children_system


def loadavg() -> float:
    """The 1-minute load average, or NaN where the system has none (Windows)."""
    read = getattr(os, "getloadavg", None)
    try:
        return read()[0] if read is not None else float("nan")
    except OSError:  # pragma: no cover - not available on this system
        return float("nan")


def load_start() -> dict[str, Any]:
    """A mark taken just before a measurement (pass it to ``load_end``)."""
    return {"load_before": loadavg(), "t": time.perf_counter(), "busy": busy_seconds(),
            "children": _children_cpu()}


def load_end(mark: dict[str, Any], ncores: int | None = None) -> dict[str, Any]:
    """Load before/after, other processes' busy cores during the run, and the verdict."""
    n = ncores or cores()
    wall = max(time.perf_counter() - mark["t"], 1e-9)
    busy = busy_seconds()
    others = None
    if busy is not None and mark["busy"] is not None:
        own = _children_cpu() - mark["children"]
        others = max(0.0, (busy - mark["busy"] - own) / wall)
    out = {"load_before": mark["load_before"], "load_after": loadavg(), "others_cores": others,
           "cores": n}
    out["loaded"] = is_loaded(out)
    return out


def is_loaded(load: dict[str, Any]) -> bool:
    """Other processes used more than 0.3 of a core per core during the run (see above)."""
    n = max(1, int(load.get("cores") or 1))
    others = load.get("others_cores")
    if others is None:
        return bool(load["load_before"] / n > LOADED_PER_CORE)
    return bool(others / n > LOADED_PER_CORE)


def load_text(load: dict[str, Any]) -> str:
    """``load 0.85→1.40, others 0.12 cores`` (+ ``UNDER LOAD``)."""
    text = f"load {load['load_before']:.2f}→{load['load_after']:.2f}"
    if load.get("others_cores") is not None:
        text += f", others {load['others_cores']:.2f} cores"
    return text + ("  UNDER LOAD" if load.get("loaded") else "")


# -- GEMM peak (child side) ---------------------------------------------------------------------
def child_gemm(threads: int, quick: bool, n: int = 1024) -> dict[str, Any]:
    """float32 (n × n) @ (n × n) with BLAS at ``threads``: best and median GFLOP/s."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up: threads started, pages touched
    times: list[float] = []
    t0, min_runs, min_s = time.perf_counter(), (3 if quick else 8), (0.2 if quick else 1.0)
    while len(times) < min_runs or time.perf_counter() - t0 < min_s:
        ts = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - ts)
    flops = 2.0 * n**3
    times.sort()
    return {"n": n, "threads": threads, "runs": len(times),
            "gflops_best": flops / times[0] / 1e9,
            "gflops_median": flops / times[len(times) // 2] / 1e9}


# -- the header ---------------------------------------------------------------------------------
def blas_info() -> list[dict[str, Any]]:
    """The BLAS/OpenMP libraries loaded in this process (threadpoolctl)."""
    from pathlib import Path

    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "version", "architecture", "num_threads")
    return [{**{k: i.get(k) for k in keys}, "library": Path(i["filepath"]).name}
            for i in threadpool_info()]


def header_info(competitors: list[str], quick: bool, threads: list[int],
                repeat: int) -> dict[str, Any]:
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
            "cpu_count": os.cpu_count(), "cores": cores(), "machine": platform.machine(),
            "environment": env, "blas": blas_info(), "competitors": ["engine", *competitors],
            "quick": quick, "threads": threads, "repeat": repeat, "load_start": loadavg()}


def format_header(info: dict[str, Any]) -> list[str]:
    v = info["versions"]
    lines = [f"LayerLab bench: python {info['python']}, numpy {v['numpy']}, numba {v['numba']}, "
             f"torch {v['torch'] or 'not installed'}; {info['cpu_count']} logical CPUs, "
             f"{info['cores']} usable; 1-minute load {info['load_start']:.2f}",
             "environment (left as is): " + ", ".join(
                 f"{k}={val if val is not None else 'unset'}"
                 for k, val in info["environment"].items())]
    for lib in info["blas"]:
        lines.append(f"BLAS: {lib['internal_api']} {lib['version']} ({lib['architecture']}), "
                     f"{lib['num_threads']} threads by default, {lib['library']}")
    timing = ("QUICK smoke test (1 timed epoch, ≥ 0.3 s)" if info["quick"] else
              "warm-up ≥ 1 epoch & ≥ 0.5 s, then ≥ 3 epochs & ≥ 3 s, median")
    lines.append(f"timing: {timing}; threads {','.join(map(str, info['threads']))}; "
                 f"{info['repeat']} interleaved repeat(s); one fresh process per measurement; "
                 f"'UNDER LOAD': other processes used > {LOADED_PER_CORE} of each core")
    return lines
