"""The fuzzer's default run: mutated bundled examples and data/weights files, 0 crashes,
0 hangs, 0 messages with Python internals (``engine.fuzz``). A longer run:
``python -m engine.fuzz --cases 50000`` or ``pytest -m slow tests/engine/test_fuzz.py``."""

import pytest

from engine.fuzz import INTERNALS, fuzz_projects
from engine.fuzz_data import fuzz_data


def _assert_clean(tally, cases):
    assert sum(tally.counts.values()) >= cases
    assert tally.bad == 0, "\n".join(f"{w}: {c}: {m}" for c, w, m in tally.problems)


def test_fuzz_project_files_default_run():
    tally = fuzz_projects(2000, seed=0)
    _assert_clean(tally, 2000)
    # the run really exercises both sides: most cases refused, a fair share still opens
    assert tally.counts["refused"] >= 1000 and tally.counts["ok"] >= 100


def test_fuzz_data_and_weights_default_run():
    tally = fuzz_data(300, seed=0)
    _assert_clean(tally, 300)
    assert tally.counts["refused"] >= 150 and tally.counts["ok"] >= 10


def test_the_internals_pattern_catches_raw_python_messages():
    for raw in ("'NoneType' object has no attribute 'get'", "KeyError: 'x'",
                "Traceback (most recent call last)", "unhashable type: 'list'",
                "invalid literal for int() with base 10: 'a'"):
        assert INTERNALS.search(raw)
    assert not INTERNALS.search("Dense 'hidden': option 'units' must be at least 1; it is 0.")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_long_run(seed):
    _assert_clean(fuzz_projects(20000, seed=seed), 20000)
    _assert_clean(fuzz_data(3000, seed=seed), 3000)
