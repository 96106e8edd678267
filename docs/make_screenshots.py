"""Regenerate the screenshots in docs/ (run from the repository root under a virtual display).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/make_screenshots.py [NAME...]

NAME picks some screenshots only (``seq2seq`` -> ``screenshot_seq2seq.png``); none: all.
The window takes the virtual screen's available size, except for the projector shots (their
size is in the name), so the screen must be at least 1920×1080.
``screenshot_1280x720.png`` / ``screenshot_1920x1080.png``: the spiral training at a lecture
projector's size (compact right column at 720: Loss | Network | Confusion under the decision
boundary); ``screenshot_cnn_1280x720.png`` (Look inside → Feature maps) and
``screenshot_seq2seq_1280x720.png`` (Look inside → Translations): training at 1280×720.
``screenshot_presenter.png``: the same in presenter mode (F5: larger text, thicker
curves). ``screenshot_spiral.png``: the spiral example mid-training (decision boundary forming).
``screenshot_error.png``: the digits MLP fed 1×8×8 images — the Dense layer cannot take an
image, its wire turns red and the problems panel says to insert a Flatten layer.
``screenshot_seq2seq.png``: the dates encoder–decoder after training, Look inside →
Translations (the network translating dates on its own, ✓/✗ beside the true answers).
Preferences go to a temporary folder, so the user's own settings are never touched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QSize, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402, TID251 - a GUI script

from app.examples import example_path  # noqa: E402
from app.settings import Settings  # noqa: E402
from engine import threads  # noqa: E402
from widgets.window.main_window import MainWindow  # noqa: E402
from widgets.window.theme import apply_theme  # noqa: E402

threads.install(1)  # BLAS: one thread outside training calls, as in the app (engine.threads)

SPIRAL_EPOCH = 180  # grab the spiral at this epoch: the boundary has formed, training goes on


def make_window(app: QApplication, folder: Path, size: QSize | None = None) -> MainWindow:
    """A window with fresh settings, ``size`` px (default: the screen's available size)."""
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, autosave_folder=folder / "recovery")
    window.prompts_enabled = False
    window.show()
    window.resize(size or app.primaryScreen().availableSize())
    settle(app, 100)
    window.apply_default_sizes()
    return window


def settle(app: QApplication, ms: int = 400) -> None:
    timer = QTimer(singleShot=True, interval=ms)
    timer.timeout.connect(lambda: None)
    timer.start()
    while timer.isActive():
        app.processEvents()


def spiral(app: QApplication, folder: Path, out: Path, size: QSize | None = None,
           presenter: bool = False) -> None:
    window = make_window(app, folder, size)
    window.files.open_example(example_path("spiral"))
    if presenter:  # text x1.6, thick curves, secondary docks hidden
        window.presenter.set_enabled(True)
        settle(app)
    settle(app)
    grabbed: list[bool] = []

    def grab() -> None:
        window.grab().save(str(out))
        grabbed.append(True)

    def on_snapshot(snap) -> None:
        if snap.epoch >= SPIRAL_EPOCH and not grabbed:
            grabbed.append(False)
            QTimer.singleShot(0, grab)  # after every view has drawn this snapshot

    window.session.snapshot_ready.connect(on_snapshot)
    window.run.toggle_play()
    while not (grabbed and grabbed[-1]):
        app.processEvents()
    window.presenter.set_enabled(False)  # the application font back for the next shots
    window.close()


def error(app: QApplication, folder: Path, out: Path) -> None:
    window = make_window(app, folder)
    window.files.open_example(example_path("digits_mlp"))
    doc = window.doc
    doc.set_dataset({"name": "digits", "as_image": True})
    doc.set_layer_options("pixels", {"shape": [1, 8, 8]})
    window.dataset_panel.ensure_current()
    window.canvas.select_layers(["hidden"])
    settle(app, 600)
    window.canvas.fit_to_view()
    settle(app)
    window.grab().save(str(out))
    window.close()


