"""Probe options may hold numpy arrays (the Feature maps view sends the sample image): the
probe set compares them by value, never with ``==`` on arrays (ambiguous, or a broadcast
error between two projects' samples)."""

from __future__ import annotations

import numpy as np

from app.examples import example_path
from engine.probes import same_options
from engine.project import load_project
from engine.recipes import prepare


def test_same_options_compares_arrays_by_shape_dtype_and_values():
    image = np.ones((1, 8, 8), np.float32)
    a = {"index": 3, "sample": image}
    assert same_options(a, {"index": 3, "sample": image.copy()})
    assert not same_options(a, {"index": 3, "sample": np.ones(10, np.float32)})  # other shape
    assert not same_options(a, {"index": 3, "sample": image.astype(np.float64)})
    assert not same_options(a, {"index": 3, "sample": np.zeros_like(image)})
    assert not same_options(a, {"index": 4, "sample": image})
    assert not same_options(a, {"index": 3})
    assert not same_options(a, None) and not same_options(None, a)
    assert same_options({"tokens": ["a", "b"]}, {"tokens": ["a", "b"]})
    assert not same_options({"tokens": ["a", "b"]}, {"tokens": ("a", "b")})
    assert same_options({"x": np.full(3, np.nan)}, {"x": np.full(3, np.nan)})


def test_new_array_options_rerun_a_probe_without_errors():
    prepared = prepare(load_project(example_path("xor")))
    probes = prepared.trainer.probe_grid
    digits_sample = np.ones((1, 8, 8), np.float32)
    probes.set_introspection({"cnn_maps": {"index": 0, "sample": digits_sample}})
    probes.probe_state.last_frame["cnn_maps"] = 5
    probes.set_introspection({"cnn_maps": {"index": 0, "sample": digits_sample.copy()}})
    assert probes.probe_state.last_frame["cnn_maps"] == 5  # same options: no rerun
    probes.set_introspection({"cnn_maps": {"index": 0, "sample": np.ones(10, np.float32)}})
    assert "cnn_maps" not in probes.probe_state.last_frame  # changed: runs at the next frame
