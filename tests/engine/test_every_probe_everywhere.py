"""Every registered introspection probe, requested on every bundled example with a small probe
batch (as a window would if any view asked): each one works or declines in a plain sentence —
never an exception, never Python's own words (a type name, a broadcast or index error)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from engine import introspection
from engine.introspection import probe_batch_from
from engine.probes import BROKEN_MESSAGE, ProbeSet
from engine.project import load_project
from engine.recipes import prepare

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
ALL = sorted(p.name.split(".")[0] for p in EXAMPLES.glob("*.layerlab.json"))
PYTHON_WORDS = re.compile(r"Error\b|Exception|Traceback|out of bounds|broadcast|operands|"
                          r"NoneType|attribute|axis \d|index \d+ is")


def messages_of_every_probe(key: str) -> dict[tuple[str, str], str]:
    """{(probe, options): error message} of every probe on example ``key`` ({} if its recipe
    has no introspection probe set: generative models have their own probes)."""
    prepared = prepare(load_project(EXAMPLES / f"{key}.layerlab.json"))
    trainer = prepared.trainer
    grid = trainer.probe_grid
    if not isinstance(grid, ProbeSet):
        return {}
    grid.probe_batch = probe_batch_from(trainer, size=32)
    grid.introspection_budget_s = None  # every probe runs each time
    layers = [n for n, node in prepared.model.graph.nodes.items() if node.kind != "Input"]
    errors = {}
    for name in introspection.RUNNERS:
        for opts in ({}, {"layer": layers[len(layers) // 2], "index": 31}):
            grid.set_introspection({name: opts})
            result = grid.compute(["introspection"])[f"introspection:{name}"]
            assert result["options"] == opts
            if "error" in result:
                errors[(name, str(opts))] = result["error"]
    return errors


def check(key: str) -> None:
    for (name, opts), message in messages_of_every_probe(key).items():
        assert message != BROKEN_MESSAGE, f"{name} {opts} on {key} crashed inside"
        assert not PYTHON_WORDS.search(message), f"{name} {opts} on {key}: {message}"
        assert message[0].isupper() and message.rstrip().endswith((".", ")")), message


@pytest.mark.parametrize("key", ALL)  # ~4 s for all 21 examples: in the default run
def test_every_probe_works_or_declines_plainly_on_every_example(key):
    check(key)


def test_the_perceptron_declines_gradient_views_in_one_plain_sentence():
    errors = messages_of_every_probe("perceptron_and")
    assert errors[("saliency", "{}")] == ("The perceptron's step function has no gradient, so "
                                          "saliency cannot be computed — use the MLP examples.")
    assert "no gradient" in errors[("fgsm", "{}")]


def test_a_probe_that_crashes_says_so_plainly_and_training_goes_on(monkeypatch):
    def broken(*_args):
        return np.zeros(3) + np.zeros(4)  # a genuine numpy broadcast error

    monkeypatch.setitem(introspection.RUNNERS, "dynamics", broken)
    errors = messages_of_every_probe("xor")
    assert errors[("dynamics", "{}")] == BROKEN_MESSAGE
    assert not PYTHON_WORDS.search(BROKEN_MESSAGE)
