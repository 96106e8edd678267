"""The base of steppers that hand some of their chunks to another stepper.

An autoencoder's ``ReconstructionStepper`` (``engine.generative.autoencoder``) runs its plain
chunks (no input noise, no sparsity) on the fused Dense-chain stepper that
``engine.stepper.make_stepper`` picked for it, ``fused`` (a ``CudaStepper`` under the cuda
backend; ``None`` when there is no fast path). Code that asks where training runs
(``engine.cuda.stepper.runs_on_gpu``) looks through this base instead of importing the
autoencoder, which imports the training loop that imports the GPU stepper back.
"""

from __future__ import annotations

from typing import Any


class DelegatingStepper:
    """A stepper whose plain chunks run on ``fused`` (another stepper, or ``None``)."""

    fused: Any = None


def delegate_of(stepper: object) -> object:
    """The stepper that runs ``stepper``'s plain chunks: its ``fused`` one for a
    ``DelegatingStepper`` (``None`` when it has none), else ``stepper`` itself."""
    return stepper.fused if isinstance(stepper, DelegatingStepper) else stepper
