"""The effects lessons 09 and 21 teach really happen in the engine: each lesson's comparison
check passes with the intended action (test_lessons.py) and fails without it (here), and a GAN
run reports the modes it covers every epoch, as the coverage probe counts them."""

import json

import numpy as np

from engine.generative.gan_probes import mode_coverage
from engine.lessons import LESSONS_DIR, load_lesson
from engine.lessons.runner import run_lesson
from engine.project import load_project
from engine.recipes import prepare

EXAMPLES = LESSONS_DIR.parent / "examples"


def _without(tmp_path, lesson, step, drop):
    """Lesson ``lesson`` with the solution actions of ``step`` (from 1) whose verb is in
    ``drop`` removed, saved beside a copy of the examples it opens; the headless report."""
    data = json.loads((LESSONS_DIR / lesson).read_text())
    sol = data["steps"][step - 1]["solution"]
    data["steps"][step - 1]["solution"] = [a for a in sol if a["do"] not in drop]
    (tmp_path / "examples").mkdir()
    for a in data["steps"][0].get("setup", []):
        if a["do"] == "open":
            (tmp_path / a["project"]).write_text((LESSONS_DIR.parent / a["project"]).read_text())
    path = tmp_path / lesson
    path.write_text(json.dumps(data))
    return run_lesson(load_lesson(path))


def _after(report, check_id):
    return next(c.after_solution for s in report.steps for c in s.checks if c.check.id == check_id)


def test_bn_comparison_fails_when_the_second_run_has_no_batch_normalization(tmp_path):
    report = _without(tmp_path, "09_batch_normalization.lesson.json", 2,
                      {"add_layer", "disconnect", "connect"})
    assert report.error is None, report.error
    assert _after(report, "bn_plain_run")  # the plain run was recorded...
    assert not _after(report, "bn_learns")  # ...and the same network again is not 25 points ahead


def test_collapse_comparison_fails_when_the_rates_stay_balanced(tmp_path):
    report = _without(tmp_path, "21_gan_mode_collapse.lesson.json", 2, {"set_training"})
    assert report.error is None, report.error
    assert _after(report, "gan_trained") and not _after(report, "gan_collapsed")


def test_every_gan_epoch_reports_the_modes_its_fixed_noise_covers():
    project = load_project(EXAMPLES / "gan_ring_of_gaussians.layerlab.json")
    project.training.epochs = 2
    trainer = prepare(project).trainer
    snaps = list(trainer.run())
    rows = [r for s in snaps for r in s.epoch_rows]
    assert [r["epoch"] for r in rows] == [1, 2] and all("modes_covered" in r for r in rows)
    grid = trainer.probe_grid
    points = np.asarray(trainer.generate(grid.z_cover), dtype=np.float64)
    expected = mode_coverage(points, grid.centers, grid.sigma, trainer.opts["coverage_share"])
    assert rows[-1]["modes_covered"] == expected["modes_covered"]
    assert trainer.history["modes_covered"][-1] == expected["modes_covered"]



def test_rnn_comparison_fails_when_the_lstm_stays(tmp_path):
    report = _without(tmp_path, "18_rnn_vs_lstm.lesson.json", 2,
                      {"remove_layer", "add_layer", "connect"})
    assert report.error is None, report.error
    assert _after(report, "seq_lstm") and not _after(report, "seq_rnn_ahead")
