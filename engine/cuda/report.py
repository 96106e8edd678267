"""The lines ``main.py train`` prints (``placement_report``) and the window's training panel
shows (``expected_placement``) before training under the ``cuda`` backend: where the network
trains and, when not on the GPU, every reason (``engine.cuda.placement``)."""

from __future__ import annotations

from engine.cuda.placement import gpu_obstacles, placement_lines
from engine.cuda.runtime import CudaStatus, cuda_status, fallback_sentence
from engine.prepared import Prepared
from engine.training import Trainer


def recipe_on_cpu(trainer: object) -> str | None:
    """The line for a recipe whose training steps have no GPU path (GAN, perceptron, and
    the VAE: its stepper weights the KL per step and sums the reconstruction loss), else
    None. (A Sampling layer trains on the GPU inside a supervised network.)"""
    from engine.generative.autoencoder import AutoencoderTrainer  # not at the window's start

    if isinstance(trainer, AutoencoderTrainer) and trainer.sampling:
        return ("CUDA backend: the VAE recipe trains on the CPU engine (its training steps "
                "have no GPU path yet).")
    if not isinstance(trainer, Trainer):
        return (f"CUDA backend: the {type(trainer).__name__} recipe trains on the CPU engine "
                "(its training steps have no GPU path yet).")
    return None


def placement_report(prepared: Prepared) -> list[str]:
    """One headline and the reasons a prepared project does (not) train on the GPU (asks
    its trainer's stepper: imports ``numba.cuda``)."""
    from engine.cuda.stepper import CudaStepper, runs_on_gpu

    trainer, model = prepared.trainer, prepared.model
    if (cpu_recipe := recipe_on_cpu(trainer)) is not None:
        return [cpu_recipe]
    assert isinstance(trainer, Trainer)
    n_layers = len(model.order) - 1
    if runs_on_gpu(trainer.stepper):
        lines = placement_lines([], n_layers, cuda_status().device)
        if not isinstance(trainer.stepper, CudaStepper):  # an autoencoder's stepper
            lines.append("  (input noise or sparsity, when switched on, run on the CPU)")
        return lines
    reasons = gpu_obstacles(model, trainer.loss, trainer.optimizer, trainer.config)
    return placement_lines(reasons or ["the project's backend setting asks for the CPU"],
                           n_layers, "")


def expected_placement(prepared: Prepared, status: CudaStatus) -> list[str]:
    """Where a project prepared with backend ``cuda`` will train, given the GPU ``status``:
    the fallback sentence without a GPU, else one headline and the reasons (from the layers
    and settings alone, so the window can ask without loading ``numba.cuda``)."""
    trainer, model = prepared.trainer, prepared.model
    if not status.available:
        return [fallback_sentence(status.reason)]
    if (cpu_recipe := recipe_on_cpu(trainer)) is not None:
        return [cpu_recipe]
    assert isinstance(trainer, Trainer)
    reasons = gpu_obstacles(model, trainer.loss, trainer.optimizer, trainer.config)
    return placement_lines(reasons, len(model.order) - 1, status.device)
