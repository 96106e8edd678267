"""``main.py sweep``: the capacity sweep without a window prints one row per value (train
error, validation error ± spread with folds), marks the best value, writes JSON, and turns a
mistake into one readable line."""

import json

from engine.resources import example_path
from layerlab.cli import main

XOR = str(example_path("xor"))


def rows(out: str) -> dict[str, str]:
    """value -> its table row."""
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0].replace(".", "").isdigit():
            table[parts[0]] = line
    return table


def test_a_width_sweep_prints_a_table_and_marks_the_best_value(capsys):
    assert main(["sweep", XOR, "--param", "width", "--values", "1,4", "--epochs", "20"]) == 0
    out = capsys.readouterr().out
    assert "units of a hidden layer" in out and "error rate" in out
    table = rows(out)
    assert set(table) == {"1", "4"}
    assert "50.0%" in table["1"] and "best" not in table["1"]  # one unit cannot do XOR
    assert table["4"].count("0.0%") == 2 and table["4"].endswith("<- best")
    assert "Lowest validation error at width = 4." in out


def test_folds_give_a_spread_and_json_goes_to_stdout_or_a_file(capsys, tmp_path):
    args = ["sweep", XOR, "--param", "width", "--values", "1,4", "--epochs", "5",
            "--folds", "2"]
    assert main([*args, "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert "trained 4 of 4" in captured.err  # 2 values x 2 folds
    assert data["folds"] == 2 and data["values"] == [1.0, 4.0]
    assert len(data["val_error"]) == len(data["val_spread"]) == 2
    assert data["best_value"] in (1.0, 4.0)
    target = tmp_path / "sweep.json"
    assert main([*args, "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "±" in out and f"sweep written to {target}" in out
    assert json.loads(target.read_text())["val_error"] == data["val_error"]


def test_a_mistake_prints_one_readable_line(capsys):
    assert main(["sweep", XOR, "--param", "width", "--values", "1,x"]) == 1
    err = capsys.readouterr().err
    assert "numbers separated by commas" in err and "Traceback" not in err
    assert main(["sweep", XOR, "--param", "depth", "--values", "1.5"]) == 1
    assert "whole numbers" in capsys.readouterr().err
