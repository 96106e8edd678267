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


@dataclass(frozen=True)
class CudaStatus:
    available: bool
    device: str  # e.g. "NVIDIA H100 80GB HBM3", "CUDA simulator"; "" when unavailable
    reason: str  # why it is unavailable, one learner-readable sentence; "" when available


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
    """Whether the ``cuda`` backend can run, checked once per process."""
    try:
        from numba import cuda
    except Exception:  # noqa: BLE001 - any import failure means "not usable"
        return CudaStatus(False, "", f"numba's CUDA support could not be loaded; {INSTALL_HINT}.")
    if simulator_active():
        return CudaStatus(True, "CUDA simulator (numba, on the CPU)", "")
    try:
        if not cuda.is_available():
            return CudaStatus(False, "", "no NVIDIA GPU with a working driver was found on "
                              f"this computer (if it has one, {INSTALL_HINT}).")
        name = cuda.get_current_device().name
    except Exception:  # noqa: BLE001 - driver/toolkit problems of any kind
        return CudaStatus(False, "", f"the NVIDIA GPU could not be used; {INSTALL_HINT} and "
                          "check that the NVIDIA driver works (nvidia-smi).")
    return CudaStatus(True, name.decode() if isinstance(name, bytes) else str(name), "")
