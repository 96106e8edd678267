"""The fine-tuning lesson in the window: "Show me" on its second step freezes conv1 and conv2,
loads the pre-trained shapes CNN's matching layers and trains — the frozen layers hold the
pre-trained weights during the run (it really fine-tunes), and the status bar says what was
loaded."""

from __future__ import annotations

import numpy as np

from engine.lessons import LESSONS_DIR
from engine.weights_transfer import read_project_weights
from tests.widgets.window_helpers import close_test_window, make_test_window

LESSON = LESSONS_DIR / "23_fine_tuning.lesson.json"
PRETRAINED = LESSONS_DIR.parent / "examples" / "finetune_shapes_pretrained.layerlab.json"


def test_show_me_fine_tunes_the_pretrained_convolutions(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True)
    try:
        posted: list[str] = []
        post = win.post
        monkeypatch.setattr(win, "post", lambda text, level="info": (posted.append(text),
                                                                     post(text, level)))
        assert win.lessons.open_lesson(LESSON, ask=False)
        lesson, panel = win.lessons.session, win.lessons.panel
        panel.next_button.click()
        panel.show_me_button.click()
        assert any(text.startswith("Loaded 2 layer(s) from finetune_shapes_pretrained."
                                   "layerlab.json") for text in posted), posted
        assert win.run.state == "running"
        qtbot.waitUntil(lambda: len(lesson.epoch_rows) >= 1, timeout=60_000)
        weights = win.run.current_weights()
        pretrained = read_project_weights(PRETRAINED)
        for key in ("conv1/kernel", "conv1/bias", "conv2/kernel", "conv2/bias"):
            np.testing.assert_allclose(weights[key], pretrained[key], rtol=1e-6, err_msg=key)
        assert "convs_frozen" in lesson.passed
    finally:
        win.session.stop()
        close_test_window(win)
