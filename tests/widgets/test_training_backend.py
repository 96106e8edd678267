"""The training panel's "Runs on" choice: the GPU is offered only when one is usable (the
panel's ``gpu`` check is faked both ways), a project that asks for the GPU on a machine
without one says so in one sentence, and before training the panel says where each layer
trains."""

from __future__ import annotations

from app.document import ProjectDocument
from app.session import TrainingSession
from engine.cuda.runtime import CudaStatus
from engine.project import load_project
from engine.resources import example_path
from widgets.panels.training_panel import TrainingPanel

NO_GPU = CudaStatus(False, "", "no NVIDIA GPU with a working driver was found on this "
                    "computer.")
FAKE_GPU = CudaStatus(True, "Test GPU 9000", "")


def panel_for(qtbot, example: str, status: CudaStatus, backend: str = "auto"):
    doc, session = ProjectDocument(), TrainingSession()
    project = load_project(example_path(example))
    project.training.backend = backend
    doc.load(project)
    panel = TrainingPanel(doc, session, gpu=lambda: status)
    qtbot.addWidget(panel)
    return doc, session, panel


def entries(panel) -> list[str]:
    combo = panel.backend.combo
    return [combo.itemData(i) for i in range(combo.count())]


def choose(panel, value: str) -> None:
    combo = panel.backend.combo
    combo.setCurrentIndex(combo.findData(value))
    combo.activated.emit(combo.currentIndex())


def test_without_a_gpu_there_is_nothing_to_choose(qtbot):
    doc, _session, panel = panel_for(qtbot, "xor", NO_GPU)
    assert entries(panel) == ["auto"]
    assert not panel._form.isRowVisible(panel.backend.combo)
    assert panel.backend.note.isHidden()


def test_a_project_asking_for_the_gpu_on_a_machine_without_one_trains_on_the_cpu(qtbot):
    """The file says "cuda": the panel shows the CLI's fallback sentence and the CPU engine
    selected; the GPU never appears as a choice (the run's stepper is a CPU one)."""
    doc, session, panel = panel_for(qtbot, "xor", NO_GPU, backend="cuda")
    assert "cuda" not in entries(panel)
    assert panel.backend.combo.currentData() == "auto"
    assert not panel.backend.note.isHidden()
    assert panel.backend.note.text() == (
        "The CUDA backend is not available: no NVIDIA GPU with a working driver was found on "
        "this computer. Training runs on the CPU engine (numba) instead.")
    assert session.load(doc.project)
    assert panel.backend.note.text().startswith("The CUDA backend is not available")


def test_with_a_gpu_the_learner_can_choose_it_and_sees_where_each_layer_trains(qtbot):
    doc, session, panel = panel_for(qtbot, "digits_cnn", FAKE_GPU)
    assert entries(panel) == ["auto", "cuda"]
    assert panel._form.isRowVisible(panel.backend.combo)
    assert panel.backend.combo.itemText(1) == "GPU — Test GPU 9000"
    assert panel.backend.note.isHidden()  # the CPU engine: nothing to say
    choose(panel, "cuda")
    assert doc.project.training.backend == "cuda"
    assert "once the run is prepared" in panel.backend.note.text()
    assert session.load(doc.project)  # the run is prepared (as Play or Reset do)
    assert panel.backend.note.text() == ("CUDA backend: all 6 layers train on the GPU (Test GPU "
                                         "9000); losses, weights and probes come back at each "
                                         "live update.")
    doc.undo_stack.undo()  # back to the CPU engine
    assert doc.project.training.backend == "auto"
    assert panel.backend.combo.currentData() == "auto" and panel.backend.note.isHidden()


def test_layers_without_gpu_kernels_are_named_before_training(qtbot):
    """tiny_transformer trains on the GPU until its attention gets dropout (CPU only)."""
    doc, session, panel = panel_for(qtbot, "tiny_transformer", FAKE_GPU, backend="cuda")
    assert panel.backend.combo.currentData() == "cuda"
    attention = doc.graph.nodes["attention"].options
    doc.set_layer_options("attention", {**attention, "dropout": 0.1})
    assert session.load(doc.project)
    text = panel.backend.note.text()
    assert text.startswith("CUDA backend: this network trains on the CPU engine, because:")
    assert ("layer 'attention' (MultiHeadAttention): dropout on the attention weights runs "
            "on the CPU only") in text
    assert "(Add)" not in text  # residual merges have GPU kernels
