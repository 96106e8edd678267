"""Is a CUDA GPU usable here? (imported only when the ``cuda`` backend is asked for)

``cuda_status()`` imports ``numba.cuda`` and asks it for a device; it never raises: a missing
package, a missing driver or no GPU come back as a plain sentence in ``CudaStatus.reason``.
``use_simulator()`` switches numba's CUDA simulator on (tests, and learners without a GPU
who want to watch the kernels run): it must happen before ``numba.cuda`` is first imported.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache

INSTALL_HINT = "install the optional GPU packages with: pip install 'layerlab[cuda]'"


NO_GPU = ("no NVIDIA GPU with a working driver was found on this computer (if it has one, "
          f"{INSTALL_HINT}).")


def driver_present() -> bool:
    """A cheap sign of an NVIDIA driver (its kernel module, libcuda / nvcuda, or
    nvidia-smi); False means no GPU can be usable, True only that numba should be asked."""
    import ctypes.util
    import shutil

    return (os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi")
            is not None or any(ctypes.util.find_library(n) for n in ("cuda", "nvcuda")))


@dataclass(frozen=True)
class CudaStatus:
    available: bool
    device: str  # e.g. "NVIDIA H100 80GB HBM3", "CUDA simulator"; "" when unavailable
    reason: str  # why it is unavailable, one learner-readable sentence; "" when available


def fallback_sentence(reason: str) -> str:
    """What the CLI prints and the window shows when ``cuda`` was asked for but cannot run
    (``engine.backend.fallback_message`` returns it)."""
    return (f"The CUDA backend is not available: {reason} "
            "Training runs on the CPU engine (numba) instead.")


def simulator_active() -> bool:
    """True when numba's CUDA target is (or will be, once imported) the CPU simulator."""
    from numba.core import config

    return bool(getattr(config, "ENABLE_CUDASIM", 0))  # (set by numba at import)


def use_simulator() -> bool:
    """Switch numba's CUDA simulator on; True when it is active afterwards (False when
    ``numba.cuda`` was already imported for a real GPU in this process)."""
    if "numba.cuda" not in sys.modules:
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"  # child processes and later reloads agree
        from numba.core import config

        setattr(config, "ENABLE_CUDASIM", 1)  # what numba.cuda reads when it loads
    return simulator_active()


@lru_cache(maxsize=1)
def cuda_status() -> CudaStatus:
    """Whether the ``cuda`` backend can run, checked once per process (without an NVIDIA
    driver on the machine, ``numba.cuda`` is not even loaded: the window asks at start)."""
    simulated = simulator_active()
    if not simulated and not driver_present():
        return CudaStatus(False, "", NO_GPU)
    try:
        from numba import cuda
    except Exception:  # noqa: BLE001 - any import failure means "not usable"
        return CudaStatus(False, "", f"numba's CUDA support could not be loaded; {INSTALL_HINT}.")
    if simulated:
        return CudaStatus(True, "CUDA simulator (numba, on the CPU)", "")
    try:
        if not cuda.is_available():
            return CudaStatus(False, "", NO_GPU)
        name = cuda.get_current_device().name
    except Exception:  # noqa: BLE001 - driver/toolkit problems of any kind
        return CudaStatus(False, "", f"the NVIDIA GPU could not be used; {INSTALL_HINT} and "
                          "check that the NVIDIA driver works (nvidia-smi).")
    return CudaStatus(True, name.decode() if isinstance(name, bytes) else str(name), "")
