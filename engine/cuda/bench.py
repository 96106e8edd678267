"""``main.py bench --backend cuda``: the GPU engine against the CPU engine (and PyTorch on
the GPU when it is installed with CUDA), batch sizes 64 → 1024, median s/epoch each.

Runs in one process (the GPU keeps its context; the CPU engine uses its thread budget).
Workloads whose network has no GPU path are listed with the reasons
(``engine.cuda.placement``). Without a usable GPU the command says why and runs the CPU
bench instead; under numba's CUDA simulator it refuses to time (the simulator runs each
CUDA thread as a Python thread: its timings say nothing about a GPU).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.types import LayerLabError

BATCHES = (64, 256, 1024)
DEFAULT_WORKLOADS = ("a", "b", "c", "d", "e", "f")


def _engine_epoch(wl: Any, backend_name: str, x: np.ndarray,
                  y: np.ndarray) -> tuple[Callable[[], tuple[float, int]], Any]:
    from engine import backend
    from engine.bench.workloads import build_engine, engine_epoch

    with backend.using(backend_name):  # make_stepper reads the backend when building
        run = build_engine(wl)
    rng = np.random.default_rng(0)
    return (lambda: engine_epoch(run, x, y, wl.batch, rng)), run


def _torch_cuda_epoch(wl: Any, x: np.ndarray, y: np.ndarray) -> Callable[[], tuple[float, int]]:
    """PyTorch on the GPU, the data on the device, one shuffled epoch per call."""
    from engine.bench.torch_reference import make_epoch

    return make_epoch(wl, x, y, device="cuda")


def torch_cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def compare(wl: Any, batch: int, quick: bool, samples: int | None = None,
            with_torch: bool = False) -> dict[str, Any]:
    """Median s/epoch of the GPU and CPU engines (and torch CUDA) for one workload and batch;
    ``{"cpu_only": [reasons]}`` when the network has no GPU path."""
    from engine.bench.runner import time_epochs
    from engine.cuda.placement import gpu_obstacles
    from engine.cuda.stepper import runs_on_gpu

    wl = dataclasses.replace(wl, batch=batch)
    x, y = wl.make_data()
    if samples is not None:
        x, y = x[:samples], y[:samples]
    gpu_epoch, run = _engine_epoch(wl, "cuda", x, y)
    if not runs_on_gpu(run.stepper):
        reasons = gpu_obstacles(run.model, run.loss, run.optimizer, None)
        return {"cpu_only": reasons or ["its recipe trains on the CPU engine"]}
    cpu_epoch, _ = _engine_epoch(wl, "numba", x, y)
    out = {"gpu": time_epochs(gpu_epoch, quick), "cpu": time_epochs(cpu_epoch, quick)}
    if with_torch:
        out["torch_cuda"] = time_epochs(_torch_cuda_epoch(wl, x, y), quick)
    return out


def format_row(wl_id: str, batch: int, result: dict[str, Any]) -> str:
    gpu, cpu = result["gpu"]["epoch_s_median"], result["cpu"]["epoch_s_median"]
    line = (f"  ({wl_id}) batch {batch:>5}: GPU engine {gpu:.4f} s/epoch, CPU engine "
            f"{cpu:.4f} s/epoch, GPU is {cpu / gpu:.1f}x faster")
    if "torch_cuda" in result:
        tc = result["torch_cuda"]["epoch_s_median"]
        line += f"; GPU engine ÷ PyTorch CUDA = {gpu / tc:.2f}"
    return line


def cmd_bench_cuda(args: argparse.Namespace) -> int:
    """The ``bench --backend cuda`` command; returns the exit status."""
    from engine import backend
    from engine.bench.workloads import get_workload
    from engine.cuda.runtime import cuda_status, simulator_active

    backend.set_backend("cuda")
    if backend.fallback_message():
        print(f"{backend.fallback_message()} The CPU bench runs instead.", flush=True)
        from engine.bench.runner import cmd_bench

        backend.set_backend("numba")
        return cmd_bench(args)
    if simulator_active():
        print("The CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1): it runs every GPU thread "
              "as a Python thread, so its timings say nothing about a GPU. Run the bench "
              "without it on a machine with an NVIDIA GPU.")
        return 1
    with_torch = "torch" in (args.compare or "") and torch_cuda_available()
    print(f"GPU: {cuda_status().device}; PyTorch CUDA: "
          f"{'yes' if with_torch else 'not installed with CUDA (skipped)'}", flush=True)
    for wl_id in args.only or DEFAULT_WORKLOADS:
        wl = get_workload(wl_id)
        print(f"({wl.id}) {wl.title}", flush=True)
        for batch in BATCHES:
            try:
                result = compare(wl, batch, args.quick, with_torch=with_torch)
            except LayerLabError as err:
                print(f"  skipped: {err}")
                break
            if "cpu_only" in result:
                print("  stays on the CPU engine: " + "; ".join(result["cpu_only"]))
                break
            print(format_row(wl.id, batch, result), flush=True)
    return 0
