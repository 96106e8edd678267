"""Headless commands: check and train write what the issue promises, errors stay readable."""

import json

from engine.cli import main

EXAMPLES = "assets/examples"


def test_check_prints_shapes(capsys):
    assert main(["check", f"{EXAMPLES}/digits_mlp.layerlab.json"]) == 0
    out = capsys.readouterr().out
    assert "hidden" in out and "4,160 params" in out and "total: 4,810" in out


def test_check_reports_error_and_exits_nonzero(tmp_path, capsys):
    bad = tmp_path / "bad.layerlab.json"
    bad.write_text(json.dumps({
        "format": "layerlab-project", "version": 1,
        "graph": {"layers": [{"kind": "Input", "name": "img", "shape": [8, 28, 28]},
                             {"kind": "Dense", "name": "hidden1", "units": 4}],
                  "edges": [["img", "hidden1", 0]]}}))
    assert main(["check", str(bad)]) == 1
    assert "insert a Flatten layer" in capsys.readouterr().err


def test_train_writes_report(tmp_path, capsys):
    report = tmp_path / "r.json"
    code = main(["train", f"{EXAMPLES}/circles.layerlab.json", "--epochs", "3", "--report",
                 str(report)])
    assert code == 0
    out = capsys.readouterr().out
    assert "epoch 3/3" in out
    data = json.loads(report.read_text())
    assert data["epochs_run"] == 3 and len(data["per_epoch"]) == 3
    assert {"train_loss", "val_loss", "val_accuracy"} <= set(data["per_epoch"][0])
    assert "confusion_matrix" in data["final"] and "auc" in data["final"]
    assert data["time_to_first_step"] > 0 and len(data["time_per_epoch"]) == 3


def test_corrupt_project_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "c.layerlab.json"
    bad.write_text("{not json")
    assert main(["train", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
