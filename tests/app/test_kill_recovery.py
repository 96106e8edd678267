"""Nothing lost when a process is killed: a real ``main.py train`` SIGKILLed mid-training
leaves the files it had intact and no temp after the next start; the window's autosaver
cleans temps of killed saves at start (``Autosaver.clean_temps``)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.autosave import Autosaver
from app.document import ProjectDocument
from engine.project import load_project, save_project

REPO = Path(__file__).resolve().parents[2]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_train_killed_mid_training_then_the_next_start_cleans_up(tmp_path):
    project = load_project(REPO / "assets/examples/xor.layerlab.json")
    project.training.epochs, project.training.max_steps_per_second = 100_000, 0.0
    path = tmp_path / "xor.layerlab.json"
    save_project(project, path)
    report, weights = tmp_path / "run.report.json", tmp_path / "xor.layerlab.npz"
    report.write_text('{"kept": true}')  # a report from an earlier run
    weights.write_bytes(b"earlier weights")
    killed_save = tmp_path / f".run.report.json.{_dead_pid()}-x1.tmp"
    killed_save.write_text('{"half')  # what a save killed earlier left behind

    cmd = [sys.executable, "main.py", "train", str(path), "--report", str(report),
           "--save-weights"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines, deadline = [], time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "epoch" in line.lower() and sum("epoch" in x.lower() for x in lines) >= 2:
            break  # training is under way
        assert line or proc.poll() is None, "".join(lines)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, "".join(lines)
    assert not killed_save.exists()  # the killed run cleaned the earlier temp at its start
    assert json.loads(report.read_text()) == {"kept": True}  # untouched by the killed run
    assert weights.read_bytes() == b"earlier weights"

    killed_again = tmp_path / f".xor.layerlab.npz.{_dead_pid()}-x2.tmp"
    killed_again.write_bytes(b"half")
    project.training.epochs = 2
    save_project(project, path)
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _temps(tmp_path) == []  # the next start removed every temp of a dead process
    assert json.loads(report.read_text())["epochs_run"] == 2
    assert weights.stat().st_size > 100


def test_autosaver_cleans_temps_of_killed_saves_at_start(tmp_path):
    recovery, projects = tmp_path / "recovery", tmp_path / "projects"
    recovery.mkdir()
    projects.mkdir()
    project_path = projects / "mine.layerlab.json"
    save_project(load_project(REPO / "assets/examples/xor.layerlab.json"), project_path)
    dead = _dead_pid()
    stale = [recovery / f".untitled.recovery.json.{dead}-a.tmp",
             projects / f".mine.layerlab.json.{dead}-b.tmp"]
    live = projects / f".mine.layerlab.json.{os.getpid()}-c.tmp"  # a save in progress here
    for temp in (*stale, live):
        temp.write_text("{")
    doc = ProjectDocument()
    doc.load(load_project(project_path), project_path)
    saver = Autosaver(doc, recovery)
    removed = saver.clean_temps()
    assert sorted(removed) == sorted(stale)
    assert live.exists() and project_path.exists() and not any(p.exists() for p in stale)
