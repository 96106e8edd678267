"""Training-time safety (issue 21): divergence caught before NaN, the report's per-epoch losses
equal the printed epoch lines, nothing lost when a run is interrupted, settings and the report
path checked before training starts."""

import json
import re
from pathlib import Path

import pytest

from engine import cli
from engine.project import load_project, load_weights
from engine.training import Trainer
from engine.types import TrainingError

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def _project(tmp_path, name, **training):
    data = json.loads((EXAMPLES / f"{name}.layerlab.json").read_text(encoding="utf-8"))
    data["training"].update(training)
    path = tmp_path / f"{name}.layerlab.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_report_epochs_match_the_printed_epoch_lines(tmp_path, capsys):
    path = _project(tmp_path, "xor", epochs=4)
    report = tmp_path / "r.json"
    assert cli.main(["train", str(path), "--report", str(report)]) == 0
    printed = [float(v) for v in re.findall(r"epoch \d+/4\s+train_loss (\S+)",
                                            capsys.readouterr().out)]
    per_epoch = json.loads(report.read_text())["per_epoch"]
    assert len(printed) == len(per_epoch) == 4
    for line, entry in zip(printed, per_epoch):
        assert round(entry["train_loss"], 4) == line


@pytest.mark.parametrize("name", ["spiral", "xor"])
def test_a_huge_learning_rate_stops_with_a_reason_before_nan(tmp_path, capsys, name):
    path = _project(tmp_path, name, epochs=20, optimizer_options={"learning_rate": 1e6})
    report = tmp_path / "r.json"
    assert cli.main(["train", str(path), "--report", str(report)]) == 2
    result = json.loads(report.read_text())
    assert result["stopped_because"] == "diverged" and result["epochs_run"] < 20
    assert "learning rate" in result["message"] and "NaN" not in result["message"]


def test_a_good_run_is_not_called_diverging(tmp_path):
    path = _project(tmp_path, "spiral", epochs=15)
    assert cli.main(["train", str(path), "--report", str(tmp_path / "r.json")]) == 0


def test_an_interrupted_run_keeps_its_report_and_last_good_weights(tmp_path, monkeypatch,
                                                                   capsys):
    path = _project(tmp_path, "xor", epochs=6)
    end_epoch = Trainer._end_epoch

    def failing(self, *args):
        if self.epoch == 3:
            raise TrainingError("The data source went away.")
        return end_epoch(self, *args)

    monkeypatch.setattr(Trainer, "_end_epoch", failing)
    report = tmp_path / "r.json"
    assert cli.main(["train", str(path), "--report", str(report), "--save-weights"]) == 1
    result = json.loads(report.read_text())
    assert result["epochs_run"] == 2 and result["stopped_because"] == "error"
    assert "went away" in result["message"]
    weights, history = load_weights(tmp_path / "xor.layerlab.npz")
    assert weights and len(history["train_loss"]) == 2
    assert "error: The data source went away." in capsys.readouterr().err


def test_an_unwritable_report_path_is_refused_before_training(tmp_path, capsys):
    path = _project(tmp_path, "xor", epochs=2)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["train", str(path), "--report", str(blocker / "r.json")]) == 1
    captured = capsys.readouterr()
    assert "epoch" not in captured.out and "Cannot write the report" in captured.err


@pytest.mark.parametrize("args, words", [
    (["--epochs", "inf"], "whole number"), (["--epochs", "1e12"], "1,000,000"),
    (["--seed", "-1"], "at least 0"), (["--seed", "1.5"], "whole number"),
])
def test_cli_settings_go_through_the_same_checks(tmp_path, capsys, args, words):
    path = _project(tmp_path, "xor")
    assert cli.main(["train", str(path), *args]) == 1
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_regression_without_a_validation_split_trains(tmp_path):
    data = json.loads((EXAMPLES / "regression_sine.layerlab.json").read_text(encoding="utf-8"))
    data["dataset"]["val_split"] = 0
    data["training"]["epochs"] = 1
    path = tmp_path / "s.layerlab.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_project(path).dataset["val_split"] == 0
    assert cli.main(["train", str(path), "--report", str(tmp_path / "r.json")]) == 0