# (example, "Look inside" tab, file): a deep view of each family, after its run has ended
DEEP_SHOTS = (("digits_cnn", "feature_maps", "screenshot_cnn.png"),
              ("vae_digits_2d", "traversal", "screenshot_vae.png"),
              ("gan_ring_of_gaussians", "gan", "screenshot_gan.png"),
              ("tiny_transformer", "attention", "screenshot_attention.png"),
              ("dates_seq2seq_attention", "translate", "screenshot_seq2seq.png"))


def deep(app: QApplication, folder: Path, example: str, tab: str, out: Path) -> bool:
    """Train ``example`` to its end, then show the "Look inside" tab ``tab``."""
    path = example_path(example)
    if not path.is_file():
        return False
    window = make_window(app, folder)
    window.files.open_example(path)
    settle(app)
    done: list[bool] = []
    window.session.run_finished.connect(lambda _snap: done.append(True))
    window.run.toggle_play()
    while not done:
        app.processEvents()
    window.docks["inside"].raise_()
    shown = window.inside.dock.show_view(tab)
    settle(app, 1500)  # the view's probes arrive (computed at rest)
    window.grab().save(str(out))
    window.close()
    return shown


# (example, "Look inside" tab, grab at this epoch, file): training at a projector's 1280×720
LIVE_SHOTS = (("digits_cnn", "feature_maps", 4, "screenshot_cnn_1280x720.png"),
              ("dates_seq2seq_attention", "translate", 4, "screenshot_seq2seq_1280x720.png"))
PROJECTOR, FULL_HD = QSize(1280, 720), QSize(1920, 1080)


def live(app: QApplication, folder: Path, shot: tuple[str, str, int, str], out: Path) -> None:
    """Train ``example`` at 1280×720 and grab it at the shot's epoch, Look inside showing."""
    example, tab, epoch, _name = shot
    window = make_window(app, folder, PROJECTOR)
    window.files.open_example(example_path(example))
    settle(app)
    window.docks["inside"].raise_()
    window.inside.dock.show_view(tab)
    grabbed: list[bool] = []

    def grab() -> None:
        window.grab().save(str(out))
        grabbed.append(True)

    def on_snapshot(snap) -> None:
        if snap.epoch >= epoch and not grabbed:
            grabbed.append(False)
            QTimer.singleShot(800, grab)  # the view's probes of this epoch have arrived

    window.session.snapshot_ready.connect(on_snapshot)
    window.run.toggle_play()
    while not (grabbed and grabbed[-1]):
        app.processEvents()
    window.close()


def wanted(name: str, chosen: list[str]) -> bool:
    """``screenshot_NAME.png`` is asked for (no names given: every screenshot)."""
    return not chosen or name.removeprefix("screenshot_").removesuffix(".png") in chosen


def main(chosen: list[str]) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app, "light")
    with tempfile.TemporaryDirectory() as tmp:
        for name, shoot in (("screenshot_spiral.png", spiral), ("screenshot_error.png", error)):
            if wanted(name, chosen):
                shoot(app, Path(tmp) / Path(name).stem, ROOT / "docs" / name)
                print(f"wrote docs/{name}")
        for size in (PROJECTOR, FULL_HD):
            name = f"screenshot_{size.width()}x{size.height()}.png"
            if wanted(name, chosen):
                spiral(app, Path(tmp) / Path(name).stem, ROOT / "docs" / name, size)
                print(f"wrote docs/{name}")
        for shot in LIVE_SHOTS:
            if wanted(shot[3], chosen):
                live(app, Path(tmp) / Path(shot[3]).stem, shot, ROOT / "docs" / shot[3])
                print(f"wrote docs/{shot[3]}")
        for i, (example, tab, name) in enumerate(DEEP_SHOTS):
            if wanted(name, chosen) and deep(app, Path(tmp) / f"d{i}", example, tab,
                                             ROOT / "docs" / name):
                print(f"wrote docs/{name}")
        name = "screenshot_presenter.png"  # last: presenter mode enlarges the app's font
        if wanted(name, chosen):
            spiral(app, Path(tmp) / "presenter", ROOT / "docs" / name, PROJECTOR, True)
            print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
