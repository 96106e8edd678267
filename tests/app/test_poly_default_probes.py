"""Which views a project with polynomial features gets: a decision map over the x₁/x₂ plane
for 2-D points, a curve along x for 1-D regression (never a map over x, x²)."""

from __future__ import annotations

from app.session import default_probes
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.model import Model


def model_for(n_in: int, n_out: int) -> Model:
    graph = Graph.sequential([{"kind": "Input", "name": "in", "shape": [n_in]},
                              {"kind": "Dense", "name": "out", "units": n_out}])
    return Model(graph)


def test_a_line_expanded_to_two_columns_gets_a_curve_not_a_map() -> None:
    data = load_dataset({"name": "sine", "n_samples": 40, "poly_degree": 2})
    assert data.input_shape == (2,)
    probes = default_probes([], model_for(2, 1), data)
    assert "curve" in probes and "decision_grid" not in probes


def test_plane_points_with_polynomial_features_keep_their_decision_map() -> None:
    data = load_dataset({"name": "moons", "n_samples": 40, "poly_degree": 3})
    probes = default_probes([], model_for(9, 2), data)
    assert "decision_grid" in probes and "curve" not in probes
