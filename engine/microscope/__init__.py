"""The backprop microscope: one training step of a small computational graph, step by step.

``graph.py`` (scalar nodes and their local derivatives), ``steps.py`` (forward, backward edge
by edge, update, as formula lines with numbers), ``builders.py`` (f = (x + y)·z, a sigmoid
neuron, a small Dense network from a project), ``project.py`` (a project's first sample).
"""

from engine.microscope.builders import (
                                        MAX_PARAMS,
                                        network_graph,
                                        param_gradients,
                                        sigmoid_neuron,
                                        sum_times,
)
from engine.microscope.graph import ScalarGraph, ScalarNode
from engine.microscope.steps import BACKWARD, FORWARD, UPDATE, Microscope, Shown, Step

__all__ = ["BACKWARD", "FORWARD", "MAX_PARAMS", "UPDATE", "Microscope", "ScalarGraph",
           "ScalarNode", "Shown", "Step", "network_graph", "param_gradients", "sigmoid_neuron",
           "sum_times"]
