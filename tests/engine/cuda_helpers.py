"""What every ``test_cuda_*.py`` shares: numba's CUDA simulator switched on before anything
imports ``numba.cuda`` (unless ``LAYERLAB_CUDA_TESTS=device`` runs them on a real GPU), the
pytest marks (``cuda``; skipped with the reason when no CUDA is usable), and a one-layer model
for the kernel checks. Import it before the engine's CUDA modules."""

from __future__ import annotations

import os

import pytest

from engine.cuda.runtime import cuda_status, use_simulator
from engine.graph import Graph
from engine.model import Model

if os.environ.get("LAYERLAB_CUDA_TESTS") != "device":
    use_simulator()
CUDA_MARKS = [pytest.mark.cuda,
              pytest.mark.skipif(not cuda_status().available, reason=cuda_status().reason)]


def one_layer(spec: dict, shape: list[int]) -> Model:
    """Input of ``shape`` → one layer named "layer" built from ``spec`` (seed 3)."""
    return Model(Graph.sequential([{"kind": "Input", "shape": shape},
                                   {"name": "layer", **spec}]), seed=3)
