"""The choices the training panel offers, read from the engine's registries.

Losses come from ``engine.losses.LOSSES`` (plus "automatic"), optimizers from
``engine.optimizers.OPTIMIZERS`` (with their default learning rates) and learning-rate
schedules from ``engine.schedules.SCHEDULES``; every entry shows the class's
``display_name``. A schedule is stored in the project as ``{"name": ...}`` (the engine fills in
its defaults) or ``None`` for a constant rate. The backend entries (CPU engine, GPU) come
from ``backend_choices`` with the GPU's status (``gpu_status``, or a fake in tests).
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.cuda.runtime import CudaStatus, cuda_status
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES

BATCH_MODES = [("mini-batches", "mini"), ("full batch (all samples)", "full"),
               ("one sample at a time", "single")]

# The Speed control: most optimizer steps a second (0.0 = full speed). Float data, so the
# combo finds the project's value exactly; an unlisted value is added by the panel.
SPEEDS = [("Full speed", 0.0), ("Fast — 3,000 steps/s", 3000.0),
          ("Watch — 1,000 steps/s", 1000.0), ("Watch closely — 300 steps/s", 300.0),
          ("Slow — 100 steps/s", 100.0), ("Very slow — 30 steps/s", 30.0),
          ("Step by step — 5 steps/s", 5.0)]


def speed_text(steps_per_second: float) -> str:
    """The Speed entry for a rate the combo does not list: 60 → "60 steps/s"."""
    if steps_per_second <= 0:
        return "Full speed"
    return f"{steps_per_second:,.4g} steps/s"


def loss_choices() -> list[tuple[str, Any]]:
    return [("automatic (fits the task)", "auto")] + [
        (cls.display_name or name, name) for name, cls in LOSSES.items()]


def optimizer_choices() -> list[tuple[str, Any]]:
    return [(cls.display_name or name, name) for name, cls in OPTIMIZERS.items()]


def default_learning_rate(optimizer: str) -> float:
    cls = OPTIMIZERS.get(optimizer)
    for spec in getattr(cls, "config_spec", ()):
        if spec.name == "learning_rate":
            return float(spec.default)
    return 0.01


def schedule_choices() -> list[tuple[str, Any]]:
    return [(cls.display_name or name, name) for name, cls in SCHEDULES.items()]


def schedule_key(schedule: dict[str, Any] | None) -> str:
    """The combo-box entry for a stored schedule dict."""
    return str(schedule.get("name", "constant")) if schedule else "constant"


def schedule_config(key: str | None) -> dict[str, Any] | None:
    """The schedule dict stored for a combo-box entry (None: a constant rate)."""
    return None if key in (None, "constant") else {"name": key}


# How the project trains (engine.project.RECIPES), with what each needs of the canvas.
RECIPE_CHOICES = [
    ("Supervised — learn the labels", "supervised"),
    ("Perceptron rule (one step neuron)", "perceptron"),
    ("Autoencoder — rebuild the input", "autoencoder"),
    ("Variational autoencoder (needs a Sampling layer)", "vae"),
    ("GAN — two networks on the canvas", "gan"),
]


# Where training runs (TrainConfig.backend). The GPU entry is offered only when
# ``engine.cuda.runtime.cuda_status`` finds a usable GPU; "auto" (the CPU engine) stays the
# default, and "numba"/"numpy" are listed only for projects that name them.
CPU_CHOICE = ("CPU engine", "auto")
OTHER_BACKENDS = {"numba": "CPU engine (numba kernels)",
                  "numpy": "CPU engine (plain numpy, slow)"}


class GpuCheck(Protocol):
    """What the training panel asks to decide whether to offer the GPU (tests fake it)."""

    def __call__(self) -> CudaStatus: ...


def gpu_status() -> CudaStatus:
    """The real check, once per process (loads ``numba.cuda``, about a second)."""
    return cuda_status()


def backend_choices(status: CudaStatus, current: str) -> list[tuple[str, str]]:
    """The combo's entries: the CPU engine, the GPU when usable, and the project's own
    CPU choice when it names one. Never "cuda" without a usable GPU."""
    out = [CPU_CHOICE]
    if current in OTHER_BACKENDS:
        out.append((OTHER_BACKENDS[current], current))
    if status.available:
        out.append((f"GPU — {status.device}", "cuda"))
    return out
