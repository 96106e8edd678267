"""The decision grid and the neuron maps share one forward pass over the grid (half the
probe cost of a small 2-D classifier, so the map can move ~30 times a second)."""

from __future__ import annotations

import numpy as np

from engine.project import load_project
from engine.recipes import prepare
from engine.warmup import EXAMPLES


def test_grid_and_neuron_maps_together_equal_each_alone():
    prepared = prepare(load_project(EXAMPLES / "spiral.layerlab.json"))
    probes = prepared.trainer.probe_grid
    grid = probes.compute(["decision_grid"])
    maps = probes.compute(["neuron_maps"])
    both = probes.compute(["confusion", "decision_grid", "neuron_maps", "weights"])
    np.testing.assert_array_equal(both["decision_grid"], grid["decision_grid"])
    assert maps and set(maps) == {k for k in both if k.startswith("neuron_map:")}
    for key, value in maps.items():
        assert value.shape[:2] == grid["decision_grid"].shape[:2]
        np.testing.assert_array_equal(both[key], value)
    assert "confusion" in both and any(k.startswith("weights:") for k in both)
