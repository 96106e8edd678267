"""Gallery thumbnails: numbers and layer names either fit their slot or are left out — never
run together ("32323232") or cut off by their block ("dense128")."""

from __future__ import annotations

from PySide6.QtGui import QFontMetricsF, QPainter, QPixmap

from app.examples import list_examples
from widgets.panels import gallery


def test_fit_font_shrinks_to_fit_or_says_it_cannot(qtbot):
    pixmap = QPixmap(50, 50)
    painter = QPainter(pixmap)
    try:
        assert gallery.fit_font(painter, ["32", "128"], 40)
        assert QFontMetricsF(painter.font()).horizontalAdvance("128") <= 40
        assert not gallery.fit_font(painter, ["a long layer name"], 10)
    finally:
        painter.end()


def test_every_thumbnail_text_fits_its_slot(qtbot, monkeypatch):
    drawn: list[tuple[str, float, float]] = []  # (text, its width, the room it had)
    fit = gallery.fit_font

    def recording(painter, texts, room, *args):
        ok = fit(painter, texts, room, *args)
        if ok:
            metrics = QFontMetricsF(painter.font())
            drawn.extend((t, metrics.horizontalAdvance(t), room) for t in texts)
        return ok

    monkeypatch.setattr(gallery, "fit_font", recording)
    for example in list_examples():
        gallery.draw_thumbnail(example, width=gallery.THUMB_W + 1)  # not from the cache
    assert drawn and all(w <= room for _, w, room in drawn)
    assert any(t == "32" for t, _, _ in drawn)  # the GAN's four 32-wide layers are named
