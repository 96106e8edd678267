"""The branch list in the weights sidecar: names, fork steps, settings and the states of the
branches not training, their arrays shared with the run's timeline."""

from __future__ import annotations

import numpy as np
import pytest

from engine.checkpoints import CheckpointStore, unique_bytes
from engine.datasets.registry import load_dataset
from engine.project import save_weights
from engine.timeline_file import (
    SavedBranch,
    add_timeline,
    read_branches,
    read_timeline,
    timeline_arrays,
)
from engine.types import ProjectFileError
from tests.engine.test_checkpoints import SPIRAL, make_trainer, record_run


def test_branches_round_trip_sharing_the_runs_arrays(tmp_path):
    trainer = make_trainer(load_dataset(SPIRAL), epochs=2)
    store = CheckpointStore()
    record_run(trainer, store)
    items = store.checkpoints()
    settings = {"optimizer": "sgd", "optimizer_options": {"learning_rate": 0.1},
                "batch_mode": "mini", "batch_size": 8}
    branches = [SavedBranch("first run", present=items[-1], moments=items[:-1]),
                SavedBranch("fast", fork_step=items[3].step, learning_rate=0.05,
                            settings=settings)]
    arrays = timeline_arrays(items, branches, current=1)
    stored = sum(v.nbytes for k, v in arrays.items() if k.startswith("t:a"))
    assert stored == unique_bytes(items)  # the first run's moments are the run's: no copies
    sidecar = tmp_path / "run.layerlab.npz"
    save_weights(sidecar, trainer.model.get_weights(), {})
    assert read_branches(sidecar) == ([], 0)
    add_timeline(sidecar, items, branches, current=1)
    back, current = read_branches(sidecar)
    assert current == 1 and [b.name for b in back] == ["first run", "fast"]
    assert back[1].fork_step == items[3].step and back[1].learning_rate == 0.05
    assert back[1].settings == settings and back[1].present is None and back[1].moments == []
    first = back[0]
    assert first.present is not None and first.present.step == items[-1].step
    assert [c.step for c in first.moments] == [c.step for c in items[:-1]]
    for key, value in items[-1].arrays.items():
        assert np.array_equal(first.present.arrays[key], value)
    assert len(read_timeline(sidecar)) == len(items)
    add_timeline(sidecar, items)  # saved again without branches: none are read
    assert read_branches(sidecar) == ([], 0)


def test_a_damaged_branch_list_says_so(tmp_path):
    trainer = make_trainer(load_dataset(SPIRAL), epochs=1)
    store = CheckpointStore()
    record_run(trainer, store)
    sidecar = tmp_path / "run.layerlab.npz"
    save_weights(sidecar, trainer.model.get_weights(), {})
    add_timeline(sidecar, store.checkpoints(), [SavedBranch("a"), SavedBranch("b")], 5)
    with pytest.raises(ProjectFileError, match="timeline .* is damaged"):
        read_branches(sidecar)


def test_weights_only_moments_round_trip_and_cannot_be_resumed(tmp_path):
    from engine.checkpoints import capture_weights, restore
    from engine.types import LayerLabError

    trainer = make_trainer(load_dataset(SPIRAL), epochs=1)
    first = capture_weights(trainer)
    second = capture_weights(trainer, first)
    assert not first.resumable and second.new_bytes == 0  # unchanged arrays are shared
    assert all(second.arrays[k] is first.arrays[k] for k in first.arrays)
    sidecar = tmp_path / "run.layerlab.npz"
    save_weights(sidecar, trainer.model.get_weights(), {})
    add_timeline(sidecar, [first])
    (back,) = read_timeline(sidecar)
    assert not back.resumable and back.arrays.keys() == first.arrays.keys()
    with pytest.raises(LayerLabError, match="only the network's weights"):
        restore(make_trainer(load_dataset(SPIRAL)), back)
