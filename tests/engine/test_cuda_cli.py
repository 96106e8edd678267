"""``--backend cuda`` on ``main.py train`` and ``bench`` and ``LAYERLAB_BACKEND=cuda``:
under the CUDA simulator the GPU path runs and says where each layer trains; without a GPU
(a fresh process with the simulator off) the CPU engine runs after one plain sentence."""

import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from engine.cuda.runtime import cuda_status, simulator_active  # noqa: E402
from tests.engine.cuda_helpers import CUDA_MARKS

pytestmark = CUDA_MARKS

from engine import backend  # noqa: E402
from engine.bench.workloads import get_workload  # noqa: E402
from engine.cli import main  # noqa: E402
from engine.cuda.bench import cmd_bench_cuda, compare  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"


@pytest.fixture
def cpu_after():
    yield
    backend.set_backend("numba")  # main.py train switches the process-wide backend


def test_train_backend_cuda_says_where_the_layers_train(tmp_path, capsys, cpu_after):
    report = tmp_path / "xor.json"
    assert main(["train", str(EXAMPLES / "xor.layerlab.json"), "--backend", "cuda",
                 "--epochs", "2", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert f"CUDA backend: all 2 layers train on the GPU ({cuda_status().device})" in out
    assert json.loads(report.read_text())["epochs_run"] == 2
    assert main(["train", str(EXAMPLES / "digits_cnn.layerlab.json"), "--backend", "cuda",
                 "--epochs", "0", "--report", str(tmp_path / "cnn.json")]) == 0
    assert "CUDA backend: all 6 layers train on the GPU" in capsys.readouterr().out
    assert main(["train", str(EXAMPLES / "resnet_tiny.layerlab.json"), "--backend", "cuda",
                 "--epochs", "0", "--report", str(tmp_path / "resnet.json")]) == 0
    assert "CUDA backend: all 7 layers train on the GPU" in capsys.readouterr().out
    assert main(["train", str(EXAMPLES / "tiny_transformer.layerlab.json"), "--backend", "cuda",
                 "--epochs", "0", "--report", str(tmp_path / "transformer.json")]) == 0
    assert "CUDA backend: all 7 layers train on the GPU" in capsys.readouterr().out


@pytest.mark.skipif(not simulator_active(), reason="times a real GPU instead (slow)")
def test_bench_backend_cuda_refuses_to_time_the_simulator(capsys, cpu_after):
    args = Namespace(only=["b"], compare="numpy,torch", quick=True, backend="cuda")
    assert cmd_bench_cuda(args) == 1
    assert "timings say nothing about a GPU" in capsys.readouterr().out


def test_bench_compares_gpu_and_cpu_engines_on_a_tiny_slice():
    """The bench's measuring path on 4 samples of workload (a) (timings meaningless here);
    the attention workload (g) reports why it stays on the CPU (the LSTM workload (e) trains
    on the GPU now: far too slow for the simulator)."""
    result = compare(get_workload("a"), batch=4, quick=True, samples=4)
    assert result["gpu"]["steps_per_epoch"] == result["cpu"]["steps_per_epoch"] == 1
    attention = compare(get_workload("g"), batch=4, quick=True, samples=8)
    assert any("attention" in reason for reason in attention["cpu_only"])


def test_without_a_gpu_the_cpu_engine_runs_after_one_sentence(tmp_path):
    """A fresh process without the simulator, as on a laptop without an NVIDIA GPU."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["LAYERLAB_BACKEND"] = "cuda"
    code = ("import sys; import engine.backend as b; "
            "print('loaded early:', 'numba.cuda' in sys.modules); "
            "from engine.cli import main; "
            f"code = main(['train', {str(EXAMPLES / 'xor.layerlab.json')!r}, '--epochs', '1', "
            f"'--report', {str(tmp_path / 'r.json')!r}]); "
            # the window's path: a project file that says "cuda", prepared as the session does
            "from engine.project import load_project; from engine.recipes import prepare; "
            f"p = load_project({str(EXAMPLES / 'xor.layerlab.json')!r}); "
            "p.training.backend = 'cuda'; "
            "print('window stepper:', type(prepare(p).trainer.stepper).__name__); "
            "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    if "train on the GPU" in done.stdout:
        pytest.skip("this machine has a usable NVIDIA GPU")
    assert done.returncode == 0, done.stderr
    assert "loaded early: False" in done.stdout  # numba.cuda loads only once cuda is used
    assert "The CUDA backend is not available:" in done.stdout
    assert "Training runs on the CPU engine (numba) instead." in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert "epoch 1/1" in done.stdout
    assert "window stepper: Cuda" not in done.stdout and "window stepper: " in done.stdout
