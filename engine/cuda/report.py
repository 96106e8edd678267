"""The lines ``main.py train`` prints before training under the ``cuda`` backend: where the
network trains and, when not on the GPU, every reason (``engine.cuda.placement``)."""

from __future__ import annotations

from engine.cuda.placement import gpu_obstacles, placement_lines
from engine.cuda.runtime import cuda_status
from engine.cuda.stepper import CudaStepper, runs_on_gpu
from engine.prepared import Prepared
from engine.training import Trainer


def placement_report(prepared: Prepared) -> list[str]:
    """One headline and the reasons a prepared project does (not) train on the GPU."""
    trainer, model = prepared.trainer, prepared.model
    if not isinstance(trainer, Trainer):
        return [f"CUDA backend: the {type(trainer).__name__} recipe trains on the CPU engine "
                "(its training steps have no GPU path yet)."]
    n_layers = len(model.order) - 1
    if runs_on_gpu(trainer.stepper):
        lines = placement_lines([], n_layers, cuda_status().device)
        if not isinstance(trainer.stepper, CudaStepper):  # an autoencoder's stepper
            lines.append("  (input noise or sparsity, when switched on, run on the CPU)")
        return lines
    reasons = gpu_obstacles(model, trainer.loss, trainer.optimizer, trainer.config)
    return placement_lines(reasons or ["the project's backend setting asks for the CPU"],
                           n_layers, "")
